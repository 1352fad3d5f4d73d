package snapshot

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/datadir"
	"github.com/goalto/goalto/internal/netdef"
)

// buildDefinition writes a definition into a temporary folder and builds
// its snapshot.
func buildDefinition(t *testing.T, definition string) *Snapshot {
	t.Helper()
	dir := writeFiles(t, map[string]string{"net.yaml": definition})
	def, err := netdef.Load(filepath.Join(dir, "net.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := Build(def)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// fullPropertyMap decodes the GET property map served at path.
func fullPropertyMap(t *testing.T, s *Snapshot, path string) alto.PropertyMap {
	t.Helper()
	res := s.Lookup(path)
	if res == nil {
		t.Fatalf("no resource at %s", path)
	}
	var pm alto.PropertyMap
	if err := json.Unmarshal(res.Body, &pm); err != nil {
		t.Fatal(err)
	}
	return pm
}

// readPyASN returns the prefixes of each origin AS of a gzipped pyasn
// file, by entity identifier such as "as513". A prefix listed twice
// keeps its last origin.
func readPyASN(t *testing.T, path string) map[string][]string {
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
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, ";") {
			continue
		}
		fields := strings.Fields(line)
		p, err := netip.ParsePrefix(fields[0])
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		asn, err := strconv.ParseUint(fields[1], 10, 32)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if asn != 0 {
			origin[p.Masked()] = "as" + strconv.FormatUint(asn, 10)
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

// stringList decodes a JSON array of strings.
func stringList(t *testing.T, raw json.RawMessage) []string {
	t.Helper()
	var out []string
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("decoding %s: %v", raw, err)
	}
	return out
}

// checkPrefixList checks the priv:prefixes and priv:prefix-count values
// of an entity against the expected prefixes, in any order.
func checkPrefixList(t *testing.T, id string, values map[string]json.RawMessage, want []string) {
	t.Helper()
	got := stringList(t, values[netdef.PropertyPrefixes])
	sortedGot, sortedWant := slices.Clone(got), slices.Clone(want)
	slices.Sort(sortedGot)
	slices.Sort(sortedWant)
	if !slices.Equal(sortedGot, sortedWant) {
		t.Errorf("%s: %d prefixes, want %d", id, len(got), len(want))
	}
	if c := string(values[netdef.PropertyPrefixCount]); c != strconv.Itoa(len(want)) {
		t.Errorf("%s: prefix count %s, want %d", id, c, len(want))
	}
}

func TestASNEntitiesFromPrefixTable(t *testing.T) {
	table := datadir.Path(t, "pfx2as-pyasn", "ipasn6_20151101.dat.gz")
	s := buildDefinition(t, `prefixes: [`+table+`]
network-map: {pids: group, default-pid: default}
resources:
  - {id: default-network-map, type: network-map, path: /networkmap}
  - {id: asn, type: property-map, path: /propmap/asn, mappings: {asn: [priv:prefixes, priv:prefix-count]}}
`)
	want := readPyASN(t, table)
	pm := fullPropertyMap(t, s, "/propmap/asn")
	if len(pm.PropertyMap) != len(want) {
		t.Errorf("%d asn entities, want %d", len(pm.PropertyMap), len(want))
	}
	for id, prefixes := range want {
		values, ok := pm.PropertyMap["asn:"+id]
		if !ok {
			t.Errorf("asn:%s missing", id)
			continue
		}
		checkPrefixList(t, "asn:"+id, values, prefixes)
	}

	// CERN, AS 513, originates both IPv4 and IPv6 prefixes: IPv4 comes first.
	cern := stringList(t, pm.PropertyMap["asn:as513"][netdef.PropertyPrefixes])
	if len(cern) == 0 || !netip.MustParsePrefix(cern[0]).Addr().Is4() || netip.MustParsePrefix(cern[len(cern)-1]).Addr().Is4() {
		t.Errorf("prefixes of as513 not IPv4 first, then IPv6: %v", cern)
	}
	if !slices.IsSortedFunc(cern, func(a, b string) int {
		return netip.MustParsePrefix(a).Addr().Compare(netip.MustParsePrefix(b).Addr())
	}) {
		t.Errorf("prefixes of as513 not in address order: %v", cern)
	}
}

// wlcgCountries returns the names and the prefixes of the WLCG sites of
// each country in a CRIC site table, by lowercase country code.
func wlcgCountries(t *testing.T, path string) (sites, prefixes map[string][]string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var table map[string]struct {
		CountryCode string `json:"country_code"`
		Netroutes   map[string]struct {
			Networks map[string][]string `json:"networks"`
		} `json:"netroutes"`
	}
	if err := json.Unmarshal(data, &table); err != nil {
		t.Fatal(err)
	}
	sites, prefixes = map[string][]string{}, map[string][]string{}
	for name, site := range table {
		if len(site.CountryCode) != 2 {
			continue
		}
		code := strings.ToLower(site.CountryCode)
		sites[code] = append(sites[code], name)
		for _, nr := range site.Netroutes {
			for _, list := range nr.Networks {
				for _, p := range list {
					if !slices.Contains(prefixes[code], p) {
						prefixes[code] = append(prefixes[code], p)
					}
				}
			}
		}
	}
	return sites, prefixes
}

func TestCountryEntitiesFromWLCG(t *testing.T) {
	wlcg := datadir.Path(t, "alto-openalto", "wlcg-cric.rcsite.json")
	s := buildDefinition(t, `network-map: {pids: group, default-pid: default}
property-sources: {wlcg: `+wlcg+`}
resources:
  - {id: default-network-map, type: network-map, path: /networkmap}
  - id: countries
    type: property-map
    path: /propmap/countries
    mappings: {countrycode: [priv:wlcg-sites, priv:prefixes, priv:prefix-count]}
`)
	sites, prefixes := wlcgCountries(t, wlcg)
	pm := fullPropertyMap(t, s, "/propmap/countries")
	if len(pm.PropertyMap) != len(sites) {
		t.Errorf("%d countrycode entities, want %d", len(pm.PropertyMap), len(sites))
	}
	for code, names := range sites {
		id := "countrycode:" + code
		values, ok := pm.PropertyMap[id]
		if !ok {
			t.Errorf("%s missing", id)
			continue
		}
		slices.Sort(names)
		if got := stringList(t, values[netdef.PropertyWLCGSites]); !slices.Equal(got, names) {
			t.Errorf("%s: sites %v, want %v", id, got, names)
		}
		checkPrefixList(t, id, values, prefixes[code])
	}
}

func TestFootprintEntitiesDefinitionWins(t *testing.T) {
	wlcg := datadir.Path(t, "alto-openalto", "wlcg-cric.rcsite.json")
	s := buildDefinition(t, `network-map: {pids: group, default-pid: default}
property-sources: {wlcg: `+wlcg+`}
resources:
  - {id: default-network-map, type: network-map, path: /networkmap}
  - id: countries
    type: property-map
    path: /propmap/countries
    mappings: {countrycode: [priv:prefix-count, .note]}
    entities: {"countrycode:ch": {priv:prefix-count: -1, .note: alps}}
`)
	pm := fullPropertyMap(t, s, "/propmap/countries")
	if got := describe(pm.PropertyMap["countrycode:ch"]); got != `map[.note:"alps" priv:prefix-count:-1]` {
		t.Errorf("countrycode:ch %s, want the values of the definition", got)
	}
	_, prefixes := wlcgCountries(t, wlcg)
	if got := string(pm.PropertyMap["countrycode:us"][netdef.PropertyPrefixCount]); got != strconv.Itoa(len(prefixes["us"])) {
		t.Errorf("countrycode:us prefix count %s, want %d", got, len(prefixes["us"]))
	}
}
