package restconf

import (
	"strings"

	"github.com/goalto/goalto/internal/yangschema"
)

// schemaNodes resolves the segments of a path under ietf-alto:alto
// against the schema tables; an entry is nil where the schema has no
// such node, and every entry is nil for a path outside ietf-alto:alto.
func schemaNodes(segs []segment) []*yangschema.Node {
	out := make([]*yangschema.Node, len(segs))
	root := yangschema.Root()
	if len(segs) == 0 || segs[0].Module != root.Module || segs[0].Name != root.Name {
		return out
	}
	out[0] = root
	for i := 1; i < len(segs) && out[i-1] != nil; i++ {
		mod := segs[i].Module
		if mod == "" {
			mod = out[i-1].Module
		}
		out[i] = out[i-1].Child(mod, segs[i].Name)
	}
	return out
}

// keysOf returns the key leaves of the list a segment names: from the
// schema, or from listKeys for lists the schema tables lack.
func keysOf(seg segment, n *yangschema.Node) []string {
	if n != nil && n.Kind == yangschema.List {
		return n.Keys
	}
	if k := listKeys[seg.Name]; k != "" {
		return []string{k}
	}
	return nil
}

// instanceID returns the instance identifier of a path, such as
// "/ietf-alto:alto/alto-server/resource[resource-id='m']", the form of
// error-path (RFC 8040, Section 7.1; RFC 7951, Section 6.11).
func instanceID(segs []segment) string {
	nodes := schemaNodes(segs)
	var b strings.Builder
	prevMod := ""
	for i, seg := range segs {
		b.WriteString("/")
		mod := seg.Module
		if mod == "" && nodes[i] != nil {
			mod = nodes[i].Module
		}
		if mod != "" && mod != prevMod {
			b.WriteString(mod + ":")
		}
		if mod != "" {
			prevMod = mod
		}
		b.WriteString(seg.Name)
		keys := keysOf(seg, nodes[i])
		for j, v := range seg.Keys {
			if j < len(keys) {
				b.WriteString("[" + keys[j] + "=" + quoteXPath(v) + "]")
			}
		}
	}
	return b.String()
}

// quoteXPath quotes a key value as an XPath string literal.
func quoteXPath(v string) string {
	if strings.Contains(v, "'") {
		return `"` + v + `"`
	}
	return "'" + v + "'"
}
