package server_test

import (
	"net/http"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/goalto/goalto/internal/daemon"
	"github.com/goalto/goalto/internal/server"
)

// spin keeps n goroutines ready to run until the returned function is
// called, which waits for them to end.
func spin(n int) (stop func()) {
	var done atomic.Bool
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			for !done.Load() {
				runtime.Gosched()
			}
		})
	}
	return func() {
		done.Store(true)
		wg.Wait()
	}
}

// statusUntil sends GET path until the status is want or a minute
// passes, and returns the last response and body.
func (h *httpHarness) statusUntil(path string, want int) (*http.Response, []byte) {
	h.t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		resp, body := h.do(http.MethodGet, path, "")
		if resp.StatusCode == want || time.Now().After(deadline) {
			return resp, body
		}
	}
}

func TestRunQueueLimitSheds(t *testing.T) {
	h := newHTTPHarnessConfig(t, daemon.Config{Limits: server.Limits{MaxRunnablePerCPU: 2}})
	if resp, body := h.do(http.MethodGet, "/networkmap", ""); resp.StatusCode != http.StatusOK {
		t.Fatalf("before the overload: status %d: %s", resp.StatusCode, body)
	}

	stop := spin(16 * runtime.GOMAXPROCS(0))
	resp, body := h.statusUntil("/networkmap", http.StatusServiceUnavailable)
	stop()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("with %d goroutines per CPU ready to run: status %d, want 503", 16, resp.StatusCode)
	}
	if got := resp.Header.Get("Retry-After"); got != "1" {
		t.Errorf("Retry-After = %q, want 1", got)
	}
	if !strings.Contains(string(body), "overloaded") {
		t.Errorf("body = %q, want it to say the server is overloaded", body)
	}
	checkNotHTML(t, resp, body)

	if resp, body := h.statusUntil("/networkmap", http.StatusOK); resp.StatusCode != http.StatusOK {
		t.Fatalf("after the overload: status %d, want 200: %s", resp.StatusCode, body)
	}
}

func TestRunQueueLimitOff(t *testing.T) {
	h := newHTTPHarnessConfig(t, daemon.Config{Limits: server.Limits{MaxRunnablePerCPU: -1}})
	stop := spin(16 * runtime.GOMAXPROCS(0))
	defer stop()
	for i := range 20 {
		if resp, body := h.do(http.MethodGet, "/networkmap", ""); resp.StatusCode != http.StatusOK {
			t.Fatalf("request %d with the limit off: status %d, want 200: %s", i, resp.StatusCode, body)
		}
	}
}
