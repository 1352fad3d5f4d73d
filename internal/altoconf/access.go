package altoconf

import (
	"fmt"
	"slices"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// access maps auth-client, role, auth-realm and allow-plain-http to the
// access section of the definition. A client without an authentication method is ignored,
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
	if allow := member(srv, "allow-plain-http", modGoalto); allow != nil {
		m.origins["access.allow-plain-http"] = origin{base + "/goalto-alto:allow-plain-http", allow.Line}
		acc["allow-plain-http"] = boolValue(allow)
	}
	if d := m.digestAuth(member(srv, "digest-auth", modGoalto), base+"/goalto-alto:digest-auth"); d != nil {
		acc["digest"] = d
	}
	m.out["access"] = acc
}

// digestAuth maps the digest-auth container to the digest settings of
// the access section, or returns nil when it is absent.
func (m *mapper) digestAuth(n *yaml.Node, path string) map[string]any {
	if n == nil {
		return nil
	}
	m.origins["access.digest"] = origin{path, n.Line}
	d := map[string]any{}
	if v := member(n, "nonce-lifetime", modGoalto); v != nil {
		lifetime, err := strconv.Atoi(v.Value)
		if err != nil {
			m.fail(v, path+"/nonce-lifetime", "invalid nonce-lifetime "+strconv.Quote(v.Value)+": use a number of seconds")
			return nil
		}
		d["nonce-lifetime"] = lifetime
	}
	for _, leaf := range []string{"allow-plain-http", "userhash"} {
		if v := member(n, leaf, modGoalto); v != nil {
			d[leaf] = boolValue(v)
		}
	}
	if algorithms := values(member(n, "algorithm", modGoalto)); len(algorithms) > 0 {
		d["algorithms"] = algorithms
	}
	return d
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
	case member(e, "digest-auth-client", modGoalto) != nil:
		return m.digestClient(c, member(e, "digest-auth-client", modGoalto), path+"/goalto-alto:digest-auth-client")
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

// digestClient copies the HA1 digests of a digest client: ha1-sha256 is
// required and ha1-md5 optional.
func (m *mapper) digestClient(c map[string]any, params *yaml.Node, path string) map[string]any {
	c["method"] = "digest"
	if m.credential(c, params, path, "ha1-sha256") == nil {
		return nil
	}
	if v := member(params, "ha1-md5", modGoalto); v != nil {
		c["ha1-md5"] = v.Value
	}
	return c
}
