package alto

import (
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func TestCountElements(t *testing.T) {
	tests := []struct {
		name, raw string
		want      int
	}{
		{"empty", "[]", 0},
		{"empty with spaces", "[ \n ]", 0},
		{"one string", `["a"]`, 1},
		{"strings with commas and brackets", `["a,b", "c]\",[", "d"]`, 3},
		{"nested values", `[[1,2], {"a":1,"b":[3]}, 4]`, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := countElements([]byte(tc.raw)); got != tc.want {
				t.Errorf("countElements(%s) = %d, want %d", tc.raw, got, tc.want)
			}
		})
	}
}

func TestDecodeLimit(t *testing.T) {
	list := func(n int) string {
		names := make([]string, n)
		for i := range names {
			names[i] = `"p` + strconv.Itoa(i) + `"`
		}
		return "[" + strings.Join(names, ", ") + "]"
	}
	const costType = `"cost-type": {"cost-mode": "numerical", "cost-metric": "routingcost"}`
	tests := []struct {
		name      string
		decode    func() error
		wantField string // empty when the request passes
	}{
		{"network map at the limit", func() error {
			_, err := DecodeNetworkMapFilterLimit([]byte(`{"pids": `+list(3)+`}`), 3)
			return err
		}, ""},
		{"network map over the limit", func() error {
			_, err := DecodeNetworkMapFilterLimit([]byte(`{"pids": `+list(4)+`}`), 3)
			return err
		}, "pids"},
		{"cost map srcs over the limit", func() error {
			_, err := DecodeCostMapFilterLimit([]byte(`{`+costType+`, "pids": {"srcs": `+list(4)+`, "dsts": []}}`), 3)
			return err
		}, "pids/srcs"},
		{"cost map dsts over the limit", func() error {
			_, err := DecodeCostMapFilterLimit([]byte(`{`+costType+`, "pids": {"srcs": [], "dsts": `+list(5)+`}}`), 3)
			return err
		}, "pids/dsts"},
		{"duplicates count once", func() error {
			_, err := DecodeNetworkMapFilterLimit([]byte(`{"pids": ["a", "b", "a", "b", "a"]}`), 2)
			return err
		}, ""},
		{"escaped duplicates count once", func() error {
			_, err := DecodeNetworkMapFilterLimit([]byte(`{"pids": ["a", "\u0061", "a", "b"]}`), 2)
			return err
		}, ""},
		{"endpoint property list over the limit", func() error {
			_, err := DecodeEndpointPropParamsLimit([]byte(`{"properties": ["p"], "endpoints": `+list(4)+`}`), 3)
			return err
		}, "endpoints"},
		{"endpoint cost srcs over the limit", func() error {
			_, err := DecodeEndpointCostParamsLimit([]byte(`{`+costType+`, "endpoints": {"srcs": `+list(4)+`, "dsts": []}}`), 3)
			return err
		}, "endpoints/srcs"},
		{"endpoint cost dsts over the limit", func() error {
			_, err := DecodeEndpointCostParamsLimit([]byte(`{`+costType+`, "endpoints": {"srcs": ["ipv4:192.0.2.1"], "dsts": `+list(4)+`}}`), 3)
			return err
		}, "endpoints/dsts"},
		{"endpoint cost at the limit", func() error {
			_, err := DecodeEndpointCostParamsLimit([]byte(`{`+costType+`, "endpoints": {"srcs": ["ipv4:192.0.2.1", "ipv4:192.0.2.2", "ipv4:192.0.2.3"], "dsts": []}}`), 3)
			return err
		}, ""},
		{"endpoint cost duplicates count once", func() error {
			_, err := DecodeEndpointCostParamsLimit([]byte(`{`+costType+`, "endpoints": {"srcs": ["ipv4:192.0.2.1", "ipv4:192.0.2.1", "ipv4:192.0.2.1", "ipv4:192.0.2.2"], "dsts": []}}`), 1)
			return err
		}, "endpoints/srcs"},
		{"property map entities over the limit", func() error {
			_, err := DecodePropertyMapParamsLimit([]byte(`{"entities": `+list(4)+`}`), 3)
			return err
		}, "entities"},
		{"property map entities at the limit", func() error {
			_, err := DecodePropertyMapParamsLimit([]byte(`{"entities": `+list(3)+`, "properties": []}`), 3)
			return err
		}, ""},
		{"path vector pids over the limit", func() error {
			_, err := DecodePVCostMapFilterLimit([]byte(`{`+costType+`, "pids": {"srcs": `+list(4)+`, "dsts": []}}`), 3, 0)
			return err
		}, "pids/srcs"},
		{"path vector endpoints over the limit", func() error {
			_, err := DecodePVEndpointCostParamsLimit([]byte(`{`+costType+`, "endpoints": {"srcs": [], "dsts": `+list(4)+`}}`), 3, 0)
			return err
		}, "endpoints/dsts"},
		{"ane-property-names over the limit", func() error {
			_, err := DecodePVCostMapFilterLimit([]byte(`{`+costType+`, "ane-property-names": `+list(4)+`}`), 0, 3)
			return err
		}, "ane-property-names"},
		{"escaped ane-property-names over the limit", func() error {
			_, err := DecodePVCostMapFilterLimit([]byte(`{`+costType+`, "ane-property-names": ["\u0061", "b", "c", "d"]}`), 0, 3)
			return err
		}, "ane-property-names"},
		{"ane-property-names at the limit", func() error {
			_, err := DecodePVEndpointCostParamsLimit([]byte(`{`+costType+`, "endpoints": {"srcs": ["ipv4:192.0.2.1"]}, "ane-property-names": `+list(3)+`}`), 0, 3)
			return err
		}, ""},
		{"cost map without a limit", func() error {
			_, err := DecodeCostMapFilter([]byte(`{` + costType + `, "pids": {"srcs": ` + list(5) + `, "dsts": []}}`))
			return err
		}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.decode()
			if tc.wantField == "" {
				if err != nil {
					t.Fatalf("err = %v, want none", err)
				}
				return
			}
			var ae *Error
			if !errors.As(err, &ae) {
				t.Fatalf("err = %v, want an ALTO error", err)
			}
			if ae.Code != ErrInvalidFieldValue || ae.Field != tc.wantField {
				t.Errorf("error = %s on %q, want %s on %q", ae.Code, ae.Field, ErrInvalidFieldValue, tc.wantField)
			}
		})
	}
}

// TestDecodeLimitBeforeEntries checks that a list over its limit gets
// the limit's error although its entries are invalid, which shows that
// the entries were not decoded and checked first.
func TestDecodeLimitBeforeEntries(t *testing.T) {
	const costType = `"cost-type": {"cost-mode": "numerical", "cost-metric": "routingcost"}`
	const bad = `["x1", "x2", "x3"]`
	tests := []struct {
		name   string
		decode func() error
		field  string
	}{
		{"endpoint property", func() error {
			_, err := DecodeEndpointPropParamsLimit([]byte(`{"properties": ["p"], "endpoints": `+bad+`}`), 2)
			return err
		}, "endpoints"},
		{"endpoint cost fast path", func() error {
			_, err := DecodeEndpointCostParamsLimit([]byte(`{`+costType+`, "endpoints": {"srcs": `+bad+`}}`), 2)
			return err
		}, "endpoints/srcs"},
		{"property map", func() error {
			_, err := DecodePropertyMapParamsLimit([]byte(`{"entities": `+bad+`, "properties": ["bad name!"]}`), 2)
			return err
		}, "entities"},
		{"ane-property-names", func() error {
			_, err := DecodePVCostMapFilterLimit([]byte(`{`+costType+`, "ane-property-names": ["bad name!", "x", "y"]}`), 0, 2)
			return err
		}, "ane-property-names"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var ae *Error
			if err := tc.decode(); !errors.As(err, &ae) {
				t.Fatalf("err = %v, want an ALTO error", err)
			}
			if ae.Field != tc.field || ae.Value != "3" {
				t.Errorf("error on %q with value %q, want %q with value 3", ae.Field, ae.Value, tc.field)
			}
		})
	}
}

func TestCheckCostCounts(t *testing.T) {
	ct := CostType{Mode: "numerical", Metric: "routingcost"}
	le := Constraint{Op: "le", Value: 1}
	tests := []struct {
		name     string
		multi    []CostType
		testable []CostType
		cs       []Constraint
		or       [][]Constraint
		field    string // empty when the request passes
	}{
		{"at every limit", []CostType{ct, ct}, []CostType{ct, ct}, []Constraint{le, le}, [][]Constraint{{le}, {le}}, ""},
		{"multi-cost-types over", []CostType{ct, ct, ct}, nil, nil, nil, "multi-cost-types"},
		{"testable-cost-types over", nil, []CostType{ct, ct, ct}, nil, nil, "testable-cost-types"},
		{"constraints over", nil, nil, []Constraint{le, le, le}, nil, "constraints"},
		{"or-constraints over in total", nil, nil, nil, [][]Constraint{{le, le}, {le}}, "or-constraints"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckCostCounts(2, 2, tc.multi, tc.testable, tc.cs, tc.or)
			switch {
			case tc.field == "" && err != nil:
				t.Fatalf("err = %v, want none", err)
			case tc.field == "":
			case err == nil:
				t.Fatalf("no error, want one on %q", tc.field)
			case err.Code != ErrInvalidFieldValue || err.Field != tc.field || err.Value != "3":
				t.Errorf("error = %s on %q with value %q, want %s on %q with value 3", err.Code, err.Field, err.Value, ErrInvalidFieldValue, tc.field)
			}
		})
	}
}

// FuzzEndpointCostLimit checks the count before decoding against a full
// decode: with a limit of 2, a request gets either the result of the
// decoder without a limit, or a limit error on a list that holds more
// than 2 distinct strings when the body is decoded generically.
func FuzzEndpointCostLimit(f *testing.F) {
	const limit = 2
	for _, s := range endpointCostSeeds {
		f.Add([]byte(s))
	}
	f.Add([]byte(`{"cost-type":{"cost-mode":"numerical","cost-metric":"x"},"endpoints":{"srcs":["ipv4:192.0.2.1","ipv4:192.0.2.2","ipv4:192.0.2.3"]}}`))
	f.Add([]byte(`{"cost-type":{"cost-mode":"numerical","cost-metric":"x"},"endpoints":{"dsts":["a","a","a"],"srcs":["b","c","d"]}}`))
	f.Add([]byte(`{"endpoints":{"srcs":["a","b","c"]},"endpoints":{"srcs":[]}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		got, err := DecodeEndpointCostParamsLimit(body, limit)
		var ae *Error
		if errors.As(err, &ae) && strings.HasSuffix(ae.Message, "; this server accepts at most 2") && strings.HasPrefix(ae.Field, "endpoints/") {
			if n := distinctStrings(t, body, ae.Field); n <= limit {
				t.Fatalf("%q: limit error on %s, but the list has %d distinct strings", body, ae.Field, n)
			}
			return
		}
		want, wantErr := DecodeEndpointCostParams(body)
		if !reflect.DeepEqual(got, want) || !reflect.DeepEqual(err, wantErr) {
			t.Fatalf("%q: with the limit %+v, %v; without %+v, %v", body, got, err, want, wantErr)
		}
	})
}

// distinctStrings decodes body with encoding/json and counts the
// distinct strings of the array at path, such as "endpoints/srcs".
func distinctStrings(t *testing.T, body []byte, path string) int {
	t.Helper()
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("%q: limit error on an invalid body: %v", body, err)
	}
	for name := range strings.SplitSeq(path, "/") {
		obj, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("%q: no object above %s", body, path)
		}
		v = obj[name]
	}
	list, _ := v.([]any)
	seen := map[string]bool{}
	for _, e := range list {
		if s, ok := e.(string); ok {
			seen[s] = true
		}
	}
	return len(seen)
}
