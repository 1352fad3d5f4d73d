package pathvector_test

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/datadir"
	"github.com/goalto/goalto/internal/topology"
)

// zooNetwork is a Topology Zoo graph served with one PID per node, each
// with a /16 of 10.0.0.0/8, and the property map "links" that defines
// persistent ANEs.
type zooNetwork struct {
	graph *topology.Graph
	base  string
	pid   []string // PID of each node
}

func startZoo(t *testing.T, name string, merge bool) *zooNetwork {
	t.Helper()
	file := datadir.Path(t, "topology-zoo", name)
	g, err := topology.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	if len(g.Nodes) > 256 {
		t.Fatalf("%s has %d nodes; the test gives each a /16 of 10.0.0.0/8", name, len(g.Nodes))
	}
	var def strings.Builder
	fmt.Fprintf(&def, "network-map: {pids: group}\ntopology: %q\ngroups:\n", file)
	z := &zooNetwork{graph: g, pid: make([]string, len(g.Nodes))}
	for i, n := range g.Nodes {
		z.pid[i] = "node" + n.ID
		fmt.Fprintf(&def, "  - {pid: %s, node: %q, prefixes: [10.%d.0.0/16]}\n", z.pid[i], n.ID, i)
	}
	fmt.Fprintf(&def, `resources:
  - {id: default-network-map, type: network-map, path: /networkmap}
  - {id: links, type: property-map, path: /links, mappings: {".ane": [owner]}}
  - {id: pv, type: path-vector-cost-map, path: /costmap/pv, persistent-map: links, merge-shared-links: %t}
  - {id: pv-ecs, type: path-vector-endpoint-cost, path: /endpointcost/pv, persistent-map: links}
`, merge)
	path := filepath.Join(t.TempDir(), "network.yaml")
	if err := os.WriteFile(path, []byte(def.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	z.base = start(t, path)
	return z
}

// request returns a path vector cost map request for all PIDs.
func allPIDsRequest(props ...string) string {
	names := `"` + strings.Join(props, `","`) + `"`
	if len(props) == 0 {
		names = ""
	}
	return `{"cost-type":{"cost-mode":"array","cost-metric":"ane-path"},"pids":{"srcs":[],"dsts":[]},"ane-property-names":[` + names + `]}`
}

// shortestDistances computes all-pairs shortest path metrics with the
// Floyd-Warshall algorithm, independently of the topology package.
func shortestDistances(g *topology.Graph) [][]float64 {
	n := len(g.Nodes)
	d := make([][]float64, n)
	for i := range d {
		d[i] = make([]float64, n)
		for j := range d[i] {
			if i != j {
				d[i][j] = math.Inf(1)
			}
		}
	}
	for _, l := range g.Links {
		d[l.From][l.To] = min(d[l.From][l.To], l.Metric)
		if !l.Directed {
			d[l.To][l.From] = min(d[l.To][l.From], l.Metric)
		}
	}
	for k := range n {
		for i := range n {
			for j := range n {
				d[i][j] = min(d[i][j], d[i][k]+d[k][j])
			}
		}
	}
	return d
}

// linkOf returns the link and direction that a persistent ANE name
// "from:to" or "from:to:k" names: the k-th link, in file order, that
// joins the two nodes.
func linkOf(t *testing.T, g *topology.Graph, name string) (link int, from, to int) {
	t.Helper()
	parts := strings.Split(name, ":")
	if len(parts) < 2 || len(parts) > 3 {
		t.Fatalf("persistent name %q is not from:to or from:to:k", name)
	}
	from, to = g.Index(parts[0]), g.Index(parts[1])
	if from < 0 || to < 0 {
		t.Fatalf("persistent name %q: unknown node", name)
	}
	k := 1
	if len(parts) == 3 {
		k, _ = strconv.Atoi(parts[2])
	}
	seen := 0
	for i, l := range g.Links {
		if (l.From == from && l.To == to) || (l.From == to && l.To == from) {
			if seen++; seen == k {
				return i, from, to
			}
		}
	}
	t.Fatalf("persistent name %q: no link %d between the nodes", name, k)
	return 0, 0, 0
}

func TestZooPathsFollowLinks(t *testing.T) {
	for _, name := range []string{"Geant2012.graphml", "Uninett2010.graphml"} {
		t.Run(name, func(t *testing.T) {
			z := startZoo(t, name, false)
			g := z.graph
			pv, props := parts(t, decode(t, post(t, z.base+"/costmap/pv", alto.MediaTypeCostMapFilter,
				allPIDsRequest(alto.PropMaxReservableBandwidth, alto.PropPersistentEntityID))))
			dist := shortestDistances(g)
			nodeOf := map[string]int{}
			for i, p := range z.pid {
				nodeOf[p] = i
			}
			checked, withCapacity := 0, 0
			for src, row := range pv.CostMap {
				for dst, path := range row {
					s, d := nodeOf[src], nodeOf[dst]
					at, metric := s, 0.0
					bottleneck, refBottleneck := math.Inf(1), math.Inf(1)
					for _, ane := range path {
						values, ok := props.PropertyMap[".ane:"+ane]
						if !ok {
							t.Fatalf("%s to %s: ANE %s has no entry in the property map", src, dst, ane)
						}
						id, _ := values[alto.PropPersistentEntityID].(string)
						local, ok := strings.CutPrefix(id, "links.ane:")
						if !ok {
							t.Fatalf("%s to %s: ANE %s: persistent-entity-id %q is not in links.ane", src, dst, ane, id)
						}
						link, from, to := linkOf(t, g, local)
						if from != at {
							t.Fatalf("%s to %s: ANE %s starts at node %s, want %s", src, dst, ane, g.Nodes[from].ID, g.Nodes[at].ID)
						}
						at = to
						metric += g.Links[link].Metric
						bw, has := values[alto.PropMaxReservableBandwidth].(float64)
						capacity := g.Links[link].Capacity
						if has != (capacity > 0) || (has && bw != capacity) {
							t.Errorf("%s to %s: ANE %s max-reservable-bandwidth %v (present %t), want link capacity %v", src, dst, ane, bw, has, capacity)
						}
						if has {
							withCapacity++
							bottleneck = min(bottleneck, bw)
						}
						if capacity > 0 {
							refBottleneck = min(refBottleneck, capacity)
						}
					}
					if at != d {
						t.Fatalf("%s to %s: the path ends at node %s", src, dst, g.Nodes[at].ID)
					}
					if math.Abs(metric-dist[s][d]) > 1e-9*max(1, dist[s][d]) {
						t.Errorf("%s to %s: path metric %v, shortest %v", src, dst, metric, dist[s][d])
					}
					if bottleneck != refBottleneck {
						t.Errorf("%s to %s: bottleneck %v, want %v", src, dst, bottleneck, refBottleneck)
					}
					checked++
				}
			}
			reachable := 0
			for i := range dist {
				for j := range dist[i] {
					if !math.IsInf(dist[i][j], 1) {
						reachable++
					}
				}
			}
			if checked != reachable {
				t.Errorf("%d paths, want one for each of the %d reachable pairs", checked, reachable)
			}
			t.Logf("%d paths, %d ANE hops with a capacity", checked, withCapacity)
			if withCapacity == 0 {
				t.Errorf("no ANE has a max-reservable-bandwidth; %s gives link speeds", name)
			}
		})
	}
}
