package daemon_test

import (
	"crypto/tls"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/goalto/goalto/internal/alttest"
	"github.com/goalto/goalto/internal/daemon"
	"github.com/goalto/goalto/internal/metrics"
	"github.com/goalto/goalto/internal/testcert"
)

// TestTLSHandshakeFailuresRateLimited makes TLS 1.2 handshakes, which the
// default minimum of TLS 1.3 rejects. Each one must be counted under
// tls_handshake and logged at level Debug, with the client address only
// under LogClientAddresses. Level Warn gets only the rate-limited
// rejection summary.
func TestTLSHandshakeFailuresRateLimited(t *testing.T) {
	const attempts = 50
	tests := []struct {
		name      string
		keepAddrs bool
	}{
		{"addresses hidden", false},
		{"addresses logged", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			cert := testcert.Write(t, filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"), "alto")
			logs := &alttest.LogBuffer{}
			reg := metrics.New()
			cfg := daemon.Config{
				Metrics: reg,
				Logger:  slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
			}
			cfg.Transport.CertFile, cfg.Transport.KeyFile = cert.CertFile, cert.KeyFile
			cfg.Transport.LogClientAddresses = tc.keepAddrs
			d := alttest.StartConfig(t, cfg)
			s := &accessServer{reg: reg}

			for range attempts {
				conn, err := tls.Dial("tcp", d.Addr().String(), &tls.Config{RootCAs: cert.Pool(), ServerName: "alto", MaxVersion: tls.VersionTLS12})
				if err == nil {
					conn.Close()
					t.Fatal("a TLS 1.2 handshake succeeded against the default minimum of TLS 1.3")
				}
			}
			// The server logs a failure after the client has seen it.
			for i := 0; i < 5000 && s.rejections(t, "tls_handshake") < attempts; i++ {
				time.Sleep(time.Millisecond)
			}

			if got := s.rejections(t, "tls_handshake"); got != attempts {
				t.Errorf("tls_handshake = %v, want %d", got, attempts)
			}
			if warn := logs.Lines("level=WARN", "handshake"); len(warn) == 0 || len(warn) > 2 {
				t.Errorf("%d Warn lines about handshakes, want 1 or 2 (one per 10 s):\n%s", len(warn), strings.Join(warn, "\n"))
			}
			if got := logs.Lines("level=WARN", "127.0.0.1"); len(got) > 0 {
				t.Errorf("Warn lines name the client address:\n%s", strings.Join(got, "\n"))
			}
			debug := logs.Lines("level=DEBUG", "TLS handshake error")
			if len(debug) != attempts {
				t.Errorf("%d Debug lines of handshake errors, want %d", len(debug), attempts)
			}
			withAddr := logs.Lines("level=DEBUG", "TLS handshake error", "127.0.0.1")
			if tc.keepAddrs && len(withAddr) != len(debug) {
				t.Errorf("%d of %d Debug lines name the client address, want all", len(withAddr), len(debug))
			}
			if !tc.keepAddrs && len(withAddr) > 0 {
				t.Errorf("Debug lines name the client address without LogClientAddresses:\n%s", strings.Join(withAddr, "\n"))
			}
		})
	}
}
