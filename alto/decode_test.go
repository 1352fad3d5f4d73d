package alto

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// Request bodies of the examples of RFC 7285, Sections 11.3.1.7,
// 11.3.2.7, 11.4.1.7 and 11.5.1.7, as printed there.
const (
	rfcNetworkMapFilter = `{
  "pids": [ "PID1", "PID2" ]
}
`
	rfcCostMapFilter = `{
  "cost-type" : {"cost-mode": "numerical",
                 "cost-metric": "routingcost"
  },
  "pids" : {
    "srcs" : [ "PID1" ],
    "dsts" : [ "PID1", "PID2", "PID3" ]
  }
}
`
	rfcEndpointPropParams = `{
  "properties" : [ "my-default-networkmap.pid",
                   "priv:ietf-example-prop" ],
  "endpoints"  : [ "ipv4:192.0.2.34",
                   "ipv4:203.0.113.129" ]
}
`
	rfcEndpointCostParams = `{
  "cost-type": {"cost-mode" : "ordinal",
                "cost-metric" : "routingcost"},
  "endpoints" : {
    "srcs": [ "ipv4:192.0.2.2" ],
    "dsts": [
      "ipv4:192.0.2.89",
      "ipv4:198.51.100.34",
      "ipv4:203.0.113.45"
    ]
  }
}
`
)

// numRouting is the cost-type member used by the cost requests below.
const numRouting = `"cost-type":{"cost-mode":"numerical","cost-metric":"routingcost"}`

// wantErr is an expected decoding error. Syntax, when set, must occur in
// the SyntaxError text of an ErrSyntax error.
type wantErr struct {
	code   ErrorCode
	field  string
	value  string
	syntax string
}

// decodeCase is one request body and either the decoded value or the
// error it must give.
type decodeCase[T any] struct {
	name string
	body string
	want *T
	err  *wantErr
}

func runDecodeCases[T any](t *testing.T, decode func([]byte) (*T, error), cases []decodeCase[T]) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			got, err := decode([]byte(tt.body))
			if tt.err != nil {
				checkDecodeError(t, got, err, *tt.err)
				return
			}
			if err != nil {
				t.Fatalf("decoding %s: %v", tt.body, err)
			}
			if !equalIgnoringEmpty(got, tt.want) {
				t.Errorf("decoding %s:\n got %+v\nwant %+v", tt.body, got, tt.want)
			}
		})
	}
}

func checkDecodeError[T any](t *testing.T, got *T, err error, want wantErr) {
	t.Helper()
	if err == nil {
		t.Fatalf("got %+v, want error %s", got, want.code)
	}
	if got != nil {
		t.Errorf("got value %+v together with error %v", got, err)
	}
	var ae *Error
	if !errors.As(err, &ae) {
		t.Fatalf("error %v is %T, not *alto.Error", err, err)
	}
	if ae.Code != want.code {
		t.Errorf("code = %s, want %s (%v)", ae.Code, want.code, err)
	}
	if ae.Field != want.field {
		t.Errorf("field = %q, want %q (%v)", ae.Field, want.field, err)
	}
	if ae.Value != want.value {
		t.Errorf("value = %q, want %q (%v)", ae.Value, want.value, err)
	}
	if !strings.Contains(ae.SyntaxError, want.syntax) {
		t.Errorf("syntax-error = %q, want it to contain %q", ae.SyntaxError, want.syntax)
	}
	if ae.Value != "" && ae.Field == "" {
		t.Errorf("value %q without field: RFC 7285, Section 8.5.2 requires the field with the value", ae.Value)
	}
	if ae.HTTPStatus() != 400 {
		t.Errorf("HTTPStatus() = %d, want 400", ae.HTTPStatus())
	}
}

// equalIgnoringEmpty reports whether a and b are deeply equal when every
// empty slice counts as nil, because the decoded requests give an empty
// list and an absent one the same meaning.
func equalIgnoringEmpty(a, b any) bool {
	va, vb := reflect.ValueOf(a), reflect.ValueOf(b)
	return reflect.DeepEqual(withoutEmpty(va).Interface(), withoutEmpty(vb).Interface())
}

// withoutEmpty returns a deep copy of v in which empty slices are nil.
func withoutEmpty(v reflect.Value) reflect.Value {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return v
		}
		p := reflect.New(v.Type().Elem())
		p.Elem().Set(withoutEmpty(v.Elem()))
		return p
	case reflect.Struct:
		out := reflect.New(v.Type()).Elem()
		for i := 0; i < v.NumField(); i++ {
			if out.Field(i).CanSet() {
				out.Field(i).Set(withoutEmpty(v.Field(i)))
			}
		}
		return out
	case reflect.Slice:
		if v.Len() == 0 {
			return reflect.Zero(v.Type())
		}
		out := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := 0; i < v.Len(); i++ {
			out.Index(i).Set(withoutEmpty(v.Index(i)))
		}
		return out
	}
	return v
}

func syntaxErr(position string) *wantErr {
	return &wantErr{code: ErrSyntax, syntax: position}
}

func missing(field string) *wantErr {
	return &wantErr{code: ErrMissingField, field: field}
}

func wrongType(field string) *wantErr {
	return &wantErr{code: ErrInvalidFieldType, field: field}
}

func invalid(field, value string) *wantErr {
	return &wantErr{code: ErrInvalidFieldValue, field: field, value: value}
}

// syntaxCases are malformed bodies that every decoder rejects with
// E_SYNTAX, with the position the syntax-error text must give.
func syntaxCases[T any]() []decodeCase[T] {
	return []decodeCase[T]{
		{name: "empty body", body: "", err: syntaxErr("line 1")},
		{name: "whitespace only", body: " \n ", err: syntaxErr("line 2")},
		{name: "truncated", body: `{"pids": [`, err: syntaxErr("line 1")},
		{name: "trailing comma on line 2", body: "{\n  \"pids\": [\"a\",]\n}", err: syntaxErr("line 2, column 16")},
		{name: "missing colon", body: `{"a" 1}`, err: syntaxErr("line 1, column 6")},
		{name: "second value", body: `{"pids":[]} {}`, err: syntaxErr("line 1, column 13")},
		{name: "error on line 3", body: "{\n\"a\": 1,\n\"b\": tru}", err: syntaxErr("line 3, column 9")},
		{name: "top-level array", body: `[]`, err: syntaxErr("")},
		{name: "top-level null", body: `null`, err: syntaxErr("")},
		{name: "top-level string", body: `"pids"`, err: syntaxErr("")},
		{name: "top-level number", body: `42`, err: syntaxErr("")},
	}
}

func TestDecodeNetworkMapFilter(t *testing.T) {
	cases := []decodeCase[NetworkMapFilter]{
		{name: "RFC example", body: rfcNetworkMapFilter, want: &NetworkMapFilter{PIDs: []string{"PID1", "PID2"}}},
		{name: "empty pids means all", body: `{"pids":[]}`, want: &NetworkMapFilter{}},
		{
			name: "address types",
			body: `{"pids":["PID1"],"address-types":["ipv6"]}`,
			want: &NetworkMapFilter{PIDs: []string{"PID1"}, AddressTypes: []string{"ipv6"}},
		},
		{
			name: "duplicates removed in order",
			body: `{"pids":["B","A","B","A"],"address-types":["ipv6","ipv4","ipv6"]}`,
			want: &NetworkMapFilter{PIDs: []string{"B", "A"}, AddressTypes: []string{"ipv6", "ipv4"}},
		},
		{
			name: "unknown address type ignored",
			body: `{"pids":["A"],"address-types":["ipv5","ipv6"]}`,
			want: &NetworkMapFilter{PIDs: []string{"A"}, AddressTypes: []string{"ipv6"}},
		},
		{
			name: "only unknown address types means all",
			body: `{"pids":["A"],"address-types":["ipv5"]}`,
			want: &NetworkMapFilter{PIDs: []string{"A"}},
		},
		{name: "unknown field ignored", body: `{"pids":["A"],"future":{"x":[1]}}`, want: &NetworkMapFilter{PIDs: []string{"A"}}},
		{name: "escaped PID name", body: `{"pids":["\u0050ID1"]}`, want: &NetworkMapFilter{PIDs: []string{"PID1"}}},
		{name: "64-character PID", body: `{"pids":["` + strings.Repeat("p", 64) + `"]}`, want: &NetworkMapFilter{PIDs: []string{strings.Repeat("p", 64)}}},

		{name: "missing pids", body: `{}`, err: missing("pids")},
		{name: "missing pids with address types", body: `{"address-types":["ipv4"]}`, err: missing("pids")},
		{name: "pids is a string", body: `{"pids":"PID1"}`, err: wrongType("pids")},
		{name: "pids is an object", body: `{"pids":{"srcs":[]}}`, err: wrongType("pids")},
		{name: "pids is null", body: `{"pids":null}`, err: wrongType("pids")},
		{name: "pids element is a number", body: `{"pids":["PID1",2]}`, err: wrongType("pids")},
		{name: "pids element is null", body: `{"pids":["PID1",null]}`, err: wrongType("pids")},
		{name: "pids element is an array", body: `{"pids":[["PID1"]]}`, err: wrongType("pids")},
		{name: "pids element is a boolean", body: `{"pids":[ true ]}`, err: wrongType("pids")},
		{name: "PID with space", body: `{"pids":["PID1","bad name"]}`, err: invalid("pids", "bad name")},
		{name: "PID with reserved dot", body: `{"pids":["a.b"]}`, err: invalid("pids", "a.b")},
		{name: "PID of 65 characters", body: `{"pids":["` + strings.Repeat("p", 65) + `"]}`, err: invalid("pids", strings.Repeat("p", 65))},
		{name: "empty PID", body: `{"pids":[""]}`, err: invalid("pids", "")},
		{name: "address types is a string", body: `{"pids":[],"address-types":"ipv4"}`, err: wrongType("address-types")},
		{name: "address type is a number", body: `{"pids":[],"address-types":[4]}`, err: wrongType("address-types")},
	}
	runDecodeCases(t, DecodeNetworkMapFilter, append(cases, syntaxCases[NetworkMapFilter]()...))
}

func TestDecodeCostMapFilter(t *testing.T) {
	numRoutingType := CostType{Mode: CostModeNumerical, Metric: CostMetricRoutingCost}
	cases := []decodeCase[CostMapFilter]{
		{
			name: "RFC example",
			body: rfcCostMapFilter,
			want: &CostMapFilter{CostType: numRoutingType, PIDs: &PIDFilter{Srcs: []string{"PID1"}, Dsts: []string{"PID1", "PID2", "PID3"}}},
		},
		{name: "no pids", body: `{` + numRouting + `}`, want: &CostMapFilter{CostType: numRoutingType}},
		{
			name: "empty lists mean all",
			body: `{` + numRouting + `,"pids":{"srcs":[],"dsts":[]}}`,
			want: &CostMapFilter{CostType: numRoutingType, PIDs: &PIDFilter{}},
		},
		{
			name: "description ignored",
			body: `{"cost-type":{"cost-mode":"ordinal","cost-metric":"hopcount","description":"hops"}}`,
			want: &CostMapFilter{CostType: CostType{Mode: CostModeOrdinal, Metric: CostMetricHopCount}},
		},
		{
			name: "mode and metric not checked here",
			body: `{"cost-type":{"cost-mode":"foo","cost-metric":"bar"}}`,
			want: &CostMapFilter{CostType: CostType{Mode: "foo", Metric: "bar"}},
		},
		{
			name: "constraints",
			body: `{` + numRouting + `,"constraints":["le 20","ge -1.5","eq 1e2"]}`,
			want: &CostMapFilter{CostType: numRoutingType, Constraints: []Constraint{{Op: "le", Value: 20}, {Op: "ge", Value: -1.5}, {Op: "eq", Value: 100}}},
		},
		{
			name: "duplicate PIDs removed",
			body: `{` + numRouting + `,"pids":{"srcs":["A","A","B"],"dsts":["C","C"]}}`,
			want: &CostMapFilter{CostType: numRoutingType, PIDs: &PIDFilter{Srcs: []string{"A", "B"}, Dsts: []string{"C"}}},
		},

		{name: "missing cost type", body: `{"pids":{"srcs":[],"dsts":[]}}`, err: missing("cost-type")},
		{name: "missing cost mode", body: `{"cost-type":{"cost-metric":"routingcost"}}`, err: missing("cost-type/cost-mode")},
		{name: "missing cost metric", body: `{"cost-type":{"cost-mode":"numerical"}}`, err: missing("cost-type/cost-metric")},
		{name: "cost type is a string", body: `{"cost-type":"numerical"}`, err: wrongType("cost-type")},
		{name: "cost type is an array", body: `{"cost-type":["numerical","routingcost"]}`, err: wrongType("cost-type")},
		{name: "cost mode is a number", body: `{"cost-type":{"cost-mode":1,"cost-metric":"routingcost"}}`, err: wrongType("cost-type/cost-mode")},
		{name: "cost metric is null", body: `{"cost-type":{"cost-mode":"numerical","cost-metric":null}}`, err: wrongType("cost-type/cost-metric")},
		{name: "constraints is a string", body: `{` + numRouting + `,"constraints":"le 5"}`, err: wrongType("constraints")},
		{name: "constraint is a number", body: `{` + numRouting + `,"constraints":[5]}`, err: wrongType("constraints")},
		{name: "constraint without space", body: `{` + numRouting + `,"constraints":["le5"]}`, err: invalid("constraints", "le5")},
		{name: "constraint with unknown operator", body: `{` + numRouting + `,"constraints":["lt 1","ne 2"]}`, err: invalid("constraints", "ne 2")},
		{name: "constraint without number", body: `{` + numRouting + `,"constraints":["le x"]}`, err: invalid("constraints", "le x")},
		{name: "constraint with NaN", body: `{` + numRouting + `,"constraints":["le NaN"]}`, err: invalid("constraints", "le NaN")},
		{name: "constraint with infinity", body: `{` + numRouting + `,"constraints":["le Inf"]}`, err: invalid("constraints", "le Inf")},
		{name: "constraint with two numbers", body: `{` + numRouting + `,"constraints":["le 1 2"]}`, err: invalid("constraints", "le 1 2")},
		{name: "empty constraint", body: `{` + numRouting + `,"constraints":[""]}`, err: invalid("constraints", "")},
		{name: "pids is an array", body: `{` + numRouting + `,"pids":["A"]}`, err: wrongType("pids")},
		{name: "srcs is a string", body: `{` + numRouting + `,"pids":{"srcs":"A","dsts":[]}}`, err: wrongType("pids/srcs")},
		{name: "dsts element is a number", body: `{` + numRouting + `,"pids":{"srcs":[],"dsts":[1]}}`, err: wrongType("pids/dsts")},
		{name: "invalid source PID", body: `{` + numRouting + `,"pids":{"srcs":["a b"],"dsts":[]}}`, err: invalid("pids/srcs", "a b")},
		{name: "invalid destination PID", body: `{` + numRouting + `,"pids":{"srcs":[],"dsts":["a.b"]}}`, err: invalid("pids/dsts", "a.b")},
		// PIDFilter has no optional members (RFC 7285, Section 11.3.2.3),
		// so a "pids" object needs both lists.
		{name: "pids without srcs", body: `{` + numRouting + `,"pids":{"dsts":["A"]}}`, err: missing("pids/srcs")},
		{name: "pids without dsts", body: `{` + numRouting + `,"pids":{"srcs":["A"]}}`, err: missing("pids/dsts")},
	}
	runDecodeCases(t, DecodeCostMapFilter, append(cases, syntaxCases[CostMapFilter]()...))
}

func TestDecodeEndpointPropParams(t *testing.T) {
	cases := []decodeCase[EndpointPropParams]{
		{
			name: "RFC example",
			body: rfcEndpointPropParams,
			want: &EndpointPropParams{
				Properties: []string{"my-default-networkmap.pid", "priv:ietf-example-prop"},
				Endpoints:  []string{"ipv4:192.0.2.34", "ipv4:203.0.113.129"},
			},
		},
		{
			name: "ipv6 endpoints kept as spelled",
			body: `{"properties":["net.pid"],"endpoints":["ipv6:2001:DB8::1","ipv6:2001:db8::1"]}`,
			want: &EndpointPropParams{Properties: []string{"net.pid"}, Endpoints: []string{"ipv6:2001:DB8::1", "ipv6:2001:db8::1"}},
		},
		{
			name: "duplicates removed",
			body: `{"properties":["net.pid","net.pid"],"endpoints":["ipv4:192.0.2.1","ipv4:192.0.2.1","ipv4:192.0.2.2"]}`,
			want: &EndpointPropParams{Properties: []string{"net.pid"}, Endpoints: []string{"ipv4:192.0.2.1", "ipv4:192.0.2.2"}},
		},

		{name: "missing properties", body: `{"endpoints":["ipv4:192.0.2.1"]}`, err: missing("properties")},
		{name: "missing endpoints", body: `{"properties":["net.pid"]}`, err: missing("endpoints")},
		{name: "properties is a string", body: `{"properties":"net.pid","endpoints":["ipv4:192.0.2.1"]}`, err: wrongType("properties")},
		{name: "no properties", body: `{"properties":[],"endpoints":["ipv4:192.0.2.1"]}`, err: invalid("properties", "[]")},
		{name: "property with two dots", body: `{"properties":["a.b.c"],"endpoints":["ipv4:192.0.2.1"]}`, err: invalid("properties", "a.b.c")},
		{name: "bare priv property", body: `{"properties":["priv:"],"endpoints":["ipv4:192.0.2.1"]}`, err: invalid("properties", "priv:")},
		{name: "property is a number", body: `{"properties":[1],"endpoints":["ipv4:192.0.2.1"]}`, err: wrongType("properties")},
		{name: "endpoints is a string", body: `{"properties":["net.pid"],"endpoints":"ipv4:192.0.2.1"}`, err: wrongType("endpoints")},
		{name: "endpoints is an object", body: `{"properties":["net.pid"],"endpoints":{"srcs":[]}}`, err: wrongType("endpoints")},
		{name: "no endpoints", body: `{"properties":["net.pid"],"endpoints":[]}`, err: invalid("endpoints", "[]")},
		{name: "endpoint is a boolean", body: `{"properties":["net.pid"],"endpoints":[true]}`, err: wrongType("endpoints")},
	}
	for _, bad := range rejectedAddrs {
		cases = append(cases, decodeCase[EndpointPropParams]{
			name: "endpoint " + bad,
			body: `{"properties":["net.pid"],"endpoints":["ipv4:192.0.2.1",` + jsonString(bad) + `]}`,
			err:  invalid("endpoints", bad),
		})
	}
	runDecodeCases(t, DecodeEndpointPropParams, append(cases, syntaxCases[EndpointPropParams]()...))
}

// rejectedAddrs are endpoint addresses that are not typed addresses of
// RFC 7285, Section 10.4.
var rejectedAddrs = []string{
	"ipv4:2001:db8::1",
	"ipv6:192.0.2.1",
	"ipv5:1.2.3.4",
	"192.0.2.1",
	"ipv6:fe80::1%eth0",
	"ipv4:192.0.2.0/24",
	"ipv4:",
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestDecodeEndpointCostParams(t *testing.T) {
	ordRouting := CostType{Mode: CostModeOrdinal, Metric: CostMetricRoutingCost}
	numRoutingType := CostType{Mode: CostModeNumerical, Metric: CostMetricRoutingCost}
	cases := []decodeCase[EndpointCostParams]{
		{
			name: "RFC example",
			body: rfcEndpointCostParams,
			want: &EndpointCostParams{CostType: ordRouting, Endpoints: EndpointFilter{
				Srcs: []string{"ipv4:192.0.2.2"},
				Dsts: []string{"ipv4:192.0.2.89", "ipv4:198.51.100.34", "ipv4:203.0.113.45"},
			}},
		},
		{
			name: "sources absent",
			body: `{` + numRouting + `,"endpoints":{"dsts":["ipv6:2001:db8::1"]}}`,
			want: &EndpointCostParams{CostType: numRoutingType, Endpoints: EndpointFilter{Dsts: []string{"ipv6:2001:db8::1"}}},
		},
		{
			name: "destinations empty",
			body: `{` + numRouting + `,"endpoints":{"srcs":["ipv4:192.0.2.1"],"dsts":[]}}`,
			want: &EndpointCostParams{CostType: numRoutingType, Endpoints: EndpointFilter{Srcs: []string{"ipv4:192.0.2.1"}}},
		},
		{
			name: "duplicates removed",
			body: `{` + numRouting + `,"endpoints":{"srcs":["ipv4:192.0.2.1","ipv4:192.0.2.1"],"dsts":["ipv4:192.0.2.2","ipv4:192.0.2.3","ipv4:192.0.2.2"]}}`,
			want: &EndpointCostParams{CostType: numRoutingType, Endpoints: EndpointFilter{
				Srcs: []string{"ipv4:192.0.2.1"},
				Dsts: []string{"ipv4:192.0.2.2", "ipv4:192.0.2.3"},
			}},
		},
		{
			name: "constraints",
			body: `{` + numRouting + `,"constraints":["gt 0"],"endpoints":{"srcs":["ipv4:192.0.2.1"]}}`,
			want: &EndpointCostParams{CostType: numRoutingType, Constraints: []Constraint{{Op: "gt", Value: 0}}, Endpoints: EndpointFilter{Srcs: []string{"ipv4:192.0.2.1"}}},
		},

		{name: "missing cost type", body: `{"endpoints":{"srcs":["ipv4:192.0.2.1"]}}`, err: missing("cost-type")},
		{name: "missing cost mode", body: `{"cost-type":{"cost-metric":"routingcost"},"endpoints":{"srcs":["ipv4:192.0.2.1"]}}`, err: missing("cost-type/cost-mode")},
		{name: "missing cost metric", body: `{"cost-type":{"cost-mode":"ordinal"},"endpoints":{"srcs":["ipv4:192.0.2.1"]}}`, err: missing("cost-type/cost-metric")},
		{name: "missing endpoints", body: `{` + numRouting + `}`, err: missing("endpoints")},
		{name: "endpoints is an array", body: `{` + numRouting + `,"endpoints":["ipv4:192.0.2.1"]}`, err: wrongType("endpoints")},
		{name: "srcs is a string", body: `{` + numRouting + `,"endpoints":{"srcs":"ipv4:192.0.2.1"}}`, err: wrongType("endpoints/srcs")},
		{name: "dsts element is a number", body: `{` + numRouting + `,"endpoints":{"dsts":[17]}}`, err: wrongType("endpoints/dsts")},
		{name: "both lists absent", body: `{` + numRouting + `,"endpoints":{}}`, err: invalid("endpoints", "{}")},
		{name: "both lists empty", body: `{` + numRouting + `,"endpoints":{"srcs":[],"dsts":[]}}`, err: invalid("endpoints", "{}")},
		{name: "malformed constraint", body: `{` + numRouting + `,"constraints":["less 3"],"endpoints":{"srcs":["ipv4:192.0.2.1"]}}`, err: invalid("constraints", "less 3")},
	}
	for _, bad := range rejectedAddrs {
		cases = append(cases,
			decodeCase[EndpointCostParams]{
				name: "source " + bad,
				body: `{` + numRouting + `,"endpoints":{"srcs":[` + jsonString(bad) + `],"dsts":["ipv4:192.0.2.1"]}}`,
				err:  invalid("endpoints/srcs", bad),
			},
			decodeCase[EndpointCostParams]{
				name: "destination " + bad,
				body: `{` + numRouting + `,"endpoints":{"srcs":["ipv4:192.0.2.1"],"dsts":[` + jsonString(bad) + `]}}`,
				err:  invalid("endpoints/dsts", bad),
			})
	}
	runDecodeCases(t, DecodeEndpointCostParams, append(cases, syntaxCases[EndpointCostParams]()...))
}

func TestParseConstraint(t *testing.T) {
	tests := []struct {
		in   string
		want Constraint
		ok   bool
	}{
		{"le 20", Constraint{Op: "le", Value: 20}, true},
		{"lt -1.5", Constraint{Op: "lt", Value: -1.5}, true},
		{"gt 0", Constraint{Op: "gt", Value: 0}, true},
		{"ge 1e3", Constraint{Op: "ge", Value: 1000}, true},
		{"eq 0.25", Constraint{Op: "eq", Value: 0.25}, true},
		{"le\t20", Constraint{Op: "le", Value: 20}, true},
		{"  le   20  ", Constraint{Op: "le", Value: 20}, true},
		{"LE 20", Constraint{}, false},
		{"ne 5", Constraint{}, false},
		{"le", Constraint{}, false},
		{"20", Constraint{}, false},
		{"le 20 30", Constraint{}, false},
		{"le20", Constraint{}, false},
		{"le twenty", Constraint{}, false},
		{"le 1e400", Constraint{}, false},
		{"le NaN", Constraint{}, false},
		{"le +Inf", Constraint{}, false},
		{"le -infinity", Constraint{}, false},
		{"", Constraint{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseConstraint(tt.in)
			if !tt.ok {
				var ae *Error
				if !errors.As(err, &ae) {
					t.Fatalf("ParseConstraint(%q) = %v, %v; want an *alto.Error", tt.in, got, err)
				}
				if ae.Code != ErrInvalidFieldValue || ae.Field != "constraints" || ae.Value != tt.in {
					t.Errorf("error = %s field %q value %q, want E_INVALID_FIELD_VALUE field \"constraints\" value %q", ae.Code, ae.Field, ae.Value, tt.in)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseConstraint(%q): %v", tt.in, err)
			}
			if got != tt.want {
				t.Errorf("ParseConstraint(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestConstraintMatch(t *testing.T) {
	tests := []struct {
		c    Constraint
		cost float64
		want bool
	}{
		{Constraint{Op: "lt", Value: 5}, 4, true},
		{Constraint{Op: "lt", Value: 5}, 5, false},
		{Constraint{Op: "le", Value: 5}, 5, true},
		{Constraint{Op: "le", Value: 5}, 5.5, false},
		{Constraint{Op: "gt", Value: 5}, 5, false},
		{Constraint{Op: "gt", Value: 5}, 6, true},
		{Constraint{Op: "ge", Value: 5}, 5, true},
		{Constraint{Op: "ge", Value: 5}, 4.9, false},
		{Constraint{Op: "eq", Value: 5}, 5, true},
		{Constraint{Op: "eq", Value: 5}, 5.0001, false},
	}
	for _, tt := range tests {
		t.Run(tt.c.String(), func(t *testing.T) {
			if got := tt.c.Match(tt.cost); got != tt.want {
				t.Errorf("%v.Match(%v) = %v, want %v", tt.c, tt.cost, got, tt.want)
			}
		})
	}
}

func TestConstraintJSON(t *testing.T) {
	in := []Constraint{{Op: "le", Value: 20}, {Op: "gt", Value: -0.5}, {Op: "eq", Value: 1e-9}, {Op: "ge", Value: 1e21}}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatalf("Marshal: %v", err)
	}
	if want := `["le 20","gt -0.5","eq 1e-09","ge 1e+21"]`; string(b) != want {
		t.Errorf("Marshal = %s, want %s", b, want)
	}
	var out []Constraint
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("Unmarshal(%s): %v", b, err)
	}
	if !slices.Equal(in, out) {
		t.Errorf("round trip = %v, want %v", out, in)
	}

	var bad []Constraint
	err = json.Unmarshal([]byte(`["le 1","maybe 2"]`), &bad)
	var ae *Error
	if !errors.As(err, &ae) || ae.Code != ErrInvalidFieldValue || ae.Value != "maybe 2" {
		t.Errorf("Unmarshal of a bad constraint: %v, want E_INVALID_FIELD_VALUE value \"maybe 2\"", err)
	}
}

func TestDedupe(t *testing.T) {
	tests := []struct {
		name string
		in   []string
		want []string
	}{
		{"nil", nil, nil},
		{"one", []string{"a"}, []string{"a"}},
		{"no duplicates", []string{"b", "a"}, []string{"b", "a"}},
		{"first occurrence kept", []string{"b", "a", "b", "c", "a"}, []string{"b", "a", "c"}},
		{"all the same", []string{"x", "x", "x"}, []string{"x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := dedupe(slices.Clone(tt.in))
			if !slices.Equal(got, tt.want) {
				t.Errorf("dedupe(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestStringArrayElementTypeMessage(t *testing.T) {
	_, err := DecodeNetworkMapFilter([]byte(`{"pids":["PID1",2]}`))
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error = %v, want *alto.Error", err)
	}
	if e.Code != ErrInvalidFieldType || e.Field != "pids" {
		t.Errorf("error = %v, want E_INVALID_FIELD_TYPE on pids", e)
	}
	if want := "element 1 must be a JSON string, not number"; e.Message != want {
		t.Errorf("message = %q, want %q", e.Message, want)
	}
}
