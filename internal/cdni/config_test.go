package cdni_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goalto/goalto/internal/netdef"
	"github.com/goalto/goalto/internal/snapshot"
)

// definitionHead is the start of the definitions of the validation
// tests: a network map with one PID, served with the CDNI resources that
// each test appends.
const definitionHead = `network-map:
  pids: group
groups:
  - {pid: south-france, prefixes: [192.0.2.0/24]}
resources:
  - {id: default-network-map, type: network-map, path: /networkmap}
`

// validAdvertisement is an advertisement file without errors.
const validAdvertisement = `[{"capability-type": "FCI.DeliveryProtocol",
  "capability-value": {"delivery-protocols": ["http/1.1"]},
  "footprints": [{"footprint-type": "ipv4cidr", "footprint-value": ["192.0.2.0/24"]}]}]
`

// loadAndBuild writes a definition and an advertisement file into a
// temporary folder, and loads and builds the definition.
func loadAndBuild(t *testing.T, resources, advertisements string) (dir string, err error) {
	t.Helper()
	dir = t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "dcdn.yaml"), []byte(advertisements), 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "network.yaml")
	if err := os.WriteFile(path, []byte(definitionHead+resources), 0o644); err != nil {
		t.Fatal(err)
	}
	def, err := netdef.Load(path)
	if err != nil {
		return dir, err
	}
	_, err = snapshot.Build(def)
	return dir, err
}

// lineOf returns the line number of the first line of text that
// contains marker.
func lineOf(t *testing.T, text, marker string) int {
	t.Helper()
	i := strings.Index(text, marker)
	if i < 0 {
		t.Fatalf("marker %q is not in the text", marker)
	}
	return strings.Count(text[:i], "\n") + 1
}

// TestAdvertisementFileErrors checks that an invalid advertisement file
// is reported with its path, the line and the field at fault.
func TestAdvertisementFileErrors(t *testing.T) {
	resource := `  - id: dcdn
    type: cdni
    path: /cdni
    advertisements: [{file: dcdn.yaml}]
`
	tests := []struct {
		name   string
		file   string
		marker string // text on the line at fault
		field  string
		msg    string
	}{
		{"unknown footprint type", `capabilities-with-footprints:
  - capability-type: FCI.DeliveryProtocol
    capability-value: {delivery-protocols: [http/1.1]}
    footprints:
      - footprint-type: ipv4
        footprint-value: [192.0.2.0/24]
`, "ipv4", "capabilities-with-footprints[0].footprints[0].footprint-type", "unknown footprint type"},
		{"host bits", `- capability-type: FCI.DeliveryProtocol
  capability-value: {delivery-protocols: [http/1.1]}
  footprints:
    - footprint-type: ipv4cidr
      footprint-value:
        - 192.0.2.0/24
        - 198.51.100.7/24
`, "198.51", "[0].footprints[0].footprint-value[1]", "host bits"},
		{"wrong family", `- capability-type: FCI.DeliveryProtocol
  capability-value: {delivery-protocols: [http/1.1]}
  footprints: [{footprint-type: ipv6cidr, footprint-value: [192.0.2.0/24]}]
`, "ipv6cidr", "[0].footprints[0].footprint-value[0]", "address family"},
		{"bad asn", `- capability-type: FCI.DeliveryProtocol
  capability-value: {delivery-protocols: [http/1.1]}
  footprints:
    - footprint-type: asn
      footprint-value: [AS064496]
`, "AS064496", "[0].footprints[0].footprint-value[0]", "invalid asn footprint"},
		{"bad country", `- capability-type: FCI.DeliveryProtocol
  capability-value: {delivery-protocols: [http/1.1]}
  footprints:
    - footprint-type: countrycode
      footprint-value: [usa]
`, "usa", "[0].footprints[0].footprint-value[0]", "invalid countrycode footprint"},
		{"missing value", `- capability-type: FCI.DeliveryProtocol
  footprints: []
`, "capability-type", "[0].capability-value", "missing"},
		{"inconsistent value", `- capability-type: FCI.DeliveryProtocol
  capability-value:
    acquisition-protocols: [http/1.1]
`, "acquisition-protocols", "[0].capability-value", "delivery-protocols"},
		{"unknown key", `- capability-type: FCI.DeliveryProtocol
  capability-value: {delivery-protocols: [http/1.1]}
  footprint: []
`, "footprint:", "[0].footprint", "unknown field"},
		{"empty footprint value", `{"cdni-advertisement": {"capabilities-with-footprints": [
  {"capability-type": "FCI.DeliveryProtocol",
   "capability-value": {"delivery-protocols": ["http/1.1"]},
   "footprints": [{"footprint-type": "asn", "footprint-value": []}]}]}}
`, "footprint-value", "cdni-advertisement.capabilities-with-footprints[0].footprints[0].footprint-value", "non-empty list"},
		{"syntax error", `- capability-type: FCI.DeliveryProtocol
  capability-value: {delivery-protocols: [http/1.1]
`, "", "", ""},
		{"altopid without uses", `- capability-type: FCI.DeliveryProtocol
  capability-value: {delivery-protocols: [http/1.1]}
  footprints:
    - {footprint-type: altopid, footprint-value: [south-france]}
`, "altopid", "[0].footprints[0]", "network map"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, err := loadAndBuild(t, resource, tt.file)
			var e *netdef.Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v, want a *netdef.Error", err)
			}
			if want := filepath.Join(dir, "dcdn.yaml"); e.File != want {
				t.Errorf("file %q, want %q (%v)", e.File, want, e)
			}
			if tt.marker == "" {
				if e.Line == 0 {
					t.Errorf("no line in %v", e)
				}
				return
			}
			if want := lineOf(t, tt.file, tt.marker); e.Line != want {
				t.Errorf("line %d, want %d (%v)", e.Line, want, e)
			}
			if e.Field != tt.field {
				t.Errorf("field %q, want %q (%v)", e.Field, tt.field, e)
			}
			if !strings.Contains(e.Err.Error(), tt.msg) {
				t.Errorf("message %q does not contain %q", e.Err, tt.msg)
			}
		})
	}
}

// TestDefinitionErrors checks the errors in the CDNI resources of a
// definition, which name the definition file, the line and the field.
func TestDefinitionErrors(t *testing.T) {
	tests := []struct {
		name      string
		resources string
		marker    string
		field     string
		msg       string
	}{
		{"no advertisements", `  - {id: dcdn, type: cdni, path: /cdni}
`, "id: dcdn", "resources[1].advertisements", "needs advertisements"},
		{"inline bad asn", `  - id: dcdn
    type: cdni
    path: /cdni
    advertisements:
      - capability-type: FCI.DeliveryProtocol
        capability-value: {delivery-protocols: [http/1.1]}
        footprints:
          - footprint-type: asn
            footprint-value: [as-1]
`, "as-1", "resources[1].advertisements[0].footprints[0].footprint-value[0]", "invalid asn footprint"},
		{"inline altopid without uses", `  - id: dcdn
    type: filtered-cdni
    path: /cdni
    advertisements:
      - capability-type: FCI.DeliveryProtocol
        capability-value: {delivery-protocols: [http/1.1]}
        footprints:
          - {footprint-type: altopid, footprint-value: [south-france]}
`, "altopid", "resources[1].advertisements[0].footprints[0]", "network map"},
		{"unknown PID", `  - id: dcdn
    type: cdni
    path: /cdni
    uses: [default-network-map]
    advertisements:
      - capability-type: FCI.DeliveryProtocol
        capability-value: {delivery-protocols: [http/1.1]}
        footprints:
          - {footprint-type: altopid, footprint-value: [south-france, germany]}
`, "altopid", "resources[1].advertisements[0].footprints[0].footprint-value[1]", `PID "germany"`},
		{"uses unserved map", `  - id: dcdn
    type: cdni
    path: /cdni
    uses: [eu-map]
    advertisements: [{file: dcdn.yaml}]
`, "uses", "resources[1].uses", "not a network-map resource"},
		{"missing file", `  - id: dcdn
    type: cdni
    path: /cdni
    advertisements: [{file: absent.yaml}]
`, "absent", "resources[1].advertisements[0].file", "absent.yaml"},
		{"file with other keys", `  - id: dcdn
    type: cdni
    path: /cdni
    advertisements: [{file: dcdn.yaml, capability-type: x}]
`, "file:", "resources[1].advertisements", "only the key file"},
		{"advertisements elsewhere", `  - id: filtered-network-map
    type: filtered-network-map
    path: /networkmap/filtered
    advertisements: [{file: dcdn.yaml}]
`, "advertisements", "resources[1].advertisements", "only cdni and filtered-cdni"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, err := loadAndBuild(t, tt.resources, validAdvertisement)
			var e *netdef.Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v, want a *netdef.Error", err)
			}
			if want := filepath.Join(dir, "network.yaml"); e.File != want {
				t.Errorf("file %q, want %q (%v)", e.File, want, e)
			}
			if want := lineOf(t, definitionHead+tt.resources, tt.marker); e.Line != want {
				t.Errorf("line %d, want %d (%v)", e.Line, want, e)
			}
			if e.Field != tt.field {
				t.Errorf("field %q, want %q (%v)", e.Field, tt.field, e)
			}
			if !strings.Contains(e.Err.Error(), tt.msg) {
				t.Errorf("message %q does not contain %q", e.Err, tt.msg)
			}
		})
	}
}

// TestValidAdvertisementFile checks that the three forms of an
// advertisement file load.
func TestValidAdvertisementFile(t *testing.T) {
	resource := `  - id: dcdn
    type: cdni
    path: /cdni
    advertisements: [{file: dcdn.yaml}]
`
	forms := map[string]string{
		"list":     validAdvertisement,
		"object":   `{"capabilities-with-footprints": ` + validAdvertisement + `}`,
		"response": `{"meta": {}, "cdni-advertisement": {"capabilities-with-footprints": ` + validAdvertisement + `}}`,
	}
	for name, text := range forms {
		t.Run(name, func(t *testing.T) {
			if _, err := loadAndBuild(t, resource, text); err != nil {
				t.Errorf("error %v", err)
			}
		})
	}
}
