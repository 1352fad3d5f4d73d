package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/goalto/goalto/alto"
)

// Retry limits of a TIPS follower.
const (
	// tipsMaxFailures is the number of failed requests in a row after
	// which a view stops the follower.
	tipsMaxFailures = 5
	// tipsRetryDelay is the first delay before a request is sent again
	// when the server sent no Retry-After. It doubles after each failure
	// in a row, up to tipsMaxRetryDelay, which also bounds Retry-After.
	tipsRetryDelay    = time.Second
	tipsMaxRetryDelay = 30 * time.Second
)

// tipsSession is the TIPS resource of a follower and its views, one per
// followed resource.
type tipsSession struct {
	f    *Follower
	tips Resource

	mu      sync.Mutex
	cancels map[string]context.CancelFunc // by resource ID
}

// edge is an edge of an updates graph, from version i to version j
// (RFC 9569, Section 3.1).
type edge struct{ i, j uint64 }

// tipsSummary is an UpdatesGraphSummary, RFC 9569, Section 6.2.
type tipsSummary struct {
	StartSeq     uint64 `json:"start-seq"`
	EndSeq       uint64 `json:"end-seq"`
	StartEdgeRec struct {
		SeqI uint64 `json:"seq-i"`
		SeqJ uint64 `json:"seq-j"`
	} `json:"start-edge-rec"`
}

func (s tipsSummary) recommended() edge {
	return edge{s.StartEdgeRec.SeqI, s.StartEdgeRec.SeqJ}
}

// tipsOpenResponse is an AddTIPSResponse, RFC 9569, Section 6.2, and
// the response to a next edge request (Section 7.4), which is a merge
// patch with the same members.
type tipsOpenResponse struct {
	TIPSViewURI     string `json:"tips-view-uri"`
	TIPSViewSummary struct {
		UpdatesGraphSummary tipsSummary `json:"updates-graph-summary"`
	} `json:"tips-view-summary"`
}

// tipsRequest is a TIPSReq, RFC 9569, Section 6.1.
type tipsRequest struct {
	ResourceID string `json:"resource-id"`
	Tag        string `json:"tag,omitempty"`
}

// FollowTIPS follows resources through views of the TIPS resource with
// resource ID tipsID (RFC 9569): network maps and cost maps that its
// "uses" lists. It opens a view of each resource, fetches the
// recommended start edge, a snapshot, and then long-polls the edge from
// the latest version to the next, again and again. The context bounds
// the whole follow; Close stops it earlier.
//
// On 410 Gone (the follower fell behind the versions that the server
// keeps) and on 404 Not Found (the view was closed), the follower opens
// the view again and fetches a snapshot, sent as an Update marked
// Resync. On 425 Too Early it sends the request again. When a patch
// fails, or a result is not a valid JSON object, it fetches the resource
// again with GET and sends an Update marked Resync.
//
// A cost map may name in "dependent-vtags" a network map version that
// the follower has not yet received over the network map's view. The
// follower then keeps the cost map until that version arrives (RFC
// 9569, Section 8.2). If it does not arrive within 30 seconds, the
// follower fetches the cost map again with GET.
//
// A long poll waits up to the server's long poll timeout (30 seconds in
// goalto), so the Timeout of an HTTP client set by WithHTTPClient must be
// longer than that, or zero.
func (c *Client) FollowTIPS(ctx context.Context, tipsID string, resourceIDs []string, opts ...FollowOption) (*Follower, error) {
	tips, err := c.ResourceOfType(ctx, tipsID, alto.MediaTypeTIPS, alto.MediaTypeTIPSParams)
	if err != nil {
		return nil, err
	}
	resources, err := c.followedResources(ctx, tips, resourceIDs)
	if err != nil {
		return nil, err
	}
	f := newFollower(ctx, c, ViaTIPS, opts)
	s := &tipsSession{f: f, tips: tips, cancels: make(map[string]context.CancelFunc)}
	f.tips = s
	f.track(resources)
	var loops []func()
	for _, r := range resources {
		loop, err := s.openView(r)
		if err != nil {
			f.cancel(err)
			return nil, err
		}
		loops = append(loops, loop)
	}
	f.start(loops...)
	return f, nil
}

// openView opens the view of a resource and returns the loop that
// follows it.
func (s *tipsSession) openView(r Resource) (func(), error) {
	ctx, cancel := context.WithCancel(s.f.ctx)
	v := &tipsView{f: s.f, tips: s.tips, res: r}
	first, err := v.open(ctx, "")
	if err != nil {
		cancel()
		return nil, err
	}
	s.mu.Lock()
	s.cancels[r.ID] = cancel
	s.mu.Unlock()
	return func() {
		defer cancel()
		v.run(ctx, first)
	}, nil
}

// add opens views of more resources.
func (s *tipsSession) add(ctx context.Context, resourceIDs []string) error {
	f := s.f
	resources, err := f.c.followedResources(ctx, s.tips, resourceIDs)
	if err != nil {
		return err
	}
	for _, id := range resourceIDs {
		if slices.Contains(f.ResourceIDs(), id) {
			return fmt.Errorf("resource %q is followed already", id)
		}
	}
	f.track(resources)
	for _, r := range resources {
		loop, err := s.openView(r)
		if err == nil && !f.goLoop(loop) {
			err = errors.New("the follower has stopped")
		}
		if err != nil {
			s.remove([]string{r.ID})
			return err
		}
	}
	return nil
}

// remove stops following resources. Removing the last one stops the
// follower.
func (s *tipsSession) remove(resourceIDs []string) error {
	for _, id := range resourceIDs {
		if !slices.Contains(s.f.ResourceIDs(), id) {
			return fmt.Errorf("resource %q: %w among the followed resources", id, ErrNotFound)
		}
	}
	s.mu.Lock()
	for _, id := range resourceIDs {
		if cancel, ok := s.cancels[id]; ok {
			cancel()
			delete(s.cancels, id)
		}
	}
	s.mu.Unlock()
	for _, id := range resourceIDs {
		s.f.untrack(id)
	}
	if len(s.f.ResourceIDs()) == 0 {
		s.f.stop(errNothingLeft)
	}
	return nil
}

// tipsView follows one resource through its TIPS view. Only its own
// goroutine uses it.
type tipsView struct {
	f    *Follower
	tips Resource
	res  Resource

	viewURI string
	// seq is the version of the state in the view, 0 before the first.
	seq uint64
	// failures counts the failed requests in a row.
	failures int
	// resync, when set, marks the next full state as a
	// resynchronisation for this reason.
	resync string
	// skipEqual drops the next full state when it equals the state
	// held, because then it only gives the version of that state.
	skipEqual bool
}

// run fetches edges until ctx ends or an error stops the follower.
func (v *tipsView) run(ctx context.Context, next edge) {
	for {
		var err error
		next, err = v.step(ctx, next)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			v.f.stop(fmt.Errorf("following %s over TIPS: %w", v.res.ID, err))
			return
		}
	}
}

// open opens the view (RFC 9569, Section 6) with the tag of the version
// the follower holds, or none, and returns the recommended start edge.
func (v *tipsView) open(ctx context.Context, tag string) (edge, error) {
	resp, err := v.f.c.Post(ctx, v.tips, tipsRequest{ResourceID: v.res.ID, Tag: tag})
	if err != nil {
		return edge{}, fmt.Errorf("opening the TIPS view of %s: %w", v.res.ID, err)
	}
	var open tipsOpenResponse
	if err := resp.Decode(&open); err != nil {
		return edge{}, err
	}
	base, err := url.Parse(resp.URL)
	if err != nil {
		return edge{}, fmt.Errorf("TIPS URL: %w", err)
	}
	ref, err := url.Parse(open.TIPSViewURI)
	if err != nil || open.TIPSViewURI == "" {
		return edge{}, fmt.Errorf("TIPS view of %s: invalid tips-view-uri %q", v.res.ID, open.TIPSViewURI)
	}
	v.viewURI = strings.TrimSuffix(base.ResolveReference(ref).String(), "/")
	return v.startEdge(open.TIPSViewSummary.UpdatesGraphSummary), nil
}

// startEdge returns the edge to fetch from a summary: the recommended
// one when it starts at a snapshot or at the version held, else the
// latest snapshot.
func (v *tipsView) startEdge(sum tipsSummary) edge {
	rec := sum.recommended()
	if rec.j > rec.i && (rec.i == 0 || rec.i == v.seq) {
		return rec
	}
	return edge{0, max(sum.EndSeq, 1)}
}

// step fetches and applies one edge, and returns the next edge.
func (v *tipsView) step(ctx context.Context, e edge) (edge, error) {
	body, mediaType, err := v.fetch(ctx, e)
	if err != nil {
		return v.recover(ctx, e, err)
	}
	v.failures = 0
	m := message{body: body, tipsSeq: e.j}
	switch {
	case mediaType == v.res.MediaType:
		m.kind = KindFull
		m.resync, m.skipEqual = v.resync, v.skipEqual
		v.resync, v.skipEqual = "", false
	case mediaType == alto.MediaTypeMergePatch && e.i != 0:
		m.kind = KindMergePatch
	case mediaType == alto.MediaTypeJSONPatch && e.i != 0:
		m.kind = KindJSONPatch
	default:
		return v.resyncByGet(ctx, fmt.Sprintf("item of edge %d to %d has media type %q", e.i, e.j, mediaType))
	}
	err = v.f.applyMessage(ctx, v.res.ID, m, dependencyWaitFor)
	var inc *inconsistency
	if errors.As(err, &inc) {
		return v.resyncByGet(ctx, fmt.Sprintf("edge %d to %d: %s", e.i, e.j, inc.reason))
	}
	if err != nil {
		return edge{}, err
	}
	v.seq = e.j
	return edge{e.j, e.j + 1}, nil
}

// itemError is a response to an update item request other than 200.
type itemError struct {
	status     int
	retryAfter time.Duration // -1 without a valid Retry-After header
	err        error
}

func (e *itemError) Error() string { return e.err.Error() }
func (e *itemError) Unwrap() error { return e.err }

// fetch GETs the update item of an edge (RFC 9569, Section 7) and
// returns its body and media type.
func (v *tipsView) fetch(ctx context.Context, e edge) ([]byte, string, error) {
	c := v.f.c
	uri := fmt.Sprintf("%s/ug/%d/%d", v.viewURI, e.i, e.j)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, uri, nil)
	if err != nil {
		return nil, "", fmt.Errorf("GET %s: %w", uri, err)
	}
	req.Header.Set("Accept", strings.Join([]string{v.res.MediaType, alto.MediaTypeMergePatch, alto.MediaTypeJSONPatch, alto.MediaTypeError}, ","))
	req.Header.Set("User-Agent", c.userAgent)
	resp, err := c.httpClient.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, "", &itemError{status: resp.StatusCode, retryAfter: parseRetryAfter(resp.Header), err: c.responseError(req, resp, v.res.MediaType)}
	}
	body, err := c.readBody(resp.Body)
	if err != nil {
		return nil, "", fmt.Errorf("GET %s: read response: %w", uri, err)
	}
	return body, responseMediaType(resp.Header.Get("Content-Type")), nil
}

// parseRetryAfter returns the delay of a Retry-After header in seconds
// (RFC 9110, Section 10.2.3), capped at tipsMaxRetryDelay, or -1 when
// the header is missing or an HTTP date.
func parseRetryAfter(h http.Header) time.Duration {
	s := h.Get("Retry-After")
	n, err := strconv.ParseUint(s, 10, 32)
	if s == "" || err != nil {
		return -1
	}
	return min(time.Duration(n)*time.Second, tipsMaxRetryDelay)
}

// recover decides what to do after a failed item request, and returns
// the edge to fetch next.
func (v *tipsView) recover(ctx context.Context, e edge, err error) (edge, error) {
	if ctx.Err() != nil {
		return edge{}, context.Cause(ctx)
	}
	v.failures++
	if v.failures > tipsMaxFailures {
		return edge{}, fmt.Errorf("%d requests failed in a row: %w", tipsMaxFailures, err)
	}
	var ie *itemError
	if !errors.As(err, &ie) {
		return e, v.pause(ctx, -1, err) // a transport error
	}
	switch ie.status {
	case http.StatusGone:
		v.markResync(fmt.Sprintf("version %d is older than any the server keeps (410 Gone on edge %d to %d)", v.seq, e.i, e.j))
		return v.open(ctx, "")
	case http.StatusNotFound:
		v.markResync(fmt.Sprintf("the view or its edge %d to %d is gone (404 Not Found)", e.i, e.j))
		return v.open(ctx, "")
	case http.StatusTooEarly:
		if ie.retryAfter >= 0 {
			// A long poll timed out, which is no failure: send it again.
			v.failures = 0
			return e, sleepContext(ctx, ie.retryAfter)
		}
		return v.nextEdge(ctx)
	}
	if !retryable(err) {
		return edge{}, err
	}
	return e, v.pause(ctx, ie.retryAfter, err)
}

// markResync marks the next full state as a resynchronisation, unless
// the view holds no state yet.
func (v *tipsView) markResync(reason string) {
	if v.seq != 0 {
		v.resync = reason
	}
}

// pause waits before a request is sent again: retryAfter when it is not
// negative, else a delay that doubles with each failure in a row.
func (v *tipsView) pause(ctx context.Context, retryAfter time.Duration, err error) error {
	delay := retryAfter
	if delay < 0 {
		delay = min(tipsRetryDelay<<(v.failures-1), tipsMaxRetryDelay)
	}
	v.f.warnf(v.res.ID, "TIPS request for %s failed (%v); retrying in %s", v.res.ID, err, delay)
	return sleepContext(ctx, delay)
}

// nextEdge returns the edge to fetch from the version held, which the
// view's current summary decides (RFC 9569, Section 7.4). A closed view
// is opened again.
func (v *tipsView) nextEdge(ctx context.Context) (edge, error) {
	sum, err := v.summary(ctx, "")
	if isNotFound(err) {
		v.markResync("the view is gone (404 Not Found)")
		return v.open(ctx, "")
	}
	if err != nil {
		return edge{}, err
	}
	switch {
	case v.seq == 0:
		return edge{0, max(sum.EndSeq, 1)}, nil
	case v.seq < sum.StartSeq || v.seq > sum.EndSeq:
		v.markResync(fmt.Sprintf("version %d is outside the versions %d to %d that the view keeps", v.seq, sum.StartSeq, sum.EndSeq))
		return edge{0, sum.EndSeq}, nil
	}
	return edge{v.seq, v.seq + 1}, nil
}

// summary POSTs a next edge request with the tag of the version held,
// if known, and returns the view's summary.
func (v *tipsView) summary(ctx context.Context, tag string) (tipsSummary, error) {
	c := v.f.c
	body, err := json.Marshal(tipsRequest{ResourceID: v.res.ID, Tag: tag})
	if err != nil {
		return tipsSummary{}, fmt.Errorf("encode next edge request: %w", err)
	}
	req, err := c.newRequest(ctx, http.MethodPost, v.viewURI+"/ug", alto.MediaTypeMergePatch, strings.NewReader(string(body)))
	if err != nil {
		return tipsSummary{}, err
	}
	req.Header.Set("Content-Type", alto.MediaTypeTIPSParams)
	resp, err := c.do(req, alto.MediaTypeMergePatch)
	if err != nil {
		return tipsSummary{}, err
	}
	var out tipsOpenResponse
	if err := resp.Decode(&out); err != nil {
		return tipsSummary{}, err
	}
	return out.TIPSViewSummary.UpdatesGraphSummary, nil
}

// resyncByGet fetches the resource with GET, then finds the version of
// the view that the new state is. The server recommends the next edge
// from that version when it finds the state's tag. Otherwise it
// recommends the latest snapshot, which replaces the state only when it
// differs.
func (v *tipsView) resyncByGet(ctx context.Context, reason string) (edge, error) {
	if err := v.f.resyncByGet(ctx, v.res.ID, reason); err != nil {
		return edge{}, err
	}
	tag := v.f.tagOf(v.res.ID)
	if tag == "" {
		tag = v.f.c.entityTag(v.res.URI)
	}
	sum, err := v.summary(ctx, tag)
	if isNotFound(err) {
		v.seq, v.skipEqual = 0, true
		return v.open(ctx, "")
	}
	if err != nil {
		return edge{}, err
	}
	if rec := sum.recommended(); rec.i != 0 && rec.j > rec.i {
		v.seq = rec.i
		return rec, nil
	}
	v.seq, v.skipEqual = 0, true
	return edge{0, max(sum.EndSeq, 1)}, nil
}

// isNotFound reports whether err is a 404 Not Found response.
func isNotFound(err error) bool {
	return err != nil && statusOf(err) == http.StatusNotFound
}

// entityTag returns the strong entity tag, without quotes, of the cached
// GET response for a URL, or "". The tag of a full cost map in TIPS is
// that entity tag (RFC 9569, Section 6.1). A tag of a compressed
// representation is unknown to the view, which then recommends a
// snapshot.
func (c *Client) entityTag(rawURL string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	etag := c.cache[rawURL].etag
	if strings.HasPrefix(etag, "W/") || len(etag) < 2 {
		return ""
	}
	return strings.Trim(etag, `"`)
}
