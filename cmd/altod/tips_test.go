package main

import (
	"bufio"
	"net/http"
	"os/exec"
	"strings"
	"testing"

	"github.com/goalto/goalto/alto"
)

// startAltodFlags runs the binary on the built-in network with extra
// flags and returns the base URL.
func startAltodFlags(t *testing.T, bin string, flags ...string) string {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"--listen", "127.0.0.1:0", "--log-level", "error"}, flags...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the directory URL: %v", err)
	}
	url, _ := strings.CutPrefix(strings.TrimSpace(line), "ALTO directory: ")
	return strings.TrimSuffix(url, "/directory")
}

// TestTIPSViewFlags checks that --max-tips-views and
// --max-tips-views-per-client reach the TIPS service. With either at 1,
// a client that holds a view of the built-in network map gets 429 for a
// second view, and may still open the first.
func TestTIPSViewFlags(t *testing.T) {
	bin := buildAltod(t)
	tests := []struct {
		name, flag, retryAfter string
	}{
		{"total", "--max-tips-views", "30"},
		{"per client", "--max-tips-views-per-client", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			base := startAltodFlags(t, bin, tc.flag, "1")
			open := func(resourceID string) *http.Response {
				t.Helper()
				resp, err := http.Post(base+"/tips", alto.MediaTypeTIPSParams, strings.NewReader(`{"resource-id": "`+resourceID+`"}`))
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				return resp
			}
			if resp := open("lhcone-network-map"); resp.StatusCode != http.StatusOK {
				t.Fatalf("first view: status %d, want 200", resp.StatusCode)
			}
			resp := open("num-hop-cost-map")
			if resp.StatusCode != http.StatusTooManyRequests {
				t.Fatalf("second view with %s 1: status %d, want 429", tc.flag, resp.StatusCode)
			}
			if got := resp.Header.Get("Retry-After"); got == "" || (tc.retryAfter != "" && got != tc.retryAfter) {
				t.Errorf("Retry-After %q, want %q (any value when empty)", got, tc.retryAfter)
			}
			if got := resp.Header.Get("Content-Type"); got != alto.MediaTypeError {
				t.Errorf("Content-Type %q, want %s", got, alto.MediaTypeError)
			}
			if resp := open("lhcone-network-map"); resp.StatusCode != http.StatusOK {
				t.Errorf("reopening the held view: status %d, want 200", resp.StatusCode)
			}
		})
	}
}
