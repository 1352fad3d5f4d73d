package netdef

import (
	"errors"
	"strings"
	"testing"
)

func TestParseRejectsBadNumbers(t *testing.T) {
	const head = "network-map: {default-pid: default}\ngroups:\n  - {pid: a, prefixes: [192.0.2.0/24]}\n"
	const resource = "resources:\n  - {id: f, type: filtered-cost-map, path: /f, cost-types: [num-routing], max-cost-types: %s}\n"
	tests := []struct {
		name       string
		file       string
		text       string
		wantLine   int
		wantColumn int
		wantField  string
		wantText   string
	}{
		{"fraction in YAML", "net.yaml", head + strings.Replace(resource, "%s", "2.5", 1), 5, 91, "resources[0].max-cost-types", "invalid number 2.5: want a whole number, such as 100, not a fraction"},
		{"string in YAML", "net.yaml", head + strings.Replace(resource, "%s", `"3"`, 1), 5, 91, "resources[0].max-cost-types", `invalid number "3": want a whole number, such as 100, not a string`},
		{"overflow", "net.yaml", head + strings.Replace(resource, "%s", "99999999999999999999999", 1), 5, 91, "resources[0].max-cost-types", "number 99999999999999999999999 is out of range"},
		{"huge exponent", "net.yaml", head + strings.Replace(resource, "%s", "1e999", 1), 5, 91, "resources[0].max-cost-types", "number 1e999 is out of range"},
		{"AS number overflow", "net.yaml", "bgp:\n  local-as: 4294967296\n", 2, 13, "bgp.local-as", "must be an AS number from 0 to 4294967295"},
		{"float overflow", "net.yaml", head + "costs:\n  routingcost:\n    a: {a: 1e999}\n", 6, 12, "costs.routingcost.a.a", "out of range of a 64-bit floating-point number"},
		{"fraction in JSON", "net.json", `{"network-map": {"default-pid": "default"},` + "\n" +
			`"groups": [{"pid": "a", "prefixes": ["192.0.2.0/24"]}],` + "\n" +
			`"resources": [{"id": "f", "type": "filtered-cost-map", "path": "/f", "cost-types": ["num-routing"], "max-cost-types": 2.5}]}` + "\n",
			3, 119, "resources[0].max-cost-types", "not a fraction"},
		{"string in JSON", "net.json", `{"network-map": {"default-pid": "default"},` + "\n" +
			`"groups": [{"pid": "a", "prefixes": ["192.0.2.0/24"]}],` + "\n" +
			`"resources": [{"id": "f", "type": "filtered-cost-map", "path": "/f", "cost-types": ["num-routing"], "max-cost-types": "3"}]}` + "\n",
			3, 119, "resources[0].max-cost-types", "not a string"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.text), tc.file)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error = %v, want *netdef.Error", err)
			}
			if e.File != tc.file {
				t.Errorf("File = %q, want %q", e.File, tc.file)
			}
			if e.Line != tc.wantLine {
				t.Errorf("Line = %d, want %d (%v)", e.Line, tc.wantLine, err)
			}
			if e.Column != tc.wantColumn {
				t.Errorf("Column = %d, want %d (%v)", e.Column, tc.wantColumn, err)
			}
			if e.Field != tc.wantField {
				t.Errorf("Field = %q, want %q", e.Field, tc.wantField)
			}
			if !strings.Contains(err.Error(), tc.wantText) {
				t.Errorf("error %q does not contain %q", err, tc.wantText)
			}
		})
	}
}

func TestParseAcceptsWholeNumbers(t *testing.T) {
	tests := []struct {
		name  string
		value string
		want  int
	}{
		{"integer", "1", 1},
		{"integral float", "1.0", 1},
		{"zero exponent", "0e5", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			text := "network-map: {default-pid: default}\ngroups:\n  - {pid: a, prefixes: [192.0.2.0/24]}\n" +
				"resources:\n  - {id: f, type: filtered-cost-map, path: /f, cost-types: [num-routing], max-cost-types: " + tc.value + "}\n"
			def, err := Parse([]byte(text), "net.yaml")
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range def.Resources {
				if r.ID == "f" && r.MaxCostTypes != tc.want {
					t.Errorf("max-cost-types = %d, want %d", r.MaxCostTypes, tc.want)
				}
			}
		})
	}
}
