package prefixes

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

func TestParseYAML(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  []Entry
	}{
		{
			name: "flow entries",
			input: "prefixes:\n" +
				"  - {prefix: 192.0.2.0/24, pid: pid1}\n" +
				"  - {prefix: 2001:db8::/32, asn: 64500}\n",
			want: []Entry{
				{Prefix: netip.MustParsePrefix("192.0.2.0/24"), PID: "pid1"},
				{Prefix: netip.MustParsePrefix("2001:db8::/32"), ASN: 64500},
			},
		},
		{
			name: "block entries",
			input: "# peering prefixes\n" +
				"prefixes:\n" +
				"  - prefix: 198.51.100.0/24\n" +
				"    pid: \"100\"\n" +
				"    asn: 4294967295\n" +
				"  - prefix: \"::/0\"\n" +
				"    pid: default@isp:a_b-c\n",
			want: []Entry{
				{Prefix: netip.MustParsePrefix("198.51.100.0/24"), PID: "100", ASN: 4294967295},
				{Prefix: netip.MustParsePrefix("::/0"), PID: "default@isp:a_b-c"},
			},
		},
		{
			name: "json with tabs",
			input: "{\n\t\"prefixes\": [\n" +
				"\t\t{\"prefix\": \"192.0.2.0/24\", \"pid\": \"pid1\", \"asn\": 64500},\n" +
				"\t\t{\"prefix\": \"2001:db8::/32\"}\n\t]\n}\n",
			want: []Entry{
				{Prefix: netip.MustParsePrefix("192.0.2.0/24"), PID: "pid1", ASN: 64500},
				{Prefix: netip.MustParsePrefix("2001:db8::/32")},
			},
		},
		{
			name:  "empty list",
			input: "prefixes: []\n",
			want:  nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			table, err := ParseYAML([]byte(tt.input), "list.yaml")
			if err != nil {
				t.Fatalf("ParseYAML: %v", err)
			}
			if table.File != "list.yaml" {
				t.Errorf("File = %q, want %q", table.File, "list.yaml")
			}
			assertEntries(t, table.Entries, tt.want)
		})
	}
}

func TestParseYAMLBadInput(t *testing.T) {
	tests := []struct {
		name       string
		input      string
		wantLine   int
		wantField  string
		wantReason string
	}{
		{"empty file", "", 0, "prefixes", "missing"},
		{"missing list", "version: 1\n", 1, "version", "unknown field"},
		{"null list", "prefixes:\n", 1, "prefixes", "want a list, got null"},
		{"list is mapping", "prefixes:\n  a: b\n", 2, "prefixes", "want a list, got a mapping"},
		{"document is list", "- prefix: 192.0.2.0/24\n", 1, "document", "want a mapping"},
		{"duplicate list key", "prefixes: []\nprefixes: []\n", 2, "prefixes", "duplicate field; first on line 1"},
		{"entry is string", "prefixes:\n  - 192.0.2.0/24\n", 2, "prefixes[0]", "want a mapping"},
		{"missing prefix", "prefixes:\n  - {pid: pid1}\n  - pid: pid2\n    asn: 1\n", 2, "prefixes[0].prefix", "missing"},
		{"missing prefix in block", "prefixes:\n  - {prefix: 192.0.2.0/24}\n  - pid: pid2\n    asn: 1\n", 3, "prefixes[1].prefix", "missing"},
		{"invalid prefix", "prefixes:\n  - prefix: 192.0.2.0\n", 2, "prefixes[0].prefix", "no '/'"},
		{"prefix not string", "prefixes:\n  - prefix: 10\n", 2, "prefixes[0].prefix", `want a string such as 192.0.2.0/24, got int "10"`},
		{"host bits", "prefixes:\n  - prefix: 192.0.2.0/24\n  - prefix: 2001:db8::1/32\n", 3, "prefixes[1].prefix", "host bits set; use 2001:db8::/32"},
		{"unknown field", "prefixes:\n  - prefix: 192.0.2.0/24\n    name: x\n", 3, "prefixes[0].name", "unknown field"},
		{"duplicate field", "prefixes:\n  - prefix: 192.0.2.0/24\n    pid: a\n    pid: b\n", 4, "prefixes[0].pid", "duplicate field; first on line 3"},
		{"invalid pid", "prefixes:\n  - {prefix: 192.0.2.0/24, pid: pid/1}\n", 2, "prefixes[0].pid", `invalid PID name "pid/1"`},
		{"empty pid", "prefixes:\n  - {prefix: 192.0.2.0/24, pid: \"\"}\n", 2, "prefixes[0].pid", `invalid PID name ""`},
		{"pid not string", "prefixes:\n  - {prefix: 192.0.2.0/24, pid: 100}\n", 2, "prefixes[0].pid", "want a string, got int"},
		{"pid too long", "prefixes:\n  - {prefix: 192.0.2.0/24, pid: " + strings.Repeat("a", 65) + "}\n", 2, "prefixes[0].pid", "invalid PID name"},
		{"asn too large", "prefixes:\n  - prefix: 192.0.2.0/24\n    asn: 4294967296\n", 3, "prefixes[0].asn", "invalid AS number 4294967296"},
		{"asn negative", "prefixes:\n  - prefix: 192.0.2.0/24\n    asn: -1\n", 3, "prefixes[0].asn", "invalid AS number -1"},
		{"asn zero", "prefixes:\n  - prefix: 192.0.2.0/24\n    asn: 0\n", 3, "prefixes[0].asn", "invalid AS number 0"},
		{"asn string", "prefixes:\n  - prefix: 192.0.2.0/24\n    asn: AS64500\n", 3, "prefixes[0].asn", `want an integer, got str "AS64500"`},
		{"asn float", "prefixes:\n  - prefix: 192.0.2.0/24\n    asn: 1.5\n", 3, "prefixes[0].asn", "want an integer"},
		{"duplicate prefix", "prefixes:\n  - prefix: 192.0.2.0/24\n  - prefix: 198.51.100.0/24\n  - prefix: 192.0.2.0/24\n", 4, "prefixes[2].prefix", "first listed on line 2"},
		{"alias entry", "prefixes:\n  - &a {prefix: 192.0.2.0/24}\n  - *a\n", 3, "prefixes[1]", "aliases are not supported"},
		{"merge key", "prefixes:\n  - &a {prefix: 192.0.2.0/24}\n  - {<<: *a, pid: p}\n", 3, "prefixes[1].<<", "unknown field"},
		{"second document", "prefixes: []\n---\nprefixes: []\n", 2, "document", "more than one YAML document"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			table, err := ParseYAML([]byte(tt.input), "list.yaml")
			assertParseError(t, table, err, "list.yaml", tt.wantLine, tt.wantField, tt.wantReason)
		})
	}
}

// TestParseYAMLSyntaxError checks that syntax errors give the line and
// column of the mistake, not the line where yaml.v3's enclosing construct
// starts.
func TestParseYAMLSyntaxError(t *testing.T) {
	tests := []struct {
		name       string
		input      string
		wantLine   int
		wantReason string
	}{
		{"unclosed flow mapping", "prefixes:\n  - {prefix: 192.0.2.0/24\n", 2, "column 5: did not find expected ',' or '}'"},
		{"bad indentation", "prefixes:\n  - prefix: 192.0.2.0/24\n   pid: a\n", 3, "column 4: did not find expected '-' indicator"},
		{"tab indentation", "prefixes:\n\t- prefix: 192.0.2.0/24\n", 2, "column 1: found character that cannot start any token"},
		{"unclosed quote", "prefixes:\n  - prefix: \"192.0.2.0/24\n", 2, "column 13: found unexpected end of stream"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			table, err := ParseYAML([]byte(tt.input), "list.yaml")
			var perr *ParseError
			if !errors.As(err, &perr) {
				t.Fatalf("error = %v (%T), want *ParseError", err, err)
			}
			if table != nil {
				t.Errorf("table = %+v, want nil", table)
			}
			if perr.Field != "document" {
				t.Errorf("Field = %q, want %q", perr.Field, "document")
			}
			if perr.Line != tt.wantLine {
				t.Errorf("Line = %d, want %d", perr.Line, tt.wantLine)
			}
			if !strings.Contains(perr.Reason, tt.wantReason) {
				t.Errorf("Reason = %q, want it to contain %q", perr.Reason, tt.wantReason)
			}
			if strings.Contains(perr.Reason, "yaml:") || strings.Contains(perr.Reason, "line ") {
				t.Errorf("Reason = %q, want it without the yaml.v3 position prefix", perr.Reason)
			}
		})
	}
}
