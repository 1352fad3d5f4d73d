package snapshot_test

import (
	"encoding/json"
	"fmt"
	"math"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/netdef"
	"github.com/goalto/goalto/internal/snapshot"
	"github.com/goalto/goalto/internal/topology"
)

// zooDir holds Topology Zoo GraphML files (undirected, every link of
// metric 1).
var zooDir = filepath.Join("..", "..", "..", "shared", "data", "topology-zoo")

// loadZoo reads a Topology Zoo graph, skipping the test when the data
// is absent.
func loadZoo(t testing.TB, name string) (*topology.Graph, string) {
	t.Helper()
	path, err := filepath.Abs(filepath.Join(zooDir, name))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); err != nil {
		t.Skipf("topology not available: %v", err)
	}
	g, err := topology.Load(path)
	if err != nil {
		t.Fatalf("loading %s: %v", name, err)
	}
	return g, path
}

// floydWarshall is the slow reference model of topology costs: all-pairs
// least-cost paths, ties broken by fewer hops, in O(N^3). Unreachable
// pairs have cost +Inf and hops -1.
func floydWarshall(g *topology.Graph) (cost []float64, hops []int) {
	n := len(g.Nodes)
	cost, hops = make([]float64, n*n), make([]int, n*n)
	for i := range cost {
		cost[i], hops[i] = math.Inf(1), -1
	}
	for i := range n {
		cost[i*n+i], hops[i*n+i] = 0, 0
	}
	relax := func(k int, c float64, h int) {
		if c < cost[k] || (c == cost[k] && h < hops[k]) {
			cost[k], hops[k] = c, h
		}
	}
	for _, l := range g.Links {
		relax(l.From*n+l.To, l.Metric, 1)
		if !l.Directed {
			relax(l.To*n+l.From, l.Metric, 1)
		}
	}
	for k := range n {
		for i := range n {
			if math.IsInf(cost[i*n+k], 1) {
				continue
			}
			for j := range n {
				if math.IsInf(cost[k*n+j], 1) {
					continue
				}
				relax(i*n+j, cost[i*n+k]+cost[k*n+j], hops[i*n+k]+hops[k*n+j])
			}
		}
	}
	return cost, hops
}

// nodePrefix is the /24 given to node i: 10.x.y.0/24 with x.y = i.
func nodePrefix(i int) netip.Prefix {
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), 0}), 24)
}

// groupDefinition writes a definition that serves a topology with the
// group rule: one PID "node-<id>" per node, attached to that node, with
// the node's /24. It returns the path of the definition and the PID of
// each node.
func groupDefinition(t *testing.T, g *topology.Graph, topologyPath string) (string, []string) {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "topology: %s\nnetwork-map:\n  pids: group\ngroups:\n", strconv.Quote(topologyPath))
	pids := make([]string, len(g.Nodes))
	for i, n := range g.Nodes {
		pids[i] = "node-" + n.ID
		fmt.Fprintf(&b, "  - pid: %s\n    node: %s\n    prefixes: [%s]\n", pids[i], strconv.Quote(n.ID), nodePrefix(i))
	}
	return writeFile(t, t.TempDir(), "definition.yaml", b.String()), pids
}

// nodeRuleDefinition writes g as a goalto YAML topology whose nodes carry
// their /24, and a definition that forms PIDs with the node rule. Node
// IDs are used as PID names, so they must be valid PID names.
func nodeRuleDefinition(t *testing.T, g *topology.Graph) (string, []string) {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "name: %s\nnodes:\n", strconv.Quote(g.Name))
	pids := make([]string, len(g.Nodes))
	for i, n := range g.Nodes {
		pids[i] = n.ID
		fmt.Fprintf(&b, "  - {id: %s, prefixes: [%s]}\n", strconv.Quote(n.ID), nodePrefix(i))
	}
	b.WriteString("links:\n")
	for _, l := range g.Links {
		fmt.Fprintf(&b, "  - {from: %s, to: %s, metric: %v, directed: %v}\n",
			strconv.Quote(g.Nodes[l.From].ID), strconv.Quote(g.Nodes[l.To].ID), l.Metric, l.Directed)
	}
	dir := t.TempDir()
	writeFile(t, dir, "topology.yaml", b.String())
	return writeFile(t, dir, "definition.yaml", "topology: topology.yaml\nnetwork-map:\n  pids: node\n"), pids
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// weighted returns a copy of g with integer link metrics from 1 to 5 and
// every seventh link directed, so that least-cost and fewest-hop paths
// differ and costs are asymmetric. Integer sums are exact in float64, so
// the order of addition cannot change a cost.
func weighted(g *topology.Graph) *topology.Graph {
	w := &topology.Graph{Name: g.Name + "-weighted"}
	for i, n := range g.Nodes {
		w.Nodes = append(w.Nodes, topology.Node{ID: "n" + strconv.Itoa(i), Label: n.Label})
	}
	for i, l := range g.Links {
		w.Links = append(w.Links, topology.Link{From: l.From, To: l.To, Metric: float64(1 + (i*3)%5), Directed: i%7 == 3})
	}
	return w
}

// costMapJSON is the decoded form of a cost map response.
type costMapJSON struct {
	Meta struct {
		DependentVTags []alto.VersionTag `json:"dependent-vtags"`
		CostType       alto.CostType     `json:"cost-type"`
	} `json:"meta"`
	CostMap map[string]map[string]float64 `json:"cost-map"`
}

func decodeCostMap(t *testing.T, s *snapshot.Snapshot, path string) costMapJSON {
	t.Helper()
	res := s.Lookup(path)
	if res == nil || res.Body == nil {
		t.Fatalf("no full cost map at %s", path)
	}
	var cm costMapJSON
	if err := json.Unmarshal(res.Body, &cm); err != nil {
		t.Fatalf("decoding %s: %v", path, err)
	}
	if len(cm.Meta.DependentVTags) != 1 || cm.Meta.DependentVTags[0] != s.NetworkMap.VersionTag() {
		t.Errorf("%s: dependent-vtags = %v, want the network map's %v", path, cm.Meta.DependentVTags, s.NetworkMap.VersionTag())
	}
	return cm
}

// denseRanks maps each distinct finite value to its rank from 1, as the
// ordinal mode of RFC 7285, Section 6.1.2.2 requires.
func denseRanks(values []float64) map[float64]float64 {
	var finite []float64
	for _, v := range values {
		if !math.IsInf(v, 1) {
			finite = append(finite, v)
		}
	}
	slices.Sort(finite)
	finite = slices.Compact(finite)
	ranks := make(map[float64]float64, len(finite))
	for i, v := range finite {
		ranks[v] = float64(i + 1)
	}
	return ranks
}

// compareCostMap checks every entry of a decoded cost map against the
// reference: each reachable pair has its cost, and no other pair is
// present.
func compareCostMap(t *testing.T, path string, cm costMapJSON, pids []string, want func(i, j int) (float64, bool)) {
	t.Helper()
	n, reachable, errs := len(pids), 0, 0
	for i := range n {
		row := cm.CostMap[pids[i]]
		for j := range n {
			wantCost, ok := want(i, j)
			got, present := row[pids[j]]
			if ok {
				reachable++
			}
			if present != ok || (ok && got != wantCost) {
				t.Errorf("%s: %s -> %s: got %v (present %v), want %v (reachable %v)", path, pids[i], pids[j], got, present, wantCost, ok)
				if errs++; errs >= 10 {
					t.FailNow()
				}
			}
		}
	}
	entries := 0
	for _, row := range cm.CostMap {
		entries += len(row)
	}
	if entries != reachable {
		t.Errorf("%s: %d entries, want %d reachable pairs", path, entries, reachable)
	}
}

// checkSnapshot builds the definition and compares the four default full
// cost maps with Floyd-Warshall on g, whose node i is served as pids[i].
// It returns the number of unreachable ordered pairs.
func checkSnapshot(t *testing.T, definition string, g *topology.Graph, pids []string) int {
	t.Helper()
	def, err := netdef.Load(definition)
	if err != nil {
		t.Fatalf("loading definition: %v", err)
	}
	s, err := snapshot.Build(def)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	if s.NetworkMap.Len() != len(g.Nodes) {
		t.Fatalf("network map has %d PIDs, want one per node (%d)", s.NetworkMap.Len(), len(g.Nodes))
	}
	for i, pid := range pids {
		idx, ok := s.NetworkMap.Lookup(nodePrefix(i).Addr().Next())
		if !ok || s.NetworkMap.Name(idx) != pid {
			t.Fatalf("address in %s maps to PID index %d (%v), want %s", nodePrefix(i), idx, ok, pid)
		}
	}

	cost, hops := floydWarshall(g)
	n := len(g.Nodes)
	routing := func(i, j int) (float64, bool) { return cost[i*n+j], hops[i*n+j] >= 0 }
	hopCount := func(i, j int) (float64, bool) { return float64(hops[i*n+j]), hops[i*n+j] >= 0 }
	hopValues := make([]float64, len(hops))
	for k, h := range hops {
		hopValues[k] = math.Inf(1)
		if h >= 0 {
			hopValues[k] = float64(h)
		}
	}
	costRanks, hopRanks := denseRanks(cost), denseRanks(hopValues)
	tests := []struct {
		path string
		want func(i, j int) (float64, bool)
	}{
		{"/costmap/num/routingcost", routing},
		{"/costmap/num/hopcount", hopCount},
		{"/costmap/ord/routingcost", func(i, j int) (float64, bool) {
			c, ok := routing(i, j)
			return costRanks[c], ok
		}},
		{"/costmap/ord/hopcount", func(i, j int) (float64, bool) {
			h, ok := hopCount(i, j)
			return hopRanks[h], ok
		}},
	}
	for _, tt := range tests {
		compareCostMap(t, tt.path, decodeCostMap(t, s, tt.path), pids, tt.want)
	}

	unreachable := 0
	for _, h := range hops {
		if h < 0 {
			unreachable++
		}
	}
	return unreachable
}

func TestCostMapsMatchFloydWarshall(t *testing.T) {
	tests := []struct {
		file            string
		long            bool // skipped under -short
		wantUnreachable bool
	}{
		{file: "Abilene.graphml"},
		{file: "Geant2012.graphml"},
		{file: "DeutscheTelekom.graphml", wantUnreachable: true}, // 4 components
		{file: "Kdl.graphml", long: true},
	}
	for _, tt := range tests {
		t.Run(strings.TrimSuffix(tt.file, ".graphml"), func(t *testing.T) {
			if tt.long && testing.Short() {
				t.Skip("Floyd-Warshall over 754 nodes and four cost maps of 568,516 entries")
			}
			g, path := loadZoo(t, tt.file)
			definition, pids := groupDefinition(t, g, path)
			unreachable := checkSnapshot(t, definition, g, pids)
			if got := unreachable > 0; got != tt.wantUnreachable {
				t.Errorf("%d unreachable pairs; want some: %v", unreachable, tt.wantUnreachable)
			}
		})
	}
}

func TestWeightedCostMapsMatchFloydWarshall(t *testing.T) {
	tests := []struct {
		file string
		long bool
	}{
		{file: "Abilene.graphml"},
		{file: "Geant2012.graphml"},
		{file: "DeutscheTelekom.graphml"},
		{file: "Kdl.graphml", long: true},
	}
	for _, tt := range tests {
		t.Run(strings.TrimSuffix(tt.file, ".graphml"), func(t *testing.T) {
			if tt.long && testing.Short() {
				t.Skip("Floyd-Warshall over 754 nodes and four cost maps of 568,516 entries")
			}
			zoo, _ := loadZoo(t, tt.file)
			g := weighted(zoo)
			definition, pids := nodeRuleDefinition(t, g)
			cost, hops := floydWarshall(g)
			if !hopsDifferFromCost(cost, hops) {
				t.Errorf("weighted %s: every least-cost path has cost equal to its hop count; the metrics test nothing", tt.file)
			}
			checkSnapshot(t, definition, g, pids)
		})
	}
}

func hopsDifferFromCost(cost []float64, hops []int) bool {
	for k, h := range hops {
		if h > 0 && cost[k] != float64(h) {
			return true
		}
	}
	return false
}
