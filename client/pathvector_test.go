package client_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/client"
	"github.com/goalto/goalto/internal/alttest"
)

// pathVectorDefinition is the network of RFC 9275, Section 8.3: PID1
// reaches PID3 over the link n1-n3 and PID4 over n1-n3 and n3-n4. The
// topology file pathVectorTopology sits next to it.
const pathVectorDefinition = `
network-map:
  resource-id: my-default-networkmap
  pids: group
topology: topology.yaml
groups:
  - {pid: PID1, node: n1, prefixes: [192.0.2.0/28]}
  - {pid: PID3, node: n3, prefixes: [192.0.2.32/28]}
  - {pid: PID4, node: n4, prefixes: [192.0.2.48/28]}
  - {pid: PID5, prefixes: [192.0.2.64/28]}
resources:
  - {id: my-default-networkmap, type: network-map, path: /networkmap}
  - {id: filtered-cost-map-pv, type: path-vector-cost-map, path: /costmap/pv}
  - {id: endpoint-cost-pv, type: path-vector-endpoint-cost, path: /endpointcost/pv}
`

// pathVectorTopology gives the links their capacity in bits per second.
const pathVectorTopology = `
nodes:
  - id: n1
  - id: n3
  - id: n4
links:
  - {from: n1, to: n3, capacity: 10e9}
  - {from: n3, to: n4, capacity: 15e9}
`

// startPathVectorClient serves pathVectorDefinition and returns a
// client for it.
func startPathVectorClient(t *testing.T) *client.Client {
	t.Helper()
	dir := t.TempDir()
	for name, text := range map[string]string{"network.yaml": pathVectorDefinition, "topology.yaml": pathVectorTopology} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	c, err := client.New(alttest.Start(t, filepath.Join(dir, "network.yaml")))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// bandwidth returns the max-reservable-bandwidth of an ANE.
func bandwidth(t *testing.T, m *client.PathVectorMap, ane string) float64 {
	t.Helper()
	props := m.ANEProperties(ane)
	if props == nil {
		t.Fatalf("the property map part has no entry for ANE %s: %v", ane, m.Properties.PropertyMap)
	}
	raw, ok := props[alto.PropMaxReservableBandwidth]
	if !ok {
		t.Fatalf("ANE %s has no %s: %v", ane, alto.PropMaxReservableBandwidth, props)
	}
	v, err := strconv.ParseFloat(string(raw), 64)
	if err != nil {
		t.Fatalf("ANE %s: %s %s: %v", ane, alto.PropMaxReservableBandwidth, raw, err)
	}
	return v
}

func TestPathVectorCostMap(t *testing.T) {
	c := startPathVectorClient(t)
	req := &alto.PVCostMapFilter{
		CostMapFilter:    alto.CostMapFilter{PIDs: &alto.PIDFilter{Srcs: []string{"PID1"}, Dsts: []string{"PID3", "PID4", "PID5"}}},
		ANEPropertyNames: []string{alto.PropMaxReservableBandwidth},
	}
	m, err := c.PathVector(context.Background(), "", req)
	if err != nil {
		t.Fatalf("PathVector: %v", err)
	}
	if m.Meta.CostType == nil || !m.Meta.CostType.Equal(alto.PathVectorCostType) {
		t.Errorf("cost type = %+v, want %+v", m.Meta.CostType, alto.PathVectorCostType)
	}
	if m.Meta.VTag == nil || m.Meta.VTag.ResourceID != "filtered-cost-map-pv.costmap" {
		t.Errorf("vtag = %+v, want resource-id filtered-cost-map-pv.costmap", m.Meta.VTag)
	}
	if !strings.HasPrefix(m.ContentIDs[0], "<costmap@") || !strings.HasPrefix(m.ContentIDs[1], "<propmap@") {
		t.Errorf("Content-IDs = %v, want <costmap@…> and <propmap@…>", m.ContentIDs)
	}

	toPID3, toPID4 := m.Paths["PID1"]["PID3"], m.Paths["PID1"]["PID4"]
	if len(toPID3) != 1 || len(toPID4) != 2 {
		t.Fatalf("paths PID1->PID3 %v and PID1->PID4 %v, want 1 and 2 ANEs", toPID3, toPID4)
	}
	if toPID4[0] != toPID3[0] {
		t.Errorf("PID1->PID4 starts with %s, want %s, the ANE of link n1-n3", toPID4[0], toPID3[0])
	}
	if _, ok := m.Paths["PID1"]["PID5"]; ok {
		t.Errorf("PID5 has no topology node, but the map has the path %v", m.Paths["PID1"]["PID5"])
	}
	if bw := bandwidth(t, m, toPID4[0]); bw != 10e9 {
		t.Errorf("n1-n3 bandwidth = %g, want 1e10", bw)
	}
	if bw := bandwidth(t, m, toPID4[1]); bw != 15e9 {
		t.Errorf("n3-n4 bandwidth = %g, want 1.5e10", bw)
	}
}

func TestPathVectorWholeMap(t *testing.T) {
	c := startPathVectorClient(t)
	m, err := c.PathVector(context.Background(), "filtered-cost-map-pv", nil)
	if err != nil {
		t.Fatalf("PathVector: %v", err)
	}
	for _, src := range []string{"PID1", "PID3", "PID4"} {
		if got := m.Paths[src][src]; got == nil || len(got) != 0 {
			t.Errorf("path %s->%s = %v, want the empty array", src, src, got)
		}
	}
	for _, ane := range m.Paths["PID4"]["PID1"] {
		if m.ANEProperties(ane) == nil {
			t.Errorf("ANE %s of PID4->PID1 has no entry in the property map part", ane)
		}
	}
}

func TestPathVectorEndpoints(t *testing.T) {
	c := startPathVectorClient(t)
	req := &alto.PVEndpointCostParams{
		EndpointCostParams: alto.EndpointCostParams{Endpoints: alto.EndpointFilter{
			Srcs: []string{"ipv4:192.0.2.1"},
			Dsts: []string{"ipv4:192.0.2.49", "ipv4:192.0.2.33"},
		}},
		ANEPropertyNames: []string{alto.PropMaxReservableBandwidth},
	}
	m, err := c.PathVectorEndpoints(context.Background(), "", req)
	if err != nil {
		t.Fatalf("PathVectorEndpoints: %v", err)
	}
	if m.Meta.VTag == nil || m.Meta.VTag.ResourceID != "endpoint-cost-pv.ecs" {
		t.Errorf("vtag = %+v, want resource-id endpoint-cost-pv.ecs", m.Meta.VTag)
	}
	path := m.Paths["ipv4:192.0.2.1"]["ipv4:192.0.2.49"]
	if len(path) != 2 {
		t.Fatalf("path to ipv4:192.0.2.49 = %v, want 2 ANEs; paths %v", path, m.Paths)
	}
	bws := []float64{bandwidth(t, m, path[0]), bandwidth(t, m, path[1])}
	if !slices.Equal(bws, []float64{10e9, 15e9}) {
		t.Errorf("bandwidths = %v, want [1e10 1.5e10]", bws)
	}
	if got := m.Paths["ipv4:192.0.2.1"]["ipv4:192.0.2.33"]; !slices.Equal(got, path[:1]) {
		t.Errorf("path to ipv4:192.0.2.33 = %v, want %v", got, path[:1])
	}
}

func TestPathVectorErrors(t *testing.T) {
	c := startPathVectorClient(t)
	ctx := context.Background()

	t.Run("property not offered", func(t *testing.T) {
		req := &alto.PVCostMapFilter{ANEPropertyNames: []string{alto.PropPersistentEntityID}}
		_, err := c.PathVector(ctx, "", req)
		var altoErr *alto.Error
		if !errors.As(err, &altoErr) {
			t.Fatalf("error %v is not an ALTO error", err)
		}
		if altoErr.Code != alto.ErrInvalidFieldValue || altoErr.Field != "ane-property-names" {
			t.Errorf("error = %v, want E_INVALID_FIELD_VALUE on ane-property-names", altoErr)
		}
	})
	t.Run("wrong form", func(t *testing.T) {
		_, err := c.PathVector(ctx, "endpoint-cost-pv", nil)
		if err == nil || !strings.Contains(err.Error(), "multipart filtered cost map") {
			t.Errorf("error %v, want one naming the multipart filtered cost map", err)
		}
	})
	t.Run("nil endpoint request", func(t *testing.T) {
		if _, err := c.PathVectorEndpoints(ctx, "", nil); err == nil {
			t.Error("PathVectorEndpoints(nil) succeeded")
		}
	})
	t.Run("no resource", func(t *testing.T) {
		plain, _ := startClient(t)
		if _, err := plain.PathVector(ctx, "", nil); !errors.Is(err, client.ErrNotFound) {
			t.Errorf("error %v, want ErrNotFound", err)
		}
	})
}
