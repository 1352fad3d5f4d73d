package replay

import (
	"errors"
	"fmt"
	"math/rand/v2"

	"github.com/goalto/goalto/internal/topology"
)

// Defaults of altoctl replay generate.
const (
	DefaultMaxMetric    = 10
	DefaultLinkDown     = 0.25
	DefaultMaxDownSteps = 3
)

// GenerateOptions configures Generate.
type GenerateOptions struct {
	Steps int    // number of steps, at least 1
	Seed  uint64 // the same seed, options and graph give the same log
	// MaxMetric bounds set-metric: new metrics are whole numbers from 1
	// to MaxMetric, at least 2.
	MaxMetric int
	// LinkDown is the probability, from 0 to 1, that a step takes a link
	// down rather than changing a metric.
	LinkDown float64
	// MaxDownSteps bounds how long a link stays down: it comes back up 1
	// to MaxDownSteps steps later, at least 1.
	MaxDownSteps int
}

// Generate returns a random change log for g with exactly opts.Steps
// steps. Each step changes the metric of one link or takes one link down;
// a link taken down comes back up later with its metric, capacity,
// latency and direction, and at the latest in the last step, so after the
// whole log g has the same links with possibly other metrics. Only a link
// whose removal leaves the graph with as many connected components as
// before (directions ignored) is taken down, and never a self-loop or one
// of parallel links. Applying the log to g never fails.
func Generate(g *topology.Graph, opts GenerateOptions) ([]Step, error) {
	if err := checkGenerateOptions(g, opts); err != nil {
		return nil, err
	}
	gen := &generator{
		rng:   rand.New(rand.NewPCG(opts.Seed, 0x9e3779b97f4a7c15)),
		opts:  opts,
		work:  cloneGraph(g),
		index: nodeIndex(g),
	}
	steps := make([]Step, 0, opts.Steps)
	for i := range opts.Steps {
		s, err := gen.step(i)
		if err != nil {
			return nil, fmt.Errorf("generate step %d: %w", i+1, err)
		}
		steps = append(steps, s)
	}
	return steps, nil
}

func checkGenerateOptions(g *topology.Graph, opts GenerateOptions) error {
	switch {
	case opts.Steps < 1:
		return fmt.Errorf("steps %d: want at least 1", opts.Steps)
	case opts.MaxMetric < 2:
		return fmt.Errorf("max metric %d: want at least 2", opts.MaxMetric)
	case !(opts.LinkDown >= 0 && opts.LinkDown <= 1):
		return fmt.Errorf("link-down probability %v: want a number from 0 to 1", opts.LinkDown)
	case opts.MaxDownSteps < 1:
		return fmt.Errorf("max down steps %d: want at least 1", opts.MaxDownSteps)
	case len(g.Links) == 0:
		return errors.New("the topology has no links to change")
	}
	return g.Validate()
}

// generator builds steps on a working copy of the graph, applying each
// change as it is chosen.
type generator struct {
	rng   *rand.Rand
	opts  GenerateOptions
	work  *topology.Graph
	index map[string]int
	down  []downLink
}

// downLink is a link taken down and the step at which it comes back up.
type downLink struct {
	link topology.Link
	up   int
}

func (gen *generator) step(i int) (Step, error) {
	last := i == gen.opts.Steps-1
	var s Step
	touched := map[[2]int]bool{}
	pending := gen.down[:0:0]
	for _, d := range gen.down {
		if d.up > i && !last {
			pending = append(pending, d)
			continue
		}
		c := gen.linkChange(LinkUp, d.link)
		c.Metric, c.Capacity, c.Latency, c.Directed = d.link.Metric, d.link.Capacity, d.link.Latency, d.link.Directed
		if err := gen.add(&s, c); err != nil {
			return Step{}, err
		}
		touched[pairOf(d.link)] = true
	}
	gen.down = pending
	if last && len(s.Changes) > 0 {
		return s, nil
	}
	roll := gen.rng.Float64()
	if !last && roll < gen.opts.LinkDown {
		if k, ok := gen.pickLinkDown(touched); ok {
			l := gen.work.Links[k]
			gen.down = append(gen.down, downLink{link: l, up: i + 1 + gen.rng.IntN(gen.opts.MaxDownSteps)})
			err := gen.add(&s, gen.linkChange(LinkDown, l))
			return s, err
		}
	}
	l := gen.pickSetMetric(touched)
	c := gen.linkChange(SetMetric, l)
	c.Metric = float64(1 + gen.rng.IntN(gen.opts.MaxMetric))
	if c.Metric == l.Metric {
		c.Metric = float64(int(c.Metric)%gen.opts.MaxMetric + 1)
	}
	err := gen.add(&s, c)
	return s, err
}

// linkChange returns a change of the given kind naming the ends of l in
// its direction.
func (gen *generator) linkChange(kind Kind, l topology.Link) Change {
	return Change{Kind: kind, From: gen.work.Nodes[l.From].ID, To: gen.work.Nodes[l.To].ID}
}

// add applies c to the working graph and appends it to s.
func (gen *generator) add(s *Step, c Change) error {
	if err := apply(gen.work, gen.index, c); err != nil {
		return err
	}
	s.Changes = append(s.Changes, c)
	return nil
}

// pickSetMetric returns a random link whose ends were not touched in
// this step, or any link when every link was.
func (gen *generator) pickSetMetric(touched map[[2]int]bool) topology.Link {
	var candidates []int
	for k, l := range gen.work.Links {
		if !touched[pairOf(l)] {
			candidates = append(candidates, k)
		}
	}
	if len(candidates) == 0 {
		return gen.work.Links[gen.rng.IntN(len(gen.work.Links))]
	}
	return gen.work.Links[candidates[gen.rng.IntN(len(candidates))]]
}

func pairOf(l topology.Link) [2]int {
	if l.From > l.To {
		return [2]int{l.To, l.From}
	}
	return [2]int{l.From, l.To}
}

// pickLinkDown returns the index of a random link that may be taken
// down: not a self-loop, the only link between its ends, not touched in
// this step, and not needed to keep the graph's components together.
func (gen *generator) pickLinkDown(touched map[[2]int]bool) (int, bool) {
	links := gen.work.Links
	perPair := make(map[[2]int]int, len(links))
	for _, l := range links {
		perPair[pairOf(l)]++
	}
	want := components(len(gen.work.Nodes), links, -1)
	for _, k := range gen.rng.Perm(len(links)) {
		l := links[k]
		p := pairOf(l)
		if l.From == l.To || perPair[p] > 1 || touched[p] {
			continue
		}
		if components(len(gen.work.Nodes), links, k) == want {
			return k, true
		}
	}
	return 0, false
}

// components counts the connected components of a graph with n nodes and
// the given links, directions ignored, leaving out the link at index skip.
func components(n int, links []topology.Link, skip int) int {
	parent := make([]int, n)
	for i := range parent {
		parent[i] = i
	}
	find := func(x int) int {
		for parent[x] != x {
			parent[x] = parent[parent[x]]
			x = parent[x]
		}
		return x
	}
	count := n
	for k, l := range links {
		if k == skip {
			continue
		}
		a, b := find(l.From), find(l.To)
		if a != b {
			parent[a] = b
			count--
		}
	}
	return count
}
