package entity

import (
	"net/netip"
	"slices"
)

// prefixValues is a set of prefixes, each with the values (sorted by
// key) that a response gives it. A client reads it with the inheritance
// of RFC 9240, Section 6.1.3: an address takes each value from the
// longest prefix of the set that contains it and gives that key.
type prefixValues map[netip.Prefix][]kv

// mergeSiblings replaces two sibling prefixes that give equal values by
// their parent prefix, from the longest prefixes up to those one bit
// longer than floor, so that the parent can merge again with its own
// sibling. The parent takes the values when it is not in the set, or
// when it gives none of their keys. Every address keeps its values:
// those of the two halves are the same, and the prefixes inside them
// inherit the same values from the parent as they did from the halves.
// This is the merge of RFC 9240, Section 10.4.
func mergeSiblings(set prefixValues, floor int) {
	if len(set) < 2 {
		return
	}
	levels := make([][]netip.Prefix, 129)
	for p := range set {
		levels[p.Bits()] = append(levels[p.Bits()], p)
	}
	for bits := 128; bits > floor; bits-- {
		for _, p := range levels[bits] {
			vals, ok := set[p]
			if !ok {
				continue // merged with its sibling already
			}
			sib := sibling(p)
			sibVals, ok := set[sib]
			if !ok || !equalKV(vals, sibVals) {
				continue
			}
			parent := netip.PrefixFrom(p.Addr(), bits-1).Masked()
			parentVals, exists := set[parent]
			switch {
			case !exists:
				set[parent] = vals
				levels[bits-1] = append(levels[bits-1], parent)
			case disjointKeys(parentVals, vals):
				set[parent] = unionKV(parentVals, vals)
			default:
				continue
			}
			delete(set, p)
			delete(set, sib)
		}
	}
}

// sortedPrefixes returns the prefixes of a set in the order of
// comparePrefix.
func (set prefixValues) sortedPrefixes() []netip.Prefix {
	out := make([]netip.Prefix, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	slices.SortFunc(out, comparePrefix)
	return out
}

// outermost returns the prefixes of a sorted list that no other prefix
// of the list contains.
func outermost(sorted []netip.Prefix) []netip.Prefix {
	var out []netip.Prefix
	for _, p := range sorted {
		if n := len(out); n > 0 && out[n-1].Contains(p.Addr()) {
			continue
		}
		out = append(out, p)
	}
	return out
}

// covers reports whether disjoint prefixes, sorted by address, hold
// every address of p.
func covers(p netip.Prefix, parts []netip.Prefix) bool {
	if len(parts) == 0 || parts[0].Addr() != p.Addr() {
		return false
	}
	for i := 1; i < len(parts); i++ {
		if parts[i].Addr() != lastAddr(parts[i-1]).Next() {
			return false
		}
	}
	return lastAddr(parts[len(parts)-1]) == lastAddr(p)
}

// sibling returns the other half of the prefix one bit shorter than p.
// p must be masked and longer than zero bits.
func sibling(p netip.Prefix) netip.Prefix {
	i := p.Bits() - 1
	if p.Addr().Is4() {
		b := p.Addr().As4()
		b[i/8] ^= 0x80 >> (i % 8)
		return netip.PrefixFrom(netip.AddrFrom4(b), p.Bits())
	}
	b := p.Addr().As16()
	b[i/8] ^= 0x80 >> (i % 8)
	return netip.PrefixFrom(netip.AddrFrom16(b), p.Bits())
}

// lastAddr returns the highest address of a masked prefix.
func lastAddr(p netip.Prefix) netip.Addr {
	if p.Addr().Is4() {
		b := p.Addr().As4()
		setHostBits(b[:], p.Bits())
		return netip.AddrFrom4(b)
	}
	b := p.Addr().As16()
	setHostBits(b[:], p.Bits())
	return netip.AddrFrom16(b)
}

func setHostBits(b []byte, bits int) {
	for i := bits; i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
}

func equalKV(a, b []kv) bool { return slices.Equal(a, b) }

// disjointKeys reports whether two value lists share no key.
func disjointKeys(a, b []kv) bool {
	for _, x := range b {
		if _, ok := lookupKV(a, x.key); ok {
			return false
		}
	}
	return true
}

// unionKV returns the values of a and b, sorted by key; a wins where
// both give a key.
func unionKV(a, b []kv) []kv {
	out := make([]kv, 0, len(a)+len(b))
	out = append(out, a...)
	for _, x := range b {
		if _, ok := lookupKV(a, x.key); !ok {
			out = append(out, x)
		}
	}
	slices.SortFunc(out, func(x, y kv) int { return int(x.key) - int(y.key) })
	return out
}

// restrict returns the values whose key is wanted.
func restrict(vals []kv, want []bool) []kv {
	var out []kv
	for _, x := range vals {
		if want[x.key] {
			out = append(out, x)
		}
	}
	return out
}

// dropInherited removes the values that a prefix would inherit anyway:
// those equal to the inherited value, and nulls where nothing is
// inherited or a null already is. RFC 9240, Section 7.6 lets a server
// omit inherited values.
func (t *Tree) dropInherited(vals, inherited []kv) []kv {
	out := vals[:0]
	for _, x := range vals {
		v, ok := lookupKV(inherited, x.key)
		if ok && v == x.val {
			continue
		}
		if !ok && x.val == t.nullVal {
			continue
		}
		out = append(out, x)
	}
	return out
}
