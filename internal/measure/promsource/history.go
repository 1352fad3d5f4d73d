package promsource

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/prometheus/common/model"

	v1 "github.com/prometheus/client_golang/api/prometheus/v1"

	"github.com/goalto/goalto/internal/measure"
)

// readHistory reads the calendar values of every calendar from history:
// one range query per measurement kind over the configured history, with
// the samples of each link direction put into the interval of the cyclic
// calendar pattern they fall in (RFC 8896, Section 4.1). Each interval
// value is the statistical operator of the metric over its samples, and
// the mean for cur, because an interval of past weeks has no current
// sample. An interval without samples is NaN.
func (s *Source) readHistory(ctx context.Context, now time.Time) (map[measure.HistoryKey]map[measure.Direction][]float64, error) {
	out := map[measure.HistoryKey]map[measure.Direction][]float64{}
	samples := map[measure.Kind]map[measure.Direction][]model.SamplePair{}
	for _, key := range s.history {
		if _, done := samples[key.Kind]; !done {
			byDir, err := s.rangeSamples(ctx, key.Kind, now)
			if err != nil {
				return nil, err
			}
			samples[key.Kind] = byDir
		}
		out[key] = bucketValues(samples[key.Kind], key, measure.Units[key.Kind][s.cfg.Links[key.Kind].Unit], s.cfg.Symmetric)
	}
	return out, nil
}

// rangeSamples returns the samples of a kind's query over the history,
// by link direction. The range ends at now rounded down to a multiple of
// the step from the Unix epoch, so that every poll within one step
// evaluates at the same times.
func (s *Source) rangeSamples(ctx context.Context, kind measure.Kind, now time.Time) (map[measure.Direction][]model.SamplePair, error) {
	q := s.cfg.Links[kind].Query
	step := s.cfg.HistoryStep.Nanoseconds()
	end := time.Unix(0, now.UnixNano()-now.UnixNano()%step)
	r := v1.Range{Start: end.Add(-s.cfg.History), End: end, Step: s.cfg.HistoryStep}
	v, warnings, _, err := s.api.QueryRange(ctx, q, r)
	if err != nil {
		return nil, fmt.Errorf("%s history: query %q: %w", kind, q, err)
	}
	if len(warnings) > 0 {
		s.logger.Warn("Prometheus query warnings", "query", q, "warnings", warnings)
	}
	matrix, ok := v.(model.Matrix)
	if !ok {
		return nil, fmt.Errorf("%s history: query %q returned a %s, not a range vector", kind, q, v.Type())
	}
	out := map[measure.Direction][]model.SamplePair{}
	for _, stream := range matrix {
		if dir, ok := s.direction(stream.Metric); ok {
			out[dir] = append(out[dir], stream.Values...)
		}
	}
	return out, nil
}

// bucketValues summarizes the samples of each link direction per
// calendar interval, in the unit of RFC 9439.
func bucketValues(byDir map[measure.Direction][]model.SamplePair, key measure.HistoryKey, factor float64, symmetric bool) map[measure.Direction][]float64 {
	op := key.Operator
	if op == "cur" {
		op = "mean"
	}
	period := key.Size * float64(key.Intervals)
	out := map[measure.Direction][]float64{}
	for dir, pairs := range byDir {
		buckets := make([][]float64, key.Intervals)
		for _, p := range pairs {
			v := float64(p.Value)
			if math.IsNaN(v) {
				continue
			}
			k := IntervalOf(p.Timestamp.Time(), key.Size, period)
			buckets[k] = append(buckets[k], v*factor)
		}
		values := make([]float64, key.Intervals)
		for k, b := range buckets {
			values[k] = measure.Summarize(op, b)
		}
		out[dir] = values
	}
	fillReverse(out, symmetric)
	return out
}

// IntervalOf returns the index of the calendar interval that contains t,
// for intervals of size seconds in a pattern that repeats every period
// seconds from the Unix epoch, as costmap.Calendar counts them.
func IntervalOf(t time.Time, size, period float64) int {
	sec := float64(t.UnixNano()) / 1e9
	pos := math.Mod(sec, period)
	if pos < 0 {
		pos += period
	}
	k := int(pos / size)
	return min(k, int(period/size)-1)
}
