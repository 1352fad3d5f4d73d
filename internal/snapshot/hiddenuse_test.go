package snapshot

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goalto/goalto/internal/netdef"
)

// hiddenUseDefinition restricts the network map to the roles of its
// parameter and gives the cost map that uses it the resource line of
// its second parameter.
const hiddenUseDefinition = `network-map:
  resource-id: main-map
  pids: group
groups:
  - {pid: PID1, prefixes: [192.0.2.0/25]}
  - {pid: PID2, prefixes: [192.0.2.128/25]}
costs:
  routingcost:
    PID1: {PID2: 1}
cost-types:
  ord-routing: {cost-mode: ordinal, cost-metric: routingcost}
access:
  auth-clients:
    - {client-id: ops, method: bearer, token-hash: "sha256:0000000000000000000000000000000000000000000000000000000000000000"}
    - {client-id: cdn, method: bearer, token-hash: "sha256:1111111111111111111111111111111111111111111111111111111111111111"}
  roles:
    - {role-name: internal, clients: [ops]}
    - {role-name: partner, clients: [cdn]}
resources:
  - {id: main-map, type: network-map, path: /networkmap, accepted-roles: [internal]}
  - {id: ord-routing-map, type: cost-map, path: /costmap/ord, cost-types: [ord-routing]ROLES}
`

func TestHiddenUseError(t *testing.T) {
	tests := []struct {
		name, roles, want string
	}{
		{"public resource", "",
			"resources[1].accepted-roles: without accepted-roles, ord-routing-map is public, but it uses main-map, which only roles [internal] may read; give ord-routing-map accepted-roles or make main-map public"},
		{"other role", ", accepted-roles: [partner]",
			"resources[1].accepted-roles: ord-routing-map accepts roles [partner], but it uses main-map, which only roles [internal] may read; give main-map the accepted-roles of ord-routing-map or more"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			text := strings.Replace(hiddenUseDefinition, "ROLES", tc.roles, 1)
			def, err := netdef.Parse([]byte(text), filepath.Join(t.TempDir(), "net.yaml"))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			_, err = Build(def)
			var e *netdef.Error
			if !errors.As(err, &e) {
				t.Fatalf("Build: %v, want *netdef.Error", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q\nlacks %q", err, tc.want)
			}
		})
	}
}
