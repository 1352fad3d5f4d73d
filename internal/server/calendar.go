package server

import (
	"time"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/costmap"
)

// SetClock sets the clock that dates cost calendars (RFC 8896). It must
// be called before serving; without it the handler uses time.Now.
func (h *Handler) SetClock(now func() time.Time) { h.clock = now }

func (h *Handler) now() time.Time {
	if h.clock != nil {
		return h.clock()
	}
	return time.Now()
}

// checkCalendared applies the rules of RFC 8896, Section 5.1.1 that need
// the resource, and reports whether any returned cost is a calendar:
//   - "calendared" on a resource without calendar-attributes is an
//     invalid value;
//   - true for a cost type without a calendar is ignored, and that cost
//     is a single value.
//
// The decoder has already checked that "calendared" has one boolean per
// requested cost type.
func (q *query) checkCalendared(calendared []bool, types []alto.CostType) (bool, error) {
	if calendared == nil {
		return false, nil
	}
	if len(q.res.Calendars) == 0 {
		return false, alto.NewInvalidValue("calendared", "", "this resource has no cost calendar: its directory entry has no calendar-attributes capability (RFC 8896, Section 5.1.1)")
	}
	for k, c := range calendared {
		if c && q.calendarOf(types[k]) != nil {
			return true, nil
		}
	}
	return false, nil
}

// calendarOf returns the calendar of a cost type on the resource, or nil.
func (q *query) calendarOf(ct alto.CostType) *costmap.Calendar {
	_, name := q.snap.CostMap(q.res.CostTypes, ct)
	return q.res.Calendars[name]
}

// requestedTypes returns the returned cost types of a request in order.
func requestedTypes(single alto.CostType, multi []alto.CostType) []alto.CostType {
	if len(multi) > 0 {
		return multi
	}
	return []alto.CostType{single}
}

// calendarCosts sets the calendared costs of a response. Each returned
// cost type with calendared true and a calendar gets the grid that sel
// returns in place of its single values. The response meta gets one
// calendar-response-attributes element per calendar option in use, with
// cost-type-names for a multi-cost request: RFC 8896, Section 5.1.2
// requires them when more than one cost type is calendared.
func (q *query) calendarCosts(c *costmap.Costs, calendared []bool, sel func(cal *costmap.Calendar, current int, ordinal bool) *costmap.CalendarGrid) {
	now := q.h.now()
	c.Calendars = make([]*costmap.CalendarGrid, len(c.Types))
	byOption := map[int][]string{}
	for k, ct := range c.Types {
		cal := q.calendarOf(ct)
		if !calendared[k] || cal == nil {
			continue
		}
		_, current := cal.Window(now)
		g := sel(cal, current, ct.Mode == alto.CostModeOrdinal)
		c.Calendars[k], c.Grids[k] = g, g
		_, name := q.snap.CostMap(q.res.CostTypes, ct)
		j := q.calendarOption(name)
		if !contains(byOption[j], name) {
			byOption[j] = append(byOption[j], name)
		}
	}
	for j, opt := range q.res.Calendar {
		names := byOption[j]
		if len(names) == 0 {
			continue
		}
		start := alto.CalendarStart(now, opt.IntervalSize)
		a := alto.CalendarResponseAttributes{
			CalendarStartTime: alto.FormatCalendarTime(start),
			TimeIntervalSize:  opt.IntervalSize,
			NumberOfIntervals: opt.Intervals,
		}
		if c.Arrays {
			a.CostTypeNames = names
		}
		c.CalendarAttributes = append(c.CalendarAttributes, a)
	}
}

// calendarOption returns the index of the calendar option that lists a
// cost type name.
func (q *query) calendarOption(name string) int {
	for j, opt := range q.res.Calendar {
		if contains(opt.CostTypes, name) {
			return j
		}
	}
	return -1
}

// filteredCalendarCostMap serves a filtered cost map request with at
// least one calendared cost (RFC 8896, Section 5.1). Constraints are
// ignored, because a calendar has no single value to test (RFC 8896,
// Sections 3.3 and 5.2.1).
func (q *query) filteredCalendarCostMap(req *alto.CostMapFilter) ([]byte, error) {
	plan, err := q.planCalendar(req.CostType, req.MultiCostTypes, req.TestableCostTypes)
	if err != nil {
		return nil, err
	}
	var srcNames, dstNames []string
	if req.PIDs != nil {
		srcNames, dstNames = req.PIDs.Srcs, req.PIDs.Dsts
	}
	srcs, err := q.pidIndices("pids/srcs", srcNames)
	if err != nil {
		return nil, err
	}
	dsts, err := q.pidIndices("pids/dsts", dstNames)
	if err != nil {
		return nil, err
	}
	costs := plan.costs(func(m *costmap.Map, mode string) costmap.Grid {
		sel := m.Select(srcs, dsts, mode)
		return sel.Dense()
	})
	q.calendarCosts(costs, req.Calendared, func(cal *costmap.Calendar, current int, ordinal bool) *costmap.CalendarGrid {
		return cal.Select(srcs, dsts, current, ordinal)
	})
	return costmap.EncodeCosts(nil, q.snap.NetworkMap, srcs, dsts, costs), nil
}

// endpointCalendarCost serves an endpoint cost request with at least one
// calendared cost (RFC 8896, Section 5.2). Constraints are ignored, as
// RFC 8896, Section 5.2.1 requires.
func (q *query) endpointCalendarCost(req *alto.EndpointCostParams) ([]byte, error) {
	plan, err := q.planCalendar(req.CostType, req.MultiCostTypes, req.TestableCostTypes)
	if err != nil {
		return nil, err
	}
	srcs, dsts, err := q.endpointLists(req.Endpoints)
	if err != nil {
		return nil, err
	}
	srcPIDs, dstPIDs := q.lookupAll(srcs), q.lookupAll(dsts)
	costs := plan.costs(endpointGrid(srcPIDs, dstPIDs))
	q.calendarCosts(costs, req.Calendared, func(cal *costmap.Calendar, current int, ordinal bool) *costmap.CalendarGrid {
		return cal.Select(srcPIDs, dstPIDs, current, ordinal)
	})
	return encodeEndpointMultiCosts(srcs, dsts, costs), nil
}

// planCalendar checks the cost types of a calendared request as
// planCosts does, without constraints. A single cost-type request on a
// resource without max-cost-types needs no RFC 8189 support.
func (q *query) planCalendar(single alto.CostType, multi, testable []alto.CostType) (*costPlan, error) {
	if len(multi) == 0 && len(testable) == 0 {
		p := &costPlan{}
		if err := p.returnedTypes(q, single, nil); err != nil {
			return nil, err
		}
		return p, nil
	}
	return q.planCosts(single, multi, testable, nil, nil)
}
