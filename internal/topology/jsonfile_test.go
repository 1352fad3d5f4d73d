package topology

import (
	"errors"
	"strings"
	"testing"
)

func TestParseYAMLRejectsInvalidJSONFile(t *testing.T) {
	tests := []struct {
		name      string
		data      string
		wantLine  int
		wantField string
		wantText  string
	}{
		{"trailing comma", "{\"nodes\": [{\"id\": \"a\"},\n  {\"id\": \"b\"},],\n \"links\": []}", 2, "nodes", "column 15: a comma before ] is not JSON"},
		{"missing brace", "{\"nodes\": [{\"id\": \"a\"}]\n", 2, "", "missing } to close the { at line 1, column 1"},
		{"empty", "", 0, "", "empty file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseYAML([]byte(tt.data), "topo.json")
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("ParseYAML error = %v, want a *ParseError", err)
			}
			if pe.Line != tt.wantLine || pe.Field != tt.wantField {
				t.Errorf("position = %d %q, want %d %q (%v)", pe.Line, pe.Field, tt.wantLine, tt.wantField, err)
			}
			if !strings.Contains(err.Error(), tt.wantText) || !strings.Contains(err.Error(), "topo.json") {
				t.Errorf("error %q does not name the file or contain %q", err, tt.wantText)
			}
		})
	}
}

func TestParseYAMLKeepsYAMLLenient(t *testing.T) {
	if _, err := ParseYAML([]byte("nodes: [{id: a},]\nlinks: []\n"), "topo.yaml"); err != nil {
		t.Errorf("a YAML flow sequence with a trailing comma: %v", err)
	}
}
