package client_test

import (
	"context"
	"errors"
	"testing"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/client"
	"github.com/goalto/goalto/internal/alttest"
)

func TestMultiCost(t *testing.T) {
	c, err := client.New(alttest.Start(t, "../internal/server/testdata/rfc8189/network.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	types := []alto.CostType{
		{Mode: alto.CostModeNumerical, Metric: alto.CostMetricRoutingCost},
		{Mode: alto.CostModeNumerical, Metric: alto.CostMetricHopCount},
	}
	m, err := c.FilteredMultiCostMap(ctx, "", &alto.CostMapFilter{
		MultiCostTypes: types,
		PIDs:           &alto.PIDFilter{Srcs: []string{"PID1"}}, // nil Dsts: all PIDs
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(m.MultiCostTypes) != 2 || len(m.Costs["PID1"]) == 0 {
		t.Fatalf("multi-cost map = %+v, want PID1's costs in 2 cost types", m)
	}
	// Each array must agree with the single-cost responses.
	for i, ct := range types {
		single, err := c.FilteredCostMap(ctx, &alto.CostMapFilter{CostType: ct, PIDs: &alto.PIDFilter{Srcs: []string{"PID1"}, Dsts: []string{}}})
		if err != nil {
			t.Fatal(err)
		}
		for dst, want := range single.CostMap["PID1"] {
			got := m.Costs["PID1"][dst]
			if got[i] == nil || *got[i] != want {
				t.Errorf("%s PID1->%s = %v, want %v as in the single-cost map", ct.Metric, dst, got[i], want)
			}
		}
	}

	e, err := c.EndpointMultiCost(ctx, "", &alto.EndpointCostParams{
		MultiCostTypes: types,
		Endpoints:      alto.EndpointFilter{Srcs: []string{"ipv4:192.0.2.2"}, Dsts: []string{"ipv4:198.51.100.200"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := e.Costs["ipv4:192.0.2.2"]["ipv4:198.51.100.200"]; len(got) != 2 {
		t.Errorf("endpoint multi-cost = %v, want 2 costs", got)
	}

	if _, err := c.FilteredMultiCostMap(ctx, "filtered-multicost-map", &alto.CostMapFilter{MultiCostTypes: append(types, types[0])}); err == nil {
		t.Error("3 cost types to a resource with max-cost-types 2: no error")
	}
}

// mustPredicates parses RFC 8189 predicates such as "[1] le 2".
func mustPredicates(t *testing.T, list ...string) []alto.Constraint {
	t.Helper()
	var out []alto.Constraint
	for _, s := range list {
		c, err := alto.ParsePredicate("constraints", s)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	return out
}

// matchAll reports whether every predicate holds for the costs, indexed
// as the predicates index them. An undefined cost fails its predicate.
func matchAll(cs []alto.Constraint, costs []*float64) bool {
	for _, c := range cs {
		if costs[c.Index] == nil || !c.Match(*costs[c.Index]) {
			return false
		}
	}
	return true
}

func TestMultiCostConstraints(t *testing.T) {
	c, err := client.New(alttest.Start(t, "../internal/server/testdata/rfc8189/network.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	routing := alto.CostType{Mode: alto.CostModeNumerical, Metric: alto.CostMetricRoutingCost}
	hop := alto.CostType{Mode: alto.CostModeNumerical, Metric: alto.CostMetricHopCount}
	all := &alto.PIDFilter{Srcs: []string{}, Dsts: []string{}}

	// The unconstrained costs of both cost types, from which each
	// expected response is computed.
	full, err := c.FilteredMultiCostMap(ctx, "", &alto.CostMapFilter{MultiCostTypes: []alto.CostType{routing, hop}, PIDs: all})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("testable with cost-type", func(t *testing.T) {
		cs := mustPredicates(t, "[0] le 10", "[1] le 2")
		m, err := c.FilteredCostMap(ctx, &alto.CostMapFilter{
			CostType:          routing,
			TestableCostTypes: []alto.CostType{routing, hop},
			Constraints:       cs,
			PIDs:              all,
		})
		if err != nil {
			t.Fatal(err)
		}
		for src, row := range full.Costs {
			for dst, costs := range row {
				got, ok := m.CostMap[src][dst]
				if want := matchAll(cs, costs); want != ok {
					t.Errorf("%s to %s in the response: %v, want %v", src, dst, ok, want)
				} else if ok && got != *costs[0] {
					t.Errorf("%s to %s = %v, want routingcost %v", src, dst, got, *costs[0])
				}
			}
		}
	})

	t.Run("or-constraints", func(t *testing.T) {
		or := [][]alto.Constraint{mustPredicates(t, "[0] le 4", "[1] ge 1"), mustPredicates(t, "[1] ge 9")}
		m, err := c.FilteredMultiCostMap(ctx, "", &alto.CostMapFilter{
			MultiCostTypes: []alto.CostType{routing, hop},
			OrConstraints:  or,
			PIDs:           all,
		})
		if err != nil {
			t.Fatal(err)
		}
		kept := 0
		for src, row := range full.Costs {
			for dst, costs := range row {
				_, ok := m.Costs[src][dst]
				want := matchAll(or[0], costs) || matchAll(or[1], costs)
				if want != ok {
					t.Errorf("%s to %s in the response: %v, want %v", src, dst, ok, want)
				}
				if ok {
					kept++
				}
			}
		}
		if kept == 0 {
			t.Error("no pair passed, the test checks nothing")
		}
	})

	t.Run("testable type not testable", func(t *testing.T) {
		ord := alto.CostType{Mode: alto.CostModeOrdinal, Metric: alto.CostMetricRoutingCost}
		_, err := c.FilteredMultiCostMap(ctx, "filtered-cost-map-extended", &alto.CostMapFilter{
			MultiCostTypes:    []alto.CostType{routing, ord},
			TestableCostTypes: []alto.CostType{ord},
			Constraints:       mustPredicates(t, "[0] le 2"),
			PIDs:              all,
		})
		var altoErr *alto.Error
		if !errors.As(err, &altoErr) || altoErr.Field != "testable-cost-types[0]/cost-metric" {
			t.Errorf("error = %v, want the server's error on testable-cost-types[0]/cost-metric", err)
		}
	})
}
