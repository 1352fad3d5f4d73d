package soak_test

import (
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/alttest"
	"github.com/goalto/goalto/internal/daemon"
	"github.com/goalto/goalto/internal/testcert"
)

// authDefinition serves the endpoint cost service twice: in public at
// /endpointcost/lookup and to the role "internal" at
// /endpointcost/private. %s is the access section.
const authDefinition = `network-map:
  resource-id: my-network-map
  pids: group
topology: topology.yaml
groups:
  - {pid: PID1, node: h1, prefixes: [192.0.2.0/28]}
  - {pid: PID2, node: h2, prefixes: [192.0.2.48/28]}
  - {pid: PID3, node: h3, prefixes: [192.0.2.32/28]}
%s
resources:
  - {id: my-network-map, type: network-map, path: /networkmap}
  - {id: endpoint-cost, type: endpoint-cost, path: /endpointcost/lookup, cost-types: [num-routing]}
%s`

// accessSection lets a Basic, a bearer and a certificate client read
// /endpointcost/private. %s and %s are the bcrypt hash of the password
// and the SHA-256 digest of the token.
const accessSection = `access:
  auth-clients:
    - {client-id: alice, method: basic, password-hash: "%s"}
    - {client-id: partner, method: bearer, token-hash: "sha256:%s"}
    - {client-id: cdn-1, method: certificate, ca-cert: ca.pem}
  roles:
    - {role-name: internal, clients: [alice, partner, cdn-1]}`

const privateResource = `  - {id: private-cost, type: endpoint-cost, path: /endpointcost/private, cost-types: [num-routing], accepted-roles: [internal]}
`

const (
	benchPassword = "wonderland"
	benchToken    = "0123456789abcdef0123456789abcdef"
	// ecsBody is a small endpoint cost request, so that the benchmark
	// measures the transport and the authentication more than the
	// computation.
	ecsBody = `{"cost-type":{"cost-mode":"numerical","cost-metric":"routingcost"},"endpoints":{"srcs":["ipv4:192.0.2.34"],"dsts":["ipv4:192.0.2.2","ipv4:192.0.2.50"]}}`
)

// authCase is one way of sending the endpoint cost request.
type authCase struct {
	name   string
	url    string
	client *http.Client
	auth   string // Authorization header, or ""
}

// startAuthServers starts a plain HTTP server without an access section
// and a TLS server with one, and returns the cases to compare.
func startAuthServers(b *testing.B) []authCase {
	b.Helper()
	plainDir, tlsDir := b.TempDir(), b.TempDir()
	writeAuthFiles(b, plainDir, "", "")
	plain := alttest.StartConfig(b, daemon.Config{Definition: filepath.Join(plainDir, "auth.yaml")})

	ca := testcert.NewCA(b, "client CA")
	if err := os.WriteFile(filepath.Join(tlsDir, "ca.pem"), ca.PEM, 0o644); err != nil {
		b.Fatal(err)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(benchPassword), bcrypt.DefaultCost)
	if err != nil {
		b.Fatal(err)
	}
	digest := sha256.Sum256([]byte(benchToken))
	writeAuthFiles(b, tlsDir, fmt.Sprintf(accessSection, hash, hex.EncodeToString(digest[:])), privateResource)
	serverCert := testcert.Write(b, filepath.Join(tlsDir, "cert.pem"), filepath.Join(tlsDir, "key.pem"), "alto")
	cfg := daemon.Config{Definition: filepath.Join(tlsDir, "auth.yaml")}
	cfg.Transport.CertFile, cfg.Transport.KeyFile = serverCert.CertFile, serverCert.KeyFile
	secure := alttest.StartConfig(b, cfg)

	plainURL := "http://" + plain.Addr().String()
	tlsURL := "https://" + secure.Addr().String()
	tlsClient := h1Client(b, &tls.Config{RootCAs: serverCert.Pool()})
	certClient := h1Client(b, &tls.Config{RootCAs: serverCert.Pool(), Certificates: []tls.Certificate{testcert.Issue(b, &ca, "cdn-1")}})
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("alice:"+benchPassword))
	return []authCase{
		{name: "plain-http", url: plainURL + "/endpointcost/lookup", client: h1Client(b, nil)},
		{name: "tls", url: tlsURL + "/endpointcost/lookup", client: tlsClient},
		{name: "tls-certificate", url: tlsURL + "/endpointcost/private", client: certClient},
		{name: "tls-basic", url: tlsURL + "/endpointcost/private", client: tlsClient, auth: basic},
		{name: "tls-bearer", url: tlsURL + "/endpointcost/private", client: tlsClient, auth: "Bearer " + benchToken},
	}
}

// writeAuthFiles writes the definition and its topology into dir.
func writeAuthFiles(b *testing.B, dir, access, private string) {
	b.Helper()
	files := map[string]string{
		"auth.yaml":     fmt.Sprintf(authDefinition, access, private),
		"topology.yaml": fmt.Sprintf(topology, 10e9, 1.0),
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			b.Fatal(err)
		}
	}
}

// h1Client returns an HTTP/1.1 keep-alive client; a nil TLS
// configuration means plain text.
func h1Client(b *testing.B, tc *tls.Config) *http.Client {
	b.Helper()
	p := new(http.Protocols)
	p.SetHTTP1(true)
	tr := &http.Transport{Protocols: p, TLSClientConfig: tc, MaxIdleConnsPerHost: 64}
	b.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: patience}
}

// postECS posts an endpoint cost request and returns the status.
func postECS(c *http.Client, url, auth, body string) (int, error) {
	req, err := http.NewRequest("POST", url, strings.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", alto.MediaTypeEndpointCostParams)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return 0, err
	}
	return resp.StatusCode, nil
}

// latencies collects request latencies from several goroutines.
type latencies struct {
	mu  sync.Mutex
	all []time.Duration
}

func (l *latencies) add(d []time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.all = append(l.all, d...)
}

// percentile returns the p-th percentile (0 < p <= 100) of the
// latencies, or 0 when there are none.
func (l *latencies) percentile(p float64) time.Duration {
	if len(l.all) == 0 {
		return 0
	}
	slices.Sort(l.all)
	i := int(float64(len(l.all))*p/100+0.5) - 1
	return l.all[min(max(i, 0), len(l.all)-1)]
}

// report adds the request rate and the p50 and p99 latencies in
// microseconds to the benchmark's output.
func (l *latencies) report(b *testing.B, elapsed time.Duration) {
	b.ReportMetric(float64(len(l.all))/elapsed.Seconds(), "req/s")
	b.ReportMetric(float64(l.percentile(50).Microseconds()), "p50-µs")
	b.ReportMetric(float64(l.percentile(99).Microseconds()), "p99-µs")
}

// BenchmarkEndpointCostAuth compares the endpoint cost service over
// plain HTTP with HTTPS (TLS 1.3) without authentication and with each
// client authentication method, over HTTP/1.1 keep-alive connections,
// so that TLS handshakes happen once per connection.
func BenchmarkEndpointCostAuth(b *testing.B) {
	for _, tc := range startAuthServers(b) {
		b.Run(tc.name, func(b *testing.B) {
			if status, err := postECS(tc.client, tc.url, tc.auth, ecsBody); err != nil || status != http.StatusOK {
				b.Fatalf("warm-up request: status %d, %v", status, err)
			}
			var lat latencies
			b.SetParallelism(4)
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				var mine []time.Duration
				for pb.Next() {
					t0 := time.Now()
					status, err := postECS(tc.client, tc.url, tc.auth, ecsBody)
					if err != nil || status != http.StatusOK {
						b.Errorf("status %d, %v", status, err)
						return
					}
					mine = append(mine, time.Since(t0))
				}
				lat.add(mine)
			})
			lat.report(b, time.Since(start))
		})
	}
}
