package netdef

import (
	"fmt"
	"slices"
	"strings"

	"github.com/goalto/goalto/alto"
)

// maxCostMetricLen is the maximum length of a cost metric string, RFC 7285,
// Section 10.6, kept by RFC 9439, Section 3.2 for metrics with a
// statistical operator.
const maxCostMetricLen = 32

// Metrics lists the cost metrics that the builder computes from
// the topology, along the path that routingcost chooses. bw-residual is
// offered only with the max operator, which RFC 9439, Section 5.2.3 gives
// as the minimum link capacity along the path. Other RFC 9439 metrics need
// costs given in the definition.
var Metrics = []string{
	alto.CostMetricRoutingCost,
	alto.CostMetricHopCount,
	alto.CostMetricDelayOW,
	alto.CostMetricDelayRT,
	alto.CostMetricBWResidual + ":max",
}

// knownCostMetric reports whether metric is a base identifier of the ALTO
// Cost Metrics registry, optionally followed by a statistical operator of
// RFC 9439, Section 3.2, within 32 characters.
func knownCostMetric(metric string) bool {
	if len(metric) > maxCostMetricLen {
		return false
	}
	base, op := alto.SplitCostMetric(metric)
	if !slices.Contains(alto.PerformanceMetrics, base) {
		return false
	}
	if metric == base {
		return true
	}
	// RFC 7285 metrics have no statistical operators.
	return base != alto.CostMetricRoutingCost && alto.ValidStatOperator(op)
}

// unknownMetricReason explains why knownCostMetric rejects a metric.
func unknownMetricReason(metric string) string {
	base, op := alto.SplitCostMetric(metric)
	switch {
	case len(metric) > maxCostMetricLen:
		return fmt.Sprintf("cost metric %q is longer than %d characters (RFC 7285, Section 10.6)", metric, maxCostMetricLen)
	case !slices.Contains(alto.PerformanceMetrics, base):
		return fmt.Sprintf("unknown cost metric %q: use one of %v, optionally followed by a statistical operator such as :min or :p95 (RFC 9439, Section 3.2)", metric, alto.PerformanceMetrics)
	case base == alto.CostMetricRoutingCost:
		return fmt.Sprintf("cost metric %q: routingcost takes no statistical operator, because only the metrics of RFC 9439 have them (RFC 9439, Section 3.2); use routingcost", metric)
	case strings.HasPrefix(op, "p"):
		return fmt.Sprintf("cost metric %q: the percentile operator pN takes N from 0 to 100, such as p95 or p99.9 (RFC 9439, Section 3.2)", metric)
	}
	return fmt.Sprintf("cost metric %q: unknown statistical operator %q; use cur, min, max, median, mean, stddev, stdvar or pN with N from 0 to 100 (RFC 9439, Section 3.2)", metric, op)
}

// validateCostMetric checks the metric of a non path vector cost type: it
// is known, and it is computed from the topology, given under costs or
// measured.
func (d *Definition) validateCostMetric(field, name string, ct alto.CostType) error {
	if !knownCostMetric(ct.Metric) {
		return fieldErr(field+".cost-metric", "%s", unknownMetricReason(ct.Metric))
	}
	if _, given := d.Costs[ct.Metric]; !given && !slices.Contains(Metrics, ct.Metric) && !d.Measurements.Measures(name) {
		return fieldErr(field+".cost-metric", "cost metric %q cannot be computed from a topology: give its values under costs.%s, list the cost type under measurements.cost-types, or use one of %v", ct.Metric, ct.Metric, Metrics)
	}
	if ct.Mode == alto.CostModeOrdinal && higherIsBetter(ct.Metric) {
		return fieldErr(field+".cost-mode", "cost mode ordinal with metric %q: ordinal ranks give lower values the higher preference (RFC 7285, Section 6.1.2.2), but a higher bandwidth is better, so use numerical", ct.Metric)
	}
	return d.validateCostContext(field, ct)
}

// higherIsBetter reports whether a higher value of the metric is
// preferred: the throughput and bandwidth metrics of RFC 9439, Section 5.
func higherIsBetter(metric string) bool {
	base, _ := alto.SplitCostMetric(metric)
	return base == alto.CostMetricTput || base == alto.CostMetricBWResidual || base == alto.CostMetricBWAvailable
}

// validateCostContext checks the cost context of a cost type against
// RFC 9439. The cost source must be registered (Section 8.2), routingcost
// allows only "estimation" (Section 6.3), and tput is never nominal or sla
// (Section 5.1.4). A topology contains no agreements, so sla needs costs
// given in the definition.
func (d *Definition) validateCostContext(field string, ct alto.CostType) error {
	if ct.Context == nil {
		return nil
	}
	field += ".cost-context.cost-source"
	source := ct.Context.Source
	switch {
	case source == "":
		return fieldErr(field, "missing cost source: use nominal, sla or estimation (RFC 9439, Section 3.1)")
	case !alto.ValidCostSource(source):
		return fieldErr(field, "unknown cost source %q: use nominal, sla or estimation (RFC 9439, Section 8.2)", source)
	case ct.Metric == alto.CostMetricRoutingCost && source != alto.CostSourceEstimation:
		return fieldErr(field, "cost source %q with routingcost: a routingcost cost context must be estimation (RFC 9439, Section 6.3)", source)
	}
	base, _ := alto.SplitCostMetric(ct.Metric)
	if base == alto.CostMetricTput && source != alto.CostSourceEstimation {
		return fieldErr(field, "cost source %q with tput: TCP throughput has no nominal or sla value (RFC 9439, Section 5.1.4), use estimation", source)
	}
	if _, given := d.Costs[ct.Metric]; !given && source == alto.CostSourceSLA {
		return fieldErr(field, "cost source sla for %q needs the agreed values under costs.%s: the topology gives no sla values", ct.Metric, ct.Metric)
	}
	return nil
}

// validateResourceCostTypes rejects two cost types of one resource with
// the same cost mode and metric. RFC 9439, Section 3.1 forbids the same
// mode, metric and context in one resource. It also does not use the
// context as a key, so a request cannot choose between two contexts.
func (d *Definition) validateResourceCostTypes(field string, r Resource) error {
	seen := map[[2]string]string{}
	for _, name := range r.CostTypes {
		ct := d.CostTypes[name]
		key := [2]string{ct.Mode, ct.Metric}
		first, dup := seen[key]
		if !dup {
			seen[key] = name
			continue
		}
		if d.CostTypes[first].Context.Equal(ct.Context) {
			return fieldErr(field+".cost-types", "cost types %q and %q have the same cost mode %q, metric %q and cost context: list one of them (RFC 9439, Section 3.1)", first, name, ct.Mode, ct.Metric)
		}
		return fieldErr(field+".cost-types", "cost types %q and %q have the same cost mode %q and metric %q: serve cost types that differ only in cost context from different resources (RFC 9439, Section 3.1)", first, name, ct.Mode, ct.Metric)
	}
	return nil
}

// CostMetrics returns the metrics of the definition's cost types, sorted
// and without duplicates: the metrics whose costs a snapshot builds.
func (d *Definition) CostMetrics() []string {
	var out []string
	for _, ct := range d.CostTypes {
		out = append(out, ct.Metric)
	}
	slices.Sort(out)
	return slices.Compact(out)
}
