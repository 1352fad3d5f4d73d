// Package measure holds per-link measurements and the rules of RFC 9439
// that combine link values into path values: delays add, loss rates
// combine as probabilities, bandwidths take the bottleneck. Package
// promsource fills a Set from Prometheus, and package snapshot combines
// it along the chosen path of every node pair.
package measure

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/goalto/goalto/alto"
)

// Kind is a kind of per-link measurement.
type Kind string

// Link measurement kinds and the cost metrics they give.
const (
	// Delay is the one-way delay of a link direction, for delay-ow and
	// delay-rt (RFC 9439, Sections 4.1 and 4.2).
	Delay Kind = "delay"
	// DelayVariation is the one-way delay variation of a link direction,
	// for delay-variation (RFC 9439, Section 4.3).
	DelayVariation Kind = "delay-variation"
	// Loss is the packet loss rate of a link direction, for lossrate
	// (RFC 9439, Section 4.4).
	Loss Kind = "loss"
	// Throughput is the TCP throughput over a link direction, for tput
	// (RFC 9439, Section 5.1).
	Throughput Kind = "throughput"
	// Utilization is the traffic on a link direction, which subtracted
	// from the link capacity gives bw-residual (RFC 9439, Section 5.2).
	Utilization Kind = "utilization"
	// AvailableBandwidth is the available bandwidth of a link direction,
	// for bw-available (RFC 9439, Section 5.3).
	AvailableBandwidth Kind = "available-bandwidth"
)

// Kinds lists every measurement kind.
var Kinds = []Kind{Delay, DelayVariation, Loss, Throughput, Utilization, AvailableBandwidth}

// Units are the units a series of each kind may be given in, with the
// factor to the unit of RFC 9439: microseconds for delays (Sections
// 4.1.2 and 4.3.2), percent for loss (Section 4.4.2) and bytes per
// second for bandwidths (Sections 5.1.2, 5.2.2 and 5.3.2). Utilization
// also takes a share of the link capacity, "ratio" or "percent", which
// Set.UtilizationShare marks; its factor turns it into a ratio.
var Units = map[Kind]map[string]float64{
	Delay:              delayUnits,
	DelayVariation:     delayUnits,
	Loss:               {"ratio": 100, "percent": 1},
	Throughput:         bandwidthUnits,
	AvailableBandwidth: bandwidthUnits,
	Utilization:        {"bps": 1.0 / 8, "Bps": 1, "ratio": 1, "percent": 0.01},
}

var (
	delayUnits     = map[string]float64{"s": 1e6, "ms": 1e3, "us": 1}
	bandwidthUnits = map[string]float64{"bps": 1.0 / 8, "Bps": 1}
)

// IsShare reports whether a utilization unit is a share of the capacity
// rather than a rate.
func IsShare(unit string) bool { return unit == "ratio" || unit == "percent" }

// Direction is one direction of a link, by the IDs of its topology nodes.
type Direction struct{ From, To string }

// Value is the measured value of one link direction, in the unit of
// RFC 9439 (see Units).
type Value struct {
	V float64
	// Stale is set when the newest sample of the series is older than
	// the staleness bound; a stale value is reported but not used.
	Stale bool
}

// SeriesKey names the values of one kind under one statistical operator
// of RFC 9439, Section 3.2 ("" for none).
type SeriesKey struct {
	Kind     Kind
	Operator string
}

// HistoryKey names calendar values: the values of a kind under an
// operator, for each interval of a cyclic pattern of Intervals
// intervals of Size seconds from the Unix epoch (RFC 8896).
type HistoryKey struct {
	SeriesKey
	Size      float64
	Intervals int
}

// Set is one round of link measurements. A Set is not changed once a
// source hands it over, so snapshots may share it.
type Set struct {
	// Time is when the values were queried.
	Time time.Time
	// Links holds the current values by series and link direction. A
	// direction without a series has no entry.
	Links map[SeriesKey]map[Direction]Value
	// History holds calendar values by link direction: one value per
	// interval, NaN for an interval without samples.
	History map[HistoryKey]map[Direction][]float64
	// UtilizationShare is set when utilization values are a ratio of the
	// link capacity, not bytes per second.
	UtilizationShare bool
}

// Needs returns the measurement kind and the operator of its series
// that a cost metric takes, and false for metrics that no measurement
// gives (routingcost, hopcount). The operator of bw-residual is
// inverted, because the highest residual bandwidth comes with the lowest
// utilization.
func Needs(metric string) (SeriesKey, bool) {
	base, op := alto.SplitCostMetric(metric)
	if op == "" {
		op = DefaultOperator(base)
	}
	switch base {
	case alto.CostMetricDelayOW, alto.CostMetricDelayRT:
		return SeriesKey{Delay, op}, true
	case alto.CostMetricDelayVariation:
		return SeriesKey{DelayVariation, op}, true
	case alto.CostMetricLossRate:
		return SeriesKey{Loss, op}, true
	case alto.CostMetricTput:
		return SeriesKey{Throughput, op}, true
	case alto.CostMetricBWResidual:
		return SeriesKey{Utilization, InvertOperator(op)}, true
	case alto.CostMetricBWAvailable:
		return SeriesKey{AvailableBandwidth, op}, true
	}
	return SeriesKey{}, false
}

// DefaultOperator returns the statistical operator of a base metric
// without one: "cur" for bw-residual and bw-available (RFC 9439,
// Sections 5.2.3 and 5.3.3) and "median" for the others, which define
// no default (RFC 9439, Section 3.2).
func DefaultOperator(base string) string {
	if base == alto.CostMetricBWResidual || base == alto.CostMetricBWAvailable {
		return "cur"
	}
	return "median"
}

// InvertOperator returns the operator of a quantity that falls when op's
// quantity rises: min and max swap and the p-th percentile becomes the
// (100-p)-th. Other operators are unchanged.
func InvertOperator(op string) string {
	switch op {
	case "min":
		return "max"
	case "max":
		return "min"
	}
	if p, ok := Percentile(op); ok {
		return "p" + strconv.FormatFloat(100-p, 'f', -1, 64)
	}
	return op
}

// Percentile returns the percentile of a "p" operator such as "p95".
func Percentile(op string) (float64, bool) {
	digits, ok := strings.CutPrefix(op, "p")
	if !ok || !alto.ValidStatOperator(op) {
		return 0, false
	}
	p, err := strconv.ParseFloat(digits, 64)
	return p, err == nil
}

// Summarize applies a statistical operator to samples in time order:
// the last one for cur, and otherwise as RFC 9439, Section 3.2 defines.
// Percentiles interpolate linearly between ranks, as PromQL's
// quantile_over_time does. It returns NaN without samples.
func Summarize(op string, samples []float64) float64 {
	n := len(samples)
	if n == 0 {
		return math.NaN()
	}
	switch op {
	case "cur":
		return samples[n-1]
	case "mean":
		return mean(samples)
	case "stdvar":
		return variance(samples)
	case "stddev":
		return math.Sqrt(variance(samples))
	case "min":
		return quantile(0, samples)
	case "max":
		return quantile(1, samples)
	case "median":
		return quantile(0.5, samples)
	}
	p, _ := Percentile(op)
	return quantile(p/100, samples)
}

func mean(xs []float64) float64 {
	sum := 0.0
	for _, x := range xs {
		sum += x
	}
	return sum / float64(len(xs))
}

// variance is the population variance, as PromQL's stdvar_over_time.
func variance(xs []float64) float64 {
	m := mean(xs)
	sum := 0.0
	for _, x := range xs {
		sum += (x - m) * (x - m)
	}
	return sum / float64(len(xs))
}

func quantile(q float64, xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	rank := q * float64(len(s)-1)
	lo := math.Floor(rank)
	hi := math.Ceil(rank)
	w := rank - lo
	return s[int(lo)]*(1-w) + s[int(hi)]*w
}
