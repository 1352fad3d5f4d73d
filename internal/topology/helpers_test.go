package topology

import (
	"errors"
	"testing"

	"github.com/goalto/goalto/internal/datadir"
)

// dataDir returns a folder of the shared input data (the Topology Zoo and
// LHCONE files); see package datadir for how it is found and when the test
// is skipped.
func dataDir(t testing.TB, sub string) string {
	t.Helper()
	return datadir.Path(t, sub)
}

func mustLoad(t testing.TB, path string) *Graph {
	t.Helper()
	g, err := Load(path)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if err := g.Validate(); err != nil {
		t.Fatalf("%s: Validate: %v", path, err)
	}
	return g
}

// asParseError checks that err is a *ParseError and returns it.
func asParseError(t *testing.T, err error) *ParseError {
	t.Helper()
	if err == nil {
		t.Fatal("got no error")
	}
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v (%T) is not a *ParseError", err, err)
	}
	return pe
}

// components counts connected components, ignoring link direction.
func components(g *Graph) int {
	parent := make([]int, len(g.Nodes))
	for i := range parent {
		parent[i] = i
	}
	var find func(int) int
	find = func(x int) int {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	n := len(g.Nodes)
	for _, l := range g.Links {
		a, b := find(l.From), find(l.To)
		if a != b {
			parent[a] = b
			n--
		}
	}
	return n
}

// parallelLinks counts links that repeat an earlier link's unordered node
// pair.
func parallelLinks(g *Graph) int {
	seen := map[[2]int]bool{}
	n := 0
	for _, l := range g.Links {
		k := [2]int{min(l.From, l.To), max(l.From, l.To)}
		if seen[k] {
			n++
		}
		seen[k] = true
	}
	return n
}
