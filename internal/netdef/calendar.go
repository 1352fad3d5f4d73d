package netdef

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"reflect"
	"slices"
	"sort"

	"go.yaml.in/yaml/v3"
)

// Calendar is the cost calendar option of a filtered cost map or an
// endpoint cost service (RFC 8896, Section 4.1): the cost types it
// applies to, the length and count of its time intervals, and where its
// values come from: a calendar file or the measurement history.
type Calendar struct {
	CostTypes []string `yaml:"cost-types"`
	// IntervalSize is the length of one time interval in seconds.
	IntervalSize float64 `yaml:"time-interval-size"`
	Intervals    int     `yaml:"number-of-intervals"`
	// File is the YAML calendar file, relative to the definition file.
	File string `yaml:"file"`
	// Source is "file" (the default) or "prometheus", which computes the
	// values of each interval from the history of the measured series.
	Source string `yaml:"source"`
}

// Calendars are the calendar options of a resource. In YAML they are one
// mapping or a sequence of mappings.
type Calendars []Calendar

// UnmarshalYAML decodes one calendar option or a list of them.
func (c *Calendars) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.MappingNode {
		var one Calendar
		if err := n.Decode(&one); err != nil {
			return err
		}
		*c = Calendars{one}
		return nil
	}
	var list []Calendar
	if err := n.Decode(&list); err != nil {
		return err
	}
	*c = list
	return nil
}

// CalendarValues are the values of a calendar file by cost type name,
// source PID and destination PID. Each is a list of Calendar.Intervals
// numbers, a cyclic pattern whose k-th value applies to the k-th interval
// of each period from the Unix epoch.
type CalendarValues map[string]map[string]map[string][]float64

// validateCalendar checks the calendar options of a resource; the files
// are read at build time, by ReadCalendar. A cost type has at most one
// calendar (RFC 8896, Section 4.1).
func validateCalendar(field string, r Resource) error {
	if len(r.Calendar) == 0 {
		return nil
	}
	if r.Type != TypeFilteredCostMap && r.Type != TypeEndpointCost {
		return fieldErr(field+".calendar", "only filtered-cost-map and endpoint-cost resources have a calendar (RFC 8896, Section 3.3.2)")
	}
	seen := map[string]bool{}
	for j := range r.Calendar {
		f := field + ".calendar"
		if len(r.Calendar) > 1 {
			f = fmt.Sprintf("%s[%d]", f, j)
		}
		if err := validateCalendarEntry(f, r, &r.Calendar[j], seen); err != nil {
			return err
		}
	}
	return nil
}

func validateCalendarEntry(field string, r Resource, c *Calendar, seen map[string]bool) error {
	if len(c.CostTypes) == 0 {
		return fieldErr(field+".cost-types", "a calendar needs at least one cost type")
	}
	for _, name := range c.CostTypes {
		if !slices.Contains(r.CostTypes, name) {
			return fieldErr(field+".cost-types", "%q is not one of the cost-types of the resource", name)
		}
		if seen[name] {
			return fieldErr(field+".cost-types", "%q has two calendars; a cost type has at most one (RFC 8896, Section 4.1)", name)
		}
		seen[name] = true
	}
	if math.IsNaN(c.IntervalSize) || math.IsInf(c.IntervalSize, 0) || c.IntervalSize <= 0 {
		return fieldErr(field+".time-interval-size", "time-interval-size is %v; use a positive number of seconds", c.IntervalSize)
	}
	if c.Intervals < 1 {
		return fieldErr(field+".number-of-intervals", "number-of-intervals is %d; use 1 or more", c.Intervals)
	}
	switch c.Source {
	case "", "file":
		if c.File == "" {
			return fieldErr(field+".file", "a calendar needs a file with its values, or source prometheus")
		}
	case CalendarFromPrometheus:
		if c.File != "" {
			return fieldErr(field+".file", "a calendar with source prometheus reads no file; remove file or the source")
		}
	default:
		return fieldErr(field+".source", "unknown calendar source %q: use file or prometheus", c.Source)
	}
	return nil
}

// ReadCalendar reads the file of calendar j of the resource at index i
// of Resources and checks it. Every cost type of the calendar has values
// and no other cost type does. Each list has number-of-intervals finite
// numbers, and knownPID accepts every source and destination. An error
// is an *Error naming the calendar file and the field, such as
// "routingcost.PID1.PID2[3]".
func (d *Definition) ReadCalendar(i, j int, knownPID func(string) bool) (CalendarValues, error) {
	c := &d.Resources[i].Calendar[j]
	path := d.Path(c.File)
	var data []byte
	var err error
	if d.FS != nil {
		data, err = fs.ReadFile(d.FS, c.File)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, d.FieldError(fmt.Sprintf("resources[%d].calendar.file", i), fmt.Errorf("calendar %d: %w", j, err))
	}
	if err := CheckJSONFile(path, data); err != nil {
		return nil, err
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, syntaxError(path, data, err)
	}
	var values CalendarValues
	// An empty file decodes to no node at all (Kind 0), so to no values.
	if root.Kind != 0 {
		if e := checkNumbers(&root, reflect.TypeFor[CalendarValues](), ""); e != nil {
			e.File = path
			return nil, e
		}
		if err := root.Decode(&values); err != nil {
			return nil, yamlError(path, &root, err)
		}
	}
	if err := checkCalendarValues(values, c, knownPID); err != nil {
		var e *Error
		if errors.As(err, &e) {
			e.File = path
			e.Line = lineOf(&root, e.Field)
		}
		return nil, err
	}
	return values, nil
}

// checkCalendarValues checks decoded calendar values against the option,
// in sorted order so that the first error is always the same.
func checkCalendarValues(values CalendarValues, c *Calendar, knownPID func(string) bool) error {
	for _, name := range sortedKeys(values) {
		if !slices.Contains(c.CostTypes, name) {
			return fieldErr(name, "cost type %q has no calendar on this resource; its calendar lists %v", name, c.CostTypes)
		}
	}
	for _, name := range c.CostTypes {
		rows, ok := values[name]
		if !ok {
			return fieldErr(name, "missing values for cost type %q", name)
		}
		if err := checkCalendarRows(name, rows, c.Intervals, knownPID); err != nil {
			return err
		}
	}
	return nil
}

func checkCalendarRows(name string, rows map[string]map[string][]float64, n int, knownPID func(string) bool) error {
	for _, src := range sortedKeys(rows) {
		if knownPID != nil && !knownPID(src) {
			return fieldErr(name+"."+src, "unknown source PID %q", src)
		}
		for _, dst := range sortedKeys(rows[src]) {
			field := name + "." + src + "." + dst
			if knownPID != nil && !knownPID(dst) {
				return fieldErr(field, "unknown destination PID %q", dst)
			}
			list := rows[src][dst]
			if len(list) != n {
				return fieldErr(field, "%d values; number-of-intervals is %d", len(list), n)
			}
			for k, v := range list {
				if math.IsNaN(v) || math.IsInf(v, 0) {
					return fieldErr(fmt.Sprintf("%s[%d]", field, k), "value %v is not a finite number", v)
				}
			}
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
