package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/client"
)

// matrixMaxColumns is the largest number of destinations that a cost
// table prints as a matrix. Larger maps print one "src dst cost" row per
// pair, which stays readable in an 80-column terminal and in grep.
const matrixMaxColumns = 8

func newCostMapCommand(a *app) *cobra.Command {
	var ctFlags costTypeFlags
	var resourceID string
	var list bool
	cmd := &cobra.Command{
		Use:   "costmap",
		Short: "Print a full cost map",
		Long: `Print a full cost map (RFC 7285, Section 11.2.3) for a cost type, chosen by
--cost-type or by --metric and --mode. Without --resource, the cost map
comes from a cost map resource that offers the cost type or, when there
is none, from a filtered cost map service asked for all PIDs.

Several cost types (RFC 8189), constraints, --testable, --or and
--calendar (RFC 8896) send a filtered cost map request for all PIDs, as
"costmap filter" does.`,
		Example: `  altoctl costmap --metric routingcost --metric delay-ow --calendar`,
		Args:    cobra.NoArgs,
		RunE: a.action(func(ctx context.Context, c *client.Client) error {
			cr, err := ctFlags.request(ctx, c)
			if err != nil {
				return err
			}
			if cr.extended() || len(cr.constraints) > 0 {
				return runCostFilter(ctx, a, c, cr, resourceID, &alto.PIDFilter{Srcs: []string{}, Dsts: []string{}}, list)
			}
			resp, err := fetchFullCostMap(ctx, c, &ctFlags, cr.types[0], resourceID)
			if err != nil {
				return err
			}
			return printResponse(a, resp, func(m *alto.CostMap) ([]string, [][]string) {
				return costTable(m.CostMap, list, costUnit(cr.types[0]))
			})
		}),
	}
	addCostTypeFlags(cmd, &ctFlags)
	cmd.Flags().StringVar(&resourceID, "resource", "", "resource ID of the cost map (default: chosen from the IRD by cost type)")
	cmd.Flags().BoolVar(&list, "list", false, "print one src, dst, cost row per pair even for a small map")
	cmd.AddCommand(newCostMapFilterCommand(a))
	return cmd
}

func fetchFullCostMap(ctx context.Context, c *client.Client, f *costTypeFlags, ct alto.CostType, resourceID string) (*client.Response, error) {
	if resourceID == "" {
		r, params, err := c.FullCostMapRequest(ctx, ct)
		if err != nil {
			return nil, err
		}
		return c.Fetch(ctx, r, params)
	}
	r, err := c.ResourceOfType(ctx, resourceID, alto.MediaTypeCostMap, "")
	if err != nil {
		return nil, err
	}
	if f.explicit() && !r.Offers(ct) {
		return nil, fmt.Errorf("cost map %q does not offer cost type %s/%s", r.ID, ct.Metric, ct.Mode)
	}
	return c.Get(ctx, r)
}

func newCostMapFilterCommand(a *app) *cobra.Command {
	var ctFlags costTypeFlags
	var resourceID string
	var srcs, dsts []string
	var list bool
	cmd := &cobra.Command{
		Use:   "filter",
		Short: "Print a filtered cost map",
		Long: `Send a filtered cost map request (RFC 7285, Section 11.3.2) and print the
costs it returns. Without --src and --dst, the server returns all PID
pairs; with only one of them, all PIDs on the other side.

Repeat --metric or --cost-type for a multi-cost request (RFC 8189), which
prints one column per cost type. --testable, indexed constraints and --or
test cost types (RFC 8189, Section 4.1.2). --calendar requests a value
per time interval (RFC 8896) and prints one row per interval.`,
		Example: `  altoctl costmap filter --metric routingcost --mode numerical --src PID1 --dst PID2 --constraint "le 10"
  altoctl costmap filter --metric routingcost --metric hopcount --or "[0] le 100, [1] le 2" --or "[1] le 1"
  altoctl costmap filter --cost-type num-routingcost --testable num-hopcount --constraint "[0] le 2"
  altoctl costmap filter --metric routingcost --metric delay-ow --calendar --src PID1`,
		Args: cobra.NoArgs,
		RunE: a.action(func(ctx context.Context, c *client.Client) error {
			cr, err := ctFlags.request(ctx, c)
			if err != nil {
				return err
			}
			var pids *alto.PIDFilter
			if len(srcs) > 0 || len(dsts) > 0 {
				pids = &alto.PIDFilter{Srcs: nonNil(srcs), Dsts: nonNil(dsts)}
			}
			return suggestResource(runCostFilter(ctx, a, c, cr, resourceID, pids, list), resourceID)
		}),
	}
	addCostTypeFlags(cmd, &ctFlags)
	flags := cmd.Flags()
	flags.StringVar(&resourceID, "resource", "", "resource ID of the filtered cost map service (default: chosen from the IRD)")
	flags.StringArrayVar(&srcs, "src", nil, "source PID; repeat for more PIDs")
	flags.StringArrayVar(&dsts, "dst", nil, "destination PID; repeat for more PIDs")
	flags.BoolVar(&list, "list", false, "print one src, dst, cost row per pair even for a small map")
	return cmd
}

// suggestResource adds to a failed automatic choice of a resource the
// hint to name one. A named resource is checked only for its request
// form and capacity; the server decides on the cost types.
func suggestResource(err error, resourceID string) error {
	if resourceID != "" || !errors.Is(err, client.ErrNotFound) {
		return err
	}
	return fmt.Errorf("%w; name a resource with --resource ID (altoctl ird lists them)", err)
}

// runCostFilter sends a filtered cost map request and prints the
// response: a calendar table, a multi-cost table or a cost table.
func runCostFilter(ctx context.Context, a *app, c *client.Client, cr costRequest, resourceID string, pids *alto.PIDFilter, list bool) error {
	req := cr.filter(pids)
	switch {
	case cr.calendar:
		m, err := c.FilteredCostMapCalendar(ctx, resourceID, req)
		if err != nil {
			return err
		}
		return printCalendar(a, m)
	case cr.multi():
		m, err := c.FilteredMultiCostMap(ctx, resourceID, req)
		if err != nil {
			return err
		}
		return printMultiCost(a, m, cr.types)
	}
	r, err := chooseResource(ctx, c, resourceID, alto.MediaTypeCostMap, alto.MediaTypeCostMapFilter, func() (client.Resource, error) {
		if cr.extended() {
			return c.FilteredCostMapResourceFor(ctx, "", req)
		}
		return c.FilteredCostMapResource(ctx, req.CostType, len(req.Constraints) > 0)
	})
	if err != nil {
		return err
	}
	resp, err := c.Post(ctx, r, req)
	if err != nil {
		return err
	}
	return printResponse(a, resp, func(m *alto.CostMap) ([]string, [][]string) {
		return costTable(m.CostMap, list, costUnit(req.CostType))
	})
}

// costTable prints costs as a matrix with one row per source and one
// column per destination when there are at most matrixMaxColumns
// destinations and list is false, and otherwise as one row per pair. A
// pair without a cost shows emptyCell in the matrix. A non-empty unit
// follows the header of the costs, or the corner cell of the matrix.
func costTable(costs map[string]map[string]float64, list bool, unit string) ([]string, [][]string) {
	dstSet := make(map[string]struct{})
	for _, row := range costs {
		for dst := range row {
			dstSet[dst] = struct{}{}
		}
	}
	dsts := sortedKeys(dstSet)
	if list || len(dsts) > matrixMaxColumns {
		return costList(costs, unit)
	}
	var rows [][]string
	for _, src := range sortedKeys(costs) {
		row := []string{src}
		for _, dst := range dsts {
			cost, ok := costs[src][dst]
			if !ok {
				row = append(row, "")
				continue
			}
			row = append(row, formatCost(cost))
		}
		rows = append(rows, row)
	}
	return append([]string{withUnit(`SRC\DST`, unit)}, dsts...), rows
}

func costList(costs map[string]map[string]float64, unit string) ([]string, [][]string) {
	var rows [][]string
	for _, src := range sortedKeys(costs) {
		for _, dst := range sortedKeys(costs[src]) {
			rows = append(rows, []string{src, dst, formatCost(costs[src][dst])})
		}
	}
	return []string{"SRC", "DST", withUnit("COST", unit)}, rows
}

// costDigits is the number of significant digits that formatCost keeps:
// more than any measured or configured cost carries, and few enough to
// drop the rounding error of float64 arithmetic, as in 1.0000000000000009.
const costDigits = 12

// formatCost prints a cost in decimal without an exponent, rounded to
// costDigits significant digits, with as many digits as the rounded value
// needs.
func formatCost(v float64) string {
	rounded, err := strconv.ParseFloat(strconv.FormatFloat(v, 'g', costDigits, 64), 64)
	if err != nil {
		rounded = v
	}
	return strconv.FormatFloat(rounded, 'f', -1, 64)
}

// nonNil returns list, or an empty list in place of nil so that it is
// sent as [] and not null.
func nonNil(list []string) []string {
	if list == nil {
		return []string{}
	}
	return list
}
