package snapshot_test

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/datadir"
	"github.com/goalto/goalto/internal/netdef"
	"github.com/goalto/goalto/internal/snapshot"
	"github.com/goalto/goalto/internal/topology"
)

// perfCostTypes are the cost types of the performance metric test, in the
// definition's YAML. The default resources serve each at
// /costmap/num/<metric>.
const perfCostTypes = `cost-types:
  num-routing: {cost-mode: numerical, cost-metric: routingcost}
  num-hop: {cost-mode: numerical, cost-metric: hopcount}
  num-delay-ow:
    cost-mode: numerical
    cost-metric: delay-ow
    cost-context:
      cost-source: estimation
      parameters: {aggregation: sum of link latencies or great-circle propagation delays}
  num-delay-rt: {cost-mode: numerical, cost-metric: delay-rt, cost-context: {cost-source: estimation}}
  num-bw: {cost-mode: numerical, cost-metric: "bw-residual:max", cost-context: {cost-source: nominal}}
`

// perfDefinition writes a group rule definition for g, one PID per node
// with the node's /24, and the performance cost types.
func perfDefinition(t *testing.T, g *topology.Graph, topologyPath string) (string, []string) {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "topology: %s\nnetwork-map:\n  pids: group\n%sgroups:\n", strconv.Quote(topologyPath), perfCostTypes)
	pids := make([]string, len(g.Nodes))
	for i, n := range g.Nodes {
		pids[i] = "node-" + n.ID
		fmt.Fprintf(&b, "  - pid: %s\n    node: %s\n    prefixes: [%s]\n", pids[i], strconv.Quote(n.ID), nodePrefix(i))
	}
	return writeFile(t, t.TempDir(), "definition.yaml", b.String()), pids
}

// haversineKm is the test's own great-circle distance on a sphere of
// radius 6371.0088 km, in the atan2 form of the haversine formula.
func haversineKm(lat1, lon1, lat2, lon2 float64) float64 {
	rad := math.Pi / 180
	dLat, dLon := (lat2-lat1)*rad, (lon2-lon1)*rad
	a := math.Pow(math.Sin(dLat/2), 2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Pow(math.Sin(dLon/2), 2)
	return 2 * 6371.0088 * math.Atan2(math.Sqrt(a), math.Sqrt(1-a))
}

// referenceDelayUs returns the one-way delay in microseconds along the
// path from i to j: link latency, else distance at two thirds of the
// speed of light (299792.458 km/s).
func referenceDelayUs(g *topology.Graph, p *topology.Paths, i, j int) (float64, bool) {
	path, ok := p.Path(i, j)
	if !ok {
		return 0, false
	}
	total := 0.0
	for _, l := range path {
		link := g.Links[l]
		if link.Latency > 0 {
			total += link.Latency * 1000
			continue
		}
		a, b := g.Nodes[link.From], g.Nodes[link.To]
		if !a.HasCoords || !b.HasCoords {
			return 0, false
		}
		km := haversineKm(a.Lat, a.Lon, b.Lat, b.Lon)
		total += km / (299792.458 * 2 / 3) * 1e6
	}
	return total, true
}

// referenceBottleneck returns the minimum link capacity along the path
// from i to j, in bytes per second.
func referenceBottleneck(g *topology.Graph, p *topology.Paths, i, j int) (float64, bool) {
	path, ok := p.Path(i, j)
	if !ok || len(path) == 0 {
		return 0, false
	}
	least := math.Inf(1)
	for _, l := range path {
		c := g.Links[l].Capacity
		if c == 0 {
			return 0, false
		}
		least = math.Min(least, c)
	}
	return least / 8, true
}

// compareApprox checks a decoded cost map against a reference within a
// relative tolerance, and returns the number of defined pairs.
func compareApprox(t *testing.T, path string, cm costMapJSON, pids []string, want func(i, j int) (float64, bool)) int {
	t.Helper()
	defined, errs := 0, 0
	for i := range pids {
		row := cm.CostMap[pids[i]]
		for j := range pids {
			wantCost, ok := want(i, j)
			got, present := row[pids[j]]
			if ok {
				defined++
			}
			if present != ok || (ok && math.Abs(got-wantCost) > 1e-9*math.Max(1, wantCost)) {
				t.Errorf("%s: %s -> %s: got %v (present %v), want %v (defined %v)", path, pids[i], pids[j], got, present, wantCost, ok)
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
	if entries != defined {
		t.Errorf("%s: %d entries, want %d defined pairs", path, entries, defined)
	}
	return defined
}

func TestPerformanceCostMapsMatchReference(t *testing.T) {
	for _, file := range []string{"Geant2012.graphml", "Uninett2010.graphml"} {
		t.Run(strings.TrimSuffix(file, ".graphml"), func(t *testing.T) {
			path := datadir.Path(t, "topology-zoo", file)
			g, err := topology.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			definition, pids := perfDefinition(t, g, path)
			def, err := netdef.Load(definition)
			if err != nil {
				t.Fatalf("loading definition: %v", err)
			}
			s, err := snapshot.Build(def)
			if err != nil {
				t.Fatalf("Build: %v", err)
			}
			p := g.AllPairs()
			delay := func(i, j int) (float64, bool) { return referenceDelayUs(g, p, i, j) }
			roundTrip := func(i, j int) (float64, bool) {
				there, ok1 := referenceDelayUs(g, p, i, j)
				back, ok2 := referenceDelayUs(g, p, j, i)
				return there + back, ok1 && ok2
			}
			bottleneck := func(i, j int) (float64, bool) { return referenceBottleneck(g, p, i, j) }

			n := len(pids)
			for _, tt := range []struct {
				path string
				want func(i, j int) (float64, bool)
			}{
				{"/costmap/num/delay-ow", delay},
				{"/costmap/num/delay-rt", roundTrip},
				{"/costmap/num/bw-residual:max", bottleneck},
			} {
				defined := compareApprox(t, tt.path, decodeCostMap(t, s, tt.path), pids, tt.want)
				t.Logf("%s: %d of %d pairs defined", tt.path, defined, n*n)
				// Both files give coordinates for most nodes and link
				// speeds for some links, so many pairs are defined.
				if defined < n {
					t.Errorf("%s: only %d of %d pairs defined; the reference checks too little", tt.path, defined, n*n)
				}
			}
		})
	}
}

func TestPerformanceCostTypesInDirectory(t *testing.T) {
	path := datadir.Path(t, "topology-zoo", "Geant2012.graphml")
	g, err := topology.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	definition, _ := perfDefinition(t, g, path)
	def, err := netdef.Load(definition)
	if err != nil {
		t.Fatal(err)
	}
	s, err := snapshot.Build(def)
	if err != nil {
		t.Fatal(err)
	}
	res := s.Lookup(def.Directory)
	if res == nil {
		t.Fatalf("no directory at %s", def.Directory)
	}
	var dir struct {
		Meta struct {
			CostTypes map[string]map[string]any `json:"cost-types"`
		} `json:"meta"`
	}
	if err := json.Unmarshal(res.Body, &dir); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, wantSource string
	}{
		{"num-routing", ""},
		{"num-hop", ""},
		{"num-delay-ow", alto.CostSourceEstimation},
		{"num-delay-rt", alto.CostSourceEstimation},
		{"num-bw", alto.CostSourceNominal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ct, ok := dir.Meta.CostTypes[tt.name]
			if !ok {
				t.Fatalf("cost type %s missing from the directory", tt.name)
			}
			ctx, has := ct["cost-context"].(map[string]any)
			if tt.wantSource == "" {
				if _, present := ct["cost-context"]; present {
					t.Errorf("%s has a cost-context: %v", tt.name, ct["cost-context"])
				}
				return
			}
			if !has || ctx["cost-source"] != tt.wantSource {
				t.Errorf("%s cost-context = %v, want cost-source %s", tt.name, ct["cost-context"], tt.wantSource)
			}
		})
	}
	params, _ := dir.Meta.CostTypes["num-delay-ow"]["cost-context"].(map[string]any)["parameters"].(map[string]any)
	if params["aggregation"] == nil {
		t.Errorf("num-delay-ow parameters = %v, want the aggregation given in the definition", params)
	}
}
