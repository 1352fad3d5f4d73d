package netdef

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// footprintBase adds to propmapBase a cdni resource with altopid
// footprints in the network map "alt".
const footprintBase = propmapBase + `  - id: dcdn
    type: cdni
    path: /cdni
    uses: [alt]
    advertisements:
      - capability-type: FCI.DeliveryProtocol
        capability-value: {delivery-protocols: [http/1.1]}
        footprints: [{footprint-type: altopid, footprint-value: [p1]}]
`

func TestParseFootprintPropertyMaps(t *testing.T) {
	tests := []struct {
		name     string
		mappings string
		wantUses []string
	}{
		{"altopid domain", "{alt.pid: [dcdn.cdni-capabilities, .label]}", []string{"dcdn", "alt"}},
		{"asn properties", "{asn: [priv:prefixes, priv:prefix-count]}", nil},
		{"countrycode properties", "{countrycode: [priv:wlcg-sites, priv:prefixes, dcdn.cdni-capabilities]}", []string{"dcdn"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			def, err := Parse([]byte(footprintBase+"  - {id: pm, type: property-map, path: /pm, mappings: "+tc.mappings+"}\n"), "net.yaml")
			if err != nil {
				t.Fatal(err)
			}
			if got := def.PropertyMapUses(&def.Resources[3]); !slices.Equal(got, tc.wantUses) {
				t.Errorf("uses %v, want %v", got, tc.wantUses)
			}
		})
	}
}

func TestParseRejectsFootprintPropertyMaps(t *testing.T) {
	resource := func(fields string) string {
		return footprintBase + "  - {id: pm, type: property-map, path: /pm, " + fields + "}\n"
	}
	noUses := strings.Replace(footprintBase, "    uses: [alt]\n", "", 1)
	noUses = strings.Replace(noUses, "altopid, footprint-value: [p1]", "asn, footprint-value: [as1]", 1)
	tests := []struct {
		name      string
		yaml      string
		wantField string
		wantText  string
	}{
		{"altopid of another map", resource("mappings: {default-network-map.pid: [dcdn.cdni-capabilities]}"), "resources[3].mappings", "use the domain alt.pid"},
		{"altopid without uses", noUses + "  - {id: pm, type: property-map, path: /pm, mappings: {alt.pid: [dcdn.cdni-capabilities]}}\n", "resources[3].mappings", "uses no network map"},
		{"capabilities in ipv4 of a map", resource("mappings: {alt.ipv4: [dcdn.cdni-capabilities]}"), "resources[3].mappings", "applies to the ipv4, ipv6, asn and countrycode domains"},
		{"uppercase asn entity", resource("mappings: {asn: [.a]}, entities: {'asn:AS1': {.a: x}}"), "resources[3].entities", `entity "asn:AS1": invalid asn entity identifier "AS1": use "as" and the AS number`},
		{"asn leading zero", resource("mappings: {asn: [.a]}, entities: {'asn:as01': {.a: x}}"), "resources[3].entities", `invalid asn entity identifier "as01"`},
		{"uppercase country", resource("mappings: {countrycode: [.a]}, entities: {'countrycode:US': {.a: x}}"), "resources[3].entities", `write "us"`},
		{"three-letter country", resource("mappings: {countrycode: [.a]}, entities: {'countrycode:usa': {.a: x}}"), "resources[3].entities", "ISO 3166-1 alpha-2"},
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
