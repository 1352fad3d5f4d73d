package updates

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
)

// Errors of [Graph.Edge] and [Graph.Wait]. The TIPS server maps them to
// the HTTP status codes of RFC 9569, Section 7.2.
var (
	// ErrGone reports a version below start-seq (410 Gone).
	ErrGone = errors.New("version is older than the updates graph keeps")
	// ErrNotYet reports a version above end-seq (425 Too Early, or a long
	// poll when it is end-seq + 1).
	ErrNotYet = errors.New("version is not published yet")
	// ErrNotFound reports an edge between kept versions that the graph
	// does not offer, because a full body it needs is no longer kept
	// (404 Not Found).
	ErrNotFound = errors.New("edge is not in the updates graph")
	// ErrInvalid reports an edge whose target version is not above its
	// source version.
	ErrInvalid = errors.New("edge must go from a lower to a higher version")
	// ErrRemoved reports that the resource was removed from the engine.
	ErrRemoved = errors.New("resource was removed")
)

// Item is the content of one edge of an updates graph, an update item in
// RFC 9569, Section 3.1. Callers must not modify Body.
type Item struct {
	// MediaType is the media type of Body: the resource's media type for
	// a full replacement, else a PatchKind.
	MediaType string
	Body      []byte
	// Full is set when Body is the whole resource rather than a patch.
	Full bool
}

// Content is one version of a resource as the caller publishes it.
// Callers must not modify Body after publishing it.
type Content struct {
	MediaType string
	Body      []byte // a JSON document
	// Tag identifies the content within the resource (RFC 9569,
	// Section 3.1). It is the vtag of a network map, else any string
	// that changes with the content, or empty for none.
	Tag string
}

// Graph is the updates graph of one resource (RFC 9569, Section 3):
// versions numbered from start-seq to end-seq, one more with each
// published change and starting at 1. Each version keeps its tag and the
// incremental update from the version before it. Full bodies are kept
// for the oldest version and the latest Limits.MaxSnapshots versions, so
// the snapshot edge 0 to start-seq always exists (the feasibility
// invariant of RFC 9569, Section 3.2), as does 0 to end-seq.
//
// History is bounded by the Limits: the oldest versions are dropped
// first, so start-seq only rises. A Graph is safe for concurrent use.
// Readers take no lock on the versions, because each Publish builds a
// new immutable state and swaps it in atomically.
type Graph struct {
	id        string
	limits    Limits
	writer    sync.Mutex // serializes changes of current
	current   atomic.Pointer[state]
	shortcuts shortcutCache
}

// state is one immutable state of a graph.
type state struct {
	versions []*version // versions[k].seq == start-seq + k
	bytes    int64      // bytes of bodies and patches kept
	removed  bool
	changed  chan struct{} // closed when a newer state replaces this one
}

// version is one node of the graph. It is never modified once a state
// holds it.
type version struct {
	seq       uint64
	tag       string
	mediaType string
	body      []byte // full body; nil when not kept
	edge      Item   // update from seq-1; zero for the oldest version
}

// NewGraph returns an empty graph for a resource.
func NewGraph(resourceID string, limits Limits) *Graph {
	g := &Graph{id: resourceID, limits: limits.withDefaults()}
	g.shortcuts.max = g.limits.MaxShortcuts
	g.current.Store(&state{changed: make(chan struct{})})
	return g
}

// ResourceID returns the ID of the resource the graph tracks.
func (g *Graph) ResourceID() string { return g.id }

// Publish adds a version when the content differs from the latest
// version, and returns the sequence number of the latest version and
// whether it is new. Identical bodies of the same media type add no
// version. The edge from the previous version is the patch that [Diff]
// computes, or the full body when the media type changed, when no exact
// patch exists, or when the patch is no smaller than the body.
func (g *Graph) Publish(c Content) (seq uint64, changed bool, err error) {
	if !json.Valid(c.Body) {
		return 0, false, fmt.Errorf("resource %q: body: %w", g.id, ErrInvalidJSON)
	}
	g.writer.Lock()
	defer g.writer.Unlock()

	old := g.current.Load()
	latest := old.latest()
	if latest != nil && latest.mediaType == c.MediaType && bytes.Equal(latest.body, c.Body) {
		if old.removed {
			g.swap(old, &state{versions: old.versions, bytes: old.bytes})
		}
		return latest.seq, false, nil
	}
	v := &version{seq: 1, tag: c.Tag, mediaType: c.MediaType, body: c.Body}
	if latest != nil {
		v.seq = latest.seq + 1
		v.edge = edgeBetween(latest.mediaType, latest.body, c)
	}
	next := &state{versions: append(slices.Clone(old.versions), v)}
	g.trim(next)
	g.swap(old, next)
	return v.seq, true, nil
}

// markRemoved flags the graph as removed, which ends every Wait, and
// reports whether it was not flagged before.
func (g *Graph) markRemoved() bool {
	g.writer.Lock()
	defer g.writer.Unlock()
	old := g.current.Load()
	if old.removed {
		return false
	}
	g.swap(old, &state{versions: old.versions, bytes: old.bytes, removed: true})
	return true
}

// swap publishes next and wakes the waiters on old. The caller holds
// g.writer.
func (g *Graph) swap(old, next *state) {
	next.changed = make(chan struct{})
	g.current.Store(next)
	close(old.changed)
}

// maxDiffBytes is the largest body that edgeBetween diffs. Diff decodes
// both documents several times and allocates about a hundred times the
// body size (BenchmarkDiffCostMap), so a full-table network map of 12 MB
// would cost seconds and gigabytes per change; larger bodies are sent in
// full instead.
const maxDiffBytes = 4 << 20

// edgeBetween returns the update item from a body to the content c.
func edgeBetween(fromType string, from []byte, c Content) Item {
	full := Item{MediaType: c.MediaType, Body: c.Body, Full: true}
	if fromType != c.MediaType || len(c.Body) > maxDiffBytes || len(from) > maxDiffBytes {
		return full
	}
	kind, patch, err := DiffFor(c.MediaType, from, c.Body)
	if err != nil || len(patch) >= len(c.Body) {
		return full
	}
	return Item{MediaType: string(kind), Body: patch}
}

// Range returns start-seq and end-seq: the oldest and the latest version.
// Both are 0 before the first Publish.
func (g *Graph) Range() (start, end uint64) {
	return g.current.Load().bounds()
}

// Removed reports whether the resource was removed from the engine.
// A removed graph still serves the versions it keeps.
func (g *Graph) Removed() bool { return g.current.Load().removed }

// Edge returns the update item on the edge from version i to version j
// (RFC 9569, Section 4.2, the path ug/<i>/<j>):
//
//   - i == 0: the full body of j, kept for the oldest and the latest
//     Limits.MaxSnapshots versions, else ErrNotFound;
//   - j == i+1: the incremental update;
//   - other i < j: a shortcut patch computed from the full bodies of i
//     and j and cached, or ErrNotFound when either body is not kept.
//
// It returns ErrInvalid when i >= j, ErrGone when i (unless 0) or j is
// below start-seq, and ErrNotYet when j is above end-seq.
func (g *Graph) Edge(i, j uint64) (Item, error) {
	s := g.current.Load()
	start, end := s.bounds()
	switch {
	case i >= j:
		return Item{}, fmt.Errorf("edge %d to %d: %w", i, j, ErrInvalid)
	case (i != 0 && i < start) || j < start:
		return Item{}, fmt.Errorf("edge %d to %d: versions start at %d: %w", i, j, start, ErrGone)
	case j > end:
		return Item{}, fmt.Errorf("edge %d to %d: latest version is %d: %w", i, j, end, ErrNotYet)
	}
	to := s.at(j)
	if i == 0 {
		body := to.fullBody()
		if body == nil {
			return Item{}, fmt.Errorf("edge 0 to %d: no snapshot of version %d is kept: %w", j, j, ErrNotFound)
		}
		return Item{MediaType: to.mediaType, Body: body, Full: true}, nil
	}
	if j == i+1 {
		return to.edge, nil
	}
	return g.shortcut(s.at(i), to)
}

// shortcut returns the cached or computed update item from one version
// to a later one.
func (g *Graph) shortcut(from, to *version) (Item, error) {
	key := [2]uint64{from.seq, to.seq}
	if item, ok := g.shortcuts.get(key); ok {
		return item, nil
	}
	fromBody, toBody := from.fullBody(), to.fullBody()
	if fromBody == nil || toBody == nil {
		return Item{}, fmt.Errorf("edge %d to %d: the full bodies are no longer kept: %w", from.seq, to.seq, ErrNotFound)
	}
	item := edgeBetween(from.mediaType, fromBody, Content{MediaType: to.mediaType, Body: toBody})
	start, _ := g.Range()
	g.shortcuts.put(key, item, start)
	return item, nil
}

// Wait blocks until a version above after exists, and returns end-seq.
// It returns ErrRemoved when the resource is removed first, and the
// context's error when ctx ends first.
func (g *Graph) Wait(ctx context.Context, after uint64) (end uint64, err error) {
	for {
		s := g.current.Load()
		_, end = s.bounds()
		if end > after {
			return end, nil
		}
		if s.removed {
			return end, fmt.Errorf("resource %q: %w", g.id, ErrRemoved)
		}
		select {
		case <-s.changed:
		case <-ctx.Done():
			return end, ctx.Err()
		}
	}
}

// Lookup returns the latest kept version with the given tag (RFC 9569,
// Section 7.4.2). An empty tag matches no version.
func (g *Graph) Lookup(tag string) (seq uint64, ok bool) {
	if tag == "" {
		return 0, false
	}
	s := g.current.Load()
	for k := len(s.versions) - 1; k >= 0; k-- {
		if s.versions[k].tag == tag {
			return s.versions[k].seq, true
		}
	}
	return 0, false
}

// RecommendEdge returns the first edge that a client holding version
// from should fetch (RFC 9569, Sections 6.2 and 7.4.2). That is from to
// from+1 when the incremental updates up to end-seq are smaller in total
// than the latest full body, else the snapshot edge 0 to end-seq. A client at
// end-seq gets the edge end-seq to end-seq+1 to long poll. A from of 0,
// or one outside start-seq..end-seq, gets the snapshot edge; before the
// first Publish the result is 0 to 1.
func (g *Graph) RecommendEdge(from uint64) (i, j uint64) {
	s := g.current.Load()
	start, end := s.bounds()
	switch {
	case end == 0:
		return 0, 1
	case from == end:
		return end, end + 1
	case from == 0 || from < start || from > end:
		return 0, end
	}
	var incremental int
	for seq := from + 1; seq <= end; seq++ {
		incremental += len(s.at(seq).edge.Body)
	}
	if incremental < len(s.at(end).fullBody()) {
		return from, from + 1
	}
	return 0, end
}

// GraphStats describes what a graph keeps, for logs and metrics.
type GraphStats struct {
	Start, End uint64
	Versions   int   // End - Start + 1, or 0
	Snapshots  int   // versions whose full body is kept
	Bytes      int64 // bytes of the bodies and patches kept
}

// Stats returns what the graph keeps now.
func (g *Graph) Stats() GraphStats {
	s := g.current.Load()
	st := GraphStats{Versions: len(s.versions), Bytes: s.bytes}
	st.Start, st.End = s.bounds()
	for _, v := range s.versions {
		if v.fullBody() != nil {
			st.Snapshots++
		}
	}
	return st
}

func (s *state) bounds() (start, end uint64) {
	if len(s.versions) == 0 {
		return 0, 0
	}
	return s.versions[0].seq, s.versions[len(s.versions)-1].seq
}

func (s *state) latest() *version {
	if len(s.versions) == 0 {
		return nil
	}
	return s.versions[len(s.versions)-1]
}

// at returns the version with a sequence number within the bounds.
func (s *state) at(seq uint64) *version {
	return s.versions[seq-s.versions[0].seq]
}

// fullBody returns the full body of the version: the kept body, or the
// incremental edge when that is a full replacement.
func (v *version) fullBody() []byte {
	if v.body != nil {
		return v.body
	}
	if v.edge.Full {
		return v.edge.Body
	}
	return nil
}

// size returns the bytes the version keeps. A full-replacement edge
// shares its bytes with the body.
func (v *version) size() int64 {
	n := int64(len(v.edge.Body))
	if !v.edge.Full {
		n += int64(len(v.body))
	}
	return n
}
