package tips_test

import (
	"math/rand/v2"
	"net/http"
	"slices"
	"testing"

	"github.com/goalto/goalto/internal/tips"
)

// follower is one client that follows one resource through its view
// and keeps the document of every version it reached.
type follower struct {
	c          *client
	resourceID string
	mediaType  string
	view       string
	seq        uint64 // the version of doc; 0 before the first item
	doc        []byte
	history    map[uint64][]byte
}

func (f *follower) name() string { return f.c.proto + " " + f.resourceID }

// apply applies the response for edge i to j and moves to version j.
func (f *follower) apply(t *testing.T, i, j uint64, r *response) {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("%s: edge %d to %d: status %d: %s", f.name(), i, j, r.status, r.body)
	}
	if i == 0 && r.mediaType() != f.mediaType {
		t.Fatalf("%s: snapshot edge 0 to %d has Content-Type %q, want %q", f.name(), j, r.mediaType(), f.mediaType)
	}
	base := f.doc
	if i != f.seq {
		base = f.history[i]
	}
	doc, err := applyItem(base, f.mediaType, r)
	if err != nil {
		t.Fatalf("%s: edge %d to %d: %v", f.name(), i, j, err)
	}
	f.doc, f.seq = doc, j
	f.history[j] = doc
}

// pull fetches and applies the item on edge i to j.
func (f *follower) pull(t *testing.T, i, j uint64) {
	t.Helper()
	r := f.c.mustDo(t, http.MethodGet, edgeURI(f.view, i, j), itemAccept(f.mediaType), "")
	f.apply(t, i, j, r)
}

// catchUp pulls the edges from the follower's version to the current
// end-seq one at a time, and returns the view's summary.
func (f *follower) catchUp(t *testing.T) summary {
	t.Helper()
	sum := f.c.nextEdge(t, f.view, f.resourceID, "")
	for f.seq < sum.EndSeq {
		f.pull(t, f.seq, f.seq+1)
	}
	return sum
}

// check compares the follower's document with a fresh GET of the
// resource.
func (f *follower) check(t *testing.T, s *testServer) {
	t.Helper()
	want, _ := f.c.fetchResource(t, s, f.resourceID)
	if ok, diff := sameJSON(t, f.doc, want); !ok {
		t.Fatalf("%s at version %d differs from GET %s:%s", f.name(), f.seq, resourcePaths[f.resourceID], diff)
	}
}

// randomChange returns a topology that differs from old in the metric
// of link a-b, which always changes the routingcost map, and at random
// in other ways. prefixesChanged reports whether a prefix of node d or e
// came or went, which changes the network map and, through its vtag,
// every cost map.
func randomChange(rng *rand.Rand, old topology) (next topology, prefixesChanged bool) {
	next = old
	next.dPrefixes = slices.Clone(old.dPrefixes)
	next.ePrefixes = slices.Clone(old.ePrefixes)
	for next.abMetric == old.abMetric {
		next.abMetric = 1 + rng.IntN(100)
	}
	if rng.IntN(2) == 0 {
		pool := []struct {
			list   *[]string
			prefix string
		}{
			{&next.dPrefixes, "10.0.3.0/24"}, {&next.dPrefixes, "10.0.4.0/24"},
			{&next.ePrefixes, "10.0.5.0/24"}, {&next.ePrefixes, "10.0.6.0/24"},
		}
		p := pool[rng.IntN(len(pool))]
		if k := slices.Index(*p.list, p.prefix); k >= 0 {
			*p.list = slices.Delete(*p.list, k, k+1)
		} else {
			*p.list = append(*p.list, p.prefix)
		}
		prefixesChanged = true
	}
	if rng.IntN(3) == 0 {
		next.cdLink = !next.cdLink
	}
	if rng.IntN(3) == 0 {
		next.ceMetric = 1 + rng.IntN(20)
	}
	return next, prefixesChanged
}

// pollResult is the outcome of one long poll.
type pollResult struct {
	f    *follower
	i, j uint64
	r    *response
	err  error
}

// TestSyncRandomChanges follows the network map and both cost maps
// over HTTP/1.1 and h2c through 30 random topology changes. Before each
// change, every follower whose resource the change alters starts a long
// poll for the next edge. After it, every follower catches up edge by
// edge, and its document must equal a fresh GET of the resource.
// Shortcut and snapshot edges are checked every fifth change.
func TestSyncRandomChanges(t *testing.T) {
	s := startServer(t, newNetwork(t, definitionText, baseTopology), tips.Config{})
	var followers []*follower
	views := map[string]string{}
	for _, proto := range []string{protoHTTP1, protoH2C} {
		c := newClient(t, proto)
		for _, id := range sortedKeys(resourcePaths) {
			open := c.open(t, s, id, "")
			if prev, ok := views[id]; ok && prev != open.TIPSViewURI {
				t.Fatalf("%s: view %s, but the other client got %s", id, open.TIPSViewURI, prev)
			}
			views[id] = open.TIPSViewURI
			_, mediaType := c.fetchResource(t, s, id)
			f := &follower{c: c, resourceID: id, mediaType: mediaType, view: open.TIPSViewURI, history: map[uint64][]byte{}}
			rec := open.TIPSViewSummary.UpdatesGraphSummary.StartEdgeRec
			f.pull(t, rec.SeqI, rec.SeqJ)
			f.check(t, s)
			followers = append(followers, f)
		}
	}
	if got := s.svc.Stats().Views; got != len(resourcePaths) {
		t.Errorf("open views: %d, want one per resource (%d)", got, len(resourcePaths))
	}

	rng := rand.New(rand.NewPCG(9569, 7285))
	topo := baseTopology
	var longPolls, shortcuts int
	for step := range 30 {
		next, prefixesChanged := randomChange(rng, topo)
		longPolls += changeWithLongPolls(t, s, followers, next, prefixesChanged)
		for _, f := range followers {
			sum := f.catchUp(t)
			f.check(t, s)
			if step%5 == 4 {
				shortcuts += checkShortcut(t, f, sum)
			}
		}
		topo = next
	}
	if longPolls < 30 {
		t.Errorf("long polls completed: %d, want at least one per change", longPolls)
	}
	if shortcuts == 0 {
		t.Error("no shortcut edge was checked")
	}
}

// changeWithLongPolls starts a long poll for the next edge on every
// follower whose resource the change alters, waits until the server
// holds them all, applies the change, and applies the items that the
// long polls return. It returns the number of long polls.
func changeWithLongPolls(t *testing.T, s *testServer, followers []*follower, next topology, prefixesChanged bool) int {
	t.Helper()
	var polled []*follower
	for _, f := range followers {
		if f.resourceID == routingCostID || prefixesChanged {
			polled = append(polled, f)
		}
	}
	results := make(chan pollResult, len(polled))
	for _, f := range polled {
		go func() {
			i, j := f.seq, f.seq+1
			r, err := f.c.do(t.Context(), http.MethodGet, edgeURI(f.view, i, j), itemAccept(f.mediaType), "")
			results <- pollResult{f: f, i: i, j: j, r: r, err: err}
		}()
	}
	s.waitForWaiters(t, len(polled))
	s.change(t, next)
	for range polled {
		res := <-results
		if res.err != nil {
			t.Fatalf("%s: long poll: %v", res.f.name(), res.err)
		}
		res.f.apply(t, res.i, res.j, res.r)
	}
	return len(polled)
}

// checkShortcut checks the shortcut edge from three versions back to
// the follower's version, and the snapshot edge of that version. It
// returns the number of shortcuts checked (0 or 1).
func checkShortcut(t *testing.T, f *follower, sum summary) int {
	t.Helper()
	end := f.seq
	snapshot := f.c.mustDo(t, http.MethodGet, edgeURI(f.view, 0, end), itemAccept(f.mediaType), "")
	got, err := applyItem(nil, f.mediaType, snapshot)
	if err != nil || snapshot.status != http.StatusOK {
		t.Fatalf("%s: snapshot 0 to %d: status %d, %v", f.name(), end, snapshot.status, err)
	}
	if ok, diff := sameJSON(t, got, f.doc); !ok {
		t.Fatalf("%s: snapshot 0 to %d differs from the pulled version:%s", f.name(), end, diff)
	}
	if end < 4 || end-3 < sum.StartSeq || f.history[end-3] == nil {
		return 0
	}
	from := end - 3
	r := f.c.mustDo(t, http.MethodGet, edgeURI(f.view, from, end), itemAccept(f.mediaType), "")
	if r.status != http.StatusOK {
		t.Fatalf("%s: shortcut %d to %d: status %d: %s", f.name(), from, end, r.status, r.body)
	}
	got, err = applyItem(f.history[from], f.mediaType, r)
	if err != nil {
		t.Fatalf("%s: shortcut %d to %d: %v", f.name(), from, end, err)
	}
	if ok, diff := sameJSON(t, got, f.doc); !ok {
		t.Fatalf("%s: shortcut %d to %d gives a different document:%s", f.name(), from, end, diff)
	}
	return 1
}
