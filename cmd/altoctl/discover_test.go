package main

import (
	"encoding/json"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"github.com/goalto/goalto/discovery"
	"github.com/goalto/goalto/discovery/discoverytest"
)

// startDiscoveryDNS starts a DNS server on 127.0.0.1 with the records
// that discovery.Records generates for example.net and 192.0.2.0/24,
// plus more records of several orders and services.
func startDiscoveryDNS(t *testing.T) *discoverytest.Server {
	t.Helper()
	lines, err := discovery.Records("example.net", "https://alto.example.net/directory",
		[]netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}, 300)
	if err != nil {
		t.Fatalf("Records: %v", err)
	}
	lines = append(lines,
		`example.net. 300 IN NAPTR 50 10 "u" "ALTO:https" "!.*!https://alto0.example.net/ird!" .`,
		`example.net. 300 IN NAPTR 100 20 "u" "ALTO:https" "!.*!https://alto2.example.net/ird!" .`,
		`example.net. 300 IN NAPTR 10 10 "u" "ALTO:http" "!.*!http://plain.example.net/ird!" .`,
		`example.net. 300 IN NAPTR 10 10 "u" "LIS:HELD" "!.*!https://lis.example.net/!" .`,
	)
	s, err := discoverytest.NewServer(lines...)
	if err != nil {
		t.Fatalf("start DNS server: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestDiscoverDomainTable(t *testing.T) {
	s := startDiscoveryDNS(t)
	res := runCLI(t, nil, "discover", "example.net", "--dns", s.Addr)
	if res.code != 0 || res.stderr != "" {
		t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
	}
	header, rows := tableRows(t, res.stdout)
	if want := []string{"URI", "ORDER", "PREFERENCE", "SERVICE", "NAME"}; !slices.Equal(header, want) {
		t.Errorf("header = %v, want %v", header, want)
	}
	want := [][]string{
		{"https://alto0.example.net/ird", "50", "10", "ALTO:https", "example.net."},
		{"https://alto.example.net/directory", "100", "10", "ALTO:https", "example.net."},
		{"https://alto2.example.net/ird", "100", "20", "ALTO:https", "example.net."},
	}
	if !slices.EqualFunc(rows, want, slices.Equal) {
		t.Errorf("rows = %v, want %v", rows, want)
	}
}

func TestDiscoverAllowHTTP(t *testing.T) {
	s := startDiscoveryDNS(t)
	res := runCLI(t, nil, "discover", "example.net", "--dns", s.Addr, "--allow-http")
	if res.code != 0 {
		t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
	}
	_, rows := tableRows(t, res.stdout)
	var uris []string
	for _, row := range rows {
		uris = append(uris, row[0])
	}
	want := []string{"http://plain.example.net/ird", "https://alto0.example.net/ird", "https://alto.example.net/directory", "https://alto2.example.net/ird"}
	if !slices.Equal(uris, want) {
		t.Errorf("URIs = %v, want %v", uris, want)
	}
}

func TestDiscoverAddressTable(t *testing.T) {
	s := startDiscoveryDNS(t)
	res := runCLI(t, nil, "discover", "192.0.2.7", "--dns", s.Addr)
	if res.code != 0 || res.stderr != "" {
		t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
	}
	_, rows := tableRows(t, res.stdout)
	want := [][]string{{"https://alto.example.net/directory", "100", "10", "ALTO:https", "2.0.192.in-addr.arpa."}}
	if !slices.EqualFunc(rows, want, slices.Equal) {
		t.Errorf("rows = %v, want %v", rows, want)
	}
	if names, want := s.QueryNames(), []string{"7.2.0.192.in-addr.arpa.", "2.0.192.in-addr.arpa."}; !slices.Equal(names, want) {
		t.Errorf("queried %v, want %v", names, want)
	}
}

func TestDiscoverAddressJSON(t *testing.T) {
	s := startDiscoveryDNS(t)
	res := runCLI(t, nil, "discover", "192.0.2.7", "--dns", s.Addr, "--json")
	if res.code != 0 || res.stderr != "" {
		t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
	}
	var out discoverOutput
	if err := json.Unmarshal([]byte(res.stdout), &out); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, res.stdout)
	}
	if out.Target != "192.0.2.7" || out.Method != "reverse-dns" {
		t.Errorf("target %q, method %q; want 192.0.2.7 and reverse-dns", out.Target, out.Method)
	}
	wantTargets := []discovery.Target{{URI: "https://alto.example.net/directory", Order: 100, Preference: 10, Service: "ALTO:https", Name: "2.0.192.in-addr.arpa."}}
	if !slices.Equal(out.Targets, wantTargets) {
		t.Errorf("targets = %+v, want %+v", out.Targets, wantTargets)
	}
	wantQueries := []discovery.Query{
		{Name: "7.2.0.192.in-addr.arpa.", Outcome: discovery.OutcomeNXDomain},
		{Name: "2.0.192.in-addr.arpa.", Outcome: discovery.OutcomeFound},
	}
	if !slices.Equal(out.Queries, wantQueries) {
		t.Errorf("queries = %+v, want %+v", out.Queries, wantQueries)
	}
}

func TestDiscoverDomainJSON(t *testing.T) {
	s := startDiscoveryDNS(t)
	res := runCLI(t, nil, "discover", "example.net", "--dns", s.Addr, "--json")
	if res.code != 0 {
		t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
	}
	var out discoverOutput
	if err := json.Unmarshal([]byte(res.stdout), &out); err != nil {
		t.Fatalf("output is not JSON: %v", err)
	}
	var uris []string
	for _, target := range out.Targets {
		uris = append(uris, target.URI)
	}
	want := []string{"https://alto0.example.net/ird", "https://alto.example.net/directory", "https://alto2.example.net/ird"}
	if out.Method != "domain" || !slices.Equal(uris, want) {
		t.Errorf("method %q, URIs %v; want domain, %v", out.Method, uris, want)
	}
}

func TestDiscoverTemporaryFailureWarning(t *testing.T) {
	s := startDiscoveryDNS(t)
	s.SetRcode("7.2.0.192.in-addr.arpa.", dns.RcodeServerFailure)
	res := runCLI(t, nil, "discover", "192.0.2.7", "--dns", s.Addr)
	if res.code != 0 {
		t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
	}
	if !strings.Contains(res.stdout, "https://alto.example.net/directory") {
		t.Errorf("stdout %q does not list the URI found at the /24 name", res.stdout)
	}
	if !strings.Contains(res.stderr, "warning") || !strings.Contains(res.stderr, "SERVFAIL") {
		t.Errorf("stderr %q does not warn about the SERVFAIL", res.stderr)
	}
}

func TestDiscoverNotFound(t *testing.T) {
	s := startDiscoveryDNS(t)
	tests := []struct {
		target, message string
	}{
		{"198.51.100.1", "no ALTO:https NAPTR record found at 1.100.51.198.in-addr.arpa., 100.51.198.in-addr.arpa., 51.198.in-addr.arpa., 198.in-addr.arpa."},
		{"missing.example", "no ALTO:https NAPTR record found at missing.example."},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			res := runCLI(t, nil, "discover", tt.target, "--dns", s.Addr)
			if res.code != exitFailure {
				t.Fatalf("exit %d, want %d; stderr %q", res.code, exitFailure, res.stderr)
			}
			if res.stdout != "" || !strings.Contains(res.stderr, tt.message) {
				t.Errorf("stdout %q, stderr %q; want no output and %q", res.stdout, res.stderr, tt.message)
			}
		})
	}
}

func TestDiscoverUsageErrors(t *testing.T) {
	s := startDiscoveryDNS(t)
	tests := []struct {
		name    string
		args    []string
		message string
	}{
		{"no target", []string{"discover"}, "accepts 1 arg"},
		{"invalid domain", []string{"discover", "a..b"}, "invalid TARGET"},
		{"short IPv4 prefix", []string{"discover", "192.0.0.0/7"}, "unsupported prefix length"},
		{"short IPv6 prefix", []string{"discover", "2001:db8::/31"}, "unsupported prefix length"},
		{"zero DNS timeout", []string{"discover", "example.net", "--dns-timeout", "0s"}, "invalid --dns-timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runCLI(t, nil, append(tt.args, "--dns", s.Addr)...)
			if res.code != exitUsage {
				t.Fatalf("exit %d, want %d; stderr %q", res.code, exitUsage, res.stderr)
			}
			if !strings.Contains(res.stderr, tt.message) {
				t.Errorf("stderr %q does not mention %q", res.stderr, tt.message)
			}
		})
	}
	if q := s.Queries(); len(q) != 0 {
		t.Errorf("server got %v, want no query", q)
	}
}
