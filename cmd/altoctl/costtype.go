package main

import (
	"context"
	"errors"

	"github.com/spf13/cobra"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/client"
)

// costTypeFlags are the flags that select a cost type: a name from the
// IRD, or a metric and a mode.
type costTypeFlags struct {
	name, metric, mode string
	flags              interface{ Changed(string) bool }
}

func addCostTypeFlags(cmd *cobra.Command, f *costTypeFlags) {
	flags := cmd.Flags()
	flags.StringVar(&f.name, "cost-type", "", "name of a cost type defined in the IRD's cost-types, such as num-routing")
	flags.StringVar(&f.metric, "metric", alto.CostMetricRoutingCost, "cost metric, such as routingcost or hopcount")
	flags.StringVar(&f.mode, "mode", alto.CostModeNumerical, "cost mode, numerical or ordinal")
	f.flags = flags
}

// explicit reports whether the command line sets any cost type flag.
func (f *costTypeFlags) explicit() bool {
	return f.flags.Changed("cost-type") || f.flags.Changed("metric") || f.flags.Changed("mode")
}

// resolve returns the selected cost type. A --cost-type name is looked
// up in the merged directory of the server.
func (f *costTypeFlags) resolve(ctx context.Context, c *client.Client) (alto.CostType, error) {
	if f.name == "" {
		return alto.CostType{Mode: f.mode, Metric: f.metric}, nil
	}
	if f.flags.Changed("metric") || f.flags.Changed("mode") {
		return alto.CostType{}, usagef("--cost-type cannot be combined with --metric or --mode: use a name or a metric and mode")
	}
	return c.CostType(ctx, f.name)
}

// parseConstraints parses --constraint values such as "le 10" (RFC 7285,
// Section 11.3.2.3).
func parseConstraints(values []string) ([]alto.Constraint, error) {
	var out []alto.Constraint
	for _, v := range values {
		c, err := alto.ParseConstraint(v)
		if err != nil {
			var altoErr *alto.Error
			if errors.As(err, &altoErr) {
				return nil, usagef("invalid --constraint %q: %s", v, altoErr.Message)
			}
			return nil, usagef("invalid --constraint %q: %v", v, err)
		}
		out = append(out, c)
	}
	return out, nil
}
