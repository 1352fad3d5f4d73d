package updates

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/goalto/goalto/internal/snapshot"
)

// Engine keeps one [Graph] per resource ID and feeds them from
// snapshots. It is safe for concurrent use.
//
// A resource missing from a call to Publish stays in the engine, flagged
// as removed (which ends every Graph.Wait on it) and still serving the
// versions it keeps, and it continues its sequence numbers if it comes
// back. After it has been missing from Limits.MaxVersions consecutive
// calls to Publish, the engine deletes its graph, so that resource IDs
// that a reload drops do not pile up.
type Engine struct {
	limits Limits
	writer sync.Mutex // serializes Publish

	mu         sync.RWMutex
	graphs     map[string]*engineEntry
	generation uint64
	changed    chan struct{} // closed when generation rises
}

type engineEntry struct {
	graph  *Graph
	missed int // consecutive calls to Publish without the resource
}

// Change reports what one call to [Engine.Publish] did to one resource.
type Change struct {
	ResourceID string
	Seq        uint64 // the new end-seq; 0 for a removal
	Removed    bool
}

// NewEngine returns an engine with no resources.
func NewEngine(limits Limits) *Engine {
	return &Engine{
		limits:  limits.withDefaults(),
		graphs:  map[string]*engineEntry{},
		changed: make(chan struct{}),
	}
}

// Publish publishes the content of every resource (by resource ID) to
// its graph and flags the graphs of missing resources as removed. It
// returns the changes in resource ID order, publishes every resource it
// can, and joins the errors of the others. When anything changed, the
// generation rises once, after every graph is updated, so a client that
// waits with [Engine.Wait] finds all resources of one snapshot published.
func (e *Engine) Publish(resources map[string]Content) ([]Change, error) {
	e.writer.Lock()
	defer e.writer.Unlock()

	var changes []Change
	var errs []error
	for _, id := range slices.Sorted(maps.Keys(resources)) {
		g := e.graphFor(id)
		seq, changed, err := g.Publish(resources[id])
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if changed {
			changes = append(changes, Change{ResourceID: id, Seq: seq})
		}
	}
	changes = append(changes, e.removeMissing(resources)...)
	slices.SortFunc(changes, func(a, b Change) int { return strings.Compare(a.ResourceID, b.ResourceID) })
	if len(changes) > 0 {
		e.raise()
	}
	return changes, errors.Join(errs...)
}

// Touch raises the generation without publishing anything, so that the
// callers of [Engine.Wait] look again at what they follow outside the
// engine. Update streams follow POST-mode resources that way: they
// compute the response to their input from each new snapshot, which may
// change where no GET resource does.
func (e *Engine) Touch() {
	e.writer.Lock()
	defer e.writer.Unlock()
	e.raise()
}

// raise raises the generation and wakes the callers of Wait; the caller
// holds e.writer.
func (e *Engine) raise() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.generation++
	close(e.changed)
	e.changed = make(chan struct{})
}

// graphFor returns the graph of a resource, created if needed, and
// resets its missed count.
func (e *Engine) graphFor(id string) *Graph {
	e.mu.Lock()
	defer e.mu.Unlock()
	entry := e.graphs[id]
	if entry == nil {
		entry = &engineEntry{graph: NewGraph(id, e.limits)}
		e.graphs[id] = entry
	}
	entry.missed = 0
	return entry.graph
}

// removeMissing flags the graphs of resources that are not in present
// and deletes those missing from MaxVersions consecutive calls.
func (e *Engine) removeMissing(present map[string]Content) []Change {
	e.mu.Lock()
	defer e.mu.Unlock()
	var changes []Change
	for id, entry := range e.graphs {
		if _, ok := present[id]; ok {
			continue
		}
		if entry.graph.markRemoved() {
			changes = append(changes, Change{ResourceID: id, Removed: true})
		}
		entry.missed++
		if entry.missed >= e.limits.MaxVersions {
			delete(e.graphs, id)
		}
	}
	return changes
}

// Graph returns the graph of a resource, or nil when the engine has none.
func (e *Engine) Graph(resourceID string) *Graph {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if entry := e.graphs[resourceID]; entry != nil {
		return entry.graph
	}
	return nil
}

// ResourceIDs returns the IDs of the resources the engine has graphs
// for, removed ones included, sorted.
func (e *Engine) ResourceIDs() []string {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return slices.Sorted(maps.Keys(e.graphs))
}

// Generation returns a number that rises with every call to Publish that
// changed something.
func (e *Engine) Generation() uint64 {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.generation
}

// Wait blocks until the generation is above after and returns it, or
// returns the context's error when ctx ends first. An update stream that
// follows several resources waits here and then reads each graph.
func (e *Engine) Wait(ctx context.Context, after uint64) (uint64, error) {
	for {
		e.mu.RLock()
		gen, changed := e.generation, e.changed
		e.mu.RUnlock()
		if gen > after {
			return gen, nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return gen, ctx.Err()
		}
	}
}

// FromSnapshot returns the content of the GET resources of a snapshot
// that have a body, by resource ID: the network map and the full cost
// maps. The tag of the network map is its vtag (RFC 7285, Section 10.3),
// and that of any other resource its entity tag without quotes.
func FromSnapshot(s *snapshot.Snapshot) map[string]Content {
	out := map[string]Content{}
	for _, r := range s.Resources {
		if r.Body == nil {
			continue
		}
		tag := strings.Trim(r.ETag, `"`)
		if s.NetworkMap != nil && r.ID == s.NetworkMap.ResourceID() {
			tag = s.NetworkMap.Tag()
		}
		out[r.ID] = Content{MediaType: r.MediaType, Body: r.Body, Tag: tag}
	}
	return out
}

// String describes a change for logs.
func (c Change) String() string {
	if c.Removed {
		return fmt.Sprintf("%s removed", c.ResourceID)
	}
	return fmt.Sprintf("%s version %d", c.ResourceID, c.Seq)
}
