package topology

import (
	"net/netip"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func countPrefixes(g *Graph) int {
	n := 0
	for _, nd := range g.Nodes {
		n += len(nd.Prefixes)
	}
	return n
}

func TestLHCONEFinal(t *testing.T) {
	g := mustLoad(t, filepath.Join(dataDir(t, "lhcone-openalto-simulator"), "LHCOne-final.yaml"))
	if g.Name != "LHCOne-final" || len(g.Nodes) != 62 || len(g.Links) != 124 || countPrefixes(g) != 114 {
		t.Errorf("name %q, %d nodes, %d links, %d prefixes; want LHCOne-final, 62, 124, 114",
			g.Name, len(g.Nodes), len(g.Links), countPrefixes(g))
	}
	i := g.Index("AGLT2")
	if i < 0 {
		t.Fatal("AGLT2 missing")
	}
	want := Node{ID: "AGLT2", Label: "AGLT2", ASN: 229, Prefixes: []netip.Prefix{
		netip.MustParsePrefix("192.41.230.0/23"),
		netip.MustParsePrefix("192.41.236.0/23"),
		netip.MustParsePrefix("192.41.238.0/28"),
	}}
	if !reflect.DeepEqual(g.Nodes[i], want) {
		t.Errorf("AGLT2 = %+v, want %+v", g.Nodes[i], want)
	}
	// SOURCE.md: core has the placeholder ASN 999999; GEANT 20965.
	for id, asn := range map[string]uint32{"core": 999999, "GEANT": 20965, "BNL": 43, "ANL": 683} {
		if j := g.Index(id); j < 0 || g.Nodes[j].ASN != asn {
			t.Errorf("%s: want ASN %d", id, asn)
		}
	}
	// SINET (20) - NORDUNET (23) appears twice, as [20, 23] and [23, 20].
	if n := parallelLinks(g); n != 1 {
		t.Errorf("parallel links = %d, want 1", n)
	}
	if c := components(g); c != 1 {
		t.Errorf("components = %d, want 1", c)
	}
	for _, l := range g.Links {
		if l.Directed || l.Metric != 1 || l.Capacity != 0 || l.Latency != 0 {
			t.Errorf("link %+v: want undirected, metric 1", l)
		}
	}
	// Link [36, 1]: AGLT2 - core.
	core := g.Index("core")
	found := false
	for _, l := range g.Links {
		if (l.From == i && l.To == core) || (l.From == core && l.To == i) {
			found = true
		}
	}
	if !found {
		t.Error("no AGLT2 - core link")
	}
}

func TestLHCONEOtherFiles(t *testing.T) {
	dir := dataDir(t, "lhcone-openalto-simulator")
	g := mustLoad(t, filepath.Join(dir, "LHCOne-final-augment.yaml"))
	if len(g.Nodes) != 76 || len(g.Links) != 120 || countPrefixes(g) != 114 || components(g) != 1 {
		t.Errorf("augment: %d nodes, %d links, %d prefixes, %d components; want 76, 120, 114, 1",
			len(g.Nodes), len(g.Links), countPrefixes(g), components(g))
	}
	if j := g.Index("router-10"); j < 0 || g.Nodes[j].ASN != 900010 {
		t.Errorf("router-10 missing or wrong")
	}

	g = mustLoad(t, filepath.Join(dir, "LHCOne.yaml"))
	if len(g.Nodes) != 78 || len(g.Links) != 94 || countPrefixes(g) != 0 {
		t.Errorf("LHCOne.yaml: %d nodes, %d links, %d prefixes; want 78, 94, 0", len(g.Nodes), len(g.Links), countPrefixes(g))
	}
	if j := g.Index("sum-cr5"); j < 0 || g.Nodes[j].Label != "sum-cr5" || g.Nodes[j].ASN != 0 {
		t.Errorf("sum-cr5 missing or wrong")
	}
	if j := g.Index("GEANT"); j < 0 || g.Nodes[j].ASN != 20965 {
		t.Errorf("GEANT missing or wrong")
	}
}

func TestLHCONEErrors(t *testing.T) {
	const head = "nodes:\n  A:\n    id: 1\n    asn: 10\n  B:\n    id: 2\n    name: Bee\n" // lines 1-7
	tests := []struct {
		name, doc string
		line      int
		field     string
		reason    string
	}{
		{"dangling link", head + "links:\n- [1, 2]\n- [2, 99]\n", 10, "links[1][1]", "unknown node id 99"},
		{"link not pair", head + "links:\n- [1, 2, 1]\n", 9, "links[0]", "want a pair"},
		{"link not sequence", head + "links:\n- 1\n", 9, "links[0]", "want a sequence"},
		{"link id string", head + "links:\n- [A, 2]\n", 9, "links[0][0]", "want an integer"},
		{"duplicate id", head + "  C:\n    id: 1\n", 9, "nodes.C.id", "duplicate id 1 (also used by A at line 3)"},
		{"duplicate name", head + "  A:\n    id: 3\n", 8, "nodes.A", "duplicate key"},
		{"missing id", head + "  C:\n    asn: 3\n", 8, "nodes.C.id", "missing required field"},
		{"node not mapping", head + "  C: 3\n", 8, "nodes.C", "want a mapping"},
		{"bad prefix", head + "    ip-prefixes: [10.0.0.0/8, 10.0.0.0/99]\n", 8, "nodes.B.ip-prefixes[1]", "invalid prefix"},
		{"bad asn", head + "    asn: -3\n", 8, "nodes.B.asn", "out of range"},
		{"unknown relation", head + "    peers: [1]\n    providers: [1, 7]\n", 9, "nodes.B.providers[1]", "unknown node id 7"},
		{"bad ip", head + "    ip: 134.55.200.300\n", 8, "nodes.B.ip", "invalid IP address"},
		{"prefix list", head + "    prefixes: [10.0.0.0/8]\n", 8, "nodes.B.prefixes", "ip-prefixes"},
		{"vrf", head + "    vrf: 1\n", 8, "nodes.B.vrf", "want true or false"},
		{"unknown field", head + "    colour: red\n", 8, "nodes.B.colour", "unknown field"},
		{"unknown top field", head + "edges: []\n", 8, "edges", "unknown field"},
		{"links mapping", head + "links: {}\n", 8, "links", "want a sequence"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseYAML([]byte(tc.doc), "lhc.yaml")
			pe := asParseError(t, err)
			if pe.Line != tc.line || pe.Field != tc.field || !strings.Contains(pe.Reason, tc.reason) {
				t.Errorf("got %q (line %d, field %q); want line %d, field %q, reason containing %q",
					pe.Error(), pe.Line, pe.Field, tc.line, tc.field, tc.reason)
			}
		})
	}

	g, err := ParseYAML([]byte(head+"links:\n- [1, 2]\n"), "lhc.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := &Graph{Name: "lhc", Nodes: []Node{{ID: "A", Label: "A", ASN: 10}, {ID: "B", Label: "Bee"}},
		Links: []Link{{From: 0, To: 1, Metric: 1}}}
	if !reflect.DeepEqual(g, want) {
		t.Errorf("got %+v", g)
	}
}
