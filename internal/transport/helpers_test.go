package transport

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/quic-go/quic-go/http3"
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
	p := x509.NewCertPool()
	p.AddCert(c.leaf)
	return p
}

// writeCert creates a self-signed ECDSA certificate for 127.0.0.1, ::1
// and localhost and writes it to certFile and keyFile. Each file is
// written to a temporary name and renamed into place, as a certificate
// manager would.
func writeCert(t testing.TB, certFile, keyFile, commonName string) testCert {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		t.Fatal(err)
	}

	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: commonName},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:              []string{"localhost"},
	}

	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}

	replaceFile(t, keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}))
	replaceFile(t, certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	return testCert{certFile: certFile, keyFile: keyFile, leaf: leaf}
}

// newCert writes a certificate into a new temporary directory.
func newCert(t testing.TB, commonName string) testCert {
	t.Helper()
	dir := t.TempDir()
	return writeCert(t, filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"), commonName)
}

// replaceFile writes data to a temporary file and renames it to path.
func replaceFile(t testing.TB, path string, data []byte) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

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

// tlsConfig returns a client TLS configuration that trusts pool.
func tlsConfig(pool *x509.CertPool) *tls.Config {
	return &tls.Config{RootCAs: pool}
}

// httpClient returns a client for an http.Transport and closes its idle
// connections when the test ends.
func httpClient(t testing.TB, tr *http.Transport) *http.Client {
	t.Helper()
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// h1Client speaks only HTTP/1.1. A nil pool means plain text.
func h1Client(t testing.TB, pool *x509.CertPool) *http.Client {
	t.Helper()
	p := new(http.Protocols)
	p.SetHTTP1(true)
	tr := &http.Transport{Protocols: p, MaxIdleConnsPerHost: 64}
	if pool != nil {
		tr.TLSClientConfig = tlsConfig(pool)
	}
	return httpClient(t, tr)
}

// h2cClient speaks cleartext HTTP/2 with prior knowledge.
func h2cClient(t testing.TB) *http.Client {
	t.Helper()
	p := new(http.Protocols)
	p.SetUnencryptedHTTP2(true)
	return httpClient(t, &http.Transport{Protocols: p})
}

// defaultClient is net/http's default transport trusting pool, which
// offers h2 and http/1.1 through ALPN.
func defaultClient(t testing.TB, pool *x509.CertPool) *http.Client {
	t.Helper()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = tlsConfig(pool)
	return httpClient(t, tr)
}

// h3Client speaks HTTP/3 and trusts pool.
func h3Client(t testing.TB, pool *x509.CertPool) (*http.Client, *http3.Transport) {
	t.Helper()
	tr := &http3.Transport{TLSClientConfig: tlsConfig(pool)}
	t.Cleanup(func() { _ = tr.Close() })
	return &http.Client{Transport: tr}, tr
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

// waitFor polls cond until it returns true, failing the test after 5s.
func waitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
