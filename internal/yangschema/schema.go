// Package yangschema holds the schema tree of altod's configuration: the
// ietf-alto and ietf-alto-stats modules of draft-ietf-alto-oam-yang-18,
// goalto's own goalto-alto module that augments them, and the nodes of
// the imported modules they use (RFC 7950). The tree is generated from
// the YANG files by the gen command (go generate) and committed, so a
// build needs no YANG file.
//
// The generator applies what its YANG parser, goyang v1.6.3, drops or
// ignores: the defaults that a refine inside a uses sets (such as ports
// 80 and 443 of the listen stack) and the if-feature statements of
// nodes, cases, uses, augments and identities, which the tree keeps as
// expressions for Enabled to evaluate.
package yangschema

//go:generate go run ./gen -p ../../../shared/specs/yang/goyang-compat,../../../shared/specs/yang,../../../shared/specs/yang/imports,../../yang -o schema_gen.go

import (
	"fmt"
	"strings"
)

// Kind is the kind of a schema node.
type Kind uint8

// Kinds of schema nodes (RFC 7950, Section 3).
const (
	Container Kind = iota + 1
	List
	Leaf
	LeafList
	Choice
	Case
)

func (k Kind) String() string {
	switch k {
	case Container:
		return "container"
	case List:
		return "list"
	case Leaf:
		return "leaf"
	case LeafList:
		return "leaf-list"
	case Choice:
		return "choice"
	case Case:
		return "case"
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Node is a schema node. Choice and case nodes are kept, as in the
// schema tree of RFC 7950, Section 7.9; they have no instance of their
// own in data.
type Node struct {
	Name string
	// Module is the name of the module whose namespace the node is in,
	// which qualifies its member name in RFC 7951 JSON.
	Module string
	Kind   Kind
	// Config is false for state data (config false).
	Config   bool
	Presence bool // a presence container
	// Mandatory marks a mandatory leaf, choice or anydata.
	Mandatory bool
	// Keys are the key leaves of a list, in order.
	Keys []string
	// MinElements and MaxElements bound a list or leaf-list; MaxElements
	// 0 means unbounded.
	MinElements uint64
	MaxElements uint64
	// Type is the type of a leaf or leaf-list.
	Type *Type
	// Default is the default value of a leaf or the default values of a
	// leaf-list, and for a choice the name of its default case.
	Default []string
	// IfFeature is the conjunction of the if-feature expressions that
	// apply to the node, with every feature written "module:feature".
	IfFeature []string
	// When is the XPath condition of the node, from the node itself or
	// from the augment or uses that adds it.
	When     string
	Children []*Node
	// Parent is nil for the top-level node.
	Parent *Node
}

// Type is a YANG type with its restrictions resolved through typedefs.
type Type struct {
	// Name is the typedef name, such as "inet:ip-prefix", or the
	// built-in name.
	Name string
	// Base is the built-in type: "string", "int8" to "uint64",
	// "decimal64", "boolean", "empty", "binary", "bits",
	// "enumeration", "identityref", "leafref", "union" or
	// "instance-identifier".
	Base     string
	Range    []Interval
	Length   []Interval
	Patterns []string // XSD regular expressions; all must match
	Enums    []string
	Bits     []string
	// Identity is the base identity of an identityref, "module:name".
	Identity       string
	FractionDigits int
	// Path is the XPath of a leafref.
	Path string
	// RequireInstance is the require-instance of a leafref.
	RequireInstance bool
	Union           []*Type
}

// Interval is one part of a range or length restriction, with bounds
// written as decimal numbers.
type Interval struct{ Min, Max string }

// Identity is a YANG identity.
type Identity struct {
	Name      string   // "module:name"
	Bases     []string // "module:name"
	IfFeature []string
}

// Module is a module of the schema.
type Module struct {
	Name      string
	Revision  string
	Namespace string
	Features  []string
}

// Root returns the top-level node, /ietf-alto:alto.
func Root() *Node { return root }

// Modules returns the modules the schema was generated from, with the
// features each defines.
func Modules() []Module { return modules }

// IdentityByName returns an identity by its "module:name".
func IdentityByName(name string) (Identity, bool) {
	id, ok := identities[name]
	return id, ok
}

// DerivedFrom reports whether identity id is derived from base, directly
// or through other identities; with orSelf, id equal to base counts too
// (the derived-from and derived-from-or-self functions of RFC 7950,
// Section 10.4).
func DerivedFrom(id, base string, orSelf bool) bool {
	if id == base {
		return orSelf
	}
	seen := map[string]bool{}
	var walk func(string) bool
	walk = func(n string) bool {
		if seen[n] {
			return false
		}
		seen[n] = true
		for _, b := range identities[n].Bases {
			if b == base || walk(b) {
				return true
			}
		}
		return false
	}
	return walk(id)
}

// Child returns the child named name of n in module mod, looking through
// choices and cases, or nil; an empty mod matches any module.
func (n *Node) Child(mod, name string) *Node {
	for _, c := range n.Children {
		if c.Kind == Choice || c.Kind == Case {
			if d := c.Child(mod, name); d != nil {
				return d
			}
			continue
		}
		if c.Name == name && (mod == "" || c.Module == mod) {
			return c
		}
	}
	return nil
}

// DataChildren returns the children of n that have instances in data,
// looking through choices and cases.
func (n *Node) DataChildren() []*Node {
	var out []*Node
	for _, c := range n.Children {
		if c.Kind == Choice || c.Kind == Case {
			out = append(out, c.DataChildren()...)
			continue
		}
		out = append(out, c)
	}
	return out
}

// Path returns the schema path of n, such as
// "/ietf-alto:alto/alto-server/resource", with a module prefix where the
// module changes (RFC 7951, Section 6.11); choices and cases are left
// out.
func (n *Node) Path() string {
	var parts []string
	for x := n; x != nil; x = x.Parent {
		if x.Kind == Choice || x.Kind == Case {
			continue
		}
		p := x.parentData()
		if p == nil || p.Module != x.Module {
			parts = append(parts, x.Module+":"+x.Name)
		} else {
			parts = append(parts, x.Name)
		}
	}
	for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
		parts[i], parts[j] = parts[j], parts[i]
	}
	return "/" + strings.Join(parts, "/")
}

// parentData returns the nearest ancestor that is not a choice or case.
func (n *Node) parentData() *Node {
	p := n.Parent
	for p != nil && (p.Kind == Choice || p.Kind == Case) {
		p = p.Parent
	}
	return p
}

// DataParent returns the nearest ancestor that has instances in data.
func (n *Node) DataParent() *Node { return n.parentData() }

// link sets the parent pointers below n.
func link(n *Node) {
	for _, c := range n.Children {
		c.Parent = n
		link(c)
	}
}

func init() { link(root) }
