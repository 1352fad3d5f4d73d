// Package testcert makes what TLS tests need: self-signed certificates
// for the loopback addresses, written to PEM files, and HTTP clients
// that trust them and speak one HTTP version each.
package testcert

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/quic-go/quic-go/http3"
)

// Cert is a self-signed certificate written to PEM files.
type Cert struct {
	CertFile, KeyFile string
	Leaf              *x509.Certificate
}

// Pool returns a pool that trusts the certificate.
func (c Cert) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(c.Leaf)
	return p
}

// Write creates a self-signed ECDSA certificate for 127.0.0.1, ::1 and
// localhost, valid for a day, and writes it to certFile and keyFile. Each
// file is written to a temporary name and renamed into place, as a
// certificate manager would.
func Write(t testing.TB, certFile, keyFile, commonName string) Cert {
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

	ReplaceFile(t, keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}))
	ReplaceFile(t, certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	return Cert{CertFile: certFile, KeyFile: keyFile, Leaf: leaf}
}

// New writes a certificate into a new temporary directory.
func New(t testing.TB, commonName string) Cert {
	t.Helper()
	dir := t.TempDir()
	return Write(t, filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"), commonName)
}

// ReplaceFile writes data to a temporary file and renames it to path.
func ReplaceFile(t testing.TB, path string, data []byte) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// TLSConfig returns a client TLS configuration that trusts pool.
func TLSConfig(pool *x509.CertPool) *tls.Config {
	return &tls.Config{RootCAs: pool}
}

func client(t testing.TB, tr *http.Transport) *http.Client {
	t.Helper()
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// H1Client speaks only HTTP/1.1. A nil pool means plain text.
func H1Client(t testing.TB, pool *x509.CertPool) *http.Client {
	t.Helper()
	p := new(http.Protocols)
	p.SetHTTP1(true)
	tr := &http.Transport{Protocols: p, MaxIdleConnsPerHost: 64}
	if pool != nil {
		tr.TLSClientConfig = TLSConfig(pool)
	}
	return client(t, tr)
}

// H2CClient speaks cleartext HTTP/2 with prior knowledge.
func H2CClient(t testing.TB) *http.Client {
	t.Helper()
	p := new(http.Protocols)
	p.SetUnencryptedHTTP2(true)
	return client(t, &http.Transport{Protocols: p})
}

// DefaultClient is net/http's default transport trusting pool, which
// offers h2 and http/1.1 through ALPN.
func DefaultClient(t testing.TB, pool *x509.CertPool) *http.Client {
	t.Helper()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = TLSConfig(pool)
	return client(t, tr)
}

// H3Client speaks HTTP/3 and trusts pool.
func H3Client(t testing.TB, pool *x509.CertPool) (*http.Client, *http3.Transport) {
	t.Helper()
	tr := &http3.Transport{TLSClientConfig: TLSConfig(pool)}
	t.Cleanup(func() { _ = tr.Close() })
	return &http.Client{Transport: tr}, tr
}
