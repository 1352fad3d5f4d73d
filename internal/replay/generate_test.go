package replay

import (
	"bytes"
	"fmt"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/goalto/goalto/internal/topology"
)

func defaultGenerateOptions(steps int, seed uint64) GenerateOptions {
	return GenerateOptions{Steps: steps, Seed: seed, MaxMetric: DefaultMaxMetric, LinkDown: DefaultLinkDown, MaxDownSteps: DefaultMaxDownSteps}
}

func encodeSteps(t *testing.T, steps []Step) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Encode(&buf, steps, FormatYAML); err != nil {
		t.Fatalf("Encode: %v", err)
	}
	return buf.Bytes()
}

func TestGenerateDeterministic(t *testing.T) {
	g := zooGraph(t, "Abilene.graphml")
	first, err := Generate(g, defaultGenerateOptions(50, 7))
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	again, err := Generate(g, defaultGenerateOptions(50, 7))
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	if !bytes.Equal(encodeSteps(t, first), encodeSteps(t, again)) {
		t.Error("two logs generated with seed 7 differ")
	}
	other, err := Generate(g, defaultGenerateOptions(50, 8))
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	if bytes.Equal(encodeSteps(t, first), encodeSteps(t, other)) {
		t.Error("the logs generated with seeds 7 and 8 are equal")
	}
}

// linkKeys returns the links of g as sorted "from to directed capacity
// latency" strings, metrics left out.
func linkKeys(g *topology.Graph) []string {
	var keys []string
	for _, l := range g.Links {
		a, b := g.Nodes[l.From].ID, g.Nodes[l.To].ID
		if !l.Directed && a > b {
			a, b = b, a
		}
		keys = append(keys, fmt.Sprintf("%s %s %v %v %v", a, b, l.Directed, l.Capacity, l.Latency))
	}
	slices.Sort(keys)
	return keys
}

// TestGenerateValid applies generated logs to Topology Zoo graphs step by
// step: every step applies, every intermediate topology written by
// MarshalTopology reads back with topology.ParseYAML, no link-down splits
// the graph, and the last step restores every link taken down.
func TestGenerateValid(t *testing.T) {
	tests := []struct {
		file     string
		steps    int
		linkDown float64
	}{
		{"Abilene.graphml", 200, DefaultLinkDown},
		{"Abilene.graphml", 60, 1},
		{"Geant2012.graphml", 150, 0.5},
		{"DeutscheTelekom.graphml", 100, 0.5}, // four components
		{"Colt.graphml", 100, 0.5},            // parallel links
		{"Kdl.graphml", 40, 0.5},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%v", tt.file, tt.linkDown), func(t *testing.T) {
			g := zooGraph(t, tt.file)
			if err := AssignPrefixes(g, netip.MustParsePrefix("10.0.0.0/8"), 24); err != nil {
				t.Fatal(err)
			}
			opts := defaultGenerateOptions(tt.steps, 3)
			opts.LinkDown = tt.linkDown
			steps, err := Generate(g, opts)
			if err != nil {
				t.Fatalf("Generate: %v", err)
			}
			if len(steps) != tt.steps {
				t.Fatalf("%d steps, want %d", len(steps), tt.steps)
			}
			final, kinds := checkSteps(t, g, steps)
			if !slices.Equal(linkKeys(final), linkKeys(g)) {
				t.Error("after the last step the links differ from the original ones")
			}
			if kinds[LinkDown] != kinds[LinkUp] {
				t.Errorf("%d link-down and %d link-up changes, want as many", kinds[LinkDown], kinds[LinkUp])
			}
			if tt.linkDown > 0 && kinds[LinkDown] == 0 {
				t.Error("no link-down change")
			}
			if kinds[SetMetric] == 0 && tt.linkDown < 1 {
				t.Error("no set-metric change")
			}
			back := parseLog(t, string(encodeSteps(t, steps)), FormatYAML)
			if !reflect.DeepEqual(stripPositions(back), steps) {
				t.Error("the encoded log reads back different steps")
			}
		})
	}
}

// checkSteps applies steps one by one and checks every intermediate
// topology. It returns the final graph and the number of changes of each
// kind.
func checkSteps(t *testing.T, g *topology.Graph, steps []Step) (*topology.Graph, map[Kind]int) {
	t.Helper()
	want := components(len(g.Nodes), g.Links, -1)
	kinds := map[Kind]int{}
	for i, s := range steps {
		next, err := ApplyStep(g, s)
		if err != nil {
			t.Fatalf("step %d: %v", i+1, err)
		}
		g = next
		for _, c := range s.Changes {
			kinds[c.Kind]++
			if c.Kind == SetMetric && (c.Metric < 1 || c.Metric > DefaultMaxMetric || c.Metric != float64(int(c.Metric))) {
				t.Errorf("step %d: metric %v, want a whole number from 1 to %d", i+1, c.Metric, DefaultMaxMetric)
			}
		}
		data, err := MarshalTopology(g)
		if err != nil {
			t.Fatalf("step %d: MarshalTopology: %v", i+1, err)
		}
		if _, err := topology.ParseYAML(data, fmt.Sprintf("step%d.yaml", i+1)); err != nil {
			t.Fatalf("step %d: ParseYAML: %v", i+1, err)
		}
		if got := components(len(g.Nodes), g.Links, -1); got != want {
			t.Fatalf("step %d: %d components, want %d", i+1, got, want)
		}
	}
	return g, kinds
}

func TestGenerateWithoutLinkDown(t *testing.T) {
	g := zooGraph(t, "Abilene.graphml")
	opts := defaultGenerateOptions(30, 1)
	opts.LinkDown = 0
	steps, err := Generate(g, opts)
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	for i, s := range steps {
		if len(s.Changes) != 1 || s.Changes[0].Kind != SetMetric {
			t.Errorf("step %d = %v, want one set-metric", i+1, s.Changes)
		}
	}
}

// TestGenerateTree checks a graph where every link is a bridge: no link
// may go down, so every step changes a metric.
func TestGenerateTree(t *testing.T) {
	g := parseTopology(t, "nodes: [{id: a}, {id: b}, {id: c}]\nlinks: [{from: a, to: b}, {from: b, to: c}, {from: c, to: c}]\n")
	opts := defaultGenerateOptions(20, 5)
	opts.LinkDown = 1
	steps, err := Generate(g, opts)
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	for i, s := range steps {
		if s.Changes[0].Kind != SetMetric {
			t.Errorf("step %d = %v, want set-metric", i+1, s.Changes)
		}
	}
}

func TestGenerateErrors(t *testing.T) {
	g := parseTopology(t, smallTopology)
	tests := []struct {
		name  string
		graph *topology.Graph
		edit  func(*GenerateOptions)
		want  string
	}{
		{"no steps", g, func(o *GenerateOptions) { o.Steps = 0 }, "steps 0: want at least 1"},
		{"max metric", g, func(o *GenerateOptions) { o.MaxMetric = 1 }, "max metric 1: want at least 2"},
		{"probability", g, func(o *GenerateOptions) { o.LinkDown = 1.5 }, "link-down probability 1.5"},
		{"down steps", g, func(o *GenerateOptions) { o.MaxDownSteps = 0 }, "max down steps 0"},
		{"no links", parseTopology(t, "nodes: [{id: a}]\n"), func(*GenerateOptions) {}, "no links to change"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := defaultGenerateOptions(5, 1)
			tt.edit(&opts)
			_, err := Generate(tt.graph, opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}
