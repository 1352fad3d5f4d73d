package netdef

import (
	"errors"
	"strings"
	"testing"
)

// costTypeYAML returns a definition with a topology and the given
// cost-types and resources sections.
func costTypeYAML(sections string) string {
	return "topology: a.graphml\n" + sections
}

func TestPerformanceMetricRejects(t *testing.T) {
	tests := []struct {
		name      string
		yaml      string
		wantField string
		wantText  []string
	}{
		{"unknown metric", "cost-types:\n  x: {cost-mode: numerical, cost-metric: delay-oneway}\n",
			"cost-types.x.cost-metric", []string{`"delay-oneway"`, "unknown cost metric"}},
		{"unknown statistical operator", "cost-types:\n  x: {cost-mode: numerical, cost-metric: 'delay-ow:p101'}\n",
			"cost-types.x.cost-metric", []string{`"delay-ow:p101"`, "N from 0 to 100"}},
		{"operator on routingcost", "cost-types:\n  x: {cost-mode: numerical, cost-metric: 'routingcost:min'}\n",
			"cost-types.x.cost-metric", []string{`"routingcost:min"`, "routingcost takes no statistical operator"}},
		{"misspelled operator", "cost-types:\n  x: {cost-mode: numerical, cost-metric: 'delay-ow:average'}\n",
			"cost-types.x.cost-metric", []string{`"average"`, "cur, min, max"}},
		{"metric longer than 32", "cost-types:\n  x: {cost-mode: numerical, cost-metric: 'delay-variation:p99.99999999999999'}\n",
			"cost-types.x.cost-metric", []string{"delay-variation:p99.99999999999999"}},
		{"unknown mode", "cost-types:\n  x: {cost-mode: numeric, cost-metric: delay-ow}\n",
			"cost-types.x.cost-mode", []string{`"numeric"`, "numerical or ordinal"}},
		{"array mode", "cost-types:\n  x: {cost-mode: array, cost-metric: delay-ow}\n",
			"cost-types.x.cost-metric", []string{"array", "ane-path", `"delay-ow"`}},
		{"array mode on bandwidth", "cost-types:\n  x: {cost-mode: array, cost-metric: 'bw-residual:max'}\n",
			"cost-types.x.cost-metric", []string{"array", `"bw-residual:max"`}},
		{"ordinal bandwidth", "cost-types:\n  x: {cost-mode: ordinal, cost-metric: 'bw-residual:max'}\n",
			"cost-types.x.cost-mode", []string{"ordinal", `"bw-residual:max"`, "numerical"}},
		{"lossrate from topology", "cost-types:\n  x: {cost-mode: numerical, cost-metric: lossrate}\n",
			"cost-types.x.cost-metric", []string{`"lossrate"`, "costs.lossrate"}},
		{"plain bw-residual from topology", "cost-types:\n  x: {cost-mode: numerical, cost-metric: bw-residual}\n",
			"cost-types.x.cost-metric", []string{`"bw-residual"`, "bw-residual:max"}},
		{"unknown cost source", "cost-types:\n  x: {cost-mode: numerical, cost-metric: delay-ow, cost-context: {cost-source: measured}}\n",
			"cost-types.x.cost-context.cost-source", []string{`"measured"`, "nominal, sla or estimation"}},
		{"missing cost source", "cost-types:\n  x: {cost-mode: numerical, cost-metric: delay-ow, cost-context: {parameters: {a: 1}}}\n",
			"cost-types.x.cost-context.cost-source", []string{"missing cost source"}},
		{"nominal routingcost", "cost-types:\n  x: {cost-mode: numerical, cost-metric: routingcost, cost-context: {cost-source: nominal}}\n",
			"cost-types.x.cost-context.cost-source", []string{`"nominal"`, "estimation"}},
		{"sla from topology", "cost-types:\n  x: {cost-mode: numerical, cost-metric: delay-ow, cost-context: {cost-source: sla}}\n",
			"cost-types.x.cost-context.cost-source", []string{"sla", "costs.delay-ow"}},
		{"nominal tput", "groups:\n  - {pid: a, prefixes: [192.0.2.0/24]}\ncosts:\n  tput:\n    a: {a: 1000}\ncost-types:\n  x: {cost-mode: numerical, cost-metric: tput, cost-context: {cost-source: nominal}}\n",
			"cost-types.x.cost-context.cost-source", []string{`"nominal"`, "tput"}},
		{"unknown metric under costs", "groups:\n  - {pid: a, prefixes: [192.0.2.0/24]}\ncosts:\n  jitter:\n    a: {a: 1}\n",
			"costs.jitter", []string{`"jitter"`}},
		{"same type twice in a resource", `cost-types:
  d1: {cost-mode: numerical, cost-metric: delay-ow, cost-context: {cost-source: estimation}}
  d2: {cost-mode: numerical, cost-metric: delay-ow, cost-context: {cost-source: estimation}}
resources:
  - {id: f, type: filtered-cost-map, path: /f, cost-types: [d1, d2]}
`, "resources[0].cost-types", []string{`"d1"`, `"d2"`, "same cost mode", "delay-ow", "cost context"}},
		{"contexts differ in one resource", `cost-types:
  d1: {cost-mode: numerical, cost-metric: delay-ow}
  d2: {cost-mode: numerical, cost-metric: delay-ow, cost-context: {cost-source: estimation}}
resources:
  - {id: f, type: endpoint-cost, path: /f, cost-types: [d1, d2]}
`, "resources[0].cost-types", []string{`"d1"`, `"d2"`, "different resources"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(costTypeYAML(tc.yaml)), "net.yaml")
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error = %v, want *netdef.Error", err)
			}
			if e.Field != tc.wantField {
				t.Errorf("Field = %q, want %q (%v)", e.Field, tc.wantField, err)
			}
			if e.Line == 0 {
				t.Errorf("Line = 0, want the line of %s (%v)", tc.wantField, err)
			}
			for _, text := range tc.wantText {
				if !strings.Contains(err.Error(), text) {
					t.Errorf("error %q does not mention %q", err, text)
				}
			}
		})
	}
}

func TestPerformanceMetricAccepts(t *testing.T) {
	tests := []struct {
		name string
		yaml string
	}{
		{"topology metrics", `cost-types:
  ow: {cost-mode: numerical, cost-metric: delay-ow, cost-context: {cost-source: estimation, parameters: {method: sum}}}
  rt: {cost-mode: ordinal, cost-metric: delay-rt}
  bw: {cost-mode: numerical, cost-metric: 'bw-residual:max', cost-context: {cost-source: nominal}}
  hop: {cost-mode: numerical, cost-metric: hopcount, cost-context: {cost-source: estimation}}
`},
		{"given lossrate and sla delay", `groups:
  - {pid: a, prefixes: [192.0.2.0/24]}
costs:
  lossrate:
    a: {a: 0.001}
  'delay-ow:p95':
    a: {a: 150}
cost-types:
  loss: {cost-mode: numerical, cost-metric: lossrate}
  sla: {cost-mode: numerical, cost-metric: 'delay-ow:p95', cost-context: {cost-source: sla, parameters: {link: 'https://example.com/sla'}}}
`},
		{"contexts differ across resources", `cost-types:
  d1: {cost-mode: numerical, cost-metric: delay-ow}
  d2: {cost-mode: numerical, cost-metric: delay-ow, cost-context: {cost-source: estimation}}
resources:
  - {id: default-network-map, type: network-map, path: /n}
  - {id: c1, type: cost-map, path: /c1, cost-types: [d1]}
  - {id: c2, type: cost-map, path: /c2, cost-types: [d2]}
`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			def, err := Parse([]byte(costTypeYAML(tc.yaml)), "net.yaml")
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if len(def.CostMetrics()) == 0 {
				t.Error("CostMetrics is empty")
			}
		})
	}
}

func TestKnownCostMetric(t *testing.T) {
	tests := []struct {
		metric string
		want   bool
	}{
		{"routingcost", true},
		{"hopcount", true},
		{"delay-ow", true},
		{"delay-ow:min", true},
		{"delay-ow:p99.9", true},
		{"delay-ow:p100", true},
		{"bw-available:cur", true},
		{"tput:median", true},
		{"lossrate:mean", true},
		{"delay-rt:stdvar", true},
		{"routingcost:max", false},
		{"delay-ow:p", false},
		{"delay-ow:p100.1", false},
		{"delay-ow:p-1", false},
		{"delay-ow:p9.", false},
		{"delay-ow:avg", false},
		{"delay-ow:", false},
		{"jitter", false},
		{"priv:delay", false},
	}
	for _, tt := range tests {
		t.Run(tt.metric, func(t *testing.T) {
			if got := knownCostMetric(tt.metric); got != tt.want {
				t.Errorf("knownCostMetric(%q) = %v, want %v", tt.metric, got, tt.want)
			}
		})
	}
}
