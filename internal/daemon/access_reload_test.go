package daemon_test

import (
	"io"
	"net/http"
	"net/http/httptrace"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestAccessCertificateReloadOnOpenConnection checks that a reload that
// removes a certificate client or its role applies to the next request
// on a TLS connection that the client keeps open, although altod caches
// the result of verifying the chain.
func TestAccessCertificateReloadOnOpenConnection(t *testing.T) {
	tests := []struct {
		name       string
		edits      []string // pairs of old and new text
		wantStatus int
	}{
		{"role removed", []string{"clients: [alice, cdn-1]", "clients: [alice]"}, http.StatusForbidden},
		{"client removed", []string{
			"    - {client-id: cdn-1, method: certificate, ca-cert: ca.pem}\n", "",
			"clients: [alice, cdn-1]", "clients: [alice]",
		}, http.StatusUnauthorized},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := startAccessServer(t)
			reused := s.certRequest(t, http.StatusOK)
			s.certRequest(t, http.StatusOK)
			if reused {
				t.Fatal("the first request reused a connection")
			}
			for i := 0; i < len(tc.edits); i += 2 {
				s.editDefinition(t, tc.edits[i], tc.edits[i+1])
			}
			if err := s.d.Reload(); err != nil {
				t.Fatalf("Reload: %v", err)
			}
			if !s.certRequest(t, tc.wantStatus) {
				t.Error("the request after the reload opened a new connection")
			}
		})
	}
}

// certRequest gets the restricted cost map with the client certificate,
// checks the status, and reports whether the connection was reused.
func (s *accessServer) certRequest(t *testing.T, want int) bool {
	t.Helper()
	var reused bool
	trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) { reused = info.Reused }}
	req, err := http.NewRequest(http.MethodGet, s.origin+"/costmap/num", nil)
	if err != nil {
		t.Fatal(err)
	}
	req = req.WithContext(httptrace.WithClientTrace(req.Context(), trace))
	resp, err := s.withCert.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != want {
		t.Fatalf("status = %d, want %d", resp.StatusCode, want)
	}
	return reused
}

// editDefinition replaces old with new in the definition file.
func (s *accessServer) editDefinition(t *testing.T, old, new string) {
	t.Helper()
	path := filepath.Join(s.dir, "network.yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), old) {
		t.Fatalf("definition lacks %q", old)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(data), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}
