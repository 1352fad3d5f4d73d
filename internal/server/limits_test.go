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
