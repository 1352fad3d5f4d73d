package topology

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const exampleYAML = `name: example
nodes:
  - id: a
    label: Site A      # optional
    asn: 64500         # optional
    lat: 46.2          # optional, with lon
    lon: 6.1
    prefixes: [192.0.2.0/24, 2001:db8::/48]   # optional
  - id: b
links:
  - {from: a, to: b, metric: 10, capacity: 10e9, latency: 2.5, directed: false}   # metric default 1, others optional
`

func TestParseYAMLExample(t *testing.T) {
	g, err := ParseYAML([]byte(exampleYAML), "example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := &Graph{
		Name: "example",
		Nodes: []Node{
			{ID: "a", Label: "Site A", ASN: 64500, Lat: 46.2, Lon: 6.1, HasCoords: true,
				Prefixes: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("2001:db8::/48")}},
			{ID: "b", Label: "b"},
		},
		Links: []Link{{From: 0, To: 1, Metric: 10, Capacity: 10e9, Latency: 2.5}},
	}
	if !reflect.DeepEqual(g, want) {
		t.Errorf("got  %+v\nwant %+v", g, want)
	}
	if err := g.Validate(); err != nil {
		t.Error(err)
	}
}

func TestParseYAMLForms(t *testing.T) {
	tests := []struct {
		name, doc string
		check     func(t *testing.T, g *Graph)
	}{
		{"json", `{"name": "j", "nodes": [{"id": "a", "asn": 1, "prefixes": ["10.1.2.3/8"]}, {"id": "b"}],
	"links": [{"from": "a", "to": "b", "metric": 2.5, "directed": true}]}`,
			func(t *testing.T, g *Graph) {
				if g.Name != "j" || g.Nodes[0].Prefixes[0] != netip.MustParsePrefix("10.0.0.0/8") ||
					g.Links[0] != (Link{From: 0, To: 1, Metric: 2.5, Directed: true}) {
					t.Errorf("got %+v", g)
				}
			}},
		{"defaults", "nodes:\n- id: x\n- id: 7\n  label: 8\nlinks:\n- from: x\n  to: 7\n",
			func(t *testing.T, g *Graph) {
				if g.Name != "t" || g.Nodes[1].ID != "7" || g.Nodes[1].Label != "8" ||
					g.Links[0] != (Link{From: 0, To: 1, Metric: 1}) {
					t.Errorf("got %+v", g)
				}
			}},
		{"nulls are absent", "name: ~\nnodes:\n- {id: a, label: null, asn: ~, lat: ~, lon: ~, prefixes: ~}\nlinks: ~\n",
			func(t *testing.T, g *Graph) {
				if g.Name != "t" || !reflect.DeepEqual(g.Nodes, []Node{{ID: "a", Label: "a"}}) || g.Links != nil {
					t.Errorf("got %+v", g)
				}
			}},
		{"empty", "nodes: []\n", func(t *testing.T, g *Graph) {
			if len(g.Nodes) != 0 || len(g.Links) != 0 {
				t.Errorf("got %+v", g)
			}
		}},
		{"prefix dedup", "nodes:\n- {id: a, prefixes: [10.0.0.1/24, 10.0.0.0/24, '::1/0']}\n",
			func(t *testing.T, g *Graph) {
				want := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/24"), netip.MustParsePrefix("::/0")}
				if !reflect.DeepEqual(g.Nodes[0].Prefixes, want) {
					t.Errorf("got %v", g.Nodes[0].Prefixes)
				}
			}},
		{"anchors and merge keys", `
defaults: &ten {metric: 10, capacity: 1e10}
nodes: [{id: a}, {id: b}, {id: c}]
links:
  - {<<: *ten, from: a, to: b}
  - {<<: *ten, from: b, to: c, metric: 3}
  - {<<: [{latency: 1}, *ten], from: &x a, to: c, latency: 2}
  - {from: *x, to: a}
`, nil}, // "defaults" is an unknown top-level field: see below
		{"anchors and merge keys, accepted", `
nodes: [{id: a}, {id: b}, {id: c}]
links:
  - &ten {metric: 10, capacity: 1e10, from: a, to: b}
  - {<<: *ten, from: b, to: c, metric: 3}
  - {<<: [{latency: 1}, *ten], to: c, latency: 2}
  - {from: a, to: a}
`, func(t *testing.T, g *Graph) {
			want := []Link{
				{From: 0, To: 1, Metric: 10, Capacity: 1e10},
				{From: 1, To: 2, Metric: 3, Capacity: 1e10},
				{From: 0, To: 2, Metric: 10, Capacity: 1e10, Latency: 2},
				{From: 0, To: 0, Metric: 1},
			}
			if !reflect.DeepEqual(g.Links, want) {
				t.Errorf("got %+v", g.Links)
			}
		}},
		{"yaml numbers", "nodes: [{id: a, asn: 0x10}, {id: b, asn: 4294967295}]\nlinks: [{from: a, to: b, metric: 1_000, capacity: 0}]\n",
			func(t *testing.T, g *Graph) {
				if g.Nodes[0].ASN != 16 || g.Nodes[1].ASN != 4294967295 || g.Links[0].Metric != 1000 {
					t.Errorf("got %+v", g)
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g, err := ParseYAML([]byte(tc.doc), "dir/t.yaml")
			if tc.check == nil {
				if err == nil {
					t.Fatal("want an error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := g.Validate(); err != nil {
				t.Fatal(err)
			}
			tc.check(t, g)
		})
	}
}

func TestParseYAMLErrors(t *testing.T) {
	const nodes = "nodes:\n- id: a\n- id: b\n" // lines 1-3
	tests := []struct {
		name, doc string
		line      int
		field     string
		reason    string
	}{
		// document level
		{"empty", "", 0, "", "empty document"},
		{"comment only", "# nothing\n", 0, "", "empty document"},
		{"syntax", "nodes:\n- id: a\n  label: [x,\n", 3, "", "YAML syntax error"},
		{"two documents", "nodes: []\n---\nnodes: []\n", 2, "", "more than one YAML document"},
		{"top level sequence", "- a\n", 1, "", "top level must be a mapping"},
		{"unknown top field", nodes + "edges: []\n", 4, "edges", "unknown field"},
		{"duplicate top field", nodes + "nodes: []\n", 4, "nodes", "duplicate key (first at line 1)"},
		{"missing nodes", "name: x\n", 1, "nodes", "missing required field"},
		{"nodes scalar", "nodes: 3\n", 1, "nodes", "want a sequence"},
		{"name not scalar", "name: [x]\nnodes: []\n", 1, "name", "want a string"},
		{"unknown anchor", "nodes: *x\n", 0, "", "unknown anchor"},

		// nodes
		{"node not mapping", "nodes:\n- a\n", 2, "nodes[0]", "want a mapping"},
		{"missing id", "nodes:\n- label: x\n", 2, "nodes[0].id", "missing required field"},
		{"null id", "nodes:\n- id: ~\n", 2, "nodes[0].id", "want a string, found null"},
		{"empty id", "nodes:\n- id: ''\n", 2, "nodes[0].id", "empty node id"},
		{"bool id", "nodes:\n- id: true\n", 2, "nodes[0].id", "want a string"},
		{"duplicate id", nodes + "- id: c\n-\n  id: a\n", 6, "nodes[3].id", `duplicate node id "a" (first at line 2)`},
		{"unknown node field", nodes + "  colour: red\n", 4, "nodes[1].colour", "unknown field"},
		{"duplicate node field", "nodes:\n- id: a\n  id: b\n", 3, "nodes[0].id", "duplicate key"},
		{"asn negative", nodes + "  asn: -1\n", 4, "nodes[1].asn", "out of range"},
		{"asn too big", nodes + "  asn: 4294967296\n", 4, "nodes[1].asn", "out of range"},
		{"asn string", nodes + "  asn: AS3\n", 4, "nodes[1].asn", "want an integer"},
		{"asn float", nodes + "  asn: 1.5\n", 4, "nodes[1].asn", "want an integer"},
		{"lat without lon", nodes + "  lat: 1\n", 4, "nodes[1].lat", "without lon"},
		{"lon without lat", nodes + "  lon: 1\n", 4, "nodes[1].lon", "without lat"},
		{"lat range", nodes + "  lat: 90.5\n  lon: 0\n", 4, "nodes[1].lat", "out of range"},
		{"lon range", nodes + "  lat: 0\n  lon: -180.5\n", 5, "nodes[1].lon", "out of range"},
		{"lat string", nodes + "  lat: '1'\n  lon: 0\n", 4, "nodes[1].lat", "want a number"},
		{"lat nan", nodes + "  lat: .nan\n  lon: 0\n", 4, "nodes[1].lat", "finite"},
		{"prefixes scalar", nodes + "  prefixes: 10.0.0.0/8\n", 4, "nodes[1].prefixes", "want a sequence"},
		{"bad prefix", nodes + "  prefixes:\n  - 10.0.0.0/8\n  - 10.0.0.0/33\n", 6, "nodes[1].prefixes[1]", `invalid prefix "10.0.0.0/33"`},
		{"address as prefix", nodes + "  prefixes: [10.0.0.1]\n", 4, "nodes[1].prefixes[0]", "needs a /length"},
		{"prefix not string", nodes + "  prefixes: [[1]]\n", 4, "nodes[1].prefixes[0]", "want a string"},

		// links
		{"links mapping", nodes + "links: {a: b}\n", 4, "links", "want a sequence"},
		{"link not mapping", nodes + "links:\n- [a, b]\n", 5, "links[0]", "want a mapping"},
		{"missing from", nodes + "links:\n- to: a\n", 5, "links[0].from", "missing required field"},
		{"missing to", nodes + "links:\n- {from: a, to: b}\n- from: a\n", 6, "links[1].to", "missing required field"},
		{"unknown from", nodes + "links:\n- {from: a, to: b}\n- from: z\n  to: a\n", 6, "links[1].from", `unknown node "z"`},
		{"unknown to", nodes + "links:\n- from: a\n  to: zz\n", 6, "links[0].to", `unknown node "zz"`},
		{"null to", nodes + "links:\n- from: a\n  to:\n", 6, "links[0].to", "want a string, found null"},
		{"zero metric", nodes + "links:\n- {from: a, to: b, metric: 0}\n", 5, "links[0].metric", "must be > 0"},
		{"negative metric", nodes + "links:\n- from: a\n  to: b\n  metric: -2\n", 7, "links[0].metric", "must be > 0"},
		{"infinite metric", nodes + "links:\n- from: a\n  to: b\n  metric: .inf\n", 7, "links[0].metric", "finite"},
		{"nan metric", nodes + "links:\n- {from: a, to: b, metric: .NaN}\n", 5, "links[0].metric", "finite"},
		{"string metric", nodes + "links:\n- {from: a, to: b, metric: ten}\n", 5, "links[0].metric", "want a number"},
		{"negative capacity", nodes + "links:\n- {from: a, to: b}\n- {from: a, to: b}\n- {from: a, to: b}\n- {from: a, to: b, capacity: -1e9}\n", 8, "links[3].capacity", "must be >= 0"},
		{"negative latency", nodes + "links:\n- {from: a, to: b,\n   latency: -0.5}\n", 6, "links[0].latency", "must be >= 0"},
		{"infinite latency", nodes + "links:\n- {from: a, to: b, latency: -.inf}\n", 5, "links[0].latency", "finite"},
		{"directed string", nodes + "links:\n- {from: a, to: b, directed: yes}\n", 5, "links[0].directed", "want true or false"},
		{"unknown link field", nodes + "links:\n- {from: a, to: b}\n- from: a\n  to: b\n  weight: 3\n", 8, "links[1].weight", "unknown field"},
		{"duplicate link field", nodes + "links:\n- from: a\n  to: b\n  from: b\n", 7, "links[0].from", "duplicate key (first at line 5)"},
		{"bad merge", nodes + "links:\n- {<<: 3, from: a, to: b}\n", 5, "links[0].<<", "merge value"},
		{"alias cycle", "nodes:\n- &x {id: a, <<: *x}\n", 2, "nodes[0]", "nested too deeply"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseYAML([]byte(tc.doc), "t.yaml")
			pe := asParseError(t, err)
			if pe.File != "t.yaml" || pe.Line != tc.line || pe.Field != tc.field || !strings.Contains(pe.Reason, tc.reason) {
				t.Errorf("got %q (line %d, field %q); want line %d, field %q, reason containing %q",
					pe.Error(), pe.Line, pe.Field, tc.line, tc.field, tc.reason)
			}
		})
	}
}

// TestParseYAMLAliasBomb checks that aliases cannot make a small document
// expensive to walk.
func TestParseYAMLAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("nodes:\n- &n0 {id: a, prefixes: [10.0.0.0/8, 10.0.0.0/8, 10.0.0.0/8, 10.0.0.0/8, 10.0.0.0/8, 10.0.0.0/8, 10.0.0.0/8, 10.0.0.0/8]}\n")
	b.WriteString("links:\n")
	b.WriteString("- &l0 {from: a, to: a}\n")
	prev := "[*l0, *l0, *l0, *l0, *l0, *l0, *l0, *l0, *l0, *l0]"
	b.WriteString("other: &s1 " + prev + "\n")
	_, err := ParseYAML([]byte(b.String()), "bomb.yaml")
	asParseError(t, err) // unknown field "other": fine, just must not hang

	// A merge key fan-out: each level merges the previous one 8 times.
	b.Reset()
	b.WriteString("nodes:\n- &m0 {id: a}\n")
	for i := 1; i <= 19; i++ {
		fmt.Fprintf(&b, "- &m%d {<<: [*m%[2]d, *m%[2]d, *m%[2]d, *m%[2]d, *m%[2]d, *m%[2]d, *m%[2]d, *m%[2]d], id: n%d}\n", i, i-1, i)
	}
	_, err = ParseYAML([]byte(b.String()), "bomb.yaml")
	pe := asParseError(t, err)
	if !strings.Contains(pe.Reason, "expands too much") {
		t.Errorf("got %v", pe)
	}
}

func TestParseErrorFormat(t *testing.T) {
	tests := []struct {
		e    ParseError
		want string
	}{
		{ParseError{File: "f.yaml", Line: 3, Field: "links[3].metric", Reason: "must be > 0"}, "f.yaml:3: links[3].metric: must be > 0"},
		{ParseError{File: "f.yaml", Field: "nodes", Reason: "x"}, "f.yaml: nodes: x"},
		{ParseError{File: "f.yaml", Line: 2, Reason: "x"}, "f.yaml:2: x"},
		{ParseError{Line: 2, Err: os.ErrNotExist}, "<input>:2: file does not exist"},
	}
	for _, tc := range tests {
		if got := tc.e.Error(); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
	e := &ParseError{Err: os.ErrNotExist}
	if e.Unwrap() != os.ErrNotExist {
		t.Error("Unwrap")
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, name := range []string{"a.yaml", "b.YML", "c.json"} {
		p := write(name, `{"nodes": [{"id": "a"}]}`)
		g, err := Load(p)
		if err != nil {
			t.Fatal(err)
		}
		if want := strings.TrimSuffix(name, filepath.Ext(name)); g.Name != want {
			t.Errorf("%s: name %q, want %q", name, g.Name, want)
		}
	}
	p := write("g.GraphML", `<graphml><graph><node id="x"/></graph></graphml>`)
	if g, err := Load(p); err != nil || len(g.Nodes) != 1 {
		t.Errorf("Load(%s) = %v, %v", p, g, err)
	}

	p = write("bad.yaml", "nodes:\n- id: a\n  asn: x\n")
	_, err := Load(p)
	if pe := asParseError(t, err); pe.File != p || !strings.HasPrefix(err.Error(), p+":3: nodes[0].asn: ") {
		t.Errorf("got %v", err)
	}
	p = write("bad.graphml", "<graphml>")
	if _, err := Load(p); err == nil || !strings.HasPrefix(err.Error(), p+":") {
		t.Errorf("got %v", err)
	}
	p = write("x.txt", "")
	if _, err := Load(p); err == nil || !strings.Contains(err.Error(), p) {
		t.Errorf("got %v", err)
	}
	p = filepath.Join(dir, "missing.yaml")
	if _, err := Load(p); err == nil || !strings.Contains(err.Error(), p) {
		t.Errorf("got %v", err)
	}
}

func ExampleParseYAML() {
	g, err := ParseYAML([]byte(`
name: example
nodes:
  - {id: a, asn: 64500, prefixes: [192.0.2.0/24]}
  - {id: b}
  - {id: c}
links:
  - {from: a, to: b, metric: 10}
  - {from: b, to: c}
  - {from: a, to: c, metric: 20, directed: true}
`), "example.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	p := g.AllPairs()
	a, c := g.Index("a"), g.Index("c")
	cost, _ := p.Cost(a, c)
	hops, _ := p.Hops(a, c)
	_, ok := p.Cost(c, g.Index("a"))
	fmt.Println(g.Name, len(g.Nodes), len(g.Links), cost, hops, ok)

	_, err = ParseYAML([]byte("nodes:\n- id: a\nlinks:\n- {from: a, to: b}\n"), "bad.yaml")
	fmt.Println(err)
	// Output:
	// example 3 3 11 2 true
	// bad.yaml:4: links[0].to: unknown node "b"
}
