package daemon_test

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/alttest"
	"github.com/goalto/goalto/internal/daemon"
)

// coarseDefinition restricts the main network map to internal clients
// and serves a coarser extra network map with the accepted roles given
// by the format argument.
const coarseDefinition = `network-map: {resource-id: my-network-map}
topology: topology.yaml
cost-types:
  ord-routing: {cost-mode: ordinal, cost-metric: routingcost}
extra-network-maps:
  - resource-id: coarse-map
    default-pid: elsewhere
    pids: {lab: [192.0.2.0/24]}
access:
  allow-plain-http: true # the tests send Basic credentials without TLS
  auth-clients:
    - {client-id: alice, method: basic, password-hash: "%s"}
  roles:
    - {role-name: internal, clients: [alice]}
resources:
  - {id: my-network-map, type: network-map, path: /networkmap, accepted-roles: [internal]}
  - {id: coarse-map, type: network-map, path: /networkmap/coarse%s}
  - {id: ecs, type: endpoint-cost, path: /endpointcost, cost-types: [ord-routing]}
`

// writeCoarseDefinition writes the definition, with coarseRoles as the
// accepted-roles member of the coarse map ("" for a public one), and
// returns its path.
func writeCoarseDefinition(t *testing.T, coarseRoles string) string {
	t.Helper()
	hash, err := bcrypt.GenerateFromPassword([]byte("wonderland"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "network.yaml")
	files := map[string]string{
		path:                                fmt.Sprintf(coarseDefinition, hash, coarseRoles),
		filepath.Join(dir, "topology.yaml"): baseTopology.yaml(),
	}
	for name, text := range files {
		if err := os.WriteFile(name, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

func TestDirectoryDefaultNetworkMapPerRole(t *testing.T) {
	d := alttest.StartConfig(t, daemon.Config{Definition: writeCoarseDefinition(t, "")})
	tests := []struct {
		name string
		auth string
		want string
	}{
		{"anonymous", "", "coarse-map"},
		{"internal", "Basic " + base64.StdEncoding.EncodeToString([]byte("alice:wonderland")), "my-network-map"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, d.IRDURL(), nil)
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
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			var dir alto.Directory
			if err := json.Unmarshal(body, &dir); err != nil {
				t.Fatalf("directory %s: %v", body, err)
			}
			if dir.Meta.DefaultNetworkMap != tc.want {
				t.Errorf("default-alto-network-map = %q, want %q", dir.Meta.DefaultNetworkMap, tc.want)
			}
			if _, listed := dir.Resources[tc.want]; !listed {
				t.Errorf("the directory does not list its default network map %q: %s", tc.want, body)
			}
		})
	}
}

func TestWarningsClientsWithoutNetworkMap(t *testing.T) {
	tests := []struct {
		name        string
		coarseRoles string
		wantWarning bool
	}{
		{"public coarse map", "", false},
		{"restricted coarse map", ", accepted-roles: [internal]", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			snap, err := daemon.Build(writeCoarseDefinition(t, tc.coarseRoles))
			if err != nil {
				t.Fatalf("Build: %v", err)
			}
			var found []string
			for _, w := range daemon.Warnings(snap) {
				if strings.Contains(w, "default-alto-network-map") {
					found = append(found, w)
				}
			}
			if !tc.wantWarning && len(found) > 0 {
				t.Errorf("unexpected warnings: %q", found)
			}
			if tc.wantWarning && (len(found) != 1 || !strings.Contains(found[0], "anonymous")) {
				t.Errorf("warnings %q, want one about clients without a role", found)
			}
		})
	}
}
