package transport

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/quic-go/quic-go/http3"

	"github.com/goalto/goalto/internal/testcert"
)

// bigBody is the 1 MiB response of /big, pseudo-random so that a
// truncated or reordered body cannot match by accident.
var bigBody = func() []byte {
	b := make([]byte, 1<<20)
	rng := mrand.NewChaCha8([32]byte{'g', 'o', 'a', 'l', 't', 'o'})
	_, _ = rng.Read(b)
	return b
}()

// testHandler serves /proto (the request's protocol), /echo/{id} (the
// id) and /big (bigBody).
func testHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /proto", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, r.Proto)
	})
	mux.HandleFunc("GET /echo/{id}", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, r.PathValue("id"))
	})
	mux.HandleFunc("GET /big", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		_, _ = w.Write(bigBody)
	})
	return mux
}

// loopbackHosts returns 127.0.0.1 and, when the machine has IPv6
// loopback, ::1.
func loopbackHosts(t testing.TB) []string {
	t.Helper()
	hosts := []string{"127.0.0.1"}
	if ln, err := net.Listen("tcp", "[::1]:0"); err == nil {
		_ = ln.Close()
		hosts = append(hosts, "::1")
	}
	return hosts
}

// testCert is a self-signed certificate written to PEM files.
type testCert struct {
	certFile, keyFile string
	leaf              *x509.Certificate
}

// pool returns a pool that trusts the certificate.
func (c testCert) pool() *x509.CertPool {
	return testcert.Cert{Leaf: c.leaf}.Pool()
}

// writeCert writes a self-signed certificate (see testcert.Write).
func writeCert(t testing.TB, certFile, keyFile, commonName string) testCert {
	t.Helper()
	c := testcert.Write(t, certFile, keyFile, commonName)
	return testCert{certFile: c.CertFile, keyFile: c.KeyFile, leaf: c.Leaf}
}

// newCert writes a certificate into a new temporary directory.
func newCert(t testing.TB, commonName string) testCert {
	t.Helper()
	dir := t.TempDir()
	return writeCert(t, filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"), commonName)
}

func replaceFile(t testing.TB, path string, data []byte) { testcert.ReplaceFile(t, path, data) }

// startServer starts a server and shuts it down when the test ends.
func startServer(t testing.TB, cfg Config, h http.Handler) *Server {
	t.Helper()
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s, err := Listen(cfg, h)
	if err != nil {
		t.Fatalf("Listen: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return s
}

func tlsConfig(pool *x509.CertPool) *tls.Config { return testcert.TLSConfig(pool) }

// httpClient returns a client for an http.Transport and closes its idle
// connections when the test ends.
func httpClient(t testing.TB, tr *http.Transport) *http.Client {
	t.Helper()
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

func h1Client(t testing.TB, pool *x509.CertPool) *http.Client { return testcert.H1Client(t, pool) }

func h2cClient(t testing.TB) *http.Client { return testcert.H2CClient(t) }

func defaultClient(t testing.TB, pool *x509.CertPool) *http.Client {
	return testcert.DefaultClient(t, pool)
}

func h3Client(t testing.TB, pool *x509.CertPool) (*http.Client, *http3.Transport) {
	return testcert.H3Client(t, pool)
}

// get fetches url and returns the response with its body read.
func get(t testing.TB, c *http.Client, url string) (*http.Response, []byte) {
	t.Helper()
	resp, body, err := tryGet(c, url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d, body %q", url, resp.StatusCode, body)
	}
	return resp, body
}

func tryGet(c *http.Client, url string) (*http.Response, []byte, error) {
	resp, err := c.Get(url)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp, body, err
}

// logBuffer collects log output written from several goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// waitFor polls cond until it returns true, failing the test after a
// minute.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
