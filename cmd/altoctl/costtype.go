package main

import (
	"context"
	"errors"
	"strings"

	"github.com/spf13/cobra"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/client"
)

// costTypeFlags are the flags that select the cost types of a cost
// request and the RFC 8189 and RFC 8896 members that go with them.
type costTypeFlags struct {
	names, metrics, modes []string
	testable              []string
	constraints, or       []string
	calendar              bool
	flags                 interface{ Changed(string) bool }
}

func addCostTypeFlags(cmd *cobra.Command, f *costTypeFlags) {
	flags := cmd.Flags()
	flags.StringArrayVar(&f.names, "cost-type", nil, "name of a cost type defined in the IRD's cost-types, such as num-routing; repeat for a multi-cost request (RFC 8189)")
	flags.StringArrayVar(&f.metrics, "metric", []string{alto.CostMetricRoutingCost}, "cost metric, such as routingcost, hopcount, delay-ow or bw-residual:max; repeat for a multi-cost request (RFC 8189)")
	flags.StringArrayVar(&f.modes, "mode", []string{alto.CostModeNumerical}, "cost mode, numerical or ordinal: once for every --metric, or once per --metric in the same order")
	flags.StringArrayVar(&f.testable, "testable", nil, "cost type that constraints test, as an IRD name or as metric/mode such as hopcount/numerical; repeat for more (RFC 8189 testable-cost-types)")
	flags.StringArrayVar(&f.constraints, "constraint", nil, `constraint that every returned cost meets, such as "le 10", or "[1] le 20" where [i] counts in --testable, else in the cost types (operators lt, le, gt, ge, eq); repeat for more`)
	flags.StringArrayVar(&f.or, "or", nil, `comma-separated constraints that a pair meets all of, such as "[0] le 100, [1] le 2"; repeat for alternatives (RFC 8189 or-constraints)`)
	flags.BoolVar(&f.calendar, "calendar", false, "request a calendar, one value per time interval, for every cost type (RFC 8896)")
	f.flags = flags
}

// explicit reports whether the command line sets any cost type flag.
func (f *costTypeFlags) explicit() bool {
	return f.flags.Changed("cost-type") || f.flags.Changed("metric") || f.flags.Changed("mode")
}

// costRequest is the cost type part of a filtered cost map or endpoint
// cost request, built from the flags.
type costRequest struct {
	types       []alto.CostType
	testable    []alto.CostType
	constraints []alto.Constraint
	or          [][]alto.Constraint
	calendar    bool
}

// request resolves the flags into a costRequest. IRD names are looked up
// in the merged directory of the server.
func (f *costTypeFlags) request(ctx context.Context, c *client.Client) (costRequest, error) {
	var r costRequest
	var err error
	if r.constraints, err = parsePredicates("--constraint", "constraints", f.constraints); err != nil {
		return r, err
	}
	for _, group := range f.or {
		cs, err := parsePredicates("--or", "or-constraints", strings.Split(group, ","))
		if err != nil {
			return r, err
		}
		r.or = append(r.or, cs)
	}
	if r.types, err = f.costTypes(ctx, c); err != nil {
		return r, err
	}
	for _, s := range f.testable {
		ct, err := parseCostType(ctx, c, s)
		if err != nil {
			return r, err
		}
		r.testable = append(r.testable, ct)
	}
	r.calendar = f.calendar
	return r, nil
}

// costTypes returns the selected cost types, in the order of the flags.
func (f *costTypeFlags) costTypes(ctx context.Context, c *client.Client) ([]alto.CostType, error) {
	if len(f.names) > 0 {
		if f.flags.Changed("metric") || f.flags.Changed("mode") {
			return nil, usagef("--cost-type cannot be combined with --metric or --mode: use names or metrics and modes")
		}
		var out []alto.CostType
		for _, name := range f.names {
			ct, err := c.CostType(ctx, name)
			if err != nil {
				return nil, err
			}
			out = append(out, ct)
		}
		return out, nil
	}
	if len(f.modes) != 1 && len(f.modes) != len(f.metrics) {
		return nil, usagef("%d --mode values for %d --metric values: give --mode once, or once per --metric", len(f.modes), len(f.metrics))
	}
	out := make([]alto.CostType, len(f.metrics))
	for i, metric := range f.metrics {
		mode := f.modes[0]
		if len(f.modes) > 1 {
			mode = f.modes[i]
		}
		out[i] = alto.CostType{Mode: mode, Metric: metric}
	}
	return out, nil
}

// parseCostType parses a --testable value: an IRD cost type name, or a
// metric and a mode separated by a slash.
func parseCostType(ctx context.Context, c *client.Client, s string) (alto.CostType, error) {
	metric, mode, ok := strings.Cut(s, "/")
	if !ok {
		return c.CostType(ctx, s)
	}
	if metric == "" || mode == "" {
		return alto.CostType{}, usagef("invalid --testable %q: want an IRD cost type name or metric/mode, such as hopcount/numerical", s)
	}
	return alto.CostType{Mode: mode, Metric: metric}, nil
}

// parsePredicates parses constraints such as "le 10" (RFC 7285, Section
// 11.3.2.3) and predicates such as "[1] le 20" (RFC 8189, Section
// 4.1.2). field names the request member in error messages.
func parsePredicates(flag, field string, values []string) ([]alto.Constraint, error) {
	var out []alto.Constraint
	for _, v := range values {
		v = strings.TrimSpace(v)
		c, err := alto.ParsePredicate(field, v)
		if err != nil {
			var altoErr *alto.Error
			if errors.As(err, &altoErr) {
				return nil, usagef("invalid %s %q: %s", flag, v, altoErr.Message)
			}
			return nil, usagef("invalid %s %q: %v", flag, v, err)
		}
		out = append(out, c)
	}
	return out, nil
}

// multi reports whether the request sends multi-cost-types, which makes
// each cost of the response an array.
func (r costRequest) multi() bool { return len(r.types) > 1 }

// extended reports whether the request needs a resource chosen by its
// RFC 8189 or RFC 8896 capabilities.
func (r costRequest) extended() bool {
	return r.multi() || r.calendar || alto.UsesExtensions(nil, r.testable, r.constraints, r.or)
}

// calendared returns the "calendared" member: true for every cost type
// with --calendar, else nil.
func (r costRequest) calendared() []bool {
	if !r.calendar {
		return nil
	}
	out := make([]bool, len(r.types))
	for i := range out {
		out[i] = true
	}
	return out
}

// filter returns the filtered cost map request for the PIDs.
func (r costRequest) filter(pids *alto.PIDFilter) *alto.CostMapFilter {
	req := &alto.CostMapFilter{
		TestableCostTypes: r.testable,
		Constraints:       r.constraints,
		OrConstraints:     r.or,
		Calendared:        r.calendared(),
		PIDs:              pids,
	}
	if r.multi() {
		req.MultiCostTypes = r.types
	} else {
		req.CostType = r.types[0]
	}
	return req
}

// endpoint returns the endpoint cost request for the endpoints.
func (r costRequest) endpoint(endpoints alto.EndpointFilter) *alto.EndpointCostParams {
	f := r.filter(nil)
	return &alto.EndpointCostParams{
		CostType:          f.CostType,
		MultiCostTypes:    f.MultiCostTypes,
		TestableCostTypes: f.TestableCostTypes,
		Constraints:       f.Constraints,
		OrConstraints:     f.OrConstraints,
		Calendared:        f.Calendared,
		Endpoints:         endpoints,
	}
}
