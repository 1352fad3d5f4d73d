package conformance

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sort"

	"github.com/goalto/goalto/alto"
)

// unknownMetric is a valid private cost metric (RFC 7285, Section 10.6)
// that no server is expected to offer.
const unknownMetric = "priv:conformance-unknown"

var (
	costMapService = service{feature: FeatureCostMap, kind: kindCostMap, prefix: "cm", what: "cost map"}

	filteredCostMapService = service{
		feature: FeatureFilteredCostMap, kind: kindFilteredCostMap, prefix: "fcm", what: "filtered cost map service",
		missing: func(_ *session, _ context.Context, _ *resource) (map[string]any, error) {
			return map[string]any{"pids": map[string]any{"srcs": []string{}, "dsts": []string{}}}, nil
		},
		wrongType: func(_ *session, _ context.Context, r *resource) (map[string]any, error) {
			return map[string]any{"cost-type": alto.CostMetricRoutingCost}, nil
		},
	}
)

func costMapChecks() []Check {
	checks := []Check{
		{
			ID: "cm.response", Section: "RFC 7285, Section 11.2.3.6", Feature: FeatureCostMap,
			Title: "a cost map is served with 200, its media type, the IRD's cost type, one dependent vtag of its network map, and PIDs of that map",
			run: func(ctx context.Context, s *session) outcome {
				return outcomeOf(s.eachResource(kindCostMap, "cost map", func(r *resource) error {
					m, x, err := s.costMap(ctx, r)
					if err != nil {
						return err
					}
					nm := s.dir.networkMapOf(r)
					if err := checkCostMapMeta(x, m, r.CostTypes, nm); err != nil {
						return err
					}
					if nm == nil {
						return nil
					}
					full, _, err := s.networkMap(ctx, nm)
					if err != nil {
						return nil // nm.response reports it
					}
					return checkCostMapPIDs(x, m, full, nm.ID)
				}))
			},
		},
		{
			ID: "cm.cost-values", Section: "RFC 7285, Section 11.2.3.6", Feature: FeatureCostMap,
			Title: "every cost is a JSON number, and every ordinal cost a non-negative integer",
			run: func(ctx context.Context, s *session) outcome {
				return outcomeOf(s.eachResource(kindCostMap, "cost map", func(r *resource) error {
					m, x, err := s.costMap(ctx, r)
					if err != nil {
						return skipf("cost map %q cannot be read: %v", r.ID, err)
					}
					return checkCostValues(x, m)
				}))
			},
		},
		{
			ID: "cm.dependent-vtag", Section: "RFC 7285, Section 11.2.3.6", Feature: FeatureCostMap,
			Title: "the dependent vtag of a cost map is the current vtag of the network map it uses",
			run: func(ctx context.Context, s *session) outcome {
				return outcomeOf(s.eachResource(kindCostMap, "cost map", func(r *resource) error {
					m, x, err := s.costMap(ctx, r)
					if err != nil {
						return skipf("cost map %q cannot be read: %v", r.ID, err)
					}
					return s.checkDependentVTag(ctx, x, m, r)
				}))
			},
		},
		{
			ID: "cm.ordinal-order", Section: "RFC 7285, Section 6.1.2.2", Feature: FeatureCostMap,
			Title: "an ordinal cost map ranks the same pairs in the order of the numerical costs of its metric",
			run: func(ctx context.Context, s *session) outcome {
				return outcomeOf(s.eachResource(kindCostMap, "cost map", func(r *resource) error {
					return s.checkOrdinalOrder(ctx, r)
				}))
			},
		},
	}
	return append(checks, getChecks(costMapService)...)
}

// checkCostMapMeta checks the meta of a cost map response: the cost
// type, one of those listed, and one dependent vtag that names the
// network map (RFC 7285, Sections 11.2.3.6 and 11.3.2.6).
func checkCostMapMeta(x *exchange, m *costMap, offered []alto.CostType, nm *resource) error {
	if m.CostType == nil {
		return x.failure(`"meta/cost-type"`, "a meta without cost-type")
	}
	if len(offered) > 0 && !slices.ContainsFunc(offered, m.CostType.Equal) {
		return x.failuref("cost type "+costTypeText(offered[0]), "%s", costTypeText(*m.CostType))
	}
	if len(m.DependentVTags) != 1 {
		return x.failuref(`"meta/dependent-vtags" with one version tag`, "%d version tags", len(m.DependentVTags))
	}
	if nm != nil && m.DependentVTags[0].ResourceID != nm.ID {
		return x.failuref(fmt.Sprintf("a dependent vtag of network map %q", nm.ID), "one of %q", m.DependentVTags[0].ResourceID)
	}
	return nil
}

// checkCostMapPIDs checks that every source and destination is a PID
// of the network map.
func checkCostMapPIDs(x *exchange, m *costMap, full *networkMap, nmID string) error {
	for _, src := range sortedKeys(m.Costs) {
		if _, ok := full.PIDs[src]; !ok {
			return x.failuref("PIDs of network map "+nmID, "source %q", src)
		}
		for _, dst := range sortedKeys(m.Costs[src]) {
			if _, ok := full.PIDs[dst]; !ok {
				return x.failuref("PIDs of network map "+nmID, "destination %q", dst)
			}
		}
	}
	return nil
}

// checkCostValues checks that costs are JSON numbers (RFC 7285,
// Section 11.2.3.6) and ordinal costs non-negative integers (Section
// 6.1.2.2).
func checkCostValues(x *exchange, m *costMap) error {
	if len(m.NonNumbers) > 0 {
		return x.failuref("JSON numbers as costs", "%d costs that are not, such as %s", len(m.NonNumbers), m.NonNumbers[0])
	}
	if m.CostType != nil && m.CostType.Mode == alto.CostModeOrdinal {
		if err := checkOrdinalValues(m); err != nil {
			return x.failure("non-negative integer ordinal costs", err.Error())
		}
	}
	if countCosts(m) == 0 {
		return skipf("%s: the response has no costs", x.describeRequest())
	}
	return nil
}

// checkDependentVTag compares the dependent vtag of a cost map with the
// vtag of the network map the resource uses.
func (s *session) checkDependentVTag(ctx context.Context, x *exchange, m *costMap, r *resource) error {
	nm, full, err := s.networkMapFor(ctx, r)
	if err != nil {
		return skipf("%v", err)
	}
	if !full.HasVTag {
		return skipf("network map %q has no vtag", nm.ID)
	}
	if len(m.DependentVTags) != 1 || m.DependentVTags[0] != full.VTag {
		return x.failuref("dependent vtag "+full.VTag.String(), "%s", describeVTags(m.DependentVTags))
	}
	return nil
}

func describeVTags(tags []versionTag) string {
	if len(tags) == 0 {
		return "no dependent vtags"
	}
	s := ""
	for i, t := range tags {
		if i > 0 {
			s += ", "
		}
		s += t.String()
	}
	return s
}

// checkOrdinalOrder compares an ordinal cost map with the numerical
// cost map of its metric over the same network map.
func (s *session) checkOrdinalOrder(ctx context.Context, r *resource) error {
	m, x, err := s.costMap(ctx, r)
	if err != nil {
		return skipf("cost map %q cannot be read: %v", r.ID, err)
	}
	if m.CostType == nil || m.CostType.Mode != alto.CostModeOrdinal {
		return skipf("cost map %q is not ordinal", r.ID)
	}
	nm := s.dir.networkMapOf(r)
	if nm == nil {
		return skipf("cost map %q uses no listed network map", r.ID)
	}
	numerical := alto.CostType{Mode: alto.CostModeNumerical, Metric: m.CostType.Metric}
	ref, source, err := s.fullCostMap(ctx, numerical, nm.ID)
	if err != nil {
		return err
	}
	if costsInScope(ref, nil, nil) == 0 {
		return skipf("%s has no costs to compare with", source)
	}
	if d := compareCosts(ref, m, nil, nil, true); d != "" {
		return x.failuref("the order of the numerical costs of "+source, "%s", d)
	}
	return nil
}

func countCosts(m *costMap) int {
	n := 0
	for _, row := range m.Costs {
		n += len(row)
	}
	return n + len(m.NonNumbers)
}

// costsInScope counts the costs of m between srcs and dsts (all when
// both are nil), so that a comparison over none can skip rather than
// pass.
func costsInScope(m *costMap, srcs, dsts []string) int {
	n := 0
	for src, row := range m.Costs {
		for dst := range row {
			if (srcs == nil || slices.Contains(srcs, src)) && (dsts == nil || slices.Contains(dsts, dst)) {
				n++
			}
		}
	}
	return n
}

// pairCost is the cost of one source and destination.
type pairCost struct {
	src, dst string
	ref, got float64
}

// compareCosts compares got with the costs of want between srcs and
// dsts (all pairs of want when both are nil). got must hold exactly the
// pairs that want defines among them. In ordinal mode the values must
// keep the order of want's values; otherwise they must be equal. It
// returns "" when they agree.
func compareCosts(want, got *costMap, srcs, dsts []string, ordinal bool) string {
	inScope := func(src, dst string) bool {
		return (srcs == nil || slices.Contains(srcs, src)) && (dsts == nil || slices.Contains(dsts, dst))
	}
	var pairs []pairCost
	for _, src := range sortedKeys(got.Costs) {
		for _, dst := range sortedKeys(got.Costs[src]) {
			ref, ok := want.Costs[src][dst]
			if !inScope(src, dst) || !ok {
				return fmt.Sprintf("a cost %s -> %s outside the expected pairs", src, dst)
			}
			pairs = append(pairs, pairCost{src: src, dst: dst, ref: ref, got: got.Costs[src][dst]})
		}
	}
	for _, src := range sortedKeys(want.Costs) {
		for _, dst := range sortedKeys(want.Costs[src]) {
			if _, ok := got.Costs[src][dst]; inScope(src, dst) && !ok {
				return fmt.Sprintf("no cost %s -> %s", src, dst)
			}
		}
	}
	if ordinal {
		return orderInversion(pairs)
	}
	for _, p := range pairs {
		if p.ref != p.got {
			return fmt.Sprintf("cost %s -> %s is %s, not %s", p.src, p.dst, formatCost(p.got), formatCost(p.ref))
		}
	}
	return ""
}

// orderInversion returns two pairs whose got values are in the opposite
// order of their ref values, or "". Pairs with equal ref values may
// have any got values, since ordinal costs need not be unique (RFC
// 7285, Section 6.1.2.2).
func orderInversion(pairs []pairCost) string {
	sorted := slices.Clone(pairs)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].ref < sorted[j].ref })
	var highest *pairCost // the pair with the highest got value of the lower ref values
	for i := 0; i < len(sorted); {
		j := i
		for j < len(sorted) && sorted[j].ref == sorted[i].ref {
			j++
		}
		group := sorted[i:j]
		if highest != nil {
			for k := range group {
				if group[k].got < highest.got {
					return fmt.Sprintf("%s -> %s has the rank %s and the cost %s, but %s -> %s has the higher rank %s with the lower cost %s",
						group[k].src, group[k].dst, formatCost(group[k].got), formatCost(group[k].ref),
						highest.src, highest.dst, formatCost(highest.got), formatCost(highest.ref))
				}
			}
		}
		for k := range group {
			if highest == nil || group[k].got > highest.got {
				highest = &group[k]
			}
		}
		i = j
	}
	return ""
}

func filteredCostMapChecks() []Check {
	checks := []Check{
		{
			ID: "fcm.response", Section: "RFC 7285, Section 11.3.2.6", Feature: FeatureFilteredCostMap,
			Title: "a filtered cost map is served with 200, its media type, the requested cost type and one dependent vtag of its network map",
			run: func(ctx context.Context, s *session) outcome {
				return outcomeOf(s.eachFilteredCostMap(ctx, func(f *filteredCostMapCase) error {
					_, _, err := f.post(ctx, s, f.body(f.srcs, f.dsts))
					return err
				}))
			},
		},
		{
			ID: "fcm.cost-values", Section: "RFC 7285, Section 11.2.3.6", Feature: FeatureFilteredCostMap,
			Title: "every cost of a filtered cost map is a JSON number, and every ordinal cost a non-negative integer",
			run: func(ctx context.Context, s *session) outcome {
				return outcomeOf(s.eachFilteredCostMap(ctx, func(f *filteredCostMapCase) error {
					m, x, err := f.post(ctx, s, f.body(f.srcs, f.dsts))
					if err != nil {
						return skipf("%v", err)
					}
					return checkCostValues(x, m)
				}))
			},
		},
		{
			ID: "fcm.subset", Section: "RFC 7285, Section 11.3.2.6", Feature: FeatureFilteredCostMap,
			Title: "a filtered cost map holds exactly the requested pairs with the costs of the full cost map (the same order for ordinal costs)",
			run: func(ctx context.Context, s *session) outcome {
				return outcomeOf(s.eachFilteredCostMap(ctx, func(f *filteredCostMapCase) error {
					m, x, err := f.post(ctx, s, f.body(f.srcs, f.dsts))
					if err != nil {
						return err
					}
					full, source, err := s.fullCostMap(ctx, f.ct, f.nm.ID)
					if err != nil {
						return err
					}
					if costsInScope(full, f.srcs, f.dsts) == 0 {
						return skipf("%s has no costs between the requested PIDs", source)
					}
					if d := compareCosts(full, m, f.srcs, f.dsts, f.ordinal()); d != "" {
						return x.failuref("the costs of "+source+" between the requested PIDs", "%s", d)
					}
					return nil
				}))
			},
		},
		{
			ID: "fcm.all-pids", Section: "RFC 7285, Section 11.3.2.3", Feature: FeatureFilteredCostMap,
			Title: "a request without pids returns the full cost map of the cost type",
			run: func(ctx context.Context, s *session) outcome {
				return outcomeOf(s.eachFilteredCostMap(ctx, func(f *filteredCostMapCase) error {
					cm := s.getCostMapResource(f.ct, f.nm.ID)
					if cm == nil {
						return skipf("no cost map read with GET offers %s to compare with", costTypeText(f.ct))
					}
					full, _, err := s.costMap(ctx, cm)
					if err != nil {
						return skipf("cost map %q cannot be read: %v", cm.ID, err)
					}
					m, x, err := f.post(ctx, s, map[string]any{"cost-type": costTypeJSON(f.ct)})
					if err != nil {
						return err
					}
					if costsInScope(full, nil, nil) == 0 {
						return skipf("cost map %q has no costs", cm.ID)
					}
					if d := compareCosts(full, m, nil, nil, f.ordinal()); d != "" {
						return x.failuref("the costs of cost map "+cm.ID, "%s", d)
					}
					return nil
				}))
			},
		},
		{
			ID: "fcm.unknown-pid", Section: "RFC 7285, Section 11.3.2.6", Feature: FeatureFilteredCostMap,
			Title: "a PID name that the network map does not define is ignored",
			run: func(ctx context.Context, s *session) outcome {
				return outcomeOf(s.eachFilteredCostMap(ctx, func(f *filteredCostMapCase) error {
					srcs := []string{f.srcs[0], unknownPID}
					dsts := append(slices.Clone(f.dsts), unknownPID)
					m, x, err := f.post(ctx, s, f.body(srcs, dsts))
					if err != nil {
						return err
					}
					full, source, err := s.fullCostMap(ctx, f.ct, f.nm.ID)
					if err != nil {
						return err
					}
					if costsInScope(full, srcs, dsts) == 0 {
						return skipf("%s has no costs between the requested PIDs", source)
					}
					if d := compareCosts(full, m, srcs, dsts, f.ordinal()); d != "" {
						return x.failuref("the costs of "+source+" between the requested PIDs that exist", "%s", d)
					}
					return nil
				}))
			},
		},
		{
			ID: "fcm.dependent-vtag", Section: "RFC 7285, Section 11.3.2.6", Feature: FeatureFilteredCostMap,
			Title: "the dependent vtag of a filtered cost map is the current vtag of its network map",
			run: func(ctx context.Context, s *session) outcome {
				return outcomeOf(s.eachFilteredCostMap(ctx, func(f *filteredCostMapCase) error {
					x := s.do(ctx, post(f.r.URI, alto.MediaTypeCostMapFilter, alto.MediaTypeCostMap, marshal(f.body(f.srcs, f.dsts))))
					if x.wantSuccess(alto.MediaTypeCostMap) != nil {
						return skipf("%s: %s", x.describeRequest(), x.describeResponse())
					}
					m, err := parseCostMap(x.body, "cost-map")
					if err != nil {
						return skipf("%s: %v", x.describeRequest(), err)
					}
					return s.checkDependentVTag(ctx, x, m, f.r)
				}))
			},
		},
		{
			ID: "fcm.unknown-cost-type", Section: "RFC 7285, Section 11.3.2.3", Feature: FeatureFilteredCostMap,
			Title: "a cost metric or cost mode that the resource does not offer gets 400 with E_INVALID_FIELD_VALUE",
			run: func(ctx context.Context, s *session) outcome {
				return outcomeOf(s.eachResource(kindFilteredCostMap, "filtered cost map service", func(r *resource) error {
					return s.checkUnknownCostTypes(ctx, r, func(ct map[string]any) map[string]any {
						return map[string]any{"cost-type": ct}
					})
				}))
			},
		},
		{
			ID: "fcm.constraints", Section: "RFC 7285, Section 11.3.2.6", Feature: FeatureFilteredCostMap,
			Title: "constraints return exactly the pairs whose costs meet all of them",
			run: func(ctx context.Context, s *session) outcome {
				return outcomeOf(s.eachFilteredCostMap(ctx, func(f *filteredCostMapCase) error {
					if !f.r.CostConstraints {
						return skipf("resource %q does not support constraints", f.r.ID)
					}
					if f.ordinal() {
						return skipf("constraints are checked on numerical costs only")
					}
					return checkConstraints(ctx, s, f.r, func(constraints []string) map[string]any {
						body := f.body(f.srcs, f.dsts)
						if constraints != nil {
							body["constraints"] = constraints
						}
						return body
					}, alto.MediaTypeCostMap, "cost-map")
				}))
			},
		},
		{
			ID: "fcm.invalid-constraint", Section: "RFC 7285, Section 11.3.2.3", Feature: FeatureFilteredCostMap,
			Title: "a constraint with an unknown operator or a target that is not a number gets 400 with E_INVALID_FIELD_VALUE or E_SYNTAX",
			run: func(ctx context.Context, s *session) outcome {
				return outcomeOf(s.eachFilteredCostMap(ctx, func(f *filteredCostMapCase) error {
					if !f.r.CostConstraints {
						return skipf("resource %q does not support constraints", f.r.ID)
					}
					return checkInvalidConstraints(ctx, s, f.r, func(c string) map[string]any {
						body := f.body(f.srcs, f.dsts)
						body["constraints"] = []string{c}
						return body
					})
				}))
			},
		},
	}
	checks = append(checks, postChecks(filteredCostMapService)...)
	return append(checks, errorChecks(filteredCostMapService)...)
}

// filteredCostMapCase is one cost type of a filtered cost map service,
// with PIDs of its network map to request.
type filteredCostMapCase struct {
	r          *resource
	ct         alto.CostType
	nm         *resource
	srcs, dsts []string
}

func (f *filteredCostMapCase) ordinal() bool { return f.ct.Mode == alto.CostModeOrdinal }

func (f *filteredCostMapCase) body(srcs, dsts []string) map[string]any {
	return map[string]any{"cost-type": costTypeJSON(f.ct), "pids": map[string]any{"srcs": srcs, "dsts": dsts}}
}

// post sends a filter request and parses the cost map it returns,
// checking the meta.
func (f *filteredCostMapCase) post(ctx context.Context, s *session, body map[string]any) (*costMap, *exchange, error) {
	x := s.do(ctx, post(f.r.URI, alto.MediaTypeCostMapFilter, alto.MediaTypeCostMap, marshal(body)))
	if err := x.wantSuccess(alto.MediaTypeCostMap); err != nil {
		return nil, x, err
	}
	m, err := parseCostMap(x.body, "cost-map")
	if err != nil {
		return nil, x, x.failuref("a cost map (RFC 7285, Section 11.3.2.6)", "%v", err)
	}
	if err := checkCostMapMeta(x, m, []alto.CostType{f.ct}, f.nm); err != nil {
		return nil, x, err
	}
	return m, x, nil
}

// eachFilteredCostMap runs fn for every cost type of every filtered
// cost map service whose network map can be read.
func (s *session) eachFilteredCostMap(ctx context.Context, fn func(f *filteredCostMapCase) error) error {
	return s.eachResource(kindFilteredCostMap, "filtered cost map service", func(r *resource) error {
		nm, full, err := s.networkMapFor(ctx, r)
		if err != nil {
			return skipf("%v", err)
		}
		pids := sortedKeys(full.PIDs)
		if len(pids) == 0 {
			return skipf("network map %q has no PIDs", nm.ID)
		}
		if len(r.CostTypes) == 0 {
			return skipf("resource %q lists no cost type that its IRD defines", r.ID)
		}
		return eachOf(r.CostTypes, func(ct alto.CostType) error {
			return fn(&filteredCostMapCase{r: r, ct: ct, nm: nm, srcs: spread(pids, 3), dsts: spread(pids, 4)})
		})
	})
}

// getCostMapResource returns the cost map read with GET that offers a
// cost type over a network map, or nil.
func (s *session) getCostMapResource(ct alto.CostType, nmID string) *resource {
	for _, r := range s.dir.ofKind(kindCostMap) {
		if nm := s.dir.networkMapOf(r); nm != nil && nm.ID == nmID && r.offers(ct) {
			return r
		}
	}
	return nil
}

// checkUnknownCostTypes sends a cost metric and a cost mode that the
// resource does not offer (RFC 7285, Sections 11.3.2.3 and 11.5.1.3)
// in bodies that build makes from a cost type member.
func (s *session) checkUnknownCostTypes(ctx context.Context, r *resource, build func(ct map[string]any) map[string]any) error {
	if len(r.CostTypes) == 0 {
		return skipf("resource %q lists no cost type that its IRD defines", r.ID)
	}
	known := r.CostTypes[0]
	for _, ct := range []alto.CostType{
		{Mode: known.Mode, Metric: unknownMetric},
		{Mode: "conformance-mode", Metric: known.Metric},
	} {
		body := build(costTypeJSON(ct))
		x := s.do(ctx, post(r.URI, r.Accepts, r.MediaType, marshal(body)))
		if _, err := x.wantError(http.StatusBadRequest, "E_INVALID_FIELD_VALUE"); err != nil {
			return err
		}
	}
	return nil
}
