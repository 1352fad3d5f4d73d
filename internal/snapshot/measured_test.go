package snapshot_test

import (
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/measure"
	"github.com/goalto/goalto/internal/netdef"
	"github.com/goalto/goalto/internal/snapshot"
)

// measuredTopology has an undirected link x-y and the directed links
// y->z and z->x, so x->z goes x-y-z and z->y goes z-x-y.
const measuredTopology = `nodes:
  - {id: x, prefixes: [192.0.2.0/26]}
  - {id: y, prefixes: [192.0.2.64/26]}
  - {id: z, prefixes: [192.0.2.128/26]}
links:
  - {from: x, to: y, capacity: 8000000000}
  - {from: y, to: z, directed: true, capacity: 16000000000}
  - {from: z, to: x, directed: true, capacity: 8000000000}
`

const measuredDefinition = `topology: topology.yaml
cost-types:
  ow: {cost-mode: numerical, cost-metric: "delay-ow:cur"}
  rt: {cost-mode: numerical, cost-metric: "delay-rt:cur"}
  residual: {cost-mode: numerical, cost-metric: bw-residual}
  hops: {cost-mode: numerical, cost-metric: hopcount}
measurements:
  prometheus: http://127.0.0.1:9090
  links:
    delay: {query: d, unit: us}
    utilization: {query: u, unit: ratio}
  cost-types: [ow, rt, residual]
`

func loadMeasuredDefinition(t *testing.T) *netdef.Definition {
	t.Helper()
	dir := t.TempDir()
	for name, text := range map[string]string{"topology.yaml": measuredTopology, "network.yaml": measuredDefinition} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	def, err := netdef.Load(filepath.Join(dir, "network.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return def
}

// measuredSet returns delays and utilization ratios of every link
// direction, with the delay of y->z stale when stale is set.
func measuredSet(stale bool) *measure.Set {
	d := func(from, to string) measure.Direction { return measure.Direction{From: from, To: to} }
	return &measure.Set{
		UtilizationShare: true,
		Links: map[measure.SeriesKey]map[measure.Direction]measure.Value{
			{Kind: measure.Delay, Operator: "cur"}: {
				d("x", "y"): {V: 100}, d("y", "x"): {V: 110}, d("y", "z"): {V: 200, Stale: stale}, d("z", "x"): {V: 300},
			},
			{Kind: measure.Utilization, Operator: "cur"}: {
				d("x", "y"): {V: 0.5}, d("y", "x"): {V: 0.25}, d("y", "z"): {V: 0.5}, d("z", "x"): {V: 0.1},
			},
		},
	}
}

func costOf(t *testing.T, s *snapshot.Snapshot, name, src, dst string) (float64, bool) {
	t.Helper()
	m := s.CostMaps[name]
	if m == nil {
		t.Fatalf("no cost map %q", name)
	}
	si, _ := s.NetworkMap.Index(src)
	di, _ := s.NetworkMap.Index(dst)
	grid := m.Select([]int{si}, []int{di}, alto.CostModeNumerical)
	v := grid.Value(0, 0)
	return v, !math.IsNaN(v)
}

func TestMeasuredCosts(t *testing.T) {
	def := loadMeasuredDefinition(t)
	s, err := snapshot.BuildLive(def, snapshot.Live{Measurements: measuredSet(false)})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		costType, src, dst string
		want               float64 // NaN for undefined
	}{
		{"ow", "x", "y", 100},
		{"ow", "y", "x", 110},
		{"ow", "x", "z", 300}, // x-y-z
		{"ow", "z", "y", 400}, // z-x-y
		{"ow", "x", "x", 0},
		{"rt", "x", "z", 600}, // x-y-z and z-x
		{"rt", "x", "y", 210},
		{"residual", "x", "y", 0.5e9},      // 8 Gbit/s is 1e9 bytes/s, half used
		{"residual", "x", "z", 0.5e9},      // bottleneck x->y
		{"residual", "z", "y", 0.5e9},      // z->x has 0.9e9 left, x->y 0.5e9
		{"residual", "y", "z", 1e9},        // 2e9 bytes/s, half used
		{"residual", "x", "x", math.NaN()}, // no link, no bottleneck
		{"hops", "z", "y", 2},
	}
	for _, tc := range tests {
		t.Run(tc.costType+" "+tc.src+"->"+tc.dst, func(t *testing.T) {
			got, ok := costOf(t, s, tc.costType, tc.src, tc.dst)
			switch {
			case math.IsNaN(tc.want) && ok:
				t.Errorf("got %v, want no value", got)
			case !math.IsNaN(tc.want) && (!ok || math.Abs(got-tc.want) > 1e-6):
				t.Errorf("got %v (defined %v), want %v", got, ok, tc.want)
			}
		})
	}
	if got := s.Stats.Measured[measure.SeriesKey{Kind: measure.Delay, Operator: "cur"}]; got != (snapshot.MeasureStats{Fresh: 4}) {
		t.Errorf("delay stats = %+v, want 4 fresh", got)
	}
}

func TestMeasuredCostsStale(t *testing.T) {
	def := loadMeasuredDefinition(t)
	s, err := snapshot.BuildLive(def, snapshot.Live{Measurements: measuredSet(true)})
	if err != nil {
		t.Fatal(err)
	}
	for _, pair := range [][2]string{{"x", "z"}, {"y", "z"}} {
		if v, ok := costOf(t, s, "ow", pair[0], pair[1]); ok {
			t.Errorf("delay-ow %s->%s = %v across the stale y->z, want no value", pair[0], pair[1], v)
		}
	}
	if v, ok := costOf(t, s, "ow", "z", "y"); !ok || v != 400 {
		t.Errorf("delay-ow z->y = %v (defined %v), want 400: its path avoids y->z", v, ok)
	}
	if got := s.Stats.Measured[measure.SeriesKey{Kind: measure.Delay, Operator: "cur"}]; got != (snapshot.MeasureStats{Fresh: 3, Stale: 1}) {
		t.Errorf("delay stats = %+v, want 3 fresh and 1 stale", got)
	}
}

func TestMeasuredCostsWithoutMeasurements(t *testing.T) {
	s, err := snapshot.BuildLive(loadMeasuredDefinition(t), snapshot.Live{})
	if err != nil {
		t.Fatal(err)
	}
	if v, ok := costOf(t, s, "ow", "x", "y"); ok {
		t.Errorf("delay-ow x->y = %v before any measurement, want no value", v)
	}
	if got := s.Stats.Measured[measure.SeriesKey{Kind: measure.Utilization, Operator: "cur"}]; got != (snapshot.MeasureStats{Missing: 4}) {
		t.Errorf("utilization stats = %+v, want 4 missing", got)
	}
}
