package netdef

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/measure"
)

// Defaults of the measurements section.
const (
	DefaultMeasureInterval   = 30 * time.Second
	DefaultMeasureStaleness  = 2 * time.Minute
	DefaultMeasureWindow     = 5 * time.Minute
	DefaultMeasureResolution = 15 * time.Second
	DefaultHistory           = 4 * 7 * 24 * time.Hour
	DefaultHistoryStep       = 5 * time.Minute
	DefaultHistoryRefresh    = time.Hour
	DefaultSourceLabel       = "src"
	DefaultDestinationLabel  = "dst"
)

// maxRangePoints is the largest number of points per series that
// Prometheus returns from one range query (its API rejects more than
// 11,000).
const maxRangePoints = 11000

// CalendarFromPrometheus is the calendar source that computes calendar
// values from the history of the measured series.
const CalendarFromPrometheus = "prometheus"

// Measurements configures per-link measurements read from the HTTP API
// of a Prometheus server, which give the values of the cost types it
// lists and of calendars whose source is prometheus. The zero value
// configures none. Durations are Go durations such as "30s" or "672h".
type Measurements struct {
	// Prometheus is the base URL of the Prometheus server, such as
	// "http://127.0.0.1:9090"; empty disables measurements.
	Prometheus string `yaml:"prometheus"`
	// Interval is the time between two rounds of queries; default 30s.
	Interval time.Duration `yaml:"interval"`
	// Staleness is the age beyond which the newest sample of a series is
	// stale and its link has no value; default 2m.
	Staleness time.Duration `yaml:"staleness"`
	// Window is the range over which a statistical operator other than
	// cur summarizes the samples of a link; default 5m.
	Window time.Duration `yaml:"window"`
	// Resolution is the step of the subquery that summarizes a query
	// which is not a plain series selector; default 15s.
	Resolution time.Duration `yaml:"resolution"`
	// History is how far back calendars read the series; default 672h
	// (four weeks).
	History time.Duration `yaml:"history"`
	// HistoryStep is the step of the range queries of calendars; default
	// 5m.
	HistoryStep time.Duration `yaml:"history-step"`
	// HistoryRefresh is the time between two readings of the history;
	// default 1h.
	HistoryRefresh time.Duration `yaml:"history-refresh"`
	// SourceLabel and DestinationLabel are the labels of a series that
	// hold the topology node IDs of the link direction it measures;
	// default "src" and "dst".
	SourceLabel      string `yaml:"source-label"`
	DestinationLabel string `yaml:"destination-label"`
	// Symmetric makes the series of a link direction serve the opposite
	// direction of an undirected link too, when that has none.
	Symmetric bool `yaml:"symmetric"`
	// Links gives the PromQL query and unit of each measurement kind:
	// delay, delay-variation, loss, throughput, utilization and
	// available-bandwidth.
	Links map[measure.Kind]Series `yaml:"links"`
	// CostTypes names the cost types whose values are computed from the
	// measurements along the chosen path of each pair.
	CostTypes []string `yaml:"cost-types"`
}

// Series is the PromQL query of one measurement kind and the unit of
// its values.
type Series struct {
	Query string `yaml:"query"`
	Unit  string `yaml:"unit"`
}

// Enabled reports whether the definition configures measurements.
func (m *Measurements) Enabled() bool { return m.Prometheus != "" }

// Measures reports whether the cost type of a name takes its values from
// the measurements.
func (m *Measurements) Measures(costType string) bool {
	return m.Enabled() && slices.Contains(m.CostTypes, costType)
}

func (m *Measurements) setDefaults() {
	defaults := []struct {
		field *time.Duration
		value time.Duration
	}{
		{&m.Interval, DefaultMeasureInterval},
		{&m.Staleness, DefaultMeasureStaleness},
		{&m.Window, DefaultMeasureWindow},
		{&m.Resolution, DefaultMeasureResolution},
		{&m.History, DefaultHistory},
		{&m.HistoryStep, DefaultHistoryStep},
		{&m.HistoryRefresh, DefaultHistoryRefresh},
	}
	for _, d := range defaults {
		if *d.field == 0 {
			*d.field = d.value
		}
	}
	if m.SourceLabel == "" {
		m.SourceLabel = DefaultSourceLabel
	}
	if m.DestinationLabel == "" {
		m.DestinationLabel = DefaultDestinationLabel
	}
}

// validateMeasurements checks the measurements section, the cost types
// it lists and the calendars that read its history.
func (d *Definition) validateMeasurements() error {
	m := &d.Measurements
	if !m.Enabled() {
		if len(m.Links) > 0 || len(m.CostTypes) > 0 {
			return fieldErr("measurements.prometheus", "missing Prometheus URL: give the base URL of its HTTP API, such as http://127.0.0.1:9090")
		}
		return d.validateHistoryCalendars()
	}
	m.setDefaults()
	if u, err := url.Parse(m.Prometheus); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fieldErr("measurements.prometheus", "invalid URL %q: use http:// or https:// with a host, such as http://127.0.0.1:9090", m.Prometheus)
	}
	if err := m.validateDurations(); err != nil {
		return err
	}
	if m.SourceLabel == m.DestinationLabel {
		return fieldErr("measurements.destination-label", "the source and destination labels are both %q; use two labels", m.SourceLabel)
	}
	if err := m.validateLinks(); err != nil {
		return err
	}
	for i, name := range m.CostTypes {
		if err := d.validateMeasuredCostType(fmt.Sprintf("measurements.cost-types[%d]", i), name); err != nil {
			return err
		}
	}
	return d.validateHistoryCalendars()
}

func (m *Measurements) validateDurations() error {
	for _, f := range []struct {
		name  string
		value time.Duration
	}{
		{"interval", m.Interval}, {"staleness", m.Staleness}, {"window", m.Window}, {"resolution", m.Resolution},
		{"history", m.History}, {"history-step", m.HistoryStep}, {"history-refresh", m.HistoryRefresh},
	} {
		if f.value < time.Second {
			return fieldErr("measurements."+f.name, "%s is %v; use a duration of at least 1s, such as 30s", f.name, f.value)
		}
	}
	if points := m.History / m.HistoryStep; points > maxRangePoints {
		return fieldErr("measurements.history-step", "history %v at step %v is %d points per series, but Prometheus returns at most %d: use a longer step or a shorter history", m.History, m.HistoryStep, points, maxRangePoints)
	}
	return nil
}

func (m *Measurements) validateLinks() error {
	for kind, s := range m.Links {
		field := "measurements.links." + string(kind)
		units, ok := measure.Units[kind]
		if !ok {
			return fieldErr(field, "unknown measurement %q: use one of %v", kind, measure.Kinds)
		}
		if strings.TrimSpace(s.Query) == "" {
			return fieldErr(field+".query", "missing PromQL query")
		}
		if _, ok := units[s.Unit]; !ok {
			return fieldErr(field+".unit", "unknown unit %q for %s: use one of %v", s.Unit, kind, sortedKeys(units))
		}
	}
	return nil
}

// validateMeasuredCostType checks a cost type listed under measurements:
// it exists, its metric follows from a configured link series along a
// path, and its cost source is estimation, the only source of measured
// values (RFC 9439, Section 3.1).
func (d *Definition) validateMeasuredCostType(field, name string) error {
	ct, ok := d.CostTypes[name]
	if !ok {
		return fieldErr(field, "undefined cost type %q", name)
	}
	key, ok := measure.Needs(ct.Metric)
	if !ok {
		return fieldErr(field, "cost type %q has metric %q, which no link measurement gives; the topology computes it", name, ct.Metric)
	}
	if _, err := measure.RuleFor(ct.Metric); err != nil {
		return fieldErr(field, "cost type %q: %v", name, err)
	}
	if _, ok := d.Measurements.Links[key.Kind]; !ok {
		return fieldErr(field, "cost type %q has metric %q, which needs the %s series: add measurements.links.%s", name, ct.Metric, key.Kind, key.Kind)
	}
	if ct.Context != nil && ct.Context.Source != alto.CostSourceEstimation {
		return fieldErr("cost-types."+name+".cost-context.cost-source", "cost source %q of a measured cost type: measured values are an estimation (RFC 9439, Section 3.1)", ct.Context.Source)
	}
	return nil
}

// validateHistoryCalendars checks the calendars whose source is
// prometheus: every cost type of such a calendar is measured.
func (d *Definition) validateHistoryCalendars() error {
	for i, r := range d.Resources {
		for j, c := range r.Calendar {
			if c.Source != CalendarFromPrometheus {
				continue
			}
			field := fmt.Sprintf("resources[%d].calendar", i)
			if len(r.Calendar) > 1 {
				field = fmt.Sprintf("%s[%d]", field, j)
			}
			for _, name := range c.CostTypes {
				if !d.Measurements.Measures(name) {
					return fieldErr(field+".cost-types", "cost type %q has a calendar from Prometheus, so list it under measurements.cost-types", name)
				}
			}
		}
	}
	return nil
}
