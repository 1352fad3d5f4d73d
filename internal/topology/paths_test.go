package topology

import (
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"testing"
)

// floydWarshall is the slow reference model: all-pairs shortest paths over
// (cost, hops) ordered lexicographically, O(N^3). Unreachable pairs have
// cost +Inf and hops -1.
func floydWarshall(g *Graph) (cost []float64, hops []int) {
	n := len(g.Nodes)
	cost = make([]float64, n*n)
	hops = make([]int, n*n)
	for i := range cost {
		cost[i], hops[i] = math.Inf(1), -1
	}
	for i := range n {
		cost[i*n+i], hops[i*n+i] = 0, 0
	}
	better := func(c float64, h int, k int) bool {
		return c < cost[k] || (c == cost[k] && h < hops[k])
	}
	for _, l := range g.Links {
		if !(l.Metric >= 0) || math.IsInf(l.Metric, 1) {
			continue
		}
		if better(l.Metric, 1, l.From*n+l.To) {
			cost[l.From*n+l.To], hops[l.From*n+l.To] = l.Metric, 1
		}
		if !l.Directed && better(l.Metric, 1, l.To*n+l.From) {
			cost[l.To*n+l.From], hops[l.To*n+l.From] = l.Metric, 1
		}
	}
	for k := range n {
		for i := range n {
			cik := cost[i*n+k]
			if math.IsInf(cik, 1) {
				continue
			}
			hik := hops[i*n+k]
			rowK, rowI := cost[k*n:(k+1)*n], cost[i*n:(i+1)*n]
			hopK, hopI := hops[k*n:(k+1)*n], hops[i*n:(i+1)*n]
			for j := range n {
				c := cik + rowK[j]
				if c < rowI[j] || (c == rowI[j] && hik+hopK[j] < hopI[j]) {
					rowI[j], hopI[j] = c, hik+hopK[j]
				}
			}
		}
	}
	return cost, hops
}

// comparePaths checks AllPairs against the reference, and that every chosen
// path is a real walk whose metric sum and length match Cost and Hops.
func comparePaths(t *testing.T, name string, g *Graph) {
	t.Helper()
	p := g.AllPairs()
	wantCost, wantHops := floydWarshall(g)
	n := len(g.Nodes)
	if p.N != n {
		t.Fatalf("%s: N = %d, want %d", name, p.N, n)
	}
	errs := 0
	for i := range n {
		for j := range n {
			c, okc := p.Cost(i, j)
			h, okh := p.Hops(i, j)
			wc, wh := wantCost[i*n+j], wantHops[i*n+j]
			reach := wh >= 0
			if okc != reach || okh != reach || (reach && (c != wc || h != wh)) {
				t.Errorf("%s: %d->%d: got cost %v,%v hops %v,%v; want cost %v hops %v", name, i, j, c, okc, h, okh, wc, wh)
				if errs++; errs > 10 {
					t.FailNow()
				}
				continue
			}
			path, ok := p.Path(i, j)
			if ok != reach {
				t.Fatalf("%s: Path(%d, %d) ok = %v", name, i, j, ok)
			}
			if !reach {
				continue
			}
			at, sum := i, 0.0
			for _, li := range path {
				l := g.Links[li]
				switch {
				case l.From == at:
					at = l.To
				case !l.Directed && l.To == at:
					at = l.From
				default:
					t.Fatalf("%s: Path(%d, %d) = %v: link %d %+v does not leave node %d", name, i, j, path, li, l, at)
				}
				sum += l.Metric
			}
			if at != j || sum != c || len(path) != h {
				t.Fatalf("%s: Path(%d, %d) = %v ends at %d, sum %v, length %d; want %d, %v, %d", name, i, j, path, at, sum, len(path), j, c, h)
			}
		}
	}
}

func TestAllPairsZoo(t *testing.T) {
	dir := dataDir(t, "topology-zoo")
	files, _ := filepath.Glob(filepath.Join(dir, "*.graphml"))
	if len(files) == 0 {
		t.Skip("no GraphML files")
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			g := mustLoad(t, f)
			if len(g.Nodes) > 500 && testing.Short() {
				t.Skip("Floyd-Warshall on a big graph skipped in -short mode")
			}
			comparePaths(t, name, g)
		})
	}
}

func TestAllPairsLHCONE(t *testing.T) {
	dir := dataDir(t, "lhcone-openalto-simulator")
	for _, f := range []string{"LHCOne-final.yaml", "LHCOne-final-augment.yaml", "LHCOne.yaml"} {
		g := mustLoad(t, filepath.Join(dir, f))
		comparePaths(t, f, g)
	}
}

func TestAllPairsDeutscheTelekom(t *testing.T) {
	g := mustLoad(t, filepath.Join(dataDir(t, "topology-zoo"), "DeutscheTelekom.graphml"))
	p := g.AllPairs()
	// Component of each node, from a union-find independent of Paths.
	comp := make([]int, len(g.Nodes))
	for i := range comp {
		comp[i] = i
	}
	var find func(int) int
	find = func(x int) int {
		if comp[x] != x {
			comp[x] = find(comp[x])
		}
		return comp[x]
	}
	for _, l := range g.Links {
		comp[find(l.From)] = find(l.To)
	}
	unreachable := 0
	for i := range g.Nodes {
		for j := range g.Nodes {
			_, okc := p.Cost(i, j)
			_, okh := p.Hops(i, j)
			_, okp := p.Path(i, j)
			same := find(i) == find(j)
			if okc != same || okh != same || okp != same {
				t.Fatalf("%d->%d: ok = %v/%v/%v, same component %v", i, j, okc, okh, okp, same)
			}
			if !same {
				unreachable++
			}
		}
	}
	if unreachable == 0 {
		t.Error("no unreachable pairs in DeutscheTelekom (SOURCE.md: 4 components)")
	}
	if c, ok := p.Cost(3, 3); !ok || c != 0 {
		t.Errorf("Cost(i, i) = %v, %v", c, ok)
	}
}

// randomGraph makes a graph with integer or half-integer metrics (exact in
// float64, so sums do not depend on the order of addition), a mix of
// directed and undirected links, parallel links, self-loops and sometimes
// zero-metric links.
func randomGraph(r *rand.Rand) *Graph {
	n := 1 + r.IntN(40)
	g := &Graph{Name: "random"}
	for i := range n {
		g.Nodes = append(g.Nodes, Node{ID: fmt.Sprint(i), Label: fmt.Sprint(i)})
	}
	m := r.IntN(3*n + 1)
	zero := r.IntN(4) == 0
	for range m {
		l := Link{From: r.IntN(n), To: r.IntN(n), Directed: r.IntN(2) == 0}
		switch r.IntN(4) {
		case 0:
			l.Metric = 1
		case 1:
			l.Metric = float64(1+r.IntN(20)) / 2
		default:
			l.Metric = float64(1 + r.IntN(10))
		}
		if zero && r.IntN(5) == 0 {
			l.Metric = 0
		}
		g.Links = append(g.Links, l)
	}
	return g
}

func TestAllPairsRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for k := range 300 {
		g := randomGraph(r)
		comparePaths(t, fmt.Sprintf("random graph %d (%d nodes, %d links)", k, len(g.Nodes), len(g.Links)), g)
	}
	// Bigger ones, enough nodes to use several goroutines.
	for k := range 3 {
		g := randomGraph(r)
		for i := len(g.Nodes); i < 300; i++ {
			g.Nodes = append(g.Nodes, Node{ID: fmt.Sprint(i)})
		}
		for range 900 {
			g.Links = append(g.Links, Link{From: r.IntN(300), To: r.IntN(300), Directed: r.IntN(3) == 0, Metric: float64(1 + r.IntN(5))})
		}
		comparePaths(t, fmt.Sprintf("big random graph %d", k), g)
	}
}

func TestAllPairsSmall(t *testing.T) {
	// 0 -a-> 1 -b-> 2 with metrics 1+1; a direct 0-2 of metric 2: same cost,
	// fewer hops, so the direct link wins. 2 -> 3 is directed.
	g := &Graph{
		Nodes: []Node{{ID: "0"}, {ID: "1"}, {ID: "2"}, {ID: "3"}, {ID: "4"}},
		Links: []Link{
			{From: 0, To: 1, Metric: 1},
			{From: 1, To: 2, Metric: 1},
			{From: 0, To: 2, Metric: 2},
			{From: 2, To: 3, Metric: 5, Directed: true},
			{From: 0, To: 3, Metric: 8, Directed: true},
			{From: 3, To: 4, Metric: math.NaN()},  // ignored
			{From: 4, To: 3, Metric: -1},          // ignored
			{From: 4, To: 0, Metric: math.Inf(1)}, // ignored
		},
	}
	p := g.AllPairs()
	check := func(i, j int, cost float64, hops int, path []int) {
		t.Helper()
		c, ok1 := p.Cost(i, j)
		h, ok2 := p.Hops(i, j)
		pp, ok3 := p.Path(i, j)
		if !ok1 || !ok2 || !ok3 || c != cost || h != hops || fmt.Sprint(pp) != fmt.Sprint(path) {
			t.Errorf("%d->%d: cost %v hops %v path %v (%v %v %v); want %v %v %v", i, j, c, h, pp, ok1, ok2, ok3, cost, hops, path)
		}
	}
	check(0, 2, 2, 1, []int{2})
	check(2, 0, 2, 1, []int{2})
	check(0, 3, 7, 2, []int{2, 3})
	check(1, 3, 6, 2, []int{1, 3})
	check(1, 1, 0, 0, []int{})
	for _, pair := range [][2]int{{3, 0}, {3, 2}, {0, 4}, {4, 0}, {3, 4}} {
		if _, ok := p.Cost(pair[0], pair[1]); ok {
			t.Errorf("%v reachable", pair)
		}
		if _, ok := p.Hops(pair[0], pair[1]); ok {
			t.Errorf("%v reachable", pair)
		}
	}

	empty := (&Graph{}).AllPairs()
	if empty.N != 0 {
		t.Error("empty graph")
	}

	func() {
		defer func() {
			if recover() == nil {
				t.Error("Cost out of range did not panic")
			}
		}()
		p.Cost(0, 5)
	}()
	func() {
		defer func() {
			if recover() == nil {
				t.Error("AllPairs with a bad link index did not panic")
			}
		}()
		(&Graph{Nodes: []Node{{ID: "a"}}, Links: []Link{{From: 0, To: 1, Metric: 1}}}).AllPairs()
	}()
}

func TestValidate(t *testing.T) {
	ok := Graph{Nodes: []Node{{ID: "a"}, {ID: "b"}}, Links: []Link{{From: 0, To: 1, Metric: 1}}}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	bad := []func(g *Graph){
		func(g *Graph) { g.Nodes[1].ID = "" },
		func(g *Graph) { g.Nodes[1].ID = "a" },
		func(g *Graph) { g.Nodes[0].HasCoords, g.Nodes[0].Lat = true, 100 },
		func(g *Graph) { g.Links[0].To = 2 },
		func(g *Graph) { g.Links[0].From = -1 },
		func(g *Graph) { g.Links[0].Metric = 0 },
		func(g *Graph) { g.Links[0].Metric = math.Inf(1) },
		func(g *Graph) { g.Links[0].Capacity = -1 },
		func(g *Graph) { g.Links[0].Latency = math.NaN() },
	}
	for i, mutate := range bad {
		g := Graph{Nodes: append([]Node(nil), ok.Nodes...), Links: append([]Link(nil), ok.Links...)}
		mutate(&g)
		if g.Validate() == nil {
			t.Errorf("case %d: Validate accepted %+v", i, g)
		}
	}
}

func BenchmarkAllPairsKdl(b *testing.B) {
	g := mustLoad(b, filepath.Join(dataDir(b, "topology-zoo"), "Kdl.graphml"))
	b.ReportAllocs()
	for b.Loop() {
		g.AllPairs()
	}
}
