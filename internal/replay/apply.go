package replay

import (
	"fmt"
	"slices"

	"github.com/goalto/goalto/internal/topology"
)

// ApplyStep returns a copy of g with the step's changes applied in order.
// g itself is never modified, so a step that fails changes nothing.
//
// A link change names its link by the IDs of its ends. It matches an
// undirected link either way round and a directed link only from From to
// To. set-metric and link-down act on every matching link, parallel links
// included, and fail when there is none. link-up fails when a matching
// link exists. add-prefix fails when any node already has the
// prefix, and remove-prefix when the node does not have it.
func ApplyStep(g *topology.Graph, s Step) (*topology.Graph, error) {
	out := cloneGraph(g)
	index := nodeIndex(out)
	for i, c := range s.Changes {
		if err := apply(out, index, c); err != nil {
			if c.Pos.File == "" && c.Pos.Line == 0 {
				return nil, fmt.Errorf("change %d (%s): %w", i+1, c, err)
			}
			return nil, err
		}
	}
	return out, nil
}

// ApplySteps applies the steps in order and returns the final graph. An
// error names the step that failed, counted from 1.
func ApplySteps(g *topology.Graph, steps []Step) (*topology.Graph, error) {
	for i, s := range steps {
		next, err := ApplyStep(g, s)
		if err != nil {
			return nil, fmt.Errorf("step %d: %w", i+1, err)
		}
		g = next
	}
	return g, nil
}

func cloneGraph(g *topology.Graph) *topology.Graph {
	out := &topology.Graph{Name: g.Name, Nodes: slices.Clone(g.Nodes), Links: slices.Clone(g.Links)}
	for i := range out.Nodes {
		out.Nodes[i].Prefixes = slices.Clone(out.Nodes[i].Prefixes)
	}
	return out
}

func nodeIndex(g *topology.Graph) map[string]int {
	index := make(map[string]int, len(g.Nodes))
	for i, n := range g.Nodes {
		index[n.ID] = i
	}
	return index
}

// matches reports whether a change naming from and to selects link l.
func matches(l topology.Link, from, to int) bool {
	return l.From == from && l.To == to || !l.Directed && l.From == to && l.To == from
}

func apply(g *topology.Graph, index map[string]int, c Change) error {
	if err := c.Validate(); err != nil {
		return err
	}
	switch c.Kind {
	case SetMetric, LinkDown, LinkUp:
		from, ok := index[c.From]
		if !ok {
			return c.errorAt("from", "unknown node %q", c.From)
		}
		to, ok := index[c.To]
		if !ok {
			return c.errorAt("to", "unknown node %q", c.To)
		}
		return applyLink(g, from, to, c)
	default:
		node, ok := index[c.Node]
		if !ok {
			return c.errorAt("node", "unknown node %q", c.Node)
		}
		return applyPrefix(g, node, c)
	}
}

func applyLink(g *topology.Graph, from, to int, c Change) error {
	switch c.Kind {
	case SetMetric:
		n := 0
		for i := range g.Links {
			if matches(g.Links[i], from, to) {
				g.Links[i].Metric = c.Metric
				n++
			}
		}
		if n == 0 {
			return noLinkError(g, from, to, c)
		}
	case LinkDown:
		before := len(g.Links)
		g.Links = slices.DeleteFunc(g.Links, func(l topology.Link) bool { return matches(l, from, to) })
		if len(g.Links) == before {
			return noLinkError(g, from, to, c)
		}
	case LinkUp:
		for _, l := range g.Links {
			if matches(l, from, to) || !c.Directed && matches(l, to, from) {
				return c.errorAt("", "a link between %s and %s already exists; use set-metric, or link-down it first", quoteID(c.From), quoteID(c.To))
			}
		}
		g.Links = append(g.Links, topology.Link{
			From: from, To: to, Directed: c.Directed,
			Metric: c.Metric, Capacity: c.Capacity, Latency: c.Latency,
		})
	}
	return nil
}

// noLinkError reports a link change that matches no link, pointing out a
// directed link the other way round.
func noLinkError(g *topology.Graph, from, to int, c Change) error {
	for _, l := range g.Links {
		if l.Directed && l.From == to && l.To == from {
			return c.errorAt("", "no link from %s to %s; the link %s -> %s is directed", quoteID(c.From), quoteID(c.To), quoteID(c.To), quoteID(c.From))
		}
	}
	return c.errorAt("", "no link between %s and %s", quoteID(c.From), quoteID(c.To))
}

func applyPrefix(g *topology.Graph, node int, c Change) error {
	n := &g.Nodes[node]
	if c.Kind == RemovePrefix {
		i := slices.Index(n.Prefixes, c.Prefix)
		if i < 0 {
			return c.errorAt("prefix", "node %s has no prefix %s", quoteID(c.Node), c.Prefix)
		}
		n.Prefixes = slices.Delete(n.Prefixes, i, i+1)
		return nil
	}
	for j := range g.Nodes {
		if !slices.Contains(g.Nodes[j].Prefixes, c.Prefix) {
			continue
		}
		if j == node {
			return c.errorAt("prefix", "node %s already has prefix %s", quoteID(c.Node), c.Prefix)
		}
		return c.errorAt("prefix", "prefix %s already belongs to node %s; remove-prefix it there first", c.Prefix, quoteID(g.Nodes[j].ID))
	}
	n.Prefixes = append(n.Prefixes, c.Prefix)
	return nil
}
