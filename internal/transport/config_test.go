package transport

import (
	"crypto/tls"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestListenRejectsBadConfig(t *testing.T) {
	cert := newCert(t, "config-test")
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.pem")
	garbage := filepath.Join(dir, "garbage.pem")
	if err := os.WriteFile(garbage, []byte("not PEM\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	otherKey := newCert(t, "other").keyFile

	tests := []struct {
		name string
		cfg  Config
		want []string // substrings of the error
	}{
		{"empty listen", Config{}, []string{"Listen is empty"}},
		{"listen without port", Config{Listen: "127.0.0.1"}, []string{`Listen "127.0.0.1"`, "missing port"}},
		{"unknown protocol", Config{Listen: "127.0.0.1:0", Protocols: []Protocol{HTTP1, "h4"}}, []string{"Protocols", `unknown protocol "h4"`}},
		{"h3 without TLS", Config{Listen: "127.0.0.1:0", Protocols: []Protocol{HTTP1, HTTP3}}, []string{"h3 requires TLS"}},
		{"h3 alone", Config{Listen: "127.0.0.1:0", Protocols: []Protocol{HTTP3}, CertFile: cert.certFile, KeyFile: cert.keyFile}, []string{"h3 needs h1 or h2"}},
		{"cert without key", Config{Listen: "127.0.0.1:0", CertFile: cert.certFile}, []string{"KeyFile is empty"}},
		{"key without cert", Config{Listen: "127.0.0.1:0", KeyFile: cert.keyFile}, []string{"CertFile is empty"}},
		{"missing cert file", Config{Listen: "127.0.0.1:0", CertFile: missing, KeyFile: cert.keyFile}, []string{"--tls-cert: ", missing}},
		{"missing key file", Config{Listen: "127.0.0.1:0", CertFile: cert.certFile, KeyFile: missing}, []string{"--tls-key: ", missing}},
		{"cert not PEM", Config{Listen: "127.0.0.1:0", CertFile: garbage, KeyFile: cert.keyFile}, []string{"--tls-cert " + garbage + " and --tls-key ", "certificate input"}},
		{"key of another cert", Config{Listen: "127.0.0.1:0", CertFile: cert.certFile, KeyFile: otherKey}, []string{"--tls-key " + otherKey + ": ", "private key does not match"}},
		{"TLS 1.1", Config{Listen: "127.0.0.1:0", CertFile: cert.certFile, KeyFile: cert.keyFile, MinTLSVersion: tls.VersionTLS11}, []string{"MinTLSVersion 0x0302"}},
		{"TLS version without TLS", Config{Listen: "127.0.0.1:0", MinTLSVersion: tls.VersionTLS12}, []string{"MinTLSVersion is set"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Listen(tt.cfg, testHandler())
			if err == nil {
				_ = s.Shutdown(t.Context())
				t.Fatalf("Listen succeeded, want an error containing %q", tt.want)
			}
			if !strings.HasPrefix(err.Error(), "transport: ") {
				t.Errorf("error %q lacks the transport: prefix", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

// TestListenUDPPortTaken shows that a failed UDP bind for HTTP/3 reports
// the error and releases the TCP port it had bound.
func TestListenUDPPortTaken(t *testing.T) {
	cert := newCert(t, "udp-taken-test")
	udp, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer udp.Close()
	port := strconv.Itoa(udp.LocalAddr().(*net.UDPAddr).Port)
	addr := net.JoinHostPort("127.0.0.1", port)

	_, err = Listen(Config{Listen: addr, CertFile: cert.certFile, KeyFile: cert.keyFile}, testHandler())
	if err == nil {
		t.Fatal("Listen succeeded with its UDP port taken")
	}
	if !strings.Contains(err.Error(), "UDP port for h3") {
		t.Errorf("error %q does not mention the UDP port", err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("TCP port %s still bound after the failed Listen: %v", port, err)
	}
	_ = ln.Close()
}

func TestListenWarnsOnRepeatedProtocol(t *testing.T) {
	logs := &logBuffer{}
	cfg := Config{
		Listen:    "127.0.0.1:0",
		Protocols: []Protocol{HTTP1, HTTP2, HTTP1},
		Logger:    slog.New(slog.NewTextHandler(logs, nil)),
	}
	s := startServer(t, cfg, testHandler())
	if got, want := s.Protocols(), []Protocol{HTTP1, HTTP2}; !slices.Equal(got, want) {
		t.Errorf("Protocols() = %v, want %v", got, want)
	}
	out := logs.String()
	for _, want := range []string{"level=WARN", "protocol listed more than once", "protocol=h1", "component=transport"} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(out, `msg=listening`) || !strings.Contains(out, "protocols=h1,h2") {
		t.Errorf("log lacks the listening line with protocols=h1,h2:\n%s", out)
	}
}

func TestParseProtocols(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []Protocol
		wantErr string
	}{
		{"empty", "", nil, ""},
		{"all", "h1,h2,h3", []Protocol{HTTP1, HTTP2, HTTP3}, ""},
		{"spaces", " h2 , h1 ", []Protocol{HTTP2, HTTP1}, ""},
		{"ALPN name", "h1,http/1.1", nil, `unknown protocol "http/1.1"`},
		{"empty element", "h1,,h2", nil, `unknown protocol ""`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseProtocols(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("ParseProtocols(%q) error = %v, want %q", tt.in, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseProtocols(%q): %v", tt.in, err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("ParseProtocols(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}
