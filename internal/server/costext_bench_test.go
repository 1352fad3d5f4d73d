package server_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/snapshot"
)

// The calendared endpoint cost service of the performance fixture has
// calendars for the pairs from the PIDs n0, n10, ..., n990 to the PIDs
// n5, n15, ..., n995: 100 by 100 PIDs.
const (
	perfBenchSide      = 100
	perfBenchIntervals = 24
)

var (
	// perfFixture is the network of buildBenchPerf.
	perfFixture = &onceFixture{name: "performance metrics", build: buildBenchPerf}

	benchRouting = alto.CostType{Mode: alto.CostModeNumerical, Metric: alto.CostMetricRoutingCost}
	benchHops    = alto.CostType{Mode: alto.CostModeNumerical, Metric: alto.CostMetricHopCount}
	benchDelay   = alto.CostType{Mode: alto.CostModeNumerical, Metric: alto.CostMetricDelayOW}
)

// loadBenchPerf returns the snapshot of the performance fixture, built
// once per test binary.
func loadBenchPerf(b *testing.B) *snapshot.Snapshot {
	b.Helper()
	return perfFixture.load(b)
}

// buildBenchPerf builds the synthetic 1,000-node ring with chords of
// buildBenchMultiCost, with a latency and a capacity on every link, one
// PID per node, and three metrics: routingcost, hopcount and delay-ow.
// The filtered cost map takes all three in one request. The endpoint
// cost service also has a calendar of 24 hourly intervals for each.
func buildBenchPerf(dir string) (*snapshot.Snapshot, error) {
	topo := benchRing(true)
	definition := `topology: ring.yaml
network-map:
  pids: node
cost-types:
  num-routing: {cost-mode: numerical, cost-metric: routingcost}
  num-hop: {cost-mode: numerical, cost-metric: hopcount}
  num-delay: {cost-mode: numerical, cost-metric: delay-ow, cost-context: {cost-source: estimation}}
resources:
  - {id: default-network-map, type: network-map, path: /networkmap}
  - {id: filtered-cost-map, type: filtered-cost-map, path: /costmap/filtered, cost-types: [num-routing, num-hop, num-delay], max-cost-types: 3}
  - id: endpoint-cost
    type: endpoint-cost
    path: /endpointcost/lookup
    cost-types: [num-routing, num-hop, num-delay]
    max-cost-types: 3
    calendar:
      cost-types: [num-routing, num-hop, num-delay]
      time-interval-size: 3600
      number-of-intervals: 24
      file: calendar.yaml
`
	return buildBenchSnapshot(dir, map[string]string{
		"ring.yaml":       topo,
		"definition.yaml": definition,
		"calendar.yaml":   benchCalendar(),
	})
}

// benchCalendarSources and benchCalendarDestinations are the PIDs whose
// pairs have calendars.
func benchCalendarSources(i int) int      { return 10 * i }
func benchCalendarDestinations(i int) int { return 10*i + 5 }

// benchCalendar returns a calendar file with 24 values for each cost type
// and each pair of the calendared PIDs.
func benchCalendar() string {
	var cal strings.Builder
	for t, name := range []string{"num-routing", "num-hop", "num-delay"} {
		fmt.Fprintf(&cal, "%s:\n", name)
		for i := range perfBenchSide {
			fmt.Fprintf(&cal, "  n%d:\n", benchCalendarSources(i))
			for j := range perfBenchSide {
				fmt.Fprintf(&cal, "    n%d: [", benchCalendarDestinations(j))
				for k := range perfBenchIntervals {
					if k > 0 {
						cal.WriteString(", ")
					}
					cal.WriteString(strconv.Itoa(1 + (i+j+k*(t+1))%40))
				}
				cal.WriteString("]\n")
			}
		}
	}
	return cal.String()
}

// BenchmarkFilteredMultiCost1000x1000 requests the costs between all
// 1,000 source and all 1,000 destination PIDs of the performance fixture,
// one million pairs, each PID listed in the request. The single case
// requests numerical routingcost. The multi3 case requests numerical
// routingcost, hopcount and delay-ow in one RFC 8189 request.
func BenchmarkFilteredMultiCost1000x1000(b *testing.B) {
	s := loadBenchPerf(b)
	url := serveGoalto(b, s)
	all := make([]string, benchCostMapNodes)
	for i := range all {
		all[i] = "n" + strconv.Itoa(i)
	}
	for _, tt := range []struct {
		name string
		req  alto.CostMapFilter
	}{
		{"single", alto.CostMapFilter{CostType: benchRouting, PIDs: &alto.PIDFilter{Srcs: all, Dsts: all}}},
		{"multi3", alto.CostMapFilter{MultiCostTypes: []alto.CostType{benchRouting, benchHops, benchDelay}, PIDs: &alto.PIDFilter{Srcs: all, Dsts: all}}},
	} {
		b.Run(tt.name, func(b *testing.B) {
			client := newBenchClient(b)
			body, err := json.Marshal(tt.req)
			if err != nil {
				b.Fatal(err)
			}
			req := postRequest(url+"/costmap/filtered", alto.MediaTypeCostMapFilter, alto.MediaTypeCostMap, body)
			out, err := req.do(client)
			if err != nil {
				b.Fatal(err)
			}
			pairs := countPairs(b, out, "cost-map")
			if pairs != benchCostMapNodes*benchCostMapNodes {
				b.Fatalf("%d pairs, want %d", pairs, benchCostMapNodes*benchCostMapNodes)
			}
			b.SetBytes(int64(len(out)))
			runBenchRequests(b, client, []benchRequest{req})
		})
	}
}

// BenchmarkEndpointCostCalendar100x100 sends endpoint cost requests for
// 100 source and 100 destination addresses of the performance fixture,
// 10,000 pairs with a calendar each, cycling through 64 requests drawn
// with a fixed seed. The single case requests numerical routingcost, the
// multi3 case numerical routingcost, hopcount and delay-ow in one RFC
// 8189 request, and the multi3-calendar case the same three cost types
// each as a calendar of 24 values (RFC 8896).
func BenchmarkEndpointCostCalendar100x100(b *testing.B) {
	s := loadBenchPerf(b)
	url := serveGoalto(b, s)
	three := []alto.CostType{benchRouting, benchHops, benchDelay}
	for _, tt := range []struct {
		name string
		req  func(ep alto.EndpointFilter) alto.EndpointCostParams
	}{
		{"single", func(ep alto.EndpointFilter) alto.EndpointCostParams {
			return alto.EndpointCostParams{CostType: benchRouting, Endpoints: ep}
		}},
		{"multi3", func(ep alto.EndpointFilter) alto.EndpointCostParams {
			return alto.EndpointCostParams{MultiCostTypes: three, Endpoints: ep}
		}},
		{"multi3-calendar", func(ep alto.EndpointFilter) alto.EndpointCostParams {
			return alto.EndpointCostParams{MultiCostTypes: three, Calendared: []bool{true, true, true}, Endpoints: ep}
		}},
	} {
		b.Run(tt.name, func(b *testing.B) {
			client := newBenchClient(b)
			r := rand.New(rand.NewPCG(2024, 24))
			addrs := func(pid func(int) int) []string {
				out := make([]string, perfBenchSide)
				for i, k := range r.Perm(perfBenchSide) {
					n := pid(k)
					out[i] = fmt.Sprintf("ipv4:10.%d.%d.%d", n>>8, n&0xff, 1+r.IntN(254))
				}
				return out
			}
			requests := make([]benchRequest, 64)
			for i := range requests {
				ep := alto.EndpointFilter{Srcs: addrs(benchCalendarSources), Dsts: addrs(benchCalendarDestinations)}
				body, err := json.Marshal(tt.req(ep))
				if err != nil {
					b.Fatal(err)
				}
				requests[i] = postRequest(url+"/endpointcost/lookup", alto.MediaTypeEndpointCostParams, alto.MediaTypeEndpointCost, body)
			}
			out, err := requests[0].do(client)
			if err != nil {
				b.Fatal(err)
			}
			if pairs := countPairs(b, out, "endpoint-cost-map"); pairs != perfBenchSide*perfBenchSide {
				b.Fatalf("%d pairs, want %d: %.300s", pairs, perfBenchSide*perfBenchSide, out)
			}
			b.SetBytes(int64(len(out)))
			runBenchRequests(b, client, requests)
		})
	}
}

// countPairs returns the number of pairs in the cost map member of a
// response body.
func countPairs(b *testing.B, body []byte, member string) int {
	b.Helper()
	var resp map[string]json.RawMessage
	if err := json.Unmarshal(body, &resp); err != nil {
		b.Fatalf("decoding %.200s: %v", body, err)
	}
	var costs map[string]map[string]json.RawMessage
	if err := json.Unmarshal(resp[member], &costs); err != nil {
		b.Fatalf("decoding %s of %.200s: %v", member, body, err)
	}
	n := 0
	for _, row := range costs {
		n += len(row)
	}
	return n
}
