package replay

import (
	"fmt"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Kind is the type of a change.
type Kind string

// Change kinds, as written in a change log.
const (
	SetMetric    Kind = "set-metric"    // set the metric of the links between two nodes
	LinkDown     Kind = "link-down"     // remove the links between two nodes
	LinkUp       Kind = "link-up"       // add a link between two nodes
	AddPrefix    Kind = "add-prefix"    // attach a prefix to a node
	RemovePrefix Kind = "remove-prefix" // detach a prefix from a node
)

// kinds lists the change kinds in the order error messages name them.
var kinds = []Kind{SetMetric, LinkDown, LinkUp, AddPrefix, RemovePrefix}

// Step is one entry of a change log: changes applied together, in order,
// and written to the topology file as one new version.
type Step struct {
	// At is the time from the start of the replay at which the step is
	// applied under real-time pacing. It is valid only when HasAt is set.
	At      time.Duration
	HasAt   bool
	Changes []Change
	Pos     Pos // where the step was read, zero for steps made in code
}

// Change is one edit of a topology. Which fields are used depends on Kind:
// From and To for the link changes, Metric for set-metric and link-up,
// Capacity, Latency and Directed for link-up, Node and Prefix for the
// prefix changes. Unused fields must be zero.
type Change struct {
	Kind     Kind
	From, To string  // link endpoints, node IDs
	Metric   float64 // routing metric, finite and > 0
	Capacity float64 // link-up: bits per second, 0 when unknown
	Latency  float64 // link-up: one-way milliseconds, 0 when unknown
	Directed bool    // link-up: usable only from From to To
	Node     string  // node ID of a prefix change
	Prefix   netip.Prefix
	Pos      Pos // where the change was read, zero for changes made in code

	// fieldLines holds the line of each field of a parsed change, so
	// that an error about a field names its own line.
	fieldLines map[string]int
}

// String formats the change in one line, such as
// "set-metric 0 1 metric=10" or "add-prefix 3 10.0.3.0/24".
func (c Change) String() string {
	switch c.Kind {
	case SetMetric:
		return fmt.Sprintf("%s %s %s metric=%s", c.Kind, quoteID(c.From), quoteID(c.To), formatNumber(c.Metric))
	case LinkDown:
		return fmt.Sprintf("%s %s %s", c.Kind, quoteID(c.From), quoteID(c.To))
	case LinkUp:
		s := fmt.Sprintf("%s %s %s metric=%s", c.Kind, quoteID(c.From), quoteID(c.To), formatNumber(c.Metric))
		if c.Capacity != 0 {
			s += " capacity=" + formatNumber(c.Capacity)
		}
		if c.Latency != 0 {
			s += " latency=" + formatNumber(c.Latency)
		}
		if c.Directed {
			s += " directed"
		}
		return s
	case AddPrefix, RemovePrefix:
		return fmt.Sprintf("%s %s %s", c.Kind, quoteID(c.Node), c.Prefix)
	}
	return fmt.Sprintf("unknown change kind %q", string(c.Kind))
}

// quoteID quotes a node ID that would not read as one word.
func quoteID(id string) string {
	if id == "" || strings.ContainsAny(id, " \t\n\"'=;") {
		return strconv.Quote(id)
	}
	return id
}

// formatNumber prints a number in the shortest form that reads back
// exactly.
func formatNumber(f float64) string {
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// formatSeconds prints a duration as seconds, such as "1.5".
func formatSeconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64)
}

// Validate checks that the change is complete and its values are in
// range, without looking at a topology.
func (c Change) Validate() error {
	switch c.Kind {
	case SetMetric, LinkDown, LinkUp:
		if c.From == "" {
			return c.errorAt("from", "missing node ID")
		}
		if c.To == "" {
			return c.errorAt("to", "missing node ID")
		}
		if c.Node != "" || c.Prefix.IsValid() {
			return c.errorAt("", "node and prefix are not used by %s", c.Kind)
		}
	case AddPrefix, RemovePrefix:
		if c.Node == "" {
			return c.errorAt("node", "missing node ID")
		}
		if err := checkPrefix(c.Prefix); err != nil {
			return c.errorAt("prefix", "%v", err)
		}
		if c.From != "" || c.To != "" || c.Metric != 0 {
			return c.errorAt("", "from, to and metric are not used by %s", c.Kind)
		}
	default:
		return c.errorAt("", "unknown change kind %q (want %s)", string(c.Kind), kindList())
	}
	return c.validateNumbers()
}

func (c Change) validateNumbers() error {
	switch c.Kind {
	case SetMetric, LinkUp:
		if !(c.Metric > 0) || math.IsInf(c.Metric, 0) {
			return c.errorAt("metric", "metric must be finite and > 0, found %v", c.Metric)
		}
	default:
		if c.Metric != 0 {
			return c.errorAt("metric", "metric is not used by %s", c.Kind)
		}
	}
	if c.Kind != LinkUp {
		if c.Capacity != 0 || c.Latency != 0 || c.Directed {
			return c.errorAt("", "capacity, latency and directed are used only by %s", LinkUp)
		}
		return nil
	}
	if !(c.Capacity >= 0) || math.IsInf(c.Capacity, 0) {
		return c.errorAt("capacity", "capacity must be finite and >= 0, found %v", c.Capacity)
	}
	if !(c.Latency >= 0) || math.IsInf(c.Latency, 0) {
		return c.errorAt("latency", "latency must be finite and >= 0, found %v", c.Latency)
	}
	return nil
}

// checkPrefix rejects an invalid prefix and one with host bits set, so
// that a typo in an address or a length is not masked away.
func checkPrefix(p netip.Prefix) error {
	if !p.IsValid() {
		return fmt.Errorf("missing or invalid prefix")
	}
	if p != p.Masked() {
		return fmt.Errorf("prefix %s has host bits set; use %s", p, p.Masked())
	}
	return nil
}

func kindList() string {
	names := make([]string, len(kinds))
	for i, k := range kinds {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}

// errorAt returns an *Error at the change's position, or at one of its
// fields when field is not empty.
func (c Change) errorAt(field, format string, args ...any) *Error {
	pos := c.Pos
	if field != "" {
		if pos.Field != "" {
			pos.Field += "." + field
		} else {
			pos.Field = field
		}
		if line, ok := c.fieldLines[field]; ok {
			pos.Line = line
		}
	}
	return &Error{Pos: pos, Reason: fmt.Sprintf(format, args...)}
}
