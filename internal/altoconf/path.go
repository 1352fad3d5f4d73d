package altoconf

import (
	"fmt"
	"net/url"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/goalto/goalto/internal/yangschema"
)

// step is one segment of a RESTCONF data resource path with its schema
// node: "name", "module:name" or a list entry "name=key1,key2" (RFC 8040,
// Section 3.5.3).
type step struct {
	node *yangschema.Node
	keys []string // decoded key values of a list entry, or nil
}

// parsePath resolves a data resource path, such as
// "ietf-alto:alto/alto-server/resource=my-map", against the schema.
func parsePath(path string) ([]step, error) {
	segs := strings.Split(strings.Trim(path, "/"), "/")
	root := yangschema.Root()
	if segs[0] != TopMember {
		return nil, fmt.Errorf("%w: %s is outside %s", ErrNotFound, path, TopMember)
	}
	out := []step{{node: root}}
	sn := root
	for _, seg := range segs[1:] {
		name, keyPart, hasKeys := strings.Cut(seg, "=")
		mod, local, qualified := strings.Cut(name, ":")
		if !qualified {
			mod, local = sn.Module, name
		}
		c := sn.Child(mod, local)
		if c == nil || !Supported.Enabled(c.IfFeature) {
			return nil, fmt.Errorf("%w: %s has no node %s", ErrNotFound, sn.Path(), name)
		}
		st := step{node: c}
		if hasKeys {
			if c.Kind != yangschema.List {
				return nil, fmt.Errorf("%w: %s is not a list", ErrNotFound, name)
			}
			for _, k := range strings.Split(keyPart, ",") {
				v, err := url.PathUnescape(k)
				if err != nil {
					return nil, fmt.Errorf("%w: invalid key %q: %v", ErrNotFound, k, err)
				}
				st.keys = append(st.keys, v)
			}
			if len(st.keys) != len(c.Keys) {
				return nil, fmt.Errorf("%w: list %s has %d keys", ErrNotFound, name, len(c.Keys))
			}
		}
		out = append(out, st)
		sn = c
	}
	return out, nil
}

// memberKey returns the member name of a step's node in its parent.
func memberKey(st step) string {
	p := st.node.DataParent()
	if p == nil {
		return TopMember
	}
	return memberName(p, st.node)
}

// locate finds the data node of the last step below top, the data node
// of the first step (the value of TopMember). It returns the node, the node that holds it (a
// mapping, or the sequence of a list) and its index in the holder's
// Content, or nil when it does not exist.
func locate(top *yaml.Node, steps []step) (n, holder *yaml.Node, idx int) {
	n, holder, idx = top, nil, -1
	for _, st := range steps[1:] {
		i := memberIndex(n, st)
		if i < 0 {
			return nil, nil, -1
		}
		holder, idx, n = n, i+1, n.Content[i+1]
		if st.keys != nil {
			j := entryIndex(n, st)
			if j < 0 {
				return nil, nil, -1
			}
			holder, idx, n = n, j, n.Content[j]
		}
	}
	return n, holder, idx
}

// memberIndex returns the index of the key of a step's member in the
// mapping m, written with or without its module, or -1.
func memberIndex(m *yaml.Node, st step) int {
	if m == nil || m.Kind != yaml.MappingNode {
		return -1
	}
	names := []string{memberKey(st), st.node.Module + ":" + st.node.Name}
	for i := 0; i+1 < len(m.Content); i += 2 {
		for _, n := range names {
			if m.Content[i].Value == n {
				return i
			}
		}
	}
	return -1
}

// entryIndex returns the index of the list entry with the step's keys.
func entryIndex(seq *yaml.Node, st step) int {
	if seq.Kind != yaml.SequenceNode {
		return -1
	}
	for j, e := range seq.Content {
		if entryHasKeys(e, st.node, st.keys) {
			return j
		}
	}
	return -1
}

func entryHasKeys(e *yaml.Node, list *yangschema.Node, keys []string) bool {
	for i, k := range list.Keys {
		v := mapValue(e, k)
		if v == nil || v.Value != keys[i] {
			return false
		}
	}
	return true
}
