package costmap

import (
	"math"
	"testing"
	"time"
)

func TestCalendarWindow(t *testing.T) {
	now := time.Date(2019, time.July, 1, 13, 15, 0, 0, time.UTC)
	tests := []struct {
		name        string
		size        float64
		intervals   int
		wantStart   time.Time
		wantCurrent int
	}{
		{"hours of a day", 3600, 24, time.Date(2019, time.July, 1, 13, 0, 0, 0, time.UTC), 13},
		{"two hours of a day", 7200, 12, time.Date(2019, time.July, 1, 12, 0, 0, 0, time.UTC), 6},
		{"five minutes of an hour", 300, 12, now, 3},
		{"hours of a week", 3600, 168, time.Date(2019, time.July, 1, 13, 0, 0, 0, time.UTC), (int(now.Unix()/3600) % 168)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			start, current := NewCalendar(tc.size, tc.intervals, 1).Window(now)
			if !start.Equal(tc.wantStart) {
				t.Errorf("start = %v, want %v", start, tc.wantStart)
			}
			if current != tc.wantCurrent {
				t.Errorf("current = %d, want %d", current, tc.wantCurrent)
			}
		})
	}
}

func TestCalendarSelect(t *testing.T) {
	c := NewCalendar(60, 3, 2)
	c.Set(0, 0, []float64{1, 2, 3})
	c.Set(0, 1, []float64{3, 2, 1})
	tests := []struct {
		name    string
		current int
		ordinal bool
		want    [][]float64 // by destination; nil for undefined
	}{
		{"numerical", 0, false, [][]float64{{1, 2, 3}, {3, 2, 1}}},
		{"rotated", 2, false, [][]float64{{3, 1, 2}, {1, 3, 2}}},
		{"ordinal per interval", 0, true, [][]float64{{1, 1, 2}, {2, 1, 1}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := c.Select([]int{0}, []int{0, 1}, tc.current, tc.ordinal)
			for j, want := range tc.want {
				got := g.Rows[j]
				for k := range want {
					if got[k] != want[k] {
						t.Errorf("pair %d = %v, want %v", j, got, want)
						break
					}
				}
			}
		})
	}
	t.Run("undefined pair", func(t *testing.T) {
		g := c.Select([]int{1, -1}, []int{0}, 0, false)
		if g.Rows[0] != nil || g.Rows[1] != nil || !math.IsNaN(g.Value(0, 0)) {
			t.Errorf("rows = %v, want undefined", g.Rows)
		}
	})
}
