package main

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/goalto/goalto/client"
)

func newIRDCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "ird",
		Short: "List the resources of the information resource directory",
		Long: `List the resources of the server's information resource directory (IRD),
with the resources of its secondary directories merged in and every URI
absolute. With --json, print the merged directory.`,
		Args: cobra.NoArgs,
		RunE: a.action(a.runIRD),
	}
}

func (a *app) runIRD(ctx context.Context, c *client.Client) error {
	if a.jsonOutput {
		dir, err := c.Directory(ctx)
		if err != nil {
			return err
		}
		body, err := json.Marshal(dir)
		if err != nil {
			return fmt.Errorf("encode directory: %w", err)
		}
		return printJSON(a.stdout, body)
	}
	resources, err := c.Resources(ctx)
	if err != nil {
		return err
	}
	return printTable(a.stdout, []string{"ID", "MEDIA TYPE", "ACCEPTS", "URI", "USES", "CAPABILITIES"}, irdRows(resources))
}

func irdRows(resources []client.Resource) [][]string {
	rows := make([][]string, 0, len(resources))
	for _, r := range resources {
		rows = append(rows, []string{
			r.ID,
			r.MediaType,
			r.Accepts,
			r.URI,
			strings.Join(r.Uses, ","),
			capabilitiesText(r),
		})
	}
	return rows
}

// capabilitiesText formats the capabilities of a resource as
// space-separated items such as "cost-types=num-routing,ord-routing".
func capabilitiesText(r client.Resource) string {
	caps := r.Capabilities
	if caps == nil {
		return ""
	}
	var items []string
	if len(caps.CostTypeNames) > 0 {
		items = append(items, "cost-types="+strings.Join(caps.CostTypeNames, ","))
	}
	if caps.CostConstraints {
		items = append(items, "cost-constraints")
	}
	if len(caps.PropTypes) > 0 {
		items = append(items, "prop-types="+strings.Join(caps.PropTypes, ","))
	}
	if caps.MaxCostTypes > 0 {
		items = append(items, "max-cost-types="+strconv.Itoa(caps.MaxCostTypes))
	}
	if len(caps.TestableCostTypeNames) > 0 {
		items = append(items, "testable-cost-types="+strings.Join(caps.TestableCostTypeNames, ","))
	}
	for _, cal := range caps.CalendarAttributes {
		// One item per calendar: its cost types, interval size in seconds
		// and number of intervals, such as "calendar=num-routing:3600sx24".
		items = append(items, fmt.Sprintf("calendar=%s:%ssx%d", strings.Join(cal.CostTypeNames, ","), formatCost(cal.TimeIntervalSize), cal.NumberOfIntervals))
	}
	if len(caps.IncrementalChangeMediaTypes) > 0 {
		ids := slices.Sorted(maps.Keys(caps.IncrementalChangeMediaTypes))
		items = append(items, "updates="+strings.Join(ids, ","))
	}
	if caps.SupportStreamControl {
		items = append(items, "stream-control")
	}
	if len(caps.ANEPropertyNames) > 0 {
		items = append(items, "ane-property-names="+strings.Join(caps.ANEPropertyNames, ","))
	}
	// One item per entity domain of a property map, such as
	// "mappings=ipv4:.pid,.asn" (RFC 9240, Section 4.4).
	for _, domain := range slices.Sorted(maps.Keys(caps.Mappings)) {
		items = append(items, "mappings="+domain+":"+strings.Join(caps.Mappings[domain], ","))
	}
	return strings.Join(items, " ")
}
