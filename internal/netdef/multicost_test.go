package netdef

import (
	"errors"
	"strings"
	"testing"
)

func TestMultiCostOptions(t *testing.T) {
	const head = "topology: a.graphml\nresources:\n"
	tests := []struct {
		name      string
		resource  string
		wantField string
		wantText  string // empty for a valid definition
	}{
		{"max-cost-types", "{id: f, type: filtered-cost-map, path: /f, cost-types: [num-routing, num-hop], max-cost-types: 2, constraints: true}", "", ""},
		{"testable cost types", "{id: e, type: endpoint-cost, path: /e, cost-types: [num-routing, num-hop], max-cost-types: 1, testable-cost-types: [num-hop]}", "", ""},
		{"negative max-cost-types", "{id: f, type: filtered-cost-map, path: /f, cost-types: [num-routing], max-cost-types: -1}", "resources[0].max-cost-types", "-1"},
		{"max-cost-types above cost types", "{id: f, type: filtered-cost-map, path: /f, cost-types: [num-routing], max-cost-types: 2}", "resources[0].max-cost-types", "0 to 1"},
		{"max-cost-types on a cost map", "{id: c, type: cost-map, path: /c, cost-types: [num-routing], max-cost-types: 1}", "resources[0]", "only filtered-cost-map"},
		{"testable without max-cost-types", "{id: f, type: filtered-cost-map, path: /f, cost-types: [num-routing], testable-cost-types: [num-routing]}", "resources[0].testable-cost-types", "max-cost-types"},
		{"testable with constraints", "{id: f, type: filtered-cost-map, path: /f, cost-types: [num-routing], max-cost-types: 1, constraints: true, testable-cost-types: [num-routing]}", "resources[0].testable-cost-types", "exclude"},
		{"testable not offered", "{id: f, type: filtered-cost-map, path: /f, cost-types: [num-routing], max-cost-types: 1, testable-cost-types: [num-hop]}", "resources[0].testable-cost-types", "num-hop"},
		{"testable twice", "{id: f, type: filtered-cost-map, path: /f, cost-types: [num-routing], max-cost-types: 1, testable-cost-types: [num-routing, num-routing]}", "resources[0].testable-cost-types", "twice"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(head+"  - "+tc.resource+"\n"), "net.yaml")
			if tc.wantText == "" {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error = %v, want *netdef.Error", err)
			}
			if e.Field != tc.wantField {
				t.Errorf("Field = %q, want %q", e.Field, tc.wantField)
			}
			if !strings.Contains(err.Error(), tc.wantText) {
				t.Errorf("error %q does not mention %q", err, tc.wantText)
			}
		})
	}
}

func TestTestableCostTypeNames(t *testing.T) {
	tests := []struct {
		name string
		r    Resource
		want string
	}{
		{"testable list", Resource{CostTypes: []string{"a", "b"}, TestableCostTypes: []string{"b"}}, "b"},
		{"constraints", Resource{CostTypes: []string{"a", "b"}, Constraints: true}, "a,b"},
		{"no tests", Resource{CostTypes: []string{"a", "b"}}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := strings.Join(tc.r.TestableCostTypeNames(), ","); got != tc.want {
				t.Errorf("TestableCostTypeNames() = %q, want %q", got, tc.want)
			}
		})
	}
}
