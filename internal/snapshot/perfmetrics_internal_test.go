package snapshot

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/goalto/goalto/internal/netdef"
)

// perfTopology has a latency on a-b, coordinates on a, b and c for c's
// links (b-c is 0.9 degrees of latitude apart, about 100 km), a node d
// without coordinates, and a directed link c->a so that delay-rt between
// a and c takes different paths there and back.
const perfTopology = `
nodes:
  - {id: a, lat: 0, lon: 0, prefixes: [192.0.2.0/26]}
  - {id: b, lat: 0, lon: 1, prefixes: [192.0.2.64/26]}
  - {id: c, lat: 0.9, lon: 1, prefixes: [192.0.2.128/26]}
  - {id: d, prefixes: [192.0.2.192/26]}
links:
  - {from: a, to: b, metric: 1, latency: 2.5, capacity: 10e9}
  - {from: b, to: c, metric: 1, capacity: 1e9}
  - {from: c, to: a, metric: 1, directed: true, latency: 7}
  - {from: c, to: d, metric: 1, capacity: 100e9}
`

const perfDefinitionYAML = `topology: topo.yaml
cost-types:
  ow: {cost-mode: numerical, cost-metric: delay-ow}
  rt: {cost-mode: numerical, cost-metric: delay-rt}
  bw: {cost-mode: numerical, cost-metric: "bw-residual:max", cost-context: {cost-source: nominal}}
`

func TestTopologyPerformanceMetrics(t *testing.T) {
	dir := writeFiles(t, map[string]string{"net.yaml": perfDefinitionYAML, "topo.yaml": perfTopology})
	def, err := netdef.Load(filepath.Join(dir, "net.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := Build(def)
	if err != nil {
		t.Fatal(err)
	}
	// b-c: 0.9 degrees of a great circle, 2π·6371.0088/360·0.9 km, at
	// 199861.639 km/s.
	bc := 2 * math.Pi * 6371.0088 / 360 * 0.9 / (299792.458 * 2 / 3) * 1e6
	undefined := math.NaN()
	tests := []struct {
		costType, src, dst string
		want               float64
	}{
		{"ow", "a", "a", 0},
		{"ow", "a", "b", 2500},
		{"ow", "b", "c", bc},
		{"ow", "a", "c", 2500 + bc},
		{"ow", "c", "a", 7000}, // the directed link
		{"ow", "c", "d", undefined},
		{"ow", "a", "d", undefined},
		{"rt", "a", "b", 5000},
		{"rt", "a", "c", 2500 + bc + 7000},
		{"rt", "c", "a", 7000 + 2500 + bc},
		{"rt", "b", "d", undefined},
		{"bw", "a", "b", 10e9 / 8},
		{"bw", "a", "c", 1e9 / 8},
		{"bw", "a", "d", 1e9 / 8},
		{"bw", "c", "a", undefined}, // the directed link has no capacity
		{"bw", "d", "d", undefined},
	}
	for _, tt := range tests {
		t.Run(tt.costType+" "+tt.src+" to "+tt.dst, func(t *testing.T) {
			m := s.CostMaps[tt.costType]
			if m == nil {
				t.Fatalf("no cost map for %s", tt.costType)
			}
			si, ok1 := s.NetworkMap.Index(tt.src)
			di, ok2 := s.NetworkMap.Index(tt.dst)
			if !ok1 || !ok2 {
				t.Fatalf("PID %s or %s not in the network map", tt.src, tt.dst)
			}
			sel := m.Select([]int{si}, []int{di}, m.CostType.Mode)
			got := sel.Value(0, 0)
			if math.IsNaN(tt.want) {
				if !math.IsNaN(got) {
					t.Errorf("cost = %v, want undefined", got)
				}
				return
			}
			if math.Abs(got-tt.want) > 1e-6 {
				t.Errorf("cost = %v, want %v", got, tt.want)
			}
		})
	}
}
