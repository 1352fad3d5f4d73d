package alto

import (
	"testing"
	"time"
)

func TestCalendarStart(t *testing.T) {
	now := time.Date(2019, time.July, 1, 13, 15, 42, 500, time.UTC)
	tests := []struct {
		name string
		now  time.Time
		size float64
		want string
	}{
		{"two hours", now, 7200, "Mon, 01 Jul 2019 12:00:00 GMT"},
		{"one hour", now, 3600, "Mon, 01 Jul 2019 13:00:00 GMT"},
		{"five minutes", now, 300, "Mon, 01 Jul 2019 13:15:00 GMT"},
		{"one day", now, 86400, "Mon, 01 Jul 2019 00:00:00 GMT"},
		{"on a boundary", time.Date(2019, time.July, 1, 14, 0, 0, 0, time.UTC), 7200, "Mon, 01 Jul 2019 14:00:00 GMT"},
		{"other zone", now.In(time.FixedZone("UTC+2", 7200)), 3600, "Mon, 01 Jul 2019 13:00:00 GMT"},
		{"before the epoch", time.Date(1969, time.December, 31, 23, 30, 0, 0, time.UTC), 3600, "Wed, 31 Dec 1969 23:00:00 GMT"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := FormatCalendarTime(CalendarStart(tc.now, tc.size)); got != tc.want {
				t.Errorf("start = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestCalendarStartFraction(t *testing.T) {
	now := time.Date(2019, time.July, 1, 13, 15, 42, 123456789, time.UTC)
	got := CalendarStart(now, 0.1)
	if want := time.Date(2019, time.July, 1, 13, 15, 42, 100000000, time.UTC); !got.Equal(want) {
		t.Errorf("start = %v, want %v", got, want)
	}
}

func TestDecodeCalendared(t *testing.T) {
	tests := []struct {
		name string
		body string
		want []bool
		code ErrorCode // 0 for a valid request
	}{
		{"absent", `{"cost-type":{"cost-mode":"numerical","cost-metric":"routingcost"},"pids":{"srcs":[],"dsts":[]}}`, nil, 0},
		{"single", `{"cost-type":{"cost-mode":"numerical","cost-metric":"routingcost"},"calendared":[true],"pids":{"srcs":[],"dsts":[]}}`, []bool{true}, 0},
		{"multi", `{"multi-cost-types":[{"cost-mode":"numerical","cost-metric":"routingcost"},{"cost-mode":"numerical","cost-metric":"hopcount"}],"calendared":[false,true],"pids":{"srcs":[],"dsts":[]}}`, []bool{false, true}, 0},
		{"object", `{"cost-type":{"cost-mode":"numerical","cost-metric":"routingcost"},"calendared":{},"pids":{"srcs":[],"dsts":[]}}`, nil, ErrInvalidFieldType},
		{"string element", `{"cost-type":{"cost-mode":"numerical","cost-metric":"routingcost"},"calendared":["true"],"pids":{"srcs":[],"dsts":[]}}`, nil, ErrInvalidFieldType},
		{"wrong length", `{"multi-cost-types":[{"cost-mode":"numerical","cost-metric":"routingcost"},{"cost-mode":"numerical","cost-metric":"hopcount"}],"calendared":[true],"pids":{"srcs":[],"dsts":[]}}`, nil, ErrInvalidFieldValue},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := DecodeCostMapFilter([]byte(tc.body))
			if tc.code != 0 {
				e, ok := err.(*Error)
				if !ok {
					t.Fatalf("error = %v, want *alto.Error", err)
				}
				if e.Code != tc.code || e.Field != "calendared" {
					t.Errorf("error = %s on %q, want %s on calendared", e.Code, e.Field, tc.code)
				}
				return
			}
			if err != nil {
				t.Fatalf("DecodeCostMapFilter: %v", err)
			}
			if len(req.Calendared) != len(tc.want) {
				t.Fatalf("Calendared = %v, want %v", req.Calendared, tc.want)
			}
			for i := range tc.want {
				if req.Calendared[i] != tc.want[i] {
					t.Errorf("Calendared[%d] = %v, want %v", i, req.Calendared[i], tc.want[i])
				}
			}
		})
	}
}

func TestDecodeEndpointCalendared(t *testing.T) {
	body := `{"cost-type":{"cost-mode":"numerical","cost-metric":"routingcost"},"calendared":[true],"endpoints":{"srcs":["ipv4:192.0.2.2"],"dsts":["ipv4:192.0.2.89"]}}`
	req, err := DecodeEndpointCostParams([]byte(body))
	if err != nil {
		t.Fatalf("DecodeEndpointCostParams: %v", err)
	}
	if len(req.Calendared) != 1 || !req.Calendared[0] {
		t.Errorf("Calendared = %v, want [true]", req.Calendared)
	}
}
