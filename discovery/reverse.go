package discovery

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// Prefix lengths at which cross-domain discovery looks up NAPTR records
// (RFC 8686, Section 3.3), longest first. Each IPv4 label is one octet
// and each IPv6 label one nibble, so these are the lengths that end on a
// label boundary and that the RFC selects.
var (
	levels4 = []int{32, 24, 16, 8}
	levels6 = []int{128, 64, 56, 48, 40, 32}
)

// Shortest prefix lengths that cross-domain discovery accepts (RFC 8686,
// Section 3.2).
const (
	minBits4 = 8
	minBits6 = 32
)

// ReverseNames returns the names that cross-domain discovery queries for
// prefix p, in the order it queries them (RFC 8686, Sections 3.2 to
// 3.4). The first name is the reverse DNS name of p's address, cut to the
// longest lookup level that does not exceed p's length. Each next name
// cuts it to the next shorter level:
//
//	192.0.2.7/32     7.2.0.192.in-addr.arpa., 2.0.192.in-addr.arpa., 0.192.in-addr.arpa., 192.in-addr.arpa.
//	192.0.2.0/24     2.0.192.in-addr.arpa., 0.192.in-addr.arpa., 192.in-addr.arpa.
//	2001:db8::/48    0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa., then /40 and /32
//
// IPv6 lookups happen at /128, /64, /56, /48, /40 and /32 only. An
// IPv4-mapped IPv6 prefix (::ffff:0:0/96 and longer) is treated as the
// IPv4 prefix it maps. Names are in lower case. The error wraps
// ErrUnsupportedPrefixLength for an IPv4 prefix shorter than /8 or an
// IPv6 prefix shorter than /32.
func ReverseNames(p netip.Prefix) ([]string, error) {
	p, err := normalizePrefix(p)
	if err != nil {
		return nil, err
	}
	levels := levels6
	if p.Addr().Is4() {
		levels = levels4
	}
	var names []string
	for _, level := range levels {
		if level <= p.Bits() {
			names = append(names, reverseName(p.Addr(), level))
		}
	}
	return names, nil
}

// normalizePrefix unmaps IPv4-mapped prefixes, drops the zone and checks
// the prefix length.
func normalizePrefix(p netip.Prefix) (netip.Prefix, error) {
	if !p.IsValid() {
		return p, fmt.Errorf("invalid prefix %s", p)
	}
	addr, bits := p.Addr().WithZone(""), p.Bits()
	if addr.Is4In6() && bits >= 96 {
		addr, bits = addr.Unmap(), bits-96
	}
	switch {
	case addr.Is4() && bits < minBits4:
		return p, fmt.Errorf("%w: %s is shorter than /%d", ErrUnsupportedPrefixLength, p, minBits4)
	case addr.Is6() && bits < minBits6:
		return p, fmt.Errorf("%w: %s is shorter than /%d", ErrUnsupportedPrefixLength, p, minBits6)
	}
	return netip.PrefixFrom(addr, bits), nil
}

// reverseName returns the in-addr.arpa or ip6.arpa name of the first
// bits of addr (RFC 1035, Section 3.5; RFC 3596, Section 2.5). Bits must
// be a multiple of 8 for IPv4 and of 4 for IPv6.
func reverseName(addr netip.Addr, bits int) string {
	var labels []string
	if addr.Is4() {
		b := addr.As4()
		for i := bits/8 - 1; i >= 0; i-- {
			labels = append(labels, strconv.Itoa(int(b[i])))
		}
		return strings.Join(append(labels, "in-addr.arpa."), ".")
	}
	b := addr.As16()
	for i := bits/4 - 1; i >= 0; i-- {
		nibble := b[i/2] >> 4
		if i%2 == 1 {
			nibble = b[i/2] & 0x0f
		}
		labels = append(labels, strconv.FormatUint(uint64(nibble), 16))
	}
	return strings.Join(append(labels, "ip6.arpa."), ".")
}
