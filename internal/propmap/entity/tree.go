// Package entity holds the data of RFC 9240 property maps: the entity
// domains of each map and the property values of their entities. IP
// prefixes pass their values on to the longer prefixes and addresses
// they contain (RFC 9240, Section 6.1.3). The package encodes the full
// property map of a resource (Section 7) and the responses to filtered
// property map requests (Section 8).
//
// Values of Internet address entities live in a Tree shared by every
// property map of a snapshot. It has one entry per prefix that sets a
// value, with the values it sets and the values that apply to it after
// inheritance, so that one longest-prefix match finds the values of an
// address.
package entity

import (
	"cmp"
	"net/netip"
	"slices"

	"github.com/gaissmai/bart"

	"github.com/goalto/goalto/internal/jsonenc"
)

// Value is a property value encoded as JSON: a string, a number, true,
// false or null.
type Value string

// Null is the value that defines a property to have no value, which
// hides a value that would otherwise be inherited (RFC 9240, Section
// 6.1.3).
const Null Value = "null"

// String returns a string value.
func String(s string) Value { return Value(jsonenc.String(nil, s)) }

// kv is one property value: the index of its key in the tree and the
// index of its value in the tree's value table.
type kv struct {
	key uint16
	val uint32
}

// lookupKV returns the value index of key in kvs sorted by key.
func lookupKV(kvs []kv, key uint16) (uint32, bool) {
	for _, x := range kvs {
		if x.key == key {
			return x.val, true
		}
		if x.key > key {
			break
		}
	}
	return 0, false
}

// Tree holds the property values of IPv4 and IPv6 prefixes. A Tree is
// immutable once built and safe for concurrent use.
type Tree struct {
	keys     []string
	keyIndex map[string]uint16
	values   []Value
	nullVal  uint32 // index of Null in values
	// entries are sorted by address and then by prefix length, which is
	// a pre-order walk of the prefix trie: the prefixes inside an entry
	// follow it without a gap.
	entries []treeEntry
	lpm     bart.Table[int32]
}

// treeEntry is one prefix that sets at least one value.
type treeEntry struct {
	prefix netip.Prefix
	parent int32 // index of the longest entry that strictly contains it; -1 when none
	// explicit are the values set on the prefix, sorted by key.
	explicit []kv
	// effective are the values that apply to the prefix: the explicit
	// ones and those inherited from the parent, sorted by key. A key is
	// Null only where it hides a value that the prefix would inherit;
	// a null that hides nothing leaves the key out.
	effective []kv
}

// Len returns the number of prefixes that set a value.
func (t *Tree) Len() int { return len(t.entries) }

// lookup returns the index of the longest entry that contains p, or -1.
func (t *Tree) lookup(p netip.Prefix) int32 {
	if p.IsSingleIP() {
		if i, ok := t.lpm.Lookup(p.Addr()); ok {
			return i
		}
		return -1
	}
	if i, ok := t.lpm.LookupPrefix(p); ok {
		return i
	}
	return -1
}

// inside returns the range of entries strictly inside p.
func (t *Tree) inside(p netip.Prefix) (lo, hi int) {
	// The first entry after p in the sort order; p itself counts as
	// before, since it is not strictly inside p.
	lo, _ = slices.BinarySearchFunc(t.entries, p, func(e treeEntry, target netip.Prefix) int {
		if c := comparePrefix(e.prefix, target); c != 0 {
			return c
		}
		return -1
	})
	hi = lo
	for hi < len(t.entries) && p.Contains(t.entries[hi].prefix.Addr()) {
		hi++
	}
	return lo, hi
}

// parentEffective returns the values that an entry inherits.
func (t *Tree) parentEffective(i int) []kv {
	if p := t.entries[i].parent; p >= 0 {
		return t.entries[p].effective
	}
	return nil
}

// comparePrefix orders prefixes by address, IPv4 first, and then by
// length, shorter first.
func comparePrefix(a, b netip.Prefix) int {
	if c := a.Addr().Compare(b.Addr()); c != 0 {
		return c
	}
	return cmp.Compare(a.Bits(), b.Bits())
}

// TreeBuilder collects prefix values for a Tree. Setting a key twice on
// one prefix keeps the value set last.
type TreeBuilder struct {
	keys       []string
	keyIndex   map[string]uint16
	values     []Value
	valueIndex map[Value]uint32
	sets       []prefixValue
}

type prefixValue struct {
	prefix netip.Prefix
	kv
}

// NewTreeBuilder returns an empty builder.
func NewTreeBuilder() *TreeBuilder {
	return &TreeBuilder{keyIndex: map[string]uint16{}, valueIndex: map[Value]uint32{}}
}

// Set sets the value of a key on a prefix; the prefix is masked first.
// A tree holds at most 65,536 keys; Set panics beyond that.
func (b *TreeBuilder) Set(p netip.Prefix, key string, v Value) {
	k, ok := b.keyIndex[key]
	if !ok {
		if len(b.keys) > 0xffff {
			panic("entity: more than 65536 property keys")
		}
		k = uint16(len(b.keys))
		b.keys = append(b.keys, key)
		b.keyIndex[key] = k
	}
	b.sets = append(b.sets, prefixValue{prefix: p.Masked(), kv: kv{key: k, val: b.intern(v)}})
}

func (b *TreeBuilder) intern(v Value) uint32 {
	i, ok := b.valueIndex[v]
	if !ok {
		i = uint32(len(b.values))
		b.values = append(b.values, v)
		b.valueIndex[v] = i
	}
	return i
}

// Build returns the tree of the values set so far.
func (b *TreeBuilder) Build() *Tree {
	t := &Tree{keys: b.keys, keyIndex: b.keyIndex, nullVal: b.intern(Null)}
	t.values = b.values
	slices.SortStableFunc(b.sets, func(x, y prefixValue) int {
		if c := comparePrefix(x.prefix, y.prefix); c != 0 {
			return c
		}
		return cmp.Compare(x.key, y.key)
	})
	for i, s := range b.sets {
		if i+1 < len(b.sets) && b.sets[i+1].prefix == s.prefix && b.sets[i+1].key == s.key {
			continue // a later Set of the same key on the same prefix wins
		}
		if n := len(t.entries); n == 0 || t.entries[n-1].prefix != s.prefix {
			t.entries = append(t.entries, treeEntry{prefix: s.prefix})
		}
		e := &t.entries[len(t.entries)-1]
		e.explicit = append(e.explicit, s.kv)
	}
	b.sets = nil
	t.link()
	return t
}

// link finds the parent of each entry, computes its effective values
// and indexes it for longest-prefix match.
func (t *Tree) link() {
	var stack []int32 // entries that contain the current one, outermost first
	for i := range t.entries {
		e := &t.entries[i]
		for len(stack) > 0 && !t.entries[stack[len(stack)-1]].prefix.Contains(e.prefix.Addr()) {
			stack = stack[:len(stack)-1]
		}
		e.parent = -1
		if len(stack) > 0 {
			e.parent = stack[len(stack)-1]
		}
		e.effective = t.inherit(t.parentEffective(i), e.explicit)
		stack = append(stack, int32(i))
		t.lpm.Insert(e.prefix, int32(i))
	}
}

// inherit overlays explicit values on inherited ones. An explicit null
// stays only where it hides an inherited value or null.
func (t *Tree) inherit(inherited, explicit []kv) []kv {
	out := make([]kv, 0, len(inherited)+len(explicit))
	i, j := 0, 0
	for i < len(inherited) || j < len(explicit) {
		switch {
		case j == len(explicit) || (i < len(inherited) && inherited[i].key < explicit[j].key):
			out = append(out, inherited[i])
			i++
		case i == len(inherited) || explicit[j].key < inherited[i].key:
			if explicit[j].val != t.nullVal {
				out = append(out, explicit[j])
			}
			j++
		default: // the same key: the explicit value replaces the inherited one
			out = append(out, explicit[j])
			i++
			j++
		}
	}
	return slices.Clip(out)
}
