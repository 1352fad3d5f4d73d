package alto

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// rfcPropertyMapParams is the request of RFC 9240, Section 10.5, as
// printed there.
const rfcPropertyMapParams = `{
  "entities" : [ "ipv4:192.0.2.0",
                 "ipv4:192.0.2.1",
                 "ipv4:192.0.2.17" ],
  "properties" : [ ".ISP", ".ASN", ".state" ]
}
`

func TestDecodePropertyMapParams(t *testing.T) {
	tests := []struct {
		name           string
		body           string
		entities, prop []string
		propertiesNil  bool // properties absent: only which entities have values
	}{
		{"RFC 9240 example", rfcPropertyMapParams, []string{"ipv4:192.0.2.0", "ipv4:192.0.2.1", "ipv4:192.0.2.17"}, []string{".ISP", ".ASN", ".state"}, false},
		{"no properties member", `{"entities":["ipv4:192.0.2.0"]}`, []string{"ipv4:192.0.2.0"}, nil, true},
		{"empty properties", `{"entities":["ipv4:192.0.2.0"],"properties":[]}`, []string{"ipv4:192.0.2.0"}, []string{}, false},
		{"empty entities", `{"entities":[],"properties":["x"]}`, []string{}, []string{"x"}, false},
		{"repeated entries", `{"entities":["a:1","a:1","b:2"],"properties":["x","x"]}`, []string{"a:1", "b:2"}, []string{"x"}, false},
		{"unknown member ignored", `{"entities":["a:1"],"extra":null}`, []string{"a:1"}, nil, true},
		{"entity with null in it", `{"entities":[".ane:null"]}`, []string{".ane:null"}, nil, true},
		{"key spelled in capitals", `{"entities":["a:1"],"Properties":["x"]}`, []string{"a:1"}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodePropertyMapParams([]byte(tt.body))
			if err != nil {
				t.Fatalf("decoding %s: %v", tt.body, err)
			}
			if !slices.Equal(got.Entities, tt.entities) {
				t.Errorf("entities %q, want %q", got.Entities, tt.entities)
			}
			if (got.Properties == nil) != tt.propertiesNil {
				t.Errorf("properties nil = %v, want %v", got.Properties == nil, tt.propertiesNil)
			}
			if !slices.Equal(got.Properties, tt.prop) {
				t.Errorf("properties %q, want %q", got.Properties, tt.prop)
			}
		})
	}
}

func TestDecodePropertyMapParamsErrors(t *testing.T) {
	tests := []struct {
		name string
		body string
		want wantErr
	}{
		{"missing entities", `{"properties":["x"]}`, wantErr{code: ErrMissingField, field: "entities"}},
		{"entities null", `{"entities":null}`, wantErr{code: ErrInvalidFieldType, field: "entities"}},
		{"entities a string", `{"entities":"ipv4:192.0.2.1"}`, wantErr{code: ErrInvalidFieldType, field: "entities"}},
		{"entity a number", `{"entities":[7]}`, wantErr{code: ErrInvalidFieldType, field: "entities"}},
		{"properties an object", `{"entities":[],"properties":{}}`, wantErr{code: ErrInvalidFieldType, field: "properties"}},
		{"property null", `{"entities":[],"properties":[null]}`, wantErr{code: ErrInvalidFieldType, field: "properties"}},
		{"bad property name", `{"entities":[],"properties":["a b"]}`, wantErr{code: ErrInvalidFieldValue, field: "properties", value: "a b"}},
		{"bad resource in property", `{"entities":[],"properties":["a/b.pid"]}`, wantErr{code: ErrInvalidFieldValue, field: "properties", value: "a/b.pid"}},
		{"not an object", `[]`, wantErr{code: ErrSyntax, syntax: "JSON object"}},
		{"truncated", `{"entities":[`, wantErr{code: ErrSyntax, syntax: "line 1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodePropertyMapParams([]byte(tt.body))
			checkDecodeError(t, got, err, tt.want)
		})
	}
}

func TestPropertyMapParamsJSON(t *testing.T) {
	tests := []struct {
		name string
		req  PropertyMapParams
		want string
	}{
		{"nil properties left out", PropertyMapParams{Entities: []string{"ipv4:192.0.2.1"}}, `{"entities":["ipv4:192.0.2.1"]}`},
		{"empty properties kept", PropertyMapParams{Entities: []string{"ipv4:192.0.2.1"}, Properties: []string{}}, `{"entities":["ipv4:192.0.2.1"],"properties":[]}`},
		{"nil entities as empty", PropertyMapParams{Properties: []string{".x"}}, `{"entities":[],"properties":[".x"]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.want {
				t.Errorf("encoded %s, want %s", b, tt.want)
			}
			back, err := DecodePropertyMapParams(b)
			if err != nil {
				t.Fatalf("decoding %s: %v", b, err)
			}
			if (back.Properties == nil) != (tt.req.Properties == nil) {
				t.Errorf("properties nil = %v after a round trip, want %v", back.Properties == nil, tt.req.Properties == nil)
			}
		})
	}
}

func TestEntityNames(t *testing.T) {
	domains := []struct {
		name string
		ok   bool
		want EntityDomainName
	}{
		{"ipv4", true, EntityDomainName{Type: "ipv4"}},
		{"netmap1.pid", true, EntityDomainName{Resource: "netmap1", Type: "pid"}},
		{".ane", true, EntityDomainName{SelfDefined: true, Type: "ane"}},
		{"priv:example-test-edt", true, EntityDomainName{Type: "priv:example-test-edt"}},
		{"my:map.priv:x", true, EntityDomainName{Resource: "my:map", Type: "priv:x"}},
		{"priv:", false, EntityDomainName{}},
		{"a:b", false, EntityDomainName{}},
		{"priv:a:b", false, EntityDomainName{}},
		{"x.priv:", false, EntityDomainName{}},
		{"", false, EntityDomainName{}},
		{".", false, EntityDomainName{}},
		{strings.Repeat("a", 65), false, EntityDomainName{}},
	}
	for _, tt := range domains {
		t.Run("domain "+tt.name, func(t *testing.T) {
			got, ok := ParseEntityDomainName(tt.name)
			if ok != tt.ok {
				t.Fatalf("valid = %v, want %v", ok, tt.ok)
			}
			if ok && (got != tt.want || got.String() != tt.name) {
				t.Errorf("parsed %+v (%s), want %+v", got, got, tt.want)
			}
		})
	}
	// The examples of RFC 9240, Section 5.1.1.
	types := []struct {
		name string
		ok   bool
	}{
		{"ipv4", true}, {"ipv6", true}, {"pid", true}, {"priv:example-test-edt", true}, {"_", true}, {"__--", true},
		{"ipv4.anycast", false}, {"pid.local", false}, {"priv:", false},
	}
	for _, tt := range types {
		t.Run("type "+tt.name, func(t *testing.T) {
			if got := ValidEntityDomainType(tt.name); got != tt.ok {
				t.Errorf("valid = %v, want %v", got, tt.ok)
			}
		})
	}
	properties := []struct {
		name string
		ok   bool
	}{
		{"pid", true}, {".ISP", true}, {"netmap1.pid", true}, {"priv:asn", true}, {".priv:asn", true},
		{"storage-capacity", true}, {"_::-", true},
		{"priv:", false}, {".", false}, {"a.b.c", false}, {"a b", false}, {strings.Repeat("p", 33), false},
	}
	for _, tt := range properties {
		t.Run("property "+tt.name, func(t *testing.T) {
			if got := ValidEntityPropertyName(tt.name); got != tt.ok {
				t.Errorf("valid = %v, want %v", got, tt.ok)
			}
		})
	}
}

// FuzzDecodePropertyMapParams checks the properties of the fuzz targets
// of fuzz_test.go, and that the one-pass decoder, when it accepts a
// body, gives what the detailed decoder gives.
func FuzzDecodePropertyMapParams(f *testing.F) {
	addBodies(f, rfcPropertyMapParams,
		`{"entities":[]}`,
		`{"entities":["ipv4:192.0.2.0/24","ipv4:192.0.2.0/24"],"properties":[]}`,
		`{"entities":[".ane:dc21"],"properties":["storage-capacity","cpu"]}`,
		`{"Entities":["ipv4:192.0.2.1"]}`,
		`{"entities":[1,null]}`,
	)
	f.Fuzz(func(t *testing.T, body []byte) {
		fuzzDecoder(t, DecodePropertyMapParams, body)
		fast, ok := decodePropertyMapFast(body)
		if !ok {
			return
		}
		fastReq, fastErr := checkPropertyMapParams(fast)
		slow, slowErr := decodePropertyMapDetailed(body)
		if (fastErr == nil) != (slowErr == nil) {
			t.Fatalf("decoding %q: one-pass error %v, detailed error %v", body, fastErr, slowErr)
		}
		if fastErr != nil {
			return
		}
		if !slices.Equal(fastReq.Entities, slow.Entities) || !slices.Equal(fastReq.Properties, slow.Properties) ||
			(fastReq.Properties == nil) != (slow.Properties == nil) {
			t.Fatalf("decoding %q: one-pass %+v, detailed %+v", body, fastReq, slow)
		}
	})
}
