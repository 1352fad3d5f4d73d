package snapshot

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/goalto/goalto/internal/datadir"
	"github.com/goalto/goalto/internal/measure"
	"github.com/goalto/goalto/internal/topology"
)

// walkPaths is the slow reference of pathValues: it walks the links of
// every chosen path with topology.Paths.Path.
func walkPaths(g *topology.Graph, p *topology.Paths, rule measure.Rule, fwd, rev []float64) []float64 {
	n := len(g.Nodes)
	out := make([]float64, n*n)
	for i := range n {
		for j := range n {
			out[i*n+j] = math.NaN()
			path, ok := p.Path(i, j)
			if !ok {
				continue
			}
			acc, at := rule.Start(), i
			for _, l := range path {
				v := fwd[l]
				if g.Links[l].From == at {
					at = g.Links[l].To
				} else {
					v, at = rev[l], g.Links[l].From
				}
				acc = rule.Add(acc, v)
			}
			out[i*n+j] = rule.Finish(acc)
		}
	}
	return out
}

func TestPathValuesMatchWalk(t *testing.T) {
	for _, name := range []string{"Geant2012.graphml", "DeutscheTelekom.graphml"} {
		g, err := topology.Load(datadir.Path(t, "topology-zoo", name))
		if err != nil {
			t.Fatal(err)
		}
		p := g.AllPairs()
		fwd, rev := make([]float64, len(g.Links)), make([]float64, len(g.Links))
		for l := range g.Links {
			fwd[l], rev[l] = float64(l%13+1), float64(l%7+2)
			if l%50 == 0 {
				fwd[l] = math.NaN() // an unmeasured direction
			}
		}
		rules := map[string]measure.Rule{"sum": measure.Sum, "root sum squares": measure.RootSumSquares, "loss": measure.LossProduct, "bottleneck": measure.Bottleneck}
		for ruleName, rule := range rules {
			t.Run(filepath.Base(name)+" "+ruleName, func(t *testing.T) {
				want := walkPaths(g, p, rule, fwd, rev)
				got := pathValues(g, p, rule, fwd, rev)
				for k, w := range want {
					v, ok := got.At(k/got.N, k%got.N)
					if ok == math.IsNaN(w) || (ok && math.Abs(v-w) > 1e-9*max(1, math.Abs(w))) {
						t.Fatalf("pair %d->%d: got %v (defined %v), walk gives %v", k/got.N, k%got.N, v, ok, w)
					}
				}
			})
		}
	}
}
