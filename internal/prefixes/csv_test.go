package prefixes

import (
	"net/netip"
	"strings"
	"testing"
)

func TestParseCSV(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  []Entry
	}{
		{
			name:  "no header",
			input: "192.0.2.0/24,pid1\n2001:db8::/32,pid2\n",
			want: []Entry{
				{Prefix: netip.MustParsePrefix("192.0.2.0/24"), PID: "pid1"},
				{Prefix: netip.MustParsePrefix("2001:db8::/32"), PID: "pid2"},
			},
		},
		{
			name:  "prefix and pid header",
			input: "prefix,pid\n192.0.2.0/24,pid1\n",
			want:  []Entry{{Prefix: netip.MustParsePrefix("192.0.2.0/24"), PID: "pid1"}},
		},
		{
			name:  "prefix and asn header",
			input: "prefix,asn\n192.0.2.0/24,64500\n",
			want:  []Entry{{Prefix: netip.MustParsePrefix("192.0.2.0/24"), ASN: 64500}},
		},
		{
			name:  "all columns with spaces",
			input: "Prefix, PID, ASN\n 192.0.2.0/24 , pid1 , 64500 \n198.51.100.0/24,,64501\n203.0.113.0/24,pid3,\n",
			want: []Entry{
				{Prefix: netip.MustParsePrefix("192.0.2.0/24"), PID: "pid1", ASN: 64500},
				{Prefix: netip.MustParsePrefix("198.51.100.0/24"), ASN: 64501},
				{Prefix: netip.MustParsePrefix("203.0.113.0/24"), PID: "pid3"},
			},
		},
		{
			name:  "columns in other order",
			input: "asn,prefix\n64500,192.0.2.0/24\n",
			want:  []Entry{{Prefix: netip.MustParsePrefix("192.0.2.0/24"), ASN: 64500}},
		},
		{
			name:  "byte order mark comments and crlf",
			input: "\xef\xbb\xbfprefix,pid\r\n# peers\r\n192.0.2.0/24,\"peer:a@b_c-1\"\r\n",
			want:  []Entry{{Prefix: netip.MustParsePrefix("192.0.2.0/24"), PID: "peer:a@b_c-1"}},
		},
		{
			name:  "empty input",
			input: "",
			want:  nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			table, err := ParseCSV(strings.NewReader(tt.input), "list.csv")
			if err != nil {
				t.Fatalf("ParseCSV: %v", err)
			}
			assertEntries(t, table.Entries, tt.want)
		})
	}
}

// assertEntries checks that got and want hold the same entries in order.
func assertEntries(t *testing.T, got, want []Entry) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d entries %+v, want %d %+v", len(got), got, len(want), want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("entry %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestParseCSVBadInput(t *testing.T) {
	tests := []struct {
		name       string
		input      string
		wantLine   int
		wantField  string
		wantReason string
	}{
		{"unknown column", "prefix,name\n192.0.2.0/24,a\n", 1, "header", `unknown column "name"`},
		{"duplicate column", "prefix,pid,PID\n", 1, "header", `duplicate column "PID"`},
		{"header without prefix", "pid,asn\npid1,64500\n", 1, "header", `missing column "prefix"`},
		{"too few fields", "192.0.2.0/24,pid1\n198.51.100.0/24\n", 2, "record", "got 1 fields, want 2"},
		{"too many fields without header", "192.0.2.0/24,pid1,64500\n", 1, "record", "got 3 fields, want 2"},
		{"invalid prefix", "prefix,pid\n192.0.2.0/24,pid1\n192.0.2.0,pid2\n", 3, "prefix", "no '/'"},
		{"empty prefix", "prefix,pid\n,pid1\n", 2, "prefix", "no '/'"},
		{"host bits", "192.0.2.1/24,pid1\n", 1, "prefix", "host bits set; use 192.0.2.0/24"},
		{"invalid pid", "# list\n192.0.2.0/24,pid 1\n", 2, "pid", `invalid PID name "pid 1"`},
		{"pid with dot", "192.0.2.0/24,pid.1\n", 1, "pid", `invalid PID name "pid.1"`},
		{"pid too long", "192.0.2.0/24," + strings.Repeat("p", 65) + "\n", 1, "pid", "invalid PID name"},
		{"asn too large", "prefix,asn\n192.0.2.0/24,4294967296\n", 2, "asn", `invalid AS number "4294967296"`},
		{"asn zero", "prefix,asn\n192.0.2.0/24,0\n", 2, "asn", "invalid AS number 0"},
		{"asn text", "prefix,asn\n192.0.2.0/24,AS64500\n", 2, "asn", `invalid AS number "AS64500"`},
		{"duplicate prefix", "192.0.2.0/24,a\n198.51.100.0/24,b\n192.0.2.0/24,c\n", 3, "prefix", "duplicate prefix 192.0.2.0/24; first listed on line 1"},
		{"bare quote", "192.0.2.0/24,pi\"d\n", 1, "record", "bare \" in non-quoted-field"},
		{"multiline field start line", "prefix,pid\n192.0.2.0/24,\"a\nb\"\n", 2, "pid", "invalid PID name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			table, err := ParseCSV(strings.NewReader(tt.input), "list.csv")
			assertParseError(t, table, err, "list.csv", tt.wantLine, tt.wantField, tt.wantReason)
		})
	}
}
