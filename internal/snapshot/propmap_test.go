package snapshot

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/netdef"
)

// propmapDefinition serves the test topology with an extra network map,
// a property map and a filtered property map. Origin AS numbers come
// from the topology nodes and the prefix file.
const propmapDefinition = `topology: topo.yaml
prefixes: [pfx.csv]
network-map: {default-pid: default}
extra-network-maps:
  - {resource-id: alt, pids: {west: [192.0.2.0/24], east: ["2001:db8::/32"]}}
resources:
  - {id: default-network-map, type: network-map, path: /networkmap}
  - {id: alt, type: network-map, path: /networkmap/alt}
  - id: full
    type: property-map
    path: /propmap
    mappings: {ipv4: [priv:asn, alt.pid], alt.pid: [.label]}
    entities: {"alt.pid:west": {.label: W}}
  - {id: lookup, type: filtered-property-map, path: /propmap/lookup, entity-domains: [ipv6], properties: [priv:asn]}
`

func TestBuildPropertyMaps(t *testing.T) {
	s := buildTest(t, propmapDefinition)

	alt := s.Lookup("/networkmap/alt")
	if alt == nil || alt.MediaType != alto.MediaTypeNetworkMap || s.NetworkMapByID("alt") == nil {
		t.Fatalf("extra network map not served at /networkmap/alt: %+v", alt)
	}
	var altMap alto.NetworkMap
	if err := json.Unmarshal(alt.Body, &altMap); err != nil {
		t.Fatal(err)
	}
	if got := altMap.NetworkMap["west"]["ipv4"]; len(got) != 1 || got[0].String() != "192.0.2.0/24" {
		t.Errorf("PID west of the extra map: %v", altMap.NetworkMap)
	}

	full := s.Lookup("/propmap")
	if full == nil || full.MediaType != alto.MediaTypePropMap || full.Accepts != "" || full.PropertyMap == nil {
		t.Fatalf("property map resource: %+v", full)
	}
	var pm alto.PropertyMap
	if err := json.Unmarshal(full.Body, &pm); err != nil {
		t.Fatal(err)
	}
	wantEntries := map[string]string{
		"ipv4:192.0.2.0/24":    `map[alt.pid:"west"]`,
		"ipv4:192.0.2.0/25":    `map[priv:asn:"64501"]`, // node a
		"ipv4:192.0.2.128/25":  `map[priv:asn:"64999"]`, // prefix file
		"ipv4:198.51.100.0/23": `map[priv:asn:"64502"]`, // two /24s of the prefix file, merged
		"ipv4:203.0.113.0/24":  `map[priv:asn:"64504"]`, // node island
		"alt.pid:west":         `map[.label:"W"]`,
	}
	for id, want := range wantEntries {
		if got := describe(pm.PropertyMap[id]); got != want {
			t.Errorf("%s: %s, want %s", id, got, want)
		}
	}
	if len(pm.PropertyMap) != len(wantEntries) {
		t.Errorf("%d entities, want %d: %v", len(pm.PropertyMap), len(wantEntries), pm.PropertyMap)
	}
	if len(pm.Meta.DependentVTags) != 1 || pm.Meta.DependentVTags[0] != s.NetworkMapByID("alt").VersionTag() {
		t.Errorf("dependent-vtags %v, want the tag of alt", pm.Meta.DependentVTags)
	}

	lookup := s.Lookup("/propmap/lookup")
	if lookup == nil || lookup.Accepts != alto.MediaTypePropMapParams || lookup.Body != nil || lookup.PropertyMap == nil {
		t.Fatalf("filtered property map resource: %+v", lookup)
	}

	var dir alto.Directory
	if err := json.Unmarshal(s.Lookup("/directory").Body, &dir); err != nil {
		t.Fatal(err)
	}
	entry := dir.Resources["full"]
	if !slices.Equal(entry.Uses, []string{"alt"}) {
		t.Errorf("uses of full: %v, want [alt]", entry.Uses)
	}
	if entry.Capabilities == nil || !slices.Equal(entry.Capabilities.Mappings["ipv4"], []string{"priv:asn", "alt.pid"}) {
		t.Errorf("capabilities of full: %+v", entry.Capabilities)
	}
	if got := dir.Resources["lookup"]; len(got.Uses) != 0 || got.Accepts != alto.MediaTypePropMapParams {
		t.Errorf("entry of lookup: %+v", got)
	}
}

// describe formats property values for comparison.
func describe(values map[string]json.RawMessage) string {
	var parts []string
	for name, v := range values {
		parts = append(parts, name+":"+string(v))
	}
	slices.Sort(parts)
	return "map[" + strings.Join(parts, " ") + "]"
}

func TestPropertyMapTagFollowsContent(t *testing.T) {
	const base = "topology: topo.yaml\nnetwork-map: {default-pid: default}\nresources:\n  - {id: default-network-map, type: network-map, path: /networkmap}\n  - {id: full, type: property-map, path: /propmap, mappings: {ipv4: [.color]}}\n"
	red := buildTest(t, base+"properties:\n  - {prefix: 192.0.2.0/24, values: {color: red}}\n")
	redAgain := buildTest(t, base+"properties:\n  - {prefix: 192.0.2.0/24, values: {color: red}}\n")
	blue := buildTest(t, base+"properties:\n  - {prefix: 192.0.2.0/24, values: {color: blue}}\n")
	if red.Lookup("/propmap").ETag != redAgain.Lookup("/propmap").ETag {
		t.Error("the same content gives two entity tags")
	}
	if red.Lookup("/propmap").ETag == blue.Lookup("/propmap").ETag {
		t.Error("another value keeps the entity tag")
	}
}

func TestBuildRejectsBadWLCGFile(t *testing.T) {
	tests := []struct {
		name, content, want string
	}{
		{"not JSON", "{", "WLCG site table"},
		{"bad prefix", `{"S1": {"name": "S1", "netroutes": {"r": {"networks": {"ipv4": ["192.0.2.0/33"]}}}}}`, `site "S1"`},
		{"host bits", `{"S1": {"name": "S1", "netroutes": {"r": {"networks": {"ipv4": ["192.0.2.1/24"]}}}}}`, "host bits"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeFiles(t, map[string]string{
				"wlcg.json": tt.content,
				"net.yaml":  "network-map: {pids: group, default-pid: d}\nproperty-sources: {wlcg: wlcg.json}\nresources:\n  - {id: default-network-map, type: network-map, path: /nm}\n  - {id: pm, type: property-map, path: /pm, mappings: {ipv4: [priv:wlcg-site]}}\n",
			})
			def, err := netdef.Load(filepath.Join(dir, "net.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Contains(def.Files(), filepath.Join(dir, "wlcg.json")) {
				t.Errorf("Files() %v lacks the WLCG table, so a change would not reload", def.Files())
			}
			_, err = Build(def)
			if err == nil {
				t.Fatal("Build succeeded")
			}
			if !strings.Contains(err.Error(), "property-sources.wlcg") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not name property-sources.wlcg and %q", err, tt.want)
			}
		})
	}
}
