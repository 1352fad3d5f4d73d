package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	jsonpatch "github.com/evanphx/json-patch/v5"

	"github.com/goalto/goalto/alto"
)

// UpdateKind is the form of an update: a full replacement or a patch.
type UpdateKind string

// Update kinds: a full replacement, a JSON merge patch (RFC 7396) or a
// JSON patch (RFC 6902), as RFC 8895, Section 5.2 and RFC 9569, Section
// 7 deliver them.
const (
	KindFull       UpdateKind = "full"
	KindMergePatch UpdateKind = "merge-patch"
	KindJSONPatch  UpdateKind = "json-patch"
)

// Update is one change of a followed resource.
type Update struct {
	// ResourceID is the ID of the resource in the merged directory.
	ResourceID string
	// Seq numbers the updates of the resource in this follow: 1 for the
	// first state, then one more for each update.
	Seq uint64
	// TIPSSeq is the version of the state in the TIPS view's updates
	// graph (RFC 9569, Section 3.1), or 0 over an update stream and
	// after a resynchronisation by GET, whose version is unknown.
	TIPSSeq uint64
	// Vtag is the version tag of a network map state (RFC 7285, Section
	// 10.3), or "" for other resources.
	Vtag string
	// Kind is the form of the message.
	Kind UpdateKind
	// Size is the size in bytes of the message: the patch or the full
	// document.
	Size int
	// State is the resource after the update, as JSON. Callers must not
	// modify it.
	State []byte
	// Resync is set when the follower replaced its state because it
	// found it inconsistent or could no longer follow the updates.
	// Reason then gives the cause.
	Resync bool
	Reason string
	// Time is when the follower applied the update.
	Time time.Time
}

// FollowOption configures a Follower.
type FollowOption func(*followConfig)

type followConfig struct {
	warn   func(resourceID, message string)
	buffer int
}

// WithWarningFunc sets a function that the follower calls, from its own
// goroutines, for each resynchronisation and for other events that do
// not stop it: a lost update stream, a substream that the server
// stopped, a retried request. The resource ID is "" for events of the
// whole follower.
func WithWarningFunc(warn func(resourceID, message string)) FollowOption {
	return func(c *followConfig) { c.warn = warn }
}

// WithUpdateBuffer sets the capacity of the Updates channel. The default
// is 0: the follower reads no further message until the caller has
// received the last update, so a slow caller slows the follower down
// instead of making it queue updates.
func WithUpdateBuffer(n int) FollowOption {
	return func(c *followConfig) { c.buffer = max(n, 0) }
}

// dependencyWait is how long a TIPS follower keeps a cost map version
// whose network map version has not arrived over the network map's own
// view (RFC 9569, Section 8.2) before it fetches the cost map again.
const dependencyWait = 30 * time.Second

// vtagHistory is how many network map versions a follower remembers, so
// that a TIPS cost map view that lags behind the network map view is
// not taken for an inconsistency.
const vtagHistory = 64

// Follower keeps a local copy of each followed resource consistent with
// the server, from the incremental updates of an update stream (RFC
// 8895) or of TIPS views (RFC 9569). Create one with FollowSSE,
// FollowTIPS or Follow. It is safe for concurrent use.
//
// Receive from Updates until it is closed. The follower applies each
// message to its copy and then sends the update on Updates, so State may
// hold the state of the update it is about to send.
type Follower struct {
	c       *Client
	via     Via
	cfg     followConfig
	updates chan Update
	ctx     context.Context
	cancel  context.CancelCauseFunc
	wg      sync.WaitGroup
	done    chan struct{}

	mu        sync.Mutex
	resources map[string]*tracked
	netChange chan struct{} // closed and replaced when a network map state changes
	err       error
	stopped   bool // set once the follower waits for its goroutines

	sse  *sseSession
	tips *tipsSession
}

// tracked is the local copy of one followed resource.
type tracked struct {
	res   Resource
	state []byte
	seq   uint64
	vtags []string // network map versions held, the current one last
}

// vtag returns the version tag of the current network map state.
func (t *tracked) vtag() string {
	if len(t.vtags) == 0 {
		return ""
	}
	return t.vtags[len(t.vtags)-1]
}

// errClosed is the cause of a follower stopped by Close.
var errClosed = errors.New("follower closed")

func newFollower(ctx context.Context, c *Client, via Via, opts []FollowOption) *Follower {
	f := &Follower{c: c, via: via, resources: make(map[string]*tracked), netChange: make(chan struct{}), done: make(chan struct{})}
	for _, opt := range opts {
		opt(&f.cfg)
	}
	f.updates = make(chan Update, f.cfg.buffer)
	f.ctx, f.cancel = context.WithCancelCause(ctx)
	return f
}

// Updates returns the channel of updates. The follower closes it when
// it stops; Err then reports why.
func (f *Follower) Updates() <-chan Update { return f.updates }

// Via returns the protocol that the follower uses.
func (f *Follower) Via() Via { return f.via }

// State returns the current state of a followed resource as JSON, or nil
// before its first update and for a resource that is not followed.
func (f *Follower) State(resourceID string) []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	if t, ok := f.resources[resourceID]; ok {
		return bytes.Clone(t.state)
	}
	return nil
}

// ResourceIDs returns the IDs of the followed resources, sorted.
func (f *Follower) ResourceIDs() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return sortedKeys(f.resources)
}

// Close stops the follower, waits for its goroutines to end and closes
// Updates. It returns nil, so that Follower is an io.Closer.
func (f *Follower) Close() error {
	f.stop(errClosed)
	<-f.done
	return nil
}

// Done returns a channel that is closed when the follower has stopped.
func (f *Follower) Done() <-chan struct{} { return f.done }

// Err returns why the follower stopped: nil after Close or when nothing
// was left to follow, the context's error when its context ended, and
// otherwise the error that it could not recover from. It returns nil
// while the follower runs.
func (f *Follower) Err() error {
	select {
	case <-f.done:
	default:
		return nil
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

// stop ends the follower with a cause; the first cause wins.
func (f *Follower) stop(cause error) {
	f.mu.Lock()
	if f.err == nil && context.Cause(f.ctx) == nil {
		f.err = cause
	}
	f.mu.Unlock()
	f.cancel(cause)
}

// start runs the goroutines that fetch updates, and closes Updates and
// Done once all of them have returned.
func (f *Follower) start(loops ...func()) {
	for _, loop := range loops {
		f.goLoop(loop)
	}
	go func() {
		<-f.ctx.Done()
		f.mu.Lock()
		f.stopped = true
		f.mu.Unlock()
		f.wg.Wait()
		f.mu.Lock()
		if errors.Is(f.err, errClosed) || errors.Is(f.err, errNothingLeft) {
			f.err = nil
		} else if f.err == nil {
			f.err = context.Cause(f.ctx)
		}
		f.mu.Unlock()
		close(f.updates)
		close(f.done)
	}()
}

// goLoop runs loop in a new goroutine, unless the follower has
// stopped, and reports whether it did.
func (f *Follower) goLoop(loop func()) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.stopped {
		return false
	}
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		loop()
	}()
	return true
}

// errNothingLeft ends a follower whose resources were all removed.
var errNothingLeft = errors.New("no resource left to follow")

// warnf calls the warning function, when there is one.
func (f *Follower) warnf(resourceID, format string, args ...any) {
	if f.cfg.warn != nil {
		f.cfg.warn(resourceID, fmt.Sprintf(format, args...))
	}
}

// track adds resources to follow, without state.
func (f *Follower) track(resources []Resource) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range resources {
		if _, ok := f.resources[r.ID]; !ok {
			f.resources[r.ID] = &tracked{res: r}
		}
	}
}

// untrack drops a resource and its state, and wakes the cost maps that
// wait for a version of it.
func (f *Follower) untrack(resourceID string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.resources, resourceID)
	close(f.netChange)
	f.netChange = make(chan struct{})
}

// message is one full replacement or patch received for a resource.
type message struct {
	kind    UpdateKind
	body    []byte
	tipsSeq uint64
	// resync, when set, marks the update as a resynchronisation for
	// this reason.
	resync string
	// skipEqual drops the update, without an error, when the new state
	// equals the current one as JSON.
	skipEqual bool
}

// inconsistency is a message that the follower could not apply, or
// whose result does not fit the other resources it holds. The follower
// then fetches the resource again.
type inconsistency struct {
	resourceID string
	reason     string
}

func (e *inconsistency) Error() string {
	return fmt.Sprintf("resource %q: %s", e.resourceID, e.reason)
}

// dependencyMode is the rule for checking the network map version that
// a cost map names in its "dependent-vtags".
type dependencyMode int

const (
	// dependencyExact requires the version the follower holds. An update
	// stream sends the network map update before the cost map updates
	// that depend on it (RFC 8895, Section 6.7.1).
	dependencyExact dependencyMode = iota
	// dependencyWaitFor accepts a version that the follower held
	// before, and waits up to dependencyWait for a newer one, because
	// each TIPS view advances on its own (RFC 9569, Section 8.2).
	dependencyWaitFor
)

// applyMessage applies a message to the state of a resource, checks the
// result, stores it and sends the update. It returns an *inconsistency
// when the result is wrong; the state is then unchanged.
func (f *Follower) applyMessage(ctx context.Context, resourceID string, m message, mode dependencyMode) error {
	base, ok := f.baseState(resourceID)
	if !ok {
		return nil // removed meanwhile
	}
	doc, err := patchDocument(base, m)
	if err != nil {
		return &inconsistency{resourceID: resourceID, reason: err.Error()}
	}
	meta, err := decodeMeta(doc)
	if err != nil {
		return &inconsistency{resourceID: resourceID, reason: err.Error()}
	}
	if err := f.awaitDependencies(ctx, resourceID, meta, mode); err != nil {
		return err
	}
	u, changed := f.commit(resourceID, doc, meta, m)
	if !changed {
		return nil
	}
	return f.emit(ctx, u)
}

func (f *Follower) baseState(resourceID string) ([]byte, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.resources[resourceID]
	if !ok {
		return nil, false
	}
	return t.state, true
}

// patchDocument returns the state after a message: the message itself
// for a full replacement, or the state with the patch applied. The
// result must be a JSON object, as every ALTO response is (RFC 7285,
// Section 8.4).
func patchDocument(base []byte, m message) ([]byte, error) {
	var doc []byte
	switch m.kind {
	case KindFull:
		doc = m.body
	case KindMergePatch, KindJSONPatch:
		if base == nil {
			return nil, fmt.Errorf("%s without a full state to apply it to", m.kind)
		}
		var err error
		if doc, err = applyPatch(base, m.kind, m.body); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("unknown update kind %q", m.kind)
	}
	if !json.Valid(doc) {
		return nil, fmt.Errorf("%s update gives invalid JSON", m.kind)
	}
	if t := bytes.TrimLeft(doc, " \t\r\n"); len(t) == 0 || t[0] != '{' {
		return nil, fmt.Errorf("%s update gives a JSON value that is not an object", m.kind)
	}
	return doc, nil
}

// applyPatch applies a JSON merge patch (RFC 7396) or a JSON patch (RFC
// 6902) to doc.
func applyPatch(doc []byte, kind UpdateKind, patch []byte) ([]byte, error) {
	if kind == KindMergePatch {
		out, err := jsonpatch.MergePatch(doc, patch)
		if err != nil {
			return nil, fmt.Errorf("applying merge patch: %w", err)
		}
		return out, nil
	}
	ops, err := jsonpatch.DecodePatch(patch)
	if err != nil {
		return nil, fmt.Errorf("decoding JSON patch: %w", err)
	}
	opts := jsonpatch.NewApplyOptions()
	// RFC 6902 has no negative array indices.
	opts.SupportNegativeIndices = false
	opts.EscapeHTML = false
	out, err := ops.ApplyWithOptions(doc, opts)
	if err != nil {
		return nil, fmt.Errorf("applying JSON patch: %w", err)
	}
	return out, nil
}

// responseMeta is the part of a network map or cost map "meta" that the
// follower checks.
type responseMeta struct {
	Vtag           *alto.VersionTag  `json:"vtag"`
	DependentVtags []alto.VersionTag `json:"dependent-vtags"`
}

func decodeMeta(doc []byte) (responseMeta, error) {
	var v struct {
		Meta responseMeta `json:"meta"`
	}
	if err := json.Unmarshal(doc, &v); err != nil {
		return responseMeta{}, fmt.Errorf("decoding meta: %w", err)
	}
	return v.Meta, nil
}

// awaitDependencies checks each network map version that meta names
// against the network maps the follower holds. A resource the follower
// does not follow, or holds no state of yet, is not checked.
func (f *Follower) awaitDependencies(ctx context.Context, resourceID string, meta responseMeta, mode dependencyMode) error {
	var timeout <-chan time.Time
	for {
		missing, changed := f.missingDependency(meta, mode)
		if missing == nil {
			return nil
		}
		if mode == dependencyExact {
			return &inconsistency{resourceID: resourceID, reason: dependencyReason(*missing)}
		}
		if timeout == nil {
			timer := time.NewTimer(dependencyWait)
			defer timer.Stop()
			timeout = timer.C
		}
		select {
		case <-changed:
		case <-timeout:
			return &inconsistency{resourceID: resourceID, reason: dependencyReason(*missing) + fmt.Sprintf(" within %s", dependencyWait)}
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	}
}

func dependencyReason(vt alto.VersionTag) string {
	return fmt.Sprintf("depends on version %s of network map %q, which the follower does not hold", vt.Tag, vt.ResourceID)
}

// missingDependency returns the first dependent version tag that fails
// the check, and the channel that is closed at the next network map
// change.
func (f *Follower) missingDependency(meta responseMeta, mode dependencyMode) (*alto.VersionTag, <-chan struct{}) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, vt := range meta.DependentVtags {
		t, ok := f.resources[vt.ResourceID]
		if !ok || t.state == nil {
			continue
		}
		held := t.vtag() == vt.Tag
		if mode == dependencyWaitFor {
			held = slices.Contains(t.vtags, vt.Tag)
		}
		if !held {
			return &vt, f.netChange
		}
	}
	return nil, nil
}

// commit stores a new state and returns its update. It reports false,
// and stores nothing, when the message has skipEqual set and the state
// equals the current one, or when the resource is no longer followed.
func (f *Follower) commit(resourceID string, doc []byte, meta responseMeta, m message) (Update, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t, ok := f.resources[resourceID]
	if !ok || m.skipEqual && t.state != nil && sameJSON(t.state, doc) {
		return Update{}, false
	}
	t.state = doc
	t.seq++
	u := Update{
		ResourceID: resourceID,
		Seq:        t.seq,
		TIPSSeq:    m.tipsSeq,
		Kind:       m.kind,
		Size:       len(m.body),
		State:      doc,
		Resync:     m.resync != "",
		Reason:     m.resync,
		Time:       time.Now(),
	}
	if meta.Vtag != nil && meta.Vtag.ResourceID == resourceID {
		u.Vtag = meta.Vtag.Tag
		if u.Vtag != t.vtag() {
			t.vtags = append(t.vtags, u.Vtag)
			if len(t.vtags) > vtagHistory {
				t.vtags = slices.Delete(t.vtags, 0, len(t.vtags)-vtagHistory)
			}
			close(f.netChange)
			f.netChange = make(chan struct{})
		}
	}
	return u, true
}

// sameJSON reports whether two documents hold the same JSON value.
func sameJSON(a, b []byte) bool {
	var av, bv any
	da := json.NewDecoder(bytes.NewReader(a))
	da.UseNumber()
	db := json.NewDecoder(bytes.NewReader(b))
	db.UseNumber()
	if da.Decode(&av) != nil || db.Decode(&bv) != nil {
		return false
	}
	return equalJSON(av, bv)
}

// equalJSON compares decoded JSON values, numbers by their float64
// value.
func equalJSON(a, b any) bool {
	switch a := a.(type) {
	case map[string]any:
		bm, ok := b.(map[string]any)
		if !ok || len(a) != len(bm) {
			return false
		}
		for k, av := range a {
			bv, ok := bm[k]
			if !ok || !equalJSON(av, bv) {
				return false
			}
		}
		return true
	case []any:
		bs, ok := b.([]any)
		return ok && slices.EqualFunc(a, bs, equalJSON)
	case json.Number:
		bn, ok := b.(json.Number)
		if !ok {
			return false
		}
		af, aerr := a.Float64()
		bf, berr := bn.Float64()
		return aerr == nil && berr == nil && af == bf
	default:
		return a == b
	}
}

// emit sends an update, and warns about a resynchronisation first.
func (f *Follower) emit(ctx context.Context, u Update) error {
	if u.Resync {
		f.warnf(u.ResourceID, "resynchronised %s: %s", u.ResourceID, u.Reason)
	}
	select {
	case f.updates <- u:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// resyncByGet fetches a resource with a normal GET and replaces its
// state, as an update marked Resync with the reason.
func (f *Follower) resyncByGet(ctx context.Context, resourceID, reason string) error {
	f.mu.Lock()
	t, ok := f.resources[resourceID]
	f.mu.Unlock()
	if !ok {
		return nil
	}
	resp, err := f.c.Get(ctx, t.res)
	if err != nil {
		return fmt.Errorf("resynchronising %s: %w", resourceID, err)
	}
	doc, err := patchDocument(nil, message{kind: KindFull, body: resp.Body})
	if err != nil {
		return fmt.Errorf("resynchronising %s: GET %s: %w", resourceID, resp.URL, err)
	}
	meta, err := decodeMeta(doc)
	if err != nil {
		return fmt.Errorf("resynchronising %s: GET %s: %w", resourceID, resp.URL, err)
	}
	u, ok := f.commit(resourceID, doc, meta, message{kind: KindFull, body: resp.Body, resync: reason})
	if !ok {
		return nil
	}
	return f.emit(ctx, u)
}

// tagOf returns the tag that identifies the state of a resource to the
// server: the vtag of a network map, else "".
func (f *Follower) tagOf(resourceID string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if t, ok := f.resources[resourceID]; ok {
		return t.vtag()
	}
	return ""
}

// Add starts following more resources. Their first states arrive on
// Updates like the others. Over an update stream, Add sends a stream
// control request (RFC 8895, Section 7). Keep receiving from Updates
// while it runs, because the server writes the new events before it
// responds.
func (f *Follower) Add(ctx context.Context, resourceIDs ...string) error {
	if f.sse != nil {
		return f.sse.add(ctx, resourceIDs)
	}
	return f.tips.add(ctx, resourceIDs)
}

// Remove stops following resources and drops their states. Over an
// update stream it sends a stream control request, so keep receiving
// from Updates while it runs. Removing the last resource stops the
// follower, and Err then returns nil.
func (f *Follower) Remove(ctx context.Context, resourceIDs ...string) error {
	if f.sse != nil {
		return f.sse.remove(ctx, resourceIDs)
	}
	return f.tips.remove(resourceIDs)
}

// Via is the protocol a follower receives incremental updates over.
type Via string

// Protocols of Follow.
const (
	// ViaAuto picks an update stream when the directory offers one for
	// the resources, else TIPS.
	ViaAuto Via = ""
	// ViaSSE is an update stream of server-sent events, RFC 8895.
	ViaSSE Via = "sse"
	// ViaTIPS is TIPS views polled over HTTP, RFC 9569.
	ViaTIPS Via = "tips"
)

// Follow follows resources through the update stream or TIPS resource
// of the directory whose "uses" lists all of them.
func (c *Client) Follow(ctx context.Context, via Via, resourceIDs []string, opts ...FollowOption) (*Follower, error) {
	switch via {
	case ViaSSE:
		r, err := c.UpdateStreamResource(ctx, resourceIDs...)
		if err != nil {
			return nil, err
		}
		return c.FollowSSE(ctx, r.ID, resourceIDs, opts...)
	case ViaTIPS:
		r, err := c.TIPSResource(ctx, resourceIDs...)
		if err != nil {
			return nil, err
		}
		return c.FollowTIPS(ctx, r.ID, resourceIDs, opts...)
	case ViaAuto:
		r, err := c.UpdateStreamResource(ctx, resourceIDs...)
		if errors.Is(err, ErrNotFound) {
			return c.Follow(ctx, ViaTIPS, resourceIDs, opts...)
		}
		if err != nil {
			return nil, err
		}
		return c.FollowSSE(ctx, r.ID, resourceIDs, opts...)
	}
	return nil, fmt.Errorf("unknown protocol %q: want %q or %q", via, ViaSSE, ViaTIPS)
}

// UpdateStreamResource returns the first update stream resource (RFC
// 8895, Section 6.3) in discovery order whose "uses" lists every one of
// resourceIDs.
func (c *Client) UpdateStreamResource(ctx context.Context, resourceIDs ...string) (Resource, error) {
	return c.serviceUsing(ctx, alto.MediaTypeEventStream, alto.MediaTypeUpdateStreamParams, "update stream", resourceIDs)
}

// TIPSResource returns the first TIPS resource (RFC 9569, Section 5) in
// discovery order whose "uses" lists every one of resourceIDs.
func (c *Client) TIPSResource(ctx context.Context, resourceIDs ...string) (Resource, error) {
	return c.serviceUsing(ctx, alto.MediaTypeTIPS, alto.MediaTypeTIPSParams, "TIPS resource", resourceIDs)
}

func (c *Client) serviceUsing(ctx context.Context, mediaType, accepts, name string, resourceIDs []string) (Resource, error) {
	cl, err := c.closure(ctx)
	if err != nil {
		return Resource{}, err
	}
	for _, r := range cl.list {
		if r.MediaType != mediaType || r.Accepts != accepts {
			continue
		}
		if !slices.ContainsFunc(resourceIDs, func(id string) bool { return !r.UsesResource(id) }) {
			return r, nil
		}
	}
	return Resource{}, cl.notFound(fmt.Sprintf("%s that uses %q", name, resourceIDs))
}

// followedResources looks up resources to follow: each must be read
// with GET, and the service's "uses" must list it.
func (c *Client) followedResources(ctx context.Context, service Resource, resourceIDs []string) ([]Resource, error) {
	if len(resourceIDs) == 0 {
		return nil, errors.New("no resource to follow")
	}
	out := make([]Resource, 0, len(resourceIDs))
	for _, id := range resourceIDs {
		r, err := c.Resource(ctx, id)
		if err != nil {
			return nil, err
		}
		if r.Accepts != "" {
			return nil, fmt.Errorf("resource %q accepts %s input; only resources read with GET have updates to follow", id, r.Accepts)
		}
		if !service.UsesResource(id) {
			return nil, fmt.Errorf("resource %q: %w in the \"uses\" of %q", id, ErrNotFound, service.ID)
		}
		if slices.ContainsFunc(out, func(o Resource) bool { return o.ID == id }) {
			return nil, fmt.Errorf("resource %q listed twice", id)
		}
		out = append(out, r)
	}
	return out, nil
}
