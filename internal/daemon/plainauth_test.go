package daemon_test

import (
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/goalto/goalto/internal/alttest"
	"github.com/goalto/goalto/internal/daemon"
	"github.com/goalto/goalto/internal/metrics"
	"github.com/goalto/goalto/internal/testcert"
)

// startPlainAccessServer starts altod with the access definition over
// plain HTTP on 127.0.0.1, with access.allow-plain-http set to allow.
func startPlainAccessServer(t *testing.T, allow bool) *accessServer {
	t.Helper()
	dir := t.TempDir()
	ca := testcert.NewCA(t, "client CA")
	if err := os.WriteFile(filepath.Join(dir, "ca.pem"), ca.PEM, 0o644); err != nil {
		t.Fatal(err)
	}
	path := writeAccessDefinition(t, dir, "")
	if allow {
		text, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		text = []byte(strings.Replace(string(text), "access:\n", "access:\n  allow-plain-http: true\n", 1))
		if err := os.WriteFile(path, text, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	reg := metrics.New()
	d := alttest.StartConfig(t, daemon.Config{Definition: path, Metrics: reg})
	return &accessServer{
		d:         d,
		reg:       reg,
		origin:    strings.TrimSuffix(d.IRDURL(), "/directory"),
		anonymous: http.DefaultClient,
		dir:       dir,
		password:  "wonderland",
		token:     "partner-token",
	}
}

func TestPlainHTTPCredentials(t *testing.T) {
	strict, allowed := startPlainAccessServer(t, false), startPlainAccessServer(t, true)
	secure := startAccessServer(t)
	tests := []struct {
		name       string
		s          *accessServer
		auth       string
		wantStatus int
		// wantChallenges lists the schemes of the WWW-Authenticate
		// values, in order.
		wantChallenges []string
		wantBody       string
		wantAuthFailed float64
	}{
		{"basic rejected", strict, strict.basic("wonderland"), http.StatusForbidden, nil, "the server accepts credentials over HTTPS only", 1},
		{"wrong basic rejected", strict, strict.basic("wrong"), http.StatusForbidden, nil, "the server accepts credentials over HTTPS only", 1},
		{"bearer rejected", strict, "Bearer partner-token", http.StatusForbidden, nil, "the server accepts credentials over HTTPS only", 1},
		{"anonymous rejected", strict, "", http.StatusForbidden, nil, "the server accepts credentials over HTTPS only", 0},
		{"basic allowed", allowed, allowed.basic("wonderland"), http.StatusOK, nil, "", 0},
		{"bearer allowed", allowed, "Bearer partner-token", http.StatusOK, nil, "", 0},
		{"wrong basic allowed", allowed, allowed.basic("wrong"), http.StatusUnauthorized, []string{"Basic", "Bearer"}, "the credentials are invalid", 1},
		{"anonymous allowed", allowed, "", http.StatusUnauthorized, []string{"Basic", "Bearer"}, "this resource needs credentials", 0},
		{"basic over TLS", secure, secure.basic("wonderland"), http.StatusOK, nil, "", 0},
		{"bearer over TLS", secure, "Bearer partner-token", http.StatusOK, nil, "", 0},
		{"anonymous over TLS", secure, "", http.StatusUnauthorized, []string{"Basic", "Bearer"}, "this resource needs credentials", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := tc.s.rejections(t, "auth_failed")
			// The endpoint cost service accepts both the internal and
			// the external role, so alice and partner may read it.
			status, values, body := tc.s.do(t, tc.s.anonymous, http.MethodPost, "/endpointcost", tc.auth,
				"application/alto-endpointcostparams+json",
				`{"cost-type": {"cost-mode": "ordinal", "cost-metric": "routingcost"}, "endpoints": {"srcs": ["ipv4:192.0.2.1"], "dsts": ["ipv4:192.0.2.129"]}}`)
			if status != tc.wantStatus {
				t.Errorf("status = %d, want %d; body %s", status, tc.wantStatus, body)
			}
			var schemes []string
			for _, v := range values {
				scheme, _, _ := strings.Cut(v, " ")
				schemes = append(schemes, scheme)
			}
			if !slices.Equal(schemes, tc.wantChallenges) {
				t.Errorf("challenges = %q, want schemes %q", values, tc.wantChallenges)
			}
			if !strings.Contains(string(body), tc.wantBody) {
				t.Errorf("body %q lacks %q", body, tc.wantBody)
			}
			if got := tc.s.rejections(t, "auth_failed") - before; got != tc.wantAuthFailed {
				t.Errorf("auth_failed rose by %v, want %v", got, tc.wantAuthFailed)
			}
		})
	}
}
