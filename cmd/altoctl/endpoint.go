package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/client"
)

func newEPSCommand(a *app) *cobra.Command {
	var resourceID string
	var req alto.EndpointPropParams
	cmd := &cobra.Command{
		Use:   "eps",
		Short: "Print endpoint properties",
		Long: `Send an endpoint property request (RFC 7285, Section 11.4.1) and print one
row per endpoint and property. Endpoints are typed addresses such as
ipv4:192.0.2.1 or ipv6:2001:db8::1.`,
		Example: "  altoctl eps --property my-default-network-map.pid --endpoint ipv4:192.0.2.34",
		Args:    cobra.NoArgs,
		RunE: a.action(func(ctx context.Context, c *client.Client) error {
			r, err := chooseResource(ctx, c, resourceID, alto.MediaTypeEndpointProp, alto.MediaTypeEndpointPropParams, func() (client.Resource, error) {
				return c.EndpointPropResource(ctx, req.Properties)
			})
			if err != nil {
				return err
			}
			resp, err := c.Post(ctx, r, &req)
			if err != nil {
				return err
			}
			return printResponse(a, resp, endpointPropTable)
		}),
	}
	flags := cmd.Flags()
	flags.StringVar(&resourceID, "resource", "", "resource ID of the endpoint property service (default: chosen from the IRD)")
	flags.StringArrayVar(&req.Properties, "property", nil, "property name, such as my-default-network-map.pid; repeat for more")
	flags.StringArrayVar(&req.Endpoints, "endpoint", nil, "typed endpoint address, such as ipv4:192.0.2.1; repeat for more")
	cobra.CheckErr(cmd.MarkFlagRequired("property"))
	cobra.CheckErr(cmd.MarkFlagRequired("endpoint"))
	return cmd
}

// endpointPropTable lists each endpoint and property with its value,
// sorted by endpoint and property.
func endpointPropTable(m *alto.EndpointPropertyMap) ([]string, [][]string) {
	var rows [][]string
	for _, ep := range sortedKeys(m.EndpointProperties) {
		props := m.EndpointProperties[ep]
		for _, name := range sortedKeys(props) {
			rows = append(rows, []string{ep, name, props[name]})
		}
	}
	return []string{"ENDPOINT", "PROPERTY", "VALUE"}, rows
}

func newECSCommand(a *app) *cobra.Command {
	var ctFlags costTypeFlags
	var resourceID string
	var srcs, dsts []string
	var list bool
	cmd := &cobra.Command{
		Use:   "ecs",
		Short: "Print endpoint costs",
		Long: `Send an endpoint cost request (RFC 7285, Section 11.5.1) and print the
costs between source and destination endpoints. Endpoints are typed
addresses such as ipv4:192.0.2.1. With only --src or only --dst, the
server uses the client's own address for the other side.

Repeat --metric or --cost-type for a multi-cost request (RFC 8189), which
prints one column per cost type. --testable, indexed constraints and --or
test cost types (RFC 8189, Section 4.2.2). --calendar requests a value
per time interval (RFC 8896) and prints one row per interval.`,
		Example: `  altoctl ecs --metric routingcost --mode ordinal --src ipv4:192.0.2.2 --dst ipv4:198.51.100.34
  altoctl ecs --metric routingcost --metric delay-ow --calendar --src ipv4:192.0.2.2 --dst ipv4:192.0.2.89`,
		Args: cobra.NoArgs,
		RunE: a.action(func(ctx context.Context, c *client.Client) error {
			if len(srcs) == 0 && len(dsts) == 0 {
				return usagef("missing endpoints: set --src, --dst or both")
			}
			cr, err := ctFlags.request(ctx, c)
			if err != nil {
				return err
			}
			return suggestResource(runEndpointCost(ctx, a, c, cr, resourceID, alto.EndpointFilter{Srcs: srcs, Dsts: dsts}, list), resourceID)
		}),
	}
	addCostTypeFlags(cmd, &ctFlags)
	flags := cmd.Flags()
	flags.StringVar(&resourceID, "resource", "", "resource ID of the endpoint cost service (default: chosen from the IRD)")
	flags.StringArrayVar(&srcs, "src", nil, "source typed endpoint address; repeat for more")
	flags.StringArrayVar(&dsts, "dst", nil, "destination typed endpoint address; repeat for more")
	flags.BoolVar(&list, "list", false, "print one src, dst, cost row per pair even for a few endpoints")
	return cmd
}

// runEndpointCost sends an endpoint cost request and prints the
// response as runCostFilter prints a filtered cost map.
func runEndpointCost(ctx context.Context, a *app, c *client.Client, cr costRequest, resourceID string, endpoints alto.EndpointFilter, list bool) error {
	req := cr.endpoint(endpoints)
	switch {
	case cr.calendar:
		m, err := c.EndpointCostCalendar(ctx, resourceID, req)
		if err != nil {
			return err
		}
		return printCalendar(a, m)
	case cr.multi():
		m, err := c.EndpointMultiCost(ctx, resourceID, req)
		if err != nil {
			return err
		}
		return printMultiCost(a, m, cr.types)
	}
	r, err := chooseResource(ctx, c, resourceID, alto.MediaTypeEndpointCost, alto.MediaTypeEndpointCostParams, func() (client.Resource, error) {
		if cr.extended() {
			return c.EndpointCostResourceFor(ctx, "", req)
		}
		return c.EndpointCostResource(ctx, req.CostType, len(req.Constraints) > 0)
	})
	if err != nil {
		return err
	}
	resp, err := c.Post(ctx, r, req)
	if err != nil {
		return err
	}
	return printResponse(a, resp, func(m *alto.EndpointCostMap) ([]string, [][]string) {
		return costTable(m.EndpointCostMap, list, costUnit(req.CostType))
	})
}
