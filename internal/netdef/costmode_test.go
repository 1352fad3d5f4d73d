package netdef

import (
	"errors"
	"strings"
	"testing"
)

// TestCostModeRejects checks the cost modes of the ALTO Cost Modes
// registry in a definition: numerical and ordinal are served, array only
// with ane-path, and any other mode is rejected with the file, line,
// field and value.
func TestCostModeRejects(t *testing.T) {
	tests := []struct {
		name      string
		mode      string
		wantField string
		wantText  []string
	}{
		{"unregistered", "numeric", "cost-types.x.cost-mode", []string{`unknown cost mode "numeric"`, "RFC 9274"}},
		{"private", "'priv:fast'", "cost-types.x.cost-mode", []string{`private cost mode "priv:fast"`}},
		{"invalid characters", "'fast mode'", "cost-types.x.cost-mode", []string{`invalid cost mode "fast mode"`, "RFC 9274, Section 3.2"}},
		{"longer than 32", strings.Repeat("m", 33), "cost-types.x.cost-mode", []string{"invalid cost mode", "1 to 32 characters"}},
		{"array with routingcost", "array", "cost-types.x.cost-metric", []string{"array", "ane-path", `"routingcost"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			yaml := costTypeYAML("cost-types:\n  x: {cost-mode: " + tc.mode + ", cost-metric: routingcost}\n")
			_, err := Parse([]byte(yaml), "net.yaml")
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error = %v, want *netdef.Error", err)
			}
			if e.Field != tc.wantField {
				t.Errorf("Field = %q, want %q (%v)", e.Field, tc.wantField, err)
			}
			if e.Line != 3 {
				t.Errorf("Line = %d, want 3, the line of the cost type (%v)", e.Line, err)
			}
			if !strings.HasPrefix(err.Error(), "net.yaml:3: "+tc.wantField+": ") {
				t.Errorf("error %q does not start with the file, line and field", err)
			}
			for _, text := range tc.wantText {
				if !strings.Contains(err.Error(), text) {
					t.Errorf("error %q does not mention %q", err, text)
				}
			}
		})
	}
}

func TestCostModeAccepts(t *testing.T) {
	yaml := costTypeYAML(`cost-types:
  num-routing: {cost-mode: numerical, cost-metric: routingcost}
  ord-routing: {cost-mode: ordinal, cost-metric: routingcost}
  num-delay: {cost-mode: numerical, cost-metric: delay-ow}
  ord-delay: {cost-mode: ordinal, cost-metric: delay-ow}
  ord-hop: {cost-mode: ordinal, cost-metric: hopcount}
resources:
  - {id: f, type: filtered-cost-map, path: /f, cost-types: [num-routing, ord-routing, num-delay, ord-delay, ord-hop]}
`)
	if _, err := Parse([]byte(yaml), "net.yaml"); err != nil {
		t.Fatalf("numerical and ordinal of one metric in one resource: %v", err)
	}
}

func TestSameCostTypeTwiceRejected(t *testing.T) {
	tests := []struct {
		name      string
		resources string
		wantText  []string
	}{
		{"one name twice", "  - {id: f, type: filtered-cost-map, path: /f, cost-types: [d1, d1]}\n",
			[]string{`"d1" and "d1"`, "same cost mode", "RFC 9439, Section 3.1"}},
		{"two names on an endpoint cost service", "  - {id: e, type: endpoint-cost, path: /e, cost-types: [d1, d2]}\n",
			[]string{`"d1" and "d2"`, "same cost mode \"numerical\", metric \"delay-ow\" and cost context"}},
		{"second resource", "  - {id: f, type: filtered-cost-map, path: /f, cost-types: [d1]}\n  - {id: e, type: endpoint-cost, path: /e, cost-types: [d2, d1]}\n",
			[]string{`"d2" and "d1"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			yaml := costTypeYAML(`cost-types:
  d1: {cost-mode: numerical, cost-metric: delay-ow, cost-context: {cost-source: estimation}}
  d2: {cost-mode: numerical, cost-metric: delay-ow, cost-context: {cost-source: estimation}}
resources:
` + tc.resources)
			_, err := Parse([]byte(yaml), "net.yaml")
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error = %v, want *netdef.Error", err)
			}
			if !strings.HasSuffix(e.Field, "].cost-types") || e.File != "net.yaml" || e.Line == 0 {
				t.Errorf("error at %s:%d field %q, want the file, line and cost-types of the resource", e.File, e.Line, e.Field)
			}
			for _, text := range tc.wantText {
				if !strings.Contains(err.Error(), text) {
					t.Errorf("error %q does not mention %q", err, text)
				}
			}
		})
	}
}
