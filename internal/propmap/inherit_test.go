package propmap_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/netip"
	"strings"
	"testing"

	"github.com/goalto/goalto/alto"
)

// section613Definition sets property P on the prefixes of Table 1 of
// RFC 9240, Section 6.1.3.
const section613Definition = `
network-map: {pids: group, default-pid: default}
properties:
  - {prefix: 192.0.2.0/26, values: {P: v1}}
  - {prefix: 192.0.2.0/28, values: {P: v2}}
  - {prefix: 192.0.2.0/30, values: {P: v3}}
  - {prefix: 192.0.2.0/32, values: {P: v4}}
resources:
  - {id: default-network-map, type: network-map, path: /networkmap}
  - {id: props, type: property-map, path: /propmap, mappings: {ipv4: [.P]}}
  - {id: lookup, type: filtered-property-map, path: /propmap/lookup, mappings: {ipv4: [.P]}}
`

// TestInheritanceSection613 checks the inherited values of Table 2 of
// RFC 9240, Section 6.1.3: each requested entity gets the value of the
// longest prefix that contains it and sets P.
func TestInheritanceSection613(t *testing.T) {
	s := startServer(t, writeDefinition(t, section613Definition))
	tests := []struct {
		entity, want string // want "" means no value
	}{
		{"ipv4:192.0.2.0", "v4"},
		{"ipv4:192.0.2.1", "v3"},
		{"ipv4:192.0.2.16", "v1"},
		{"ipv4:192.0.2.32", "v1"},
		{"ipv4:192.0.2.64", ""},
		{"ipv4:192.0.2.0/32", "v4"},
		{"ipv4:192.0.2.0/31", "v3"},
		{"ipv4:192.0.2.0/29", "v2"},
		{"ipv4:192.0.2.0/27", "v1"},
		{"ipv4:192.0.2.0/25", ""},
	}
	for _, tt := range tests {
		t.Run(tt.entity, func(t *testing.T) {
			pm := s.propertyMap(t, "/propmap/lookup", `{"entities":["`+tt.entity+`"],"properties":[".P"]}`)
			got, ok := pm.PropertyMap[tt.entity][".P"]
			if tt.want == "" {
				if ok {
					t.Errorf("%s has P = %s, want no value", tt.entity, got)
				}
				return
			}
			if string(got) != `"`+tt.want+`"` {
				t.Errorf("%s has P = %s, want %q; response %v", tt.entity, got, tt.want, pm.PropertyMap)
			}
		})
	}
}

// nullDefinition has overlapping IPv4 and IPv6 prefixes, some of which
// set a property to null to hide the value of a shorter prefix.
const nullDefinition = `
network-map: {pids: group, default-pid: default}
groups:
  - {pid: ten, prefixes: [10.0.0.0/8]}
  - {pid: doc6, prefixes: ["2001:db8::/32"]}
properties:
  - {prefix: 10.0.0.0/8, values: {color: red, size: big}}
  - {prefix: 10.1.0.0/16, values: {color: null}}
  - {prefix: 10.1.2.0/24, values: {color: blue}}
  - {prefix: 10.1.3.0/24, values: {size: null}}
  - {prefix: 10.1.3.128/25, values: {color: null}}
  - {prefix: "2001:db8::/32", values: {color: green}}
  - {prefix: "2001:db8:1::/48", values: {color: null}}
  - {prefix: "2001:db8:1:2::/64", values: {color: yellow}}
  - {prefix: "2001:db8:1:2::1/128", values: {size: small}}
resources:
  - {id: default-network-map, type: network-map, path: /networkmap}
  - id: props
    type: property-map
    path: /propmap
    entity-domains: [ipv4, ipv6]
    properties: [.color, .size, default-network-map.pid]
  - id: lookup
    type: filtered-property-map
    path: /propmap/lookup
    entity-domains: [ipv4, ipv6]
    properties: [.color, .size, default-network-map.pid]
  - {id: endpoint-property, type: endpoint-property, path: /endpointprop/lookup, properties: [color, size]}
`

// TestInheritanceWithNull checks addresses and prefixes of both families
// against prefixes that set values and nulls. A null that hides an
// inherited value is sent as null (RFC 9240, Section 6.1.3).
func TestInheritanceWithNull(t *testing.T) {
	s := startServer(t, writeDefinition(t, nullDefinition))
	tests := []struct {
		entity string
		want   map[string]string // JSON values; a missing key has no value
	}{
		{"ipv4:10.0.0.1", map[string]string{".color": `"red"`, ".size": `"big"`, "default-network-map.pid": `"ten"`}},
		{"ipv4:10.1.0.1", map[string]string{".color": "null", ".size": `"big"`, "default-network-map.pid": `"ten"`}},
		{"ipv4:10.1.2.3", map[string]string{".color": `"blue"`, ".size": `"big"`, "default-network-map.pid": `"ten"`}},
		{"ipv4:10.1.3.1", map[string]string{".color": "null", ".size": "null", "default-network-map.pid": `"ten"`}},
		{"ipv4:10.1.3.200", map[string]string{".color": "null", ".size": "null", "default-network-map.pid": `"ten"`}},
		{"ipv4:11.0.0.1", map[string]string{"default-network-map.pid": `"default"`}},
		{"ipv6:2001:db8::1", map[string]string{".color": `"green"`, "default-network-map.pid": `"doc6"`}},
		{"ipv6:2001:db8:0:0:0:0:0:2", map[string]string{".color": `"green"`, "default-network-map.pid": `"doc6"`}},
		{"ipv6:2001:db8:1::1", map[string]string{".color": "null", "default-network-map.pid": `"doc6"`}},
		{"ipv6:2001:db8:1:2::1", map[string]string{".color": `"yellow"`, ".size": `"small"`, "default-network-map.pid": `"doc6"`}},
		{"ipv6:2001:db8:1:2::1/128", map[string]string{".color": `"yellow"`, ".size": `"small"`, "default-network-map.pid": `"doc6"`}},
		{"ipv6:2001:db8:1:2::2", map[string]string{".color": `"yellow"`, "default-network-map.pid": `"doc6"`}},
		{"ipv6:2001:db9::1", map[string]string{"default-network-map.pid": `"default"`}},
	}
	for _, tt := range tests {
		t.Run(tt.entity, func(t *testing.T) {
			pm := s.propertyMap(t, "/propmap/lookup", `{"entities":["`+tt.entity+`"],"properties":[]}`)
			if len(pm.PropertyMap) != 1 {
				t.Fatalf("response has %d entities, want 1: %v", len(pm.PropertyMap), pm.PropertyMap)
			}
			got := map[string]string{}
			for name, v := range pm.PropertyMap[tt.entity] {
				got[name] = string(v)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("%s: %v, want %v", tt.entity, got, tt.want)
			}
		})
	}
}

// TestPrefixEntityWithNull checks a requested prefix with longer
// prefixes inside it: the response gives the prefix its own values and
// each longer prefix the values it changes, nulls included.
func TestPrefixEntityWithNull(t *testing.T) {
	s := startServer(t, writeDefinition(t, nullDefinition))
	pm := s.propertyMap(t, "/propmap/lookup", `{"entities":["ipv4:10.1.0.0/16"],"properties":[".color",".size"]}`)
	want := `{"ipv4:10.1.0.0/16":{".color":null,".size":"big"},` +
		`"ipv4:10.1.2.0/24":{".color":"blue"},` +
		`"ipv4:10.1.3.0/24":{".size":null}}`
	if ok, diff := sameJSON(t, mustJSON(t, pm.PropertyMap), []byte(want)); !ok {
		t.Errorf("property map:%s", diff)
	}
}

// TestEndpointPropertyWithNull checks that the RFC 7285 endpoint
// property service honours the nulls of the definition: a hidden value
// is left out, as an endpoint property has no null.
func TestEndpointPropertyWithNull(t *testing.T) {
	s := startServer(t, writeDefinition(t, nullDefinition))
	tests := []struct {
		endpoint string
		want     map[string]string
	}{
		{"ipv4:10.0.0.1", map[string]string{"color": "red", "size": "big"}},
		{"ipv4:10.1.0.1", map[string]string{"size": "big"}},
		{"ipv4:10.1.2.3", map[string]string{"color": "blue", "size": "big"}},
		{"ipv4:10.1.3.200", map[string]string{}},
		{"ipv6:2001:db8:1::1", map[string]string{}},
		{"ipv6:2001:db8:1:2::1", map[string]string{"color": "yellow", "size": "small"}},
	}
	for _, tt := range tests {
		t.Run(tt.endpoint, func(t *testing.T) {
			body := `{"properties":["color","size"],"endpoints":["` + tt.endpoint + `"]}`
			r := s.do(t, http.MethodPost, "/endpointprop/lookup", alto.MediaTypeEndpointPropParams, body, nil)
			if r.status != http.StatusOK {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			var ep alto.EndpointPropertyMap
			if err := json.Unmarshal(r.body, &ep); err != nil {
				t.Fatal(err)
			}
			if got := ep.EndpointProperties[tt.endpoint]; fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("%s: %v, want %v", tt.endpoint, got, tt.want)
			}
		})
	}
}

// TestFullMapMatchesLookups reads the full property map with the
// inheritance rule, as a client would, and checks that it gives every
// address the same values as a filtered request for that address.
func TestFullMapMatchesLookups(t *testing.T) {
	s := startServer(t, writeDefinition(t, nullDefinition))
	full := s.do(t, http.MethodGet, "/propmap", "", "", nil)
	if full.status != http.StatusOK || full.mediaType() != alto.MediaTypePropMap {
		t.Fatalf("GET /propmap: status %d, Content-Type %q", full.status, full.mediaType())
	}
	pm := decodePropertyMap(t, full.body)
	addrs := sampleAddresses(rand.New(rand.NewPCG(1, 2)), []string{
		"10.0.0.0/8", "10.1.0.0/16", "10.1.2.0/24", "10.1.3.0/24", "11.0.0.0/8",
		"2001:db8::/32", "2001:db8:1::/48", "2001:db8:1:2::/64", "2001:db8:1:2::/126",
	}, 20)
	checkAgainstLookups(t, s, "/propmap/lookup", pm, addrs)
}

// sampleAddresses returns the first address and n random addresses of
// each prefix.
func sampleAddresses(rng *rand.Rand, prefixes []string, n int) []netip.Addr {
	var out []netip.Addr
	for _, text := range prefixes {
		p := netip.MustParsePrefix(text)
		out = append(out, p.Addr())
		for range n {
			b := p.Addr().AsSlice()
			for i := p.Bits(); i < len(b)*8; i++ {
				if rng.IntN(2) == 1 {
					b[i/8] |= 0x80 >> (i % 8)
				}
			}
			a, _ := netip.AddrFromSlice(b)
			out = append(out, a)
		}
	}
	return out
}

// checkAgainstLookups compares, for each address, the values that a
// client derives from a property map with those of a filtered request.
// Nulls and missing values both mean no value.
func checkAgainstLookups(t *testing.T, s *testServer, path string, pm *alto.PropertyMap, addrs []netip.Addr) {
	t.Helper()
	entries := parseEntries(t, pm)
	var ids []string
	for _, a := range addrs {
		ids = append(ids, typedAddr(a))
	}
	body := mustJSON(t, alto.PropertyMapParams{Entities: ids, Properties: []string{}})
	got := s.propertyMap(t, path, string(body))
	for _, a := range addrs {
		want := inherited(entries, a)
		have := map[string]string{}
		for name, v := range got.PropertyMap[typedAddr(a)] {
			if string(v) != "null" {
				have[name] = string(v)
			}
		}
		if fmt.Sprint(have) != fmt.Sprint(want) {
			t.Errorf("%s: filtered request gives %v, the full map %v", a, have, want)
		}
	}
}

// mapEntry is an entry of a property map whose entity is a prefix.
type mapEntry struct {
	prefix netip.Prefix
	values map[string]json.RawMessage
}

func parseEntries(t *testing.T, pm *alto.PropertyMap) []mapEntry {
	t.Helper()
	var out []mapEntry
	for id, values := range pm.PropertyMap {
		_, local, _ := strings.Cut(id, ":")
		p, err := netip.ParsePrefix(local)
		if err != nil {
			a, err := netip.ParseAddr(local)
			if err != nil {
				t.Fatalf("entity %q is not an address or prefix", id)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		out = append(out, mapEntry{prefix: p, values: values})
	}
	return out
}

// inherited applies RFC 9240, Section 6.1.3 to the entries of a map:
// each property takes its value from the longest prefix that contains
// the address and gives the property a value or null.
func inherited(entries []mapEntry, a netip.Addr) map[string]string {
	best := map[string]int{}
	out := map[string]string{}
	for _, e := range entries {
		if !e.prefix.Contains(a) {
			continue
		}
		for name, v := range e.values {
			if bits, ok := best[name]; ok && bits >= e.prefix.Bits() {
				continue
			}
			best[name] = e.prefix.Bits()
			out[name] = string(v)
		}
	}
	for name, v := range out {
		if v == "null" {
			delete(out, name)
		}
	}
	return out
}

func typedAddr(a netip.Addr) string {
	if a.Is4() {
		return "ipv4:" + a.String()
	}
	return "ipv6:" + a.String()
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
