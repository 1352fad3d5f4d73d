package server

import (
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/defaultnet"
	"github.com/goalto/goalto/internal/snapshot"
)

func TestCheckDepth(t *testing.T) {
	tests := []struct {
		name string
		body string
		max  int
		ok   bool
	}{
		{"flat object", `{"a": 1}`, 1, true},
		{"at the limit", `{"a": [[1]]}`, 3, true},
		{"over the limit", `{"a": [[[1]]]}`, 3, false},
		{"brackets in strings", `{"a": "[[[[{{{{"}`, 1, true},
		{"escaped quote in string", `{"a": "\"[[[["}`, 1, true},
		{"deep array", strings.Repeat("[", 100) + strings.Repeat("]", 100), 32, false},
		{"truncated deep", strings.Repeat("{\"a\":", 40), 32, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := checkDepth([]byte(tc.body), tc.max)
			if tc.ok {
				if err != nil {
					t.Fatalf("checkDepth = %v, want nil", err)
				}
				return
			}
			var ae *alto.Error
			if !errors.As(err, &ae) || ae.Code != alto.ErrSyntax {
				t.Fatalf("checkDepth = %v, want E_SYNTAX", err)
			}
		})
	}
}

func TestClientRatesBoundsClients(t *testing.T) {
	c := &clientRates{limit: 10, burst: 1, max: 2, clients: map[string]*clientRate{}}
	now := time.Unix(1000, 0)
	for _, ip := range []string{"192.0.2.1", "192.0.2.2"} {
		if ok, full := c.allow(ip, now); !ok || full {
			t.Fatalf("allow(%s) = %v, %v; want a fresh bucket", ip, ok, full)
		}
	}
	if ok, full := c.allow("192.0.2.1", now); ok || full {
		t.Errorf("second request in the same instant = %v, %v; want over the rate", ok, full)
	}
	if _, full := c.allow("192.0.2.3", now); !full {
		t.Errorf("third client with two tracked = not full; want full")
	}
	later := now.Add(time.Second) // both buckets have refilled
	if ok, full := c.allow("192.0.2.3", later); !ok || full {
		t.Errorf("third client after refill = %v, %v; want allowed after the sweep", ok, full)
	}
}

func TestInFlightLimitSheds(t *testing.T) {
	def, err := defaultnet.Definition()
	if err != nil {
		t.Fatal(err)
	}
	snap, err := snapshot.Build(def)
	if err != nil {
		t.Fatal(err)
	}
	h := New(Limits{MaxInFlight: 2}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	h.Publish(snap)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	post := func() *http.Response {
		t.Helper()
		body := `{"cost-type":{"cost-mode":"numerical","cost-metric":"routingcost"},"endpoints":{"srcs":["ipv4:192.0.2.1"],"dsts":["ipv4:192.0.2.2"]}}`
		resp, err := http.Post(srv.URL+"/endpointcost/lookup", alto.MediaTypeEndpointCostParams, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}

	h.guard.inFlight <- struct{}{}
	h.guard.inFlight <- struct{}{} // every slot busy
	resp := post()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("status with every slot busy = %d, want 503", resp.StatusCode)
	}
	if got := resp.Header.Get("Retry-After"); got != "1" {
		t.Errorf("Retry-After = %q, want 1", got)
	}
	if got := h.Rejections()[ReasonOverloaded]; got != 1 {
		t.Errorf("overloaded rejections = %d, want 1", got)
	}
	resp, err = http.Get(srv.URL + "/networkmap")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET with every slot busy = %d, want 200: GET resources take no slot", resp.StatusCode)
	}

	<-h.guard.inFlight
	if resp := post(); resp.StatusCode != http.StatusOK {
		t.Fatalf("status with a free slot = %d, want 200", resp.StatusCode)
	}
	if n := len(h.guard.inFlight); n != 1 {
		t.Errorf("slots taken after the request = %d, want 1 (the test's own)", n)
	}
}
