package daemon_test

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/alttest"
	"github.com/goalto/goalto/internal/daemon"
	"github.com/goalto/goalto/internal/testcert"
)

// doHeaders gets a path with every Authorization value in auth, as
// separate header lines, and returns the response with its body read.
func (s *accessServer) doHeaders(t *testing.T, path string, auth []string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.origin+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range auth {
		req.Header.Add("Authorization", a)
	}
	resp, err := s.anonymous.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func TestAccessSeveralAuthorizationHeaders(t *testing.T) {
	s := startAccessServer(t)
	tests := []struct {
		name string
		auth []string
	}{
		{"basic and invalid bearer", []string{s.basic(s.password), "Bearer nonsense"}},
		{"invalid bearer and basic", []string{"Bearer nonsense", s.basic(s.password)}},
		{"same basic twice", []string{s.basic(s.password), s.basic(s.password)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := s.doHeaders(t, "/costmap/num", tc.auth)
			if resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("status = %d, want 400: %s", resp.StatusCode, body)
			}
			if got := mediaTypeOf(resp.Header); got != "text/plain" {
				t.Errorf("Content-Type = %q, want text/plain", got)
			}
			if strings.Contains(string(body), "cost-map") {
				t.Errorf("the rejected request got cost map content: %s", body)
			}
		})
	}
	if got := s.rejections(t, "auth_failed"); got != float64(len(tests)) {
		t.Errorf("auth_failed = %v, want %d", got, len(tests))
	}
}

func TestAccessBearerErrorOnlyForTokens(t *testing.T) {
	s := startAccessServer(t)
	tests := []struct {
		name       string
		auth       string
		wantBearer string
	}{
		{"wrong password", s.basic("guess"), `Bearer realm="ALTO"`},
		{"unknown scheme", "Negotiate abc", `Bearer realm="ALTO"`},
		{"no credentials", "", `Bearer realm="ALTO"`},
		{"wrong token", "Bearer nope", `Bearer realm="ALTO", error="invalid_token"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var auth []string
			if tc.auth != "" {
				auth = []string{tc.auth}
			}
			resp, body := s.doHeaders(t, "/costmap/num", auth)
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("status = %d, want 401: %s", resp.StatusCode, body)
			}
			challenges := resp.Header.Values("WWW-Authenticate")
			if !slices.Contains(challenges, tc.wantBearer) {
				t.Errorf("WWW-Authenticate = %q, want %q among them", challenges, tc.wantBearer)
			}
		})
	}
}

// multiCostMap is a filtered cost map that returns at most one cost type
// per request, fewer than the server-wide --max-cost-types.
const multiCostMap = "  - {id: multi-cost, type: filtered-cost-map, path: /costmap/multi, cost-types: [num-routing, ord-routing], max-cost-types: 1}\n"

func TestRejectionsCountedByReason(t *testing.T) {
	s := startAccessServer(t)
	s.editDefinition(t, "  - {id: public-stream", multiCostMap+"  - {id: public-stream")
	if err := s.d.Reload(); err != nil {
		t.Fatalf("Reload: %v", err)
	}
	alice := s.basic(s.password)
	status, _, body := s.do(t, s.anonymous, http.MethodPost, "/tips", alice, alto.MediaTypeTIPSParams, `{"resource-id": "num-routing-map"}`)
	if status != http.StatusOK {
		t.Fatalf("opening a view: status %d: %s", status, body)
	}
	var open tipsResponse
	if err := json.Unmarshal(body, &open); err != nil {
		t.Fatalf("open response %s: %v", body, err)
	}
	view := strings.TrimPrefix(open.TIPSViewURI, s.origin)
	huge := `{"resource-id": "num-routing-map", "tag": "` + strings.Repeat("x", 70<<10) + `"}`
	twoTypes := `{"multi-cost-types": [{"cost-mode": "numerical", "cost-metric": "routingcost"}, {"cost-mode": "ordinal", "cost-metric": "routingcost"}]}`

	tests := []struct {
		name        string
		path        string
		contentType string
		body        string
		wantStatus  int
		reason      string
	}{
		{"multi-cost over resource max-cost-types", "/costmap/multi", alto.MediaTypeCostMapFilter, twoTypes, http.StatusBadRequest, "cost_types"},
		{"TIPS next edge body over 64 KiB", view + "/ug", alto.MediaTypeTIPSParams, huge, http.StatusRequestEntityTooLarge, "body_too_large"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := s.rejections(t, tc.reason)
			status, _, body := s.do(t, s.anonymous, http.MethodPost, tc.path, alice, tc.contentType, tc.body)
			if status != tc.wantStatus {
				t.Fatalf("status = %d, want %d: %.200s", status, tc.wantStatus, body)
			}
			if got := s.rejections(t, tc.reason) - before; got != 1 {
				t.Errorf("%s rose by %v, want 1", tc.reason, got)
			}
		})
	}
}

// certificateOnlyDefinition has certificate clients only, so a 401
// response would have no challenge to offer.
const certificateOnlyDefinition = `network-map: {resource-id: test-network-map}
topology: topology.yaml
access:
  auth-clients:
    - {client-id: cdn-1, method: certificate, ca-cert: ca.pem}
  roles:
    - {role-name: internal, clients: [cdn-1]}
resources:
  - {id: test-network-map, type: network-map, path: /networkmap, accepted-roles: [internal]}
`

func TestCertificateOnlyRejectsBasicWith403(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"network.yaml":  certificateOnlyDefinition,
		"topology.yaml": baseTopology.yaml(),
		"ca.pem":        string(testcert.NewCA(t, "client CA").PEM),
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	d := alttest.StartConfig(t, daemon.Config{Definition: filepath.Join(dir, "network.yaml")})
	origin := strings.TrimSuffix(d.IRDURL(), "/directory")
	tests := []struct {
		name string
		auth string
	}{
		{"basic credentials", "Basic " + base64.StdEncoding.EncodeToString([]byte("alice:correct horse"))},
		{"bearer token", "Bearer nonsense"},
		{"no credentials", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, origin+"/networkmap", nil)
			if err != nil {
				t.Fatal(err)
			}
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != http.StatusForbidden {
				t.Fatalf("status = %d, want 403: %s", resp.StatusCode, body)
			}
			if got := resp.Header.Values("WWW-Authenticate"); len(got) > 0 {
				t.Errorf("WWW-Authenticate = %q, want none", got)
			}
		})
	}
}
