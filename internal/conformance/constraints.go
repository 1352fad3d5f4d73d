package conformance

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// constraint is a cost constraint, RFC 7285, Section 11.3.2.3: an
// operator and a target cost.
type constraint struct {
	op     string
	target float64
}

func (c constraint) String() string {
	return c.op + " " + strconv.FormatFloat(c.target, 'f', -1, 64)
}

func (c constraint) match(v float64) bool {
	switch c.op {
	case "lt":
		return v < c.target
	case "le":
		return v <= c.target
	case "gt":
		return v > c.target
	case "ge":
		return v >= c.target
	}
	return v == c.target
}

// checkConstraints checks that constraints filter the costs of a
// request (RFC 7285, Section 11.3.2.6, and Section 11.5.1.3 for the
// endpoint cost service): build makes the request body with the
// constraints, or without any for nil. The response to each set must contain
// exactly the unconstrained pairs whose costs meet all constraints of
// the set, which the RFC combines with a logical AND.
func checkConstraints(ctx context.Context, s *session, r *resource, build func([]string) map[string]any, mediaType, data string) error {
	x := s.do(ctx, post(r.URI, r.Accepts, mediaType, marshal(build(nil))))
	if err := x.wantSuccess(mediaType); err != nil {
		return err
	}
	base, err := parseCostMap(x.body, data)
	if err != nil {
		return x.failuref("a "+data+" object", "%v", err)
	}
	var values []float64
	for _, row := range base.Costs {
		for _, v := range row {
			values = append(values, v)
		}
	}
	slices.Sort(values)
	values = slices.Compact(values)
	if len(values) < 2 {
		return skipf("%s: the costs have fewer than two distinct values, so constraints select nothing to compare", x.describeRequest())
	}
	mid, low := values[len(values)/2], values[0]
	for _, set := range [][]constraint{
		{{"le", mid}},
		{{"gt", mid}},
		{{"eq", mid}},
		{{"ge", low}, {"lt", mid}},
	} {
		if err := checkConstraintSet(ctx, s, r, build, mediaType, data, base, set); err != nil {
			return err
		}
	}
	return nil
}

func checkConstraintSet(ctx context.Context, s *session, r *resource, build func([]string) map[string]any, mediaType, data string, base *costMap, set []constraint) error {
	texts := make([]string, len(set))
	for i, c := range set {
		texts[i] = c.String()
	}
	x := s.do(ctx, post(r.URI, r.Accepts, mediaType, marshal(build(texts))))
	if err := x.wantSuccess(mediaType); err != nil {
		return err
	}
	got, err := parseCostMap(x.body, data)
	if err != nil {
		return x.failuref("a "+data+" object", "%v", err)
	}
	want := &costMap{Costs: map[string]map[string]float64{}}
	for src, row := range base.Costs {
		for dst, v := range row {
			if matchAll(set, v) {
				if want.Costs[src] == nil {
					want.Costs[src] = map[string]float64{}
				}
				want.Costs[src][dst] = v
			}
		}
	}
	if d := compareCosts(want, got, nil, nil, false); d != "" {
		return x.failuref("only the costs that meet "+strings.Join(texts, " and "), "%s", d)
	}
	return nil
}

func matchAll(set []constraint, v float64) bool {
	for _, c := range set {
		if !c.match(v) {
			return false
		}
	}
	return true
}

// checkInvalidConstraints sends constraints that break the grammar of
// RFC 7285, Section 11.3.2.3. The RFC names no code for them, so both
// E_INVALID_FIELD_VALUE and E_SYNTAX pass.
func checkInvalidConstraints(ctx context.Context, s *session, r *resource, build func(string) map[string]any) error {
	for _, c := range []string{"between 1 2", "le not-a-number"} {
		x := s.do(ctx, post(r.URI, r.Accepts, r.MediaType, marshal(build(c))))
		if _, err := x.wantError(http.StatusBadRequest, "E_INVALID_FIELD_VALUE", "E_SYNTAX"); err != nil {
			return fmt.Errorf("constraint %q: %w", c, err)
		}
	}
	return nil
}
