package alto

import (
	"net/netip"
	"strings"
)

// TypedAddr is a typed endpoint address such as "ipv4:192.0.2.1",
// RFC 7285, Section 10.4.1.
type TypedAddr struct {
	Type string     // AddressTypeIPv4 or AddressTypeIPv6
	Addr netip.Addr // never zoned; an IPv4 address when Type is ipv4
}

// ParseTypedAddr parses a typed endpoint address. The address type ends
// at the first colon (RFC 7285, Section 10.4.1), so "ipv6:2001:db8::1"
// is the type "ipv6" with the address "2001:db8::1". IPv4 addresses are
// dotted-decimal (Section 10.4.3.1) and IPv6 addresses use the text
// forms of RFC 4291, Section 2.2 (Section 10.4.3.2); zones are rejected.
func ParseTypedAddr(s string) (TypedAddr, bool) {
	typ, text, ok := strings.Cut(s, ":")
	if !ok {
		return TypedAddr{}, false
	}
	addr, err := netip.ParseAddr(text)
	if err != nil || addr.Zone() != "" {
		return TypedAddr{}, false
	}
	switch typ {
	case AddressTypeIPv4:
		if !addr.Is4() {
			return TypedAddr{}, false
		}
	case AddressTypeIPv6:
		if !addr.Is6() {
			return TypedAddr{}, false
		}
	default:
		return TypedAddr{}, false
	}
	return TypedAddr{Type: typ, Addr: addr}, true
}

// String returns the typed address in its RFC 7285 text form.
func (a TypedAddr) String() string {
	return a.Type + ":" + a.Addr.String()
}

// AddressTypeOf returns the RFC 7285 address type of a prefix.
func AddressTypeOf(p netip.Prefix) string {
	if p.Addr().Is4() {
		return AddressTypeIPv4
	}
	return AddressTypeIPv6
}
