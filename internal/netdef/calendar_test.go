package netdef

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCalendarOption(t *testing.T) {
	const head = "topology: a.graphml\nresources:\n"
	tests := []struct {
		name      string
		resource  string
		wantField string
		wantText  string // empty for a valid definition
	}{
		{"valid", "{id: f, type: filtered-cost-map, path: /f, cost-types: [num-routing], calendar: {cost-types: [num-routing], time-interval-size: 3600, number-of-intervals: 24, file: cal.yaml}}", "", ""},
		{"fractional interval", "{id: e, type: endpoint-cost, path: /e, cost-types: [num-routing], calendar: {cost-types: [num-routing], time-interval-size: 0.1, number-of-intervals: 1, file: cal.yaml}}", "", ""},
		{"cost map", "{id: c, type: cost-map, path: /c, cost-types: [num-routing], calendar: {cost-types: [num-routing], time-interval-size: 60, number-of-intervals: 2, file: cal.yaml}}", "resources[0].calendar", "only filtered-cost-map"},
		{"no cost types", "{id: f, type: filtered-cost-map, path: /f, cost-types: [num-routing], calendar: {time-interval-size: 60, number-of-intervals: 2, file: cal.yaml}}", "resources[0].calendar.cost-types", "at least one"},
		{"cost type not offered", "{id: f, type: filtered-cost-map, path: /f, cost-types: [num-routing], calendar: {cost-types: [num-hop], time-interval-size: 60, number-of-intervals: 2, file: cal.yaml}}", "resources[0].calendar.cost-types", "num-hop"},
		{"cost type twice", "{id: f, type: filtered-cost-map, path: /f, cost-types: [num-routing], calendar: {cost-types: [num-routing, num-routing], time-interval-size: 60, number-of-intervals: 2, file: cal.yaml}}", "resources[0].calendar.cost-types", "two calendars"},
		{"list", "{id: f, type: filtered-cost-map, path: /f, cost-types: [num-routing, num-hop], calendar: [{cost-types: [num-routing], time-interval-size: 3600, number-of-intervals: 24, file: a.yaml}, {cost-types: [num-hop], time-interval-size: 300, number-of-intervals: 12, file: b.yaml}]}", "", ""},
		{"cost type in two calendars", "{id: f, type: filtered-cost-map, path: /f, cost-types: [num-routing], calendar: [{cost-types: [num-routing], time-interval-size: 3600, number-of-intervals: 24, file: a.yaml}, {cost-types: [num-routing], time-interval-size: 300, number-of-intervals: 12, file: b.yaml}]}", "resources[0].calendar[1].cost-types", "two calendars"},
		{"zero interval size", "{id: f, type: filtered-cost-map, path: /f, cost-types: [num-routing], calendar: {cost-types: [num-routing], time-interval-size: 0, number-of-intervals: 2, file: cal.yaml}}", "resources[0].calendar.time-interval-size", "positive"},
		{"zero intervals", "{id: f, type: filtered-cost-map, path: /f, cost-types: [num-routing], calendar: {cost-types: [num-routing], time-interval-size: 60, file: cal.yaml}}", "resources[0].calendar.number-of-intervals", "1 or more"},
		{"no file", "{id: f, type: filtered-cost-map, path: /f, cost-types: [num-routing], calendar: {cost-types: [num-routing], time-interval-size: 60, number-of-intervals: 2}}", "resources[0].calendar.file", "file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(head+"  - "+tc.resource+"\n"), "net.yaml")
			if tc.wantText == "" {
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error = %v, want *netdef.Error", err)
			}
			if e.Field != tc.wantField {
				t.Errorf("Field = %q, want %q", e.Field, tc.wantField)
			}
			if !strings.Contains(err.Error(), tc.wantText) {
				t.Errorf("error %q does not mention %q", err, tc.wantText)
			}
		})
	}
}

func TestReadCalendar(t *testing.T) {
	const def = "topology: a.graphml\nresources:\n  - {id: f, type: filtered-cost-map, path: /f, cost-types: [num-routing], calendar: {cost-types: [num-routing], time-interval-size: 3600, number-of-intervals: 3, file: cal.yaml}}\n"
	known := func(pid string) bool { return pid == "PID1" || pid == "PID2" }
	tests := []struct {
		name      string
		file      string
		wantField string
		wantText  string // empty for a valid file
		wantLine  int    // 0 to skip the check
	}{
		{"valid", "num-routing:\n  PID1: {PID1: [1, 2, 3], PID2: [4, 5.5, 6]}\n", "", "", 0},
		{"short list", "num-routing:\n  PID1: {PID2: [1, 2]}\n", "num-routing.PID1.PID2", "2 values", 0},
		{"not finite", "num-routing:\n  PID1: {PID2: [1, .nan, 3]}\n", "num-routing.PID1.PID2[1]", "finite", 0},
		{"unknown source", "num-routing:\n  PIDX: {PID2: [1, 2, 3]}\n", "num-routing.PIDX", "unknown source PID", 0},
		{"unknown destination", "num-routing:\n  PID1: {PIDX: [1, 2, 3]}\n", "num-routing.PID1.PIDX", "unknown destination PID", 0},
		{"cost type without calendar", "num-routing:\n  PID1: {PID2: [1, 2, 3]}\nnum-hop:\n  PID1: {PID2: [1, 2, 3]}\n", "num-hop", "no calendar", 0},
		{"missing cost type", "other: {}\n", "other", "no calendar", 0},
		{"empty file", "", "num-routing", "missing values", 0},
		{"string value", "num-routing:\n  PID1:\n    PID2: [1, x, 3]\n", "num-routing.PID1.PID2", `invalid number "x"`, 3},
		{"long list line", "num-routing:\n  PID1:\n    PID1: [1, 2, 3]\n    PID2: [1, 2, 3, 4]\n", "num-routing.PID1.PID2", "4 values", 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			defPath := filepath.Join(dir, "net.yaml")
			calPath := filepath.Join(dir, "cal.yaml")
			if err := os.WriteFile(calPath, []byte(tc.file), 0o644); err != nil {
				t.Fatal(err)
			}
			d, err := Parse([]byte(def), defPath)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			values, err := d.ReadCalendar(0, 0, known)
			if tc.wantText == "" {
				if err != nil {
					t.Fatalf("ReadCalendar: %v", err)
				}
				if got := values["num-routing"]["PID1"]["PID2"][1]; got != 5.5 {
					t.Errorf("num-routing PID1 PID2 [1] = %v, want 5.5", got)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error = %v, want *netdef.Error", err)
			}
			if e.File != calPath {
				t.Errorf("File = %q, want %q", e.File, calPath)
			}
			if e.Field != tc.wantField {
				t.Errorf("Field = %q, want %q", e.Field, tc.wantField)
			}
			if !strings.Contains(err.Error(), tc.wantText) {
				t.Errorf("error %q does not mention %q", err, tc.wantText)
			}
			if tc.wantLine != 0 && e.Line != tc.wantLine {
				t.Errorf("Line = %d, want %d (error %q)", e.Line, tc.wantLine, err)
			}
		})
	}
}
