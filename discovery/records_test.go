package discovery

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"
)

func prefixes(list ...string) []netip.Prefix {
	var out []netip.Prefix
	for _, s := range list {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}

func TestRecords(t *testing.T) {
	const uri = "https://alto.example.net/directory"
	rdata := ` 3600 IN NAPTR 100 10 "u" "ALTO:https" "!.*!https://alto.example.net/directory!" .`
	tests := []struct {
		name     string
		domain   string
		prefixes []string
		want     []string
	}{
		{
			name:   "domain only",
			domain: "Example.NET",
			want:   []string{"example.net." + rdata},
		},
		{
			name:     "lookup levels",
			domain:   "example.net.",
			prefixes: []string{"192.0.2.0/24", "198.51.0.0/16", "10.0.0.0/8", "192.0.2.7/32", "2001:db8::/32", "2001:db8:1::/48", "2001:db8::20/128"},
			want: []string{
				"example.net." + rdata,
				"2.0.192.in-addr.arpa." + rdata,
				"51.198.in-addr.arpa." + rdata,
				"10.in-addr.arpa." + rdata,
				"7.2.0.192.in-addr.arpa." + rdata,
				"8.b.d.0.1.0.0.2.ip6.arpa." + rdata,
				"1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa." + rdata,
				"0.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa." + rdata,
			},
		},
		{
			name:     "prefixes only",
			prefixes: []string{"198.51.100.0/24"},
			want:     []string{"100.51.198.in-addr.arpa." + rdata},
		},
		{
			name:     "host bits cleared",
			prefixes: []string{"198.51.100.77/24"},
			want:     []string{"100.51.198.in-addr.arpa." + rdata},
		},
		{
			name:     "IPv4 /22 at /24",
			prefixes: []string{"198.51.100.0/22"},
			want: []string{
				"100.51.198.in-addr.arpa." + rdata,
				"101.51.198.in-addr.arpa." + rdata,
				"102.51.198.in-addr.arpa." + rdata,
				"103.51.198.in-addr.arpa." + rdata,
			},
		},
		{
			name:     "IPv4 /30 at /32",
			prefixes: []string{"192.0.2.252/30"},
			want: []string{
				"252.2.0.192.in-addr.arpa." + rdata,
				"253.2.0.192.in-addr.arpa." + rdata,
				"254.2.0.192.in-addr.arpa." + rdata,
				"255.2.0.192.in-addr.arpa." + rdata,
			},
		},
		{
			name:     "IPv6 /62 at /64",
			prefixes: []string{"2001:db8:0:ff0c::/62"},
			want: []string{
				"c.0.f.f.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa." + rdata,
				"d.0.f.f.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa." + rdata,
				"e.0.f.f.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa." + rdata,
				"f.0.f.f.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa." + rdata,
			},
		},
		{
			name:     "IPv4-mapped prefix",
			prefixes: []string{"::ffff:198.51.100.0/120"},
			want:     []string{"100.51.198.in-addr.arpa." + rdata},
		},
		{
			name:     "duplicates once",
			prefixes: []string{"198.51.100.0/24", "198.51.100.9/24", "::ffff:198.51.100.0/120"},
			want:     []string{"100.51.198.in-addr.arpa." + rdata},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Records(tt.domain, uri, prefixes(tt.prefixes...), 3600)
			if err != nil {
				t.Fatalf("Records: %v", err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Records =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			for _, line := range got {
				if _, err := dns.NewRR(line); err != nil {
					t.Errorf("line %q is not valid zone-file syntax: %v", line, err)
				}
			}
		})
	}
}

func TestRecordsExpansionCount(t *testing.T) {
	tests := []struct {
		prefix string
		names  int
	}{
		{"198.51.0.0/17", 128},
		{"198.48.0.0/13", 8},
		{"192.0.2.128/25", 128},
		{"2001:db8::/33", 128},
		{"2001:db8::/120", 256},
	}
	for _, tt := range tests {
		t.Run(tt.prefix, func(t *testing.T) {
			got, err := Records("", "https://alto.example.net/", prefixes(tt.prefix), 60)
			if err != nil {
				t.Fatalf("Records: %v", err)
			}
			if len(got) != tt.names {
				t.Errorf("%d records, want %d", len(got), tt.names)
			}
		})
	}
}

func TestRecordsHTTPAndDelimiter(t *testing.T) {
	got, err := Records("example.net", "http://alto.example.net/a!b", nil, 60)
	if err != nil {
		t.Fatalf("Records: %v", err)
	}
	want := `example.net. 60 IN NAPTR 100 10 "u" "ALTO:http" "|.*|http://alto.example.net/a!b|" .`
	if len(got) != 1 || got[0] != want {
		t.Errorf("Records = %q, want %q", got, want)
	}
}

func TestRecordsInvalid(t *testing.T) {
	tests := []struct {
		name, domain, uri string
		prefixes          []string
		message           string
	}{
		{"nothing to publish", "", "https://alto.example.net/", nil, "give a domain"},
		{"relative URI", "example.net", "/directory", nil, "absolute http or https"},
		{"other scheme", "example.net", "ftp://alto.example.net/", nil, "absolute http or https"},
		{"space in URI", "example.net", "https://alto.example.net/a b", nil, "' '"},
		{"quote in URI", "example.net", `https://alto.example.net/"`, nil, `'"'`},
		{"non-ASCII URI", "example.net", "https://alto.example.net/é", nil, "'é'"},
		{"every delimiter", "example.net", "https://alto.example.net/!|~^%25", nil, "delimiter"},
		{"invalid domain", "a..b", "https://alto.example.net/", nil, "invalid domain name"},
		{"IPv4 /7", "", "https://alto.example.net/", []string{"192.0.0.0/7"}, "unsupported prefix length"},
		{"IPv6 /31", "", "https://alto.example.net/", []string{"2001:db8::/31"}, "unsupported prefix length"},
		{"IPv6 /96", "", "https://alto.example.net/", []string{"2001:db8::/96"}, "2^32 reverse names at /128"},
		{"IPv4 /15", "", "https://alto.example.net/", []string{"198.50.0.0/15"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Records(tt.domain, tt.uri, prefixes(tt.prefixes...), 60)
			if tt.message == "" {
				// IPv4 /15 lies between /8 and /16 and needs 2 names: no error.
				if err != nil || len(got) != 2 {
					t.Errorf("Records = %q, %v; want 2 records", got, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Records = %q, want an error", got)
			}
			if !strings.Contains(err.Error(), tt.message) {
				t.Errorf("error %q does not mention %q", err, tt.message)
			}
		})
	}
}

func TestRecordsRoundTrip(t *testing.T) {
	const uri = "https://alto.example.net/directory"
	lines, err := Records("example.net", uri, prefixes("192.0.2.0/24", "198.51.100.0/22", "2001:db8::/48", "2001:db8:f::/60"), 3600)
	if err != nil {
		t.Fatalf("Records: %v", err)
	}
	s := startDNS(t, lines...)
	r := &Resolver{Server: s.Addr}

	got, err := r.LookupDomain(context.Background(), "example.net")
	if err != nil || !slices.Equal(got, []string{uri}) {
		t.Errorf("LookupDomain = %v, %v; want [%s]", got, err, uri)
	}
	found := []string{"192.0.2.7", "198.51.101.200", "198.51.103.1", "2001:db8::1", "2001:db8:0:ffff::1", "2001:db8:f:3::1", "2001:db8:f:f:1::1"}
	for _, addr := range found {
		t.Run(addr, func(t *testing.T) {
			got, err := r.LookupAddress(context.Background(), netip.MustParseAddr(addr))
			if err != nil || !slices.Equal(got, []string{uri}) {
				t.Errorf("LookupAddress(%s) = %v, %v; want [%s]", addr, got, err, uri)
			}
		})
	}
	outside := []string{"192.0.3.1", "198.51.104.1", "198.51.99.255", "2001:db8:1::1", "2001:db8:f:10::1"}
	for _, addr := range outside {
		t.Run(addr, func(t *testing.T) {
			got, err := r.LookupAddress(context.Background(), netip.MustParseAddr(addr))
			var notFound *NotFoundError
			if !errors.As(err, &notFound) {
				t.Errorf("LookupAddress(%s) = %v, %v; want a *NotFoundError for an address outside the prefixes", addr, got, err)
			}
		})
	}
}
