package alto

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"
)

// CalendarAttributes is one element of the "calendar-attributes"
// capability of a filtered cost map or endpoint cost resource (RFC 8896,
// Section 4.1). It lists cost types that share one time interval size,
// in seconds, and one number of values per calendar.
type CalendarAttributes struct {
	CostTypeNames     []string `json:"cost-type-names"`
	TimeIntervalSize  float64  `json:"time-interval-size"`
	NumberOfIntervals int      `json:"number-of-intervals"`
}

// CalendarResponseAttributes is one element of the
// "calendar-response-attributes" member of a calendared response meta
// (RFC 8896, Section 5.1.2). CostTypeNames may be empty when one cost
// type is calendared. CalendarStartTime is an IMF-fixdate, and Repeated,
// when not 0, is the number of calendar periods from the start time that
// have the same values.
type CalendarResponseAttributes struct {
	CostTypeNames     []string `json:"cost-type-names,omitempty"`
	CalendarStartTime string   `json:"calendar-start-time"`
	TimeIntervalSize  float64  `json:"time-interval-size"`
	NumberOfIntervals int      `json:"number-of-intervals"`
	Repeated          int      `json:"repeated,omitempty"`
}

// CalendarStart returns the start of the time interval that contains
// now: the latest multiple of size seconds since the Unix epoch that is
// not after now, so that the start time is never later than the request
// date (RFC 8896, Section 5.1.2). size is in seconds and must be
// positive. Sizes below a second are aligned to the nanosecond.
func CalendarStart(now time.Time, size float64) time.Time {
	step := time.Duration(math.Round(size * float64(time.Second)))
	if step <= 0 {
		return now.UTC()
	}
	return time.Unix(0, now.UnixNano()-mod(now.UnixNano(), int64(step))).UTC()
}

// mod returns a modulo b in [0, b), also for a negative a.
func mod(a, b int64) int64 {
	m := a % b
	if m < 0 {
		m += b
	}
	return m
}

// FormatCalendarTime formats t as the IMF-fixdate of an HTTP Date header
// field, in GMT, which RFC 8896, Section 5 requires for
// calendar-start-time. The seconds are truncated.
func FormatCalendarTime(t time.Time) string {
	return t.UTC().Format(http.TimeFormat)
}

// calendared decodes the optional "calendared" member: an array of at
// least one boolean, with one element per requested cost type, that is
// n (RFC 8896, Section 5.1.1). A missing member is nil.
func (o object) calendared(n int) ([]bool, error) {
	raw, ok := o.fields["calendared"]
	if !ok {
		return nil, nil
	}
	if JSONKind(raw) != "array" {
		return nil, o.wrongType("calendared", "array", raw)
	}
	var elems []json.RawMessage
	if err := json.Unmarshal(raw, &elems); err != nil {
		return nil, SyntaxErrorOf(raw, err)
	}
	out := make([]bool, len(elems))
	for i, e := range elems {
		if JSONKind(e) != "boolean" || json.Unmarshal(e, &out[i]) != nil {
			return nil, NewInvalidType(o.fieldPath("calendared"), fmt.Sprintf("element %d must be a JSON boolean, not %s", i, JSONKind(e)))
		}
	}
	if len(out) != n {
		return nil, NewInvalidValue(o.fieldPath("calendared"), strconv.Itoa(len(out)),
			fmt.Sprintf("calendared has %d elements; give exactly one per requested cost type, that is %d (RFC 8896, Section 5.1.1)", len(out), n))
	}
	return out, nil
}

// requestedCostTypes returns the number of cost types a request returns:
// the length of "multi-cost-types", else 1.
func (r costTypeRequest) requestedCostTypes() int {
	if len(r.MultiCostTypes) > 0 {
		return len(r.MultiCostTypes)
	}
	return 1
}
