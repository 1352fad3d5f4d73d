package daemon_test

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/alttest"
	"github.com/goalto/goalto/internal/daemon"
	"github.com/goalto/goalto/internal/metrics"
	"github.com/goalto/goalto/internal/sse"
	"github.com/goalto/goalto/internal/testcert"
	"github.com/goalto/goalto/internal/tips"
)

// accessDefinition serves numerical costs to internal clients only and
// ordinal costs, the coarser view, to every client.
const accessDefinition = `network-map:
  resource-id: test-network-map
topology: topology.yaml
cost-types:
  num-routing: {cost-mode: numerical, cost-metric: routingcost}
  ord-routing: {cost-mode: ordinal, cost-metric: routingcost}
access:
  auth-clients:
    - {client-id: alice, method: basic, password-hash: "%s"}
    - {client-id: partner, method: bearer, token-hash: "%s"}
    - {client-id: cdn-1, method: certificate, ca-cert: ca.pem}
  roles:
    - {role-name: internal, clients: [alice, cdn-1]}
    - {role-name: external, clients: [partner]}
resources:
  - {id: test-network-map, type: network-map, path: /networkmap}
  - {id: num-routing-map, type: cost-map, path: /costmap/num, cost-types: [num-routing], accepted-roles: [internal]}
  - {id: ord-routing-map, type: cost-map, path: /costmap/ord, cost-types: [ord-routing]}
  - {id: endpoint-cost, type: endpoint-cost, path: /endpointcost, cost-types: [ord-routing], accepted-roles: [internal, external]}
  - {id: internal-tips, type: tips, path: /tips, accepted-roles: [internal]}
  - {id: public-stream, type: update-stream, path: /updates}
%s`

// accessServer is a TLS server with the access definition and clients
// of each kind.
type accessServer struct {
	d                        *daemon.Daemon
	reg                      *metrics.Registry
	origin                   string
	anonymous, withCert      *http.Client
	dir                      string
	password, token          string
	caPEM                    []byte
	clientCert, strangerCert tls.Certificate
	tips                     *tips.Service
}

func writeAccessDefinition(t *testing.T, dir, extra string) string {
	t.Helper()
	hash, err := bcrypt.GenerateFromPassword([]byte("wonderland"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte("partner-token"))
	def := fmt.Sprintf(accessDefinition, hash, "sha256:"+hex.EncodeToString(sum[:]), extra)
	path := filepath.Join(dir, "network.yaml")
	for name, text := range map[string]string{path: def, filepath.Join(dir, "topology.yaml"): baseTopology.yaml()} {
		if err := os.WriteFile(name, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

func startAccessServer(t *testing.T) *accessServer {
	t.Helper()
	dir := t.TempDir()
	ca := testcert.NewCA(t, "client CA")
	other := testcert.NewCA(t, "other CA")
	if err := os.WriteFile(filepath.Join(dir, "ca.pem"), ca.PEM, 0o644); err != nil {
		t.Fatal(err)
	}
	def := writeAccessDefinition(t, dir, "")
	serverCert := testcert.Write(t, filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"), "alto")
	reg := metrics.New()
	tipsService := tips.New(tips.Config{})
	cfg := daemon.Config{Definition: def, Metrics: reg, Services: daemon.ServicesWith(sse.Config{}, tipsService.Register)}
	cfg.Transport.CertFile, cfg.Transport.KeyFile = serverCert.CertFile, serverCert.KeyFile
	d := alttest.StartConfig(t, cfg)
	s := &accessServer{
		d:            d,
		reg:          reg,
		origin:       strings.TrimSuffix(d.IRDURL(), "/directory"),
		anonymous:    testcert.H1Client(t, serverCert.Pool()),
		dir:          dir,
		password:     "wonderland",
		token:        "partner-token",
		caPEM:        ca.PEM,
		clientCert:   testcert.Issue(t, &ca, "cdn-1"),
		strangerCert: testcert.Issue(t, &other, "cdn-1"),
		tips:         tipsService,
	}
	s.withCert = certClient(t, serverCert.Pool(), s.clientCert)
	return s
}

func certClient(t *testing.T, pool *x509.CertPool, cert tls.Certificate) *http.Client {
	t.Helper()
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, Certificates: []tls.Certificate{cert}}}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

// do sends a request with an Authorization header ("" for none) and
// returns the status, the WWW-Authenticate values and the body.
func (s *accessServer) do(t *testing.T, c *http.Client, method, path, auth, contentType, body string) (int, []string, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, s.origin+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Values("WWW-Authenticate"), data
}

func (s *accessServer) basic(password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte("alice:"+password))
}

// directoryIDs returns the resource IDs that a directory response lists
// and the uses of each.
func directoryIDs(t *testing.T, body []byte) ([]string, map[string][]string) {
	t.Helper()
	var dir alto.Directory
	if err := json.Unmarshal(body, &dir); err != nil {
		t.Fatalf("directory: %v: %s", err, body)
	}
	var ids []string
	uses := map[string][]string{}
	for id, e := range dir.Resources {
		ids = append(ids, id)
		uses[id] = e.Uses
	}
	slices.Sort(ids)
	return ids, uses
}

func TestAccessDirectoryPerRole(t *testing.T) {
	s := startAccessServer(t)
	tests := []struct {
		name   string
		client *http.Client
		auth   string
		want   []string
	}{
		{"anonymous", s.anonymous, "", []string{"ord-routing-map", "public-stream", "test-network-map"}},
		{"external bearer", s.anonymous, "Bearer " + s.token, []string{"endpoint-cost", "ord-routing-map", "public-stream", "test-network-map"}},
		{"internal basic", s.anonymous, s.basic(s.password), []string{"endpoint-cost", "internal-tips", "num-routing-map", "ord-routing-map", "public-stream", "test-network-map"}},
		{"internal certificate", s.withCert, "", []string{"endpoint-cost", "internal-tips", "num-routing-map", "ord-routing-map", "public-stream", "test-network-map"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, _, body := s.do(t, tc.client, http.MethodGet, "/directory", tc.auth, "", "")
			if status != http.StatusOK {
				t.Fatalf("status %d: %s", status, body)
			}
			ids, uses := directoryIDs(t, body)
			if !slices.Equal(ids, tc.want) {
				t.Errorf("directory lists %v, want %v", ids, tc.want)
			}
			if got := uses["public-stream"]; !slices.Equal(got, []string{"test-network-map", "ord-routing-map"}) {
				t.Errorf("public-stream uses %v, want only the public maps", got)
			}
			if strings.Contains(string(body), "num-routing") && !slices.Contains(tc.want, "num-routing-map") {
				t.Errorf("directory names the numerical cost type to a client without access: %s", body)
			}
		})
	}
}

func TestAccessResourceStatus(t *testing.T) {
	s := startAccessServer(t)
	stranger := certClient(t, s.anonymous.Transport.(*http.Transport).TLSClientConfig.RootCAs, s.strangerCert)
	tests := []struct {
		name      string
		client    *http.Client
		path      string
		auth      string
		want      int
		challenge bool
	}{
		{"public map anonymous", s.anonymous, "/costmap/ord", "", http.StatusOK, false},
		{"restricted map anonymous", s.anonymous, "/costmap/num", "", http.StatusUnauthorized, true},
		{"restricted map wrong role", s.anonymous, "/costmap/num", "Bearer " + s.token, http.StatusForbidden, false},
		{"restricted map basic", s.anonymous, "/costmap/num", s.basic(s.password), http.StatusOK, false},
		{"restricted map certificate", s.withCert, "/costmap/num", "", http.StatusOK, false},
		{"restricted map stranger certificate", stranger, "/costmap/num", "", http.StatusUnauthorized, true},
		{"wrong password on public map", s.anonymous, "/networkmap", s.basic("guess"), http.StatusUnauthorized, true},
		{"wrong token on public map", s.anonymous, "/networkmap", "Bearer nope", http.StatusUnauthorized, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, challenges, body := s.do(t, tc.client, http.MethodGet, tc.path, tc.auth, "", "")
			if status != tc.want {
				t.Fatalf("status = %d, want %d: %s", status, tc.want, body)
			}
			if tc.challenge && (len(challenges) != 2 || !strings.HasPrefix(challenges[0], "Basic ") || !strings.HasPrefix(challenges[1], "Bearer ")) {
				t.Errorf("WWW-Authenticate = %q, want Basic and Bearer challenges", challenges)
			}
			if status != http.StatusOK && strings.Contains(string(body), "cost-map") {
				t.Errorf("a rejected request got cost map content: %s", body)
			}
		})
	}
}

func TestAccessIncrementalUpdates(t *testing.T) {
	s := startAccessServer(t)
	open := `{"resource-id": "num-routing-map"}`
	t.Run("TIPS open without role", func(t *testing.T) {
		status, _, body := s.do(t, s.anonymous, http.MethodPost, "/tips", "Bearer "+s.token, alto.MediaTypeTIPSParams, open)
		if status != http.StatusForbidden {
			t.Fatalf("status = %d, want 403: %s", status, body)
		}
	})
	var view struct {
		URI string `json:"tips-view-uri"`
	}
	t.Run("TIPS open with role", func(t *testing.T) {
		status, _, body := s.do(t, s.anonymous, http.MethodPost, "/tips", s.basic(s.password), alto.MediaTypeTIPSParams, open)
		if status != http.StatusOK {
			t.Fatalf("status = %d: %s", status, body)
		}
		if err := json.Unmarshal(body, &view); err != nil || view.URI == "" {
			t.Fatalf("TIPS response %s: %v", body, err)
		}
	})
	t.Run("TIPS view without role", func(t *testing.T) {
		if view.URI == "" {
			t.Skip("no view was opened")
		}
		status, _, body := s.do(t, s.anonymous, http.MethodGet, strings.TrimPrefix(view.URI, s.origin)+"/ug/0/1", "Bearer "+s.token, "", "")
		if status != http.StatusForbidden {
			t.Fatalf("status = %d, want 403: %s", status, body)
		}
	})
	t.Run("public stream of restricted map", func(t *testing.T) {
		req := `{"add": {"1": {"resource-id": "num-routing-map"}}}`
		status, _, body := s.do(t, s.anonymous, http.MethodPost, "/updates", "", alto.MediaTypeUpdateStreamParams, req)
		if status != http.StatusBadRequest || !strings.Contains(string(body), alto.ErrInvalidFieldValue.String()) {
			t.Fatalf("status = %d, want 400 %s: %s", status, alto.ErrInvalidFieldValue, body)
		}
	})
}

func TestAccessRejectsLeakyDefinitions(t *testing.T) {
	tests := []struct {
		name, extra, want string
	}{
		{"stream uses restricted map", "  - {id: leaky-stream, type: update-stream, path: /leaky, uses: [num-routing-map]}\n", "accepts fewer roles"},
		{"undefined role", "  - {id: other-map, type: cost-map, path: /other, cost-types: [ord-routing], accepted-roles: [admin]}\n", "accepted-roles[0]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "ca.pem"), testcert.NewCA(t, "ca").PEM, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := daemon.Build(writeAccessDefinition(t, dir, tc.extra))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Build = %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

// rejections returns the value of the rejected requests counter of a
// reason.
func (s *accessServer) rejections(t *testing.T, reason string) float64 {
	t.Helper()
	return alttest.Rejections(t, s.reg.Gatherer(), reason)
}

func TestAccessRejectionsCounted(t *testing.T) {
	s := startAccessServer(t)
	for range 3 {
		s.do(t, s.anonymous, http.MethodGet, "/costmap/num", "Bearer "+s.token, "", "")
	}
	s.do(t, s.anonymous, http.MethodGet, "/networkmap", "Bearer wrong", "", "")
	if got := s.rejections(t, "access_denied"); got != 3 {
		t.Errorf("access_denied = %v, want 3", got)
	}
	if got := s.rejections(t, "auth_failed"); got != 1 {
		t.Errorf("auth_failed = %v, want 1", got)
	}
}
