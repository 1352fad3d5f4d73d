package daemon_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/icholy/digest"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/client"
	"github.com/goalto/goalto/internal/access"
	"github.com/goalto/goalto/internal/alttest"
	"github.com/goalto/goalto/internal/daemon"
	"github.com/goalto/goalto/internal/testcert"
	"github.com/goalto/goalto/internal/transport"
)

// digestDefinition has two digest clients: dave, with HA1 digests for
// SHA-256 and MD5 and the role internal, and erin, with a SHA-256 HA1
// and no role. The numerical cost map is for internal clients only.
const digestDefinition = `network-map:
  resource-id: test-network-map
topology: topology.yaml
cost-types:
  num-routing: {cost-mode: numerical, cost-metric: routingcost}
access:
  digest: %s
  auth-clients:
    - {client-id: dave, method: digest, ha1-sha256: %q, ha1-md5: %q}
    - {client-id: erin, method: digest, ha1-sha256: %q}
  roles:
    - {role-name: internal, clients: [dave]}
resources:
  - {id: test-network-map, type: network-map, path: /networkmap}
  - {id: num-routing-map, type: cost-map, path: /costmap/num, cost-types: [num-routing], accepted-roles: [internal]}
  - {id: filtered-num-routing, type: filtered-cost-map, path: /costmap/filtered, cost-types: [num-routing], accepted-roles: [internal]}
`

// Passwords of the digest clients.
const (
	davePassword = "correct horse"
	erinPassword = "battery staple"
)

// digestServer is altod with the digest definition.
type digestServer struct {
	d      *daemon.Daemon
	path   string // the definition file
	origin string
	pool   *tls.Config // nil over plain HTTP
	certs  testcert.Cert
}

// startDigestServer starts altod with the digest settings (a YAML flow
// mapping such as "{nonce-lifetime: 1}"), over TLS with HTTP/1.1, HTTP/2
// and HTTP/3 unless plain is set.
func startDigestServer(t *testing.T, settings string, plain bool) *digestServer {
	t.Helper()
	dir := t.TempDir()
	ha1 := func(algorithm, user, password string) string {
		h, err := access.HA1(algorithm, user, access.DefaultRealm, password)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	def := fmt.Sprintf(digestDefinition, settings,
		ha1("SHA-256", "dave", davePassword), ha1("MD5", "dave", davePassword),
		ha1("SHA-256", "erin", erinPassword))
	path := filepath.Join(dir, "network.yaml")
	for name, text := range map[string]string{path: def, filepath.Join(dir, "topology.yaml"): baseTopology.yaml()} {
		if err := os.WriteFile(name, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cfg := daemon.Config{Definition: path}
	s := &digestServer{}
	if !plain {
		s.certs = testcert.Write(t, filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"), "alto")
		cfg.Transport.CertFile, cfg.Transport.KeyFile = s.certs.CertFile, s.certs.KeyFile
		cfg.Transport.Protocols = []transport.Protocol{transport.HTTP1, transport.HTTP2, transport.HTTP3}
		s.pool = testcert.TLSConfig(s.certs.Pool())
	}
	s.d = alttest.StartConfig(t, cfg)
	s.path = path
	s.origin = strings.TrimSuffix(s.d.IRDURL(), "/directory")
	return s
}

// httpClient returns a client that trusts the server's certificate.
func (s *digestServer) httpClient(t *testing.T) *http.Client {
	t.Helper()
	tr := &http.Transport{TLSClientConfig: s.pool}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// get sends a GET request with an Authorization header ("" for none)
// and returns the status, the WWW-Authenticate values and the body.
func (s *digestServer) get(t *testing.T, hc *http.Client, path, auth string) (int, []string, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.origin+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Values("WWW-Authenticate"), string(body)
}

// digestChallenge returns the challenge for algorithm among values.
func digestChallenge(t *testing.T, values []string, algorithm string) *digest.Challenge {
	t.Helper()
	for _, v := range values {
		if c, err := digest.ParseChallenge(v); err == nil && c.Algorithm == algorithm {
			return c
		}
	}
	t.Fatalf("no Digest challenge with algorithm %s in %q", algorithm, values)
	return nil
}

// authorization computes Digest credentials with icholy/digest.
func authorization(t *testing.T, c *digest.Challenge, user, password, path string, count int) string {
	t.Helper()
	cred, err := digest.Digest(c, digest.Options{Method: http.MethodGet, URI: path, Username: user, Password: password, Count: count})
	if err != nil {
		t.Fatal(err)
	}
	return cred.String()
}

func TestDigestCurl(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl is not installed")
	}
	// curl answers the first Digest challenge that it supports, so the
	// order of the algorithms picks the one it uses.
	servers := map[string]*digestServer{
		"SHA-256": startDigestServer(t, "{}", false),
		"MD5":     startDigestServer(t, "{algorithms: [MD5, SHA-256]}", false),
	}
	tests := []struct {
		name      string
		algorithm string
		user      string
		password  string
		want      string
	}{
		{"SHA-256 internal client", "SHA-256", "dave", davePassword, "200"},
		{"SHA-256 wrong password", "SHA-256", "dave", "wrong", "401"},
		{"SHA-256 client without role", "SHA-256", "erin", erinPassword, "403"},
		{"MD5 internal client", "MD5", "dave", davePassword, "200"},
		{"MD5 wrong password", "MD5", "dave", "wrong", "401"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := servers[tc.algorithm]
			out, err := exec.Command(curl, "-sS", "-k", "-v", "--digest", "-u", tc.user+":"+tc.password,
				"-o", os.DevNull, "-w", "%{http_code}", s.origin+"/costmap/num").CombinedOutput()
			if err != nil {
				t.Fatalf("curl: %v\n%s", err, out)
			}
			if !strings.HasSuffix(string(out), tc.want) {
				t.Errorf("curl status: %s, want %s", lastLine(out), tc.want)
			}
			if got := sentAlgorithm(out); got != tc.algorithm {
				t.Errorf("curl answered with algorithm %q, want %s:\n%s", got, tc.algorithm, out)
			}
		})
	}
}

// sentAlgorithm returns the algorithm of the Digest Authorization
// header that curl -v shows it sent ("> " lines; over HTTP/2 the header
// name is in lowercase).
func sentAlgorithm(out []byte) string {
	for _, line := range strings.Split(string(out), "\n") {
		if !strings.HasPrefix(strings.ToLower(line), "> authorization: digest ") {
			continue
		}
		_, after, ok := strings.Cut(line, "algorithm=")
		if !ok {
			return ""
		}
		alg, _, _ := strings.Cut(after, ",")
		return strings.TrimSpace(alg)
	}
	return ""
}

func lastLine(out []byte) string {
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return lines[len(lines)-1]
}

func TestDigestClientLibrary(t *testing.T) {
	s := startDigestServer(t, "{}", false)
	tests := []struct {
		name, user, password string
		transport            client.Option
		wantCostMap          bool
	}{
		{"internal client over HTTP/2", "dave", davePassword, client.WithTLSConfig(s.pool), true},
		{"internal client over HTTP/3", "dave", davePassword, client.WithHTTP3(s.pool), true},
		{"client without role", "erin", erinPassword, client.WithTLSConfig(s.pool), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := client.New(s.origin+"/directory", tc.transport, client.WithDigestAuth(tc.user, tc.password))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			ctx := context.Background()
			resources, err := c.Resources(ctx)
			if err != nil {
				t.Fatalf("Resources: %v", err)
			}
			var ids []string
			for _, r := range resources {
				ids = append(ids, r.ID)
			}
			if got := slices.Contains(ids, "num-routing-map"); got != tc.wantCostMap {
				t.Errorf("directory lists %v; num-routing-map listed = %v, want %v", ids, got, tc.wantCostMap)
			}
			if !tc.wantCostMap {
				return
			}
			cm, err := c.CostMap(ctx, "num-routing-map")
			if err != nil {
				t.Fatalf("CostMap: %v", err)
			}
			if len(cm.CostMap) == 0 {
				t.Error("the cost map is empty")
			}
			// A POST request: the Digest transport must send the body
			// again after the 401.
			filtered, err := c.FilteredCostMap(ctx, &alto.CostMapFilter{CostType: alto.CostType{Mode: "numerical", Metric: "routingcost"}})
			if err != nil {
				t.Fatalf("FilteredCostMap: %v", err)
			}
			if len(filtered.CostMap) != len(cm.CostMap) {
				t.Errorf("filtered cost map without PIDs has %d sources, want %d", len(filtered.CostMap), len(cm.CostMap))
			}
		})
	}
}

func TestDigestConcurrentRequests(t *testing.T) {
	s := startDigestServer(t, "{}", false)
	log := &statusLog{}
	c, err := client.New(s.origin+"/directory", client.WithTLSConfig(s.pool),
		client.WithDigestAuth("dave", davePassword), client.WithTransportWrapper(log.wrap))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	if _, err := c.Resources(ctx); err != nil {
		t.Fatalf("Resources: %v", err)
	}
	log.mu.Lock()
	log.entries = nil
	log.mu.Unlock()

	// The requests share one nonce with increasing counts, which may
	// reach the server out of order. None may be rejected.
	const workers, perWorker = 8, 20
	errs := make(chan error, workers*perWorker)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range perWorker {
				_, err := c.FilteredCostMap(ctx, &alto.CostMapFilter{CostType: alto.CostType{Mode: "numerical", Metric: "routingcost"}})
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("FilteredCostMap: %v", err)
		}
	}
	log.mu.Lock()
	defer log.mu.Unlock()
	for _, e := range log.entries {
		if strings.HasPrefix(e, "401 ") {
			t.Errorf("a concurrent request got %s", e)
		}
	}
}

func TestDigestWrongPassword(t *testing.T) {
	s := startDigestServer(t, "{}", false)
	hc := s.httpClient(t)
	status, first, _ := s.get(t, hc, "/costmap/num", "")
	if status != http.StatusUnauthorized {
		t.Fatalf("anonymous request: status %d, want 401", status)
	}
	c := digestChallenge(t, first, "SHA-256")
	status, second, _ := s.get(t, hc, "/costmap/num", authorization(t, c, "dave", "wrong", "/costmap/num", 1))
	if status != http.StatusUnauthorized {
		t.Fatalf("wrong password: status %d, want 401", status)
	}
	fresh := digestChallenge(t, second, "SHA-256")
	if fresh.Nonce == c.Nonce || fresh.Stale {
		t.Errorf("challenge after a wrong password = %s, want a new nonce without stale", fresh)
	}
	digestChallenge(t, second, "MD5")
}

func TestDigestReplayedNonceCount(t *testing.T) {
	s := startDigestServer(t, "{}", false)
	hc := s.httpClient(t)
	_, values, _ := s.get(t, hc, "/costmap/num", "")
	c := digestChallenge(t, values, "MD5")
	auth := authorization(t, c, "dave", davePassword, "/costmap/num", 1)
	steps := []struct {
		name string
		auth string
		want int
	}{
		{"first use", auth, http.StatusOK},
		{"replayed", auth, http.StatusUnauthorized},
		{"next count", authorization(t, c, "dave", davePassword, "/costmap/num", 2), http.StatusOK},
	}
	for _, st := range steps {
		if status, _, _ := s.get(t, hc, "/costmap/num", st.auth); status != st.want {
			t.Errorf("%s: status %d, want %d", st.name, status, st.want)
		}
	}
}

func TestDigestNoncesSurviveReload(t *testing.T) {
	s := startDigestServer(t, "{}", false)
	hc := s.httpClient(t)
	_, values, _ := s.get(t, hc, "/costmap/num", "")
	c := digestChallenge(t, values, "SHA-256")
	first := authorization(t, c, "dave", davePassword, "/costmap/num", 1)
	if status, _, _ := s.get(t, hc, "/costmap/num", first); status != http.StatusOK {
		t.Fatalf("before the reload: status %d, want 200", status)
	}

	// Give erin the role, so that the reload shows in her access.
	data, err := os.ReadFile(s.path)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(data), "clients: [dave]", "clients: [dave, erin]", 1)
	if err := os.WriteFile(s.path, []byte(edited), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.d.Reload(); err != nil {
		t.Fatal(err)
	}

	steps := []struct {
		name string
		auth string
		want int
	}{
		{"count used before the reload", first, http.StatusUnauthorized},
		{"next count of the old nonce", authorization(t, c, "dave", davePassword, "/costmap/num", 2), http.StatusOK},
		{"client given the role by the reload", authorization(t, c, "erin", erinPassword, "/costmap/num", 1), http.StatusOK},
	}
	for _, st := range steps {
		if status, _, _ := s.get(t, hc, "/costmap/num", st.auth); status != st.want {
			t.Errorf("%s: status %d, want %d", st.name, status, st.want)
		}
	}
}

// statusLog records the status and WWW-Authenticate values of every
// response below the Digest transport.
type statusLog struct {
	mu      sync.Mutex
	entries []string
}

func (l *statusLog) wrap(next http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		resp, err := next.RoundTrip(r)
		if err == nil {
			l.mu.Lock()
			l.entries = append(l.entries, fmt.Sprintf("%d %s", resp.StatusCode, strings.Join(resp.Header.Values("WWW-Authenticate"), " | ")))
			l.mu.Unlock()
		}
		return resp, err
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestDigestStaleNonceRetry(t *testing.T) {
	s := startDigestServer(t, "{nonce-lifetime: 1}", false)
	log := &statusLog{}
	c, err := client.New(s.origin+"/directory", client.WithTLSConfig(s.pool),
		client.WithDigestAuth("dave", davePassword), client.WithTransportWrapper(log.wrap))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	if _, err := c.Resources(ctx); err != nil {
		t.Fatalf("Resources: %v", err)
	}
	// Wait until the cached nonce has expired.
	time.Sleep(1500 * time.Millisecond)
	log.mu.Lock()
	log.entries = nil
	log.mu.Unlock()
	if _, err := c.CostMap(ctx, "num-routing-map"); err != nil {
		t.Fatalf("CostMap with an expired nonce: %v", err)
	}
	// The client revalidates the directory (304) and fetches the cost
	// map (200), after one 401 for the expired nonce.
	log.mu.Lock()
	defer log.mu.Unlock()
	if len(log.entries) == 0 || !strings.HasPrefix(log.entries[0], "401 ") || !strings.Contains(log.entries[0], "stale=true") {
		t.Fatalf("responses = %q, want 401 with stale=true first", log.entries)
	}
	for _, e := range log.entries[1:] {
		if !strings.HasPrefix(e, "200 ") && !strings.HasPrefix(e, "304 ") {
			t.Errorf("responses = %q, want only 200 and 304 after the retry", log.entries)
		}
	}
}

func TestDigestPlainHTTPRefused(t *testing.T) {
	s := startDigestServer(t, "{}", true)
	status, values, body := s.get(t, http.DefaultClient, "/costmap/num", "")
	if status != http.StatusForbidden || len(values) != 0 || !strings.Contains(body, "HTTPS only") {
		t.Errorf("anonymous: status %d, challenges %q, body %q; want 403 that asks for HTTPS", status, values, body)
	}
	// The server checks the connection before the credentials, so any
	// Digest header will do.
	auth := `Digest username="dave", realm="ALTO", nonce="x", uri="/costmap/num", response="00", qop=auth, nc=00000001, cnonce="c"`
	status, values, body = s.get(t, http.DefaultClient, "/costmap/num", auth)
	if status != http.StatusForbidden || len(values) != 0 || !strings.Contains(body, "HTTPS only") || strings.Contains(body, "certificate") {
		t.Errorf("Digest over plain HTTP: status %d, challenges %q, body %q; want 403 that asks for HTTPS", status, values, body)
	}
}

func TestDigestPlainHTTPAllowed(t *testing.T) {
	s := startDigestServer(t, "{allow-plain-http: true}", true)
	status, values, _ := s.get(t, http.DefaultClient, "/costmap/num", "")
	if status != http.StatusUnauthorized {
		t.Errorf("anonymous: status %d, want 401", status)
	}
	digestChallenge(t, values, "SHA-256")
	c, err := client.New(s.origin+"/directory", client.WithDigestAuth("dave", davePassword))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.CostMap(context.Background(), "num-routing-map"); err != nil {
		t.Errorf("CostMap over allowed plain HTTP: %v", err)
	}
}
