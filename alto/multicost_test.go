package alto

import (
	"testing"
)

func TestDecodeMultiCost(t *testing.T) {
	routing := CostType{Mode: CostModeNumerical, Metric: CostMetricRoutingCost}
	hops := CostType{Mode: CostModeNumerical, Metric: CostMetricHopCount}
	const types = `"multi-cost-types":[{"cost-mode":"numerical","cost-metric":"routingcost"},{"cost-mode":"numerical","cost-metric":"hopcount"}]`
	cases := []decodeCase[CostMapFilter]{
		{
			name: "multi-cost-types",
			body: `{` + types + `}`,
			want: &CostMapFilter{MultiCostTypes: []CostType{routing, hops}},
		},
		{
			name: "repeated cost type kept",
			body: `{"multi-cost-types":[{"cost-mode":"numerical","cost-metric":"hopcount"},{"cost-mode":"numerical","cost-metric":"hopcount"}]}`,
			want: &CostMapFilter{MultiCostTypes: []CostType{hops, hops}},
		},
		{
			name: "or-constraints with indexes",
			body: `{` + types + `,"or-constraints":[["[0] ge 5","[0] le 10"],["[1] eq 0"]]}`,
			want: &CostMapFilter{MultiCostTypes: []CostType{routing, hops}, OrConstraints: [][]Constraint{
				{{Op: "ge", Value: 5, Indexed: true}, {Op: "le", Value: 10, Indexed: true}},
				{{Op: "eq", Value: 0, Index: 1, Indexed: true}},
			}},
		},
		{
			name: "cost-type with testable-cost-types",
			body: `{"cost-type":{"cost-mode":"numerical","cost-metric":"routingcost"},"testable-cost-types":[{"cost-mode":"numerical","cost-metric":"hopcount"}],"constraints":["[0] le 6","le 7"]}`,
			want: &CostMapFilter{CostType: routing, TestableCostTypes: []CostType{hops}, Constraints: []Constraint{
				{Op: "le", Value: 6, Indexed: true}, {Op: "le", Value: 7},
			}},
		},
		{
			name: "empty cost type",
			body: `{"cost-type":{"cost-mode":"","cost-metric":""}}`,
			err:  &wantErr{code: ErrInvalidFieldValue, field: "cost-type/cost-mode"},
		},
		{
			name: "empty multi cost type",
			body: `{"multi-cost-types":[{"cost-mode":"","cost-metric":""}]}`,
			err:  &wantErr{code: ErrInvalidFieldValue, field: "multi-cost-types[0]/cost-mode"},
		},
		{
			name: "both cost type members",
			body: `{"cost-type":{"cost-mode":"numerical","cost-metric":"routingcost"},` + types + `}`,
			err:  &wantErr{code: ErrInvalidFieldValue, field: "multi-cost-types"},
		},
		{
			name: "null multi-cost-types",
			body: `{"multi-cost-types":null}`,
			err:  &wantErr{code: ErrInvalidFieldType, field: "multi-cost-types"},
		},
		{
			name: "or-constraints not an array",
			body: `{` + types + `,"or-constraints":"le 5"}`,
			err:  &wantErr{code: ErrInvalidFieldType, field: "or-constraints"},
		},
	}
	runDecodeCases(t, DecodeCostMapFilter, cases)
}

func TestDecodeEndpointMultiCost(t *testing.T) {
	hops := CostType{Mode: CostModeNumerical, Metric: CostMetricHopCount}
	const eps = `"endpoints":{"srcs":["ipv4:192.0.2.1"],"dsts":["ipv4:192.0.2.2"]}`
	cases := []decodeCase[EndpointCostParams]{
		{
			name: "multi-cost-types",
			body: `{"multi-cost-types":[{"cost-mode":"numerical","cost-metric":"hopcount"}],"or-constraints":[["[0] lt 3"]],` + eps + `}`,
			want: &EndpointCostParams{MultiCostTypes: []CostType{hops},
				OrConstraints: [][]Constraint{{{Op: "lt", Value: 3, Indexed: true}}},
				Endpoints:     EndpointFilter{Srcs: []string{"ipv4:192.0.2.1"}, Dsts: []string{"ipv4:192.0.2.2"}}},
		},
		{
			name: "indexed constraint on cost-type",
			body: `{"cost-type":{"cost-mode":"numerical","cost-metric":"hopcount"},"constraints":["[0] le 1"],` + eps + `}`,
			want: &EndpointCostParams{CostType: hops,
				Constraints: []Constraint{{Op: "le", Value: 1, Indexed: true}},
				Endpoints:   EndpointFilter{Srcs: []string{"ipv4:192.0.2.1"}, Dsts: []string{"ipv4:192.0.2.2"}}},
		},
		{
			name: "no cost type member",
			body: `{"testable-cost-types":[{"cost-mode":"numerical","cost-metric":"hopcount"}],` + eps + `}`,
			err:  &wantErr{code: ErrMissingField, field: "cost-type"},
		},
		{
			name: "constraints and or-constraints",
			body: `{"multi-cost-types":[{"cost-mode":"numerical","cost-metric":"hopcount"}],"constraints":[],"or-constraints":[["le 1"]],` + eps + `}`,
			err:  &wantErr{code: ErrInvalidFieldValue, field: "or-constraints"},
		},
	}
	runDecodeCases(t, DecodeEndpointCostParams, cases)
}

func TestParsePredicate(t *testing.T) {
	tests := []struct {
		in   string
		want Constraint
		ok   bool
	}{
		{"le 20", Constraint{Op: "le", Value: 20}, true},
		{"[0] le 20", Constraint{Op: "le", Value: 20, Indexed: true}, true},
		{"[12]\tge -1", Constraint{Op: "ge", Value: -1, Index: 12, Indexed: true}, true},
		{" [007] eq 3 ", Constraint{Op: "eq", Value: 3, Index: 7, Indexed: true}, true},
		{"[0]le 20", Constraint{}, false},
		{"[] le 20", Constraint{}, false},
		{"[-1] le 20", Constraint{}, false},
		{"[+1] le 20", Constraint{}, false},
		{"[1 ] le 20", Constraint{}, false},
		{"[1234567890] le 20", Constraint{}, false},
		{"(1) le 20", Constraint{}, false},
		{"[1] ne 20", Constraint{}, false},
		{"[1] le NaN", Constraint{}, false},
		{"[1] le 2 3", Constraint{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParsePredicate("or-constraints", tt.in)
			if !tt.ok {
				e, isALTO := err.(*Error)
				if !isALTO {
					t.Fatalf("ParsePredicate(%q) = %+v, %v; want an *alto.Error", tt.in, got, err)
				}
				if e.Code != ErrInvalidFieldValue || e.Field != "or-constraints" || e.Value != tt.in {
					t.Errorf("error = %s field %q value %q, want E_INVALID_FIELD_VALUE on or-constraints with value %q", e.Code, e.Field, e.Value, tt.in)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParsePredicate(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("ParsePredicate(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
			again, err := ParsePredicate("or-constraints", got.String())
			if err != nil || again != got {
				t.Errorf("ParsePredicate(%q) = %+v, %v; want %+v", got.String(), again, err, got)
			}
		})
	}
}

// FuzzDecodeMultiCost checks the RFC 8189 members of both cost request
// decoders with the properties of fuzzDecoder.
func FuzzDecodeMultiCost(f *testing.F) {
	seeds := []string{
		`{"multi-cost-types":[{"cost-mode":"numerical","cost-metric":"routingcost"},{"cost-mode":"numerical","cost-metric":"shoesize"}],"pids":{"srcs":[],"dsts":[]}}`,
		`{"multi-cost-types":[{"cost-mode":"numerical","cost-metric":"routingcost"}],"or-constraints":[["[0] ge 5","[0] le 10"],["[1] eq 0"]],"pids":{"srcs":["PID1"],"dsts":["PID1","PID2"]}}`,
		`{"cost-type":{"cost-mode":"numerical","cost-metric":"routingcost"},"testable-cost-types":[{"cost-mode":"numerical","cost-metric":"routingcost"},{"cost-mode":"numerical","cost-metric":"shoesize"}],"or-constraints":[["[0] le 10","[1] le 2"],["[0] le 3","[1] le 6"]]}`,
		`{"multi-cost-types":[{"cost-mode":"numerical","cost-metric":"routingcost"}],"testable-cost-types":[{"cost-mode":"numerical","cost-metric":"hopcount"}],"constraints":["[0] le 6"],"endpoints":{"srcs":["ipv4:192.0.2.2"],"dsts":["ipv6:2001:db8::10"]}}`,
		`{"multi-cost-types":[],"or-constraints":[[]]}`,
		`{"cost-type":{"cost-mode":"","cost-metric":""},"multi-cost-types":[{}]}`,
		`{"multi-cost-types":[{"cost-mode":"ordinal","cost-metric":"x"}],"constraints":["[9] lt 1e3"],"or-constraints":[["le 1"]]}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		fuzzDecoder(t, DecodeCostMapFilter, body)
		fuzzDecoder(t, DecodeEndpointCostParams, body)
	})
}
