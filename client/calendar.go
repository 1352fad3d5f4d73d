package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"time"

	"github.com/goalto/goalto/alto"
)

// CalendarCostMap is the response to a calendared filtered cost map or
// endpoint cost request (RFC 8896, Section 5). Each pair has one
// CalendarCost per requested cost type, in the order of CostTypes.
type CalendarCostMap struct {
	// Response is the HTTP response that the map was decoded from.
	Response       *Response
	DependentVTags []alto.VersionTag
	// CostTypes are the requested cost types: the "cost-type" of a
	// single-cost request, or the "multi-cost-types".
	CostTypes []alto.CostType
	// Calendars is the "calendar-response-attributes" of the meta.
	Calendars []alto.CalendarResponseAttributes
	// CalendarOf has one element per element of CostTypes: the index in
	// Calendars of the calendar that the cost type got, or -1 when the
	// server returned single values for it.
	CalendarOf []int
	Costs      map[string]map[string][]CalendarCost
}

// CalendarCost is one cost of a calendared response: a calendar, a
// single value, or neither when the server defines no cost.
type CalendarCost struct {
	// Calendar is the value per time interval, the first for the interval
	// that starts at the calendar-start-time. It is nil for a single value.
	Calendar []float64
	// Value is the single value, nil for a calendar or an undefined cost.
	Value *float64
}

// Attributes returns the calendar-response-attributes of the cost type
// at index i of CostTypes, or nil when it got single values.
func (m *CalendarCostMap) Attributes(i int) *alto.CalendarResponseAttributes {
	if i < 0 || i >= len(m.CalendarOf) || m.CalendarOf[i] < 0 {
		return nil
	}
	return &m.Calendars[m.CalendarOf[i]]
}

// IntervalStart returns the start of interval k of a calendar: the
// calendar-start-time plus k times the time-interval-size (RFC 8896,
// Section 5.1.2).
func IntervalStart(a *alto.CalendarResponseAttributes, k int) (time.Time, error) {
	start, err := http.ParseTime(a.CalendarStartTime)
	if err != nil {
		return time.Time{}, fmt.Errorf("invalid calendar-start-time %q: %w", a.CalendarStartTime, err)
	}
	step := time.Duration(math.Round(a.TimeIntervalSize * float64(time.Second)))
	return start.Add(time.Duration(k) * step).UTC(), nil
}

// FilteredCostMapCalendar sends a calendared filtered cost map request
// (RFC 8896, Section 5.1) to the resource with the given ID or, for an
// empty ID, to the first filtered cost map with calendar-attributes that
// can take req. A nil req.Calendared requests a calendar for every cost
// type. The request may be single-cost or multi-cost (RFC 8189), and the
// server returns single values for the cost types without a calendar.
func (c *Client) FilteredCostMapCalendar(ctx context.Context, resourceID string, req *alto.CostMapFilter) (*CalendarCostMap, error) {
	out := *normalizeCostMapFilter(req)
	out.Calendared = calendaredOrAll(req.Calendared, req.MultiCostTypes)
	r, err := c.costExtensionResource(ctx, resourceID, filterQuery(&out))
	if err != nil {
		return nil, err
	}
	return c.postCalendar(ctx, r, &out, requestedTypes(out.CostType, out.MultiCostTypes), len(out.MultiCostTypes) > 0)
}

// EndpointCostCalendar sends a calendared endpoint cost request (RFC
// 8896, Section 5.2) as FilteredCostMapCalendar sends a filtered cost
// map request.
func (c *Client) EndpointCostCalendar(ctx context.Context, resourceID string, req *alto.EndpointCostParams) (*CalendarCostMap, error) {
	out := *req
	out.Calendared = calendaredOrAll(req.Calendared, req.MultiCostTypes)
	r, err := c.costExtensionResource(ctx, resourceID, endpointQuery(&out))
	if err != nil {
		return nil, err
	}
	return c.postCalendar(ctx, r, &out, requestedTypes(out.CostType, out.MultiCostTypes), len(out.MultiCostTypes) > 0)
}

// calendaredOrAll returns calendared, or one true per requested cost
// type when it is nil.
func calendaredOrAll(calendared []bool, multi []alto.CostType) []bool {
	if calendared != nil {
		return calendared
	}
	n := max(len(multi), 1)
	all := make([]bool, n)
	for i := range all {
		all[i] = true
	}
	return all
}

func requestedTypes(ct alto.CostType, multi []alto.CostType) []alto.CostType {
	if len(multi) > 0 {
		return multi
	}
	return []alto.CostType{ct}
}

type calendarWire struct {
	Meta struct {
		DependentVTags []alto.VersionTag                 `json:"dependent-vtags"`
		Calendars      []alto.CalendarResponseAttributes `json:"calendar-response-attributes"`
	} `json:"meta"`
	CostMap         map[string]map[string]json.RawMessage `json:"cost-map"`
	EndpointCostMap map[string]map[string]json.RawMessage `json:"endpoint-cost-map"`
}

// postCalendar posts a calendared request and decodes its response,
// checking each calendar against its number-of-intervals.
func (c *Client) postCalendar(ctx context.Context, r Resource, req any, types []alto.CostType, multi bool) (*CalendarCostMap, error) {
	resp, err := c.Post(ctx, r, req)
	if err != nil {
		return nil, err
	}
	var w calendarWire
	if err := json.Unmarshal(resp.Body, &w); err != nil {
		return nil, fmt.Errorf("%s: decoding the calendared response: %w", r.ID, err)
	}
	m := &CalendarCostMap{
		Response:       resp,
		DependentVTags: w.Meta.DependentVTags,
		CostTypes:      types,
		Calendars:      w.Meta.Calendars,
		Costs:          make(map[string]map[string][]CalendarCost),
	}
	if m.CalendarOf, err = calendarIndex(r, types, w.Meta.Calendars); err != nil {
		return nil, fmt.Errorf("%s: %w", r.ID, err)
	}
	raw := w.CostMap
	if raw == nil {
		raw = w.EndpointCostMap
	}
	for src, row := range raw {
		m.Costs[src] = make(map[string][]CalendarCost, len(row))
		for dst, value := range row {
			costs, err := m.decodeCosts(value, multi)
			if err != nil {
				return nil, fmt.Errorf("%s: cost from %s to %s: %w", r.ID, src, dst, err)
			}
			m.Costs[src][dst] = costs
		}
	}
	return m, nil
}

// calendarIndex maps each requested cost type to its element of the
// calendar-response-attributes. The cost-type-names of an element are
// names of the IRD that lists r. An element without names applies to a
// single-cost request (RFC 8896, Section 5.1.2).
func calendarIndex(r Resource, types []alto.CostType, calendars []alto.CalendarResponseAttributes) ([]int, error) {
	index := make([]int, len(types))
	for i := range index {
		index[i] = -1
	}
	for j, a := range calendars {
		if len(a.CostTypeNames) == 0 && len(types) == 1 {
			index[0] = j
			continue
		}
		for _, name := range a.CostTypeNames {
			ct, ok := r.localCostTypes[name]
			if !ok {
				return nil, fmt.Errorf("calendar-response-attributes[%d] names cost type %q, which the directory does not define", j, name)
			}
			for i, want := range types {
				if want.Equal(ct) {
					index[i] = j
				}
			}
		}
	}
	return index, nil
}

// decodeCosts decodes the cost of one pair: for a single-cost request a
// number or a calendar array, for a multi-cost request an array with one
// null, number or calendar per cost type (RFC 8896, Section 5.1.3).
func (m *CalendarCostMap) decodeCosts(raw json.RawMessage, multi bool) ([]CalendarCost, error) {
	if !multi {
		c, err := m.decodeCost(0, raw)
		return []CalendarCost{c}, err
	}
	var elems []json.RawMessage
	if err := json.Unmarshal(raw, &elems); err != nil {
		return nil, fmt.Errorf("not an array of costs: %w", err)
	}
	if len(elems) != len(m.CostTypes) {
		return nil, fmt.Errorf("%d costs for %d requested cost types (RFC 8189, Section 4.1.3)", len(elems), len(m.CostTypes))
	}
	out := make([]CalendarCost, len(elems))
	for i, e := range elems {
		c, err := m.decodeCost(i, e)
		if err != nil {
			return nil, fmt.Errorf("cost type %s: %w", costTypeText(m.CostTypes[i]), err)
		}
		out[i] = c
	}
	return out, nil
}

// decodeCost decodes the cost of the cost type at index i: null, a
// number, or a calendar of number-of-intervals numbers.
func (m *CalendarCostMap) decodeCost(i int, raw json.RawMessage) (CalendarCost, error) {
	trimmed := bytes.TrimSpace(raw)
	if bytes.Equal(trimmed, []byte("null")) {
		return CalendarCost{}, nil
	}
	if !bytes.HasPrefix(trimmed, []byte("[")) {
		var v float64
		if err := json.Unmarshal(trimmed, &v); err != nil {
			return CalendarCost{}, fmt.Errorf("invalid cost %s: %w", trimmed, err)
		}
		return CalendarCost{Value: &v}, nil
	}

	a := m.Attributes(i)
	if a == nil {
		return CalendarCost{}, fmt.Errorf("a calendar, but no calendar-response-attributes name this cost type")
	}
	var values []*float64
	if err := json.Unmarshal(trimmed, &values); err != nil {
		return CalendarCost{}, fmt.Errorf("invalid calendar: %w", err)
	}
	if len(values) != a.NumberOfIntervals {
		return CalendarCost{}, fmt.Errorf("calendar of %d values, number-of-intervals is %d (RFC 8896, Section 5.1.2)", len(values), a.NumberOfIntervals)
	}
	if k := slices.Index(values, nil); k >= 0 {
		return CalendarCost{}, fmt.Errorf("calendar value %d is null, not a number", k)
	}

	cal := make([]float64, len(values))
	for k, v := range values {
		cal[k] = *v
	}
	return CalendarCost{Calendar: cal}, nil
}
