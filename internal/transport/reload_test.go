package transport

import (
	"crypto/tls"
	"crypto/x509"
	"log/slog"
	"math/big"
	"net/http"
	"strings"
	"testing"
	"time"
)

// peerSerial opens a new TLS connection to addr and returns the serial
// number of the certificate the server presented.
func peerSerial(t *testing.T, addr string, pool *x509.CertPool) *big.Int {
	t.Helper()
	conn, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pool})
	if err != nil {
		t.Fatalf("TLS handshake with %s: %v", addr, err)
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0].SerialNumber
}

// servedSerial returns the serial number of the server certificate of a
// response.
func servedSerial(resp *http.Response) *big.Int {
	return resp.TLS.PeerCertificates[0].SerialNumber
}

func TestCertReload(t *testing.T) {
	oldCert := newCert(t, "old")
	logs := &logBuffer{}
	cfg := Config{
		Listen:             "127.0.0.1:0",
		CertFile:           oldCert.certFile,
		KeyFile:            oldCert.keyFile,
		CertReloadInterval: 50 * time.Millisecond,
		Logger:             slog.New(slog.NewTextHandler(logs, nil)),
	}
	s := startServer(t, cfg, testHandler())
	addr := s.Addr().String()

	// A kept-alive HTTP/2 connection made with the old certificate.
	pool := oldCert.pool()
	h2 := defaultClient(t, pool)
	resp, _ := get(t, h2, s.URL()+"/proto")
	if got := servedSerial(resp); got.Cmp(oldCert.leaf.SerialNumber) != 0 {
		t.Fatalf("first response served serial %v, want the old certificate %v", got, oldCert.leaf.SerialNumber)
	}

	newCert := writeCert(t, oldCert.certFile, oldCert.keyFile, "new")
	pool.AddCert(newCert.leaf)
	waitFor(t, "a TLS handshake with the new certificate", func() bool {
		return peerSerial(t, addr, pool).Cmp(newCert.leaf.SerialNumber) == 0
	})

	t.Run("kept-alive h2 connection", func(t *testing.T) {
		resp, body := get(t, h2, s.URL()+"/proto")
		if resp.ProtoMajor != 2 || string(body) != "HTTP/2.0" {
			t.Errorf("ProtoMajor %d, body %q; want 2, HTTP/2.0", resp.ProtoMajor, body)
		}
		if got := servedSerial(resp); got.Cmp(oldCert.leaf.SerialNumber) != 0 {
			t.Errorf("served serial %v, want the old certificate %v of the same connection", got, oldCert.leaf.SerialNumber)
		}
	})

	t.Run("new h3 connection", func(t *testing.T) {
		h3, _ := h3Client(t, pool)
		resp, _ := get(t, h3, s.URL()+"/proto")
		if got := servedSerial(resp); got.Cmp(newCert.leaf.SerialNumber) != 0 {
			t.Errorf("served serial %v, want the new certificate %v", got, newCert.leaf.SerialNumber)
		}
	})

	t.Run("invalid certificate keeps the previous one", func(t *testing.T) {
		replaceFile(t, oldCert.certFile, []byte("not a PEM certificate\n"))
		waitFor(t, "the reload error in the log", func() bool {
			out := logs.String()
			return strings.Contains(out, "certificate reload failed") && strings.Contains(out, oldCert.certFile)
		})
		if out := logs.String(); !strings.Contains(out, "--tls-cert "+oldCert.certFile+" and --tls-key ") {
			t.Errorf("reload error does not name the files by their flags: %s", out)
		}
		if got := peerSerial(t, addr, pool); got.Cmp(newCert.leaf.SerialNumber) != 0 {
			t.Errorf("handshake presented serial %v, want the last valid certificate %v", got, newCert.leaf.SerialNumber)
		}
		resp, body := get(t, h2, s.URL()+"/proto")
		if string(body) != "HTTP/2.0" || resp.ProtoMajor != 2 {
			t.Errorf("kept-alive h2 connection: ProtoMajor %d, body %q; want 2, HTTP/2.0", resp.ProtoMajor, body)
		}
	})

	t.Run("valid certificate after an invalid one", func(t *testing.T) {
		third := writeCert(t, oldCert.certFile, oldCert.keyFile, "third")
		pool.AddCert(third.leaf)
		waitFor(t, "a TLS handshake with the third certificate", func() bool {
			return peerSerial(t, addr, pool).Cmp(third.leaf.SerialNumber) == 0
		})
	})
}

// TestCertReloaderCheck calls check directly, without the polling
// goroutine, to show what each file change does.
func TestCertReloaderCheck(t *testing.T) {
	first := newCert(t, "first")
	logs := &logBuffer{}
	r, err := newCertReloader(first.certFile, first.keyFile, slog.New(slog.NewTextHandler(logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	serial := func() *big.Int {
		cert, _ := r.getCertificate(nil)
		return cert.Leaf.SerialNumber
	}

	r.check()
	if got := serial(); got.Cmp(first.leaf.SerialNumber) != 0 {
		t.Errorf("unchanged files: serial %v, want %v", got, first.leaf.SerialNumber)
	}

	second := writeCert(t, first.certFile, first.keyFile, "second")
	r.check()
	if got := serial(); got.Cmp(second.leaf.SerialNumber) != 0 {
		t.Errorf("after replacing the pair: serial %v, want %v", got, second.leaf.SerialNumber)
	}

	replaceFile(t, first.keyFile, []byte("not a PEM key\n"))
	r.check()
	r.check()
	if got := serial(); got.Cmp(second.leaf.SerialNumber) != 0 {
		t.Errorf("after breaking the key: serial %v, want the previous %v", got, second.leaf.SerialNumber)
	}
	out := logs.String()
	if n := strings.Count(out, "certificate reload failed"); n != 1 {
		t.Errorf("reload error logged %d times for one change, want 1:\n%s", n, out)
	}
	if !strings.Contains(out, first.keyFile) {
		t.Errorf("reload error does not name %s:\n%s", first.keyFile, out)
	}
}
