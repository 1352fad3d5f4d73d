package sse

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/goalto/goalto/internal/access"
	"github.com/goalto/goalto/internal/netdef"
	"github.com/goalto/goalto/internal/snapshot"
	"github.com/goalto/goalto/internal/updates"
)

// maxEdgeRetries bounds how often one update looks for a newer version
// when the engine drops the versions it was reading. Each retry aims at
// the latest version, whose body is always kept, so one normally
// suffices.
const maxEdgeRetries = 3

// substream is one resource that a stream follows, RFC 8895, Section 5.2.
type substream struct {
	id         string
	resourceID string
	// rank orders updates: 0 for network maps, which the other
	// resources depend on, else 1 (RFC 8895, Section 6.7.1).
	rank        int
	incremental bool
	// tag is the version tag that the client holds, until the first
	// update; empty when it holds none.
	tag string
	// graph is the graph that seq refers to; nil before the first update.
	graph *updates.Graph
	// seq is the version that the client holds; 0 for none.
	seq uint64

	// The fields of a substream of a POST-mode resource, which the
	// stream computes itself instead of reading the update engine.
	// input is the request body, or nil for a GET-mode resource.
	input json.RawMessage
	// doc is the response to input from docSnap, of media type
	// docType, and sent reports whether the client has it.
	doc     []byte
	docType string
	docSnap *snapshot.Snapshot
	sent    bool
	nameKey []byte
}

// target is the version of a resource that a stream sends next.
type target struct {
	graph *updates.Graph // nil while the engine has no graph
	seq   uint64
}

// controlRequest is a stream control request handed to the stream's
// goroutine, which replies nil when it has processed the request.
type controlRequest struct {
	req   *updateRequest
	reply chan error // buffered
}

// errStreamClosed reports a control request for a stream that ended.
var errStreamClosed = errors.New("sse: update stream closed")

// stream is one update stream. Only the goroutine of run reads and
// writes the substreams and the event writer.
type stream struct {
	svc        *Service
	id         string // the last segment of the control URI
	number     uint64 // for logs, which must not show the control URI
	resourceID string // the update stream resource
	client     string
	srv        *http.Server // nil when unknown
	// req is the request that opened the stream, on whose behalf the
	// inputs of POST-mode substreams are evaluated.
	req *http.Request
	// identity is the client as authenticated when the stream opened.
	// Each refresh checks its roles under the served snapshot.
	identity   access.Identity
	controlURI string
	ew         *eventWriter

	subs []*substream // active, in update order
	// used holds every substream ID ever added, since RFC 8895,
	// Section 7.6 forbids reusing one.
	used map[string]bool
	// pendingSnap is the snapshot whose versions the engine was found
	// lacking, at engine generation pendingGen.
	pendingSnap *snapshot.Snapshot
	pendingGen  uint64

	control    chan *controlRequest
	halted     chan struct{} // closed by halt
	haltOnce   sync.Once
	haltReason string        // set before halted is closed
	done       chan struct{} // closed when run returns

	// messages counts the data update messages sent.
	messages atomic.Uint64
	// reachedLimit is set by open when this stream made the open streams
	// reach MaxStreams.
	reachedLimit bool
}

func newStream(s *Service, id, resourceID string, ew *eventWriter) *stream {
	return &stream{
		svc:        s,
		id:         id,
		resourceID: resourceID,
		ew:         ew,
		used:       map[string]bool{},
		control:    make(chan *controlRequest),
		halted:     make(chan struct{}),
		done:       make(chan struct{}),
	}
}

// halt makes the stream stop every substream and end, giving reason as
// the description of its last control update message.
func (st *stream) halt(reason string) {
	st.haltOnce.Do(func() {
		st.haltReason = reason
		close(st.halted)
	})
}

// run sends the control URI and the updates until the stream ends, and
// returns why it ended.
func (st *stream) run(ctx context.Context) string {
	defer close(st.done)
	defer st.ew.end()

	watchCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	wake := make(chan struct{}, 1)
	go watchEngine(watchCtx, st.svc.engine, st.svc.engine.Generation(), wake)

	// RFC 8895, Section 6.7.1: the control URI is the first event.
	if err := st.ew.control(controlEvent{ControlURI: st.controlURI}); err != nil {
		return "writing failed: " + err.Error()
	}
	if err := st.refresh(); err != nil {
		return "writing failed: " + err.Error()
	}
	// RFC 8895, Section 6.8: a comment after every KeepAlive without
	// an event keeps proxies from dropping the connection.
	var timer *time.Timer
	var keepAlive <-chan time.Time
	if st.svc.cfg.KeepAlive > 0 {
		timer = time.NewTimer(st.svc.cfg.KeepAlive)
		defer timer.Stop()
		keepAlive = timer.C
	}
	for len(st.subs) > 0 {
		writes := st.ew.writes
		if reason, end := st.step(ctx, wake, keepAlive); end {
			return reason
		}
		if timer != nil && st.ew.writes != writes {
			timer.Reset(st.svc.cfg.KeepAlive)
		}
	}
	return "no substream is left"
}

// step waits for one thing to do and does it. It reports whether the
// stream must end, and why.
func (st *stream) step(ctx context.Context, wake <-chan struct{}, keepAlive <-chan time.Time) (string, bool) {
	var err error
	select {
	case <-ctx.Done():
		return "the client went away", true
	case <-st.halted:
		if err = st.stop(st.subs, st.haltReason); err == nil {
			return st.haltReason, true
		}
	case <-wake:
		err = st.refresh()
	case cr := <-st.control:
		err = st.handleControl(cr)
	case <-keepAlive:
		// A reload that changes no offered resource wakes no stream, as
		// when it removes the update stream resource, so each keep-alive
		// also checks the served snapshot.
		writes := st.ew.writes
		if err = st.refresh(); err == nil && st.ew.writes == writes {
			err = st.ew.comment("keep-alive")
		}
	}
	if err != nil {
		return "writing failed: " + err.Error(), true
	}
	return "", false
}

// watchEngine signals wake each time the engine's generation rises above
// gen. The buffer of one merges the signals that the stream has not
// taken yet, so a slow stream costs no memory.
func watchEngine(ctx context.Context, e *updates.Engine, gen uint64, wake chan<- struct{}) {
	for {
		next, err := e.Wait(ctx, gen)
		if err != nil {
			return
		}
		gen = next
		select {
		case wake <- struct{}{}:
		default:
		}
	}
}

// refresh stops the substreams that the server no longer offers and
// brings the others to the versions of the served snapshot.
func (st *stream) refresh() error {
	snap := st.svc.snapshots()
	if err := st.dropUnoffered(snap); err != nil {
		return err
	}
	if err := st.dropForbidden(snap); err != nil {
		return err
	}
	targets, ok := st.targets(snap)
	if !ok {
		return nil
	}
	for i, sub := range slices.Clone(st.subs) {
		var err error
		if sub.input != nil {
			err = st.advanceInput(sub, snap)
		} else {
			err = st.advance(sub, targets[i])
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// dropUnoffered stops the substreams whose resource the update stream
// resource no longer lists in its uses after a reload, or, without a
// snapshot, whose resource the engine removed.
func (st *stream) dropUnoffered(snap *snapshot.Snapshot) error {
	res := findResource(snap, st.resourceID)
	if snap != nil && (res == nil || res.Type != netdef.TypeUpdateStream) {
		return st.stop(st.subs, fmt.Sprintf("the update stream resource %q is no longer served", st.resourceID))
	}
	var unoffered []*substream
	var ids []string
	for _, sub := range st.subs {
		offered := true
		if res != nil {
			offered = slices.Contains(res.Uses, sub.resourceID)
		} else if g := st.svc.engine.Graph(sub.resourceID); g != nil {
			offered = !g.Removed()
		}
		if !offered {
			unoffered = append(unoffered, sub)
			ids = append(ids, sub.resourceID)
		}
	}
	if len(unoffered) == 0 {
		return nil
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	return st.stop(unoffered, fmt.Sprintf("update stream %q no longer offers %s", st.resourceID, strings.Join(ids, ", ")))
}

// dropForbidden stops the substreams whose resource the client may no
// longer read after a reload changed the access section, with the
// "stopped" control update message of RFC 8895, Section 5.3. A client
// that may no longer read the update stream resource itself loses every
// substream, which ends the stream, as in the example of RFC 8895,
// Section 8.3.
func (st *stream) dropForbidden(snap *snapshot.Snapshot) error {
	if snap == nil || snap.Access == nil || len(st.subs) == 0 {
		return nil
	}
	if res := findResource(snap, st.resourceID); res != nil && !snap.ReadableBy(st.identity, res) {
		return st.stop(st.subs, fmt.Sprintf("the client may no longer read update stream %q", st.resourceID))
	}
	var forbidden []*substream
	var ids []string
	for _, sub := range st.subs {
		if res := findResource(snap, sub.resourceID); res != nil && !snap.ReadableBy(st.identity, res) {
			forbidden = append(forbidden, sub)
			ids = append(ids, sub.resourceID)
		}
	}
	if len(forbidden) == 0 {
		return nil
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	return st.stop(forbidden, "the client may no longer read "+strings.Join(ids, ", "))
}

// targets returns the version each substream (by index) should reach:
// that of the served snapshot, or the latest without a snapshot. It
// reports false while the engine is still publishing that snapshot,
// because the wake at the end of that publication will come.
func (st *stream) targets(snap *snapshot.Snapshot) ([]target, bool) {
	gen := st.svc.engine.Generation()
	out := make([]target, len(st.subs))
	pending := false
	for i, sub := range st.subs {
		if sub.input != nil {
			continue // a POST-mode resource has no graph
		}
		g := st.svc.engine.Graph(sub.resourceID)
		if g == nil {
			pending = true
			continue
		}
		_, end := g.Range()
		out[i] = target{graph: g, seq: end}
		tag, ok := resourceTag(snap, sub.resourceID)
		if !ok {
			continue
		}
		seq, found := g.Lookup(tag)
		if !found || (g == sub.graph && seq < sub.seq) {
			pending = true
			continue
		}
		out[i].seq = seq
	}
	if !pending {
		st.pendingSnap = nil
		return out, true
	}
	if st.pendingSnap == snap && st.svc.engine.Generation() > st.pendingGen {
		// The engine has published since it was found lacking this
		// snapshot's versions, so they are not coming: the publication
		// failed for some resource. Each substream gets the latest.
		st.svc.logger.Warn("the update engine lacks versions of the served snapshot; sending the latest versions",
			"stream", st.number, "resource", st.resourceID)
		st.pendingSnap = nil
		return out, true
	}
	if st.pendingSnap != snap {
		st.pendingSnap, st.pendingGen = snap, gen
	}
	return nil, false
}

// advance sends a substream the updates that bring its client to the
// target version.
func (st *stream) advance(sub *substream, t target) error {
	g := t.graph
	if g == nil {
		return nil
	}
	if sub.graph != g {
		// A new graph numbers its versions anew, so the client's version
		// means nothing in it.
		sub.graph, sub.seq = g, 0
	}
	if t.seq <= sub.seq {
		return nil
	}
	clientTag := sub.tag
	sub.tag = ""
	if sub.seq == 0 && clientTag != "" {
		// RFC 8895, Section 6.5: the client holds the current version, so
		// no full replacement is needed.
		if seq, ok := g.Lookup(clientTag); ok && seq == t.seq {
			sub.seq = seq
			return nil
		}
	}
	to := t.seq
	for retries := 0; sub.seq < to; {
		item, next, err := nextItem(g, sub.seq, to, sub.incremental)
		if err != nil && retries < maxEdgeRetries && (errors.Is(err, updates.ErrGone) || errors.Is(err, updates.ErrNotFound)) {
			// The engine dropped versions while this stream read them.
			retries++
			_, to = g.Range()
			continue
		}
		if err != nil {
			st.svc.logger.Warn("reading the update engine failed; stopping the substream",
				"stream", st.number, "resource", sub.resourceID, "err", err)
			return st.stop([]*substream{sub}, fmt.Sprintf("the updates of resource %q are unavailable", sub.resourceID))
		}
		// A write error ends the stream, and its count with it.
		st.messages.Add(1)
		if err := st.ew.data(item.MediaType, sub.id, item.Body); err != nil {
			return err
		}
		sub.seq = next
	}
	return nil
}

// nextItem returns the next update item from version from toward version
// to, and the version it leads to. A client without a version, or one
// that declined incremental changes, gets a full replacement. Otherwise
// the patch from from to to, or, when the engine no longer keeps the
// body of from, the patch to from+1 while the patches up to the latest
// version are smaller than a full body. A client whose version the engine
// dropped gets a full replacement.
func nextItem(g *updates.Graph, from, to uint64, incremental bool) (updates.Item, uint64, error) {
	if !incremental || from == 0 {
		item, err := g.Edge(0, to)
		return item, to, err
	}
	item, err := g.Edge(from, to)
	switch {
	case err == nil:
		return item, to, nil
	case errors.Is(err, updates.ErrNotFound):
		if i, _ := g.RecommendEdge(from); i == from {
			item, err = g.Edge(from, from+1)
			return item, from + 1, err
		}
	case !errors.Is(err, updates.ErrGone):
		return updates.Item{}, 0, err
	}
	item, err = g.Edge(0, to)
	return item, to, err
}

// stop ends substreams and sends a control update message that lists
// them (RFC 8895, Section 5.3).
func (st *stream) stop(subs []*substream, description string) error {
	if len(subs) == 0 {
		return nil
	}
	ids := make([]string, 0, len(subs))
	for _, sub := range subs {
		ids = append(ids, sub.id)
	}
	st.subs = slices.DeleteFunc(st.subs, func(s *substream) bool { return slices.Contains(ids, s.id) })
	slices.Sort(ids)
	return st.ew.control(controlEvent{Stopped: ids, Description: description})
}

// addSubstreams adds the substreams of a request, which the caller has
// validated, and returns their IDs in order.
func (st *stream) addSubstreams(req *updateRequest, snap *snapshot.Snapshot) []string {
	ids := req.addIDs()
	for _, id := range ids {
		a := req.add[id]
		st.used[id] = true
		st.subs = append(st.subs, &substream{
			id:          id,
			resourceID:  a.resourceID,
			rank:        resourceRank(snap, a.resourceID),
			incremental: a.incremental,
			tag:         a.tag,
			input:       a.input,
			doc:         a.doc,
			docType:     a.docType,
			docSnap:     a.docSnap,
			nameKey:     a.nameKey,
		})
	}
	slices.SortFunc(st.subs, func(a, b *substream) int {
		return cmp.Or(cmp.Compare(a.rank, b.rank), strings.Compare(a.id, b.id))
	})
	return ids
}

// findResource returns the resource with an ID in a snapshot, or nil.
func findResource(snap *snapshot.Snapshot, id string) *snapshot.Resource {
	if snap == nil {
		return nil
	}
	for _, r := range snap.Resources {
		if r.ID == id {
			return r
		}
	}
	return nil
}

// resourceTag returns the tag under which the update engine publishes a
// resource of a snapshot, as updates.FromSnapshot sets it: the vtag of
// the network map, else the entity tag without quotes.
func resourceTag(snap *snapshot.Snapshot, id string) (string, bool) {
	r := findResource(snap, id)
	if r == nil || r.Body == nil {
		return "", false
	}
	if snap.NetworkMap != nil && id == snap.NetworkMap.ResourceID() {
		return snap.NetworkMap.Tag(), true
	}
	return strings.Trim(r.ETag, `"`), true
}

// resourceRank returns the update order rank of a resource: network maps
// first.
func resourceRank(snap *snapshot.Snapshot, id string) int {
	if r := findResource(snap, id); r != nil && r.Type == netdef.TypeNetworkMap {
		return 0
	}
	return 1
}
