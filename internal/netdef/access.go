package netdef

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"github.com/goalto/goalto/internal/access"
)

// validateAccess checks the access section and the accepted roles of
// each resource, which must name roles of that section.
func (d *Definition) validateAccess() error {
	if err := d.Access.Validate(); err != nil {
		var fe *access.FieldError
		if errors.As(err, &fe) {
			return fieldErr("access."+fe.Field, "%w", fe.Err)
		}
		return err
	}
	for i, r := range d.Resources {
		for j, role := range r.AcceptedRoles {
			if !d.Access.HasRole(role) {
				return fieldErr(fmt.Sprintf("resources[%d].accepted-roles[%d]", i, j), "role %q is not defined under access.roles", role)
			}
		}
	}
	return nil
}

// AccessFiles returns the resolved paths of the certificate files of
// the access section.
func (d *Definition) AccessFiles() []string {
	var out []string
	for _, c := range d.Access.Clients {
		for _, f := range []string{c.CACert, c.EECert} {
			if f != "" {
				out = append(out, d.Path(f))
			}
		}
	}
	return out
}

// ReadFile reads a file that the definition names, from FS when it is
// set and otherwise relative to the directory of the definition.
func (d *Definition) ReadFile(name string) ([]byte, error) {
	if d.FS != nil {
		return fs.ReadFile(d.FS, name)
	}
	return os.ReadFile(d.Path(name))
}
