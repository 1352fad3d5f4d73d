package restconf

import (
	"fmt"
	"net/url"
	"strings"
)

// segment is one step of a RESTCONF data resource path (RFC 8040,
// Section 3.5.3): an optional module name, a node name and, for a list
// entry, its key values, percent-decoded.
type segment struct {
	Module string
	Name   string
	Keys   []string
	HasKey bool
}

// parsePath splits the escaped path below /restconf/data into segments.
// The first segment must name its module (RFC 8040, Section 3.5.3.1).
func parsePath(escaped string) ([]segment, error) {
	if escaped == "" {
		return nil, nil
	}
	parts := strings.Split(escaped, "/")
	segs := make([]segment, 0, len(parts))
	for i, p := range parts {
		seg, err := parseSegment(p)
		if err != nil {
			return nil, fmt.Errorf("path segment %d %q: %w", i+1, p, err)
		}
		if i == 0 && seg.Module == "" {
			return nil, fmt.Errorf("path segment 1 %q: the first node must be qualified by its module name, as in ietf-alto:alto", p)
		}
		segs = append(segs, seg)
	}
	return segs, nil
}

func parseSegment(p string) (segment, error) {
	var seg segment
	name, keys, hasKey := strings.Cut(p, "=")
	if module, local, ok := strings.Cut(name, ":"); ok {
		seg.Module, name = module, local
		if !isIdentifier(module) {
			return seg, fmt.Errorf("invalid module name %q", module)
		}
	}
	if !isIdentifier(name) {
		return seg, fmt.Errorf("invalid node name %q", name)
	}
	seg.Name, seg.HasKey = name, hasKey
	if !hasKey {
		return seg, nil
	}
	for _, k := range strings.Split(keys, ",") {
		v, err := url.PathUnescape(k)
		if err != nil {
			return seg, fmt.Errorf("invalid percent-encoding in key %q", k)
		}
		seg.Keys = append(seg.Keys, v)
	}
	return seg, nil
}

// isIdentifier reports whether s is a YANG identifier (RFC 7950,
// Section 6.2).
func isIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z':
		case i > 0 && (r == '-' || r == '.' || r >= '0' && r <= '9'):
		default:
			return false
		}
	}
	return true
}

// memberName returns the RFC 7951 member name of the last segment in a
// reply: the module-qualified name, with the module of the closest
// segment that names one.
func memberName(segs []segment) string {
	last := segs[len(segs)-1]
	module := last.Module
	for i := len(segs) - 1; module == "" && i >= 0; i-- {
		module = segs[i].Module
	}
	return module + ":" + last.Name
}
