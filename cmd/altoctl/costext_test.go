package main

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/client"
	"github.com/goalto/goalto/internal/alttest"
)

// startDefinition serves a network definition and returns the URL of
// its root directory and a client of it.
func startDefinition(t *testing.T, definition string) (string, *client.Client) {
	t.Helper()
	url := alttest.Start(t, definition)
	c, err := client.New(url)
	if err != nil {
		t.Fatalf("client.New: %v", err)
	}
	return url, c
}

const (
	multiCostNetwork = "../../internal/server/testdata/rfc8189/network.yaml"
	calendarNetwork  = "../../internal/server/testdata/rfc8896/network.yaml"
)

var (
	numHop   = alto.CostType{Mode: alto.CostModeNumerical, Metric: alto.CostMetricHopCount}
	numDelay = alto.CostType{Mode: alto.CostModeNumerical, Metric: alto.CostMetricDelayOW}
	numTput  = alto.CostType{Mode: alto.CostModeNumerical, Metric: alto.CostMetricTput}
)

func predicates(t *testing.T, list ...string) []alto.Constraint {
	t.Helper()
	cs, err := parsePredicates("--or", "or-constraints", list)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// pairCount returns the number of source and destination pairs of a
// cost map.
func pairCount[V any](costs map[string]map[string]V) int {
	n := 0
	for _, row := range costs {
		n += len(row)
	}
	return n
}

// checkRowCount fails unless a table has one row per pair and at least
// one row.
func checkRowCount(t *testing.T, rows [][]string, pairs int) {
	t.Helper()
	if len(rows) != pairs || pairs == 0 {
		t.Fatalf("%d rows, want %d pairs", len(rows), pairs)
	}
}

// checkMultiCostRows compares a multi-cost table with the costs of m.
func checkMultiCostRows(t *testing.T, rows [][]string, m *client.MultiCostMap) {
	t.Helper()
	checkRowCount(t, rows, pairCount(m.Costs))
	for _, row := range rows {
		costs := m.Costs[row[0]][row[1]]
		if len(row) != 2+len(costs) {
			t.Fatalf("row %v, want %d costs", row, len(costs))
		}
		for i, v := range costs {
			if got := row[2+i]; got != formatOptional(v) && !(v == nil && got == emptyCell) {
				t.Errorf("%s -> %s cost %d = %s, want %s", row[0], row[1], i, got, formatOptional(v))
			}
		}
	}
}

func TestCostMapMultiCostOr(t *testing.T) {
	url, c := startDefinition(t, multiCostNetwork)
	m, err := c.FilteredMultiCostMap(context.Background(), "", &alto.CostMapFilter{
		MultiCostTypes: []alto.CostType{numRouting, numHop},
		OrConstraints:  [][]alto.Constraint{predicates(t, "[0] le 4", "[1] ge 1"), predicates(t, "[1] ge 9")},
		PIDs:           &alto.PIDFilter{Srcs: []string{}, Dsts: []string{}},
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, cmd := range [][]string{{"costmap"}, {"costmap", "filter"}} {
		t.Run(strings.Join(cmd, " "), func(t *testing.T) {
			args := append(cmd, "--metric", "routingcost", "--metric", "hopcount", "--or", "[0] le 4, [1] ge 1", "--or", "[1] ge 9")
			out := runOK(t, url, args...)
			lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
			if header := strings.Join(strings.Fields(lines[0]), " "); header != "SRC DST routingcost hopcount (hops)" {
				t.Errorf("header = %q, want the metrics with their units", header)
			}
			_, rows := tableRows(t, out)
			checkMultiCostRows(t, rows, m)
		})
	}
}

func TestCostMapTestableConstraint(t *testing.T) {
	url, c := startDefinition(t, multiCostNetwork)
	m, err := c.FilteredCostMap(context.Background(), &alto.CostMapFilter{
		CostType:          numRouting,
		TestableCostTypes: []alto.CostType{numHop},
		Constraints:       predicates(t, "[0] le 2"),
		PIDs:              &alto.PIDFilter{Srcs: []string{}, Dsts: []string{}},
	})
	if err != nil {
		t.Fatal(err)
	}
	out := runOK(t, url, "costmap", "filter", "--list", "--cost-type", "num-routingcost", "--testable", "hopcount/numerical", "--constraint", "[0] le 2")
	_, rows := tableRows(t, out)
	checkRowCount(t, rows, pairCount(m.CostMap))
	for _, row := range rows {
		if cost, ok := m.CostMap[row[0]][row[1]]; !ok || formatCost(cost) != row[2] {
			t.Errorf("row %v, want cost %v", row, cost)
		}
	}
}

func TestECSMultiCostJSON(t *testing.T) {
	url, _ := startDefinition(t, multiCostNetwork)
	out := runOK(t, url, "--json", "ecs", "--cost-type", "num-routingcost", "--cost-type", "num-hopcount",
		"--src", "ipv4:192.0.2.2", "--dst", "ipv4:198.51.100.200")
	var body struct {
		Meta struct {
			MultiCostTypes []alto.CostType `json:"multi-cost-types"`
		} `json:"meta"`
		EndpointCostMap map[string]map[string][]*float64 `json:"endpoint-cost-map"`
	}
	if err := json.Unmarshal([]byte(out), &body); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	if len(body.Meta.MultiCostTypes) != 2 {
		t.Errorf("multi-cost-types = %v, want 2", body.Meta.MultiCostTypes)
	}
	if got := body.EndpointCostMap["ipv4:192.0.2.2"]["ipv4:198.51.100.200"]; len(got) != 2 {
		t.Errorf("costs = %v, want 2", got)
	}
}

// calendarRow is one row of a calendar table.
type calendarRow struct {
	src, dst, costType, unit, start, value string
}

func calendarTable(t *testing.T, out string) []calendarRow {
	t.Helper()
	header, rows := tableRows(t, out)
	if got := strings.Join(header, " "); got != "SRC DST COST TYPE UNIT START VALUE" {
		t.Fatalf("header = %q", got)
	}
	var list []calendarRow
	for _, r := range rows {
		if len(r) != 6 {
			t.Fatalf("row %v, want 6 fields", r)
		}
		list = append(list, calendarRow{r[0], r[1], r[2], r[3], r[4], r[5]})
	}
	return list
}

func TestECSCalendar(t *testing.T) {
	url, c := startDefinition(t, calendarNetwork)
	src, dst := "ipv4:192.0.2.2", "ipv4:192.0.2.89"
	fetch := func() *client.CalendarCostMap {
		m, err := c.EndpointCostCalendar(context.Background(), "", &alto.EndpointCostParams{
			MultiCostTypes: []alto.CostType{numRouting, numDelay, numTput},
			Endpoints:      alto.EndpointFilter{Srcs: []string{src}, Dsts: []string{dst}},
		})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	// The tput calendar starts a new interval every minute. The client
	// fetches the calendars before and after altoctl, and the test
	// repeats when an interval started in between.
	var m *client.CalendarCostMap
	var rows []calendarRow
	for attempt := 0; ; attempt++ {
		before := fetch()
		rows = calendarTable(t, runOK(t, url, "ecs", "--metric", "routingcost", "--metric", "delay-ow", "--metric", "tput",
			"--calendar", "--src", src, "--dst", dst))
		m = fetch()
		sameStart := func(a, b alto.CalendarResponseAttributes) bool { return a.CalendarStartTime == b.CalendarStartTime }
		if slices.EqualFunc(before.Calendars, m.Calendars, sameStart) || attempt == 2 {
			break
		}
	}
	units := map[string]string{"routingcost/numerical": emptyCell, "delay-ow/numerical": "microseconds", "tput/numerical": "bytes/s"}
	for i, ct := range m.CostTypes {
		name := ct.Metric + "/" + ct.Mode
		t.Run(name, func(t *testing.T) {
			var got []calendarRow
			for _, r := range rows {
				if r.costType == name {
					got = append(got, r)
				}
			}
			cal := m.Costs[src][dst][i].Calendar
			a := m.Attributes(i)
			if a == nil || len(got) != len(cal) || len(cal) != a.NumberOfIntervals {
				t.Fatalf("%d rows, want one per interval of %+v", len(got), a)
			}
			step := time.Duration(a.TimeIntervalSize) * time.Second
			for k, r := range got {
				if r.src != src || r.dst != dst || r.unit != units[name] {
					t.Errorf("row %d = %+v, want %s -> %s in %s", k, r, src, dst, units[name])
				}
				if r.value != formatCost(cal[k]) {
					t.Errorf("interval %d = %s, want %s", k, r.value, formatCost(cal[k]))
				}
				start, err := time.Parse(time.RFC3339, r.start)
				if err != nil {
					t.Fatalf("start %q: %v", r.start, err)
				}
				first, _ := client.IntervalStart(a, 0)
				if want := first.Add(time.Duration(k) * step); !start.Equal(want) {
					t.Errorf("interval %d starts %s, want %s", k, start, want)
				}
			}
		})
	}
}

func TestCostMapCalendarSingleValues(t *testing.T) {
	// num-owdelay has no calendar on the filtered cost map, so the server
	// returns its single values next to the routingcost calendars.
	url, c := startDefinition(t, calendarNetwork)
	single, err := c.FilteredCostMap(context.Background(), &alto.CostMapFilter{CostType: numDelay, PIDs: &alto.PIDFilter{Srcs: []string{"PID1"}, Dsts: []string{"PID2"}}})
	if err != nil {
		t.Fatal(err)
	}
	rows := calendarTable(t, runOK(t, url, "costmap", "filter", "--metric", "routingcost", "--metric", "delay-ow",
		"--calendar", "--src", "PID1", "--dst", "PID2"))
	var delay, routing []calendarRow
	for _, r := range rows {
		switch r.costType {
		case "delay-ow/numerical":
			delay = append(delay, r)
		case "routingcost/numerical":
			routing = append(routing, r)
		}
	}
	if len(routing) != 12 {
		t.Errorf("%d routingcost rows, want 12 intervals", len(routing))
	}
	if len(delay) != 1 {
		t.Fatalf("delay-ow rows = %v, want one single value", delay)
	}
	if want := formatCost(single.CostMap["PID1"]["PID2"]); delay[0].value != want || delay[0].start != emptyCell {
		t.Errorf("delay-ow row = %+v, want value %s without a start", delay[0], want)
	}
}

func TestCostExtensionErrors(t *testing.T) {
	url, _ := startDefinition(t, multiCostNetwork)
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"modes per metric", []string{"costmap", "filter", "--metric", "routingcost", "--metric", "hopcount", "--mode", "numerical", "--mode", "ordinal", "--mode", "ordinal"},
			exitUsage, "3 --mode values for 2 --metric values"},
		{"invalid or predicate", []string{"costmap", "filter", "--or", "[0] le 1, [x] le 2"}, exitUsage, `invalid --or "[x] le 2"`},
		{"invalid testable", []string{"costmap", "filter", "--testable", "hopcount/"}, exitUsage, `invalid --testable "hopcount/"`},
		{"too many cost types", []string{"costmap", "filter", "--resource", "filtered-multicost-map", "--metric", "routingcost", "--metric", "hopcount", "--metric", "routingcost"},
			exitFailure, "at most 2 cost types"},
		{"no calendars", []string{"ecs", "--calendar", "--src", "ipv4:192.0.2.2", "--dst", "ipv4:198.51.100.200"}, exitFailure, "calendars"},
		{"no calendars names capability", []string{"ecs", "--calendar", "--src", "ipv4:192.0.2.2", "--dst", "ipv4:198.51.100.200"}, exitFailure, "has no calendar-attributes"},
		{"no calendars suggests resource", []string{"ecs", "--calendar", "--src", "ipv4:192.0.2.2", "--dst", "ipv4:198.51.100.200"}, exitFailure, "--resource ID"},
		{"server rejects index", []string{"costmap", "filter", "--resource", "filtered-multicost-map", "--metric", "routingcost", "--metric", "hopcount", "--constraint", "[5] le 1"},
			exitFailure, `E_INVALID_FIELD_VALUE field "constraints"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runCLI(t, nil, append([]string{"--server", url}, tt.args...)...)
			if res.code != tt.code {
				t.Errorf("exit %d, want %d (stderr %q)", res.code, tt.code, res.stderr)
			}
			if !strings.Contains(res.stderr, tt.want) {
				t.Errorf("stderr = %q, want it to contain %q", res.stderr, tt.want)
			}
			if res.stdout != "" {
				t.Errorf("stdout = %q, want nothing", res.stdout)
			}
		})
	}
}

func TestECSUnitHeader(t *testing.T) {
	url, _ := startDefinition(t, calendarNetwork)
	out := runOK(t, url, "ecs", "--metric", "tput", "--src", "ipv4:192.0.2.2", "--dst", "ipv4:192.0.2.89", "--list")
	header, rows := tableRows(t, out)
	if !slices.Equal(header, []string{"SRC", "DST", "COST", "(bytes/s)"}) {
		t.Errorf("header = %v, want the unit of tput", header)
	}
	if len(rows) != 1 || rows[0][2] != "13" {
		t.Errorf("rows = %v, want the tput 13 of PID1 to PID2", rows)
	}
}

func TestIRDCalendarCapabilities(t *testing.T) {
	url, _ := startDefinition(t, calendarNetwork)
	_, rows := tableRows(t, runOK(t, url, "ird"))
	want := map[string][]string{
		"filtered-cost-map-calendar": {"max-cost-types=4", "calendar=num-routingcost,num-throughputrating,ord-routingcost:7200sx12"},
		"endpoint-cost-map-calendar": {"max-cost-types=3", "calendar=num-routingcost:3600sx24", "calendar=num-owdelay:300sx12", "calendar=num-throughputrating:60sx60"},
	}
	for _, row := range rows {
		for _, item := range want[row[0]] {
			if !slices.Contains(row, item) {
				t.Errorf("%s capabilities %v, want %s", row[0], row[5:], item)
			}
		}
		delete(want, row[0])
	}
	if len(want) > 0 {
		t.Errorf("resources missing from the table: %v", want)
	}
}

func TestIRDTestableCapabilities(t *testing.T) {
	url, _ := startDefinition(t, multiCostNetwork)
	_, rows := tableRows(t, runOK(t, url, "ird"))
	for _, row := range rows {
		if row[0] == "filtered-cost-map-extended" {
			if !slices.Contains(row, "testable-cost-types=num-routingcost,num-hopcount") {
				t.Errorf("capabilities %v, want testable-cost-types=num-routingcost,num-hopcount", row)
			}
			return
		}
	}
	t.Error("filtered-cost-map-extended missing from the table")
}

func TestCostMapCalendarJSON(t *testing.T) {
	url, _ := startDefinition(t, calendarNetwork)
	out := runOK(t, url, "--json", "costmap", "filter", "--metric", "routingcost", "--calendar", "--src", "PID1", "--dst", "PID2")
	var body struct {
		Meta struct {
			Calendars []alto.CalendarResponseAttributes `json:"calendar-response-attributes"`
		} `json:"meta"`
		CostMap map[string]map[string][]float64 `json:"cost-map"`
	}
	if err := json.Unmarshal([]byte(out), &body); err != nil {
		t.Fatalf("output is not the calendared response: %v\n%s", err, out)
	}
	if len(body.Meta.Calendars) != 1 || body.Meta.Calendars[0].NumberOfIntervals != 12 {
		t.Errorf("calendar-response-attributes = %+v, want one calendar of 12 intervals", body.Meta.Calendars)
	}
	if got := body.CostMap["PID1"]["PID2"]; len(got) != 12 {
		t.Errorf("calendar = %v, want 12 values", got)
	}
}
