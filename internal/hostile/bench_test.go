package hostile_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/alttest"
	"github.com/goalto/goalto/internal/daemon"
	"github.com/goalto/goalto/internal/server"
	"github.com/goalto/goalto/internal/testcert"
)

const ecsBody = `{"cost-type":{"cost-mode":"numerical","cost-metric":"routingcost"},"endpoints":{"srcs":["ipv4:192.0.2.1"],"dsts":["ipv4:192.0.2.200","ipv4:198.51.100.1"]}}`

// benchDefinition is a three-PID network with an endpoint cost service,
// restricted to one bearer client when access is set.
const benchDefinition = `network-map: {pids: group}
groups:
  - {pid: a, prefixes: [192.0.2.0/25]}
  - {pid: b, prefixes: [192.0.2.128/25]}
  - {pid: c, prefixes: [198.51.100.0/24]}
cost-types:
  num-routing: {cost-mode: numerical, cost-metric: routingcost}
costs:
  routingcost: {a: {b: 1, c: 2}, b: {a: 1, c: 3}, c: {a: 2, b: 3}}
resources:
  - {id: default-network-map, type: network-map, path: /networkmap}
  - {id: endpoint-cost, type: endpoint-cost, path: /endpointcost/lookup, cost-types: [num-routing]%s}
%s`

// startBench starts altod with the bench definition; a non-empty
// tokenHash restricts the endpoint cost service to its bearer client.
func startBench(b *testing.B, cfg daemon.Config, tokenHash string) *daemon.Daemon {
	b.Helper()
	roles, access := "", ""
	if tokenHash != "" {
		roles = ", accepted-roles: [clients]"
		access = "access:\n  auth-clients:\n    - {client-id: bench, method: bearer, token-hash: \"" + tokenHash +
			"\"}\n  roles:\n    - {role-name: clients, clients: [bench]}\n"
	}
	path := filepath.Join(b.TempDir(), "network.yaml")
	if err := os.WriteFile(path, []byte(fmt.Sprintf(benchDefinition, roles, access)), 0o644); err != nil {
		b.Fatal(err)
	}
	cfg.Definition = path
	return alttest.StartConfig(b, cfg)
}

func benchPost(b *testing.B, c *http.Client, url, auth string) int {
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(ecsBody))
	req.Header.Set("Content-Type", alto.MediaTypeEndpointCostParams)
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := c.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// BenchmarkEndpointCost compares one endpoint cost request over plain
// HTTP/1.1 without authentication and over TLS 1.3 with a bearer token,
// both on kept-alive connections.
func BenchmarkEndpointCost(b *testing.B) {
	b.Run("plain", func(b *testing.B) {
		d := startBench(b, daemon.Config{}, "")
		url := "http://" + d.Addr().String() + "/endpointcost/lookup"
		c := testcert.H1Client(b, nil)
		for b.Loop() {
			if s := benchPost(b, c, url, ""); s != http.StatusOK {
				b.Fatalf("status %d", s)
			}
		}
	})
	b.Run("tls-bearer", func(b *testing.B) {
		dir := b.TempDir()
		sum := sha256.Sum256([]byte("bench-token"))
		cert := testcert.Write(b, filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"), "alto")
		cfg := daemon.Config{}
		cfg.Transport.CertFile, cfg.Transport.KeyFile = cert.CertFile, cert.KeyFile
		d := startBench(b, cfg, "sha256:"+hex.EncodeToString(sum[:]))
		url := "https://" + d.Addr().String() + "/endpointcost/lookup"
		c := testcert.H1Client(b, cert.Pool())
		for b.Loop() {
			if s := benchPost(b, c, url, "Bearer bench-token"); s != http.StatusOK {
				b.Fatalf("status %d", s)
			}
		}
	})
}

// BenchmarkRejectOverRate measures the time to reject a request of a
// client over its rate: every request after the first gets 429.
func BenchmarkRejectOverRate(b *testing.B) {
	d := startBench(b, daemon.Config{Limits: server.Limits{RatePerClient: 0.001, RateBurst: 1, RateLimitLoopback: true}}, "")
	url := "http://" + d.Addr().String() + "/endpointcost/lookup"
	c := testcert.H1Client(b, nil)
	benchPost(b, c, url, "")
	for b.Loop() {
		if s := benchPost(b, c, url, ""); s != http.StatusTooManyRequests {
			b.Fatalf("status %d, want 429", s)
		}
	}
}
