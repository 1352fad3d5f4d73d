package topology

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// zooCounts is the table of topology-zoo/SOURCE.md: nodes, edges, parallel
// edges, edges with LinkSpeedRaw, nodes with lat/long, connected components.
var zooCounts = map[string]struct {
	nodes, edges, parallel, speeds, coords, components int
}{
	"Abilene.graphml":         {11, 14, 0, 0, 11, 1},
	"Internet2.graphml":       {20, 26, 0, 0, 0, 1},
	"DeutscheTelekom.graphml": {39, 62, 0, 0, 39, 4},
	"Geant2012.graphml":       {40, 61, 0, 39, 37, 1},
	"Uninett2010.graphml":     {74, 101, 0, 98, 74, 1},
	"Interoute.graphml":       {110, 158, 10, 0, 96, 1},
	"TataNld.graphml":         {145, 194, 8, 0, 143, 1},
	"GtsCe.graphml":           {149, 193, 0, 0, 141, 1},
	"Colt.graphml":            {153, 191, 14, 0, 149, 1},
	"UsCarrier.graphml":       {158, 189, 0, 0, 152, 1},
	"Cogentco.graphml":        {197, 245, 2, 0, 186, 1},
	"Kdl.graphml":             {754, 899, 4, 0, 726, 1},
}

func TestZooFiles(t *testing.T) {
	dir := dataDir(t, "topology-zoo")
	files, err := filepath.Glob(filepath.Join(dir, "*.graphml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < len(zooCounts) {
		t.Errorf("found %d .graphml files, want at least %d", len(files), len(zooCounts))
	}
	for _, f := range files {
		base := filepath.Base(f)
		t.Run(base, func(t *testing.T) {
			g := mustLoad(t, f)
			want, ok := zooCounts[base]
			if !ok {
				t.Fatalf("no expected counts for %s; add it to zooCounts from SOURCE.md", base)
			}
			speeds, coords := 0, 0
			for _, l := range g.Links {
				if l.Capacity > 0 {
					speeds++
				}
				if l.Directed || l.Metric != 1 || l.Latency != 0 {
					t.Errorf("link %+v: want undirected, metric 1, latency 0", l)
				}
			}
			for _, n := range g.Nodes {
				if n.HasCoords {
					coords++
				}
				if n.Label == "" || n.ASN != 0 || n.Prefixes != nil {
					t.Errorf("node %+v: want a label, no ASN, no prefixes", n)
				}
			}
			got := [6]int{len(g.Nodes), len(g.Links), parallelLinks(g), speeds, coords, components(g)}
			exp := [6]int{want.nodes, want.edges, want.parallel, want.speeds, want.coords, want.components}
			if got != exp {
				t.Errorf("nodes, edges, parallel, speeds, coords, components = %v, want %v", got, exp)
			}
		})
	}
}

func TestZooDetails(t *testing.T) {
	dir := dataDir(t, "topology-zoo")

	g := mustLoad(t, filepath.Join(dir, "Abilene.graphml"))
	if g.Name != "Abilene" {
		t.Errorf("name %q", g.Name)
	}
	i := g.Index("0")
	if i < 0 {
		t.Fatal("node 0 missing")
	}
	n := g.Nodes[i]
	if n.Label != "New York" || !n.HasCoords || n.Lat != 40.71427 || n.Lon != -74.00597 {
		t.Errorf("Abilene node 0 = %+v", n)
	}
	if g.Index("no such node") != -1 {
		t.Error("Index of a missing id is not -1")
	}

	g = mustLoad(t, filepath.Join(dir, "Geant2012.graphml"))
	caps := map[float64]int{}
	for _, l := range g.Links {
		caps[l.Capacity]++
	}
	if caps[2.5e9] == 0 || caps[10e9] == 0 {
		t.Errorf("Geant2012 capacities %v: want some 2.5e9 and 10e9", caps)
	}

	// Interoute has two self-loops; they are kept.
	g = mustLoad(t, filepath.Join(dir, "Interoute.graphml"))
	loops := 0
	for _, l := range g.Links {
		if l.From == l.To {
			loops++
		}
	}
	if loops != 2 {
		t.Errorf("Interoute self-loops = %d, want 2", loops)
	}
}

// TestZooArchive parses every graph of the whole Topology Zoo archive and
// spot checks the counts SOURCE.md gives for some of them.
func TestZooArchive(t *testing.T) {
	dir := dataDir(t, "topology-zoo")
	f, err := os.Open(filepath.Join(dir, "graphml.tar.gz"))
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	graphs := map[string]*Graph{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(h.Name, ".graphml") {
			continue
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		g, err := ParseGraphML(bytes.NewReader(data), h.Name)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		if err := g.Validate(); err != nil {
			t.Errorf("%s: %v", h.Name, err)
		}
		graphs[strings.TrimSuffix(filepath.Base(h.Name), ".graphml")] = g
	}
	if len(graphs) != 276 {
		t.Errorf("parsed %d graphs, want 276", len(graphs))
	}
	// Individual files in the folder are byte copies of archive members.
	for name, c := range zooCounts {
		g := graphs[strings.TrimSuffix(name, ".graphml")]
		if g == nil || len(g.Nodes) != c.nodes || len(g.Links) != c.edges {
			t.Errorf("archive %s does not match the single file", name)
		}
	}
	// SOURCE.md: edges with LinkSpeedRaw / edges.
	for name, want := range map[string][2]int{
		"Geant2009": {52, 52}, "Geant2010": {32, 58}, "Renater2010": {56, 56},
		"Garr201201": {77, 89}, "SwitchL3": {63, 63}, "Cernet": {53, 59},
	} {
		g := graphs[name]
		if g == nil {
			t.Errorf("%s missing from the archive", name)
			continue
		}
		speeds := 0
		for _, l := range g.Links {
			if l.Capacity > 0 {
				speeds++
			}
		}
		// Capacity may also come from LinkSpeed without LinkSpeedRaw, so
		// speeds can exceed the LinkSpeedRaw count.
		if len(g.Links) != want[1] || speeds < want[0] {
			t.Errorf("%s: %d links, %d with capacity; want %d links, >= %d with capacity", name, len(g.Links), speeds, want[1], want[0])
		}
	}
	if g := graphs["DialtelecomCz"]; g == nil || len(g.Nodes) != 193 || len(g.Links) != 151 || components(g) < 2 {
		t.Errorf("DialtelecomCz: want 193 nodes, 151 links, several components")
	}
}

func TestGraphMLSmall(t *testing.T) {
	const doc = `<?xml version="1.0" encoding="utf-8"?>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns">
  <key attr.name="label" attr.type="string" for="node" id="d0"/>
  <key attr.name="Latitude" attr.type="double" for="node" id="d1"/>
  <key attr.name="Longitude" attr.type="double" for="node" id="d2"/>
  <key attr.name="LinkSpeed" attr.type="string" for="edge" id="d3"/>
  <key attr.name="LinkSpeedUnits" attr.type="string" for="edge" id="d4">
    <default>M</default>
  </key>
  <key attr.name="LinkSpeedRaw" attr.type="double" for="edge" id="d5"/>
  <key attr.name="ASN" attr.type="int" for="node" id="d6"/>
  <key attr.name="Network" attr.type="string" for="graph" id="d7"/>
  <graph edgedefault="undirected">
    <data key="d7">Tiny</data>
    <node id="a"><data key="d0">Alpha</data><data key="d1">1.5</data><data key="d2">-2.5</data><data key="d6">64500</data></node>
    <node id="b"><data key="d1">3</data></node>
    <node id="c"><port name="p"/></node>
    <edge source="a" target="b"><data key="d3">155</data></edge>
    <edge source="b" target="c" directed="true"><data key="d5">1e9</data><data key="d3">2</data><data key="d4">G</data></edge>
    <edge source="c" target="a"><data key="d3">fast</data></edge>
  </graph>
</graphml>`
	g, err := ParseGraphML(strings.NewReader(doc), "tiny.graphml")
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Validate(); err != nil {
		t.Fatal(err)
	}
	if g.Name != "Tiny" || len(g.Nodes) != 3 || len(g.Links) != 3 {
		t.Fatalf("got %+v", g)
	}
	a, b, c := g.Nodes[0], g.Nodes[1], g.Nodes[2]
	if a.Label != "Alpha" || a.Lat != 1.5 || a.Lon != -2.5 || !a.HasCoords || a.ASN != 64500 {
		t.Errorf("a = %+v", a)
	}
	if b.Label != "b" || b.HasCoords { // latitude without longitude: no coordinates
		t.Errorf("b = %+v", b)
	}
	if c.ID != "c" {
		t.Errorf("c = %+v", c)
	}
	want := []Link{
		{From: 0, To: 1, Metric: 1, Capacity: 155e6}, // LinkSpeed with the default unit M
		{From: 1, To: 2, Metric: 1, Capacity: 1e9, Directed: true},
		{From: 2, To: 0, Metric: 1}, // unusable LinkSpeed: unknown
	}
	for i := range want {
		if g.Links[i] != want[i] {
			t.Errorf("link %d = %+v, want %+v", i, g.Links[i], want[i])
		}
	}
}

func TestGraphMLErrors(t *testing.T) {
	const head = `<graphml><key id="lat" for="node" attr.name="Latitude"/><key id="lon" for="node" attr.name="Longitude"/><key id="raw" for="edge" attr.name="LinkSpeedRaw"/>
<graph edgedefault="undirected">
`
	tests := []struct {
		name, doc string
		line      int
		field     string
		reason    string
	}{
		{"empty", ``, 1, "", "no root element"},
		{"not graphml", `<svg/>`, 1, "", "root element is <svg>"},
		{"syntax", "<graphml>\n<graph>\n<node id='a'>\n</graph>", 4, "", "XML syntax error"},
		{"truncated", "<graphml>\n<graph>\n<node id='a'>", 3, "", "unexpected EOF"},
		{"no graph", `<graphml></graphml>`, 0, "", "no <graph>"},
		{"two graphs", "<graphml><graph/>\n<graph/></graphml>", 2, "graph", "more than one"},
		{"bad edgedefault", `<graphml><graph edgedefault="both"/></graphml>`, 1, "graph.edgedefault", "invalid value"},
		{"node without id", head + `<node/></graph></graphml>`, 3, "node[0]", "missing id"},
		{"duplicate node", head + "<node id='a'/>\n<node id='a'/></graph></graphml>", 4, `node[id="a"]`, "duplicate node id"},
		{"nested graph", head + "<node id='a'><graph/></node></graph></graphml>", 3, `node[id="a"]`, "nested graphs"},
		{"hyperedge", head + "<hyperedge/></graph></graphml>", 3, "hyperedge", "not supported"},
		{"unknown source", head + "<node id='a'/>\n<edge source='x' target='a'/></graph></graphml>", 4, "edge[0].source", `unknown node "x"`},
		{"unknown target", head + "<node id='a'/>\n<edge source='a' target='a'/>\n<edge source='a' target='y'/></graph></graphml>", 5, "edge[1].target", `unknown node "y"`},
		{"missing target", head + "<node id='a'/><edge source='a'/></graph></graphml>", 3, "edge[0]", "missing target"},
		{"bad directed", head + "<node id='a'/><edge source='a' target='a' directed='yes'/></graph></graphml>", 3, "edge[0].directed", "invalid value"},
		{"undeclared key", head + "<node id='a'>\n<data key='zz'>1</data></node></graph></graphml>", 4, `node[id="a"]`, `undeclared key "zz"`},
		{"bad latitude", head + "<node id='a'>\n<data key='lat'>north</data>\n<data key='lon'>3</data></node></graph></graphml>", 4, `node[id="a"].Latitude`, "invalid number"},
		{"latitude range", head + "<node id='a'><data key='lat'>91</data><data key='lon'>3</data></node></graph></graphml>", 3, `node[id="a"].Latitude`, "out of range"},
		{"longitude range", head + "<node id='a'><data key='lat'>1</data><data key='lon'>-181</data></node></graph></graphml>", 3, `node[id="a"].Longitude`, "out of range"},
		{"bad speed", head + "<node id='a'/><edge source='a' target='a'>\n<data key='raw'>NaN</data></edge></graph></graphml>", 4, "edge[0].LinkSpeedRaw", "invalid number"},
		{"negative speed", head + "<node id='a'/><edge source='a' target='a'>\n\n<data key='raw'>-1</data></edge></graph></graphml>", 5, "edge[0].LinkSpeedRaw", "negative"},
		{"duplicate key", "<graphml><key id='k'/>\n<key id='k'/><graph/></graphml>", 2, `key[id="k"]`, "duplicate key id"},
		{"trailing element", "<graphml><graph/></graphml>\n<x/>", 2, "", "after </graphml>"},
		{"encoding", `<?xml version="1.0" encoding="EBCDIC"?><graphml/>`, 1, "", "EBCDIC"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseGraphML(strings.NewReader(tc.doc), "t.graphml")
			pe := asParseError(t, err)
			if pe.File != "t.graphml" || pe.Line != tc.line || pe.Field != tc.field || !strings.Contains(pe.Error(), tc.reason) {
				t.Errorf("got %q (line %d, field %q); want line %d, field %q, reason containing %q",
					pe.Error(), pe.Line, pe.Field, tc.line, tc.field, tc.reason)
			}
		})
	}
}

func TestGraphMLLatin1(t *testing.T) {
	doc := []byte("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<graphml><key id=\"l\" for=\"node\" attr.name=\"label\"/><graph><node id=\"z\"><data key=\"l\">Z\xfcrich</data></node></graph></graphml>")
	g, err := ParseGraphML(bytes.NewReader(doc), "latin1.graphml")
	if err != nil {
		t.Fatal(err)
	}
	if g.Nodes[0].Label != "Zürich" || g.Name != "latin1" {
		t.Errorf("got %+v", g)
	}
}
