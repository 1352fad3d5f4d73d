package costmap

import (
	"math"
	"time"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/jsonenc"
)

// Calendar is the cost calendar of one cost type (RFC 8896): a cyclic
// pattern of Intervals values per PID pair, each valid for Size seconds.
// The pattern repeats every Size*Intervals seconds from the Unix epoch,
// so value k applies to the k-th interval of each period. A Calendar is
// immutable once built and safe for concurrent use.
type Calendar struct {
	Size      float64 // seconds
	Intervals int
	pids      int
	values    [][]float64 // by src*pids+dst; nil for an undefined pair
}

// NewCalendar returns an empty calendar over pids PIDs by network map
// index.
func NewCalendar(size float64, intervals, pids int) *Calendar {
	return &Calendar{Size: size, Intervals: intervals, pids: pids, values: make([][]float64, pids*pids)}
}

// Set sets the values from PID src to PID dst; v must have Intervals
// values.
func (c *Calendar) Set(src, dst int, v []float64) { c.values[src*c.pids+dst] = v }

// Values returns the values from PID src to PID dst, nil when undefined
// or when either index is negative.
func (c *Calendar) Values(src, dst int) []float64 {
	if src < 0 || dst < 0 {
		return nil
	}
	return c.values[src*c.pids+dst]
}

// Window returns the start of the interval that contains now, which is
// the calendar-start-time of a response, and the position of that
// interval in the cyclic pattern.
func (c *Calendar) Window(now time.Time) (start time.Time, current int) {
	start = alto.CalendarStart(now, c.Size)
	step := int64(math.Round(c.Size * float64(time.Second)))
	if step <= 0 {
		return start, 0
	}
	index := start.UnixNano() / step
	return start, int(((index % int64(c.Intervals)) + int64(c.Intervals)) % int64(c.Intervals))
}

// CalendarGrid is the calendar of one cost type for the pairs of a
// request, starting at the current interval: Rows[i*Cols+j] holds the
// values from the i-th source to the j-th destination, nil when
// undefined. As a Grid it returns the value of the current interval.
type CalendarGrid struct {
	Cols int
	Rows [][]float64
}

// Value returns the value of the current interval, NaN when undefined.
func (g *CalendarGrid) Value(i, j int) float64 {
	if r := g.Rows[i*g.Cols+j]; r != nil {
		return r[0]
	}
	return math.NaN()
}

// Select returns the calendar for the PID pairs of srcs and dsts (by
// network map index, -1 for none) rotated to start at interval current.
// In ordinal mode each interval is ranked separately over the selected
// pairs, as RFC 7285 ranks single values.
func (c *Calendar) Select(srcs, dsts []int, current int, ordinal bool) *CalendarGrid {
	n := c.Intervals
	g := &CalendarGrid{Cols: len(dsts), Rows: make([][]float64, len(srcs)*len(dsts))}
	// One allocation holds the rows of all pairs.
	values := make([]float64, len(g.Rows)*n)
	for i, s := range srcs {
		for j, d := range dsts {
			v := c.Values(s, d)
			if v == nil {
				continue
			}
			p := i*len(dsts) + j
			row := values[p*n : (p+1)*n : (p+1)*n]
			copy(row[copy(row, v[current:]):], v[:current])
			g.Rows[p] = row
		}
	}
	if ordinal {
		g.rank(c.Intervals)
	}
	return g
}

func (g *CalendarGrid) rank(intervals int) {
	column := make([]float64, len(g.Rows))
	for k := 0; k < intervals; k++ {
		for p, r := range g.Rows {
			column[p] = math.NaN()
			if r != nil {
				column[p] = r[k]
			}
		}
		Rank(column)
		for p, r := range g.Rows {
			if r != nil {
				r[k] = column[p]
			}
		}
	}
}

// appendCalendar appends the values from the i-th source to the j-th
// destination as a JSON array.
func (g *CalendarGrid) appendCalendar(b []byte, i, j int) []byte {
	b = append(b, '[')
	for k, v := range g.Rows[i*g.Cols+j] {
		if k > 0 {
			b = append(b, ',')
		}
		b = jsonenc.Number(b, v)
	}
	return append(b, ']')
}

// appendCalendarMeta appends the "calendar-response-attributes" member
// of the response meta, when a cost is calendared.
func (c *Costs) appendCalendarMeta(b []byte) []byte {
	if len(c.CalendarAttributes) == 0 {
		return b
	}
	b = append(b, `,"calendar-response-attributes":[`...)
	for k, a := range c.CalendarAttributes {
		if k > 0 {
			b = append(b, ',')
		}
		b = append(b, '{')
		if len(a.CostTypeNames) > 0 {
			b = append(b, `"cost-type-names":[`...)
			for n, name := range a.CostTypeNames {
				if n > 0 {
					b = append(b, ',')
				}
				b = jsonenc.String(b, name)
			}
			b = append(b, "],"...)
		}
		b = append(b, `"calendar-start-time":`...)
		b = jsonenc.String(b, a.CalendarStartTime)
		b = append(b, `,"time-interval-size":`...)
		b = jsonenc.Number(b, a.TimeIntervalSize)
		b = append(b, `,"number-of-intervals":`...)
		b = jsonenc.Number(b, float64(a.NumberOfIntervals))
		b = append(b, '}')
	}
	return append(b, ']')
}

// calendarAt returns the calendar of the k-th returned cost type, or
// nil when that cost is a single value.
func (c *Costs) calendarAt(k int) *CalendarGrid {
	if k >= len(c.Calendars) {
		return nil
	}
	return c.Calendars[k]
}
