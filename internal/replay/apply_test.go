package replay

import (
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/goalto/goalto/internal/topology"
)

// linksOf returns the links between two node IDs, in either direction.
func linksOf(g *topology.Graph, from, to string) []topology.Link {
	f, t := g.Index(from), g.Index(to)
	var out []topology.Link
	for _, l := range g.Links {
		if l.From == f && l.To == t || l.From == t && l.To == f {
			out = append(out, l)
		}
	}
	return out
}

func prefixesOf(g *topology.Graph, id string) []string {
	var out []string
	for _, p := range g.Nodes[g.Index(id)].Prefixes {
		out = append(out, p.String())
	}
	return out
}

func TestApplyStepKinds(t *testing.T) {
	tests := []struct {
		name   string
		change Change
		check  func(t *testing.T, g *topology.Graph)
	}{
		{"set-metric", Change{Kind: SetMetric, From: "b", To: "a", Metric: 7}, func(t *testing.T, g *topology.Graph) {
			if l := linksOf(g, "a", "b"); len(l) != 1 || l[0].Metric != 7 {
				t.Errorf("a-b links = %+v, want one with metric 7", l)
			}
			if l := linksOf(g, "b", "c"); l[0].Metric != 2 || l[0].Capacity != 1e9 {
				t.Errorf("b-c link changed: %+v", l)
			}
		}},
		{"set-metric directed", Change{Kind: SetMetric, From: "c", To: "d", Metric: 4}, func(t *testing.T, g *topology.Graph) {
			if l := linksOf(g, "c", "d"); len(l) != 1 || l[0].Metric != 4 || !l[0].Directed {
				t.Errorf("c->d links = %+v, want one directed with metric 4", l)
			}
		}},
		{"link-down", Change{Kind: LinkDown, From: "c", To: "a"}, func(t *testing.T, g *topology.Graph) {
			if l := linksOf(g, "a", "c"); len(l) != 0 {
				t.Errorf("a-c links = %+v, want none", l)
			}
			if len(g.Links) != 3 {
				t.Errorf("%d links, want 3", len(g.Links))
			}
		}},
		{"link-up", Change{Kind: LinkUp, From: "a", To: "d", Metric: 3, Capacity: 1e10, Latency: 1.5}, func(t *testing.T, g *topology.Graph) {
			want := topology.Link{From: g.Index("a"), To: g.Index("d"), Metric: 3, Capacity: 1e10, Latency: 1.5}
			if l := linksOf(g, "a", "d"); len(l) != 1 || l[0] != want {
				t.Errorf("a-d links = %+v, want %+v", l, want)
			}
		}},
		{"link-up reverse of directed", Change{Kind: LinkUp, From: "d", To: "c", Metric: 1, Directed: true}, func(t *testing.T, g *topology.Graph) {
			if l := linksOf(g, "c", "d"); len(l) != 2 {
				t.Errorf("c-d links = %+v, want c->d and d->c", l)
			}
		}},
		{"add-prefix", Change{Kind: AddPrefix, Node: "c", Prefix: netip.MustParsePrefix("203.0.113.0/24")}, func(t *testing.T, g *topology.Graph) {
			if got := prefixesOf(g, "c"); !slices.Equal(got, []string{"203.0.113.0/24"}) {
				t.Errorf("c prefixes = %v", got)
			}
		}},
		{"remove-prefix", Change{Kind: RemovePrefix, Node: "b", Prefix: netip.MustParsePrefix("192.0.2.64/26")}, func(t *testing.T, g *topology.Graph) {
			if got := prefixesOf(g, "b"); !slices.Equal(got, []string{"2001:db8::/48"}) {
				t.Errorf("b prefixes = %v", got)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			orig := parseTopology(t, smallTopology)
			g, err := ApplyStep(orig, Step{Changes: []Change{tt.change}})
			if err != nil {
				t.Fatalf("ApplyStep: %v", err)
			}
			tt.check(t, g)
			if err := g.Validate(); err != nil {
				t.Errorf("result invalid: %v", err)
			}
			if !reflect.DeepEqual(orig, parseTopology(t, smallTopology)) {
				t.Error("ApplyStep modified its input graph")
			}
		})
	}
}

func TestApplyStepParallelLinks(t *testing.T) {
	g := parseTopology(t, "nodes: [{id: a}, {id: b}]\nlinks:\n  - {from: a, to: b, metric: 1}\n  - {from: b, to: a, metric: 3}\n")
	g2, err := ApplyStep(g, Step{Changes: []Change{{Kind: SetMetric, From: "a", To: "b", Metric: 5}}})
	if err != nil {
		t.Fatalf("set-metric: %v", err)
	}
	for _, l := range g2.Links {
		if l.Metric != 5 {
			t.Errorf("parallel link metric %v, want 5 on both", l.Metric)
		}
	}
	g3, err := ApplyStep(g, Step{Changes: []Change{{Kind: LinkDown, From: "b", To: "a"}}})
	if err != nil {
		t.Fatalf("link-down: %v", err)
	}
	if len(g3.Links) != 0 {
		t.Errorf("%d links after link-down, want 0", len(g3.Links))
	}
}

func TestApplyStepInOrder(t *testing.T) {
	steps := parseLog(t, `steps:
  - changes:
      - link-down: {from: a, to: b}
      - link-up: {from: a, to: b, metric: 9}
      - remove-prefix: {node: a, prefix: 192.0.2.0/26}
      - add-prefix: {node: c, prefix: 192.0.2.0/26}
`, FormatYAML)
	g, err := ApplyStep(parseTopology(t, smallTopology), steps[0])
	if err != nil {
		t.Fatalf("ApplyStep: %v", err)
	}
	if l := linksOf(g, "a", "b"); len(l) != 1 || l[0].Metric != 9 {
		t.Errorf("a-b links = %+v, want one with metric 9", l)
	}
	if got := prefixesOf(g, "c"); !slices.Equal(got, []string{"192.0.2.0/26"}) {
		t.Errorf("c prefixes = %v, want the prefix moved from a", got)
	}
}

func TestApplyStepErrors(t *testing.T) {
	tests := []struct {
		name  string
		log   string
		line  int
		field string
		want  string
	}{
		{"unknown from", "- set-metric: {from: x, to: b, metric: 2}", 4, "set-metric.from", `unknown node "x"`},
		{"unknown to", "- link-down:\n          from: a\n          to: y", 6, "link-down.to", `unknown node "y"`},
		{"unknown node", "- add-prefix: {node: z, prefix: 192.0.2.128/25}", 4, "add-prefix.node", `unknown node "z"`},
		{"no link", "- set-metric: {from: a, to: d, metric: 2}", 4, "set-metric", "no link between a and d"},
		{"wrong direction", "- link-down: {from: d, to: c}", 4, "link-down", "no link from d to c; the link c -> d is directed"},
		{"link exists", "- link-up: {from: b, to: a}", 4, "link-up", "a link between b and a already exists"},
		{"directed link exists", "- link-up: {from: d, to: c}", 4, "link-up", "a link between d and c already exists"},
		{"prefix present", "- add-prefix: {node: b, prefix: \"2001:db8::/48\"}", 4, "add-prefix.prefix", "node b already has prefix 2001:db8::/48"},
		{"prefix elsewhere", "- add-prefix: {node: c, prefix: 198.51.100.0/24}", 4, "add-prefix.prefix", "already belongs to node d"},
		{"prefix absent", "- remove-prefix: {node: a, prefix: 198.51.100.0/24}", 4, "remove-prefix.prefix", "node a has no prefix 198.51.100.0/24"},
		{"second change", "- set-metric: {from: a, to: b, metric: 2}\n      - link-down: {from: a, to: d}", 5, "link-down", "no link between a and d"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			steps := parseLog(t, "steps:\n  - changes: [{set-metric: {from: a, to: b, metric: 3}}]\n  - changes:\n      "+tt.log+"\n", FormatYAML)
			_, err := ApplySteps(parseTopology(t, smallTopology), steps)
			if err == nil {
				t.Fatal("ApplySteps succeeded, want an error")
			}
			if !strings.HasPrefix(err.Error(), "step 2: changes:") {
				t.Errorf("error %q does not start with the step and the change log file", err)
			}
			e := asError(t, err)
			if e.Line != tt.line {
				t.Errorf("line = %d, want %d (%v)", e.Line, tt.line, err)
			}
			if !strings.HasSuffix(e.Field, tt.field) || !strings.HasPrefix(e.Field, "steps[1].changes[") {
				t.Errorf("field = %q, want steps[1].changes[N].%s", e.Field, tt.field)
			}
			if !strings.Contains(e.Reason, tt.want) {
				t.Errorf("reason = %q, want it to contain %q", e.Reason, tt.want)
			}
		})
	}
}

func TestApplyStepCodeChanges(t *testing.T) {
	g := parseTopology(t, smallTopology)
	tests := []struct {
		name   string
		change Change
		want   string
	}{
		{"no kind", Change{From: "a", To: "b"}, `change 1 (unknown change kind ""): unknown change kind ""`},
		{"missing metric", Change{Kind: SetMetric, From: "a", To: "b"}, "change 1 (set-metric a b metric=0): metric: metric must be finite and > 0, found 0"},
		{"missing prefix", Change{Kind: AddPrefix, Node: "a"}, "prefix: missing or invalid prefix"},
		{"unused field", Change{Kind: LinkDown, From: "a", To: "b", Capacity: 3}, "capacity, latency and directed are used only by link-up"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ApplyStep(g, Step{Changes: []Change{tt.change}})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestApplyStepAllOrNothing(t *testing.T) {
	g := parseTopology(t, smallTopology)
	step := Step{Changes: []Change{
		{Kind: SetMetric, From: "a", To: "b", Metric: 8},
		{Kind: LinkDown, From: "a", To: "d"},
	}}
	if _, err := ApplyStep(g, step); err == nil {
		t.Fatal("ApplyStep succeeded, want an error for a-d")
	}
	if l := linksOf(g, "a", "b"); l[0].Metric != 1 {
		t.Errorf("a-b metric %v after a failed step, want 1", l[0].Metric)
	}
}
