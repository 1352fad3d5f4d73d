package daemon

import (
	"fmt"
	"strings"

	"github.com/goalto/goalto/internal/access"
	"github.com/goalto/goalto/internal/netdef"
	"github.com/goalto/goalto/internal/snapshot"
)

// accessWarnings warns of each role set of the access section whose
// clients may read resources but no network map in the root directory.
// Their root directory then has no default-alto-network-map, which RFC
// 7285, Section 9.2.2 requires.
func accessWarnings(s *snapshot.Snapshot) []string {
	if s.Access == nil {
		return nil
	}
	var out []string
	for _, roles := range s.Access.RoleSets() {
		readable, maps := readableCounts(s, roles)
		if readable == 0 || maps > 0 {
			continue
		}
		clients := "clients without a role, anonymous ones included,"
		fix := "make a network map public (no accepted-roles), such as a coarser extra network map"
		if len(roles) > 0 {
			clients = fmt.Sprintf("clients with roles [%s]", strings.Join(roles, ", "))
			fix = "add one of their roles to the accepted-roles of a network map, such as a coarser extra network map"
		}
		noun := "resources"
		if readable == 1 {
			noun = "resource"
		}
		out = append(out, fmt.Sprintf("%s may read %d %s but no network map in the root directory, so their root directory has no default-alto-network-map, which RFC 7285, Section 9.2.2 requires: %s",
			clients, readable, noun, fix))
	}
	return out
}

// readableCounts returns how many resources other than directories a
// client with roles may read, and how many of them are network maps of
// the root directory.
func readableCounts(s *snapshot.Snapshot, roles []string) (readable, maps int) {
	for _, r := range s.Resources {
		if r.Type == netdef.TypeDirectory || !access.Allowed(roles, r.AcceptedRoles) {
			continue
		}
		readable++
		if r.Type == netdef.TypeNetworkMap && r.Directory == "" {
			maps++
		}
	}
	return readable, maps
}
