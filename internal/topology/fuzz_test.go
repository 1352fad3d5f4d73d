package topology

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/goalto/goalto/internal/datadir"
)

// checkParsed checks what every parser promises: either a *ParseError or a
// valid graph on which AllPairs works.
func checkParsed(t *testing.T, g *Graph, err error) {
	t.Helper()
	if err != nil {
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Fatalf("error %v is %T, not *ParseError", err, err)
		}
		if g != nil {
			t.Fatal("graph returned with an error")
		}
		_ = pe.Error()
		return
	}
	if err := g.Validate(); err != nil {
		t.Fatalf("parsed graph is invalid: %v", err)
	}
	if len(g.Nodes) <= 200 {
		g.AllPairs()
	}
}

func addSeedFiles(f *testing.F, sub, pattern string) {
	root := datadir.Find()
	if root == "" {
		return
	}
	files, _ := filepath.Glob(filepath.Join(root, sub, pattern))
	for _, name := range files {
		if data, err := os.ReadFile(name); err == nil && len(data) < 64<<10 {
			f.Add(data)
		}
	}
}

func FuzzParseYAML(f *testing.F) {
	f.Add([]byte(exampleYAML))
	f.Add([]byte(`{"nodes": [{"id": "a", "prefixes": ["10.0.0.0/8"]}, {"id": "b"}], "links": [{"from": "a", "to": "b", "metric": 2}]}`))
	f.Add([]byte("nodes:\n- &a {id: a, lat: 1, lon: 2}\n- {<<: *a, id: b}\nlinks:\n- {from: a, to: b, directed: true, latency: 1}\n"))
	f.Add([]byte("nodes:\n  A:\n    id: 1\n    asn: 10\n    ip-prefixes: [10.0.0.0/8]\n    peers: [2]\n  B:\n    id: 2\n    ip: 10.0.0.1\n    vrf: true\n    prefixes: 3\nlinks:\n- [1, 2]\n"))
	addSeedFiles(f, "lhcone-openalto-simulator", "*.yaml")
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := ParseYAML(data, "fuzz.yaml")
		checkParsed(t, g, err)
	})
}

func FuzzParseGraphML(f *testing.F) {
	f.Add([]byte(`<?xml version="1.0"?><graphml xmlns="http://graphml.graphdrawing.org/xmlns"><key id="d0" for="node" attr.name="label"/><key id="d1" for="node" attr.name="Latitude"/><key id="d2" for="node" attr.name="Longitude"/><key id="d3" for="edge" attr.name="LinkSpeedRaw"><default>1e9</default></key><graph edgedefault="undirected"><node id="a"><data key="d0">A</data><data key="d1">1</data><data key="d2">2</data></node><node id="b"/><edge source="a" target="b"/><edge source="b" target="a" directed="true"><data key="d3">5</data></edge></graph></graphml>`))
	f.Add([]byte(`<graphml><graph edgedefault="directed"><node id="x"/></graph></graphml>`))
	addSeedFiles(f, "topology-zoo", "Abilene.graphml")
	addSeedFiles(f, "topology-zoo", "Geant2012.graphml")
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := ParseGraphML(bytes.NewReader(data), "fuzz.graphml")
		checkParsed(t, g, err)
	})
}
