package transport

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/quic-go/quic-go"
)

func TestPlainText(t *testing.T) {
	for _, host := range loopbackHosts(t) {
		t.Run(host, func(t *testing.T) {
			s := startServer(t, Config{Listen: net.JoinHostPort(host, "0")}, testHandler())
			if !strings.HasPrefix(s.URL(), "http://") {
				t.Errorf("URL() = %q, want http:// prefix", s.URL())
			}
			if got, want := s.Protocols(), []Protocol{HTTP1, HTTP2}; !slices.Equal(got, want) {
				t.Errorf("Protocols() = %v, want %v", got, want)
			}

			resp, body := get(t, h1Client(t, nil), s.URL()+"/proto")
			if resp.ProtoMajor != 1 || string(body) != "HTTP/1.1" {
				t.Errorf("h1 client: ProtoMajor %d, body %q; want 1, HTTP/1.1", resp.ProtoMajor, body)
			}
			if v := resp.Header.Get("Alt-Svc"); v != "" {
				t.Errorf("Alt-Svc = %q without h3, want none", v)
			}

			resp, body = get(t, h2cClient(t), s.URL()+"/proto")
			if resp.ProtoMajor != 2 || string(body) != "HTTP/2.0" {
				t.Errorf("h2c client: ProtoMajor %d, body %q; want 2, HTTP/2.0", resp.ProtoMajor, body)
			}
		})
	}
}

func TestPlainTextProtocolSubset(t *testing.T) {
	tests := []struct {
		name      string
		protocols []Protocol
		h1OK      bool
		h2cOK     bool
	}{
		{"h1 only", []Protocol{HTTP1}, true, false},
		{"h2 only", []Protocol{HTTP2}, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startServer(t, Config{Listen: "127.0.0.1:0", Protocols: tt.protocols}, testHandler())

			_, _, err := tryGet(h1Client(t, nil), s.URL()+"/proto")
			if (err == nil) != tt.h1OK {
				t.Errorf("h1 client error = %v, want success %v", err, tt.h1OK)
			}
			_, _, err = tryGet(h2cClient(t), s.URL()+"/proto")
			if (err == nil) != tt.h2cOK {
				t.Errorf("h2c client error = %v, want success %v", err, tt.h2cOK)
			}
		})
	}
}

func TestTLS(t *testing.T) {
	cert := newCert(t, "tls-test")
	for _, host := range loopbackHosts(t) {
		t.Run(host, func(t *testing.T) {
			s := startServer(t, Config{Listen: net.JoinHostPort(host, "0"), CertFile: cert.certFile, KeyFile: cert.keyFile}, testHandler())
			if !strings.HasPrefix(s.URL(), "https://") {
				t.Errorf("URL() = %q, want https:// prefix", s.URL())
			}
			if got, want := s.Protocols(), []Protocol{HTTP1, HTTP2, HTTP3}; !slices.Equal(got, want) {
				t.Errorf("Protocols() = %v, want %v", got, want)
			}

			resp, body := get(t, h1Client(t, cert.pool()), s.URL()+"/proto")
			if resp.ProtoMajor != 1 || string(body) != "HTTP/1.1" {
				t.Errorf("h1 client: ProtoMajor %d, body %q; want 1, HTTP/1.1", resp.ProtoMajor, body)
			}

			resp, body = get(t, defaultClient(t, cert.pool()), s.URL()+"/proto")
			if resp.ProtoMajor != 2 || string(body) != "HTTP/2.0" {
				t.Errorf("default client: ProtoMajor %d, body %q; want 2, HTTP/2.0", resp.ProtoMajor, body)
			}
			if resp.TLS.Version != tls.VersionTLS13 {
				t.Errorf("TLS version = %s, want TLS 1.3", tls.VersionName(resp.TLS.Version))
			}
			port := s.Addr().(*net.TCPAddr).Port
			want := []string{fmt.Sprintf(`h3=":%d"; ma=86400`, port)}
			if got := resp.Header.Values("Alt-Svc"); !slices.Equal(got, want) {
				t.Errorf("Alt-Svc = %q, want %q", got, want)
			}
		})
	}
}

func TestTLSProtocolSubset(t *testing.T) {
	cert := newCert(t, "subset-test")
	tests := []struct {
		name      string
		protocols []Protocol
		h1OK      bool
		wantMajor int // of the default client, which offers h2 and http/1.1
	}{
		{"h1 only", []Protocol{HTTP1}, true, 1},
		{"h2 only", []Protocol{HTTP2}, false, 2},
		{"h1 and h2", []Protocol{HTTP1, HTTP2}, true, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := Config{Listen: "127.0.0.1:0", Protocols: tt.protocols, CertFile: cert.certFile, KeyFile: cert.keyFile}
			s := startServer(t, cfg, testHandler())

			_, _, err := tryGet(h1Client(t, cert.pool()), s.URL()+"/proto")
			if (err == nil) != tt.h1OK {
				t.Errorf("h1 client error = %v, want success %v", err, tt.h1OK)
			}
			resp, _ := get(t, defaultClient(t, cert.pool()), s.URL()+"/proto")
			if resp.ProtoMajor != tt.wantMajor {
				t.Errorf("default client ProtoMajor = %d, want %d", resp.ProtoMajor, tt.wantMajor)
			}
			if v := resp.Header.Get("Alt-Svc"); v != "" {
				t.Errorf("Alt-Svc = %q without h3, want none", v)
			}
		})
	}
}

func TestMinTLSVersion(t *testing.T) {
	cert := newCert(t, "version-test")
	tests := []struct {
		name   string
		min    uint16
		wantOK bool
	}{
		{"default rejects TLS 1.2", 0, false},
		{"TLS 1.2 allowed", tls.VersionTLS12, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := Config{Listen: "127.0.0.1:0", CertFile: cert.certFile, KeyFile: cert.keyFile, MinTLSVersion: tt.min}
			s := startServer(t, cfg, testHandler())
			tr := http.DefaultTransport.(*http.Transport).Clone()
			tr.TLSClientConfig = &tls.Config{RootCAs: cert.pool(), MaxVersion: tls.VersionTLS12}

			resp, _, err := tryGet(httpClient(t, tr), s.URL()+"/proto")
			if !tt.wantOK {
				if err == nil {
					t.Fatalf("TLS 1.2 client got status %d, want handshake failure", resp.StatusCode)
				}
				return
			}
			if err != nil {
				t.Fatalf("TLS 1.2 client: %v", err)
			}
			if resp.TLS.Version != tls.VersionTLS12 {
				t.Errorf("TLS version = %s, want TLS 1.2", tls.VersionName(resp.TLS.Version))
			}
		})
	}
}

func TestHTTP3(t *testing.T) {
	cert := newCert(t, "h3-test")
	for _, host := range loopbackHosts(t) {
		t.Run(host, func(t *testing.T) {
			s := startServer(t, Config{Listen: net.JoinHostPort(host, "0"), CertFile: cert.certFile, KeyFile: cert.keyFile}, testHandler())
			h3, _ := h3Client(t, cert.pool())

			resp, body := get(t, h3, s.URL()+"/proto")
			if resp.ProtoMajor != 3 || string(body) != "HTTP/3.0" {
				t.Errorf("h3 client: ProtoMajor %d, body %q; want 3, HTTP/3.0", resp.ProtoMajor, body)
			}
			if v := resp.Header.Get("Alt-Svc"); v != "" {
				t.Errorf("Alt-Svc = %q on an HTTP/3 response, want none", v)
			}

			clients := map[string]*http.Client{
				"h1": h1Client(t, cert.pool()),
				"h2": defaultClient(t, cert.pool()),
				"h3": h3,
			}
			for name, c := range clients {
				resp, body := get(t, c, s.URL()+"/big")
				if want := int(name[1] - '0'); resp.ProtoMajor != want {
					t.Errorf("%s: ProtoMajor = %d, want %d", name, resp.ProtoMajor, want)
				}
				if !bytes.Equal(body, bigBody) {
					t.Errorf("%s: /big body differs from the handler's (%d bytes, want %d)", name, len(body), len(bigBody))
				}
			}
		})
	}
}

// TestConcurrentRequests sends many requests at once over one HTTP/2 and
// one HTTP/3 connection, counting dials to prove that a single
// connection carried them.
func TestConcurrentRequests(t *testing.T) {
	const n = 50
	cert := newCert(t, "concurrency-test")
	s := startServer(t, Config{Listen: "127.0.0.1:0", CertFile: cert.certFile, KeyFile: cert.keyFile}, testHandler())

	var h2Dials atomic.Int32
	h2Transport := http.DefaultTransport.(*http.Transport).Clone()
	h2Transport.TLSClientConfig = tlsConfig(cert.pool())
	dialer := &net.Dialer{}
	h2Transport.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		h2Dials.Add(1)
		return dialer.DialContext(ctx, network, addr)
	}

	var h3Dials atomic.Int32
	h3, h3Transport := h3Client(t, cert.pool())
	h3Transport.Dial = func(ctx context.Context, addr string, tlsConf *tls.Config, conf *quic.Config) (*quic.Conn, error) {
		h3Dials.Add(1)
		return quic.DialAddrEarly(ctx, addr, tlsConf, conf)
	}

	tests := []struct {
		name  string
		c     *http.Client
		major int
		dials *atomic.Int32
	}{
		{"h2", httpClient(t, h2Transport), 2, &h2Dials},
		{"h3", h3, 3, &h3Dials},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The first request sets up the connection, so the
			// concurrent ones below find it instead of racing to dial.
			get(t, tt.c, s.URL()+"/echo/warm-up")
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() { errs[i] = checkEcho(tt.c, s.URL(), i, tt.major) })
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Errorf("request %d: %v", i, err)
				}
			}
			if got := tt.dials.Load(); got != 1 {
				t.Errorf("client dialed %d connections, want 1", got)
			}
		})
	}
}

// checkEcho requests /echo/i and checks the protocol and the body.
func checkEcho(c *http.Client, base string, i, major int) error {
	resp, body, err := tryGet(c, base+"/echo/"+strconv.Itoa(i))
	switch {
	case err != nil:
		return err
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("status %d", resp.StatusCode)
	case resp.ProtoMajor != major:
		return fmt.Errorf("ProtoMajor %d, want %d", resp.ProtoMajor, major)
	case string(body) != strconv.Itoa(i):
		return fmt.Errorf("body %q, want %q", body, strconv.Itoa(i))
	}
	return nil
}

// TestHTTP3Discovery follows the Alt-Svc header of a TCP response to the
// announced UDP port, as a browser would.
func TestHTTP3Discovery(t *testing.T) {
	cert := newCert(t, "discovery-test")
	s := startServer(t, Config{Listen: "127.0.0.1:0", CertFile: cert.certFile, KeyFile: cert.keyFile}, testHandler())

	resp, _ := get(t, defaultClient(t, cert.pool()), s.URL()+"/proto")
	altSvc := resp.Header.Get("Alt-Svc")
	_, rest, ok := strings.Cut(altSvc, `h3=":`)
	port, _, ok2 := strings.Cut(rest, `"`)
	if !ok || !ok2 {
		t.Fatalf("Alt-Svc = %q, want an h3 entry", altSvc)
	}

	h3, _ := h3Client(t, cert.pool())
	resp, body := get(t, h3, "https://"+net.JoinHostPort("127.0.0.1", port)+"/proto")
	if resp.ProtoMajor != 3 || string(body) != "HTTP/3.0" {
		t.Errorf("h3 at the announced port: ProtoMajor %d, body %q; want 3, HTTP/3.0", resp.ProtoMajor, body)
	}
}
