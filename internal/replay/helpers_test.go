package replay

import (
	"errors"
	"os"
	"testing"

	"github.com/goalto/goalto/internal/datadir"
	"github.com/goalto/goalto/internal/topology"
)

// smallTopology has an undirected triangle a-b-c, a directed link c->d
// and prefixes on a, b and d.
const smallTopology = `name: small
nodes:
  - {id: a, prefixes: [192.0.2.0/26]}
  - {id: b, prefixes: [192.0.2.64/26, 2001:db8::/48]}
  - {id: c}
  - {id: d, prefixes: [198.51.100.0/24]}
links:
  - {from: a, to: b, metric: 1}
  - {from: b, to: c, metric: 2, capacity: 1e9}
  - {from: a, to: c, metric: 5, latency: 3.5}
  - {from: c, to: d, metric: 1, directed: true}
`

func parseTopology(t testing.TB, text string) *topology.Graph {
	t.Helper()
	g, err := topology.ParseYAML([]byte(text), "small.yaml")
	if err != nil {
		t.Fatalf("ParseYAML: %v", err)
	}
	return g
}

// zooGraph reads a Topology Zoo GraphML file of the data directory.
func zooGraph(t testing.TB, name string) *topology.Graph {
	t.Helper()
	g, err := topology.Load(datadir.Path(t, "topology-zoo", name))
	if err != nil {
		t.Fatalf("Load %s: %v", name, err)
	}
	return g
}

func parseLog(t testing.TB, text string, format Format) []Step {
	t.Helper()
	steps, err := Parse([]byte(text), "changes", format)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return steps
}

// asError returns err as an *Error, failing the test when it is not one.
func asError(t *testing.T, err error) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *replay.Error", err, err)
	}
	return e
}

// stripPositions returns a copy of steps without positions, for
// comparing steps read from different sources.
func stripPositions(steps []Step) []Step {
	out := make([]Step, len(steps))
	for i, s := range steps {
		s.Pos = Pos{}
		s.Changes = append([]Change(nil), s.Changes...)
		for j := range s.Changes {
			s.Changes[j].Pos = Pos{}
			s.Changes[j].fieldLines = nil
		}
		out[i] = s
	}
	return out
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
