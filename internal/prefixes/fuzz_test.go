package prefixes

import (
	"github.com/goalto/goalto/alto"

	"fmt"
	"net/netip"
	"strings"
	"testing"
)

// assertTableInvariants checks what every parser promises about a table it
// returns without error.
func assertTableInvariants(t *testing.T, table *Table, allowPID bool) {
	t.Helper()
	seen := make(map[netip.Prefix]bool, len(table.Entries))
	for i, e := range table.Entries {
		if !e.Prefix.IsValid() || e.Prefix.Masked() != e.Prefix {
			t.Errorf("entry %d: prefix %v is not valid and masked", i, e.Prefix)
		}
		if e.PID != "" && (!allowPID || !alto.ValidPIDName(e.PID)) {
			t.Errorf("entry %d: unexpected PID %q", i, e.PID)
		}
		if allowPID && seen[e.Prefix] {
			t.Errorf("entry %d: duplicate prefix %v", i, e.Prefix)
		}
		seen[e.Prefix] = true
	}
}

func FuzzParsePyASN(f *testing.F) {
	f.Add(pyasnSample)
	f.Add("; Prefixes-v4 : 1\n; Prefixes-v6 : 1\n1.0.0.0/24\t15169\r\n\n2001:db8::/32\t4294967295\n")
	f.Add("1.0.0.1/24\t1\n")
	f.Fuzz(func(t *testing.T, input string) {
		table, err := ParsePyASN(strings.NewReader(input), "fuzz.dat")
		if err != nil {
			return
		}
		assertTableInvariants(t, table, false)

		// Writing the entries back in pyasn form must give the same table.
		var text strings.Builder
		for _, e := range table.Entries {
			if e.ASN == 0 {
				t.Errorf("entry %v has AS 0", e.Prefix)
			}
			fmt.Fprintf(&text, "%s\t%d\n", e.Prefix, e.ASN)
		}
		again, err := ParsePyASN(strings.NewReader(text.String()), "again.dat")
		if err != nil {
			t.Fatalf("reparse: %v", err)
		}
		assertEntries(t, again.Entries, table.Entries)
	})
}

func FuzzParseCSV(f *testing.F) {
	f.Add(csvSample)
	f.Add("192.0.2.0/24,pid1\n2001:db8::/32,pid2\n")
	f.Add("\xef\xbb\xbfasn, prefix\r\n# comment\r\n64500,\"192.0.2.0/24\"\r\n")
	f.Fuzz(func(t *testing.T, input string) {
		table, err := ParseCSV(strings.NewReader(input), "fuzz.csv")
		if err != nil {
			return
		}
		assertTableInvariants(t, table, true)
	})
}

func FuzzParseYAML(f *testing.F) {
	f.Add(yamlSample)
	f.Add(jsonSample)
	f.Add("prefixes:\n  - prefix: 198.51.100.0/24\n    pid: \"100\"\n    asn: 0x10\n  - {prefix: \"::/0\"}\n")
	f.Fuzz(func(t *testing.T, input string) {
		table, err := ParseYAML([]byte(input), "fuzz.yaml")
		if err != nil {
			return
		}
		assertTableInvariants(t, table, true)
	})
}

func FuzzParsePrefixBytes(f *testing.F) {
	for _, seed := range []string{"1.0.0.0/24", "255.255.255.255/32", "01.2.3.0/24", "1.2.3.0/08", "2001:db8::/32"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		assertSameAsNetip(t, text)
	})
}
