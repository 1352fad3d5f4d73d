package costmap

import (
	"math"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/jsonenc"
	"github.com/goalto/goalto/internal/networkmap"
)

// Grid is the cost of one cost type between the i-th source and the j-th
// destination of a request, NaN when undefined. *Selection is a Grid.
type Grid interface {
	Value(i, j int) float64
}

// Dense is a Grid stored row by row, Values[i*Cols+j].
type Dense struct {
	Cols   int
	Values []float64
}

// Value returns the cost from the i-th source to the j-th destination.
func (d Dense) Value(i, j int) float64 { return d.Values[i*d.Cols+j] }

// Filter keeps the pairs that satisfy the constraints of an RFC 8189
// request: the logical OR of groups of predicates joined by a logical AND
// (RFC 8189, Section 4.1.2). Each predicate tests the Grid at its index in
// Tested. A predicate on an undefined cost is false.
type Filter struct {
	Or     [][]alto.Constraint // nil keeps every pair
	Tested []Grid
}

// Keep reports whether the pair of the i-th source and the j-th
// destination satisfies the filter.
func (f *Filter) Keep(i, j int) bool {
	if f.Or == nil {
		return true
	}
	for _, and := range f.Or {
		if f.matchAll(and, i, j) {
			return true
		}
	}
	return false
}

func (f *Filter) matchAll(and []alto.Constraint, i, j int) bool {
	for _, c := range and {
		v := f.Tested[c.Index].Value(i, j)
		if math.IsNaN(v) || !c.Match(v) {
			return false
		}
	}
	return true
}

// Costs are the costs of a filtered cost map or endpoint cost response
// under RFC 8189: one Grid per returned cost type, in request order. With
// Arrays set, each cost is a JSON array, the response to a
// multi-cost-types request (RFC 8189, Section 4.1.3). Otherwise Types and
// Grids have one element and each cost is a JSON number.
type Costs struct {
	Types  []alto.CostType
	Grids  []Grid
	Arrays bool
	Filter Filter
	// Calendars, when not nil, has one element per returned cost type:
	// the calendar of a calendared cost, which is encoded as an array of
	// values, or nil for a single value (RFC 8896, Section 5.1.2).
	// CalendarAttributes are then the calendar-response-attributes.
	Calendars          []*CalendarGrid
	CalendarAttributes []alto.CalendarResponseAttributes
}

// AppendMetaCostType appends the "cost-type" member of the response meta
// and, for arrays, the "multi-cost-types" member, which repeats the
// request and leaves "cost-type" empty (RFC 8189, Section 4.1.3).
func (c *Costs) AppendMetaCostType(b []byte) []byte {
	if !c.Arrays {
		b = appendCostType(append(b, `"cost-type":`...), c.Types[0])
		return c.appendCalendarMeta(b)
	}
	b = append(b, `"cost-type":{},"multi-cost-types":[`...)
	for k, t := range c.Types {
		if k > 0 {
			b = append(b, ',')
		}
		b = appendCostType(b, t)
	}
	return c.appendCalendarMeta(append(b, ']'))
}

func appendCostType(b []byte, t alto.CostType) []byte {
	b = append(b, `{"cost-mode":`...)
	b = jsonenc.String(b, t.Mode)
	b = append(b, `,"cost-metric":`...)
	b = jsonenc.String(b, t.Metric)
	return append(b, '}')
}

// AppendRows appends the members of a cost map object, one per source
// with its destination costs, keyed by srcKeys and dstKeys. It leaves out
// pairs that fail the filter and sources left with no costs. A scalar
// cost that is undefined is left out, as RFC 7285, Section 11.2.3.6
// does. In an array each undefined cost is null, and a pair with no
// defined cost at all is left out, which RFC 8189, Section 4.1.3 allows.
func (c *Costs) AppendRows(b []byte, srcKeys, dstKeys []string) []byte {
	rows := 0
	for i, s := range srcKeys {
		rowStart := len(b)
		if rows > 0 {
			b = append(b, ',')
		}
		b = jsonenc.String(b, s)
		b = append(b, ":{"...)
		n := 0
		for j, d := range dstKeys {
			if !c.defined(i, j) || !c.Filter.Keep(i, j) {
				continue
			}
			if n > 0 {
				b = append(b, ',')
			}
			n++
			b = jsonenc.String(b, d)
			b = append(b, ':')
			b = c.appendValue(b, i, j)
		}
		if n == 0 {
			b = b[:rowStart]
			continue
		}
		b = append(b, '}')
		rows++
	}
	return b
}

// defined reports whether any returned cost of a pair is defined.
func (c *Costs) defined(i, j int) bool {
	for _, g := range c.Grids {
		if !math.IsNaN(g.Value(i, j)) {
			return true
		}
	}
	return false
}

func (c *Costs) appendValue(b []byte, i, j int) []byte {
	if !c.Arrays {
		if cal := c.calendarAt(0); cal != nil {
			return cal.appendCalendar(b, i, j)
		}
		return jsonenc.Number(b, c.Grids[0].Value(i, j))
	}
	b = append(b, '[')
	for k, g := range c.Grids {
		if k > 0 {
			b = append(b, ',')
		}
		if cal := c.calendarAt(k); cal != nil && cal.Rows[i*cal.Cols+j] != nil {
			b = cal.appendCalendar(b, i, j)
		} else if v := g.Value(i, j); math.IsNaN(v) {
			b = append(b, "null"...)
		} else {
			b = jsonenc.Number(b, v)
		}
	}
	return append(b, ']')
}

// EncodeCosts appends an InfoResourceCostMap response of RFC 7285,
// Section 11.2.3.6, as extended by RFC 8189, Section 4.1.3, for the
// PIDs srcs and dsts of network map nm by index.
func EncodeCosts(b []byte, nm *networkmap.Map, srcs, dsts []int, c *Costs) []byte {
	b = append(b, `{"meta":{"dependent-vtags":[{"resource-id":`...)
	b = jsonenc.String(b, nm.ResourceID())
	b = append(b, `,"tag":"`...)
	b = append(b, nm.Tag()...)
	b = append(b, `"}],`...)
	b = c.AppendMetaCostType(b)
	b = append(b, `},"cost-map":{`...)
	b = c.AppendRows(b, pidNames(nm, srcs), pidNames(nm, dsts))
	return append(b, "}}\n"...)
}

func pidNames(nm *networkmap.Map, pids []int) []string {
	out := make([]string, len(pids))
	for i, p := range pids {
		out[i] = nm.Name(p)
	}
	return out
}

// Dense returns the costs of the selection as a Dense grid, read from the
// cost matrix once, so that an encoder that reads each cost several times
// reads contiguous memory.
func (s *Selection) Dense() Dense {
	if s.local != nil {
		return Dense{Cols: len(s.Dsts), Values: s.local}
	}
	values := make([]float64, len(s.Srcs)*len(s.Dsts))
	for i, src := range s.Srcs {
		row := values[i*len(s.Dsts) : (i+1)*len(s.Dsts)]
		for j, dst := range s.Dsts {
			row[j], _ = s.m.Cost(src, dst)
		}
	}
	return Dense{Cols: len(s.Dsts), Values: values}
}
