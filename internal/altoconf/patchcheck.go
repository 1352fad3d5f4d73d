package altoconf

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/goalto/goalto/internal/restconf"
	"github.com/goalto/goalto/internal/yangschema"
)

// bodyDuplicates returns a problem for each list entry whose keys repeat
// an earlier entry, and each repeated leaf-list value, in the body of a
// PATCH. A merge would otherwise keep the last entry or drop the repeated
// value silently, while PUT rejects the same body.
func bodyDuplicates(val *yaml.Node, steps []step) []restconf.Problem {
	last := steps[len(steps)-1]
	path := stepsPath(steps)
	var out []restconf.Problem
	if last.keys != nil {
		walkDuplicates(val, last.node, path, &out)
	} else {
		dupValue(val, last.node, path, &out)
	}
	return out
}

// stepsPath returns the instance identifier of a resolved path.
func stepsPath(steps []step) string {
	var b strings.Builder
	b.WriteString("/" + TopMember)
	for _, st := range steps[1:] {
		b.WriteString("/" + memberKey(st))
		for i, k := range st.node.Keys {
			if i < len(st.keys) {
				fmt.Fprintf(&b, "[%s='%s']", k, st.keys[i])
			}
		}
	}
	return b.String()
}

// walkDuplicates checks the members of the object val, an instance of
// the container or list entry sn.
func walkDuplicates(val *yaml.Node, sn *yangschema.Node, path string, out *[]restconf.Problem) {
	if val.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(val.Content); i += 2 {
		c := childByMember(sn, val.Content[i].Value)
		if c != nil {
			dupValue(val.Content[i+1], c, path+"/"+memberName(sn, c), out)
		}
	}
}

// dupValue checks v, the value of the schema node c at path.
func dupValue(v *yaml.Node, c *yangschema.Node, path string, out *[]restconf.Problem) {
	switch {
	case c.Kind == yangschema.Container:
		walkDuplicates(v, c, path, out)
	case c.Kind == yangschema.List && v.Kind == yaml.SequenceNode:
		seen := map[string]bool{}
		for _, e := range v.Content {
			pred := entryPredicate(e, c)
			if seen[pred] {
				*out = append(*out, restconf.Problem{Tag: "operation-failed", Path: path + pred,
					Message: fmt.Sprintf("duplicate entry of list %s [%s]", c.Name, RuleUnique)})
				continue
			}
			seen[pred] = true
			walkDuplicates(e, c, path+pred, out)
		}
	case c.Kind == yangschema.LeafList && v.Kind == yaml.SequenceNode:
		seen := map[string]bool{}
		for _, e := range v.Content {
			if seen[e.Value] {
				*out = append(*out, restconf.Problem{Tag: "operation-failed", Path: path,
					Message: fmt.Sprintf("value %q appears twice in leaf-list %s [%s]", e.Value, c.Name, RuleUnique)})
			}
			seen[e.Value] = true
		}
	}
}

// entryPredicate returns the key predicate of a list entry, such as
// "[resource-id='m']".
func entryPredicate(e *yaml.Node, list *yangschema.Node) string {
	var b strings.Builder
	for _, k := range list.Keys {
		v := ""
		if n := mapValue(e, k); n != nil {
			v = n.Value
		}
		fmt.Fprintf(&b, "[%s='%s']", k, v)
	}
	return b.String()
}
