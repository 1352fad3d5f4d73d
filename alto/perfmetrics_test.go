package alto

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// readJSON reads a fixture of testdata/rfc9439 as generic JSON.
func readJSON(t *testing.T, name string) ([]byte, any) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "rfc9439", name))
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return data, v
}

// sameJSON reports whether a encodes the same JSON value as b.
func sameJSON(t *testing.T, a []byte, b any) bool {
	t.Helper()
	var v any
	if err := json.Unmarshal(a, &v); err != nil {
		t.Fatal(err)
	}
	return reflect.DeepEqual(v, b)
}

func TestRFC9439Examples(t *testing.T) {
	tests := []struct {
		example, metric string
	}{
		{"e01", CostMetricDelayOW},        // Section 4.1.3, Figure 2
		{"e02", CostMetricDelayOW},        // Section 4.1.3, Figure 3
		{"e03", CostMetricDelayRT},        // Section 4.2.3
		{"e04", CostMetricDelayVariation}, // Section 4.3.3
		{"e05", CostMetricLossRate},       // Section 4.4.3
		{"e06", CostMetricHopCount},       // Section 4.5.3
		{"e07", CostMetricTput},           // Section 5.1.3
		{"e08", CostMetricBWResidual},     // Section 5.2.3
		{"e09", CostMetricBWAvailable},    // Section 5.3.3
	}
	for _, tt := range tests {
		t.Run(tt.example, func(t *testing.T) {
			body, _ := readJSON(t, tt.example+"-request.json")
			req, err := DecodeEndpointCostParams(body)
			if err != nil {
				t.Fatalf("request: %v", err)
			}
			want := CostType{Mode: CostModeNumerical, Metric: tt.metric}
			if !req.CostType.Equal(want) || req.CostType.Context != nil {
				t.Errorf("request cost type = %+v, want %+v", req.CostType, want)
			}

			data, generic := readJSON(t, tt.example+"-response.json")
			var resp EndpointCostMap
			if err := json.Unmarshal(data, &resp); err != nil {
				t.Fatalf("response: %v", err)
			}
			if resp.Meta.CostType == nil || !resp.Meta.CostType.Equal(want) {
				t.Fatalf("response cost type = %+v, want %+v", resp.Meta.CostType, want)
			}
			// Without a cost context the cost type encodes exactly as
			// printed: cost-mode and cost-metric only.
			encoded, err := json.Marshal(resp.Meta.CostType)
			if err != nil {
				t.Fatal(err)
			}
			printed := generic.(map[string]any)["meta"].(map[string]any)["cost-type"]
			if !sameJSON(t, encoded, printed) {
				t.Errorf("cost type encodes as %s, want %v", encoded, printed)
			}
		})
	}
}

func TestCostContextRoundTrip(t *testing.T) {
	data, generic := readJSON(t, "cost-context.json")
	var ct CostType
	if err := json.Unmarshal(data, &ct); err != nil {
		t.Fatal(err)
	}
	if ct.Context == nil || ct.Context.Source != CostSourceNominal {
		t.Fatalf("Context = %+v, want cost-source nominal", ct.Context)
	}
	if _, ok := ct.Context.Parameters.(map[string]any); !ok {
		t.Errorf("Parameters = %T, want a JSON object", ct.Context.Parameters)
	}
	encoded, err := json.Marshal(ct)
	if err != nil {
		t.Fatal(err)
	}
	if !sameJSON(t, encoded, generic) {
		t.Errorf("encoded %s, want the fixture back", encoded)
	}
}

func TestCostTypeWithoutContextEncoding(t *testing.T) {
	got, err := json.Marshal(CostType{Mode: CostModeNumerical, Metric: CostMetricRoutingCost})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"cost-mode":"numerical","cost-metric":"routingcost"}`; string(got) != want {
		t.Errorf("encoded %s, want %s", got, want)
	}
}

func TestCostContextEqual(t *testing.T) {
	nominal := &CostContext{Source: CostSourceNominal}
	tests := []struct {
		name string
		a, b *CostContext
		want bool
	}{
		{"both nil", nil, nil, true},
		{"nil and set", nil, nominal, false},
		{"same source", nominal, &CostContext{Source: CostSourceNominal}, true},
		{"other source", nominal, &CostContext{Source: CostSourceSLA}, false},
		{"same parameters", &CostContext{Source: CostSourceSLA, Parameters: map[string]any{"link": "x", "n": 1}},
			&CostContext{Source: CostSourceSLA, Parameters: map[string]any{"n": 1, "link": "x"}}, true},
		{"other parameters", &CostContext{Source: CostSourceSLA, Parameters: map[string]any{"link": "x"}},
			&CostContext{Source: CostSourceSLA, Parameters: map[string]any{"link": "y"}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.a.Equal(tt.b); got != tt.want {
				t.Errorf("Equal = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCostTypeEqualIgnoresContext(t *testing.T) {
	a := CostType{Mode: CostModeNumerical, Metric: CostMetricDelayOW}
	b := a
	b.Context = &CostContext{Source: CostSourceEstimation}
	if !a.Equal(b) {
		t.Error("cost types differing only in cost context are not Equal")
	}
}

func TestSplitCostMetric(t *testing.T) {
	tests := []struct {
		metric, base, operator string
	}{
		{"delay-ow", "delay-ow", ""},
		{"delay-ow:p99.9", "delay-ow", "p99.9"},
		{"bw-residual:max", "bw-residual", "max"},
		{"priv:a:b", "priv", "a:b"},
	}
	for _, tt := range tests {
		t.Run(tt.metric, func(t *testing.T) {
			base, op := SplitCostMetric(tt.metric)
			if base != tt.base || op != tt.operator {
				t.Errorf("SplitCostMetric = %q, %q; want %q, %q", base, op, tt.base, tt.operator)
			}
		})
	}
}

func TestValidStatOperator(t *testing.T) {
	tests := []struct {
		op   string
		want bool
	}{
		{"cur", true}, {"min", true}, {"max", true}, {"median", true},
		{"mean", true}, {"stddev", true}, {"stdvar", true},
		{"p0", true}, {"p50", true}, {"p99.9", true}, {"p100", true}, {"p100.0", true},
		{"", false}, {"p", false}, {"p100.01", false}, {"p-1", false}, {"p1e2", false},
		{"p.5", false}, {"p5.", false}, {"avg", false}, {"MIN", false},
	}
	for _, tt := range tests {
		t.Run(tt.op, func(t *testing.T) {
			if got := ValidStatOperator(tt.op); got != tt.want {
				t.Errorf("ValidStatOperator(%q) = %v, want %v", tt.op, got, tt.want)
			}
		})
	}
}
