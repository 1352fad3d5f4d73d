package updates

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goalto/goalto/internal/datadir"
	"github.com/goalto/goalto/internal/netdef"
	"github.com/goalto/goalto/internal/snapshot"
	"github.com/goalto/goalto/internal/topology"
)

// zooNetwork is a Topology Zoo graph that tests change step by step and
// build snapshots from, through goalto's YAML topology form.
type zooNetwork struct {
	nodes      []string
	prefixes   map[string][]netip.Prefix
	links      []zooLink
	nextPrefix int // counter for prefixes added by mutate
	dir        string
}

type zooLink struct {
	from, to string
	metric   float64
}

// loadZoo reads a Topology Zoo graph, keeps at most maxNodes nodes
// reached first by a breadth-first walk from the first node, and gives
// each kept node one IPv4 prefix.
func loadZoo(tb testing.TB, file string, maxNodes int) *zooNetwork {
	tb.Helper()
	g, err := topology.Load(datadir.Path(tb, "topology-zoo", file))
	if err != nil {
		tb.Fatal(err)
	}
	keep := breadthFirst(g, maxNodes)
	n := &zooNetwork{prefixes: map[string][]netip.Prefix{}, dir: tb.TempDir()}
	for k, i := range keep {
		id := g.Nodes[i].ID
		n.nodes = append(n.nodes, id)
		n.prefixes[id] = []netip.Prefix{netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(k >> 8), byte(k), 0}), 24)}
	}
	for _, l := range g.Links {
		if n.has(g.Nodes[l.From].ID) && n.has(g.Nodes[l.To].ID) {
			n.links = append(n.links, zooLink{g.Nodes[l.From].ID, g.Nodes[l.To].ID, l.Metric})
		}
	}
	return n
}

// breadthFirst returns the indices of at most max nodes in the order a
// breadth-first walk reaches them, starting from node 0 and then from
// the first node not reached yet.
func breadthFirst(g *topology.Graph, max int) []int {
	adj := make([][]int, len(g.Nodes))
	for _, l := range g.Links {
		adj[l.From] = append(adj[l.From], l.To)
		adj[l.To] = append(adj[l.To], l.From)
	}
	seen := make([]bool, len(g.Nodes))
	var order []int
	for root := range g.Nodes {
		if seen[root] {
			continue
		}
		seen[root] = true
		queue := []int{root}
		for len(queue) > 0 && len(order) < max {
			i := queue[0]
			queue = queue[1:]
			order = append(order, i)
			for _, j := range adj[i] {
				if !seen[j] {
					seen[j] = true
					queue = append(queue, j)
				}
			}
		}
		if len(order) >= max {
			break
		}
	}
	return order
}

func (n *zooNetwork) has(id string) bool {
	_, ok := n.prefixes[id]
	return ok
}

// mutate makes one random change: a link metric, a removed or added
// link, or an added or removed node prefix.
func (n *zooNetwork) mutate(rng *rand.Rand) string {
	switch rng.IntN(5) {
	case 0:
		if len(n.links) > 0 {
			l := &n.links[rng.IntN(len(n.links))]
			l.metric = float64(1 + rng.IntN(50))
			return "metric"
		}
	case 1:
		if len(n.links) > len(n.nodes)/2 {
			k := rng.IntN(len(n.links))
			n.links = append(n.links[:k], n.links[k+1:]...)
			return "remove link"
		}
	case 2:
		a, b := n.nodes[rng.IntN(len(n.nodes))], n.nodes[rng.IntN(len(n.nodes))]
		if a != b {
			n.links = append(n.links, zooLink{a, b, float64(1 + rng.IntN(50))})
			return "add link"
		}
	case 3:
		id := n.nodes[rng.IntN(len(n.nodes))]
		n.nextPrefix++
		p := netip.PrefixFrom(netip.AddrFrom4([4]byte{172, 16 + byte(n.nextPrefix>>8), byte(n.nextPrefix), 0}), 24)
		n.prefixes[id] = append(n.prefixes[id], p)
		return "add prefix"
	case 4:
		id := n.nodes[rng.IntN(len(n.nodes))]
		if ps := n.prefixes[id]; len(ps) > 0 && n.prefixCount() > 2 {
			k := rng.IntN(len(ps))
			n.prefixes[id] = append(ps[:k:k], ps[k+1:]...)
			return "remove prefix"
		}
	}
	return "none"
}

func (n *zooNetwork) prefixCount() int {
	total := 0
	for _, ps := range n.prefixes {
		total += len(ps)
	}
	return total
}

// yaml renders the network in goalto's YAML topology form.
func (n *zooNetwork) yaml() string {
	var b strings.Builder
	b.WriteString("nodes:\n")
	for _, id := range n.nodes {
		fmt.Fprintf(&b, "  - id: %q\n", id)
		if ps := n.prefixes[id]; len(ps) > 0 {
			b.WriteString("    prefixes: [")
			for k, p := range ps {
				if k > 0 {
					b.WriteString(", ")
				}
				b.WriteString(p.String())
			}
			b.WriteString("]\n")
		}
	}
	b.WriteString("links:\n")
	for _, l := range n.links {
		fmt.Fprintf(&b, "  - {from: %q, to: %q, metric: %g}\n", l.from, l.to, l.metric)
	}
	return b.String()
}

// build writes the topology and a definition that uses it, and builds a
// snapshot with the default resources.
func (n *zooNetwork) build(tb testing.TB) *snapshot.Snapshot {
	tb.Helper()
	if err := os.WriteFile(filepath.Join(n.dir, "topo.yaml"), []byte(n.yaml()), 0o644); err != nil {
		tb.Fatal(err)
	}
	defPath := filepath.Join(n.dir, "net.yaml")
	if err := os.WriteFile(defPath, []byte("topology: topo.yaml\n"), 0o644); err != nil {
		tb.Fatal(err)
	}
	def, err := netdef.Load(defPath)
	if err != nil {
		tb.Fatal(err)
	}
	s, err := snapshot.Build(def)
	if err != nil {
		tb.Fatal(err)
	}
	return s
}
