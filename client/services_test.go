package client_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/client"
)

func TestDirectoryRealServer(t *testing.T) {
	c, _ := startClient(t)
	ctx := context.Background()
	dir, err := c.Directory(ctx)
	if err != nil {
		t.Fatalf("Directory: %v", err)
	}
	if dir.Meta.DefaultNetworkMap == "" {
		t.Fatal("root IRD has no default-alto-network-map")
	}
	if _, ok := dir.Resources[dir.Meta.DefaultNetworkMap]; !ok {
		t.Errorf("default network map %q is not among the resources", dir.Meta.DefaultNetworkMap)
	}
	base := strings.TrimSuffix(c.IRDURL(), "/directory")
	for id, e := range dir.Resources {
		if !strings.HasPrefix(e.URI, base+"/") {
			t.Errorf("resource %q: uri %q is not absolute under %s", id, e.URI, base)
		}
	}

	resources, err := c.Resources(ctx)
	if err != nil {
		t.Fatalf("Resources: %v", err)
	}
	if len(resources) != len(dir.Resources) {
		t.Fatalf("Resources returned %d resources, Directory %d", len(resources), len(dir.Resources))
	}
	for _, r := range resources {
		if !reflect.DeepEqual(r.ResourceEntry, dir.Resources[r.ID]) {
			t.Errorf("resource %q: entry %+v differs from directory entry %+v", r.ID, r.ResourceEntry, dir.Resources[r.ID])
		}
		if r.Directory != c.IRDURL() {
			t.Errorf("resource %q: Directory = %q, want %q", r.ID, r.Directory, c.IRDURL())
		}
		if r.Capabilities != nil && len(r.CostTypes) != len(r.Capabilities.CostTypeNames) {
			t.Errorf("resource %q: %d cost types for names %v", r.ID, len(r.CostTypes), r.Capabilities.CostTypeNames)
		}
	}
}

func TestNetworkMapByID(t *testing.T) {
	c, _ := startClient(t)
	ctx := context.Background()
	def := fullNetworkMap(t, c)
	if def.Meta.VTag == nil {
		t.Fatal("network map has no vtag")
	}
	byID, err := c.NetworkMap(ctx, def.Meta.VTag.ResourceID)
	if err != nil {
		t.Fatalf("NetworkMap(%q): %v", def.Meta.VTag.ResourceID, err)
	}
	if !reflect.DeepEqual(byID, def) {
		t.Error("network map by ID differs from the default network map")
	}

	filtered, err := c.FilteredNetworkMapResource(ctx)
	if err != nil {
		t.Fatalf("FilteredNetworkMapResource: %v", err)
	}
	_, err = c.NetworkMap(ctx, filtered.ID)
	if err == nil || !strings.Contains(err.Error(), alto.MediaTypeNetworkMapFilter) {
		t.Errorf("NetworkMap(%q) error = %v, want a media type mismatch", filtered.ID, err)
	}
	_, err = c.NetworkMap(ctx, "no-such-resource")
	if !errors.Is(err, client.ErrNotFound) {
		t.Errorf("NetworkMap(no-such-resource) error = %v, want ErrNotFound", err)
	}
}

func TestCostMapEveryCostType(t *testing.T) {
	c, _ := startClient(t)
	ctx := context.Background()
	nm := fullNetworkMap(t, c)
	dir, err := c.Directory(ctx)
	if err != nil {
		t.Fatalf("Directory: %v", err)
	}
	if len(dir.Meta.CostTypes) == 0 {
		t.Fatal("directory defines no cost types")
	}
	for name, ct := range dir.Meta.CostTypes {
		t.Run(name, func(t *testing.T) {
			byType, err := c.CostMapByType(ctx, ct)
			if err != nil {
				t.Fatalf("CostMapByType: %v", err)
			}
			if byType.Meta.CostType == nil || !byType.Meta.CostType.Equal(ct) {
				t.Errorf("meta cost-type = %+v, want %+v", byType.Meta.CostType, ct)
			}
			for src, row := range byType.CostMap {
				if _, ok := nm.NetworkMap[src]; !ok {
					t.Errorf("source PID %q is not in the network map", src)
				}
				for dst := range row {
					if _, ok := nm.NetworkMap[dst]; !ok {
						t.Errorf("destination PID %q is not in the network map", dst)
					}
				}
			}

			r, err := c.CostMapResource(ctx, ct)
			if err != nil {
				t.Fatalf("CostMapResource: %v", err)
			}
			byID, err := c.CostMap(ctx, r.ID)
			if err != nil {
				t.Fatalf("CostMap(%q): %v", r.ID, err)
			}
			if !reflect.DeepEqual(byID.CostMap, byType.CostMap) {
				t.Errorf("CostMap(%q) differs from CostMapByType", r.ID)
			}
		})
	}
}

func TestCostMapByTypeUnknown(t *testing.T) {
	c, _ := startClient(t)
	_, err := c.CostMapByType(context.Background(), alto.CostType{Mode: "numerical", Metric: "no-such-metric"})
	if !errors.Is(err, client.ErrNotFound) {
		t.Errorf("error = %v, want ErrNotFound", err)
	}
}

func TestFilteredNetworkMap(t *testing.T) {
	c, _ := startClient(t)
	ctx := context.Background()
	full := fullNetworkMap(t, c)
	pids := sortedPIDs(full)[:2]

	tests := []struct {
		name  string
		types []string
	}{
		{"all address types", nil},
		{"ipv4 only", []string{alto.AddressTypeIPv4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.FilteredNetworkMap(ctx, &alto.NetworkMapFilter{PIDs: pids, AddressTypes: tt.types})
			if err != nil {
				t.Fatalf("FilteredNetworkMap: %v", err)
			}
			want := make(map[string]alto.EndpointAddrGroup)
			for _, pid := range pids {
				group := maps.Clone(full.NetworkMap[pid])
				if tt.types != nil {
					maps.DeleteFunc(group, func(typ string, _ []netip.Prefix) bool { return typ != alto.AddressTypeIPv4 })
				}
				want[pid] = group
			}
			if !reflect.DeepEqual(got.NetworkMap, want) {
				t.Errorf("filtered network map = %v, want %v", got.NetworkMap, want)
			}
		})
	}
}

func TestFilteredNetworkMapNilPIDs(t *testing.T) {
	c, _ := startClient(t)
	full := fullNetworkMap(t, c)
	got, err := c.FilteredNetworkMap(context.Background(), &alto.NetworkMapFilter{})
	if err != nil {
		t.Fatalf("FilteredNetworkMap without PIDs: %v", err)
	}
	if !reflect.DeepEqual(got.NetworkMap, full.NetworkMap) {
		t.Error("filtered network map without PIDs differs from the full map")
	}
}

func TestFilteredCostMap(t *testing.T) {
	c, _ := startClient(t)
	ctx := context.Background()
	ct := alto.CostType{Mode: alto.CostModeNumerical, Metric: alto.CostMetricRoutingCost}
	full, err := c.CostMapByType(ctx, ct)
	if err != nil {
		t.Fatalf("CostMapByType: %v", err)
	}
	pids := sortedPIDs(fullNetworkMap(t, c))
	src, dsts := pids[0], pids[:3]

	got, err := c.FilteredCostMap(ctx, &alto.CostMapFilter{CostType: ct, PIDs: &alto.PIDFilter{Srcs: []string{src}, Dsts: dsts}})
	if err != nil {
		t.Fatalf("FilteredCostMap: %v", err)
	}
	want := map[string]map[string]float64{src: {}}
	for _, dst := range dsts {
		if cost, ok := full.CostMap[src][dst]; ok {
			want[src][dst] = cost
		}
	}
	if !reflect.DeepEqual(got.CostMap, want) {
		t.Errorf("filtered cost map = %v, want %v", got.CostMap, want)
	}

	t.Run("constraint", func(t *testing.T) {
		limit := want[src][dsts[1]]
		got, err := c.FilteredCostMap(ctx, &alto.CostMapFilter{
			CostType:    ct,
			Constraints: []alto.Constraint{{Op: "le", Value: limit}},
			PIDs:        &alto.PIDFilter{Srcs: []string{src}},
		})
		if err != nil {
			t.Fatalf("FilteredCostMap: %v", err)
		}
		for dst, cost := range full.CostMap[src] {
			gotCost, ok := got.CostMap[src][dst]
			if cost <= limit && (!ok || gotCost != cost) {
				t.Errorf("%s -> %s: got %v (present %v), want %v", src, dst, gotCost, ok, cost)
			}
			if cost > limit && ok {
				t.Errorf("%s -> %s: cost %v above the limit %v returned", src, dst, gotCost, limit)
			}
		}
	})
}

func TestEndpointProperties(t *testing.T) {
	c, _ := startClient(t)
	ctx := context.Background()
	nm := fullNetworkMap(t, c)
	prop := nm.Meta.VTag.ResourceID + ".pid"
	endpoints := ipv4Endpoints(nm, 3)
	if len(endpoints) < 2 {
		t.Fatalf("found IPv4 endpoints for %d PIDs, want at least 2", len(endpoints))
	}
	req := &alto.EndpointPropParams{Properties: []string{prop}}
	for _, addr := range endpoints {
		req.Endpoints = append(req.Endpoints, "ipv4:"+addr.String())
	}

	got, err := c.EndpointProperties(ctx, req)
	if err != nil {
		t.Fatalf("EndpointProperties: %v", err)
	}
	for pid, addr := range endpoints {
		key := "ipv4:" + addr.String()
		if v := got.EndpointProperties[key][prop]; v != pid {
			t.Errorf("%s %s = %q, want %q", key, prop, v, pid)
		}
	}
}

func TestEndpointCost(t *testing.T) {
	c, _ := startClient(t)
	ctx := context.Background()
	nm := fullNetworkMap(t, c)
	ct := alto.CostType{Mode: alto.CostModeNumerical, Metric: alto.CostMetricRoutingCost}
	pidCosts, err := c.CostMapByType(ctx, ct)
	if err != nil {
		t.Fatalf("CostMapByType: %v", err)
	}
	endpoints := ipv4Endpoints(nm, 3)
	pids := make([]string, 0, len(endpoints))
	for pid := range endpoints {
		pids = append(pids, pid)
	}
	slices.Sort(pids)
	src := "ipv4:" + endpoints[pids[0]].String()
	req := &alto.EndpointCostParams{CostType: ct, Endpoints: alto.EndpointFilter{Srcs: []string{src}}}
	for _, pid := range pids[1:] {
		req.Endpoints.Dsts = append(req.Endpoints.Dsts, "ipv4:"+endpoints[pid].String())
	}

	got, err := c.EndpointCost(ctx, req)
	if err != nil {
		t.Fatalf("EndpointCost: %v", err)
	}
	for _, pid := range pids[1:] {
		dst := "ipv4:" + endpoints[pid].String()
		want, ok := pidCosts.CostMap[pids[0]][pid]
		gotCost, gotOK := got.EndpointCostMap[src][dst]
		if gotOK != ok || gotCost != want {
			t.Errorf("%s -> %s = %v (present %v), want the PID cost %s -> %s = %v (present %v)", src, dst, gotCost, gotOK, pids[0], pid, want, ok)
		}
	}
}

func TestCostMapByTypeFilterFallback(t *testing.T) {
	direct, _ := startClient(t)
	ctx := context.Background()
	ct := alto.CostType{Mode: alto.CostModeNumerical, Metric: alto.CostMetricRoutingCost}
	want, err := direct.CostMapByType(ctx, ct)
	if err != nil {
		t.Fatalf("CostMapByType on the real IRD: %v", err)
	}
	filtered, err := direct.FilteredCostMapResource(ctx, ct, false)
	if err != nil {
		t.Fatalf("FilteredCostMapResource: %v", err)
	}

	// An IRD whose only cost resource is the real filtered cost map.
	doc := fmt.Sprintf(`{
  "meta": {"cost-types": {"routing": {"cost-mode": "numerical", "cost-metric": "routingcost"}}},
  "resources": {"only-filtered": {
    "uri": %q, "media-type": %q, "accepts": %q,
    "capabilities": {"cost-type-names": ["routing"]}
  }}
}`, filtered.URI, alto.MediaTypeCostMap, alto.MediaTypeCostMapFilter)
	ds := newDirectoryServer(t, map[string]string{"/directory": doc}, nil, "")
	c, err := client.New(ds.URL + "/directory")
	if err != nil {
		t.Fatalf("New: %v", err)
	}

	r, params, err := c.FullCostMapRequest(ctx, ct)
	if err != nil {
		t.Fatalf("FullCostMapRequest: %v", err)
	}
	if r.ID != "only-filtered" || params == nil || !params.CostType.Equal(ct) || params.PIDs != nil {
		t.Errorf("FullCostMapRequest = %q, %+v, want only-filtered with the cost type and no PID filter", r.ID, params)
	}
	got, err := c.CostMapByType(ctx, ct)
	if err != nil {
		t.Fatalf("CostMapByType through the filtered service: %v", err)
	}
	if !reflect.DeepEqual(got.CostMap, want.CostMap) {
		t.Error("cost map through the filtered service differs from the full cost map")
	}
	_, err = c.CostMapByType(ctx, alto.CostType{Mode: alto.CostModeOrdinal, Metric: alto.CostMetricRoutingCost})
	if !errors.Is(err, client.ErrNotFound) {
		t.Errorf("cost type the filtered service does not offer: error = %v, want ErrNotFound", err)
	}
}
