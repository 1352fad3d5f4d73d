package snapshot

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goalto/goalto/internal/netdef"
)

const calendarDefinition = `network-map:
  resource-id: net
  pids: group
groups:
  - {pid: PID1, prefixes: [192.0.2.0/25]}
  - {pid: PID2, prefixes: [192.0.2.128/25]}
costs:
  routingcost:
    PID1: {PID2: 5}
cost-types:
  num-routing: {cost-mode: numerical, cost-metric: routingcost}
resources:
  - {id: net, type: network-map, path: /networkmap}
  - id: cal
    type: filtered-cost-map
    path: /cal
    cost-types: [num-routing]
    calendar: {cost-types: [num-routing], time-interval-size: 3600, number-of-intervals: 2, file: cal.yaml}
`

func TestBuildCalendars(t *testing.T) {
	tests := []struct {
		name      string
		file      string
		wantField string // empty for a valid file
	}{
		{"valid", "num-routing:\n  PID1: {PID2: [5, 7]}\n", ""},
		{"unknown PID", "num-routing:\n  PID1: {PID9: [5, 7]}\n", "num-routing.PID1.PID9"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			calPath := filepath.Join(dir, "cal.yaml")
			if err := os.WriteFile(calPath, []byte(tc.file), 0o644); err != nil {
				t.Fatal(err)
			}
			def, err := netdef.Parse([]byte(calendarDefinition), filepath.Join(dir, "net.yaml"))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			snap, err := Build(def)
			if tc.wantField != "" {
				var e *netdef.Error
				if !errors.As(err, &e) {
					t.Fatalf("error = %v, want *netdef.Error", err)
				}
				if e.File != calPath || e.Field != tc.wantField {
					t.Errorf("error at %s %s, want %s %s", e.File, e.Field, calPath, tc.wantField)
				}
				if !strings.Contains(err.Error(), "unknown destination PID") {
					t.Errorf("error %q does not name the unknown PID", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Build: %v", err)
			}
			res := snap.Lookup("/cal")
			caps := snap.capabilities(res)
			if len(caps.CalendarAttributes) != 1 || caps.CalendarAttributes[0].NumberOfIntervals != 2 {
				t.Errorf("calendar-attributes = %+v, want one with 2 intervals", caps.CalendarAttributes)
			}
			p1, _ := snap.NetworkMap.Index("PID1")
			p2, _ := snap.NetworkMap.Index("PID2")
			if got := res.Calendars["num-routing"].Values(p1, p2); len(got) != 2 || got[1] != 7 {
				t.Errorf("calendar PID1 to PID2 = %v, want [5 7]", got)
			}
		})
	}
}
