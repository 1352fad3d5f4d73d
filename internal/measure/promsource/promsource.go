// Package promsource reads the per-link measurements that a network
// definition configures from the HTTP API of a Prometheus server, on the
// configured interval, and hands them to the daemon as a daemon.Source.
// Each series names the two topology nodes of a link direction in two
// labels. A series whose newest sample is older than the staleness
// bound gives a stale value, which the snapshot reports and does not use.
package promsource

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"reflect"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/goalto/goalto/internal/daemon"
	"github.com/goalto/goalto/internal/measure"
	"github.com/goalto/goalto/internal/netdef"
	"github.com/goalto/goalto/internal/snapshot"
)

// queryTimeout bounds one round of queries, so that an unresponsive
// Prometheus server does not hold up a build.
const queryTimeout = 20 * time.Second

// Source polls Prometheus and holds the newest measurement set. Create
// it with Start; it is safe for concurrent use.
type Source struct {
	cfg     netdef.Measurements
	api     v1.API
	logger  *slog.Logger
	current []measure.SeriesKey  // series of the measured cost types
	history []measure.HistoryKey // series of calendars from history

	changed chan struct{}
	stop    chan struct{}
	done    chan struct{}

	mu          sync.Mutex // guards the following fields
	set         *measure.Set
	historyTime time.Time // when History was last read
	lastErr     string    // the last query error logged, to log each error once
}

var _ daemon.Source = (*Source)(nil)

// Factory is the daemon.SourceFactory of measurements: it starts a
// Source when the definition configures measurements.
func Factory(def *netdef.Definition, logger *slog.Logger) (daemon.Source, error) {
	if !def.Measurements.Enabled() {
		return nil, nil
	}
	return Start(def, logger)
}

// Start creates a source for the measurements of a definition, reads
// the first set before it returns, so that the first build has values,
// and then polls in the background until Close. An unreachable server is
// not an error: the values stay missing until it responds.
func Start(def *netdef.Definition, logger *slog.Logger) (*Source, error) {
	s, err := New(def, logger)
	if err != nil {
		return nil, err
	}
	s.poll(context.Background())
	go s.run()
	return s, nil
}

// New creates a source that does not poll yet; Poll reads one set.
func New(def *netdef.Definition, logger *slog.Logger) (*Source, error) {
	if logger == nil {
		logger = slog.Default()
	}
	client, err := api.NewClient(api.Config{Address: def.Measurements.Prometheus})
	if err != nil {
		return nil, fmt.Errorf("measurements: %w", err)
	}
	s := &Source{
		cfg:     def.Measurements,
		api:     v1.NewAPI(client),
		logger:  logger.With("component", "measurements"),
		changed: make(chan struct{}, 1),
		stop:    make(chan struct{}),
		done:    make(chan struct{}),
	}
	s.current, s.history = seriesOf(def)
	return s, nil
}

// seriesOf returns the series that the measured cost types and the
// calendars from history of a definition read, without duplicates.
func seriesOf(def *netdef.Definition) ([]measure.SeriesKey, []measure.HistoryKey) {
	var current []measure.SeriesKey
	seen := map[measure.SeriesKey]bool{}
	for _, name := range def.Measurements.CostTypes {
		key, _ := measure.Needs(def.CostTypes[name].Metric)
		if !seen[key] {
			seen[key] = true
			current = append(current, key)
		}
	}
	var history []measure.HistoryKey
	seenHistory := map[measure.HistoryKey]bool{}
	for _, r := range def.Resources {
		for _, c := range r.Calendar {
			if c.Source != netdef.CalendarFromPrometheus {
				continue
			}
			for _, name := range c.CostTypes {
				key, _ := measure.Needs(def.CostTypes[name].Metric)
				hk := measure.HistoryKey{SeriesKey: key, Size: c.IntervalSize, Intervals: c.Intervals}
				if !seenHistory[hk] {
					seenHistory[hk] = true
					history = append(history, hk)
				}
			}
		}
	}
	return current, history
}

// Contribute adds the newest measurement set to live.
func (s *Source) Contribute(live *snapshot.Live) {
	s.mu.Lock()
	defer s.mu.Unlock()
	live.Measurements = s.set
}

// Changed delivers a value after a round of queries whose values differ
// from those of the round before.
func (s *Source) Changed() <-chan struct{} { return s.changed }

// Close stops polling.
func (s *Source) Close() error {
	select {
	case <-s.stop:
	default:
		close(s.stop)
	}
	<-s.done
	return nil
}

func (s *Source) run() {
	defer close(s.done)
	t := time.NewTicker(s.cfg.Interval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			if s.poll(context.Background()) {
				select {
				case s.changed <- struct{}{}:
				default: // a rebuild is already pending
				}
			}
		}
	}
}

// poll reads a new set and reports whether it differs from the last.
func (s *Source) poll(ctx context.Context) bool {
	ctx, cancel := context.WithTimeout(ctx, queryTimeout)
	defer cancel()
	now := time.Now()
	set, err := s.Poll(ctx, now)
	s.logError(err)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.set != nil && set.History == nil { // not read this round
		set.History = s.set.History
	}
	changed := s.set == nil || !reflect.DeepEqual(s.set.Links, set.Links) || !reflect.DeepEqual(s.set.History, set.History)
	s.set = set
	return changed
}

func (s *Source) logError(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	msg := ""
	if err != nil {
		msg = err.Error()
	}
	if msg == s.lastErr {
		return
	}
	s.lastErr = msg
	if err != nil {
		s.logger.Warn("querying Prometheus; the values of the failed queries are missing", "url", s.cfg.Prometheus, "err", err)
		return
	}
	s.logger.Info("querying Prometheus succeeds again", "url", s.cfg.Prometheus)
}

// Poll reads one measurement set at time now: the current value of every
// series, and the history when HistoryRefresh has passed since it was
// last read (otherwise History is nil). A failed query leaves its series
// without values and is returned in the error, joined with the others.
func (s *Source) Poll(ctx context.Context, now time.Time) (*measure.Set, error) {
	set := &measure.Set{Time: now, Links: map[measure.SeriesKey]map[measure.Direction]measure.Value{}}
	if u, ok := s.cfg.Links[measure.Utilization]; ok {
		set.UtilizationShare = measure.IsShare(u.Unit)
	}
	var errs []error
	newest := map[measure.Kind]map[measure.Direction]time.Time{}
	for _, key := range s.current {
		if _, done := newest[key.Kind]; !done {
			ts, err := s.newestSamples(ctx, key.Kind, now)
			errs = append(errs, err)
			newest[key.Kind] = ts
		}
		values, err := s.currentValues(ctx, key, now, newest[key.Kind])
		errs = append(errs, err)
		set.Links[key] = values
	}
	s.mu.Lock()
	due := len(s.history) > 0 && now.Sub(s.historyTime) >= s.cfg.HistoryRefresh
	s.mu.Unlock()
	if due {
		history, err := s.readHistory(ctx, now)
		errs = append(errs, err)
		set.History = history
		if err == nil {
			s.mu.Lock()
			s.historyTime = now
			s.mu.Unlock()
		}
	}
	return set, errors.Join(errs...)
}

// selectorPattern matches a plain series selector, such as
// alto_link_delay_seconds{job="probe"}, which takes a range directly.
var selectorPattern = regexp.MustCompile(`^\s*[a-zA-Z_:][a-zA-Z0-9_:]*\s*(\{[^{}]*\})?\s*$`)

// rangeOf returns the PromQL range vector of a query over d: a range
// selector for a series selector, else a subquery at the resolution.
func (s *Source) rangeOf(query string, d time.Duration) string {
	if selectorPattern.MatchString(query) {
		return fmt.Sprintf("%s[%s]", query, model.Duration(d))
	}
	return fmt.Sprintf("(%s)[%s:%s]", query, model.Duration(d), model.Duration(s.cfg.Resolution))
}

// Expression returns the PromQL expression of a series under its
// statistical operator of RFC 9439, Section 3.2, summarizing the samples
// of the window: cur is the query itself, min, max, mean, stddev and
// stdvar are the *_over_time functions, median and pN are
// quantile_over_time.
func (s *Source) Expression(key measure.SeriesKey) string {
	q := s.cfg.Links[key.Kind].Query
	r := s.rangeOf(q, s.cfg.Window)
	switch key.Operator {
	case "cur":
		return q
	case "min", "max", "stddev", "stdvar":
		return fmt.Sprintf("%s_over_time(%s)", key.Operator, r)
	case "mean":
		return fmt.Sprintf("avg_over_time(%s)", r)
	case "median":
		return fmt.Sprintf("quantile_over_time(0.5, %s)", r)
	}
	p, _ := measure.Percentile(key.Operator)
	return fmt.Sprintf("quantile_over_time(%s, %s)", strconv.FormatFloat(p/100, 'f', -1, 64), r)
}

// newestSamples returns the time of the newest sample of each link
// direction of a kind, read from the link's raw series with
// timestamp(query). A direction absent from the result has no fresh
// sample: its series never existed, Prometheus marked it stale, or it is
// older than the lookback. For a query that is not a plain selector,
// PromQL's timestamp gives the evaluation time, so such values are
// fresh whenever the query returns them.
func (s *Source) newestSamples(ctx context.Context, kind measure.Kind, now time.Time) (map[measure.Direction]time.Time, error) {
	out := map[measure.Direction]time.Time{}
	vec, err := s.query(ctx, fmt.Sprintf("timestamp(%s)", s.cfg.Links[kind].Query), now)
	if err != nil {
		return out, fmt.Errorf("%s timestamps: %w", kind, err)
	}
	for _, sample := range vec {
		if dir, ok := s.direction(sample.Metric); ok {
			sec, frac := math.Modf(float64(sample.Value))
			out[dir] = time.Unix(int64(sec), int64(frac*1e9))
		}
	}
	return out, nil
}

// currentValues returns the value of each link direction of a series,
// in the unit of RFC 9439. Freshness is a property of the link's raw
// series, the same for every operator: a direction whose raw series has
// no sample now is left out (missing), even when the window of a
// statistical operator still holds older samples, and one whose newest
// sample is older than the staleness bound is marked stale.
func (s *Source) currentValues(ctx context.Context, key measure.SeriesKey, now time.Time, newest map[measure.Direction]time.Time) (map[measure.Direction]measure.Value, error) {
	out := map[measure.Direction]measure.Value{}
	series := s.cfg.Links[key.Kind]
	vec, err := s.query(ctx, s.Expression(key), now)
	if err != nil {
		return out, fmt.Errorf("%s:%s: %w", key.Kind, key.Operator, err)
	}
	factor := measure.Units[key.Kind][series.Unit]
	for _, sample := range vec {
		dir, ok := s.direction(sample.Metric)
		if !ok || math.IsNaN(float64(sample.Value)) {
			continue
		}
		t, ok := newest[dir]
		if !ok {
			continue
		}
		out[dir] = measure.Value{V: float64(sample.Value) * factor, Stale: now.Sub(t) > s.cfg.Staleness}
	}
	fillReverse(out, s.cfg.Symmetric)
	return out, nil
}

// fillReverse gives each direction without a value the value of the
// opposite direction, when the configuration declares links symmetric.
// The snapshot uses the reverse direction only for undirected links.
func fillReverse[V any](values map[measure.Direction]V, symmetric bool) {
	if !symmetric {
		return
	}
	for dir, v := range values {
		back := measure.Direction{From: dir.To, To: dir.From}
		if _, ok := values[back]; !ok {
			values[back] = v
		}
	}
}

// direction returns the link direction that the labels of a series name.
func (s *Source) direction(m model.Metric) (measure.Direction, bool) {
	from, to := m[model.LabelName(s.cfg.SourceLabel)], m[model.LabelName(s.cfg.DestinationLabel)]
	return measure.Direction{From: string(from), To: string(to)}, from != "" && to != ""
}

func (s *Source) query(ctx context.Context, q string, at time.Time) (model.Vector, error) {
	v, warnings, _, err := s.api.Query(ctx, q, at)
	if err != nil {
		return nil, fmt.Errorf("query %q: %w", q, err)
	}
	if len(warnings) > 0 {
		s.logger.Warn("Prometheus query warnings", "query", q, "warnings", warnings)
	}
	vec, ok := v.(model.Vector)
	if !ok {
		return nil, fmt.Errorf("query %q returned a %s, not an instant vector", q, v.Type())
	}
	return vec, nil
}
