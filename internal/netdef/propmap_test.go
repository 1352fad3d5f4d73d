package netdef

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// propmapBase is a definition with a main and an extra network map, both
// served, to which the tests append property map resources.
const propmapBase = `network-map: {pids: group, default-pid: default}
extra-network-maps:
  - {resource-id: alt, pids: {p1: [192.0.2.0/27]}}
resources:
  - {id: default-network-map, type: network-map, path: /nm}
  - {id: alt, type: network-map, path: /alt}
`

func TestParsePropertyMaps(t *testing.T) {
	def, err := Parse([]byte(propmapBase+`  - id: pm
    type: filtered-property-map
    path: /pm
    mappings:
      ipv4: [.ISP, priv:asn, default-network-map.pid, alt.pid]
      alt.ipv6: [alt.pid, .ISP]
      default-network-map.pid: [.region]
      .ane: [cpu]
    entities:
      "default-network-map.pid:p1": {.region: west}
      ".ane:dc1": {cpu: 500}
      ".ane:dc2": {cpu: null}
  - id: short
    type: property-map
    path: /short
    entity-domains: [ipv4, ipv6]
    properties: [.ISP]
properties:
  - prefix: 192.0.2.0/24
    values: {ISP: BitsRus, state: null}
`), "net.yaml")
	if err != nil {
		t.Fatal(err)
	}
	pm := def.Resources[2]
	if got := def.PropertyMapUses(&pm); !slices.Equal(got, []string{"default-network-map", "alt"}) {
		t.Errorf("uses %v, want [default-network-map alt]", got)
	}
	if got := pm.Entities[".ane:dc1"]["cpu"].Encoded(); got != "500" {
		t.Errorf("cpu of dc1 encodes as %s, want 500", got)
	}
	if got := pm.Entities[".ane:dc2"]["cpu"].Encoded(); got != "null" {
		t.Errorf("cpu of dc2 encodes as %s, want null", got)
	}
	short := def.Resources[3]
	if got := short.PropertyMappings(); len(got) != 2 || !slices.Equal(got["ipv6"], []string{".ISP"}) {
		t.Errorf("mappings of entity-domains and properties: %v", got)
	}
	if got := def.PropertyMapUses(&short); len(got) != 0 {
		t.Errorf("uses %v, want none", got)
	}
	values := def.Properties[0].Values
	if v := values["ISP"]; v == nil || *v != "BitsRus" {
		t.Errorf("ISP = %v, want BitsRus", v)
	}
	if v, ok := values["state"]; !ok || v != nil {
		t.Errorf("state = %v (present %v), want a nil value for null", v, ok)
	}
}

func TestParseDefaultExtraNetworkMap(t *testing.T) {
	def, err := Parse([]byte("network-map: {pids: group, default-pid: d}\nextra-network-maps:\n  - {resource-id: alt, default-pid: d}\n"), "net.yaml")
	if err != nil {
		t.Fatal(err)
	}
	found := slices.ContainsFunc(def.Resources, func(r Resource) bool {
		return r.ID == "alt" && r.Type == TypeNetworkMap && r.Path == "/networkmap/alt"
	})
	if !found {
		t.Errorf("default resources %v lack the extra network map at /networkmap/alt", def.Resources)
	}
}

func TestParseRejectsPropertyMaps(t *testing.T) {
	resource := func(fields string) string {
		return propmapBase + "  - {id: pm, type: filtered-property-map, path: /pm, " + fields + "}\n"
	}
	tests := []struct {
		name      string
		yaml      string
		wantField string
		wantText  string
	}{
		{"no mappings", resource(""), "resources[2].mappings", "needs mappings"},
		{"both forms", resource("mappings: {ipv4: [.a]}, entity-domains: [ipv4], properties: [.a]"), "resources[2].mappings", "not both"},
		{"domains without properties", resource("entity-domains: [ipv4]"), "resources[2].properties", "need properties"},
		{"bad domain name", resource("mappings: {'ipv4.x.y': [.a]}"), "resources[2].mappings", "invalid entity domain name"},
		{"agnostic pid", resource("mappings: {pid: [.a]}"), "resources[2].mappings", "needs a defining resource"},
		{"self-defined ipv4", resource("mappings: {.ipv4: [.a]}"), "resources[2].mappings", "cannot be self-defined"},
		{"domain of this resource", resource("mappings: {pm.ane: [.a]}"), "resources[2].mappings", "names this resource"},
		{"unknown network map", resource("mappings: {other.pid: [.a]}"), "resources[2].mappings", "not a network-map resource"},
		{"cost map domain", resource("mappings: {default-network-map.ane: [.a]}"), "resources[2].mappings", "only ipv4, ipv6 and pid"},
		{"no properties", resource("mappings: {ipv4: []}"), "resources[2].mappings", "offers no properties"},
		{"bad property name", resource("mappings: {ipv4: ['a b']}"), "resources[2].mappings", "invalid entity property name"},
		{"property twice", resource("mappings: {ipv4: [.a, a]}"), "resources[2].mappings", "twice"},
		{"bare pid property", resource("mappings: {ipv4: [pid]}"), "resources[2].mappings", "needs a network map"},
		{"pid of unknown map", resource("mappings: {ipv4: [other.pid]}"), "resources[2].mappings", "only resource-specific property"},
		{"pid on pid entities", resource("mappings: {alt.pid: [alt.pid]}"), "resources[2].mappings", "does not apply"},
		{"pid of another map", resource("mappings: {alt.ipv4: [default-network-map.pid]}"), "resources[2].mappings", "another resource"},
		{"entity outside mappings", resource("mappings: {.ane: [cpu]}, entities: {'.dc:x': {cpu: 1}}"), "resources[2].entities", "not in an entity domain"},
		{"address entity", resource("mappings: {ipv4: [.a]}, entities: {'ipv4:192.0.2.1': {.a: x}}"), "resources[2].entities", "Internet address entities"},
		{"bad PID entity", resource("mappings: {alt.pid: [.a]}, entities: {'alt.pid:a.b': {.a: x}}"), "resources[2].entities", "invalid PID name"},
		{"property not offered", resource("mappings: {.ane: [cpu]}, entities: {'.ane:x': {ram: 1}}"), "resources[2].entities", "not offered"},
		{"mappings on another type", propmapBase + "  - {id: f, type: filtered-network-map, path: /f, mappings: {ipv4: [.a]}}\n", "resources[2]", "only property-map"},
		{"extra map not served", "network-map: {pids: group, default-pid: d}\nextra-network-maps:\n  - {resource-id: alt, default-pid: d}\nresources:\n  - {id: default-network-map, type: network-map, path: /nm}\n", "extra-network-maps[0].resource-id", "not served"},
		{"extra map ID twice", "network-map: {pids: group, default-pid: d}\nextra-network-maps:\n  - {resource-id: default-network-map, default-pid: d}\n", "extra-network-maps[0].resource-id", "twice"},
		{"extra map without PIDs", "network-map: {pids: group, default-pid: d}\nextra-network-maps:\n  - {resource-id: alt}\n", "extra-network-maps[0].pids", "needs PIDs"},
		{"extra map bad PID", "network-map: {pids: group, default-pid: d}\nextra-network-maps:\n  - {resource-id: alt, pids: {'a.b': [192.0.2.0/24]}}\n", "extra-network-maps[0].pids", "a.b"},
		{"network map resource ID", "network-map: {pids: group, default-pid: d}\nresources:\n  - {id: other, type: network-map, path: /nm}\n", "resources[0].id", "extra network map"},
		{"entity value not scalar", propmapBase + "  - id: pm\n    type: filtered-property-map\n    path: /pm\n    mappings: {.ane: [cpu]}\n    entities:\n      .ane:x:\n        cpu: [1]\n", "resources[2].entities..ane:x.cpu", "string, number, boolean or null"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.yaml), "net.yaml")
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error = %v, want *netdef.Error", err)
			}
			if e.Field != tc.wantField {
				t.Errorf("Field = %q, want %q (%v)", e.Field, tc.wantField, err)
			}
			if !strings.Contains(err.Error(), tc.wantText) {
				t.Errorf("error %q does not mention %q", err, tc.wantText)
			}
		})
	}
}
