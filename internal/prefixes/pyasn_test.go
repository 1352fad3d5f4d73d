package prefixes

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

func TestParsePyASN(t *testing.T) {
	input := "; IP-ASN32-DAT file\n" +
		"; Prefixes-v4   : 2\n" +
		"; Prefixes-v6   : 1\n" +
		"; \n" +
		"1.0.0.0/24\t15169\r\n" +
		"\n" +
		"   \n" +
		"0.0.0.0/0\t4294967295\n" +
		"2001:db8::/32\t64500\n"
	table, err := ParsePyASN(strings.NewReader(input), "routes.dat")
	if err != nil {
		t.Fatalf("ParsePyASN: %v", err)
	}

	want := []Entry{
		{Prefix: netip.MustParsePrefix("1.0.0.0/24"), ASN: 15169},
		{Prefix: netip.MustParsePrefix("0.0.0.0/0"), ASN: 4294967295},
		{Prefix: netip.MustParsePrefix("2001:db8::/32"), ASN: 64500},
	}
	if len(table.Entries) != len(want) {
		t.Fatalf("got %d entries, want %d: %+v", len(table.Entries), len(want), table.Entries)
	}
	for i := range want {
		if table.Entries[i] != want[i] {
			t.Errorf("entry %d = %+v, want %+v", i, table.Entries[i], want[i])
		}
	}
	if table.File != "routes.dat" {
		t.Errorf("File = %q, want %q", table.File, "routes.dat")
	}
}

func TestParsePyASNHeaderOnly(t *testing.T) {
	table, err := ParsePyASN(strings.NewReader("; Prefixes : 0\n"), "empty.dat")
	if err != nil {
		t.Fatalf("ParsePyASN: %v", err)
	}
	if len(table.Entries) != 0 {
		t.Errorf("got %d entries, want 0", len(table.Entries))
	}
}

func TestParsePyASNBadInput(t *testing.T) {
	header := "; IP-ASN32-DAT file\n1.0.0.0/24\t15169\n"
	tests := []struct {
		name       string
		input      string
		wantLine   int
		wantField  string
		wantReason string
	}{
		{"missing tab", header + "1.0.4.0/24 56203\n", 3, "asn", "missing"},
		{"empty asn", header + "1.0.4.0/24\t\n", 3, "asn", `invalid AS number ""`},
		{"asn with letters", header + "1.0.4.0/24\tAS56203\n", 3, "asn", `invalid AS number "AS56203"`},
		{"asn zero", header + "1.0.4.0/24\t0\n", 3, "asn", "invalid AS number 0"},
		{"asn too large", header + "1.0.4.0/24\t4294967296\n", 3, "asn", `invalid AS number "4294967296"`},
		{"negative asn", header + "1.0.4.0/24\t-1\n", 3, "asn", `invalid AS number "-1"`},
		{"extra column", header + "1.0.4.0/24\t56203\t1\n", 3, "asn", `invalid AS number "56203\t1"`},
		{"missing length", header + "1.0.4.0\t56203\n", 3, "prefix", "no '/'"},
		{"octet too large", header + "1.0.256.0/24\t56203\n", 3, "prefix", "value >255"},
		{"length too large", header + "1.0.4.0/33\t56203\n", 3, "prefix", "prefix length out of range"},
		{"leading zero", header + "1.0.04.0/24\t56203\n", 3, "prefix", "leading zero"},
		{"host bits", header + "1.0.4.1/24\t56203\n", 3, "prefix", "host bits set; use 1.0.4.0/24"},
		{"ipv6 host bits", "2001:db8::1/32\t64500\n", 1, "prefix", "host bits set; use 2001:db8::/32"},
		{"ipv6 zone", "fe80::%eth0/64\t64500\n", 1, "prefix", "zones cannot be present"},
		{"line after blank lines", header + "\n\n\nx\t1\n", 6, "prefix", "no '/'"},
		{"long line", header + strings.Repeat("1", 70000) + "\n", 3, "line", "line longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			table, err := ParsePyASN(strings.NewReader(tt.input), "routes.dat")
			assertParseError(t, table, err, "routes.dat", tt.wantLine, tt.wantField, tt.wantReason)
		})
	}
}

// assertParseError checks that a parser failed with a *ParseError at the
// expected position whose Reason contains wantReason.
func assertParseError(t *testing.T, table *Table, err error, wantFile string, wantLine int, wantField, wantReason string) {
	t.Helper()
	if table != nil {
		t.Errorf("table = %+v, want nil", table)
	}
	var perr *ParseError
	if !errors.As(err, &perr) {
		t.Fatalf("error = %v (%T), want *ParseError", err, err)
	}
	if perr.File != wantFile {
		t.Errorf("File = %q, want %q", perr.File, wantFile)
	}
	if perr.Line != wantLine {
		t.Errorf("Line = %d, want %d (error %q)", perr.Line, wantLine, err)
	}
	if perr.Field != wantField {
		t.Errorf("Field = %q, want %q (error %q)", perr.Field, wantField, err)
	}
	if !strings.Contains(perr.Reason, wantReason) {
		t.Errorf("Reason = %q, want it to contain %q", perr.Reason, wantReason)
	}
}

func TestParseErrorFormat(t *testing.T) {
	cause := errors.New("cause")
	tests := []struct {
		name string
		err  *ParseError
		want string
	}{
		{"with line", &ParseError{File: "a.csv", Line: 3, Field: "pid", Reason: "bad", Err: cause}, "a.csv:3: pid: bad"},
		{"without line", &ParseError{File: "a.yaml", Field: "prefixes", Reason: "missing"}, "a.yaml: prefixes: missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() = %q, want %q", got, tt.want)
			}
			if got := tt.err.Unwrap(); got != tt.err.Err {
				t.Errorf("Unwrap() = %v, want %v", got, tt.err.Err)
			}
		})
	}
}

func TestParsePrefixBytes(t *testing.T) {
	tests := []string{
		"0.0.0.0/0", "1.0.0.0/24", "255.255.255.255/32", "10.0.0.0/8",
		"1.2.3.4/24", "01.2.3.0/24", "1.2.3.0/024", "1.2.3.0/33", "256.0.0.0/8",
		"1.2.3/24", "1.2.3.0", "1.2.3.0/", "/24", "1.2.3.0/24/1", "1.2.3.0/-1",
		"1.2.3.0/+8", "1.2.3.0 /24", "2001:db8::/32", "::ffff:1.2.3.0/120", "",
	}
	for _, text := range tests {
		t.Run(text, func(t *testing.T) {
			assertSameAsNetip(t, text)
		})
	}
}

// assertSameAsNetip checks that parsePrefixBytes returns what
// netip.ParsePrefix returns for text.
func assertSameAsNetip(t *testing.T, text string) {
	t.Helper()
	got, gotErr := parsePrefixBytes([]byte(text))
	want, wantErr := netip.ParsePrefix(text)
	if got != want {
		t.Errorf("parsePrefixBytes(%q) = %v, want %v", text, got, want)
	}
	if (gotErr == nil) != (wantErr == nil) {
		t.Errorf("parsePrefixBytes(%q) error = %v, want %v", text, gotErr, wantErr)
	}
}
