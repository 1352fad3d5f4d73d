package alto

import (
	"net/netip"
	"testing"
)

func TestParseTypedAddr(t *testing.T) {
	tests := []struct {
		name string
		in   string
		ok   bool
		typ  string
		addr string
		text string // canonical text form when ok
	}{
		{"ipv4", "ipv4:192.0.2.1", true, AddressTypeIPv4, "192.0.2.1", "ipv4:192.0.2.1"},
		{"ipv6", "ipv6:2001:db8::1", true, AddressTypeIPv6, "2001:db8::1", "ipv6:2001:db8::1"},
		{"ipv6 full form", "ipv6:2001:0db8:0000:0000:0000:0000:0000:0001", true, AddressTypeIPv6, "2001:db8::1", "ipv6:2001:db8::1"},
		{"ipv6 upper case", "ipv6:2001:DB8::1", true, AddressTypeIPv6, "2001:db8::1", "ipv6:2001:db8::1"},
		{"ipv6 unspecified", "ipv6:::", true, AddressTypeIPv6, "::", "ipv6:::"},
		{"ipv6 loopback", "ipv6:::1", true, AddressTypeIPv6, "::1", "ipv6:::1"},
		{"ipv6 with embedded ipv4", "ipv6:::ffff:192.0.2.1", true, AddressTypeIPv6, "::ffff:192.0.2.1", "ipv6:::ffff:192.0.2.1"},
		{"ipv4 address as ipv6", "ipv4:2001:db8::1", false, "", "", ""},
		{"ipv6 type with ipv4 address", "ipv6:192.0.2.1", false, "", "", ""},
		{"unknown type", "ipv5:1.2.3.4", false, "", "", ""},
		{"untyped ipv4", "192.0.2.1", false, "", "", ""},
		{"untyped ipv6", "2001:db8::1", false, "", "", ""},
		{"zoned ipv6", "ipv6:fe80::1%eth0", false, "", "", ""},
		{"upper-case type", "IPV4:192.0.2.1", false, "", "", ""},
		{"prefix instead of address", "ipv4:192.0.2.0/24", false, "", "", ""},
		{"leading zero in ipv4", "ipv4:192.0.2.01", false, "", "", ""},
		{"ipv4 octet too large", "ipv4:192.0.2.256", false, "", "", ""},
		{"trailing space", "ipv4:192.0.2.1 ", false, "", "", ""},
		{"empty address", "ipv4:", false, "", "", ""},
		{"empty", "", false, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ParseTypedAddr(tt.in)
			if ok != tt.ok {
				t.Fatalf("ParseTypedAddr(%q) ok = %v, want %v (got %+v)", tt.in, ok, tt.ok, got)
			}
			if !ok {
				if got != (TypedAddr{}) {
					t.Errorf("ParseTypedAddr(%q) = %+v with ok false, want the zero value", tt.in, got)
				}
				return
			}
			if got.Type != tt.typ {
				t.Errorf("Type = %q, want %q", got.Type, tt.typ)
			}
			if want := netip.MustParseAddr(tt.addr); got.Addr != want {
				t.Errorf("Addr = %v, want %v", got.Addr, want)
			}
			if got.Addr.Zone() != "" {
				t.Errorf("Addr has zone %q", got.Addr.Zone())
			}
			if s := got.String(); s != tt.text {
				t.Errorf("String() = %q, want %q", s, tt.text)
			}
		})
	}
}

func TestAddressTypeOf(t *testing.T) {
	tests := []struct {
		prefix string
		want   string
	}{
		{"192.0.2.0/24", AddressTypeIPv4},
		{"0.0.0.0/0", AddressTypeIPv4},
		{"2001:db8::/32", AddressTypeIPv6},
		{"::/0", AddressTypeIPv6},
		{"::ffff:192.0.2.0/120", AddressTypeIPv6},
	}
	for _, tt := range tests {
		t.Run(tt.prefix, func(t *testing.T) {
			if got := AddressTypeOf(netip.MustParsePrefix(tt.prefix)); got != tt.want {
				t.Errorf("AddressTypeOf(%s) = %q, want %q", tt.prefix, got, tt.want)
			}
		})
	}
}
