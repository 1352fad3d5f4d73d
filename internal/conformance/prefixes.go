package conformance

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/goalto/goalto/alto"
)

// lookupPID maps an address to its PID by longest-prefix match, RFC
// 7285, Section 11.2.2. It returns "" when no prefix contains it.
func (m *networkMap) lookupPID(addr netip.Addr) string {
	typ := alto.AddressTypeIPv6
	if addr.Is4() {
		typ = alto.AddressTypeIPv4
	}
	best, bestBits := "", -1
	for _, pid := range sortedKeys(m.PIDs) {
		for _, p := range m.PIDs[pid][typ] {
			if p.Contains(addr) && p.Bits() > bestBits {
				best, bestBits = pid, p.Bits()
			}
		}
	}
	return best
}

// overlap returns a prefix that two PIDs both contain, which breaks the
// non-overlapping property of RFC 7285, Section 11.2.2, or "" if none.
func (m *networkMap) overlap() string {
	owner := map[netip.Prefix]string{}
	for _, pid := range sortedKeys(m.PIDs) {
		for _, typ := range []string{alto.AddressTypeIPv4, alto.AddressTypeIPv6} {
			for _, p := range m.PIDs[pid][typ] {
				p = p.Masked()
				if other, ok := owner[p]; ok && other != pid {
					return fmt.Sprintf("prefix %s is in PID %s and in PID %s", p, other, pid)
				}
				owner[p] = pid
			}
		}
	}
	return ""
}

// gap returns an address of an address type in the map that no prefix
// contains, which breaks the completeness property of RFC 7285, Section
// 11.2.2, or "" if the prefixes cover the whole address space of every
// type they use.
func (m *networkMap) gap() string {
	for _, typ := range []string{alto.AddressTypeIPv4, alto.AddressTypeIPv6} {
		var prefixes []netip.Prefix
		for _, pid := range m.PIDs {
			prefixes = append(prefixes, pid[typ]...)
		}
		if len(prefixes) == 0 {
			continue
		}
		if addr, ok := firstUncovered(prefixes); ok {
			return fmt.Sprintf("address %s of type %s is in no PID", addr, typ)
		}
	}
	return ""
}

// firstUncovered returns the lowest address of the prefixes' family
// that none of them contains.
func firstUncovered(prefixes []netip.Prefix) (netip.Addr, bool) {
	ps := make([]netip.Prefix, len(prefixes))
	for i, p := range prefixes {
		ps[i] = p.Masked()
	}
	slices.SortFunc(ps, func(a, b netip.Prefix) int { return a.Addr().Compare(b.Addr()) })
	next := netip.IPv4Unspecified()
	if ps[0].Addr().Is6() {
		next = netip.IPv6Unspecified()
	}
	for _, p := range ps {
		if p.Addr().Compare(next) > 0 {
			return next, true
		}
		last := lastAddr(p)
		if last.Compare(next) >= 0 {
			if !last.Next().IsValid() {
				return netip.Addr{}, false // covered up to the last address
			}
			next = last.Next()
		}
	}
	return next, true
}

// lastAddr returns the highest address of a prefix.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	addr, _ := netip.AddrFromSlice(b)
	return addr
}

// sampleAddresses returns up to max typed endpoint addresses spread
// over the PIDs of the map: one address inside one prefix of each PID,
// in PID name order, IPv6 ones included when the map has them. The PID
// of each address is the one that longest-prefix match finds.
func (m *networkMap) sampleAddresses(max int) []string {
	var v4, v6 []string
	for _, pid := range sortedKeys(m.PIDs) {
		for _, typ := range []string{alto.AddressTypeIPv4, alto.AddressTypeIPv6} {
			prefixes := m.PIDs[pid][typ]
			if len(prefixes) == 0 {
				continue
			}
			addr := sampleIn(prefixes[0])
			ta := alto.TypedAddr{Type: typ, Addr: addr}.String()
			if typ == alto.AddressTypeIPv4 {
				v4 = append(v4, ta)
			} else {
				v6 = append(v6, ta)
			}
		}
	}
	// Prefer IPv4 addresses of many PIDs, and keep some IPv6 ones.
	n6 := min(len(v6), max/3)
	out := append([]string{}, v4[:min(len(v4), max-n6)]...)
	return append(out, v6[:min(len(v6), max-len(out))]...)
}

// sampleIn returns an address inside a prefix: the one after the
// network address, so that a /0 prefix gives 0.0.0.1 or ::1.
func sampleIn(p netip.Prefix) netip.Addr {
	addr := p.Masked().Addr()
	if next := addr.Next(); next.IsValid() && p.Contains(next) {
		return next
	}
	return addr
}
