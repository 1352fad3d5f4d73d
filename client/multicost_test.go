package client_test

import (
	"context"
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
