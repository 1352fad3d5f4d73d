package snapshot

import (
	"errors"
	"strings"

	"github.com/goalto/goalto/internal/access"
	"github.com/goalto/goalto/internal/netdef"
)

// buildAccess compiles the access section of the definition; it leaves
// Access nil when the section is empty.
func (s *Snapshot) buildAccess(def *netdef.Definition) error {
	if !def.Access.Enabled() {
		return nil
	}
	p, err := access.Compile(def.Access, def.ReadFile)
	if err != nil {
		var fe *access.FieldError
		if errors.As(err, &fe) {
			return def.FieldError("access."+fe.Field, fe.Err)
		}
		return def.FieldError("access", err)
	}
	s.Access = p
	return nil
}

// LookupFor returns the resource served at a URI path to a client, and
// whether the client may read it. A directory comes in the version
// encoded for the client's role set, which lists only the resources the
// client may read. Without an access section, every resource is allowed.
func (s *Snapshot) LookupFor(path string, id access.Identity) (*Resource, bool) {
	res := s.byPath[path]
	if res == nil || s.Access == nil {
		return res, true
	}
	if !id.Allowed(res.AcceptedRoles) {
		return res, false
	}
	if res.Type == netdef.TypeDirectory {
		if v := s.directories[id.RoleKey()][path]; v != nil {
			return v, true
		}
		return s.directories[""][path], true
	}
	return res, true
}

// ReadableBy reports whether a client that an earlier snapshot
// authenticated as id may read res under the access section of s, for
// update streams and TIPS long polls that outlive a reload. The client's
// roles are those that s gives its client ID. A client that s no longer
// configures may read nothing, because s rejects its credentials, and an
// anonymous one may read the public resources.
//
// NOTE: credentials are not checked again. A reload that changes only a
// client's password, token or accepted certificates leaves its open
// streams and long polls to it, while its next requests authenticate
// anew.
func (s *Snapshot) ReadableBy(id access.Identity, res *Resource) bool {
	if s.Access == nil {
		return true
	}
	if id.Anonymous() {
		return len(res.AcceptedRoles) == 0
	}
	current, ok := s.Access.Client(id.ClientID)
	return ok && current.Allowed(res.AcceptedRoles)
}

// rolesCover reports whether every client that may read a resource with
// accepted roles outer may also read one with accepted roles inner.
func rolesCover(outer, inner []string) bool {
	if len(inner) == 0 {
		return true
	}
	if len(outer) == 0 {
		return false
	}
	for _, r := range outer {
		if !access.Allowed([]string{r}, inner) {
			return false
		}
	}
	return true
}

// encodeRoleDirectories encodes each directory once per role set of the
// access policy, listing only what that role set may read.
func (s *Snapshot) encodeRoleDirectories(def *netdef.Definition, dirs []netdef.Resource) error {
	byID := map[string]*Resource{}
	for _, r := range s.Resources {
		byID[r.ID] = r
	}
	s.directories = map[string]map[string]*Resource{}
	for _, roles := range s.Access.RoleSets() {
		key := strings.Join(roles, ",")
		visible := func(id string) bool {
			r := byID[id]
			return r == nil || access.Allowed(roles, r.AcceptedRoles)
		}
		s.directories[key] = map[string]*Resource{}
		for _, d := range dirs {
			if d.Path[0] != '/' {
				continue
			}
			body, err := s.encodeDirectoryFor(def, d.ID, visible)
			if err != nil {
				return err
			}
			res, err := newGetResource(d, s.byPath[d.Path].MediaType, body)
			if err != nil {
				return err
			}
			s.directories[key][d.Path] = res
		}
	}
	return nil
}
