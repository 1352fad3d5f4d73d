package prefixes

import (
	"github.com/goalto/goalto/internal/datadir"

	"bufio"
	"compress/gzip"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"
)

// pyasnDataFile returns the path of a RouteViews pyasn table.
func pyasnDataFile(t testing.TB, name string) string {
	t.Helper()
	return datadir.Path(t, "pfx2as-pyasn", name)
}

func TestLoadFullTable(t *testing.T) {
	tests := []struct {
		file         string
		wantIPv4     int
		wantIPv6     int
		wantASNs     int
		wantFirst    Entry
		wantContains []Entry
	}{
		{
			file:      "ipasn6_20151101.dat.gz",
			wantIPv4:  606138,
			wantIPv6:  27693,
			wantASNs:  52014,
			wantFirst: Entry{Prefix: netip.MustParsePrefix("1.0.0.0/24"), ASN: 15169},
			wantContains: []Entry{
				{Prefix: netip.MustParsePrefix("8.8.8.0/24"), ASN: 15169},
				{Prefix: netip.MustParsePrefix("2001::/32"), ASN: 6939},
				{Prefix: netip.MustParsePrefix("2001:4860::/32"), ASN: 15169},
				{Prefix: netip.MustParsePrefix("fdfe:13b9:8bf4::/48"), ASN: 10091},
			},
		},
		{
			file:      "ipasn_20140513.dat.gz",
			wantIPv4:  512621,
			wantIPv6:  0,
			wantASNs:  46823,
			wantFirst: Entry{Prefix: netip.MustParsePrefix("1.0.0.0/24"), ASN: 15169},
			wantContains: []Entry{
				{Prefix: netip.MustParsePrefix("1.0.4.0/24"), ASN: 56203},
				{Prefix: netip.MustParsePrefix("223.255.254.0/24"), ASN: 55415},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := pyasnDataFile(t, tt.file)
			table, err := Load(path)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}

			ipv4, ipv6 := 0, 0
			asns := make(map[uint32]bool)
			index := make(map[netip.Prefix]Entry, len(table.Entries))
			for _, e := range table.Entries {
				if e.Prefix.Addr().Is4() {
					ipv4++
				} else {
					ipv6++
				}
				asns[e.ASN] = true
				index[e.Prefix] = e
			}
			if ipv4 != tt.wantIPv4 {
				t.Errorf("IPv4 entries = %d, want %d", ipv4, tt.wantIPv4)
			}
			if ipv6 != tt.wantIPv6 {
				t.Errorf("IPv6 entries = %d, want %d", ipv6, tt.wantIPv6)
			}
			if len(asns) != tt.wantASNs {
				t.Errorf("distinct origin ASes = %d, want %d", len(asns), tt.wantASNs)
			}
			if len(index) != len(table.Entries) {
				t.Errorf("distinct prefixes = %d, want %d (one per line)", len(index), len(table.Entries))
			}
			if table.File != path {
				t.Errorf("File = %q, want %q", table.File, path)
			}
			if table.Entries[0] != tt.wantFirst {
				t.Errorf("first entry = %+v, want %+v", table.Entries[0], tt.wantFirst)
			}
			for _, want := range tt.wantContains {
				if got := index[want.Prefix]; got != want {
					t.Errorf("entry for %s = %+v, want %+v", want.Prefix, got, want)
				}
			}
		})
	}
}

// TestLoadFullTableMatchesNetip checks every entry of the full table against
// a plain line-by-line reading with netip.ParsePrefix, which covers the
// in-place IPv4 parser on real data.
func TestLoadFullTableMatchesNetip(t *testing.T) {
	path := pyasnDataFile(t, "ipasn6_20151101.dat.gz")
	table, err := Load(path)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}

	file, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	unzipped, err := gzip.NewReader(file)
	if err != nil {
		t.Fatal(err)
	}
	scanner := bufio.NewScanner(unzipped)
	i := 0
	for scanner.Scan() {
		line := scanner.Text()
		if line == "" || strings.HasPrefix(line, ";") {
			continue
		}
		prefixText, asnText, _ := strings.Cut(line, "\t")
		prefix := netip.MustParsePrefix(prefixText)
		asn, err := strconv.ParseUint(asnText, 10, 32)
		if err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		if i >= len(table.Entries) {
			t.Fatalf("table has %d entries, file has more", len(table.Entries))
		}
		if got := table.Entries[i]; got.Prefix != prefix || got.ASN != uint32(asn) || got.PID != "" {
			t.Fatalf("entry %d = %+v, want %s AS%d from line %q", i, got, prefix, asn, line)
		}
		i++
	}
	if err := scanner.Err(); err != nil {
		t.Fatal(err)
	}
	if i != len(table.Entries) {
		t.Errorf("table has %d entries, file has %d", len(table.Entries), i)
	}
}

func BenchmarkLoadFullTable(b *testing.B) {
	path := pyasnDataFile(b, "ipasn6_20151101.dat.gz")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Load(path); err != nil {
			b.Fatal(err)
		}
	}
}
