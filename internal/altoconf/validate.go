package altoconf

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/goalto/goalto/internal/yangschema"
)

// TopMember is the member of the top-level object that makes a file an
// ietf-alto configuration (RFC 7951, Section 4).
const TopMember = "ietf-alto:alto"

// validator checks one instance against the schema tree.
type validator struct {
	file    string
	feats   yangschema.Features
	lenient bool // YAML input: scalars of other tags are accepted as strings
	// configOnly rejects state data (config false nodes).
	configOnly bool
	errs       Errors
	root       *yaml.Node   // the mapping of the top-level node
	stack      []*yaml.Node // data ancestors of the node being checked
	refs       []leafref
	targets    map[string]*yangschema.Node
}

// leafref is a leafref value whose target instance is checked after the
// walk, when every value is known.
type leafref struct {
	line  int
	path  string
	typ   *yangschema.Type
	value string
}

// Validate checks a parsed document, a mapping whose only member is
// TopMember, against the schema with the features feats. file names the
// document in errors. It returns every problem found.
func Validate(doc *yaml.Node, file string, feats yangschema.Features, yamlInput bool) Errors {
	v := &validator{file: file, feats: feats, lenient: yamlInput, configOnly: true, targets: map[string]*yangschema.Node{}}
	top := doc
	if top.Kind == yaml.DocumentNode && len(top.Content) > 0 {
		top = top.Content[0]
	}
	if top.Kind != yaml.MappingNode {
		v.fail(top, "", RuleSyntax, "the configuration must be an object with the member "+TopMember)
		return v.errs
	}
	root := yangschema.Root()
	for i := 0; i+1 < len(top.Content); i += 2 {
		k, val := top.Content[i], top.Content[i+1]
		if k.Value != TopMember {
			mod, _, _ := strings.Cut(k.Value, ":")
			if !knownModule(mod) {
				v.fail(k, "/"+k.Value, RuleModule, fmt.Sprintf("module %s is not implemented by altod", mod))
			} else {
				v.fail(k, "/"+k.Value, RuleUnknown, "unknown top-level node; the configuration is the member "+TopMember)
			}
			continue
		}
		v.root = val
		v.container(root, val, "/"+TopMember)
	}
	if v.root == nil && len(v.errs) == 0 {
		v.fail(top, "", RuleMandatory, "missing the member "+TopMember)
	}
	v.checkRefs()
	return v.errs
}

func (v *validator) fail(n *yaml.Node, path, rule, msg string) {
	e := &Error{File: v.file, Path: path, Rule: rule, Message: msg}
	if n != nil {
		e.Line = n.Line
	}
	v.errs = append(v.errs, e)
}

func knownModule(name string) bool {
	for _, m := range yangschema.Modules() {
		if m.Name == name {
			return true
		}
	}
	return false
}

// container checks the members of a container or list entry.
func (v *validator) container(sn *yangschema.Node, m *yaml.Node, path string) {
	if m.Kind != yaml.MappingNode {
		v.fail(m, path, RuleType, fmt.Sprintf("%s %s must be an object", sn.Kind, sn.Name))
		return
	}
	v.stack = append(v.stack, m)
	defer func() { v.stack = v.stack[:len(v.stack)-1] }()
	cases := map[*yangschema.Node]*yangschema.Node{} // choice -> case with data
	present := map[*yangschema.Node]bool{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, val := m.Content[i], m.Content[i+1]
		c := v.member(sn, k, path)
		if c == nil {
			continue
		}
		present[c] = true
		childPath := path + "/" + memberName(sn, c)
		if !v.caseOf(sn, c, cases, k, childPath) {
			continue
		}
		switch c.Kind {
		case yangschema.Container:
			v.container(c, val, childPath)
		case yangschema.List:
			v.list(c, val, childPath)
		case yangschema.LeafList:
			v.leafList(c, val, childPath)
		case yangschema.Leaf:
			v.leaf(c, val, childPath)
		}
	}
	v.missing(sn, present, cases, m, path)
}

// member resolves the schema node of a member name and checks that it
// may be configured, reporting why not.
func (v *validator) member(sn *yangschema.Node, k *yaml.Node, path string) *yangschema.Node {
	mod, name, qualified := strings.Cut(k.Value, ":")
	if !qualified {
		mod, name = sn.Module, k.Value
	}
	if !knownModule(mod) {
		v.fail(k, path+"/"+k.Value, RuleModule, fmt.Sprintf("module %s is not implemented by altod", mod))
		return nil
	}
	c := sn.Child(mod, name)
	if c == nil && !qualified {
		if other := sn.Child("", name); other != nil {
			v.fail(k, path+"/"+k.Value, RuleSyntax, fmt.Sprintf("write the member as %s:%s, with its module name (RFC 7951, Section 4)", other.Module, name))
			return nil
		}
	}
	if c == nil {
		v.fail(k, path+"/"+k.Value, RuleUnknown, fmt.Sprintf("%s has no child node %s", sn.Path(), k.Value))
		return nil
	}
	p := path + "/" + memberName(sn, c)
	if fs := v.disabled(sn, c); fs != nil {
		v.fail(k, p, RuleFeature, fmt.Sprintf("%s needs feature %s, which altod does not support", c.Name, strings.Join(fs, " and ")))
		return nil
	}
	if !c.Config && v.configOnly {
		v.fail(k, p, RuleState, fmt.Sprintf("%s is state data (config false) and cannot be configured", c.Name))
		return nil
	}
	if ok, known := v.when(c); known && !ok {
		v.fail(k, p, RuleWhen, fmt.Sprintf("%s is not allowed here: its condition %s is false", c.Name, c.When))
		return nil
	}
	return c
}

func memberName(parent, c *yangschema.Node) string {
	if parent.Module != c.Module {
		return c.Module + ":" + c.Name
	}
	return c.Name
}

// disabled returns the if-feature expressions that exclude c or one of
// its choices and cases below parent, or nil.
func (v *validator) disabled(parent, c *yangschema.Node) []string {
	for x := c; x != nil && x != parent; x = x.Parent {
		if !v.feats.Enabled(x.IfFeature) {
			return x.IfFeature
		}
	}
	return nil
}

// caseOf records the cases that c belongs to and reports false, after
// an error, when another case of one of those choices has data already.
func (v *validator) caseOf(parent, c *yangschema.Node, cases map[*yangschema.Node]*yangschema.Node, k *yaml.Node, path string) bool {
	for x := c; x.Parent != nil && x.Parent != parent; x = x.Parent {
		if x.Parent.Kind != yangschema.Choice {
			continue
		}
		choice := x.Parent
		if other, ok := cases[choice]; ok && other != x {
			v.fail(k, path, RuleChoice, fmt.Sprintf("%s is in case %s of choice %s, which already has data of case %s", c.Name, x.Name, choice.Name, other.Name))
			return false
		}
		cases[choice] = x
	}
	return true
}

// missing reports the mandatory nodes, lists with too few entries and
// mandatory choices that m lacks.
func (v *validator) missing(sn *yangschema.Node, present map[*yangschema.Node]bool, cases map[*yangschema.Node]*yangschema.Node, m *yaml.Node, path string) {
	for _, c := range sn.Children {
		v.missingChild(sn, c, present, cases, m, path)
	}
}

func (v *validator) missingChild(parent, c *yangschema.Node, present map[*yangschema.Node]bool, cases map[*yangschema.Node]*yangschema.Node, m *yaml.Node, path string) {
	if !v.feats.Enabled(c.IfFeature) || present[c] || !c.Config {
		return
	}
	if ok, known := v.when(c); known && !ok {
		return
	}
	p := path + "/" + memberName(parent, c)
	switch c.Kind {
	case yangschema.Choice:
		chosen := cases[c]
		if chosen == nil {
			if c.Mandatory {
				v.fail(m, p, RuleMandatory, fmt.Sprintf("missing a case of the mandatory choice %s%s", c.Name, v.caseNames(c)))
			}
			return
		}
		for _, cc := range chosen.Children {
			v.missingChild(parent, cc, present, cases, m, path)
		}
	case yangschema.Leaf:
		if c.Mandatory {
			v.fail(m, p, RuleMandatory, fmt.Sprintf("missing the mandatory leaf %s", c.Name))
		}
	case yangschema.List, yangschema.LeafList:
		if c.MinElements > 0 {
			v.fail(m, p, RuleElements, fmt.Sprintf("%s needs at least %d entries", c.Name, c.MinElements))
		}
	case yangschema.Container:
		if c.Presence {
			return
		}
		// A non-presence container that is absent still needs its
		// mandatory descendants (RFC 7950, Section 3).
		empty := &yaml.Node{Kind: yaml.MappingNode, Line: m.Line}
		v.stack = append(v.stack, empty)
		v.missing(c, map[*yangschema.Node]bool{}, map[*yangschema.Node]*yangschema.Node{}, empty, p)
		v.stack = v.stack[:len(v.stack)-1]
	}
}

func (v *validator) caseNames(choice *yangschema.Node) string {
	var names []string
	for _, c := range choice.Children {
		if v.feats.Enabled(c.IfFeature) {
			for _, d := range c.DataChildren() {
				names = append(names, memberName(choice.DataParent(), d))
			}
		}
	}
	if len(names) == 0 {
		return ", of which altod supports none"
	}
	return ": one of " + strings.Join(names, ", ")
}

func (v *validator) list(sn *yangschema.Node, val *yaml.Node, path string) {
	if val.Kind != yaml.SequenceNode {
		v.fail(val, path, RuleType, fmt.Sprintf("list %s must be an array", sn.Name))
		return
	}
	v.count(sn, val, path)
	seen := map[string]int{}
	for _, e := range val.Content {
		if e.Kind != yaml.MappingNode {
			v.fail(e, path, RuleType, fmt.Sprintf("an entry of list %s must be an object", sn.Name))
			continue
		}
		pred, ok := v.keys(sn, e, path)
		if !ok {
			continue
		}
		if line, dup := seen[pred]; dup {
			v.fail(e, path+pred, RuleUnique, fmt.Sprintf("duplicate entry of list %s; the first is on line %d", sn.Name, line))
			continue
		}
		seen[pred] = e.Line
		v.container(sn, e, path+pred)
	}
}

// keys returns the predicate of a list entry, such as
// "[resource-id='m']", reporting missing keys.
func (v *validator) keys(sn *yangschema.Node, e *yaml.Node, path string) (string, bool) {
	var b strings.Builder
	for _, k := range sn.Keys {
		val := mapValue(e, k)
		if val == nil || val.Kind != yaml.ScalarNode {
			v.fail(e, path, RuleKey, fmt.Sprintf("an entry of list %s misses its key %s", sn.Name, k))
			return "", false
		}
		fmt.Fprintf(&b, "[%s='%s']", k, val.Value)
	}
	return b.String(), true
}

func (v *validator) count(sn *yangschema.Node, val *yaml.Node, path string) {
	n := uint64(len(val.Content))
	if n < sn.MinElements {
		v.fail(val, path, RuleElements, fmt.Sprintf("%s needs at least %d entries, has %d", sn.Name, sn.MinElements, n))
	}
	if sn.MaxElements > 0 && n > sn.MaxElements {
		v.fail(val, path, RuleMaxElements, fmt.Sprintf("%s takes at most %d entries, has %d", sn.Name, sn.MaxElements, n))
	}
}

func (v *validator) leafList(sn *yangschema.Node, val *yaml.Node, path string) {
	if val.Kind != yaml.SequenceNode {
		v.fail(val, path, RuleType, fmt.Sprintf("leaf-list %s must be an array", sn.Name))
		return
	}
	v.count(sn, val, path)
	seen := map[string]bool{}
	for _, e := range val.Content {
		c, ok := v.value(sn, e, path)
		if !ok {
			continue
		}
		if seen[c] {
			v.fail(e, path, RuleUnique, fmt.Sprintf("value %q appears twice in leaf-list %s", e.Value, sn.Name))
		}
		seen[c] = true
	}
}

func (v *validator) leaf(sn *yangschema.Node, val *yaml.Node, path string) {
	v.value(sn, val, path)
}

// value checks one value of a leaf or leaf-list and returns its
// canonical form.
func (v *validator) value(sn *yangschema.Node, val *yaml.Node, path string) (string, bool) {
	c, err := v.checkValue(sn.Type, val, sn.Module)
	if err != nil {
		v.fail(val, path, err.rule, err.msg)
		return "", false
	}
	v.collectRefs(sn.Type, val, path, c)
	return c, true
}

// collectRefs records the leafref values of a value for checkRefs.
func (v *validator) collectRefs(t *yangschema.Type, val *yaml.Node, path, canonical string) {
	switch {
	case t.Base == "leafref" && t.RequireInstance:
		v.refs = append(v.refs, leafref{line: val.Line, path: path, typ: t, value: canonical})
	case t.Base == "union":
		for _, m := range t.Union {
			if _, err := v.checkValue(m, val, ""); err == nil {
				v.collectRefs(m, val, path, canonical)
				return
			}
		}
	}
}

// checkRefs checks that every leafref value names an existing instance
// (RFC 7950, Section 9.9).
func (v *validator) checkRefs() {
	cache := map[string]map[string]bool{}
	for _, r := range v.refs {
		target := v.leafrefTarget(r.typ.Path)
		if target == nil {
			continue
		}
		vals, ok := cache[r.typ.Path]
		if !ok {
			vals = map[string]bool{}
			v.collect(v.root, yangschema.Root(), steps(r.typ.Path)[1:], vals)
			cache[r.typ.Path] = vals
		}
		if !vals[r.value] {
			v.errs = append(v.errs, &Error{File: v.file, Line: r.line, Path: r.path, Rule: RuleLeafref,
				Message: fmt.Sprintf("%q refers to no existing %s", r.value, target.Path())})
		}
	}
}

var predicate = regexp.MustCompile(`\[[^\]]*\]`)

// steps splits an absolute schema path into "module:name" steps,
// dropping predicates.
func steps(path string) []string {
	path = predicate.ReplaceAllString(path, "")
	return strings.Split(strings.TrimPrefix(path, "/"), "/")
}

// leafrefTarget returns the schema node a leafref path points to, or nil
// for a path outside the schema tree or a relative path, which are not
// checked.
func (v *validator) leafrefTarget(path string) *yangschema.Node {
	if t, ok := v.targets[path]; ok {
		return t
	}
	var n *yangschema.Node
	if strings.HasPrefix(path, "/") {
		st := steps(path)
		n = yangschema.Root()
		if st[0] != n.Module+":"+n.Name {
			n = nil
		}
		for _, s := range st[1:] {
			if n == nil {
				break
			}
			mod, name, _ := strings.Cut(s, ":")
			n = n.Child(mod, name)
		}
	}
	v.targets[path] = n
	return n
}

// collect gathers the values of the instances at the remaining steps
// below the data node d of schema node sn.
func (v *validator) collect(d *yaml.Node, sn *yangschema.Node, rest []string, out map[string]bool) {
	if d == nil || len(rest) == 0 {
		return
	}
	mod, name, _ := strings.Cut(rest[0], ":")
	c := sn.Child(mod, name)
	if c == nil || d.Kind != yaml.MappingNode {
		return
	}
	val := mapValue(d, memberName(sn, c))
	if val == nil {
		val = mapValue(d, c.Module+":"+c.Name)
	}
	if val == nil {
		return
	}
	switch c.Kind {
	case yangschema.Leaf:
		if len(rest) == 1 {
			if s, err := v.checkValue(c.Type, val, c.Module); err == nil {
				out[s] = true
			}
		}
	case yangschema.LeafList:
		for _, e := range val.Content {
			if s, err := v.checkValue(c.Type, e, c.Module); err == nil {
				out[s] = true
			}
		}
	case yangschema.List:
		for _, e := range val.Content {
			v.collect(e, c, rest[1:], out)
		}
	default:
		v.collect(val, c, rest[1:], out)
	}
}

var whenForm = regexp.MustCompile(`^\s*(derived-from(?:-or-self)?)\(\s*((?:\.\./)+)([^,\s]+)\s*,\s*["']([^"']+)["']\s*\)\s*$`)

// when evaluates the when condition of c, a child of the data node on
// top of the stack. Only derived-from and derived-from-or-self of a leaf
// reached by "../" steps are evaluated, the forms that the modules use on
// the nodes altod supports. known is false for any other form.
func (v *validator) when(c *yangschema.Node) (ok, known bool) {
	if c.When == "" {
		return true, true
	}
	for _, part := range splitAnd(c.When) {
		m := whenForm.FindStringSubmatch(part)
		if m == nil {
			return true, false
		}
		up := strings.Count(m[2], "../")
		if up > len(v.stack) {
			return true, false
		}
		ctx := v.stack[len(v.stack)-up]
		_, leafName, _ := strings.Cut(m[3], ":")
		if leafName == "" {
			leafName = m[3]
		}
		val := mapValue(ctx, leafName)
		if val == nil {
			return false, true
		}
		id := val.Value
		if !strings.Contains(id, ":") {
			id = "ietf-alto:" + id
		}
		if !yangschema.DerivedFrom(id, m[4], m[1] == "derived-from-or-self") {
			return false, true
		}
	}
	return true, true
}

// splitAnd splits "(a) and (b)" as the generator joins conditions.
func splitAnd(w string) []string {
	if !strings.HasPrefix(w, "(") || !strings.Contains(w, ") and (") {
		return []string{w}
	}
	parts := strings.Split(w[1:len(w)-1], ") and (")
	return slices.Clip(parts)
}

// mapValue returns the value of a member of a mapping, or nil.
func mapValue(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}
