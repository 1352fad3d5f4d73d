package server_test

import (
	"encoding/json"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/snapshot"
)

// multiCostFixture is the network of buildBenchMultiCost.
var multiCostFixture = &onceFixture{name: "multi-cost", build: buildBenchMultiCost}

// loadBenchMultiCost returns a snapshot of the synthetic 1,000-node ring
// of buildBenchCostMap with a filtered cost map that offers RFC 8189
// requests of up to 3 cost types, built once per test binary.
func loadBenchMultiCost(b *testing.B) *snapshot.Snapshot {
	b.Helper()
	return multiCostFixture.load(b)
}

// buildBenchMultiCost builds the ring with chords of buildBenchCostMap,
// one PID per node.
func buildBenchMultiCost(dir string) (*snapshot.Snapshot, error) {
	topo := benchRing(false)
	definition := `topology: ring.yaml
network-map:
  pids: node
resources:
  - {id: default-network-map, type: network-map, path: /networkmap}
  - {id: filtered-cost-map, type: filtered-cost-map, path: /costmap/filtered, cost-types: [num-routing, num-hop, ord-routing], constraints: true, max-cost-types: 3}
`
	return buildBenchSnapshot(dir, map[string]string{"ring.yaml": topo, "definition.yaml": definition})
}

// BenchmarkFilteredMultiCost100x100 requests from the synthetic 1,000-PID
// network the costs between 100 source and 100 destination PIDs. It
// cycles through 64 requests drawn with a fixed seed. The single case
// requests numerical routingcost. The multi3 case requests numerical
// routingcost, numerical hopcount and ordinal routingcost in one RFC 8189
// request, for the same pairs.
func BenchmarkFilteredMultiCost100x100(b *testing.B) {
	s := loadBenchMultiCost(b)
	url := serveGoalto(b, s)
	routing := alto.CostType{Mode: alto.CostModeNumerical, Metric: alto.CostMetricRoutingCost}
	hops := alto.CostType{Mode: alto.CostModeNumerical, Metric: alto.CostMetricHopCount}
	ordinal := alto.CostType{Mode: alto.CostModeOrdinal, Metric: alto.CostMetricRoutingCost}
	for _, tt := range []struct {
		name string
		req  func(pids *alto.PIDFilter) alto.CostMapFilter
	}{
		{"single", func(p *alto.PIDFilter) alto.CostMapFilter { return alto.CostMapFilter{CostType: routing, PIDs: p} }},
		{"multi3", func(p *alto.PIDFilter) alto.CostMapFilter {
			return alto.CostMapFilter{MultiCostTypes: []alto.CostType{routing, hops, ordinal}, PIDs: p}
		}},
	} {
		b.Run(tt.name, func(b *testing.B) {
			client := newBenchClient(b)
			r := rand.New(rand.NewPCG(1000, 100))
			pids := func() []string {
				out := make([]string, 100)
				for i := range out {
					out[i] = "n" + strconv.Itoa(r.IntN(benchCostMapNodes))
				}
				return out
			}
			requests := make([]benchRequest, 64)
			for i := range requests {
				body, err := json.Marshal(tt.req(&alto.PIDFilter{Srcs: pids(), Dsts: pids()}))
				if err != nil {
					b.Fatal(err)
				}
				requests[i] = postRequest(url+"/costmap/filtered", alto.MediaTypeCostMapFilter, alto.MediaTypeCostMap, body)
			}
			out, err := requests[0].do(client)
			if err != nil {
				b.Fatal(err)
			}
			var cm struct {
				CostMap map[string]map[string]json.RawMessage `json:"cost-map"`
			}
			if err := json.Unmarshal(out, &cm); err != nil {
				b.Fatalf("decoding %.200s: %v", out, err)
			}
			if len(cm.CostMap) == 0 {
				b.Fatalf("filtered cost map has no costs: %.200s", out)
			}
			b.SetBytes(int64(len(out)))
			runBenchRequests(b, client, requests)
		})
	}
}
