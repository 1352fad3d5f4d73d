package snapshot

import (
	"slices"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/costmap"
	"github.com/goalto/goalto/internal/netdef"
)

// buildCalendars reads the calendar files of the resource at index i of
// the definition, or computes calendars from the measurement history,
// and stores one calendar per cost type that the resource still offers.
// A PID in a calendar file that the network map does not define is an
// error.
func (s *Snapshot) buildCalendars(def *netdef.Definition, i int, res *Resource) error {
	nm := s.NetworkMap
	known := func(pid string) bool {
		_, ok := nm.Index(pid)
		return ok
	}
	res.Calendars = map[string]*costmap.Calendar{}
	for j, c := range res.Calendar {
		if c.Source == netdef.CalendarFromPrometheus {
			for _, name := range c.CostTypes {
				if slices.Contains(res.CostTypes, name) {
					res.Calendars[name] = s.historyCalendar(c, def.CostTypes[name].Metric)
				}
			}
			continue
		}
		values, err := def.ReadCalendar(i, j, known)
		if err != nil {
			return err
		}
		for _, name := range c.CostTypes {
			if !slices.Contains(res.CostTypes, name) {
				continue // the resource offers no costs of this type
			}
			cal := costmap.NewCalendar(c.IntervalSize, c.Intervals, nm.Len())
			for src, row := range values[name] {
				si, _ := nm.Index(src)
				for dst, v := range row {
					di, _ := nm.Index(dst)
					cal.Set(si, di, v)
				}
			}
			res.Calendars[name] = cal
		}
	}
	return nil
}

// calendarAttributes returns the calendar-attributes capability of a
// resource (RFC 8896, Section 4.1), nil without calendars.
func calendarAttributes(r *Resource) []alto.CalendarAttributes {
	var out []alto.CalendarAttributes
	for _, c := range r.Calendar {
		var names []string
		for _, name := range c.CostTypes {
			if r.Calendars[name] != nil {
				names = append(names, name)
			}
		}
		if len(names) == 0 {
			continue
		}
		out = append(out, alto.CalendarAttributes{
			CostTypeNames:     names,
			TimeIntervalSize:  c.IntervalSize,
			NumberOfIntervals: c.Intervals,
		})
	}
	return out
}
