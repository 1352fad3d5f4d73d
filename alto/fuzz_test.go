package alto

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
)

// The fuzz targets check three properties of each decoder: it never
// panics, every failure is an *Error with a code of RFC 7285, Section
// 8.5.2, and a decoded request, encoded with encoding/json and decoded
// again, gives an equal request.

// addBodies adds the seed bodies shared by the request decoders: the
// RFC 7285 example of the service, then a few broken variants of it.
func addBodies(f *testing.F, example string, more ...string) {
	f.Add([]byte(example))
	for _, s := range more {
		f.Add([]byte(s))
	}
	broken := []string{
		"",
		"null",
		"[]",
		`{"a" 1}`,
		example[:len(example)/2],
		strings.Replace(example, ":", ",", 1),
		strings.Replace(example, `"`, `'`, 2),
		example + "{}",
	}
	for _, s := range broken {
		f.Add([]byte(s))
	}
}

// checkALTOError fails unless err is an *Error with a known code whose
// value, if any, comes with a field.
func checkALTOError(t *testing.T, body []byte, err error) {
	t.Helper()
	var ae *Error
	if !errors.As(err, &ae) {
		t.Fatalf("decoding %q: error %v is %T, not *alto.Error", body, err, err)
	}
	if _, ok := ParseErrorCode(ae.Code.String()); !ok {
		t.Fatalf("decoding %q: unknown error code %s", body, ae.Code)
	}
	if ae.Value != "" && ae.Field == "" {
		t.Fatalf("decoding %q: value %q without field", body, ae.Value)
	}
}

// fuzzDecoder runs the properties of a request decoder on one body.
func fuzzDecoder[T any](t *testing.T, decode func([]byte) (*T, error), body []byte) {
	got, err := decode(body)
	if err != nil {
		checkALTOError(t, body, err)
		return
	}
	if got == nil {
		t.Fatalf("decoding %q: nil value and nil error", body)
	}
	encoded, err := json.Marshal(got)
	if err != nil {
		t.Fatalf("encoding %+v: %v", got, err)
	}
	again, err := decode(encoded)
	if err != nil {
		t.Fatalf("decoding %q gave %+v, whose encoding %s does not decode: %v", body, got, encoded, err)
	}
	if !equalIgnoringEmpty(got, again) {
		t.Fatalf("decoding %q gave %+v, but its encoding %s decodes to %+v", body, got, encoded, again)
	}
}

func FuzzDecodeNetworkMapFilter(f *testing.F) {
	addBodies(f, rfcNetworkMapFilter,
		`{"pids":[]}`,
		`{"pids":["PID1","PID1"],"address-types":["ipv4","ipv6"]}`,
		`{"pids":["PID1",2]}`,
		`{"pids":"PID1"}`,
	)
	f.Fuzz(func(t *testing.T, body []byte) {
		fuzzDecoder(t, DecodeNetworkMapFilter, body)
	})
}

func FuzzDecodeCostMapFilter(f *testing.F) {
	addBodies(f, rfcCostMapFilter,
		`{"cost-type":{"cost-mode":"ordinal","cost-metric":"hopcount"},"constraints":["le 20","ge 1"]}`,
		`{"cost-type":{"cost-mode":"numerical","cost-metric":"routingcost"},"pids":{"srcs":[],"dsts":[]}}`,
		`{"cost-type":{"cost-mode":"numerical"}}`,
		`{"cost-type":{"cost-mode":"numerical","cost-metric":"routingcost"},"constraints":["le5"]}`,
	)
	f.Fuzz(func(t *testing.T, body []byte) {
		fuzzDecoder(t, DecodeCostMapFilter, body)
	})
}

func FuzzDecodeEndpointPropParams(f *testing.F) {
	addBodies(f, rfcEndpointPropParams,
		`{"properties":["net.pid"],"endpoints":["ipv6:2001:db8::1","ipv6:2001:db8::1"]}`,
		`{"properties":[],"endpoints":["ipv4:192.0.2.1"]}`,
		`{"properties":["net.pid"],"endpoints":["ipv6:fe80::1%eth0"]}`,
	)
	f.Fuzz(func(t *testing.T, body []byte) {
		fuzzDecoder(t, DecodeEndpointPropParams, body)
	})
}

func FuzzDecodeEndpointCostParams(f *testing.F) {
	addBodies(f, rfcEndpointCostParams,
		`{"cost-type":{"cost-mode":"numerical","cost-metric":"routingcost"},"endpoints":{"dsts":["ipv6:2001:db8::1"]}}`,
		`{"cost-type":{"cost-mode":"numerical","cost-metric":"routingcost"},"constraints":["gt 0"],"endpoints":{"srcs":["ipv4:192.0.2.1"]}}`,
		`{"cost-type":{"cost-mode":"numerical","cost-metric":"routingcost"},"endpoints":{}}`,
		`{"cost-type":{"cost-mode":"numerical","cost-metric":"routingcost"},"endpoints":{"srcs":["ipv6:192.0.2.1"]}}`,
	)
	f.Fuzz(func(t *testing.T, body []byte) {
		fuzzDecoder(t, DecodeEndpointCostParams, body)
	})
}

func FuzzParseTypedAddr(f *testing.F) {
	for _, s := range []string{
		"ipv4:192.0.2.34", "ipv4:203.0.113.129", "ipv6:2001:db8::1", "ipv6:::ffff:192.0.2.1",
		"ipv4:2001:db8::1", "ipv6:192.0.2.1", "ipv5:1.2.3.4", "192.0.2.1", "ipv6:fe80::1%eth0", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, ok := ParseTypedAddr(s)
		if !ok {
			if a != (TypedAddr{}) {
				t.Fatalf("ParseTypedAddr(%q) = %+v with ok false", s, a)
			}
			return
		}
		if a.Addr.Zone() != "" {
			t.Fatalf("ParseTypedAddr(%q) kept zone %q", s, a.Addr.Zone())
		}
		if (a.Type == AddressTypeIPv4) != a.Addr.Is4() || (a.Type == AddressTypeIPv6) != a.Addr.Is6() {
			t.Fatalf("ParseTypedAddr(%q) = type %q with address %v", s, a.Type, a.Addr)
		}
		again, ok := ParseTypedAddr(a.String())
		if !ok || again != a {
			t.Fatalf("ParseTypedAddr(%q) = %+v, but its text %q parses to %+v, %v", s, a, a.String(), again, ok)
		}
	})
}

func FuzzParseConstraint(f *testing.F) {
	for _, s := range []string{"le 20", "ge -1.5", "eq 1e3", "lt 0", "gt 100", "le5", "ne 2", "le NaN", "le 1e400", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseConstraint(s)
		if err != nil {
			checkALTOError(t, []byte(s), err)
			var ae *Error
			errors.As(err, &ae)
			if ae.Code != ErrInvalidFieldValue || ae.Field != "constraints" || ae.Value != s {
				t.Fatalf("ParseConstraint(%q): error %v, want E_INVALID_FIELD_VALUE on constraints with the input as value", s, err)
			}
			return
		}
		if math.IsNaN(c.Value) || math.IsInf(c.Value, 0) {
			t.Fatalf("ParseConstraint(%q) = %+v, want a finite target", s, c)
		}
		b, err := json.Marshal(c)
		if err != nil {
			t.Fatalf("encoding %+v: %v", c, err)
		}
		var again Constraint
		if err := json.Unmarshal(b, &again); err != nil {
			t.Fatalf("ParseConstraint(%q) = %+v, but its encoding %s does not decode: %v", s, c, b, err)
		}
		if again.Op != c.Op || math.Float64bits(again.Value) != math.Float64bits(c.Value) {
			t.Fatalf("ParseConstraint(%q) = %+v, but its encoding %s decodes to %+v", s, c, b, again)
		}
	})
}
