package discovery

import (
	"slices"
	"strings"
	"testing"
)

func TestParseRegexp(t *testing.T) {
	tests := []struct {
		name, field, want string
	}{
		{"RFC 7286 example", "!.*!https://alto1.example.net/ird!", "https://alto1.example.net/ird"},
		{"anchored", "!^.*$!https://alto.example.net/!", "https://alto.example.net/"},
		{"case flag", "!.*!https://alto.example.net/!i", "https://alto.example.net/"},
		{"other delimiter", "|.*|https://alto.example.net/a!b|", "https://alto.example.net/a!b"},
		{"escaped delimiter", `!.*!https://alto.example.net/a\!b!`, "https://alto.example.net/a!b"},
		{"escaped backslash", `#.*#https://alto.example.net/a\\b#`, `https://alto.example.net/a\b`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseRegexp(tt.field)
			if err != nil {
				t.Fatalf("parseRegexp(%q): %v", tt.field, err)
			}
			if got != tt.want {
				t.Errorf("parseRegexp(%q) = %q, want %q", tt.field, got, tt.want)
			}
		})
	}
}

func TestParseRegexpInvalid(t *testing.T) {
	tests := []struct {
		name, field, reason string
	}{
		{"empty", "", "empty"},
		{"digit delimiter", "1.*1https://a/1", "delimiter"},
		{"backslash delimiter", `\.*\https://a/\`, "delimiter"},
		{"two delimiters", "!.*!https://a/", "3 delimiters"},
		{"partial match", "!^alto!https://a/!", "whole string"},
		{"back-reference", `!^(.*)$!https://\1/!`, "whole string"},
		{"back-reference in replacement", `!.*!https://\1/!`, "back-reference"},
		{"trailing backslash", `!.*!https://a/\`, "3 delimiters"},
		{"unknown flag", "!.*!https://a/!x", "flags"},
		{"stray escape", `!.*!https://a/\q!`, "neither the delimiter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseRegexp(tt.field)
			if err == nil {
				t.Fatalf("parseRegexp(%q) = %q, want an error", tt.field, got)
			}
			if !strings.Contains(err.Error(), tt.reason) {
				t.Errorf("parseRegexp(%q) error %q does not mention %q", tt.field, err, tt.reason)
			}
		})
	}
}

func TestMatchService(t *testing.T) {
	tests := []struct {
		name      string
		field     string
		wanted    []string
		match     bool
		protocols []string
	}{
		{"https", "ALTO:https", []string{ServiceHTTPS}, true, []string{"https"}},
		{"case-insensitive", "alto:HTTPS", []string{ServiceHTTPS}, true, []string{"https"}},
		{"http not requested", "ALTO:http", []string{ServiceHTTPS}, false, nil},
		{"http requested", "ALTO:http", []string{ServiceHTTPS, ServiceHTTP}, true, []string{"http"}},
		{"two protocols", "ALTO:http:https", []string{ServiceHTTPS}, true, []string{"https"}},
		{"two protocols both requested", "ALTO:http:https", []string{ServiceHTTPS, ServiceHTTP}, true, []string{"https", "http"}},
		{"other service", "LIS:HELD", []string{ServiceHTTPS}, false, nil},
		{"service prefix only", "ALTOX:https", []string{ServiceHTTPS}, false, nil},
		{"any protocol", "ALTO:https", []string{"ALTO"}, true, []string{"https"}},
		{"empty field", "", []string{ServiceHTTPS}, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var wanted []serviceParam
			for _, w := range tt.wanted {
				wanted = append(wanted, parseServiceParam(w))
			}
			protocols, ok := matchService(tt.field, wanted)
			if ok != tt.match {
				t.Fatalf("matchService(%q, %v) match = %v, want %v", tt.field, tt.wanted, ok, tt.match)
			}
			if !slices.Equal(protocols, tt.protocols) {
				t.Errorf("matchService(%q, %v) protocols = %v, want %v", tt.field, tt.wanted, protocols, tt.protocols)
			}
		})
	}
}
