package cdni_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/netdef"
)

// capabilitiesProperty is the property of the property maps of
// propmap.yaml.
const capabilitiesProperty = "my-default-cdnifci.cdni-capabilities"

// TestPropertyMapLookups checks filtered property map requests for
// footprint entities (RFC 9241, Section 6): addresses inherit the
// capabilities of the prefix footprints that contain them, and asn and
// countrycode entities that no footprint names have no value.
func TestPropertyMapLookups(t *testing.T) {
	s := startServer(t, filepath.Join(rfc9241Dir, "propmap.yaml"))
	http11 := `[{"capability-type":"FCI.DeliveryProtocol","capability-value":{"delivery-protocols":["http/1.1"]}}]`
	both := `[{"capability-type":"FCI.DeliveryProtocol","capability-value":{"delivery-protocols":["https/1.1","http/1.1"]}}]`
	tests := []struct {
		name   string
		entity string
		want   string // the JSON value, or "" for no entry
	}{
		{"address in footprint", "ipv4:192.0.2.7", http11},
		{"IPv6 address in footprint", "ipv6:2001:db8::1", http11},
		{"longer prefix in footprint", "ipv4:198.51.100.128/25", both},
		{"address outside footprints", "ipv4:10.0.0.1", ""},
		{"named AS", "asn:as64496", both},
		{"other AS", "asn:as64497", ""},
		{"named country", "countrycode:us", http11},
		{"other country", "countrycode:fr", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := `{"entities":["` + tt.entity + `"],"properties":["` + capabilitiesProperty + `"]}`
			r := s.do(t, http.MethodPost, "/propmap/lookup/cdnifci-pid", alto.MediaTypePropMapParams, body, nil)
			if r.status != http.StatusOK {
				t.Fatalf("status %d; body %s", r.status, r.body)
			}
			var pm alto.PropertyMap
			if err := json.Unmarshal(r.body, &pm); err != nil {
				t.Fatalf("decoding %s: %v", r.body, err)
			}
			got, ok := pm.PropertyMap[tt.entity][capabilitiesProperty]
			if tt.want == "" {
				if ok {
					t.Errorf("value %s, want none", got)
				}
				return
			}
			if !ok {
				t.Fatalf("no value in %s", r.body)
			}
			var g, w any
			json.Unmarshal(got, &g)
			json.Unmarshal([]byte(tt.want), &w)
			if !reflect.DeepEqual(g, w) {
				t.Errorf("value %s, want %s", got, tt.want)
			}
		})
	}
}

// TestPropertyMapEntityErrors checks that malformed asn and countrycode
// identifiers (RFC 9241, Sections 6.1.1.2 and 6.1.2.2) are rejected.
func TestPropertyMapEntityErrors(t *testing.T) {
	s := startServer(t, filepath.Join(rfc9241Dir, "propmap.yaml"))
	for _, entity := range []string{"asn:AS64496", "asn:as064496", "asn:64496", "countrycode:US", "countrycode:usa"} {
		t.Run(entity, func(t *testing.T) {
			r := s.do(t, http.MethodPost, "/propmap/lookup/cdnifci-pid", alto.MediaTypePropMapParams, `{"entities":["`+entity+`"]}`, nil)
			e := altoError(t, r)
			if e.Code != alto.ErrInvalidFieldValue {
				t.Errorf("code %s, want E_INVALID_FIELD_VALUE", e.Code)
			}
			if e.Field != "entities" || e.Value != entity {
				t.Errorf("field %q value %q, want entities and %q", e.Field, e.Value, entity)
			}
		})
	}
}

// TestPropertyMapDirectoryEntry checks that a property map that offers
// cdni-capabilities lists the CDNI resource in uses, before the network
// map (RFC 9240, Section 7.5).
func TestPropertyMapDirectoryEntry(t *testing.T) {
	s := startServer(t, filepath.Join(rfc9241Dir, "propmap.yaml"))
	r := s.do(t, http.MethodGet, "/directory", "", "", nil)
	var dir alto.Directory
	if err := json.Unmarshal(r.body, &dir); err != nil {
		t.Fatalf("decoding %s: %v", r.body, err)
	}
	tests := []struct {
		id   string
		uses []string
	}{
		{"cdnifci-property-map", []string{"my-default-cdnifci"}},
		{"filtered-cdnifci-property-map", []string{"my-default-cdnifci", "my-default-network-map"}},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			if got := dir.Resources[tt.id].Uses; !reflect.DeepEqual(got, tt.uses) {
				t.Errorf("uses %v, want %v", got, tt.uses)
			}
		})
	}
}

// TestPropertyMapDefinitionErrors checks the errors in property maps
// that offer cdni-capabilities.
func TestPropertyMapDefinitionErrors(t *testing.T) {
	cdniResource := `  - id: dcdn
    type: cdni
    path: /cdni
    advertisements: [{file: dcdn.yaml}]
`
	tests := []struct {
		name     string
		propmap  string
		field    string
		contains string
	}{
		{"unknown resource", `  - id: pm
    type: property-map
    path: /pm
    mappings: {asn: [other.cdni-capabilities]}
`, "resources[2].mappings", "not a cdni resource"},
		{"pid domain", `  - id: pm
    type: property-map
    path: /pm
    mappings: {default-network-map.pid: [dcdn.cdni-capabilities]}
`, "resources[2].mappings", "uses no network map"},
		{"self-defined domain", `  - id: pm
    type: property-map
    path: /pm
    mappings: {.asn: [dcdn.cdni-capabilities]}
`, "resources[2].mappings", "applies to the ipv4, ipv6, asn and countrycode domains"},
		{"unknown domain type", `  - id: pm
    type: property-map
    path: /pm
    mappings: {city: [dcdn.cdni-capabilities]}
`, "resources[2].mappings", "needs a defining resource"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadAndBuild(t, cdniResource+tt.propmap, validAdvertisement)
			var e *netdef.Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v, want a *netdef.Error", err)
			}
			if e.Field != tt.field {
				t.Errorf("field %q, want %q (%v)", e.Field, tt.field, e)
			}
			if !strings.Contains(e.Err.Error(), tt.contains) {
				t.Errorf("message %q does not contain %q", e.Err, tt.contains)
			}
		})
	}
}
