package conformance

import (
	"slices"
	"strings"
)

// Media types of ALTO extensions that no check covers.
const (
	mediaTypePropMap = "application/alto-propmap+json" // RFC 9240, Section 3.4
	mediaTypeCDNI    = "application/alto-cdni+json"    // RFC 9241, Section 3.1
)

// performanceMetrics are the cost metrics that RFC 9439, Section 8.1
// registers, less hopcount, which RFC 7285 servers used before and
// goalto serves as a basic metric.
var performanceMetrics = []string{"delay-ow", "delay-rt", "delay-variation", "lossrate", "tput", "bw-residual", "bw-available"}

// extensions returns the columns of the implementation table whose
// extensions the directory advertises, in SurveyColumns order:
//   - MC, multi-cost (RFC 8189, Sections 3.6.4 and 4.1.1): a
//     "max-cost-types" or "testable-cost-type-names" capability;
//   - CC, cost calendar (RFC 8896, Section 4.1): a
//     "calendar-attributes" capability;
//   - UP, unified properties (RFC 9240, Section 3.4): a resource of media type
//     application/alto-propmap+json;
//   - PV, path vector (RFC 9275, Section 6.5): a cost type with the cost
//     mode "array" or the cost metric "ane-path";
//   - PM, performance metrics (RFC 9439): a cost type with one of its
//     metrics, with or without a statistic suffix such as
//     "delay-ow:p99", or with a "cost-context" (Section 3.1);
//   - CDNI (RFC 9241, Section 3.1): a resource of media type
//     application/alto-cdni+json.
func (d *directory) extensions() []string {
	found := map[string]bool{}
	for _, r := range d.resources {
		if _, ok := r.capabilities["max-cost-types"]; ok {
			found["MC"] = true
		}
		if _, ok := r.capabilities["testable-cost-type-names"]; ok {
			found["MC"] = true
		}
		if _, ok := r.capabilities["calendar-attributes"]; ok {
			found["CC"] = true
		}
		switch r.MediaType {
		case mediaTypePropMap:
			found["UP"] = true
		case mediaTypeCDNI:
			found["CDNI"] = true
		}
	}
	for _, i := range d.irds {
		for _, v := range i.rawCostTypes {
			ct, ok := v.(map[string]any)
			if !ok {
				continue
			}
			mode, _ := ct["cost-mode"].(string)
			metric, _ := ct["cost-metric"].(string)
			if mode == "array" || metric == "ane-path" {
				found["PV"] = true
			}
			base, _, _ := strings.Cut(metric, ":")
			if _, ok := ct["cost-context"]; ok || slices.Contains(performanceMetrics, base) {
				found["PM"] = true
			}
		}
	}
	var out []string
	for _, col := range SurveyColumns {
		if found[col] {
			out = append(out, col)
		}
	}
	return out
}

// advertised returns the checked features that the directory lists a
// resource of.
func (d *directory) advertised() []Feature {
	kinds := []struct {
		k kind
		f Feature
	}{
		{kindNetworkMap, FeatureNetworkMap},
		{kindFilteredNetworkMap, FeatureFilteredNetworkMap},
		{kindCostMap, FeatureCostMap},
		{kindFilteredCostMap, FeatureFilteredCostMap},
		{kindEndpointProperty, FeatureEndpointProperty},
		{kindEndpointCost, FeatureEndpointCost},
		{kindUpdateStream, FeatureUpdateStream},
		{kindTIPS, FeatureTIPS},
	}
	var out []Feature
	for _, kf := range kinds {
		if len(d.ofKind(kf.k)) > 0 {
			out = append(out, kf.f)
		}
	}
	return out
}
