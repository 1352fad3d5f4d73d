package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/goalto/goalto/internal/altoconf"
	"github.com/goalto/goalto/internal/yangschema"
)

// configChange is one difference between two configurations.
type configChange struct {
	op       byte   // '+' added, '-' removed, '~' changed
	yangPath string // instance identifier, list entries by key
	pointer  string // JSON pointer (RFC 6901) into the new document, or the old one for a removal
	old, new any
}

func (c configChange) String() string {
	switch c.op {
	case '+':
		return fmt.Sprintf("+ %s (%s): %s", c.yangPath, c.pointer, jsonValue(c.new))
	case '-':
		return fmt.Sprintf("- %s (%s): %s", c.yangPath, c.pointer, jsonValue(c.old))
	}
	return fmt.Sprintf("~ %s (%s): %s -> %s", c.yangPath, c.pointer, jsonValue(c.old), jsonValue(c.new))
}

func jsonValue(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// diffConfigs compares two ietf-alto configurations in RFC 7951 JSON:
// what replacing running by next changes.
func diffConfigs(running, next []byte) ([]configChange, error) {
	var old, cur map[string]any
	for _, d := range []struct {
		data []byte
		dst  *map[string]any
		name string
	}{{running, &old, "the running configuration"}, {next, &cur, "the file"}} {
		dec := json.NewDecoder(bytes.NewReader(d.data))
		dec.UseNumber()
		if err := dec.Decode(d.dst); err != nil {
			return nil, fmt.Errorf("decoding %s: %w", d.name, err)
		}
	}
	var out []configChange
	top := "/" + altoconf.TopMember
	diffValue(yangschema.Root(), top, "/"+escapePointer(altoconf.TopMember), old[altoconf.TopMember], cur[altoconf.TopMember], &out)
	return out, nil
}

// diffValue appends the differences between the instances old and cur
// of the schema node sn (nil when unknown) to out.
func diffValue(sn *yangschema.Node, yp, ptr string, old, cur any, out *[]configChange) {
	switch {
	case old == nil && cur == nil:
		return
	case old == nil:
		*out = append(*out, configChange{op: '+', yangPath: yp, pointer: ptr, new: cur})
		return
	case cur == nil:
		*out = append(*out, configChange{op: '-', yangPath: yp, pointer: ptr, old: old})
		return
	}
	om, ok1 := old.(map[string]any)
	cm, ok2 := cur.(map[string]any)
	if ok1 && ok2 {
		diffObject(sn, yp, ptr, om, cm, out)
		return
	}
	oa, ok1 := old.([]any)
	ca, ok2 := cur.([]any)
	if ok1 && ok2 && sn != nil && sn.Kind == yangschema.List && len(sn.Keys) > 0 {
		diffList(sn, yp, ptr, oa, ca, out)
		return
	}
	if !reflect.DeepEqual(old, cur) {
		*out = append(*out, configChange{op: '~', yangPath: yp, pointer: ptr, old: old, new: cur})
	}
}

func diffObject(sn *yangschema.Node, yp, ptr string, old, cur map[string]any, out *[]configChange) {
	var members []string
	for k := range old {
		members = append(members, k)
	}
	for k := range cur {
		if _, ok := old[k]; !ok {
			members = append(members, k)
		}
	}
	slices.Sort(members)
	for _, m := range members {
		diffValue(schemaChild(sn, m), yp+"/"+m, ptr+"/"+escapePointer(m), old[m], cur[m], out)
	}
}

// diffList matches the entries of a YANG list by their keys (RFC 7950,
// Section 7.8.2), so that reordering is no change.
func diffList(sn *yangschema.Node, yp, ptr string, old, cur []any, out *[]configChange) {
	oldIdx := map[string]int{}
	for i, e := range old {
		oldIdx[entryKey(sn, e)] = i
	}
	seen := map[string]bool{}
	for i, e := range cur {
		k := entryKey(sn, e)
		seen[k] = true
		var prev any
		if j, ok := oldIdx[k]; ok {
			prev = old[j]
		}
		diffValue(sn, yp+k, ptr+"/"+strconv.Itoa(i), prev, e, out)
	}
	for i, e := range old {
		if k := entryKey(sn, e); !seen[k] {
			diffValue(sn, yp+k, ptr+"/"+strconv.Itoa(i), e, nil, out)
		}
	}
}

// entryKey returns the key predicates of a list entry, such as
// "[resource-id='m']".
func entryKey(sn *yangschema.Node, e any) string {
	m, _ := e.(map[string]any)
	var b strings.Builder
	for _, k := range sn.Keys {
		fmt.Fprintf(&b, "[%s='%v']", k, m[k])
	}
	return b.String()
}

// schemaChild returns the child of sn named by an RFC 7951 member name,
// qualified by its module when it differs from its parent's.
func schemaChild(sn *yangschema.Node, member string) *yangschema.Node {
	if sn == nil {
		return nil
	}
	mod, name, ok := strings.Cut(member, ":")
	if !ok {
		mod, name = sn.Module, member
	}
	return sn.Child(mod, name)
}
