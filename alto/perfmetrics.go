package alto

import (
	"encoding/json"
	"strconv"
	"strings"
)

// Base identifiers of the performance cost metrics of RFC 9439, Sections 4
// and 5. A cost metric string may append a statistical operator after a
// colon, as in "delay-ow:p99" (RFC 9439, Section 3.2).
const (
	CostMetricDelayOW        = "delay-ow"        // microseconds, Section 4.1
	CostMetricDelayRT        = "delay-rt"        // microseconds, Section 4.2
	CostMetricDelayVariation = "delay-variation" // microseconds, Section 4.3
	CostMetricLossRate       = "lossrate"        // percent of packets lost, Section 4.4.2
	CostMetricTput           = "tput"            // bytes per second, Section 5.1
	CostMetricBWResidual     = "bw-residual"     // bytes per second, Section 5.2
	CostMetricBWAvailable    = "bw-available"    // bytes per second, Section 5.3
)

// Cost source types of the ALTO Cost Source Types registry, RFC 9439,
// Sections 3.1 and 8.2.
const (
	CostSourceNominal    = "nominal"
	CostSourceSLA        = "sla"
	CostSourceEstimation = "estimation"
)

// CostContext is the optional "cost-context" of a cost type, RFC 9439,
// Section 3.1: where the values come from and the parameters of their
// computation. A cost type without one has the source "estimation".
type CostContext struct {
	Source string `json:"cost-source" yaml:"cost-source"`
	// Parameters is any JSON value; nil leaves the field out.
	Parameters any `json:"parameters,omitempty" yaml:"parameters,omitempty"`
}

// Equal reports whether c and o have the same source and parameters. Two
// nil contexts are equal, and parameters compare by their JSON encoding.
func (c *CostContext) Equal(o *CostContext) bool {
	if c == nil || o == nil {
		return c == o
	}
	if c.Source != o.Source {
		return false
	}
	a, errA := json.Marshal(c.Parameters)
	b, errB := json.Marshal(o.Parameters)
	return errA == nil && errB == nil && string(a) == string(b)
}

// PerformanceMetrics lists the base identifiers of RFC 9439, together with
// routingcost (RFC 7285, Section 6.1.1.1) and hopcount (RFC 9439,
// Section 4.5), the entries of the ALTO Cost Metrics registry.
var PerformanceMetrics = []string{
	CostMetricRoutingCost, CostMetricHopCount,
	CostMetricDelayOW, CostMetricDelayRT, CostMetricDelayVariation, CostMetricLossRate,
	CostMetricTput, CostMetricBWResidual, CostMetricBWAvailable,
}

// SplitCostMetric splits a cost metric string at its first colon into the
// base identifier and the statistical operator, which is empty when there
// is none (RFC 9439, Section 3.2).
func SplitCostMetric(metric string) (base, operator string) {
	base, operator, _ = strings.Cut(metric, ":")
	return base, operator
}

// ValidStatOperator reports whether op is a statistical operator of
// RFC 9439, Section 3.2: cur, min, max, median, mean, stddev, stdvar, or
// "p" and a percentile in [0, 100] written as digits with an optional
// decimal part.
func ValidStatOperator(op string) bool {
	switch op {
	case "cur", "min", "max", "median", "mean", "stddev", "stdvar":
		return true
	}
	digits, ok := strings.CutPrefix(op, "p")
	if !ok || digits == "" {
		return false
	}
	whole, frac, hasFrac := strings.Cut(digits, ".")
	if whole == "" || !allDigits(whole) || (hasFrac && (frac == "" || !allDigits(frac))) {
		return false
	}
	v, err := strconv.ParseFloat(digits, 64)
	return err == nil && v >= 0 && v <= 100
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// ValidCostSource reports whether s is a cost source type registered by
// RFC 9439, Section 8.2.
func ValidCostSource(s string) bool {
	return s == CostSourceNominal || s == CostSourceSLA || s == CostSourceEstimation
}
