package costmap

import (
	"math"
	"testing"

	"github.com/goalto/goalto/alto"
)

func TestFilterKeep(t *testing.T) {
	nan := math.NaN()
	routing := Dense{Cols: 2, Values: []float64{1, 12, nan, 5}}
	hops := Dense{Cols: 2, Values: []float64{3, 1, 2, nan}}
	le := func(index int, v float64) alto.Constraint {
		return alto.Constraint{Op: "le", Value: v, Index: index, Indexed: true}
	}
	tests := []struct {
		name string
		or   [][]alto.Constraint
		want [4]bool // pairs (0,0), (0,1), (1,0), (1,1)
	}{
		{"no constraints", nil, [4]bool{true, true, true, true}},
		{"one predicate", [][]alto.Constraint{{le(0, 5)}}, [4]bool{true, false, false, true}},
		{"AND", [][]alto.Constraint{{le(0, 5), le(1, 2)}}, [4]bool{false, false, false, false}},
		{"OR of ANDs", [][]alto.Constraint{{le(0, 5), le(1, 3)}, {le(1, 1)}}, [4]bool{true, true, false, false}},
		{"undefined cost fails", [][]alto.Constraint{{le(1, 100)}}, [4]bool{true, true, true, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := Filter{Or: tt.or, Tested: []Grid{routing, hops}}
			for k, want := range tt.want {
				if got := f.Keep(k/2, k%2); got != want {
					t.Errorf("Keep(%d, %d) = %v, want %v", k/2, k%2, got, want)
				}
			}
		})
	}
}

func TestCostsAppendRows(t *testing.T) {
	nan := math.NaN()
	routing := Dense{Cols: 2, Values: []float64{1, nan, nan, nan}}
	hops := Dense{Cols: 2, Values: []float64{0, 4, nan, nan}}
	types := []alto.CostType{{Mode: "numerical", Metric: "routingcost"}, {Mode: "numerical", Metric: "hopcount"}}
	tests := []struct {
		name  string
		costs Costs
		want  string
	}{
		{"arrays with null", Costs{Types: types, Grids: []Grid{routing, hops}, Arrays: true},
			`"a":{"x":[1,0],"y":[null,4]}`},
		{"numbers", Costs{Types: types[:1], Grids: []Grid{routing}},
			`"a":{"x":1}`},
		{"filtered arrays", Costs{Types: types, Grids: []Grid{routing, hops}, Arrays: true,
			Filter: Filter{Or: [][]alto.Constraint{{{Op: "ge", Value: 1, Index: 1, Indexed: true}}}, Tested: []Grid{routing, hops}}},
			`"a":{"y":[null,4]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(tt.costs.AppendRows(nil, []string{"a", "b"}, []string{"x", "y"}))
			if got != tt.want {
				t.Errorf("AppendRows = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestCostsAppendMeta(t *testing.T) {
	types := []alto.CostType{{Mode: "numerical", Metric: "routingcost"}, {Mode: "ordinal", Metric: "hopcount"}}
	multi := Costs{Types: types, Arrays: true}
	want := `"cost-type":{},"multi-cost-types":[{"cost-mode":"numerical","cost-metric":"routingcost"},{"cost-mode":"ordinal","cost-metric":"hopcount"}]`
	if got := string(multi.AppendMetaCostType(nil)); got != want {
		t.Errorf("multi-cost meta = %s, want %s", got, want)
	}
	single := Costs{Types: types[1:]}
	want = `"cost-type":{"cost-mode":"ordinal","cost-metric":"hopcount"}`
	if got := string(single.AppendMetaCostType(nil)); got != want {
		t.Errorf("single-cost meta = %s, want %s", got, want)
	}
}
