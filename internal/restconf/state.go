package restconf

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
)

// State supplies the operational state that the Datastore does not
// hold: the ietf-alto-stats containers of the server and its resources.
// It must be safe for concurrent use.
type State interface {
	// ServerStats returns the members of
	// ietf-alto-stats:server-level-stats, RFC 7951 encoded.
	ServerStats() map[string]any
	// ResourceStats returns the members of
	// ietf-alto-stats:resource-level-stats, by resource ID.
	ResourceStats() map[string]map[string]any
}

// Member names of ietf-alto-stats in RFC 7951 JSON; nodes of another
// module than their parent carry its name (RFC 7951, Section 4).
const (
	serverStatsMember   = "ietf-alto-stats:server-level-stats"
	resourceStatsMember = "ietf-alto-stats:resource-level-stats"
	altoMember          = "ietf-alto:alto"
)

// listKeys are the key leaves of the lists of ietf-alto, by list name,
// for list entries in paths and for merging state into configuration.
var listKeys = map[string]string{
	"alto-client": "client-id",
	"cost-type":   "cost-type-name",
	"meta":        "meta-key",
	"auth-client": "client-id",
	"role":        "role-name",
	"data-source": "source-id",
	"resource":    "resource-id",
}

// stateTree returns the state of st as an ietf-alto:alto object.
func stateTree(st State) map[string]any {
	server := map[string]any{serverStatsMember: st.ServerStats()}
	byID := st.ResourceStats()
	ids := make([]string, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var resources []any
	for _, id := range ids {
		resources = append(resources, map[string]any{"resource-id": id, resourceStatsMember: byID[id]})
	}
	if resources != nil {
		server["resource"] = resources
	}
	return map[string]any{altoMember: map[string]any{"alto-server": server}}
}

// mergeTrees merges src into dst: members of objects recursively, and
// list entries by their key leaf, appending entries that dst lacks.
func mergeTrees(dst, src map[string]any) {
	for name, sv := range src {
		dv, ok := dst[name]
		if !ok {
			dst[name] = sv
			continue
		}
		switch s := sv.(type) {
		case map[string]any:
			if d, ok := dv.(map[string]any); ok {
				mergeTrees(d, s)
			}
		case []any:
			if d, ok := dv.([]any); ok {
				dst[name] = mergeLists(d, s, listKeys[localName(name)])
			}
		}
	}
}

func mergeLists(dst, src []any, key string) []any {
	if key == "" {
		return dst
	}
	for _, se := range src {
		s, ok := se.(map[string]any)
		if !ok {
			continue
		}
		if d := findEntry(dst, key, fmt.Sprint(s[key])); d != nil {
			mergeTrees(d, s)
			continue
		}
		dst = append(dst, s)
	}
	return dst
}

func findEntry(list []any, key, value string) map[string]any {
	for _, e := range list {
		if m, ok := e.(map[string]any); ok && fmt.Sprint(m[key]) == value {
			return m
		}
	}
	return nil
}

// findEntryKeys returns the entry of list whose key leaves have values.
func findEntryKeys(list []any, keys, values []string) map[string]any {
	for _, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			continue
		}
		match := true
		for i, k := range keys {
			match = match && fmt.Sprint(m[k]) == values[i]
		}
		if match {
			return m
		}
	}
	return nil
}

func localName(member string) string {
	for i := len(member) - 1; i >= 0; i-- {
		if member[i] == ':' {
			return member[i+1:]
		}
	}
	return member
}

// selectNode returns the node at segs in tree, an object whose one
// member is the top-level node, wrapped as RESTCONF returns it: an
// object with the node's qualified name, and a list entry inside a
// one-entry array. ok is false when the node does not exist.
func selectNode(tree map[string]any, segs []segment) (out map[string]any, ok bool, err error) {
	var node any = tree
	nodes := schemaNodes(segs)
	for i, seg := range segs {
		obj, isObj := node.(map[string]any)
		if !isObj {
			return nil, false, nil
		}
		child, found := lookupMember(obj, seg)
		if !found {
			return nil, false, nil
		}
		if seg.HasKey {
			keys := keysOf(seg, nodes[i])
			list, isList := child.([]any)
			if len(keys) == 0 || !isList || len(seg.Keys) != len(keys) {
				return nil, false, fmt.Errorf("%q is not a list with %d keys", seg.Name, len(seg.Keys))
			}
			entry := findEntryKeys(list, keys, seg.Keys)
			if entry == nil {
				return nil, false, nil
			}
			child = entry
		}
		node = child
		if i == len(segs)-1 {
			if seg.HasKey {
				node = []any{node}
			}
		}
	}
	return map[string]any{memberName(segs): node}, true, nil
}

// lookupMember returns the member of obj that seg names, qualified by
// its module or not.
func lookupMember(obj map[string]any, seg segment) (any, bool) {
	if seg.Module != "" {
		if v, ok := obj[seg.Module+":"+seg.Name]; ok {
			return v, true
		}
	}
	v, ok := obj[seg.Name]
	return v, ok
}

// decodeTree decodes RFC 7951 JSON into a tree for merging.
func decodeTree(data []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var tree map[string]any
	if err := dec.Decode(&tree); err != nil {
		return nil, fmt.Errorf("decoding datastore reply: %w", err)
	}
	return tree, nil
}
