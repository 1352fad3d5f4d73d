package netdef

import (
	"slices"
	"strings"
	"testing"

	"github.com/goalto/goalto/alto"
)

const pvBase = `topology: net.graphml
resources:
  - {id: default-network-map, type: network-map, path: /networkmap}
  - {id: props, type: property-map, path: /props, mappings: {".ane": [cpu]}}
`

func TestPathVectorDefaults(t *testing.T) {
	def, err := Parse([]byte(pvBase+"  - {id: pv, type: path-vector-cost-map, path: /pv, persistent-map: props}\n"), "net.yaml")
	if err != nil {
		t.Fatal(err)
	}
	r := def.Resources[2]
	if !slices.Equal(r.CostTypes, []string{CostTypePathVector}) {
		t.Errorf("cost types %v, want [%s]", r.CostTypes, CostTypePathVector)
	}
	if ct := def.CostTypes[CostTypePathVector]; !ct.Equal(alto.PathVectorCostType) {
		t.Errorf("cost type %s is %v", CostTypePathVector, ct)
	}
	if want := []string{alto.PropMaxReservableBandwidth, alto.PropPersistentEntityID}; !slices.Equal(r.ANEProperties, want) {
		t.Errorf("ANE properties %v, want %v", r.ANEProperties, want)
	}
}

func TestPathVectorRejects(t *testing.T) {
	for _, tc := range []struct {
		name, yaml, field string
	}{
		{"array with routingcost", "cost-types: {bad: {cost-mode: array, cost-metric: routingcost}}\n" + pvBase, "cost-types.bad.cost-metric"},
		{"ane-path numerical", "cost-types: {bad: {cost-mode: numerical, cost-metric: ane-path}}\n" + pvBase, "cost-types.bad.cost-mode"},
		{"constraints", pvBase + "  - {id: pv, type: path-vector-cost-map, path: /pv, constraints: true}\n", "resources[2].constraints"},
		{"unknown ANE property", pvBase + "  - {id: pv, type: path-vector-cost-map, path: /pv, ane-properties: [cpu]}\n", "resources[2].ane-properties"},
		{"persistent ID without map", pvBase + "  - {id: pv, type: path-vector-cost-map, path: /pv, ane-properties: [persistent-entity-id]}\n", "resources[2].persistent-map"},
		{"persistent map not a property map", pvBase + "  - {id: pv, type: path-vector-cost-map, path: /pv, persistent-map: default-network-map}\n", "resources[2].persistent-map"},
		{"numerical type on path vector", "cost-types: {num: {cost-mode: numerical, cost-metric: hopcount}}\n" + pvBase + "  - {id: pv, type: path-vector-cost-map, path: /pv, cost-types: [num]}\n", "resources[2].cost-types"},
		{"path vector type on filtered map", "cost-types: {pv: {cost-mode: array, cost-metric: ane-path}}\n" + pvBase + "  - {id: f, type: filtered-cost-map, path: /f, cost-types: [pv]}\n", "resources[2].cost-types"},
		{"path vector type second", "cost-types: {pv: {cost-mode: array, cost-metric: ane-path}, num: {cost-mode: numerical, cost-metric: routingcost}}\n" + pvBase + "  - {id: pv, type: path-vector-endpoint-cost, path: /pv, cost-types: [num, pv], max-cost-types: 2}\n", "resources[2].cost-types"},
		{"two path vector types", "cost-types: {pv: {cost-mode: array, cost-metric: ane-path}, pv2: {cost-mode: array, cost-metric: ane-path}}\n" + pvBase + "  - {id: pv, type: path-vector-endpoint-cost, path: /pv, cost-types: [pv, pv2], max-cost-types: 2}\n", "resources[2].cost-types"},
		{"testable cost types", "cost-types: {pv: {cost-mode: array, cost-metric: ane-path}, num: {cost-mode: numerical, cost-metric: routingcost}}\n" + pvBase + "  - {id: pv, type: path-vector-endpoint-cost, path: /pv, cost-types: [pv, num], max-cost-types: 2, testable-cost-types: [num]}\n", "resources[2].testable-cost-types"},
		{"max-cost-types above cost types", "cost-types: {pv: {cost-mode: array, cost-metric: ane-path}, num: {cost-mode: numerical, cost-metric: routingcost}}\n" + pvBase + "  - {id: pv, type: path-vector-endpoint-cost, path: /pv, cost-types: [pv, num], max-cost-types: 3}\n", "resources[2].max-cost-types"},
		{"options on other resource", pvBase + "  - {id: f, type: endpoint-property, path: /f, merge-shared-links: true}\n", "resources[2]"},
		{"no topology", strings.Replace(pvBase, "topology: net.graphml\n", "network-map: {pids: group}\ngroups: [{pid: a, prefixes: [192.0.2.0/24]}]\n", 1) + "  - {id: pv, type: path-vector-endpoint-cost, path: /pv}\n", "resources[2].type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.yaml), "net.yaml")
			if err == nil {
				t.Fatal("accepted")
			}
			e, ok := err.(*Error)
			if !ok {
				t.Fatalf("error %T %v, want *Error", err, err)
			}
			if e.Field != tc.field {
				t.Errorf("field %q, want %q (error %v)", e.Field, tc.field, err)
			}
		})
	}
}

func TestPathVectorMultiCost(t *testing.T) {
	yaml := "cost-types: {pv: {cost-mode: array, cost-metric: ane-path}, num: {cost-mode: numerical, cost-metric: routingcost}}\n" +
		pvBase + "  - {id: pv, type: path-vector-endpoint-cost, path: /pv, cost-types: [pv, num], max-cost-types: 2}\n"
	def, err := Parse([]byte(yaml), "net.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if r := def.Resources[2]; !slices.Equal(r.CostTypes, []string{"pv", "num"}) || r.MaxCostTypes != 2 {
		t.Errorf("cost types %v, max-cost-types %d; want [pv num] and 2", r.CostTypes, r.MaxCostTypes)
	}
}
