package topology

import (
	"container/heap"
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
)

// Paths holds all-pairs shortest paths over Link.Metric; the path chosen
// between two nodes is the one with the least total metric, ties broken by
// fewer hops. Costs are sums of float64 metrics taken along the path from the
// source, and ties are exact equality of those sums.
//
// Paths is immutable once built and safe for concurrent use.
type Paths struct {
	N    int
	cost []float64 // dense row-major N×N; +Inf when unreachable
	hops []int32   // -1 when unreachable
	via  []int32   // last link of the chosen path i -> j; -1 for i == j or unreachable
	from []int32   // link endpoints, to walk via back to the source
	to   []int32
}

// AllPairs computes shortest paths between all pairs of nodes with Dijkstra
// from every node (container/heap), O(N (E log N)), spreading the sources
// over GOMAXPROCS goroutines. The result does not depend on the scheduling.
//
// Links with a negative, NaN or infinite metric are ignored (parsed graphs
// have none, see Validate); a metric of 0 is allowed. AllPairs panics if a
// link endpoint is not a valid node index.
func (g *Graph) AllPairs() *Paths {
	n := len(g.Nodes)
	p := &Paths{
		N:    n,
		cost: make([]float64, n*n),
		hops: make([]int32, n*n),
		via:  make([]int32, n*n),
		from: make([]int32, len(g.Links)),
		to:   make([]int32, len(g.Links)),
	}
	// Adjacency in compressed sparse row form.
	deg := make([]int32, n+1)
	for i, l := range g.Links {
		if l.From < 0 || l.From >= n || l.To < 0 || l.To >= n {
			panic(fmt.Sprintf("topology: AllPairs: link %d has endpoint out of range (%d, %d; %d nodes)", i, l.From, l.To, n))
		}
		p.from[i], p.to[i] = int32(l.From), int32(l.To)
		if !usable(l.Metric) {
			continue
		}
		deg[l.From+1]++
		if !l.Directed && l.To != l.From {
			deg[l.To+1]++
		}
	}
	for i := 1; i <= n; i++ {
		deg[i] += deg[i-1]
	}
	adj := make([]arc, deg[n])
	fill := append([]int32(nil), deg[:n]...)
	for i, l := range g.Links {
		if !usable(l.Metric) {
			continue
		}
		adj[fill[l.From]] = arc{to: int32(l.To), link: int32(i), w: l.Metric}
		fill[l.From]++
		if !l.Directed && l.To != l.From {
			adj[fill[l.To]] = arc{to: int32(l.From), link: int32(i), w: l.Metric}
			fill[l.To]++
		}
	}

	workers := runtime.GOMAXPROCS(0)
	if w := n / 32; w < workers {
		workers = max(w, 1)
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var h pqueue
			for {
				s := int(next.Add(1) - 1)
				if s >= n {
					return
				}
				p.dijkstra(s, deg, adj, &h)
			}
		}()
	}
	wg.Wait()
	return p
}

func usable(m float64) bool { return m >= 0 && !math.IsInf(m, 1) }

type arc struct {
	to, link int32
	w        float64
}

// item is a heap entry; entries made stale by a later improvement are
// skipped when popped. The queue is driven through heap.Fix rather than
// heap.Push and heap.Pop, which would box every item in an interface (one
// allocation per push).
type item struct {
	cost float64
	hops int32
	node int32
}

type pqueue []item

func (q pqueue) Len() int { return len(q) }
func (q pqueue) Less(i, j int) bool {
	if q[i].cost != q[j].cost {
		return q[i].cost < q[j].cost
	}
	if q[i].hops != q[j].hops {
		return q[i].hops < q[j].hops
	}
	return q[i].node < q[j].node
}
func (q pqueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }

// Push and Pop complete heap.Interface; the hot path uses push and pop.
func (q *pqueue) Push(x any) { *q = append(*q, x.(item)) }
func (q *pqueue) Pop() any {
	old := *q
	it := old[len(old)-1]
	*q = old[:len(old)-1]
	return it
}

func (q *pqueue) push(it item) {
	*q = append(*q, it)
	heap.Fix(q, len(*q)-1)
}

func (q *pqueue) pop() item {
	old := *q
	it := old[0]
	n := len(old) - 1
	old[0] = old[n]
	*q = old[:n]
	if n > 0 {
		heap.Fix(q, 0)
	}
	return it
}

// dijkstra fills row s. Path weights are (cost, hops) pairs ordered
// lexicographically; every arc adds (w >= 0, 1), which is strictly positive
// in that order, so Dijkstra's argument holds for the pair.
func (p *Paths) dijkstra(s int, start []int32, adj []arc, h *pqueue) {
	n := p.N
	cost := p.cost[s*n : (s+1)*n]
	hops := p.hops[s*n : (s+1)*n]
	via := p.via[s*n : (s+1)*n]
	for i := range cost {
		cost[i] = math.Inf(1)
		hops[i] = -1
		via[i] = -1
	}
	cost[s], hops[s] = 0, 0
	*h = append((*h)[:0], item{0, 0, int32(s)})
	for len(*h) > 0 {
		it := h.pop()
		u := it.node
		if it.cost != cost[u] || it.hops != hops[u] {
			continue // stale
		}
		for _, a := range adj[start[u]:start[u+1]] {
			c, k := it.cost+a.w, it.hops+1
			if c < cost[a.to] || (c == cost[a.to] && k < hops[a.to]) {
				cost[a.to], hops[a.to], via[a.to] = c, k, a.link
				h.push(item{c, k, a.to})
			}
		}
	}
}

func (p *Paths) check(i, j int) {
	if i < 0 || i >= p.N || j < 0 || j >= p.N {
		panic(fmt.Sprintf("topology: node index out of range (%d, %d; %d nodes)", i, j, p.N))
	}
}

// Cost returns the total metric of the chosen path from i to j; ok is false
// when j is unreachable from i. Cost(i, i) is 0. It panics if i or j is out
// of range.
func (p *Paths) Cost(i, j int) (cost float64, ok bool) {
	p.check(i, j)
	if p.hops[i*p.N+j] < 0 {
		return 0, false
	}
	return p.cost[i*p.N+j], true
}

// Hops returns the number of links of the chosen path from i to j; ok is
// false when j is unreachable from i. It panics if i or j is out of range.
func (p *Paths) Hops(i, j int) (hops int, ok bool) {
	p.check(i, j)
	h := p.hops[i*p.N+j]
	if h < 0 {
		return 0, false
	}
	return int(h), true
}

// Path returns the chosen path from i to j as indices into Graph.Links, in
// order from i to j (empty for i == j); ok is false when j is unreachable
// from i. Summing Link.Metric over the path in this order gives exactly
// Cost(i, j), and its length is Hops(i, j). Among paths of equal cost and
// hops the choice is arbitrary but deterministic. It panics if i or j is out
// of range.
func (p *Paths) Path(i, j int) (links []int, ok bool) {
	p.check(i, j)
	h := p.hops[i*p.N+j]
	if h < 0 {
		return nil, false
	}
	links = make([]int, h)
	row := p.via[i*p.N : (i+1)*p.N]
	v := int32(j)
	for k := int(h) - 1; k >= 0; k-- {
		l := row[v]
		links[k] = int(l)
		if p.to[l] == v {
			v = p.from[l]
		} else {
			v = p.to[l]
		}
	}
	return links, true
}

// LastLink returns the last link of the chosen path from i to j and the
// node before j on it; ok is false when i == j or j is unreachable from
// i. The chosen paths from one source form a tree: Path(i, j) is
// Path(i, prev) followed by link, so values along all paths from i can
// be folded in order of Hops. It panics if i or j is out of range.
func (p *Paths) LastLink(i, j int) (link, prev int, ok bool) {
	p.check(i, j)
	l := p.via[i*p.N+j]
	if l < 0 {
		return 0, 0, false
	}
	if p.to[l] == int32(j) {
		return int(l), int(p.from[l]), true
	}
	return int(l), int(p.to[l]), true
}
