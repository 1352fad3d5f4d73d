package measure

import (
	"fmt"
	"math"

	"github.com/goalto/goalto/alto"
)

// Rule is how the link values of a path combine into the path value.
type Rule int

// Path rules of RFC 9439, Section 6.4.2 and the sections of each metric.
const (
	// Sum adds the link values: delays (Section 4.1.4), delay variations
	// (Section 4.3.4) and variances of independent links.
	Sum Rule = iota
	// RootSumSquares is the square root of the sum of the squared link
	// values: the standard deviation of a sum of independent links.
	RootSumSquares
	// LossProduct combines loss percentages p as 100 (1 - Π(1 - p/100)),
	// the loss of independent links (Section 4.4.4).
	LossProduct
	// Bottleneck takes the minimum: residual and available bandwidth
	// (Sections 5.2.3 and 5.3.3), and throughput.
	Bottleneck
)

// RuleFor returns the path rule of a measured cost metric, or an error
// for a statistic that link statistics cannot give for a path: the
// standard deviation or variance of a loss rate or a bandwidth.
func RuleFor(metric string) (Rule, error) {
	base, op := alto.SplitCostMetric(metric)
	spread := op == "stddev" || op == "stdvar"
	switch base {
	case alto.CostMetricDelayOW, alto.CostMetricDelayRT, alto.CostMetricDelayVariation:
		if op == "stddev" {
			return RootSumSquares, nil
		}
		return Sum, nil
	case alto.CostMetricLossRate:
		if !spread {
			return LossProduct, nil
		}
	case alto.CostMetricTput, alto.CostMetricBWResidual, alto.CostMetricBWAvailable:
		if !spread {
			return Bottleneck, nil
		}
	default:
		return 0, fmt.Errorf("cost metric %q is not measured", metric)
	}
	return 0, fmt.Errorf("cost metric %q: the %s of a path does not follow from the %s of its links; use another statistical operator", metric, op, op)
}

// Start returns the value of an empty path, the start of a fold with
// Add: 0 for delays and losses, and +Inf for a bottleneck, which an
// empty path does not have.
func (r Rule) Start() float64 {
	if r == Bottleneck {
		return math.Inf(1)
	}
	return 0
}

// Add adds the value v of the next link to acc, the value of the path
// so far. A NaN link value makes the path NaN, which is undefined.
func (r Rule) Add(acc, v float64) float64 {
	switch r {
	case RootSumSquares:
		return math.Sqrt(acc*acc + v*v)
	case LossProduct:
		return 100 * (1 - (1-acc/100)*(1-v/100))
	case Bottleneck:
		if math.IsNaN(v) {
			return v
		}
		return min(acc, v)
	}
	return acc + v
}

// Finish turns a folded value into the path value: an empty bottleneck
// path, still +Inf, is undefined (NaN).
func (r Rule) Finish(acc float64) float64 {
	if math.IsInf(acc, 1) {
		return math.NaN()
	}
	return acc
}
