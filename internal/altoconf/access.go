package altoconf

import (
	"fmt"
	"slices"

	"go.yaml.in/yaml/v3"
)

// access maps auth-client, role and auth-realm to the access section of
// the definition. A client without an authentication method is ignored,
// as ietf-alto requires, and so is its membership in roles.
func (m *mapper) access(srv *yaml.Node, base string) {
	var clients []any
	var ids []string
	for _, e := range contentOf(member(srv, "auth-client", modALTO)) {
		id := member(e, "client-id", modALTO).Value
		path := fmt.Sprintf("%s/auth-client[client-id='%s']", base, id)
		c := m.authClient(e, id, path)
		if c == nil {
			continue
		}
		m.origins[fmt.Sprintf("access.auth-clients[%d]", len(clients))] = origin{path, e.Line}
		clients = append(clients, c)
		ids = append(ids, id)
	}
	var roles []any
	for i, e := range contentOf(member(srv, "role", modALTO)) {
		name := member(e, "role-name", modALTO).Value
		var members []any
		for _, c := range values(member(e, "client", modALTO)) {
			if slices.Contains(ids, c) {
				members = append(members, c)
			}
		}
		roles = append(roles, map[string]any{"role-name": name, "clients": members})
		m.origins[fmt.Sprintf("access.roles[%d]", i)] = origin{fmt.Sprintf("%s/role[role-name='%s']", base, name), e.Line}
	}
	if clients == nil && roles == nil {
		return
	}
	acc := map[string]any{"auth-clients": clients, "roles": roles}
	if realm := member(srv, "auth-realm", modGoalto); realm != nil {
		acc["realm"] = realm.Value
	}
	m.out["access"] = acc
}

// authClient maps one auth-client to a client of the access section, or
// returns nil for one without a method altod supports.
func (m *mapper) authClient(e *yaml.Node, id, path string) map[string]any {
	c := map[string]any{"client-id": id}
	switch {
	case member(e, "basic-auth-client", modGoalto) != nil:
		c["method"] = "basic"
		return m.credential(c, member(e, "basic-auth-client", modGoalto), path+"/goalto-alto:basic-auth-client", "password-hash")
	case member(e, "bearer-auth-client", modGoalto) != nil:
		c["method"] = "bearer"
		return m.credential(c, member(e, "bearer-auth-client", modGoalto), path+"/goalto-alto:bearer-auth-client", "token-hash")
	case member(e, "certificate-auth-client", modGoalto) != nil:
		cert := member(e, "certificate-auth-client", modGoalto)
		c["method"] = "certificate"
		for _, leaf := range []string{"ca-cert", "ee-cert"} {
			if v := member(cert, leaf, modGoalto); v != nil {
				c[leaf] = v.Value
			}
		}
		if len(c) == 2 {
			m.fail(cert, path+"/goalto-alto:certificate-auth-client", "give ca-cert, ee-cert or both")
			return nil
		}
		return c
	}
	return nil
}

// credential copies the required leaf of a password or token method.
func (m *mapper) credential(c map[string]any, params *yaml.Node, path, leaf string) map[string]any {
	v := member(params, leaf, modGoalto)
	if v == nil {
		m.fail(params, path+"/"+leaf, "missing "+leaf)
		return nil
	}
	c[leaf] = v.Value
	return c
}
