package yamlpos

import (
	"testing"

	"go.yaml.in/yaml/v3"
)

func TestLocate(t *testing.T) {
	tests := []struct {
		name       string
		text       string
		wantLine   int
		wantColumn int
		wantReason string
	}{
		{"unclosed flow sequence", "topology: t.yaml\nnetwork-map: {default-pid: default}\ncost-types: [oops\n", 3, 13, "did not find expected ',' or ']'"},
		{"bad indent", "network-map:\n  default-pid: default\ncost-types:\n  a: {}\n   b: x\n", 5, 4, "did not find expected key"},
		{"tab indent", "network-map:\n  default-pid: default\n\tfoo: 1\n", 3, 1, "found a tab character that violates indentation"},
		{"end of input", "nodes:\n- id: a\n  label: [x,\n", 3, 10, "did not find expected node content"},
		{"invalid UTF-8", "a: 1\nb: caf\xe9\n", 2, 7, "invalid UTF-8 byte 0xe9: save the file as UTF-8"},
		{"unclosed flow mapping", "a: 1\nb: {c: 2\n", 2, 4, "did not find expected ',' or '}'"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var n yaml.Node
			err := yaml.Unmarshal([]byte(tc.text), &n)
			if err == nil {
				t.Fatal("yaml.v3 accepted the text")
			}
			p := Locate([]byte(tc.text), err)
			if p.Line != tc.wantLine {
				t.Errorf("Line = %d, want %d (yaml.v3: %v)", p.Line, tc.wantLine, err)
			}
			if p.Column != tc.wantColumn {
				t.Errorf("Column = %d, want %d", p.Column, tc.wantColumn)
			}
			if p.Reason != tc.wantReason {
				t.Errorf("Reason = %q, want %q", p.Reason, tc.wantReason)
			}
		})
	}
}

func TestParseMessageLineBase(t *testing.T) {
	tests := []struct {
		name     string
		msg      string
		wantLine int
	}{
		{"parser error counts from 0", "yaml: line 2: did not find expected key", 3},
		{"scanner error counts from 1", "yaml: line 2: mapping values are not allowed in this context", 2},
		{"no line", "yaml: unknown anchor 'x' referenced", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := parseMessage(tc.msg).Line; got != tc.wantLine {
				t.Errorf("line = %d, want %d", got, tc.wantLine)
			}
		})
	}
}
