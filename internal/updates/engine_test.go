package updates

import (
	"context"
	"errors"
	"math/rand/v2"
	"testing"
	"time"
)

// mustCanonical returns the canonical form of a JSON document.
func mustCanonical(tb testing.TB, doc []byte) string {
	tb.Helper()
	c, err := Canonical(doc)
	if err != nil {
		tb.Fatalf("canonical form of %.80q: %v", doc, err)
	}
	return string(c)
}

// applyItem applies an update item to a document as a client does:
// a full replacement replaces it, a patch patches it.
func applyItem(tb testing.TB, doc []byte, item Item) []byte {
	tb.Helper()
	if item.Full {
		return item.Body
	}
	out, err := Apply(doc, PatchKind(item.MediaType), item.Body)
	if err != nil {
		tb.Fatalf("apply %s: %v", item.MediaType, err)
	}
	return out
}

// zooHistory publishes a randomly changing Topology Zoo network to
// engines and records the body of every version of every resource.
type zooHistory struct {
	bodies map[string]map[uint64][]byte // resource ID, seq, body
	kinds  map[string]int               // media types of incremental edges
}

func TestEngineTopologyZoo(t *testing.T) {
	for _, tc := range []struct {
		file  string
		seed  uint64
		steps int
	}{
		{"Abilene.graphml", 1, 100},
		{"Geant2012.graphml", 2, 100},
	} {
		t.Run(tc.file, func(t *testing.T) {
			net := loadZoo(t, tc.file, 1000)
			rng := rand.New(rand.NewPCG(tc.seed, 8895))
			full := NewEngine(Limits{MaxVersions: 1000, MaxSnapshots: 1000})
			small := NewEngine(Limits{MaxVersions: 8, MaxSnapshots: 2})
			h := zooHistory{bodies: map[string]map[uint64][]byte{}, kinds: map[string]int{}}
			for step := 0; step < tc.steps; step++ {
				if step > 0 {
					for range 1 + rng.IntN(3) {
						net.mutate(rng)
					}
				}
				contents := FromSnapshot(net.build(t))
				changes, err := full.Publish(contents)
				if err != nil {
					t.Fatalf("step %d: %v", step, err)
				}
				if _, err := small.Publish(contents); err != nil {
					t.Fatalf("step %d, small limits: %v", step, err)
				}
				h.record(t, full, contents, changes)
			}
			for id := range h.bodies {
				t.Run(id, func(t *testing.T) {
					h.checkChain(t, full.Graph(id), id)
					h.checkShortcuts(t, full.Graph(id), id, rng)
					h.checkTrimmed(t, small.Graph(id), id)
				})
			}
			if h.kinds[string(MergePatch)] == 0 {
				t.Errorf("edge media types %v: want merge patches for cost maps (RFC 8895, Section 9.1)", h.kinds)
			}
			t.Logf("edge media types over %d steps: %v", tc.steps, h.kinds)
		})
	}
}

// record stores the body of each changed resource under its new seq and
// checks that unchanged resources kept their seq.
func (h *zooHistory) record(t *testing.T, e *Engine, contents map[string]Content, changes []Change) {
	t.Helper()
	changed := map[string]uint64{}
	for _, c := range changes {
		changed[c.ResourceID] = c.Seq
	}
	for id, c := range contents {
		g := e.Graph(id)
		_, end := g.Range()
		if seq, ok := changed[id]; ok {
			if seq != end {
				t.Fatalf("%s: change reports version %d, graph ends at %d", id, seq, end)
			}
			if h.bodies[id] == nil {
				h.bodies[id] = map[uint64][]byte{}
			}
			h.bodies[id][seq] = c.Body
			if seq > 1 {
				item, err := g.Edge(seq-1, seq)
				if err != nil {
					t.Fatalf("%s: edge %d to %d: %v", id, seq-1, seq, err)
				}
				h.kinds[item.MediaType]++
			}
			continue
		}
		if string(h.bodies[id][end]) != string(c.Body) {
			t.Fatalf("%s: body changed but no version was added (end %d)", id, end)
		}
	}
}

// checkChain follows every incremental edge from version 1, as a client
// that started at the first version does, and compares each result with
// the body published for that version.
func (h *zooHistory) checkChain(t *testing.T, g *Graph, id string) {
	start, end := g.Range()
	if start != 1 {
		t.Fatalf("start-seq = %d, want 1 with limits above the step count", start)
	}
	first, err := g.Edge(0, 1)
	if err != nil {
		t.Fatalf("edge 0 to 1: %v", err)
	}
	doc := first.Body
	for seq := uint64(2); seq <= end; seq++ {
		item, err := g.Edge(seq-1, seq)
		if err != nil {
			t.Fatalf("edge %d to %d: %v", seq-1, seq, err)
		}
		doc = applyItem(t, doc, item)
		if got, want := mustCanonical(t, doc), mustCanonical(t, h.bodies[id][seq]); got != want {
			t.Fatalf("after edge %d to %d (%s) the client document differs from version %d", seq-1, seq, item.MediaType, seq)
		}
	}
	latest, err := g.Edge(0, end)
	if err != nil {
		t.Fatalf("edge 0 to %d: %v", end, err)
	}
	if string(latest.Body) != string(h.bodies[id][end]) {
		t.Errorf("edge 0 to %d is not byte-identical with the latest body", end)
	}
	if !latest.Full || latest.MediaType == "" {
		t.Errorf("edge 0 to %d: full %v, media type %q; want a full body with the resource's media type", end, latest.Full, latest.MediaType)
	}
}

// checkShortcuts applies computed patches between random pairs of
// versions.
func (h *zooHistory) checkShortcuts(t *testing.T, g *Graph, id string, rng *rand.Rand) {
	_, end := g.Range()
	if end < 3 {
		return
	}
	for range 20 {
		i := 1 + rng.Uint64N(end-2)
		j := i + 2 + rng.Uint64N(end-i-1)
		item, err := g.Edge(i, j)
		if err != nil {
			t.Fatalf("edge %d to %d: %v", i, j, err)
		}
		got := applyItem(t, h.bodies[id][i], item)
		if mustCanonical(t, got) != mustCanonical(t, h.bodies[id][j]) {
			t.Errorf("shortcut %d to %d (%s) does not give version %d", i, j, item.MediaType, j)
		}
	}
}

// checkTrimmed checks a graph with small limits: the history moved, the
// oldest version has a snapshot equal to the published body, and the
// incremental edges from there give the latest body.
func (h *zooHistory) checkTrimmed(t *testing.T, g *Graph, id string) {
	start, end := g.Range()
	if want := max(1, end-7); start != want {
		t.Errorf("small limits: start-seq = %d, want %d (end %d, MaxVersions 8)", start, want, end)
	}
	item, err := g.Edge(0, start)
	if err != nil {
		t.Fatalf("small limits: edge 0 to %d: %v", start, err)
	}
	if mustCanonical(t, item.Body) != mustCanonical(t, h.bodies[id][start]) {
		t.Errorf("small limits: snapshot of start-seq %d differs from the published body", start)
	}
	doc := item.Body
	for seq := start + 1; seq <= end; seq++ {
		item, err := g.Edge(seq-1, seq)
		if err != nil {
			t.Fatalf("small limits: edge %d to %d: %v", seq-1, seq, err)
		}
		doc = applyItem(t, doc, item)
	}
	if mustCanonical(t, doc) != mustCanonical(t, h.bodies[id][end]) {
		t.Errorf("small limits: following edges %d to %d does not give the latest body", start, end)
	}
}

func TestEngineRemovedResource(t *testing.T) {
	e := NewEngine(Limits{MaxVersions: 3})
	a := Content{MediaType: "application/json", Body: []byte(`{"v":1}`)}
	b := Content{MediaType: "application/json", Body: []byte(`{"w":1}`)}
	if _, err := e.Publish(map[string]Content{"a": a, "b": b}); err != nil {
		t.Fatal(err)
	}
	gb := e.Graph("b")

	changes, err := e.Publish(map[string]Content{"a": a})
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 1 || changes[0] != (Change{ResourceID: "b", Removed: true}) {
		t.Fatalf("changes = %v, want only b removed", changes)
	}
	if _, err := gb.Wait(context.Background(), 1); !errors.Is(err, ErrRemoved) {
		t.Errorf("Wait on a removed resource: %v, want ErrRemoved", err)
	}
	if item, err := gb.Edge(0, 1); err != nil || string(item.Body) != `{"w":1}` {
		t.Errorf("removed resource edge 0 to 1 = %q, %v; want its kept body", item.Body, err)
	}

	b.Body = []byte(`{"w":2}`)
	changes, err = e.Publish(map[string]Content{"a": a, "b": b})
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 1 || changes[0] != (Change{ResourceID: "b", Seq: 2}) {
		t.Errorf("changes = %v, want b at version 2, continuing its sequence", changes)
	}
	if gb.Removed() || e.Graph("b") != gb {
		t.Error("a resource that came back is still removed or has a new graph")
	}

	for range 3 {
		if _, err := e.Publish(map[string]Content{"a": a}); err != nil {
			t.Fatal(err)
		}
	}
	if e.Graph("b") != nil {
		t.Error("engine still has a resource missing from MaxVersions publishes")
	}
	if ids := e.ResourceIDs(); len(ids) != 1 || ids[0] != "a" {
		t.Errorf("ResourceIDs = %v, want [a]", ids)
	}
}

func TestEnginePublishInvalidBody(t *testing.T) {
	e := NewEngine(Limits{})
	changes, err := e.Publish(map[string]Content{
		"good": {Body: []byte(`{}`)},
		"bad":  {Body: []byte(`{`)},
	})
	if !errors.Is(err, ErrInvalidJSON) {
		t.Errorf("Publish error = %v, want ErrInvalidJSON", err)
	}
	if len(changes) != 1 || changes[0].ResourceID != "good" {
		t.Errorf("changes = %v, want the valid resource published", changes)
	}
}

func TestEngineWait(t *testing.T) {
	e := NewEngine(Limits{})
	gen := e.Generation()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	got := make(chan uint64, 1)
	errc := make(chan error, 1)
	go func() {
		g, err := e.Wait(ctx, gen)
		got <- g
		errc <- err
	}()
	if _, err := e.Publish(map[string]Content{"a": {Body: []byte(`{"x":1}`)}}); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err != nil {
		t.Fatalf("Wait: %v", err)
	}
	if g := <-got; g != gen+1 {
		t.Errorf("Wait returned generation %d, want %d", g, gen+1)
	}

	if _, err := e.Publish(map[string]Content{"a": {Body: []byte(`{"x":1}`)}}); err != nil {
		t.Fatal(err)
	}
	if g := e.Generation(); g != gen+1 {
		t.Errorf("generation = %d after an unchanged publish, want %d", g, gen+1)
	}
	cancelled, cancelNow := context.WithCancel(context.Background())
	cancelNow()
	if _, err := e.Wait(cancelled, gen+1); !errors.Is(err, context.Canceled) {
		t.Errorf("Wait with a cancelled context: %v, want context.Canceled", err)
	}
}
