package discovery

import (
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"
)

func TestReverseNames(t *testing.T) {
	tests := []struct {
		name   string
		prefix string
		want   []string
	}{
		{
			// The example of RFC 8686, Sections 3.2 and 3.3.
			name:   "IPv4 address",
			prefix: "198.51.100.3/32",
			want:   []string{"3.100.51.198.in-addr.arpa.", "100.51.198.in-addr.arpa.", "51.198.in-addr.arpa.", "198.in-addr.arpa."},
		},
		{
			name:   "IPv4 /24",
			prefix: "198.51.100.0/24",
			want:   []string{"100.51.198.in-addr.arpa.", "51.198.in-addr.arpa.", "198.in-addr.arpa."},
		},
		{
			name:   "IPv4 /31 starts at /24",
			prefix: "198.51.100.2/31",
			want:   []string{"100.51.198.in-addr.arpa.", "51.198.in-addr.arpa.", "198.in-addr.arpa."},
		},
		{
			name:   "IPv4 /23 starts at /16",
			prefix: "198.51.100.0/23",
			want:   []string{"51.198.in-addr.arpa.", "198.in-addr.arpa."},
		},
		{
			name:   "IPv4 /15 starts at /8",
			prefix: "198.50.0.0/15",
			want:   []string{"198.in-addr.arpa."},
		},
		{
			name:   "IPv4 /8",
			prefix: "10.0.0.0/8",
			want:   []string{"10.in-addr.arpa."},
		},
		{
			// The example of RFC 8686, Sections 3.2 and 3.3, in lower case.
			name:   "IPv6 address",
			prefix: "2001:0DB8::20/128",
			want: lower(
				"0.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.B.D.0.1.0.0.2.IP6.ARPA.",
				"0.0.0.0.0.0.0.0.8.B.D.0.1.0.0.2.IP6.ARPA.",
				"0.0.0.0.0.0.8.B.D.0.1.0.0.2.IP6.ARPA.",
				"0.0.0.0.8.B.D.0.1.0.0.2.IP6.ARPA.",
				"0.0.8.B.D.0.1.0.0.2.IP6.ARPA.",
				"8.B.D.0.1.0.0.2.IP6.ARPA.",
			),
		},
		{
			name:   "IPv6 /127 starts at /64",
			prefix: "2001:db8:aaaa:bbbb::/127",
			want: []string{
				"b.b.b.b.a.a.a.a.8.b.d.0.1.0.0.2.ip6.arpa.",
				"b.b.a.a.a.a.8.b.d.0.1.0.0.2.ip6.arpa.",
				"a.a.a.a.8.b.d.0.1.0.0.2.ip6.arpa.",
				"a.a.8.b.d.0.1.0.0.2.ip6.arpa.",
				"8.b.d.0.1.0.0.2.ip6.arpa.",
			},
		},
		{
			name:   "IPv6 /63 starts at /56",
			prefix: "2001:db8:aaaa:bb00::/63",
			want: []string{
				"b.b.a.a.a.a.8.b.d.0.1.0.0.2.ip6.arpa.",
				"a.a.a.a.8.b.d.0.1.0.0.2.ip6.arpa.",
				"a.a.8.b.d.0.1.0.0.2.ip6.arpa.",
				"8.b.d.0.1.0.0.2.ip6.arpa.",
			},
		},
		{
			name:   "IPv6 /39 starts at /32",
			prefix: "2001:db8::/39",
			want:   []string{"8.b.d.0.1.0.0.2.ip6.arpa."},
		},
		{
			name:   "IPv4-mapped address",
			prefix: "::ffff:198.51.100.3/128",
			want:   []string{"3.100.51.198.in-addr.arpa.", "100.51.198.in-addr.arpa.", "51.198.in-addr.arpa.", "198.in-addr.arpa."},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReverseNames(netip.MustParsePrefix(tt.prefix))
			if err != nil {
				t.Fatalf("ReverseNames(%s): %v", tt.prefix, err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("ReverseNames(%s) =\n%s\nwant\n%s", tt.prefix, strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestReverseNamesZone(t *testing.T) {
	addr := netip.MustParseAddr("fe80::1%eth0")
	got, err := ReverseNames(netip.PrefixFrom(addr, 128))
	if err != nil {
		t.Fatalf("ReverseNames: %v", err)
	}
	if want := "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.e.f.ip6.arpa."; got[0] != want {
		t.Errorf("first name = %s, want %s", got[0], want)
	}
}

func TestReverseNamesUnsupportedLength(t *testing.T) {
	for _, prefix := range []string{"192.0.0.0/7", "0.0.0.0/0", "2001:d00::/31", "::/0", "::ffff:0:0/103"} {
		t.Run(prefix, func(t *testing.T) {
			p := netip.MustParsePrefix(prefix)
			names, err := ReverseNames(p)
			if !errors.Is(err, ErrUnsupportedPrefixLength) {
				t.Fatalf("ReverseNames(%s) = %v, %v; want ErrUnsupportedPrefixLength", prefix, names, err)
			}
			if !strings.Contains(err.Error(), p.String()) {
				t.Errorf("error %q does not name the prefix", err)
			}
		})
	}
}

func TestReverseNamesInvalidPrefix(t *testing.T) {
	if _, err := ReverseNames(netip.Prefix{}); err == nil {
		t.Fatal("ReverseNames(zero prefix) returned no error")
	}
}

func lower(names ...string) []string {
	for i, n := range names {
		names[i] = strings.ToLower(n)
	}
	return names
}
