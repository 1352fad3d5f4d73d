package propmap_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"testing"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/datadir"
	"github.com/goalto/goalto/internal/prefixes"
)

// wlcgSite holds the fields of a site of the WLCG CRIC table that the
// test reads, independently of the server's reader.
type wlcgSite struct {
	CountryCode string  `json:"country_code"`
	Latitude    float64 `json:"latitude"`
	Longitude   float64 `json:"longitude"`
	Netroutes   map[string]struct {
		Networks map[string][]string `json:"networks"`
	} `json:"netroutes"`
}

// wlcgPrefix is a prefix of a site's network route.
type wlcgPrefix struct {
	prefix netip.Prefix
	site   string
}

func readWLCG(t *testing.T, path string) (map[string]wlcgSite, []wlcgPrefix) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var sites map[string]wlcgSite
	if err := json.Unmarshal(data, &sites); err != nil {
		t.Fatal(err)
	}
	var out []wlcgPrefix
	for name, s := range sites {
		for _, r := range s.Netroutes {
			for _, list := range r.Networks {
				for _, text := range list {
					out = append(out, wlcgPrefix{prefix: netip.MustParsePrefix(text), site: name})
				}
			}
		}
	}
	return sites, out
}

// siteOf returns the site of the longest WLCG prefix that contains an
// address. Of two sites with the same prefix it returns the one whose
// name sorts first, the rule that the server documents.
func siteOf(all []wlcgPrefix, a netip.Addr) string {
	best, bits := "", -1
	for _, p := range all {
		if !p.prefix.Contains(a) {
			continue
		}
		if p.prefix.Bits() > bits || (p.prefix.Bits() == bits && p.site < best) {
			best, bits = p.site, p.prefix.Bits()
		}
	}
	return best
}

// originAS returns the origin AS of the longest table prefix that
// contains an address, or 0.
func originAS(byPrefix map[netip.Prefix]uint32, a netip.Addr) uint32 {
	for bits := a.BitLen(); bits >= 0; bits-- {
		if asn, ok := byPrefix[netip.PrefixFrom(a, bits).Masked()]; ok {
			return asn
		}
	}
	return 0
}

// TestWLCGProperties serves the WLCG CRIC site table and a full
// RouteViews table. It checks the site, country, coordinates and origin
// AS of the first address of every prefix of every site against values
// that the test reads from the same files.
func TestWLCGProperties(t *testing.T) {
	wlcgFile := datadir.Path(t, "alto-openalto", "wlcg-cric.rcsite.json")
	tableFile := datadir.Path(t, "pfx2as-pyasn", "ipasn6_20151101.dat.gz")
	sites, all := readWLCG(t, wlcgFile)
	table, err := prefixes.Load(tableFile)
	if err != nil {
		t.Fatal(err)
	}
	byPrefix := make(map[netip.Prefix]uint32, len(table.Entries))
	for _, e := range table.Entries {
		byPrefix[e.Prefix] = e.ASN
	}

	s := startServer(t, writeDefinition(t, fmt.Sprintf(`
network-map: {pids: group, default-pid: default}
prefixes: [%q]
property-sources: {wlcg: %q}
resources:
  - {id: default-network-map, type: network-map, path: /networkmap}
  - id: sites
    type: filtered-property-map
    path: /propmap/sites
    entity-domains: [ipv4, ipv6]
    properties: [priv:wlcg-site, priv:country, priv:latitude, priv:longitude, priv:asn]
`, tableFile, wlcgFile)))

	var addrs []netip.Addr
	for _, p := range all {
		if !slices.Contains(addrs, p.prefix.Addr()) {
			addrs = append(addrs, p.prefix.Addr())
		}
	}
	var ids []string
	for _, a := range addrs {
		ids = append(ids, typedAddr(a))
	}
	pm := s.propertyMap(t, "/propmap/sites", string(mustJSON(t, alto.PropertyMapParams{Entities: ids, Properties: []string{}})))
	if len(pm.PropertyMap) != len(addrs) {
		t.Errorf("response has %d entities, want one per requested address, %d", len(pm.PropertyMap), len(addrs))
	}

	for _, a := range addrs {
		name := siteOf(all, a)
		site := sites[name]
		want := map[string]string{"priv:wlcg-site": strconv.Quote(name)}
		if site.CountryCode != "" {
			want["priv:country"] = strconv.Quote(site.CountryCode)
		}
		if site.Latitude != 0 || site.Longitude != 0 {
			want["priv:latitude"] = strconv.Quote(strconv.FormatFloat(site.Latitude, 'f', -1, 64))
			want["priv:longitude"] = strconv.Quote(strconv.FormatFloat(site.Longitude, 'f', -1, 64))
		}
		if asn := originAS(byPrefix, a); asn != 0 {
			want["priv:asn"] = strconv.Quote(strconv.FormatUint(uint64(asn), 10))
		}
		got := map[string]string{}
		for k, v := range pm.PropertyMap[typedAddr(a)] {
			if string(v) != "null" { // null hides an inherited value: no value
				got[k] = string(v)
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: %v, want %v", a, got, want)
		}
	}
}

// TestWLCGFullMap checks the full property map of the WLCG site table
// against filtered requests for random addresses inside the sites'
// prefixes.
func TestWLCGFullMap(t *testing.T) {
	wlcgFile := datadir.Path(t, "alto-openalto", "wlcg-cric.rcsite.json")
	_, all := readWLCG(t, wlcgFile)
	const mappings = `{ipv4: [priv:wlcg-site, priv:country, priv:latitude, priv:longitude], ipv6: [priv:wlcg-site, priv:country, priv:latitude, priv:longitude]}`
	s := startServer(t, writeDefinition(t, fmt.Sprintf(`
network-map: {pids: group, default-pid: default}
property-sources: {wlcg: %q}
resources:
  - {id: default-network-map, type: network-map, path: /networkmap}
  - {id: full, type: property-map, path: /propmap, mappings: %s}
  - {id: lookup, type: filtered-property-map, path: /propmap/lookup, mappings: %s}
`, wlcgFile, mappings, mappings)))

	full := s.do(t, http.MethodGet, "/propmap", "", "", nil)
	if full.status != http.StatusOK {
		t.Fatalf("GET /propmap: status %d: %s", full.status, full.body)
	}
	pm := decodePropertyMap(t, full.body)
	if len(pm.PropertyMap) == 0 || len(pm.PropertyMap) > len(all) {
		t.Errorf("full map has %d entities, want 1 to %d (one per distinct prefix at most)", len(pm.PropertyMap), len(all))
	}
	var texts []string
	for _, p := range all {
		texts = append(texts, p.prefix.String())
	}
	addrs := sampleAddresses(rand.New(rand.NewPCG(3, 4)), texts, 2)
	checkAgainstLookups(t, s, "/propmap/lookup", pm, addrs)
}
