package snapshot

import (
	"math"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/costmap"
	"github.com/goalto/goalto/internal/measure"
	"github.com/goalto/goalto/internal/netdef"
	"github.com/goalto/goalto/internal/topology"
)

// MeasureStats counts, for the series of one measurement kind and
// operator, the topology link directions by the state of their value.
type MeasureStats struct {
	Fresh, Stale, Missing int
}

// measured are the inputs of measured cost types and calendars, kept
// from buildCosts for buildCalendars.
type measured struct {
	graph *topology.Graph // nil without a topology
	paths *topology.Paths
	set   *measure.Set // nil before the first round of measurements
	rows  []int32      // topology node of each PID, -1 for none
}

// onlyMeasured reports whether every cost type with the metric is
// measured, so that the topology need not compute it.
func onlyMeasured(def *netdef.Definition, metric string) bool {
	for name, ct := range def.CostTypes {
		if ct.Metric == metric && !def.Measurements.Measures(name) {
			return false
		}
	}
	return true
}

// keepMeasured keeps the inputs of measured cost types and calendars.
func (s *Snapshot) keepMeasured(in *inputs, asg *assignment) {
	nm := s.NetworkMap
	rows := noRows(nm.Len())
	for i := range rows {
		if node, ok := asg.pidNode[nm.Name(i)]; ok {
			rows[i] = int32(node)
		}
	}
	s.measured = &measured{graph: in.graph, paths: in.paths, set: in.measurements, rows: rows}
}

// linkValues returns the values of the measured metric for each link of
// g, in the direction From to To and in the reverse direction, from the
// value of each link direction; NaN marks an unknown value. A
// residual bandwidth is the link capacity less its utilization, and
// unknown without a capacity.
func linkValues(g *topology.Graph, metric string, share bool, value func(measure.Direction) (float64, bool)) (fwd, rev []float64) {
	base, _ := alto.SplitCostMetric(metric)
	fwd, rev = make([]float64, len(g.Links)), make([]float64, len(g.Links))
	for l, link := range g.Links {
		from, to := g.Nodes[link.From].ID, g.Nodes[link.To].ID
		fwd[l] = linkValue(link, base, share, value, measure.Direction{From: from, To: to})
		rev[l] = math.NaN()
		if !link.Directed {
			rev[l] = linkValue(link, base, share, value, measure.Direction{From: to, To: from})
		}
	}
	return fwd, rev
}

func linkValue(link topology.Link, base string, share bool, value func(measure.Direction) (float64, bool), dir measure.Direction) float64 {
	v, ok := value(dir)
	if !ok {
		return math.NaN()
	}
	if base != alto.CostMetricBWResidual {
		return v
	}
	if link.Capacity <= 0 { // 0 is unknown
		return math.NaN()
	}
	capacity := link.Capacity / bitsPerByte
	if share {
		return max(capacity*(1-v), 0)
	}
	return max(capacity-v, 0)
}

// pathValues folds the link values along the chosen path of every node
// pair with the rule of the metric. A pair whose path has a link of
// unknown value stays undefined. The chosen paths from one source form
// a tree, so each pair extends the value of the pair that ends one hop
// earlier (topology.Paths.LastLink), in order of hop count: N² steps in
// all, not N² times the path length.
func pathValues(g *topology.Graph, p *topology.Paths, rule measure.Rule, fwd, rev []float64) *costmap.Matrix {
	n := len(g.Nodes)
	m := costmap.NewMatrix(n)
	acc := make([]float64, n)
	order := make([]int, 0, n)
	for i := range n {
		order = byHops(p, i, order[:0])
		acc[i] = rule.Start()
		for _, j := range order[1:] { // order[0] is i itself
			l, prev, _ := p.LastLink(i, j)
			v := fwd[l]
			if g.Links[l].From != prev {
				v = rev[l]
			}
			acc[j] = rule.Add(acc[prev], v)
		}
		for _, j := range order {
			if v := rule.Finish(acc[j]); !math.IsNaN(v) {
				m.Set(i, j, v)
			}
		}
	}
	return m
}

// byHops appends the nodes reachable from i to order, sorted by the hop
// count of their chosen path (a counting sort), so i comes first.
func byHops(p *topology.Paths, i int, order []int) []int {
	counts := make([]int, p.N+1)
	for j := range p.N {
		if h, ok := p.Hops(i, j); ok {
			counts[h+1]++
		}
	}
	for h := 1; h <= p.N; h++ {
		counts[h] += counts[h-1]
	}
	start := len(order)
	order = append(order, make([]int, counts[p.N])...)
	for j := range p.N {
		if h, ok := p.Hops(i, j); ok {
			order[start+counts[h]] = j
			counts[h]++
		}
	}
	return order
}

// roundTrip combines the value of each direction of a pair into the
// delay-rt value: the one-way values there and back combined by rule.
func roundTrip(ow *costmap.Matrix, rule measure.Rule) *costmap.Matrix {
	m := costmap.NewMatrix(ow.N)
	for i := range ow.N {
		for j := range ow.N {
			there, ok1 := ow.At(i, j)
			back, ok2 := ow.At(j, i)
			if ok1 && ok2 {
				m.Set(i, j, rule.Add(there, back))
			}
		}
	}
	return m
}

// measuredMatrix computes the node-by-node matrix of a measured metric
// from the value of each link direction.
func measuredMatrix(g *topology.Graph, p *topology.Paths, metric string, share bool, value func(measure.Direction) (float64, bool)) *costmap.Matrix {
	rule, err := measure.RuleFor(metric)
	if err != nil { // the definition was checked
		return costmap.NewMatrix(len(g.Nodes))
	}
	fwd, rev := linkValues(g, metric, share, value)
	m := pathValues(g, p, rule, fwd, rev)
	if base, _ := alto.SplitCostMetric(metric); base == alto.CostMetricDelayRT {
		return roundTrip(m, rule)
	}
	return m
}

// currentValue returns the lookup of the current, fresh value of a link
// direction for a metric.
func currentValue(set *measure.Set, metric string) func(measure.Direction) (float64, bool) {
	key, _ := measure.Needs(metric)
	values := set.Links[key]
	return func(d measure.Direction) (float64, bool) {
		v, ok := values[d]
		return v.V, ok && !v.Stale && !math.IsNaN(v.V)
	}
}

// measuredCosts returns the matrix of a measured cost type and the
// topology node of each PID. Without a topology or before the first
// measurements every pair is undefined.
func (s *Snapshot) measuredCosts(metric string) (*costmap.Matrix, []int32) {
	md := s.measured
	if md.graph == nil || md.set == nil {
		return costmap.NewMatrix(len(md.rows)), noRows(len(md.rows))
	}
	return measuredMatrix(md.graph, md.paths, metric, md.set.UtilizationShare, currentValue(md.set, metric)), md.rows
}

func noRows(n int) []int32 {
	rows := make([]int32, n)
	for i := range rows {
		rows[i] = -1
	}
	return rows
}

// measureStats counts the fresh, stale and missing values of every
// series that a measured cost type of the definition reads, over the
// directions of the topology links.
func (s *Snapshot) measureStats(def *netdef.Definition) map[measure.SeriesKey]MeasureStats {
	md := s.measured
	if md == nil || md.graph == nil || !def.Measurements.Enabled() {
		return nil
	}
	out := map[measure.SeriesKey]MeasureStats{}
	for _, name := range def.Measurements.CostTypes {
		key, _ := measure.Needs(def.CostTypes[name].Metric)
		if _, done := out[key]; done {
			continue
		}
		var values map[measure.Direction]measure.Value
		if md.set != nil {
			values = md.set.Links[key]
		}
		out[key] = countDirections(md.graph, values)
	}
	return out
}

func countDirections(g *topology.Graph, values map[measure.Direction]measure.Value) MeasureStats {
	var st MeasureStats
	count := func(d measure.Direction) {
		v, ok := values[d]
		switch {
		case !ok || math.IsNaN(v.V):
			st.Missing++
		case v.Stale:
			st.Stale++
		default:
			st.Fresh++
		}
	}
	for _, l := range g.Links {
		from, to := g.Nodes[l.From].ID, g.Nodes[l.To].ID
		count(measure.Direction{From: from, To: to})
		if !l.Directed {
			count(measure.Direction{From: to, To: from})
		}
	}
	return st
}

// historyCalendar computes the calendar of a measured cost type from the
// history of its series: for each interval, the path values of the
// interval's link values. A PID pair gets values only when every
// interval has one.
func (s *Snapshot) historyCalendar(c netdef.Calendar, metric string) *costmap.Calendar {
	nm := s.NetworkMap
	cal := costmap.NewCalendar(c.IntervalSize, c.Intervals, nm.Len())
	md := s.measured
	if md.graph == nil || md.set == nil {
		return cal
	}
	key, _ := measure.Needs(metric)
	history := md.set.History[measure.HistoryKey{SeriesKey: key, Size: c.IntervalSize, Intervals: c.Intervals}]
	perInterval := make([]*costmap.Matrix, c.Intervals)
	for k := range perInterval {
		perInterval[k] = measuredMatrix(md.graph, md.paths, metric, md.set.UtilizationShare, func(d measure.Direction) (float64, bool) {
			v := history[d]
			if k >= len(v) || math.IsNaN(v[k]) {
				return 0, false
			}
			return v[k], true
		})
	}
	for si := range nm.Len() {
		for di := range nm.Len() {
			if values := pairValues(perInterval, md.rows[si], md.rows[di]); values != nil {
				cal.Set(si, di, values)
			}
		}
	}
	return cal
}

// pairValues returns the values of the node pair in every interval, or
// nil when a node is missing or an interval has no value.
func pairValues(perInterval []*costmap.Matrix, src, dst int32) []float64 {
	if src < 0 || dst < 0 {
		return nil
	}
	out := make([]float64, len(perInterval))
	for k, m := range perInterval {
		v, ok := m.At(int(src), int(dst))
		if !ok {
			return nil
		}
		out[k] = v
	}
	return out
}
