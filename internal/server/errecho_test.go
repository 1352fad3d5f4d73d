package server_test

import (
	"strings"
	"testing"

	"github.com/goalto/goalto/alto"
)

func TestErrorEchoBounded(t *testing.T) {
	h := newHTTPHarness(t)
	long := strings.Repeat("x", 900_000)
	tests := []struct {
		name string
		path string
		body string
	}{
		{"long PID name", "/networkmap/filtered", `{"pids":["` + long + `"]}`},
		{"long cost mode", "/costmap/filtered", `{"cost-type":{"cost-mode":"` + long + `","cost-metric":"routingcost"}}`},
		{"long endpoint", "/endpointprop/lookup", `{"properties":["lhcone-network-map.pid"],"endpoints":["ipv4:` + long + `"]}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := h.post(tc.path, tc.body)
			e := checkALTOErrorResponse(t, "POST "+tc.path, resp, body)
			if len(body) > 3*alto.MaxMessageBytes {
				t.Errorf("error body is %d bytes, want at most %d: %.300s", len(body), 3*alto.MaxMessageBytes, body)
			}
			if len(e.Value) > alto.MaxEchoBytes+len("…") {
				t.Errorf("value is %d bytes, want at most %d", len(e.Value), alto.MaxEchoBytes+len("…"))
			}
		})
	}
}

func TestErrorNotHTMLEscaped(t *testing.T) {
	h := newHTTPHarness(t)
	resp, body := h.post("/costmap/filtered", `{"cost-type":{"cost-mode":"<i>","cost-metric":"routingcost"}}`)
	checkALTOErrorResponse(t, "POST /costmap/filtered", resp, body)
	if strings.Contains(string(body), `\u003c`) || !strings.Contains(string(body), "<i>") {
		t.Errorf("error body %s escapes <", body)
	}
}
