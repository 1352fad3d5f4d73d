package netdef_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/goalto/goalto/internal/netdef"
)

// FuzzParse checks that any definition text either parses or fails
// with an *Error naming the file, and that Parse reads no files.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*.yaml")
	for _, name := range seeds {
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("network-map: {pids: group}\ngroups:\n  - {pid: a, prefixes: [192.0.2.0/24]}\n"))
	f.Add([]byte("access:\n  auth-clients:\n    - {client-id: a, method: bearer, token-hash: \"sha256:" +
		"0000000000000000000000000000000000000000000000000000000000000000\"}\n  roles:\n    - {role-name: r, clients: [a]}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		def, err := netdef.Parse(data, "fuzz/definition.yaml")
		if err != nil {
			var e *netdef.Error
			if !errors.As(err, &e) || e.File != "fuzz/definition.yaml" {
				t.Fatalf("Parse error %v is not an *Error naming the file", err)
			}
			return
		}
		if def.Directory == "" || len(def.Resources) == 0 {
			t.Fatalf("a parsed definition lacks its defaults: directory %q, %d resources", def.Directory, len(def.Resources))
		}
	})
}
