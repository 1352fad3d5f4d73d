package costmap

import (
	"encoding/json"
	"math"
	"net/netip"
	"slices"
	"testing"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/networkmap"
)

func TestRank(t *testing.T) {
	nan := math.NaN()
	v := []float64{10, 5, nan, 5, 20, 0.5}
	Rank(v)
	want := []float64{3, 2, nan, 2, 4, 1}
	for i := range v {
		if v[i] != want[i] && !(math.IsNaN(v[i]) && math.IsNaN(want[i])) {
			t.Errorf("rank[%d] = %v, want %v", i, v[i], want[i])
		}
	}
}

// testMap returns a cost map over PIDs a, b, c whose costs come from a
// 2-row matrix: a and b share row 0, c uses row 1.
func testMap(t *testing.T, mode string) *Map {
	t.Helper()
	nm, err := networkmap.Build("nm", []networkmap.Assignment{
		{Prefix: netip.MustParsePrefix("192.0.2.0/26"), PID: "a"},
		{Prefix: netip.MustParsePrefix("192.0.2.64/26"), PID: "b"},
		{Prefix: netip.MustParsePrefix("192.0.2.128/26"), PID: "c"},
	})
	if err != nil {
		t.Fatal(err)
	}
	m := NewMatrix(2)
	m.Set(0, 0, 0)
	m.Set(0, 1, 7)
	m.Set(1, 0, 9)
	// row 1 to row 1 stays undefined
	return New("cm", alto.CostType{Mode: mode, Metric: alto.CostMetricRoutingCost}, nm, m, []int32{0, 0, 1})
}

func decode(t *testing.T, body []byte) alto.CostMap {
	t.Helper()
	var cm alto.CostMap
	if err := json.Unmarshal(body, &cm); err != nil {
		t.Fatalf("invalid JSON %s: %v", body, err)
	}
	return cm
}

func TestPrepareNumerical(t *testing.T) {
	m := testMap(t, alto.CostModeNumerical)
	m.Prepare()
	cm := decode(t, m.Body())
	want := map[string]map[string]float64{
		"a": {"a": 0, "b": 0, "c": 7},
		"b": {"a": 0, "b": 0, "c": 7},
		"c": {"a": 9, "b": 9},
	}
	for src, row := range want {
		for dst, v := range row {
			if got, ok := cm.CostMap[src][dst]; !ok || got != v {
				t.Errorf("%s->%s = %v, %v; want %v", src, dst, got, ok, v)
			}
		}
	}
	if _, ok := cm.CostMap["c"]["c"]; ok {
		t.Error("c->c is present; want an undefined cost left out")
	}
	if dv := cm.Meta.DependentVTags; len(dv) != 1 || dv[0].ResourceID != "nm" || dv[0].Tag != m.NetworkMap.Tag() {
		t.Errorf("dependent-vtags = %v, want the network map's tag", dv)
	}
}

func TestSelectOrdinalRanksSelection(t *testing.T) {
	m := testMap(t, alto.CostModeOrdinal)
	sel := m.Select([]int{2}, []int{0, 1, 2}, alto.CostModeOrdinal)
	cm := decode(t, m.Encode(nil, sel))
	if got := cm.CostMap["c"]; len(got) != 2 || got["a"] != 1 || got["b"] != 1 {
		t.Errorf("ordinal row c = %v, want a and b both ranked 1 within the selection", got)
	}
}

func TestEncodeConstraints(t *testing.T) {
	m := testMap(t, alto.CostModeNumerical)
	all := []int{0, 1, 2}
	sel := m.Select(all, all, alto.CostModeNumerical)
	cm := decode(t, m.Encode(nil, sel, alto.Constraint{Op: "gt", Value: 0}, alto.Constraint{Op: "lt", Value: 9}))
	var got []string
	for src, row := range cm.CostMap {
		for dst := range row {
			got = append(got, src+">"+dst)
		}
	}
	slices.Sort(got)
	if want := []string{"a>c", "b>c"}; !slices.Equal(got, want) {
		t.Errorf("pairs within (0, 9) = %v, want %v", got, want)
	}
}
