package conformance

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/goalto/goalto/alto"
)

var tipsService = service{feature: FeatureTIPS, kind: kindTIPS, prefix: "tips", what: "TIPS resource"}

func tipsChecks() []Check {
	checks := []Check{
		{
			ID: "tips.open", Section: "RFC 9569, Section 6.2", Feature: FeatureTIPS,
			Title: "opening a view without a tag gets 200, application/alto-tips+json, an absolute view URI and the latest snapshot as start edge",
			run: func(ctx context.Context, s *session) outcome {
				return outcomeOf(s.eachView(ctx, func(v *tipsView) error {
					rec := v.startEdge
					if rec.i != 0 || rec.j != v.end {
						return v.x.failuref(fmt.Sprintf("start-edge-rec {seq-i: 0, seq-j: %d}, the latest snapshot", v.end), "{seq-i: %d, seq-j: %d}", rec.i, rec.j)
					}
					return nil
				}))
			},
		},
		{
			ID: "tips.missing-resource-id", Section: "RFC 9569, Section 6.2", Feature: FeatureTIPS,
			Title: "an open request without resource-id gets 400 with E_MISSING_FIELD and, if any, field resource-id",
			run: func(ctx context.Context, s *session) outcome {
				return outcomeOf(s.eachResource(kindTIPS, "TIPS resource", func(r *resource) error {
					x := s.do(ctx, post(r.URI, alto.MediaTypeTIPSParams, alto.MediaTypeTIPS, []byte(`{}`)))
					meta, err := x.wantError(http.StatusBadRequest, "E_MISSING_FIELD")
					if err != nil {
						return err
					}
					if meta.hasField && meta.Field != "resource-id" {
						return x.failuref(`field "resource-id"`, "field %q", meta.Field)
					}
					return nil
				}))
			},
		},
		{
			ID: "tips.invalid-resource-id", Section: "RFC 9569, Section 6.2", Feature: FeatureTIPS,
			Title: "an open request for a resource the TIPS resource does not offer gets 400 with E_INVALID_FIELD_VALUE, and field and value name it",
			run: func(ctx context.Context, s *session) outcome {
				return outcomeOf(s.eachResource(kindTIPS, "TIPS resource", func(r *resource) error {
					x := s.do(ctx, post(r.URI, alto.MediaTypeTIPSParams, alto.MediaTypeTIPS, marshal(map[string]any{"resource-id": unknownResource})))
					meta, err := x.wantError(http.StatusBadRequest, "E_INVALID_FIELD_VALUE")
					if err != nil {
						return err
					}
					if meta.hasField && meta.Field != "resource-id" {
						return x.failuref(`field "resource-id"`, "field %q", meta.Field)
					}
					if meta.hasValue && meta.Value != unknownResource {
						return x.failuref(fmt.Sprintf("value %q", unknownResource), "value %q", meta.Value)
					}
					return nil
				}))
			},
		},
		{
			ID: "tips.snapshot", Section: "RFC 9569, Section 7.2", Feature: FeatureTIPS,
			Title: "the snapshot item ug/0/<end-seq> is in the resource's media type and equals a GET of the resource",
			run: func(ctx context.Context, s *session) outcome {
				return outcomeOf(s.eachView(ctx, func(v *tipsView) error {
					x, err := s.getItem(ctx, v, 0, v.end)
					if err != nil {
						return err
					}
					body, err := s.currentBody(ctx, v.target)
					if err != nil {
						return skipf("%v", err)
					}
					if d, err := bodyDiff(x.body, body); err != nil || d != "" {
						return x.failuref("the body of GET "+v.target.URI, "%s%s", d, errText(err))
					}
					return nil
				}))
			},
		},
		{
			ID: "tips.below-start", Section: "RFC 9569, Section 7.2", Feature: FeatureTIPS,
			Title: "an item whose version is below start-seq gets 410",
			run: func(ctx context.Context, s *session) outcome {
				return outcomeOf(s.eachView(ctx, func(v *tipsView) error {
					if v.start <= 1 {
						return skipf("view %s starts at version %d, so no version lies below start-seq", v.uri, v.start)
					}
					return s.wantItemStatus(ctx, v, 0, v.start-1, http.StatusGone)
				}))
			},
		},
		{
			ID: "tips.beyond-end", Section: "RFC 9569, Section 7.2", Feature: FeatureTIPS,
			Title: "an item far beyond end-seq, outside any long polling window, gets 425",
			run: func(ctx context.Context, s *session) outcome {
				return outcomeOf(s.eachView(ctx, func(v *tipsView) error {
					return s.wantItemStatus(ctx, v, v.end+100, v.end+101, http.StatusTooEarly)
				}))
			},
		},
		{
			ID: "tips.malformed-seq", Section: "RFC 9569, Section 7.2", Feature: FeatureTIPS,
			Title: "an item path whose sequence numbers are not decimal integers gets 400 or 404",
			run: func(ctx context.Context, s *session) outcome {
				return outcomeOf(s.eachView(ctx, func(v *tipsView) error {
					for _, path := range []string{"/ug/abc/1", "/ug/0/-1"} {
						x := s.do(ctx, get(v.uri+path, v.target.MediaType))
						if x.err != nil || (x.status != http.StatusBadRequest && x.status != http.StatusNotFound) {
							return x.failure("400 or 404", x.describeResponse())
						}
					}
					return nil
				}))
			},
		},
		{
			ID: "tips.next-edge", Section: "RFC 9569, Section 7.4.2", Feature: FeatureTIPS,
			Title: "a next edge request gets 200 and a JSON merge patch with the updates graph summary",
			run: func(ctx context.Context, s *session) outcome {
				return outcomeOf(s.eachView(ctx, func(v *tipsView) error {
					return s.checkNextEdge(ctx, v)
				}))
			},
		},
	}
	return append(checks, postChecks(tipsService)...)
}

// tipsView is an open TIPS view (RFC 9569, Section 6.2) of one
// resource.
type tipsView struct {
	tips       *resource
	target     *resource
	x          *exchange
	uri        string
	start, end uint64
	startEdge  struct{ i, j uint64 }
}

// eachView opens a view of the network map and a cost map of every
// TIPS resource, and runs fn on each.
func (s *session) eachView(ctx context.Context, fn func(v *tipsView) error) error {
	return s.eachResource(kindTIPS, "TIPS resource", func(r *resource) error {
		targets := s.followTargets(r)
		if len(targets) == 0 {
			return skipf("TIPS resource %q offers no network map or cost map read with GET", r.ID)
		}
		return eachOf(targets, func(f *followed) error {
			v, err := s.openView(ctx, r, f.r)
			if err != nil {
				return err
			}
			return fn(v)
		})
	})
}

// openView sends a TIPSReq without tag and parses the AddTIPSResponse.
func (s *session) openView(ctx context.Context, r, target *resource) (*tipsView, error) {
	x := s.do(ctx, post(r.URI, alto.MediaTypeTIPSParams, alto.MediaTypeTIPS, marshal(map[string]any{"resource-id": target.ID})))
	if err := x.wantSuccess(alto.MediaTypeTIPS); err != nil {
		return nil, err
	}
	v, err := parseView(x.body)
	if err != nil {
		return nil, x.failuref("an AddTIPSResponse (RFC 9569, Section 6.2)", "%v", err)
	}
	v.tips, v.target, v.x = r, target, x
	return v, nil
}

func parseView(body []byte) (*tipsView, error) {
	o, err := decodeObject(body)
	if err != nil {
		return nil, err
	}
	uri, err := member[string](o, "tips-view-uri", "tips-view-uri")
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(uri)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || !isASCII(uri) {
		return nil, fmt.Errorf("tips-view-uri %q is not an absolute http or https URI of ASCII characters", uri)
	}

	summary, err := member[map[string]any](o, "tips-view-summary", "tips-view-summary")
	if err != nil {
		return nil, err
	}
	graph, err := member[map[string]any](summary, "updates-graph-summary", "tips-view-summary/updates-graph-summary")
	if err != nil {
		return nil, err
	}
	v := &tipsView{uri: strings.TrimSuffix(uri, "/")}
	path := "tips-view-summary/updates-graph-summary/"
	if v.start, err = seqMember(graph, "start-seq", path); err != nil {
		return nil, err
	}
	if v.end, err = seqMember(graph, "end-seq", path); err != nil {
		return nil, err
	}
	if v.start > v.end {
		return nil, fmt.Errorf("start-seq %d is above end-seq %d", v.start, v.end)
	}

	rec, err := member[map[string]any](graph, "start-edge-rec", path+"start-edge-rec")
	if err != nil {
		return nil, err
	}
	if v.startEdge.i, err = seqMember(rec, "seq-i", path+"start-edge-rec/"); err != nil {
		return nil, err
	}
	if v.startEdge.j, err = seqMember(rec, "seq-j", path+"start-edge-rec/"); err != nil {
		return nil, err
	}
	return v, nil
}

// seqMember returns a sequence number member: a JSON number that is a
// non-negative integer.
func seqMember(o map[string]any, name, path string) (uint64, error) {
	n, err := member[json.Number](o, name, path+name)
	if err != nil {
		return 0, err
	}
	seq, err := strconv.ParseUint(n.String(), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is %s, not a non-negative integer", path+name, n)
	}
	return seq, nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// itemRequest returns the GET of an update item, accepting every media
// type it may have (RFC 9569, Section 7.2).
func itemRequest(v *tipsView, i, j uint64) request {
	rq := get(fmt.Sprintf("%s/ug/%d/%d", v.uri, i, j), v.target.MediaType)
	rq.accept = strings.Join([]string{v.target.MediaType, alto.MediaTypeMergePatch, alto.MediaTypeJSONPatch, alto.MediaTypeError}, ",")
	return rq
}

// getItem fetches the snapshot item ug/i/j, which must be 200 in the
// resource's media type.
func (s *session) getItem(ctx context.Context, v *tipsView, i, j uint64) (*exchange, error) {
	x := s.do(ctx, itemRequest(v, i, j))
	if err := x.wantSuccess(v.target.MediaType); err != nil {
		return nil, err
	}
	return x, nil
}

// wantItemStatus fetches ug/i/j and checks the status.
func (s *session) wantItemStatus(ctx context.Context, v *tipsView, i, j uint64, status int) error {
	x := s.do(ctx, itemRequest(v, i, j))
	if x.err != nil || x.status != status {
		return x.failure(strconv.Itoa(status), x.describeResponse())
	}
	return nil
}

// pause waits a fifth of a second, or less before the deadline, so that
// a server that responds to a long poll with 425 at once is not flooded.
func pause(ctx context.Context, left time.Duration) {
	t := time.NewTimer(min(left, 200*time.Millisecond))
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// checkNextEdge sends a next edge request (RFC 9569, Section 7.4.1) and
// checks that the response is a merge patch with the updates graph
// summary (Section 7.4.2).
func (s *session) checkNextEdge(ctx context.Context, v *tipsView) error {
	x := s.do(ctx, post(v.uri+"/ug", alto.MediaTypeTIPSParams, alto.MediaTypeMergePatch, marshal(map[string]any{"resource-id": v.target.ID})))
	if err := x.wantSuccess(alto.MediaTypeMergePatch); err != nil {
		return err
	}
	o, err := decodeObject(x.body)
	if err != nil {
		return x.failuref("a JSON merge patch object", "%v", err)
	}
	summary, err := member[map[string]any](o, "tips-view-summary", "tips-view-summary")
	if err == nil {
		_, err = member[map[string]any](summary, "updates-graph-summary", "tips-view-summary/updates-graph-summary")
	}
	if err != nil {
		return x.failuref("tips-view-summary/updates-graph-summary", "%v", err)
	}
	return nil
}

// checkTIPSUpdates opens views, fetches their latest snapshots, runs
// the trigger and follows the next edges until the documents equal
// fresh GETs.
func (s *session) checkTIPSUpdates(ctx context.Context, r *resource) error {
	if s.cfg.Trigger == nil {
		return skipf("a server that does not change cannot show updates: give a trigger command that changes the server's network")
	}
	targets := s.followTargets(r)
	if len(targets) == 0 {
		return skipf("TIPS resource %q offers no network map or cost map read with GET", r.ID)
	}
	views := make([]*tipsView, len(targets))
	for k, f := range targets {
		v, err := s.openView(ctx, r, f.r)
		if err != nil {
			return skipf("%v (tips.open reports it)", err)
		}
		x, err := s.getItem(ctx, v, 0, v.end)
		if err != nil {
			return skipf("%v (tips.snapshot reports it)", err)
		}
		views[k], f.doc, f.initial = v, x.body, x.body
	}
	if err := s.trigger(ctx); err != nil {
		return err
	}
	// The views are followed together: a resource that the change left
	// alone has no next version, and waiting for it first would use up
	// the time of the others.
	deadline := time.Now().Add(s.cfg.UpdateTimeout)
	fctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	var mu sync.Mutex // guards the documents and update counts of targets
	rebuilt := func() bool {
		updates := 0
		for _, f := range targets {
			updates += f.updates
		}
		d, err := s.mismatch(fctx, targets)
		return updates > 0 && err == nil && d == ""
	}
	errs := make([]error, len(targets))
	var wg sync.WaitGroup
	for k, f := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[k] = s.followView(fctx, views[k], f, &mu, rebuilt, cancel)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return s.updateOutcome(ctx, targets, "TIPS view")
}

// followView pulls the edges after the view's end-seq, each waiting for
// its version, until ctx ends. After each update it calls rebuilt, with
// mu held, and when every followed document equals its GET it calls
// stop, which ends the other views' polls too.
func (s *session) followView(ctx context.Context, v *tipsView, f *followed, mu *sync.Mutex, rebuilt func() bool, stop func()) error {
	seq := v.end
	for ctx.Err() == nil {
		rq := itemRequest(v, seq, seq+1)
		deadline, _ := ctx.Deadline()
		x := s.doWithTimeout(ctx, rq, time.Until(deadline))
		switch {
		case x.err != nil && x.status == 0:
			return nil // the deadline passed or another view stopped the wait
		case x.status == http.StatusTooEarly:
			pause(ctx, time.Until(deadline)) // a long poll that timed out; ask again
			continue
		case x.status != http.StatusOK:
			return x.failure("200 with the update item", x.describeResponse())
		}
		mu.Lock()
		doc, err := applyUpdate(f.doc, v.target.MediaType, x.mediaType(), x.body)
		if err != nil {
			mu.Unlock()
			return x.failuref("an update item that applies", "%v", err)
		}
		f.doc = doc
		f.updates++
		done := rebuilt()
		mu.Unlock()
		if done {
			stop()
			return nil
		}
		seq++
	}
	return nil
}
