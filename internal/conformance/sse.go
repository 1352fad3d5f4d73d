package conformance

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/goalto/goalto/alto"
)

// unknownResource is a valid resource ID that no server is expected to
// define.
const unknownResource = "conformance-no-such-resource"

var updateStreamService = service{feature: FeatureUpdateStream, kind: kindUpdateStream, prefix: "sse", what: "update stream service"}

func updateStreamChecks() []Check {
	checks := []Check{
		{
			ID: "sse.control-first", Section: "RFC 8895, Section 6.7.1", Feature: FeatureUpdateStream,
			Title: "the first event of an update stream is a control update message with the control URI",
			run: func(ctx context.Context, s *session) outcome {
				return outcomeOf(s.eachStream(func(r *resource, subs []*followed) error {
					st, _, err := s.openStream(ctx, r, streamRequest(subs))
					if err != nil {
						return err
					}
					defer st.close()
					_, err = readControlURI(st, s.cfg.RequestTimeout)
					return err
				}))
			},
		},
		{
			ID: "sse.full-replacement", Section: "RFC 8895, Section 6.7.1", Feature: FeatureUpdateStream,
			Title: "each substream without a tag starts with a full replacement equal to a GET of its resource",
			run: func(ctx context.Context, s *session) outcome {
				return outcomeOf(s.eachStream(func(r *resource, subs []*followed) error {
					st, _, err := s.openStream(ctx, r, streamRequest(subs))
					if err != nil {
						return skipf("%v", err)
					}
					defer st.close()
					if _, err := readControlURI(st, s.cfg.RequestTimeout); err != nil {
						return skipf("%v (sse.control-first reports it)", err)
					}
					if err := readFullReplacements(st, subs, s.cfg.RequestTimeout); err != nil {
						return err
					}
					if d, err := s.mismatch(ctx, subs); err != nil || d != "" {
						return fmt.Errorf("%s: expected full replacements equal to GET; got %s%v", st.x.describeRequest(), d, errText(err))
					}
					return nil
				}))
			},
		},
		{
			ID: "sse.missing-add", Section: "RFC 8895, Section 6.6", Feature: FeatureUpdateStream,
			Title: "an update stream request without add gets 400 with E_MISSING_FIELD",
			run: func(ctx context.Context, s *session) outcome {
				return outcomeOf(s.eachResource(kindUpdateStream, "update stream service", func(r *resource) error {
					x := s.do(ctx, post(r.URI, alto.MediaTypeUpdateStreamParams, alto.MediaTypeEventStream, []byte(`{}`)))
					_, err := x.wantError(http.StatusBadRequest, "E_MISSING_FIELD")
					return err
				}))
			},
		},
		{
			ID: "sse.invalid-resource", Section: "RFC 8895, Section 6.6", Feature: FeatureUpdateStream,
			Title: "a resource ID that the stream does not offer gets 400 with E_INVALID_FIELD_VALUE",
			run: func(ctx context.Context, s *session) outcome {
				return outcomeOf(s.eachResource(kindUpdateStream, "update stream service", func(r *resource) error {
					body := marshal(map[string]any{"add": map[string]any{"conformance": map[string]any{"resource-id": unknownResource}}})
					x := s.do(ctx, post(r.URI, alto.MediaTypeUpdateStreamParams, alto.MediaTypeEventStream, body))
					_, err := x.wantError(http.StatusBadRequest, "E_INVALID_FIELD_VALUE")
					return err
				}))
			},
		},
		{
			ID: "sse.stream-control", Section: "RFC 8895, Section 7", Feature: FeatureUpdateStream,
			Title: "removing a substream through the control URI gets a 2xx response and a stopped control event",
			run: func(ctx context.Context, s *session) outcome {
				return outcomeOf(s.eachStream(func(r *resource, subs []*followed) error {
					if !r.StreamControl {
						return skipf("update stream %q does not support stream control", r.ID)
					}
					return s.checkStreamControl(ctx, r, subs)
				}))
			},
		},
	}
	return append(checks, postChecks(updateStreamService)...)
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// eachStream runs fn for every update stream service with the
// substreams to request: its first network map and a cost map that
// uses that network map, when its uses list has them.
func (s *session) eachStream(fn func(r *resource, subs []*followed) error) error {
	return s.eachResource(kindUpdateStream, "update stream service", func(r *resource) error {
		subs := s.followTargets(r)
		if len(subs) == 0 {
			return skipf("update stream %q offers no network map or cost map read with GET", r.ID)
		}
		return fn(r, subs)
	})
}

// followTargets picks the GET resources of an update stream's or TIPS
// resource's uses to follow: the first network map, and the first cost
// map that uses it (or the first cost map when no network map is
// offered).
func (s *session) followTargets(r *resource) []*followed {
	var nm, cm *resource
	for _, id := range r.Uses {
		u, ok := s.dir.byID[id]
		if !ok {
			continue
		}
		switch {
		case u.kind() == kindNetworkMap && nm == nil:
			nm = u
		case u.kind() == kindCostMap && cm == nil:
			if n := s.dir.networkMapOf(u); nm == nil || n == nm {
				cm = u
			}
		}
	}
	var out []*followed
	if nm != nil {
		out = append(out, &followed{id: "nm", r: nm})
	}
	if cm != nil && (nm == nil || s.dir.networkMapOf(cm) == nm) {
		out = append(out, &followed{id: "cm", r: cm})
	}
	return out
}

// streamRequest builds an UpdateStreamReq (RFC 8895, Section 6.5) that
// adds a substream per followed resource.
func streamRequest(subs []*followed) []byte {
	add := map[string]any{}
	for _, f := range subs {
		add[f.id] = map[string]any{"resource-id": f.r.ID}
	}
	return marshal(map[string]any{"add": add})
}

// readControlURI reads the first event, which must be a control update
// message with a control-uri member (RFC 8895, Sections 5.3 and 6.7.1).
// It returns the control URI, "" when the member is null.
func readControlURI(st *eventStream, timeout time.Duration) (string, error) {
	want := "a first event " + alto.MediaTypeUpdateStreamControl + " with control-uri"
	ev, err := st.next(timeout)
	if err != nil {
		return "", st.x.failure(want, err.Error())
	}
	if ev.Type != alto.MediaTypeUpdateStreamControl {
		return "", st.x.failuref(want, "event %q", ev.Type)
	}
	o, err := decodeObject([]byte(ev.Data))
	if err != nil {
		return "", st.x.failuref(want, "data that is not a JSON object: %v", err)
	}
	v, ok := o["control-uri"]
	if !ok {
		return "", st.x.failuref(want, "data %s", excerpt([]byte(ev.Data)))
	}
	switch u := v.(type) {
	case nil:
		return "", nil
	case string:
		return u, nil
	}
	return "", st.x.failuref(want, "control-uri of JSON type %s", jsonKind(v))
}

// readFullReplacements reads events until every substream got its first
// data update, which must be a full replacement in the resource's media
// type (RFC 8895, Section 6.7.1). Control events in between are skipped.
func readFullReplacements(st *eventStream, subs []*followed, timeout time.Duration) error {
	pending := len(subs)
	for pending > 0 {
		ev, err := st.next(timeout)
		if err != nil {
			return st.x.failure("a full replacement for each substream", err.Error())
		}
		mediaType, id := splitEventType(ev.Type)
		if mediaType == alto.MediaTypeUpdateStreamControl {
			continue
		}
		i := slices.IndexFunc(subs, func(f *followed) bool { return f.id == id })
		if i < 0 {
			return st.x.failuref("data updates of the requested substreams only", "event %q", ev.Type)
		}
		f := subs[i]
		if f.doc != nil {
			continue
		}
		if mediaType != f.r.MediaType {
			return st.x.failuref(fmt.Sprintf("a first update of substream %q in %s, a full replacement", id, f.r.MediaType), "event %q", ev.Type)
		}
		f.doc, f.initial = []byte(ev.Data), []byte(ev.Data)
		pending--
	}
	return nil
}

// checkStreamControl removes the last substream through the control URI
// and waits for the control event that reports it stopped (RFC 8895,
// Sections 6.7.1 and 7.6).
func (s *session) checkStreamControl(ctx context.Context, r *resource, subs []*followed) error {
	st, _, err := s.openStream(ctx, r, streamRequest(subs))
	if err != nil {
		return skipf("%v", err)
	}
	defer st.close()
	uri, err := readControlURI(st, s.cfg.RequestTimeout)
	if err != nil {
		return skipf("%v (sse.control-first reports it)", err)
	}
	if uri == "" {
		return skipf("the stream's control-uri is null, so it has no stream control")
	}
	if err := readFullReplacements(st, subs, s.cfg.RequestTimeout); err != nil {
		return skipf("%v (sse.full-replacement reports it)", err)
	}

	base, _ := url.Parse(r.URI)
	ref, err := url.Parse(uri)
	if err != nil {
		return st.x.failuref("a control URI", "%q: %v", uri, err)
	}
	victim := subs[len(subs)-1].id
	body := marshal(map[string]any{"remove": []string{victim}})
	x := s.do(ctx, post(base.ResolveReference(ref).String(), alto.MediaTypeUpdateStreamParams, "", body))
	if x.err != nil || x.status < 200 || x.status > 299 {
		return x.failure("2xx", x.describeResponse())
	}

	deadline := time.Now().Add(s.cfg.RequestTimeout)
	for time.Now().Before(deadline) {
		ev, err := st.next(time.Until(deadline))
		if err != nil {
			break
		}
		if ev.Type != alto.MediaTypeUpdateStreamControl {
			continue
		}
		o, err := decodeObject([]byte(ev.Data))
		if err != nil {
			continue
		}
		if list, ok := o["stopped"].([]any); ok && slices.Contains(list, any(victim)) {
			return nil
		}
	}
	return x.failuref(fmt.Sprintf("a control event with \"stopped\" listing %q on the stream", victim), "none within %s", s.cfg.RequestTimeout)
}

// checkStreamPatches opens a stream, runs the trigger and applies the
// updates until the documents equal fresh GETs. A cost map update must
// not name a network map version that the stream has not sent yet (RFC
// 8895, Section 6.7.1).
func (s *session) checkStreamPatches(ctx context.Context, r *resource) error {
	if s.cfg.Trigger == nil {
		return skipf("a server that does not change cannot show patches: give a trigger command that changes the server's network")
	}
	subs := s.followTargets(r)
	if len(subs) == 0 {
		return skipf("update stream %q offers no network map or cost map read with GET", r.ID)
	}

	st, _, err := s.openStream(ctx, r, streamRequest(subs))
	if err != nil {
		return skipf("%v", err)
	}
	defer st.close()
	if _, err := readControlURI(st, s.cfg.RequestTimeout); err != nil {
		return skipf("%v (sse.control-first reports it)", err)
	}
	if err := readFullReplacements(st, subs, s.cfg.RequestTimeout); err != nil {
		return skipf("%v (sse.full-replacement reports it)", err)
	}

	if err := s.trigger(ctx); err != nil {
		return err
	}
	deadline := time.Now().Add(s.cfg.UpdateTimeout)
	for time.Now().Before(deadline) {
		ev, err := st.next(time.Until(deadline))
		if errors.Is(err, errStreamTimeout) {
			break
		}
		if err != nil {
			return st.x.failure("updates after the change", err.Error())
		}
		done, err := s.applyStreamEvent(ctx, st, subs, ev)
		if err != nil || done {
			return err
		}
	}
	return s.updateOutcome(ctx, subs, "update stream")
}

// applyStreamEvent applies one event and reports whether every
// document now equals its GET.
func (s *session) applyStreamEvent(ctx context.Context, st *eventStream, subs []*followed, ev sseEvent) (bool, error) {
	mediaType, id := splitEventType(ev.Type)
	if mediaType == alto.MediaTypeUpdateStreamControl {
		return false, nil
	}
	i := slices.IndexFunc(subs, func(f *followed) bool { return f.id == id })
	if i < 0 {
		return false, st.x.failuref("data updates of the requested substreams only", "event %q", ev.Type)
	}
	f := subs[i]
	doc, err := applyUpdate(f.doc, f.r.MediaType, mediaType, []byte(ev.Data))
	if err != nil {
		return false, st.x.failuref(fmt.Sprintf("an update of substream %q that applies", id), "%v", err)
	}
	f.doc = doc
	f.updates++
	if f.r.kind() == kindCostMap {
		if err := checkUpdateOrder(st, subs, f); err != nil {
			return false, err
		}
	}
	d, err := s.mismatch(ctx, subs)
	return err == nil && d == "", err
}

// checkUpdateOrder checks that the network map document already has
// the version that an updated cost map depends on.
func checkUpdateOrder(st *eventStream, subs []*followed, cm *followed) error {
	i := slices.IndexFunc(subs, func(f *followed) bool { return f.r.kind() == kindNetworkMap })
	if i < 0 {
		return nil
	}
	m, err := parseCostMap(cm.doc, "cost-map")
	if err != nil || len(m.DependentVTags) != 1 {
		return nil // the final comparison with GET reports it
	}
	nm, err := parseNetworkMap(subs[i].doc)
	if err != nil || !nm.HasVTag {
		return nil
	}
	if dep := m.DependentVTags[0]; dep.ResourceID == nm.VTag.ResourceID && dep.Tag != nm.VTag.Tag {
		return st.x.failuref("the network map update before the cost map update that depends on it (RFC 8895, Section 6.7.1)",
			"a cost map naming %s while the stream's network map is %s", dep, nm.VTag)
	}
	return nil
}
