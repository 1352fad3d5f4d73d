package client_test

import (
	"context"
	"errors"
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/client"
	"github.com/goalto/goalto/internal/alttest"
)

const calendarDir = "../internal/server/testdata/rfc8896/"

var (
	numRouting = alto.CostType{Mode: alto.CostModeNumerical, Metric: alto.CostMetricRoutingCost}
	numDelay   = alto.CostType{Mode: alto.CostModeNumerical, Metric: "delay-ow"}
	numTput    = alto.CostType{Mode: alto.CostModeNumerical, Metric: "tput"}
)

// readCalendar returns the cyclic pattern of one pair from a calendar
// file of the RFC 8896 fixtures.
func readCalendar(t *testing.T, file, name, src, dst string) []float64 {
	t.Helper()
	data, err := os.ReadFile(calendarDir + file)
	if err != nil {
		t.Fatal(err)
	}
	var cal map[string]map[string]map[string][]float64
	if err := yaml.Unmarshal(data, &cal); err != nil {
		t.Fatal(err)
	}
	values := cal[name][src][dst]
	if len(values) == 0 {
		t.Fatalf("%s has no calendar %s %s %s", file, name, src, dst)
	}
	return values
}

// wantCalendar rotates a cyclic pattern to the interval that starts at
// the calendar-start-time of a, as the server does.
func wantCalendar(t *testing.T, pattern []float64, a *alto.CalendarResponseAttributes) []float64 {
	t.Helper()
	start, err := client.IntervalStart(a, 0)
	if err != nil {
		t.Fatal(err)
	}
	n := len(pattern)
	first := int(math.Mod(math.Floor(float64(start.Unix())/a.TimeIntervalSize), float64(n)))
	out := make([]float64, n)
	for k := range out {
		out[k] = pattern[(first+k)%n]
	}
	return out
}

func newCalendarClient(t *testing.T) *client.Client {
	t.Helper()
	c, err := client.New(alttest.Start(t, calendarDir+"network.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestFilteredCostMapCalendar(t *testing.T) {
	c := newCalendarClient(t)
	m, err := c.FilteredCostMapCalendar(context.Background(), "", &alto.CostMapFilter{
		CostType: numRouting,
		PIDs:     &alto.PIDFilter{Srcs: []string{"PID1"}, Dsts: []string{"PID2", "PID3"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	a := m.Attributes(0)
	if a == nil {
		t.Fatalf("no calendar attributes for routingcost: %+v", m)
	}
	if a.TimeIntervalSize != 7200 || a.NumberOfIntervals != 12 {
		t.Errorf("calendar attributes = %+v, want 12 intervals of 7200 s", a)
	}
	for _, dst := range []string{"PID2", "PID3"} {
		t.Run(dst, func(t *testing.T) {
			got := m.Costs["PID1"][dst]
			if len(got) != 1 {
				t.Fatalf("costs = %+v, want 1", got)
			}
			want := wantCalendar(t, readCalendar(t, "fcm-calendar.yaml", "num-routingcost", "PID1", dst), a)
			if !slices.Equal(got[0].Calendar, want) {
				t.Errorf("calendar = %v, want %v", got[0].Calendar, want)
			}
		})
	}
}

func TestEndpointCostCalendarMultiCost(t *testing.T) {
	c := newCalendarClient(t)
	src, dst := "ipv4:192.0.2.2", "ipv4:192.0.2.89" // PID1 and PID2
	m, err := c.EndpointCostCalendar(context.Background(), "", &alto.EndpointCostParams{
		MultiCostTypes: []alto.CostType{numRouting, numDelay, numTput},
		Calendared:     []bool{true, false, true},
		Endpoints:      alto.EndpointFilter{Srcs: []string{src}, Dsts: []string{dst}},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := m.Costs[src][dst]
	if len(got) != 3 {
		t.Fatalf("costs = %+v, want 3", got)
	}

	calendars := []struct {
		name, file, costType string
		index                int
		size                 float64
		intervals            int
	}{
		{"routingcost calendar", "ecs-routingcost.yaml", "num-routingcost", 0, 3600, 24},
		{"tput calendar", "ecs-throughputrating.yaml", "num-throughputrating", 2, 60, 60},
	}
	for _, tc := range calendars {
		t.Run(tc.name, func(t *testing.T) {
			a := m.Attributes(tc.index)
			if a == nil || a.TimeIntervalSize != tc.size || a.NumberOfIntervals != tc.intervals {
				t.Fatalf("attributes = %+v, want %d intervals of %v s", a, tc.intervals, tc.size)
			}
			want := wantCalendar(t, readCalendar(t, tc.file, tc.costType, "PID1", "PID2"), a)
			if !slices.Equal(got[tc.index].Calendar, want) {
				t.Errorf("calendar = %v, want %v", got[tc.index].Calendar, want)
			}
		})
	}
	t.Run("delay-ow single value", func(t *testing.T) {
		if m.Attributes(1) != nil {
			t.Errorf("attributes = %+v, want none for calendared false", m.Attributes(1))
		}
		if got[1].Calendar != nil || got[1].Value == nil || *got[1].Value != 30 {
			t.Errorf("delay-ow = %+v, want the single value 30 of the cost map", got[1])
		}
	})
}

func TestIntervalStart(t *testing.T) {
	a := &alto.CalendarResponseAttributes{CalendarStartTime: "Mon, 01 Jul 2019 13:00:00 GMT", TimeIntervalSize: 3600, NumberOfIntervals: 24}
	tests := []struct {
		k    int
		want string
	}{
		{0, "Mon, 01 Jul 2019 13:00:00 GMT"},
		{1, "Mon, 01 Jul 2019 14:00:00 GMT"},
		{23, "Tue, 02 Jul 2019 12:00:00 GMT"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			got, err := client.IntervalStart(a, tt.k)
			if err != nil {
				t.Fatal(err)
			}
			if s := alto.FormatCalendarTime(got); s != tt.want {
				t.Errorf("interval %d starts %s, want %s", tt.k, s, tt.want)
			}
		})
	}
	if _, err := client.IntervalStart(&alto.CalendarResponseAttributes{CalendarStartTime: "2019-07-01"}, 0); err == nil {
		t.Error("start time 2019-07-01: no error, want an invalid calendar-start-time")
	}
}

func TestCalendarResourceChoice(t *testing.T) {
	c := newCalendarClient(t)
	ctx := context.Background()
	req := &alto.CostMapFilter{CostType: numRouting, PIDs: &alto.PIDFilter{Srcs: []string{"PID1"}}}

	t.Run("resource without calendars", func(t *testing.T) {
		_, err := c.FilteredCostMapCalendar(ctx, "plain-filtered-cost-map", req)
		if err == nil {
			t.Fatal("no error for a resource without calendar-attributes")
		}
	})
	t.Run("no resource with the cost type", func(t *testing.T) {
		hop := &alto.CostMapFilter{CostType: alto.CostType{Mode: alto.CostModeNumerical, Metric: alto.CostMetricHopCount}}
		_, err := c.FilteredCostMapCalendar(ctx, "", hop)
		if !errors.Is(err, client.ErrNotFound) {
			t.Fatalf("error = %v, want ErrNotFound", err)
		}
		for _, want := range []string{`resource "plain-filtered-cost-map" has no calendar-attributes`, "does not offer cost type hopcount/numerical"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not say %q", err, want)
			}
		}
	})
	t.Run("server rejects calendared length", func(t *testing.T) {
		bad := *req
		bad.Calendared = []bool{true, true}
		_, err := c.FilteredCostMapCalendar(ctx, "", &bad)
		var altoErr *alto.Error
		if !errors.As(err, &altoErr) {
			t.Fatalf("error = %v, want an ALTO error", err)
		}
		if altoErr.Code != alto.ErrInvalidFieldValue || altoErr.Field != "calendared" {
			t.Errorf("error = %s on %q, want %s on calendared", altoErr.Code, altoErr.Field, alto.ErrInvalidFieldValue)
		}
	})
}
