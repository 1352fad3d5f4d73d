package restconf

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sort"
)

// Module is one YANG module that the server implements or imports, for
// the YANG library (RFC 8525).
type Module struct {
	Name      string
	Revision  string // "YYYY-MM-DD", or "" for a module without one
	Namespace string
	// Features are the features of the module that the server supports.
	Features []string
	// ImportOnly marks a module whose definitions are used by others but
	// whose data nodes the server does not implement.
	ImportOnly bool
}

// libraryRevision is the revision of ietf-yang-library that the YANG
// library follows (RFC 8525), sent as yang-library-version (RFC 8040,
// Section 3.3.3).
const libraryRevision = "2019-01-04"

// Names of the one module set, schema and the datastores they describe.
const (
	moduleSetName = "altod"
	schemaName    = "altod"
)

// yangLibrary returns the ietf-yang-library:yang-library container
// (RFC 8525, Section 4) of modules, with a content-id that changes when
// the modules or their features change.
func yangLibrary(modules []Module) map[string]any {
	sorted := append([]Module(nil), modules...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	var implemented, importOnly []map[string]any
	for _, m := range sorted {
		entry := map[string]any{"name": m.Name, "namespace": m.Namespace}
		if m.Revision != "" {
			entry["revision"] = m.Revision
		}
		if m.ImportOnly {
			importOnly = append(importOnly, entry)
			continue
		}
		if len(m.Features) > 0 {
			entry["feature"] = append([]string(nil), m.Features...)
		}
		implemented = append(implemented, entry)
	}
	set := map[string]any{"name": moduleSetName, "module": nonNil(implemented)}
	if len(importOnly) > 0 {
		set["import-only-module"] = importOnly
	}
	lib := map[string]any{
		"module-set": []any{set},
		"schema":     []any{map[string]any{"name": schemaName, "module-set": []string{moduleSetName}}},
		"datastore": []any{
			map[string]any{"name": "ietf-datastores:running", "schema": schemaName},
			map[string]any{"name": "ietf-datastores:operational", "schema": schemaName},
		},
	}
	lib["content-id"] = contentID(set)
	return lib
}

// contentID returns a short digest of v's JSON encoding.
func contentID(v any) string {
	b, _ := json.Marshal(v)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}

func nonNil(v []map[string]any) []map[string]any {
	if v == nil {
		return []map[string]any{}
	}
	return v
}
