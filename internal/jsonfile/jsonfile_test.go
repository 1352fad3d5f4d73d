package jsonfile

import (
	"errors"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	tests := []struct {
		name   string
		data   string
		line   int
		column int
		field  string
		reason string
	}{
		{"trailing comma", "[\"128.142.0.0/16\",]", 1, 19, "", "a comma before ] is not JSON"},
		{"trailing comma nested", "{\"a\": {\n  \"b\": [1,\n  2,\n  ]}}", 4, 3, "a.b", "a comma before ] is not JSON"},
		{"missing bracket", "{\"footprints\": [\n  \"a\",\n  \"b\"\n}", 4, 1, "footprints", "missing ] to close the [ at line 1, column 16, before this }"},
		{"missing bracket at end", "[\n  {\"a\": [1, 2]}\n", 3, 1, "", "missing ] to close the [ at line 1, column 1"},
		{"missing brace at end", "{\"a\": [1, {\"b\": 2}]", 1, 20, "", "missing } to close the { at line 1, column 1"},
		{"empty", " \n\t", 0, 0, "", "empty file"},
		{"yaml", "- a\n- b\n", 1, 2, "", "invalid character ' ' in numeric literal"},
		{"trailing data", "[1]\n[2]", 2, 1, "", "after top-level value"},
		{"invalid UTF-8", "{\"a\": {\n  \"b\": \"x\xff\"}}", 2, 10, "a.b", "invalid UTF-8 byte 0xff"},
		{"truncated UTF-8 sequence", "[\"\xc3\"]", 1, 3, "", "invalid UTF-8 byte 0xc3"},
		{"bad value in array", "{\"x\": [{\"y\": 1}, {\"y\": tru}]}", 1, 27, "x[1].y", "invalid character '}' in literal true"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Check([]byte(tt.data))
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Check(%q) = %v, want a *SyntaxError", tt.data, err)
			}
			if se.Line != tt.line || se.Column != tt.column {
				t.Errorf("position = %d:%d, want %d:%d (%v)", se.Line, se.Column, tt.line, tt.column, se)
			}
			if se.Field != tt.field {
				t.Errorf("field = %q, want %q", se.Field, tt.field)
			}
			if !strings.Contains(se.Reason, tt.reason) {
				t.Errorf("reason = %q, want it to contain %q", se.Reason, tt.reason)
			}
		})
	}
}

func TestCheckAcceptsJSON(t *testing.T) {
	for _, data := range []string{`[]`, `{}`, " {\"a\": [1, {\"b\": null}], \"c\": \"]\"}\n", `"x"`} {
		t.Run(data, func(t *testing.T) {
			if err := Check([]byte(data)); err != nil {
				t.Errorf("Check(%q) = %v", data, err)
			}
		})
	}
}

func TestIsJSON(t *testing.T) {
	for name, want := range map[string]bool{"a.json": true, "dir/A.JSON": true, "a.yaml": false, "json": false} {
		if got := IsJSON(name); got != want {
			t.Errorf("IsJSON(%q) = %v, want %v", name, got, want)
		}
	}
}
