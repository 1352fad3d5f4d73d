package alto

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

func TestCountElements(t *testing.T) {
	tests := []struct {
		name, raw string
		want      int
	}{
		{"empty", "[]", 0},
		{"empty with spaces", "[ \n ]", 0},
		{"one string", `["a"]`, 1},
		{"strings with commas and brackets", `["a,b", "c]\",[", "d"]`, 3},
		{"nested values", `[[1,2], {"a":1,"b":[3]}, 4]`, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := countElements([]byte(tc.raw)); got != tc.want {
				t.Errorf("countElements(%s) = %d, want %d", tc.raw, got, tc.want)
			}
		})
	}
}

func TestDecodeLimit(t *testing.T) {
	list := func(n int) string {
		names := make([]string, n)
		for i := range names {
			names[i] = `"p` + strconv.Itoa(i) + `"`
		}
		return "[" + strings.Join(names, ", ") + "]"
	}
	const costType = `"cost-type": {"cost-mode": "numerical", "cost-metric": "routingcost"}`
	tests := []struct {
		name      string
		decode    func() error
		wantField string // empty when the request passes
	}{
		{"network map at the limit", func() error {
			_, err := DecodeNetworkMapFilterLimit([]byte(`{"pids": `+list(3)+`}`), 3)
			return err
		}, ""},
		{"network map over the limit", func() error {
			_, err := DecodeNetworkMapFilterLimit([]byte(`{"pids": `+list(4)+`}`), 3)
			return err
		}, "pids"},
		{"cost map srcs over the limit", func() error {
			_, err := DecodeCostMapFilterLimit([]byte(`{`+costType+`, "pids": {"srcs": `+list(4)+`, "dsts": []}}`), 3)
			return err
		}, "pids/srcs"},
		{"cost map dsts over the limit", func() error {
			_, err := DecodeCostMapFilterLimit([]byte(`{`+costType+`, "pids": {"srcs": [], "dsts": `+list(5)+`}}`), 3)
			return err
		}, "pids/dsts"},
		{"duplicates count once", func() error {
			_, err := DecodeNetworkMapFilterLimit([]byte(`{"pids": ["a", "b", "a", "b", "a"]}`), 2)
			return err
		}, ""},
		{"escaped duplicates count once", func() error {
			_, err := DecodeNetworkMapFilterLimit([]byte(`{"pids": ["a", "\u0061", "a", "b"]}`), 2)
			return err
		}, ""},
		{"cost map without a limit", func() error {
			_, err := DecodeCostMapFilter([]byte(`{` + costType + `, "pids": {"srcs": ` + list(5) + `, "dsts": []}}`))
			return err
		}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.decode()
			if tc.wantField == "" {
				if err != nil {
					t.Fatalf("err = %v, want none", err)
				}
				return
			}
			var ae *Error
			if !errors.As(err, &ae) {
				t.Fatalf("err = %v, want an ALTO error", err)
			}
			if ae.Code != ErrInvalidFieldValue || ae.Field != tc.wantField {
				t.Errorf("error = %s on %q, want %s on %q", ae.Code, ae.Field, ErrInvalidFieldValue, tc.wantField)
			}
		})
	}
}
