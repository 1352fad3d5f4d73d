package cdni_test

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/datadir"
)

// writeDefinition writes a definition into a temporary folder and
// returns its path.
func writeDefinition(t *testing.T, definition string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "network.yaml")
	if err := os.WriteFile(path, []byte(definition), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// lookupProperties sends a filtered property map request and decodes the
// response, which must succeed.
func (s *testServer) lookupProperties(t *testing.T, path, body string) alto.PropertyMap {
	t.Helper()
	r := s.do(t, http.MethodPost, path, alto.MediaTypePropMapParams, body, nil)
	if r.status != http.StatusOK {
		t.Fatalf("status %d; body %s", r.status, r.body)
	}
	var pm alto.PropertyMap
	if err := json.Unmarshal(r.body, &pm); err != nil {
		t.Fatalf("decoding %s: %v", r.body, err)
	}
	return pm
}

// sameJSON reports whether two JSON texts encode the same value.
func sameJSON(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(a, &x); err != nil {
		t.Fatalf("decoding %s: %v", a, err)
	}
	if err := json.Unmarshal(b, &y); err != nil {
		t.Fatalf("decoding %s: %v", b, err)
	}
	return reflect.DeepEqual(x, y)
}

// altopidDefinition serves the altopid footprints of RFC 9241, Section
// 4.2.2 and their capabilities in the PID domain of the network map
// they name (Section 6.1).
const altopidDefinition = `network-map:
  resource-id: my-default-network-map
  pids: group
groups:
  - {pid: pid1, prefixes: [192.0.2.0/24]}
extra-network-maps:
  - resource-id: my-eu-netmap
    pids:
      south-france: [192.0.2.0/24, 198.51.100.0/25, "2001:db8::/32"]
      germany: [203.0.113.0/24]
      spain: [198.51.100.128/25]
resources:
  - {id: my-default-network-map, type: network-map, path: /networkmap}
  - {id: my-eu-netmap, type: network-map, path: /myeunetmap}
  - id: pid-cdni
    type: cdni
    path: /networkcdnifci
    uses: [my-eu-netmap]
    advertisements:
      - capability-type: FCI.DeliveryProtocol
        capability-value: {delivery-protocols: [https/1.1]}
        footprints:
          - {footprint-type: altopid, footprint-value: [south-france]}
      - capability-type: FCI.AcquisitionProtocol
        capability-value: {acquisition-protocols: [https/1.1]}
        footprints:
          - {footprint-type: altopid, footprint-value: [germany, south-france]}
  - id: pid-capabilities
    type: property-map
    path: /propmap/pids
    mappings: {my-eu-netmap.pid: [pid-cdni.cdni-capabilities]}
  - id: pid-lookup
    type: filtered-property-map
    path: /propmap/lookup/pids
    mappings: {my-eu-netmap.pid: [pid-cdni.cdni-capabilities]}
`

func TestALTOPIDPropertyMap(t *testing.T) {
	s := startServer(t, writeDefinition(t, altopidDefinition))
	const property = "pid-cdni.cdni-capabilities"
	delivery := `{"capability-type":"FCI.DeliveryProtocol","capability-value":{"delivery-protocols":["https/1.1"]}}`
	acquisition := `{"capability-type":"FCI.AcquisitionProtocol","capability-value":{"acquisition-protocols":["https/1.1"]}}`
	want := map[string]string{
		"my-eu-netmap.pid:south-france": "[" + delivery + "," + acquisition + "]",
		"my-eu-netmap.pid:germany":      "[" + acquisition + "]",
	}

	t.Run("full map", func(t *testing.T) {
		r := s.do(t, http.MethodGet, "/propmap/pids", "", "", nil)
		var pm alto.PropertyMap
		if err := json.Unmarshal(r.body, &pm); err != nil {
			t.Fatalf("decoding %s: %v", r.body, err)
		}
		if len(pm.PropertyMap) != len(want) {
			t.Errorf("%d entities, want %d: %s", len(pm.PropertyMap), len(want), r.body)
		}
		for id, value := range want {
			if got := pm.PropertyMap[id][property]; !sameJSON(t, got, []byte(value)) {
				t.Errorf("%s: %s, want %s", id, got, value)
			}
		}
		wantVTags := []alto.VersionTag{
			{ResourceID: "pid-cdni", Tag: s.vtag(t, "/networkcdnifci")},
			{ResourceID: "my-eu-netmap", Tag: s.vtag(t, "/myeunetmap")},
		}
		if !reflect.DeepEqual(pm.Meta.DependentVTags, wantVTags) {
			t.Errorf("dependent-vtags %v, want %v", pm.Meta.DependentVTags, wantVTags)
		}
	})

	tests := []struct {
		name, entity, want string // want is "" for no entry
	}{
		{"two footprints", "my-eu-netmap.pid:south-france", want["my-eu-netmap.pid:south-france"]},
		{"one footprint", "my-eu-netmap.pid:germany", want["my-eu-netmap.pid:germany"]},
		{"PID without footprint", "my-eu-netmap.pid:spain", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pm := s.lookupProperties(t, "/propmap/lookup/pids", `{"entities":["`+tt.entity+`"],"properties":["`+property+`"]}`)
			got, ok := pm.PropertyMap[tt.entity][property]
			if tt.want == "" {
				if ok {
					t.Errorf("value %s, want none", got)
				}
				return
			}
			if !sameJSON(t, got, []byte(tt.want)) {
				t.Errorf("value %s, want %s", got, tt.want)
			}
		})
	}

	t.Run("invalid PID", func(t *testing.T) {
		const entity = "my-eu-netmap.pid:south.france"
		e := altoError(t, s.do(t, http.MethodPost, "/propmap/lookup/pids", alto.MediaTypePropMapParams, `{"entities":["`+entity+`"]}`, nil))
		if e.Code != alto.ErrInvalidFieldValue || e.Field != "entities" || e.Value != entity {
			t.Errorf("error %s %q %q, want E_INVALID_FIELD_VALUE entities %q", e.Code, e.Field, e.Value, entity)
		}
	})
}

// readOrigins returns the prefixes of each origin AS of a gzipped pyasn
// file, by entity identifier such as "as513". A prefix listed twice
// keeps its last origin.
func readOrigins(t *testing.T, path string) map[string][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	origin := map[netip.Prefix]string{}
	sc := bufio.NewScanner(zr)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 || strings.HasPrefix(fields[0], ";") {
			continue
		}
		asn, err := strconv.ParseUint(fields[1], 10, 32)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if asn != 0 {
			origin[netip.MustParsePrefix(fields[0]).Masked()] = "as" + fields[1]
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for p, id := range origin {
		out[id] = append(out[id], p.String())
	}
	return out
}

// wlcgSites returns the sites of each country of a CRIC site table, by
// lowercase country code, sorted by name.
func wlcgSites(t *testing.T, path string) map[string][]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var table map[string]struct {
		CountryCode string `json:"country_code"`
	}
	if err := json.Unmarshal(data, &table); err != nil {
		t.Fatal(err)
	}
	out := map[string][]string{}
	for name, site := range table {
		if len(site.CountryCode) == 2 {
			code := strings.ToLower(site.CountryCode)
			out[code] = append(out[code], name)
		}
	}
	for _, names := range out {
		slices.Sort(names)
	}
	return out
}

// TestFootprintPropertiesFromData checks filtered requests for asn and
// countrycode entities whose properties come from a real prefix table
// and the WLCG site table.
func TestFootprintPropertiesFromData(t *testing.T) {
	table := datadir.Path(t, "pfx2as-pyasn", "ipasn6_20151101.dat.gz")
	wlcg := datadir.Path(t, "alto-openalto", "wlcg-cric.rcsite.json")
	s := startServer(t, writeDefinition(t, `network-map: {pids: group, default-pid: default}
prefixes: [`+table+`]
property-sources: {wlcg: `+wlcg+`}
resources:
  - {id: default-network-map, type: network-map, path: /networkmap}
  - id: dcdn
    type: cdni
    path: /cdnifci
    advertisements:
      - capability-type: FCI.DeliveryProtocol
        capability-value: {delivery-protocols: [https/1.1]}
        footprints:
          - {footprint-type: asn, footprint-value: [as513]}
          - {footprint-type: countrycode, footprint-value: [ch]}
  - id: lookup
    type: filtered-property-map
    path: /propmap/lookup
    mappings:
      asn: [priv:prefixes, priv:prefix-count, dcdn.cdni-capabilities]
      countrycode: [priv:wlcg-sites, priv:prefix-count, dcdn.cdni-capabilities]
`))
	origins := readOrigins(t, table)
	sites := wlcgSites(t, wlcg)
	capabilities := `[{"capability-type":"FCI.DeliveryProtocol","capability-value":{"delivery-protocols":["https/1.1"]}}]`

	asns := []string{"as513", "as3356", "as2200"}
	for _, id := range asns {
		t.Run("asn "+id, func(t *testing.T) {
			entity := "asn:" + id
			pm := s.lookupProperties(t, "/propmap/lookup", `{"entities":["`+entity+`"],"properties":["priv:prefixes","priv:prefix-count"]}`)
			values := pm.PropertyMap[entity]
			var got []string
			if err := json.Unmarshal(values["priv:prefixes"], &got); err != nil {
				t.Fatalf("priv:prefixes %s: %v", values["priv:prefixes"], err)
			}
			want := origins[id]
			slices.Sort(got)
			slices.Sort(want)
			if len(want) == 0 || !slices.Equal(got, want) {
				t.Errorf("%d prefixes, want %d from the table", len(got), len(want))
			}
			if c := string(values["priv:prefix-count"]); c != strconv.Itoa(len(want)) {
				t.Errorf("priv:prefix-count %s, want %d", c, len(want))
			}
		})
	}

	for _, code := range []string{"ch", "us", "de"} {
		t.Run("countrycode "+code, func(t *testing.T) {
			entity := "countrycode:" + code
			pm := s.lookupProperties(t, "/propmap/lookup", `{"entities":["`+entity+`"],"properties":["priv:wlcg-sites"]}`)
			var got []string
			if err := json.Unmarshal(pm.PropertyMap[entity]["priv:wlcg-sites"], &got); err != nil {
				t.Fatalf("priv:wlcg-sites %s: %v", pm.PropertyMap[entity]["priv:wlcg-sites"], err)
			}
			if want := sites[code]; len(want) == 0 || !slices.Equal(got, want) {
				t.Errorf("sites %v, want %v", got, want)
			}
		})
	}

	t.Run("capabilities with properties", func(t *testing.T) {
		pm := s.lookupProperties(t, "/propmap/lookup", `{"entities":["asn:as513","countrycode:ch","asn:as3356"],"properties":["dcdn.cdni-capabilities"]}`)
		for _, entity := range []string{"asn:as513", "countrycode:ch"} {
			if got := pm.PropertyMap[entity]["dcdn.cdni-capabilities"]; !sameJSON(t, got, []byte(capabilities)) {
				t.Errorf("%s: %s, want %s", entity, got, capabilities)
			}
		}
		if got, ok := pm.PropertyMap["asn:as3356"]; ok {
			t.Errorf("asn:as3356 %v, want no entry: no footprint names it", got)
		}
	})

	t.Run("unknown entities", func(t *testing.T) {
		pm := s.lookupProperties(t, "/propmap/lookup", `{"entities":["asn:as4294967295","countrycode:zz"],"properties":[]}`)
		if len(pm.PropertyMap) != 0 {
			t.Errorf("entities %v, want none", pm.PropertyMap)
		}
	})

	for _, entity := range []string{"asn:AS513", "asn:as0513", "asn:513", "asn:as4294967296", "countrycode:CH", "countrycode:che", "countrycode:c1"} {
		t.Run("invalid "+entity, func(t *testing.T) {
			e := altoError(t, s.do(t, http.MethodPost, "/propmap/lookup", alto.MediaTypePropMapParams, `{"entities":["`+entity+`"]}`, nil))
			if e.Code != alto.ErrInvalidFieldValue || e.Field != "entities" || e.Value != entity {
				t.Errorf("error %s %q %q, want E_INVALID_FIELD_VALUE entities %q", e.Code, e.Field, e.Value, entity)
			}
		})
	}
}
