package main

import (
	"fmt"
	"time"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/client"
)

// metricUnits are the units of the cost metrics of RFC 9439: Sections
// 4.1.2, 4.2.2 and 4.3.2 (microseconds), 4.4.2 (percent of packets),
// 4.5.2 (hops), 5.1.2, 5.2.2 and 5.3.2 (bytes per second).
var metricUnits = map[string]string{
	alto.CostMetricHopCount:       "hops",
	alto.CostMetricDelayOW:        "microseconds",
	alto.CostMetricDelayRT:        "microseconds",
	alto.CostMetricDelayVariation: "microseconds",
	alto.CostMetricLossRate:       "percent",
	alto.CostMetricTput:           "bytes/s",
	alto.CostMetricBWResidual:     "bytes/s",
	alto.CostMetricBWAvailable:    "bytes/s",
}

// costUnit returns the unit of the costs of a cost type, or "" for a
// cost without a unit: routingcost, unknown metrics, and the ranks of the
// ordinal mode (RFC 7285, Section 6.1.2.2). The variance operator stdvar
// (RFC 9439, Section 3.2) squares the unit.
func costUnit(ct alto.CostType) string {
	if ct.Mode == alto.CostModeOrdinal {
		return ""
	}
	base, op := alto.SplitCostMetric(ct.Metric)
	unit := metricUnits[base]
	if unit != "" && op == "stdvar" {
		return "(" + unit + ")^2"
	}
	return unit
}

// withUnit returns the header s followed by the unit in brackets, or s
// for an empty unit.
func withUnit(s, unit string) string {
	if unit == "" {
		return s
	}
	return s + " (" + unit + ")"
}

// costLabel names a cost type in a table header: the metric, "/ordinal"
// for the ordinal mode, and the unit.
func costLabel(ct alto.CostType) string {
	label := ct.Metric
	if ct.Mode != alto.CostModeNumerical {
		label += "/" + ct.Mode
	}
	return withUnit(label, costUnit(ct))
}

// printMultiCost prints a multi-cost response (RFC 8189) as one row per
// pair and one column per cost type, or its body with --json. An
// undefined cost shows emptyCell.
func printMultiCost(a *app, m *client.MultiCostMap, types []alto.CostType) error {
	if a.jsonOutput {
		return printJSON(a.stdout, m.Response.Body)
	}
	header := []string{"SRC", "DST"}
	for _, ct := range types {
		header = append(header, costLabel(ct))
	}
	var rows [][]string
	for _, src := range sortedKeys(m.Costs) {
		for _, dst := range sortedKeys(m.Costs[src]) {
			row := []string{src, dst}
			for _, v := range m.Costs[src][dst] {
				row = append(row, formatOptional(v))
			}
			rows = append(rows, row)
		}
	}
	return printTable(a.stdout, header, rows)
}

// printCalendar prints a calendared response (RFC 8896) as one row per
// pair, cost type and time interval, with the start of the interval in
// RFC 3339 UTC, or its body with --json. A single value, which a cost
// type without a calendar gets, has one row without a start time.
func printCalendar(a *app, m *client.CalendarCostMap) error {
	if a.jsonOutput {
		return printJSON(a.stdout, m.Response.Body)
	}
	var rows [][]string
	for _, src := range sortedKeys(m.Costs) {
		for _, dst := range sortedKeys(m.Costs[src]) {
			for i, cost := range m.Costs[src][dst] {
				pairRows, err := calendarRows(m, i, cost)
				if err != nil {
					return err
				}
				for _, r := range pairRows {
					rows = append(rows, append([]string{src, dst}, r...))
				}
			}
		}
	}
	return printTable(a.stdout, []string{"SRC", "DST", "COST TYPE", "UNIT", "START", "VALUE"}, rows)
}

// calendarRows returns the cost type, unit, start and value cells of the
// cost of the cost type at index i.
func calendarRows(m *client.CalendarCostMap, i int, cost client.CalendarCost) ([][]string, error) {
	ct := m.CostTypes[i]
	name := ct.Metric + "/" + ct.Mode
	unit := costUnit(ct)
	if cost.Calendar == nil {
		return [][]string{{name, unit, "", formatOptional(cost.Value)}}, nil
	}
	attrs := m.Attributes(i)
	rows := make([][]string, len(cost.Calendar))
	for k, v := range cost.Calendar {
		start, err := client.IntervalStart(attrs, k)
		if err != nil {
			return nil, fmt.Errorf("calendar of %s: %w", name, err)
		}
		rows[k] = []string{name, unit, start.Format(time.RFC3339), formatCost(v)}
	}
	return rows, nil
}

func formatOptional(v *float64) string {
	if v == nil {
		return ""
	}
	return formatCost(*v)
}
