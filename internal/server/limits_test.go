package server_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/daemon"
	"github.com/goalto/goalto/internal/server"
)

func TestRequestLimitErrors(t *testing.T) {
	h := newHTTPHarnessConfig(t, daemon.Config{Limits: server.Limits{MaxJSONDepth: 8, MaxConstraints: 4}})
	constraints := func(n int) string {
		cs := make([]string, n)
		for i := range cs {
			cs[i] = fmt.Sprintf(`"le %d"`, 100+i)
		}
		return `{"cost-type":{"cost-mode":"numerical","cost-metric":"routingcost"},"constraints":[` + strings.Join(cs, ",") + `]}`
	}
	tests := []struct {
		name, path, body string
		code             alto.ErrorCode
		field            string
	}{
		{"nesting over the limit", "/networkmap/filtered", `{"pids":` + strings.Repeat("[", 9) + strings.Repeat("]", 9) + `}`, alto.ErrSyntax, ""},
		{"constraints over the limit", "/costmap/filtered", constraints(5), alto.ErrInvalidFieldValue, "constraints"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := h.postError(tc.path, tc.body)
			checkALTOError(t, e, tc.code, tc.field, e.Value)
		})
	}
	t.Run("constraints at the limit", func(t *testing.T) {
		resp, body := h.post("/costmap/filtered", constraints(4))
		if resp.StatusCode != http.StatusOK {
			t.Errorf("status = %d, want 200: %s", resp.StatusCode, body)
		}
	})
}

func TestRateLimitPerClient(t *testing.T) {
	h := newHTTPHarnessConfig(t, daemon.Config{Limits: server.Limits{RatePerClient: 0.5, RateBurst: 2, RateLimitLoopback: true}})
	for i := range 2 {
		if resp, body := h.do(http.MethodGet, "/networkmap", ""); resp.StatusCode != http.StatusOK {
			t.Fatalf("request %d within the burst: status %d: %s", i, resp.StatusCode, body)
		}
	}
	resp, body := h.do(http.MethodGet, "/networkmap", "")
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("request over the burst: status %d, want 429: %s", resp.StatusCode, body)
	}
	if got := resp.Header.Get("Retry-After"); got != "2" {
		t.Errorf("Retry-After = %q, want 2 (one token every 2 s)", got)
	}
	checkNotHTML(t, resp, body)
}

func TestRateLimitLoopbackExempt(t *testing.T) {
	h := newHTTPHarnessConfig(t, daemon.Config{Limits: server.Limits{RatePerClient: 0.5, RateBurst: 1}})
	for i := range 5 {
		if resp, body := h.do(http.MethodGet, "/networkmap", ""); resp.StatusCode != http.StatusOK {
			t.Fatalf("request %d from loopback: status %d: %s", i, resp.StatusCode, body)
		}
	}
}

// TestEndpointLimitBeforeDecoding checks that an endpoint list over
// --max-endpoints is rejected before its entries are decoded: entries
// that are not typed addresses get the limit's error, not
// E_INVALID_FIELD_VALUE for the first bad address.
func TestEndpointLimitBeforeDecoding(t *testing.T) {
	h := newHTTPHarnessConfig(t, daemon.Config{Limits: server.Limits{MaxEndpoints: 3}})
	ct := `"cost-type":{"cost-mode":"numerical","cost-metric":"routingcost"}`
	addrs := func(n int) string {
		list := make([]string, n)
		for i := range list {
			list[i] = fmt.Sprintf(`"ipv4:192.0.2.%d"`, i+1)
		}
		return "[" + strings.Join(list, ",") + "]"
	}
	bad := func(n int) string {
		list := make([]string, n)
		for i := range list {
			list[i] = fmt.Sprintf(`"not-an-address-%d"`, i)
		}
		return "[" + strings.Join(list, ",") + "]"
	}
	prop := func(list string) string {
		return `{"properties":["lhcone-network-map.pid"],"endpoints":` + list + `}`
	}
	cost := func(srcs, dsts string) string {
		return `{` + ct + `,"endpoints":{"srcs":` + srcs + `,"dsts":` + dsts + `}}`
	}
	over := []struct {
		name, path, body, field string
	}{
		{"property endpoints", "/endpointprop/lookup", prop(bad(4)), "endpoints"},
		{"cost srcs", "/endpointcost/lookup", cost(bad(4), addrs(1)), "endpoints/srcs"},
		{"cost dsts", "/endpointcost/lookup", cost(addrs(1), bad(4)), "endpoints/dsts"},
		{"cost srcs with escapes", "/endpointcost/lookup", cost(`["ipv4:192.0.2.\u0031","ipv4:192.0.2.\u0032","ipv4:192.0.2.\u0033","ipv4:192.0.2.\u0034"]`, addrs(1)), "endpoints/srcs"},
	}
	for _, tc := range over {
		t.Run(tc.name+" over the limit", func(t *testing.T) {
			e := h.postError(tc.path, tc.body)
			checkALTOError(t, e, alto.ErrInvalidFieldValue, tc.field, "4")
		})
	}
	under := []struct {
		name, path, body string
	}{
		{"property endpoints at the limit", "/endpointprop/lookup", prop(addrs(3))},
		{"cost lists at the limit", "/endpointcost/lookup", cost(addrs(3), addrs(3))},
		{"cost duplicates count once", "/endpointcost/lookup", cost(`["ipv4:192.0.2.1","ipv4:192.0.2.2","ipv4:192.0.2.1","ipv4:192.0.2.2","ipv4:192.0.2.1"]`, addrs(1))},
		{"normal request after", "/endpointcost/lookup", cost(addrs(1), addrs(2))},
	}
	for _, tc := range under {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := h.post(tc.path, tc.body)
			if resp.StatusCode != http.StatusOK {
				t.Errorf("status = %d, want 200: %s", resp.StatusCode, body)
			}
		})
	}
}

// TestListLimitCountsDistinct checks that the PID and endpoint limits
// count each distinct string once and say so, and that two spellings
// of one IPv6 address count twice.
func TestListLimitCountsDistinct(t *testing.T) {
	h := newHTTPHarnessConfig(t, daemon.Config{Limits: server.Limits{MaxEndpoints: 3, MaxPIDs: 2}})
	ct := `"cost-type":{"cost-mode":"numerical","cost-metric":"routingcost"}`
	srcs := `["ipv6:2001:db8::1","ipv6:2001:DB8:0::1","ipv4:192.0.2.1","ipv4:192.0.2.1","ipv4:192.0.2.2","ipv4:192.0.2.2"]`
	tests := []struct {
		name, path, body, field, value, message string
	}{
		{"endpoints", "/endpointcost/lookup", `{` + ct + `,"endpoints":{"srcs":` + srcs + `,"dsts":["ipv4:192.0.2.1"]}}`,
			"endpoints/srcs", "4", "the list has 4 distinct entries; this server accepts at most 3"},
		{"pids", "/networkmap/filtered", `{"pids":["a","b","c","a","b","c"]}`,
			"pids", "3", "the list has 3 distinct entries; this server accepts at most 2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := h.postError(tc.path, tc.body)
			checkALTOError(t, e, alto.ErrInvalidFieldValue, tc.field, tc.value)
			if e.Message != tc.message {
				t.Errorf("message %q, want %q", e.Message, tc.message)
			}
		})
	}
}
