package discovery

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/goalto/goalto/discovery/discoverytest"
)

// startDNS starts a test DNS server with records and stops it when the
// test ends.
func startDNS(t *testing.T, records ...string) *discoverytest.Server {
	t.Helper()
	s, err := discoverytest.NewServer(records...)
	if err != nil {
		t.Fatalf("start DNS server: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// naptr returns a terminal ALTO NAPTR record in zone-file syntax.
func naptr(owner string, order, pref int, service, uri string) string {
	return fmt.Sprintf(`%s 300 IN NAPTR %d %d "u" %q "!.*!%s!" .`, owner, order, pref, service, uri)
}

// domainZone holds the records of the domain lookup tests.
var domainZone = []string{
	// Several records of different order, preference and service.
	naptr("multi.example.", 100, 20, "ALTO:https", "https://alto2.multi.example/ird"),
	naptr("multi.example.", 100, 10, "ALTO:https", "https://alto1.multi.example/ird"),
	naptr("multi.example.", 50, 30, "ALTO:https", "https://alto0.multi.example/ird"),
	naptr("multi.example.", 10, 10, "ALTO:http", "http://plain.multi.example/ird"),
	naptr("multi.example.", 5, 10, "LIS:HELD", "https://lis.multi.example/"),
	`multi.example. 300 IN NAPTR 5 20 "s" "ALTO:https" "" _alto._tcp.multi.example.`,
	`multi.example. 300 IN NAPTR 5 30 "x" "ALTO:https" "!.*!https://unknown-flag.multi.example/!" .`,
	`multi.example. 300 IN TXT "not a NAPTR record"`,

	// Spelling variants of the fields.
	`mixed.example. 300 IN NAPTR 10 10 "U" "alto:HTTPS" "|^.*$|https://alto.mixed.example/a!b|i" .`,
	`mixed.example. 300 IN NAPTR 20 10 "u" "ALTO:http:https" "!.*!https://both.mixed.example/ird!" .`,

	// One record for both protocols, for each scheme.
	naptr("both.example.", 10, 10, "ALTO:http:https", "https://secure.both.example/ird"),
	naptr("both.example.", 20, 10, "ALTO:http:https", "http://plain.both.example/ird"),

	// Only other services.

	naptr("other.example.", 10, 10, "LIS:HELD", "https://lis.other.example/"),

	// Malformed records.
	`bad.example. 300 IN NAPTR 10 10 "u" "ALTO:https" "!^(.*)$!https://\\1/!" .`,
	`badrepl.example. 300 IN NAPTR 10 10 "u" "ALTO:https" "!.*!https://alto.badrepl.example/!" next.example.`,
	naptr("badscheme.example.", 10, 10, "ALTO:https", "http://alto.badscheme.example/"),
	`ntregexp.example. 300 IN NAPTR 10 10 "" "ALTO:https" "!.*!https://a/!" next.example.`,
	`ntempty.example. 300 IN NAPTR 10 10 "" "ALTO:https" "" .`,
	naptr("somebad.example.", 10, 10, "ALTO:https", "not a uri"),
	naptr("somebad.example.", 20, 10, "ALTO:https", "https://alto.somebad.example/ird"),
	// A malformed record of another service is ignored.
	naptr("otherbad.example.", 10, 10, "LIS:HELD", "no uri"),
	naptr("otherbad.example.", 20, 10, "ALTO:https", "https://alto.otherbad.example/ird"),

	// Non-terminal records.
	`follow.example. 300 IN NAPTR 10 10 "" "ALTO:https" "" alto.target.example.`,
	naptr("follow.example.", 20, 10, "ALTO:https", "https://fallback.follow.example/ird"),
	naptr("alto.target.example.", 10, 10, "ALTO:https", "https://alto.target.example/ird"),
	naptr("alto.target.example.", 10, 20, "ALTO:https", "https://alto2.target.example/ird"),
	`dangling.example. 300 IN NAPTR 10 10 "" "ALTO:https" "" nowhere.example.`,
	`loop1.example. 300 IN NAPTR 10 10 "" "ALTO:https" "" loop2.example.`,
	`loop2.example. 300 IN NAPTR 10 10 "" "ALTO:https" "" loop1.example.`,

	// A CNAME to a name with records.
	`alias.example. 300 IN CNAME multi.example.`,
}

func TestLookupDomain(t *testing.T) {
	s := startDNS(t, domainZone...)
	tests := []struct {
		name     string
		domain   string
		services []string
		want     []string
		queries  []string
	}{
		{
			name:    "order then preference",
			domain:  "multi.example",
			want:    []string{"https://alto0.multi.example/ird", "https://alto1.multi.example/ird", "https://alto2.multi.example/ird"},
			queries: []string{"multi.example."},
		},
		{
			name:     "http allowed",
			domain:   "multi.example.",
			services: []string{ServiceHTTPS, ServiceHTTP},
			want:     []string{"http://plain.multi.example/ird", "https://alto0.multi.example/ird", "https://alto1.multi.example/ird", "https://alto2.multi.example/ird"},
			queries:  []string{"multi.example."},
		},
		{
			name:     "other service requested",
			domain:   "multi.example.",
			services: []string{"LIS:HELD"},
			want:     []string{"https://lis.multi.example/"},
			queries:  []string{"multi.example."},
		},
		{
			name:    "upper case domain",
			domain:  "MULTI.Example",
			want:    []string{"https://alto0.multi.example/ird", "https://alto1.multi.example/ird", "https://alto2.multi.example/ird"},
			queries: []string{"multi.example."},
		},
		{
			name:    "field spellings",
			domain:  "mixed.example",
			want:    []string{"https://alto.mixed.example/a!b", "https://both.mixed.example/ird"},
			queries: []string{"mixed.example."},
		},
		{
			name:    "malformed record skipped",
			domain:  "somebad.example",
			want:    []string{"https://alto.somebad.example/ird"},
			queries: []string{"somebad.example."},
		},
		{
			name:    "malformed other service ignored",
			domain:  "otherbad.example",
			want:    []string{"https://alto.otherbad.example/ird"},
			queries: []string{"otherbad.example."},
		},
		{
			name:    "scheme picks the protocol",
			domain:  "both.example",
			want:    []string{"https://secure.both.example/ird"},
			queries: []string{"both.example."},
		},
		{
			name:     "http only requested",
			domain:   "both.example",
			services: []string{ServiceHTTP},
			want:     []string{"http://plain.both.example/ird"},
			queries:  []string{"both.example."},
		},
		{
			name:    "non-terminal record followed",
			domain:  "follow.example",
			want:    []string{"https://alto.target.example/ird", "https://alto2.target.example/ird", "https://fallback.follow.example/ird"},
			queries: []string{"follow.example.", "alto.target.example."},
		},
		{
			name:    "CNAME followed by the server",
			domain:  "alias.example",
			want:    []string{"https://alto0.multi.example/ird", "https://alto1.multi.example/ird", "https://alto2.multi.example/ird"},
			queries: []string{"alias.example."},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &Resolver{Server: s.Addr, Services: tt.services}
			before := len(s.Queries())
			got, err := r.LookupDomain(context.Background(), tt.domain)
			if err != nil {
				t.Fatalf("LookupDomain(%s): %v", tt.domain, err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("LookupDomain(%s) =\n%s\nwant\n%s", tt.domain, strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			if names := s.QueryNames()[before:]; !slices.Equal(names, tt.queries) {
				t.Errorf("queried %v, want %v", names, tt.queries)
			}
		})
	}
}

func TestDiscoverDomainTargets(t *testing.T) {
	s := startDNS(t, domainZone...)
	r := &Resolver{Server: s.Addr}
	res, err := r.DiscoverDomain(context.Background(), "multi.example")
	if err != nil {
		t.Fatalf("DiscoverDomain: %v", err)
	}
	want := []Target{
		{URI: "https://alto0.multi.example/ird", Order: 50, Preference: 30, Service: "ALTO:https", Name: "multi.example."},
		{URI: "https://alto1.multi.example/ird", Order: 100, Preference: 10, Service: "ALTO:https", Name: "multi.example."},
		{URI: "https://alto2.multi.example/ird", Order: 100, Preference: 20, Service: "ALTO:https", Name: "multi.example."},
	}
	if !slices.Equal(res.Targets, want) {
		t.Errorf("targets = %+v, want %+v", res.Targets, want)
	}
	if want := []Query{{Name: "multi.example.", Outcome: OutcomeFound}}; !slices.Equal(res.Queries, want) {
		t.Errorf("queries = %+v, want %+v", res.Queries, want)
	}
	if len(res.Errs) != 0 || res.Temporary() {
		t.Errorf("errors = %v, want none", res.Errs)
	}
}

func TestDiscoverDomainSkippedRecord(t *testing.T) {
	s := startDNS(t, domainZone...)
	r := &Resolver{Server: s.Addr}
	res, err := r.DiscoverDomain(context.Background(), "somebad.example")
	if err != nil {
		t.Fatalf("DiscoverDomain: %v", err)
	}
	if len(res.Errs) != 1 {
		t.Fatalf("errors = %v, want the malformed record", res.Errs)
	}
	var recErr *RecordError
	if !errors.As(res.Errs[0], &recErr) || recErr.Field != "regexp" || !strings.Contains(recErr.Record, "not a uri") {
		t.Errorf("error = %v, want a *RecordError on the regexp field of the record with \"not a uri\"", res.Errs[0])
	}
}

func TestLookupDomainMalformed(t *testing.T) {
	s := startDNS(t, domainZone...)
	tests := []struct {
		domain, field, reason string
	}{
		{"bad.example", "regexp", "whole string"},
		{"badrepl.example", "replacement", "next.example."},
		{"badscheme.example", "regexp", "scheme http"},
		{"ntregexp.example", "regexp", "non-terminal"},
		{"ntempty.example", "replacement", "empty in a non-terminal"},
	}
	for _, tt := range tests {
		t.Run(tt.domain, func(t *testing.T) {
			r := &Resolver{Server: s.Addr}
			uris, err := r.LookupDomain(context.Background(), tt.domain)
			var notFound *NotFoundError
			if !errors.As(err, &notFound) {
				t.Fatalf("LookupDomain(%s) = %v, %v; want a *NotFoundError", tt.domain, uris, err)
			}
			var recErr *RecordError
			if !errors.As(err, &recErr) {
				t.Fatalf("error %v does not hold a *RecordError", err)
			}
			if recErr.Field != tt.field {
				t.Errorf("field = %q, want %q", recErr.Field, tt.field)
			}
			if !strings.HasPrefix(recErr.Record, tt.domain+". ") {
				t.Errorf("record %q does not start with its owner name %s.", recErr.Record, tt.domain)
			}
			if !strings.Contains(recErr.Reason, tt.reason) {
				t.Errorf("reason %q does not mention %q", recErr.Reason, tt.reason)
			}
			if !strings.Contains(err.Error(), tt.domain+".") || !strings.Contains(err.Error(), tt.field) {
				t.Errorf("message %q does not name the record and the field", err)
			}
		})
	}
}

func TestLookupDomainNotFound(t *testing.T) {
	s := startDNS(t, domainZone...)
	tests := []struct {
		name, domain string
		outcome      Outcome
	}{
		{"nxdomain", "missing.example", OutcomeNXDomain},
		{"other services only", "other.example", OutcomeNoRecords},
		{"empty non-terminal", "target.example", OutcomeNoRecords},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &Resolver{Server: s.Addr}
			_, err := r.DiscoverDomain(context.Background(), tt.domain)
			var notFound *NotFoundError
			if !errors.As(err, &notFound) {
				t.Fatalf("DiscoverDomain(%s) error = %v, want a *NotFoundError", tt.domain, err)
			}
			if want := []string{tt.domain + "."}; !slices.Equal(notFound.Names, want) {
				t.Errorf("names = %v, want %v", notFound.Names, want)
			}
			if len(notFound.Errs) != 0 || notFound.Temporary() {
				t.Errorf("errors = %v, want none", notFound.Errs)
			}
		})
	}
}

func TestLookupDomainDanglingNonTerminal(t *testing.T) {
	s := startDNS(t, domainZone...)
	r := &Resolver{Server: s.Addr}
	_, err := r.DiscoverDomain(context.Background(), "dangling.example")
	var notFound *NotFoundError
	if !errors.As(err, &notFound) {
		t.Fatalf("error = %v, want a *NotFoundError", err)
	}
	if len(notFound.Errs) != 0 {
		t.Errorf("errors = %v, want none: the followed name is absent, not malformed", notFound.Errs)
	}
	if want := []string{"dangling.example.", "nowhere.example."}; !slices.Equal(s.QueryNames(), want) {
		t.Errorf("queried %v, want %v", s.QueryNames(), want)
	}
}

func TestDiscoverDomainOtherSchemeSkipped(t *testing.T) {
	s := startDNS(t, naptr("one.example.", 10, 10, "ALTO:http:https", "https://alto.one.example/ird"))
	r := &Resolver{Server: s.Addr, Services: []string{ServiceHTTP}}
	_, err := r.DiscoverDomain(context.Background(), "one.example")
	var notFound *NotFoundError
	if !errors.As(err, &notFound) {
		t.Fatalf("error = %v, want a *NotFoundError", err)
	}
	if len(notFound.Errs) != 0 {
		t.Errorf("errors = %v, want none: an https URI is valid but not requested", notFound.Errs)
	}
}

func TestLookupDomainLoop(t *testing.T) {
	s := startDNS(t, domainZone...)
	r := &Resolver{Server: s.Addr}
	_, err := r.LookupDomain(context.Background(), "loop1.example")
	var recErr *RecordError
	if !errors.As(err, &recErr) || recErr.Field != "replacement" {
		t.Fatalf("error = %v, want a *RecordError on the replacement field", err)
	}
	if want := []string{"loop1.example.", "loop2.example."}; !slices.Equal(s.QueryNames(), want) {
		t.Errorf("queried %v, want %v", s.QueryNames(), want)
	}
}

func TestLookupDomainServerFailure(t *testing.T) {
	s := startDNS(t, domainZone...)
	s.SetRcode("multi.example.", dns.RcodeServerFailure)
	r := &Resolver{Server: s.Addr}
	uris, err := r.LookupDomain(context.Background(), "multi.example")
	var dnsErr *DNSError
	if !errors.As(err, &dnsErr) {
		t.Fatalf("LookupDomain = %v, %v; want a *DNSError", uris, err)
	}
	if dnsErr.Rcode != dns.RcodeServerFailure || !dnsErr.Temporary() || dnsErr.Timeout() {
		t.Errorf("error = %+v, want a temporary SERVFAIL without timeout", dnsErr)
	}
	if dnsErr.Name != "multi.example." || dnsErr.Server != s.Addr {
		t.Errorf("error names %s at %s, want multi.example. at %s", dnsErr.Name, dnsErr.Server, s.Addr)
	}
}

func TestLookupDomainTimeout(t *testing.T) {
	s := startDNS(t, domainZone...)
	s.Drop("multi.example.")
	r := &Resolver{Server: s.Addr, Timeout: 200 * time.Millisecond}
	_, err := r.LookupDomain(context.Background(), "multi.example")
	var dnsErr *DNSError
	if !errors.As(err, &dnsErr) {
		t.Fatalf("error = %v, want a *DNSError", err)
	}
	if !dnsErr.Timeout() || !dnsErr.Temporary() || dnsErr.Rcode != -1 {
		t.Errorf("error = %+v, want a temporary timeout without response code", dnsErr)
	}
}

func TestLookupDomainContextEnded(t *testing.T) {
	s := startDNS(t, domainZone...)
	s.Drop("multi.example.")
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	r := &Resolver{Server: s.Addr, Timeout: time.Minute}
	_, err := r.LookupDomain(ctx, "multi.example")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error = %v, want context.DeadlineExceeded", err)
	}
	var dnsErr *DNSError
	if errors.As(err, &dnsErr) {
		t.Errorf("error %v is a *DNSError, want the context's error only", err)
	}
}

func TestLookupDomainInvalid(t *testing.T) {
	r := &Resolver{Server: "127.0.0.1:1"}
	for _, domain := range []string{"", ".", "a..b", strings.Repeat("a", 64) + ".example"} {
		t.Run(fmt.Sprintf("%q", domain), func(t *testing.T) {
			if _, err := r.LookupDomain(context.Background(), domain); err == nil || !strings.Contains(err.Error(), "invalid domain name") {
				t.Errorf("LookupDomain(%q) error = %v, want invalid domain name", domain, err)
			}
		})
	}
}

func TestLookupAddressInvalid(t *testing.T) {
	r := &Resolver{Server: "127.0.0.1:1"}
	if _, err := r.LookupAddress(context.Background(), netip.Addr{}); err == nil || !strings.Contains(err.Error(), "invalid IP address") {
		t.Errorf("LookupAddress(zero address) error = %v, want invalid IP address", err)
	}
}

func TestLookupTruncatedFallsBackToTCP(t *testing.T) {
	var records, want []string
	for i := range 40 {
		uri := fmt.Sprintf("https://alto%02d.big.example/directory/with/a/long/path", i)
		records = append(records, naptr("big.example.", 100, 10+i, "ALTO:https", uri))
		want = append(want, uri)
	}
	s := startDNS(t, records...)
	r := &Resolver{Server: s.Addr}
	res, err := r.DiscoverDomain(context.Background(), "big.example")
	if err != nil {
		t.Fatalf("DiscoverDomain: %v", err)
	}
	if got := res.URIs(); !slices.Equal(got, want) {
		t.Errorf("got %d URIs, want all %d in order:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	wantQueries := []discoverytest.Query{
		{Name: "big.example.", Type: dns.TypeNAPTR, Net: "udp"},
		{Name: "big.example.", Type: dns.TypeNAPTR, Net: "tcp"},
	}
	if got := s.Queries(); !slices.Equal(got, wantQueries) {
		t.Errorf("server got %+v, want %+v", got, wantQueries)
	}
	if !res.Queries[0].TCP {
		t.Errorf("query %+v does not report the TCP fallback", res.Queries[0])
	}
}

// reverseZone holds the records of the reverse lookup tests, at several
// levels of the reverse tree.
var reverseZone = []string{
	naptr("7.2.0.192.in-addr.arpa.", 100, 10, "ALTO:https", "https://host.example/r32"),
	naptr("192.in-addr.arpa.", 100, 10, "ALTO:https", "https://r8.example/ird"),
	naptr("100.51.198.in-addr.arpa.", 100, 20, "ALTO:https", "https://alto2.example.net/ird"),
	naptr("100.51.198.in-addr.arpa.", 100, 10, "ALTO:https", "https://alto1.example.net/ird"),
	naptr("0.203.in-addr.arpa.", 100, 10, "ALTO:https", "https://r16.example/ird"),
	naptr("0.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.", 100, 10, "ALTO:https", "https://r128.example/ird"),
	naptr("1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.", 100, 10, "ALTO:https", "https://r48.example/ird"),
	naptr("8.b.d.0.1.0.0.2.ip6.arpa.", 100, 10, "ALTO:https", "https://r32.example/ird"),
}

func TestLookupAddress(t *testing.T) {
	s := startDNS(t, reverseZone...)
	tests := []struct {
		name    string
		addr    string
		want    []string
		queries []string
	}{
		{
			name:    "IPv4 at /32",
			addr:    "192.0.2.7",
			want:    []string{"https://host.example/r32"},
			queries: []string{"7.2.0.192.in-addr.arpa."},
		},
		{
			name:    "IPv4 at /24",
			addr:    "198.51.100.3",
			want:    []string{"https://alto1.example.net/ird", "https://alto2.example.net/ird"},
			queries: []string{"3.100.51.198.in-addr.arpa.", "100.51.198.in-addr.arpa."},
		},
		{
			name:    "IPv4 at /16",
			addr:    "203.0.113.9",
			want:    []string{"https://r16.example/ird"},
			queries: []string{"9.113.0.203.in-addr.arpa.", "113.0.203.in-addr.arpa.", "0.203.in-addr.arpa."},
		},
		{
			name:    "IPv4 at /8 past empty non-terminals",
			addr:    "192.0.2.8",
			want:    []string{"https://r8.example/ird"},
			queries: []string{"8.2.0.192.in-addr.arpa.", "2.0.192.in-addr.arpa.", "0.192.in-addr.arpa.", "192.in-addr.arpa."},
		},
		{
			name:    "IPv4-mapped IPv6",
			addr:    "::ffff:198.51.100.3",
			want:    []string{"https://alto1.example.net/ird", "https://alto2.example.net/ird"},
			queries: []string{"3.100.51.198.in-addr.arpa.", "100.51.198.in-addr.arpa."},
		},
		{
			name:    "IPv6 at /128",
			addr:    "2001:db8::20",
			want:    []string{"https://r128.example/ird"},
			queries: []string{"0.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa."},
		},
		{
			name: "IPv6 at /48",
			addr: "2001:db8:1::5",
			want: []string{"https://r48.example/ird"},
			queries: []string{
				"5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.",
				"0.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.",
				"0.0.1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.",
				"1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.",
			},
		},
		{
			name: "IPv6 at /32 after six queries",
			addr: "2001:db8:2::1",
			want: []string{"https://r32.example/ird"},
			queries: []string{
				"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.2.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.",
				"0.0.0.0.2.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.",
				"0.0.2.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.",
				"2.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa.",
				"0.0.8.b.d.0.1.0.0.2.ip6.arpa.",
				"8.b.d.0.1.0.0.2.ip6.arpa.",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &Resolver{Server: s.Addr}
			before := len(s.Queries())
			got, err := r.LookupAddress(context.Background(), netip.MustParseAddr(tt.addr))
			if err != nil {
				t.Fatalf("LookupAddress(%s): %v", tt.addr, err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("LookupAddress(%s) = %v, want %v", tt.addr, got, tt.want)
			}
			if names := s.QueryNames()[before:]; !slices.Equal(names, tt.queries) {
				t.Errorf("queried\n%s\nwant\n%s", strings.Join(names, "\n"), strings.Join(tt.queries, "\n"))
			}
		})
	}
}

func TestLookupPrefix(t *testing.T) {
	s := startDNS(t, reverseZone...)
	tests := []struct {
		prefix  string
		want    []string
		queries []string
	}{
		{"198.51.100.0/24", []string{"https://alto1.example.net/ird", "https://alto2.example.net/ird"}, []string{"100.51.198.in-addr.arpa."}},
		{"198.51.100.128/25", []string{"https://alto1.example.net/ird", "https://alto2.example.net/ird"}, []string{"100.51.198.in-addr.arpa."}},
		{"192.0.0.0/22", []string{"https://r8.example/ird"}, []string{"0.192.in-addr.arpa.", "192.in-addr.arpa."}},
		{"2001:db8:1::/52", []string{"https://r48.example/ird"}, []string{"1.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa."}},
		{"2001:db8::/32", []string{"https://r32.example/ird"}, []string{"8.b.d.0.1.0.0.2.ip6.arpa."}},
	}
	for _, tt := range tests {
		t.Run(tt.prefix, func(t *testing.T) {
			r := &Resolver{Server: s.Addr}
			before := len(s.Queries())
			got, err := r.LookupPrefix(context.Background(), netip.MustParsePrefix(tt.prefix))
			if err != nil {
				t.Fatalf("LookupPrefix(%s): %v", tt.prefix, err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("LookupPrefix(%s) = %v, want %v", tt.prefix, got, tt.want)
			}
			if names := s.QueryNames()[before:]; !slices.Equal(names, tt.queries) {
				t.Errorf("queried %v, want %v", names, tt.queries)
			}
		})
	}
}

func TestLookupPrefixUnsupportedLength(t *testing.T) {
	s := startDNS(t, reverseZone...)
	r := &Resolver{Server: s.Addr}
	for _, prefix := range []string{"192.0.0.0/7", "2001:db8::/31"} {
		t.Run(prefix, func(t *testing.T) {
			_, err := r.LookupPrefix(context.Background(), netip.MustParsePrefix(prefix))
			if !errors.Is(err, ErrUnsupportedPrefixLength) {
				t.Errorf("error = %v, want ErrUnsupportedPrefixLength", err)
			}
		})
	}
	if q := s.Queries(); len(q) != 0 {
		t.Errorf("server got %v, want no query", q)
	}
}

func TestLookupAddressNXDomainEverywhere(t *testing.T) {
	s := startDNS(t, reverseZone...)
	r := &Resolver{Server: s.Addr}
	res, err := r.DiscoverPrefix(context.Background(), netip.MustParsePrefix("233.252.0.1/32"))
	var notFound *NotFoundError
	if !errors.As(err, &notFound) {
		t.Fatalf("DiscoverPrefix = %+v, %v; want a *NotFoundError", res, err)
	}
	want := []string{"1.0.252.233.in-addr.arpa.", "0.252.233.in-addr.arpa.", "252.233.in-addr.arpa.", "233.in-addr.arpa."}
	if !slices.Equal(notFound.Names, want) {
		t.Errorf("names = %v, want %v", notFound.Names, want)
	}
	if !slices.Equal(s.QueryNames(), want) {
		t.Errorf("queried %v, want %v", s.QueryNames(), want)
	}
	if len(notFound.Errs) != 0 || notFound.Temporary() {
		t.Errorf("errors = %v, want none", notFound.Errs)
	}
	if !strings.Contains(err.Error(), "no ALTO:https NAPTR record found at 1.0.252.233.in-addr.arpa.") {
		t.Errorf("message %q does not say what was looked for where", err)
	}
}

func TestLookupAddressErrorsContinue(t *testing.T) {
	tests := []struct {
		name      string
		setup     func(s *discoverytest.Server)
		timeout   time.Duration
		outcomes  []Outcome
		temporary bool
	}{
		{
			name:      "SERVFAIL",
			setup:     func(s *discoverytest.Server) { s.SetRcode("77.100.51.198.in-addr.arpa.", dns.RcodeServerFailure) },
			outcomes:  []Outcome{OutcomeFailed, OutcomeFound},
			temporary: true,
		},
		{
			name:  "timeout",
			setup: func(s *discoverytest.Server) { s.Drop("77.100.51.198.in-addr.arpa.") },
			// The timeout bounds the query that succeeds too, so it leaves
			// a loaded machine time to respond to it.
			timeout:   2 * time.Second,
			outcomes:  []Outcome{OutcomeFailed, OutcomeFound},
			temporary: true,
		},
		{
			name:      "REFUSED",
			setup:     func(s *discoverytest.Server) { s.SetRcode("77.100.51.198.in-addr.arpa.", dns.RcodeRefused) },
			outcomes:  []Outcome{OutcomeFailed, OutcomeFound},
			temporary: false,
		},
		{
			name: "malformed record",
			setup: func(s *discoverytest.Server) {
				s.Add(`77.100.51.198.in-addr.arpa. 300 IN NAPTR 10 10 "u" "ALTO:https" "!^x!https://a/!" .`)
			},
			outcomes:  []Outcome{OutcomeMalformed, OutcomeFound},
			temporary: false,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startDNS(t, reverseZone...)
			tt.setup(s)
			r := &Resolver{Server: s.Addr, Timeout: tt.timeout}
			res, err := r.DiscoverPrefix(context.Background(), netip.MustParsePrefix("198.51.100.77/32"))
			if err != nil {
				t.Fatalf("DiscoverPrefix: %v", err)
			}
			if want := []string{"https://alto1.example.net/ird", "https://alto2.example.net/ird"}; !slices.Equal(res.URIs(), want) {
				t.Errorf("URIs = %v, want %v", res.URIs(), want)
			}
			var outcomes []Outcome
			for _, q := range res.Queries {
				outcomes = append(outcomes, q.Outcome)
			}
			if !slices.Equal(outcomes, tt.outcomes) {
				t.Errorf("outcomes = %v, want %v", outcomes, tt.outcomes)
			}
			if res.Queries[0].Error == "" || len(res.Errs) != 1 {
				t.Errorf("first query %+v and errors %v do not report the failure", res.Queries[0], res.Errs)
			}
			if res.Temporary() != tt.temporary {
				t.Errorf("Temporary() = %v, want %v", res.Temporary(), tt.temporary)
			}
		})
	}
}

func TestLookupAddressServerFailureEverywhere(t *testing.T) {
	s := startDNS(t, reverseZone...)
	names, _ := ReverseNames(netip.MustParsePrefix("233.252.0.9/32"))
	for _, name := range names {
		s.SetRcode(name, dns.RcodeServerFailure)
	}
	r := &Resolver{Server: s.Addr}
	_, err := r.LookupAddress(context.Background(), netip.MustParseAddr("233.252.0.9"))
	var notFound *NotFoundError
	if !errors.As(err, &notFound) {
		t.Fatalf("error = %v, want a *NotFoundError", err)
	}
	if !notFound.Temporary() || len(notFound.Errs) != len(names) {
		t.Errorf("errors = %v, want %d temporary failures", notFound.Errs, len(names))
	}
	var dnsErr *DNSError
	if !errors.As(err, &dnsErr) || dnsErr.Rcode != dns.RcodeServerFailure {
		t.Errorf("error %v does not hold the SERVFAIL *DNSError", err)
	}
	if !slices.Equal(s.QueryNames(), names) {
		t.Errorf("queried %v, want each name once: %v", s.QueryNames(), names)
	}
	if !strings.Contains(err.Error(), "retrying later") {
		t.Errorf("message %q does not suggest a later retry", err)
	}
}

func TestQueryServersFailover(t *testing.T) {
	s := startDNS(t, domainZone...)
	// A UDP port with no listener: the query gets no response.
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	silent := pc.LocalAddr().String()
	defer pc.Close()

	// The timeout bounds the query to the second server too, so it
	// leaves a loaded machine time to respond to it.
	r := &Resolver{Timeout: 2 * time.Second}
	ans, err := r.queryServers(context.Background(), "multi.example.", []string{silent, s.Addr})
	if err != nil {
		t.Fatalf("queryServers: %v", err)
	}
	if len(ans.records) != 7 {
		t.Errorf("got %d NAPTR records, want the 7 of multi.example.", len(ans.records))
	}
	if len(s.Queries()) != 1 {
		t.Errorf("second server got %d queries, want 1", len(s.Queries()))
	}
}

func TestServersFromResolvConf(t *testing.T) {
	path := t.TempDir() + "/resolv.conf"
	writeFile(t, path, "# comment\nsearch example.net\nnameserver 192.0.2.53\nnameserver 2001:db8::53\noptions ndots:1\n")
	got, err := serversFromResolvConf(path)
	if err != nil {
		t.Fatalf("serversFromResolvConf: %v", err)
	}
	if want := []string{"192.0.2.53:53", "[2001:db8::53]:53"}; !slices.Equal(got, want) {
		t.Errorf("servers = %v, want %v", got, want)
	}

	empty := t.TempDir() + "/resolv.conf"
	writeFile(t, empty, "search example.net\n")
	if _, err := serversFromResolvConf(empty); err == nil {
		t.Error("no error for a file without nameserver lines")
	}
	if _, err := serversFromResolvConf(t.TempDir() + "/missing"); err == nil {
		t.Error("no error for a missing file")
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestWithDefaultPort(t *testing.T) {
	tests := map[string]string{
		"127.0.0.1":      "127.0.0.1:53",
		"127.0.0.1:5353": "127.0.0.1:5353",
		"::1":            "[::1]:53",
		"[::1]":          "[::1]:53",
		"[::1]:5353":     "[::1]:5353",
		"ns.example":     "ns.example:53",
	}
	for in, want := range tests {
		t.Run(in, func(t *testing.T) {
			if got := withDefaultPort(in); got != want {
				t.Errorf("withDefaultPort(%q) = %q, want %q", in, got, want)
			}
		})
	}
}
