package netdef

import (
	"errors"
	"strings"
	"testing"
)

func TestParseDefaults(t *testing.T) {
	def, err := Parse([]byte("topology: net.graphml\n"), "/etc/alto/net.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if def.NetworkMap.ResourceID != DefaultNetworkMapID {
		t.Errorf("resource ID = %q, want %q", def.NetworkMap.ResourceID, DefaultNetworkMapID)
	}
	if def.NetworkMap.Rule != PIDsByNode {
		t.Errorf("rule = %q, want %q", def.NetworkMap.Rule, PIDsByNode)
	}
	if len(def.CostTypes) != 4 {
		t.Errorf("got %d cost types, want 4", len(def.CostTypes))
	}
	types := map[string]int{}
	for _, r := range def.Resources {
		types[r.Type]++
	}
	want := map[string]int{TypeNetworkMap: 1, TypeCostMap: 4, TypeFilteredNetworkMap: 1, TypeFilteredCostMap: 1, TypeEndpointProperty: 1, TypeEndpointCost: 1}
	for typ, n := range want {
		if types[typ] != n {
			t.Errorf("%d resources of type %s, want %d", types[typ], typ, n)
		}
	}
	if got := def.Path("net.graphml"); got != "/etc/alto/net.graphml" {
		t.Errorf("Path = %q, want the file's directory joined", got)
	}
}

func TestParseRejects(t *testing.T) {
	tests := []struct {
		name      string
		yaml      string
		wantLine  int
		wantField string
		wantText  string
	}{
		{"unknown field", "topology: a.graphml\ncolour: blue\n", 2, "colour", "colour"},
		{"wrong type", "topology: a.graphml\nprefixes: 5\n", 2, "prefixes", "[]string"},
		{"bad rule", "topology: a.graphml\nnetwork-map:\n  pids: city\n", 3, "network-map.pids", "city"},
		{"node rule without topology", "network-map:\n  pids: node\n", 2, "network-map.pids", "topology"},
		{"bad default pid", "topology: a.graphml\nnetwork-map:\n  default-pid: a.b\n", 3, "network-map.default-pid", "a.b"},
		{"bad group pid", "groups:\n  - pid: 'x y'\n    prefixes: [192.0.2.0/24]\n", 2, "groups[0].pid", "x y"},
		{"bad prefix", "groups:\n  - pid: a\n    prefixes: [192.0.2.0/33]\n", 3, "groups[0].prefixes", "192.0.2.0/33"},
		{"bad cost mode", "topology: a.graphml\ncost-types:\n  x:\n    cost-mode: fancy\n    cost-metric: routingcost\n", 4, "cost-types.x.cost-mode", "fancy"},
		{"bad metric", "topology: a.graphml\ncost-types:\n  x:\n    cost-mode: numerical\n    cost-metric: beauty\n", 5, "cost-types.x.cost-metric", "beauty"},
		{"negative cost", "groups:\n  - pid: a\n    prefixes: [192.0.2.0/24]\ncosts:\n  routingcost:\n    a: {a: -1}\n", 6, "costs.routingcost.a", "non-negative"},
		{"unknown resource type", "topology: a.graphml\nresources:\n  - id: x\n    type: map\n    path: /x\n", 4, "resources[0].type", "map"},
		{"duplicate path", "topology: a.graphml\nresources:\n  - {id: default-network-map, type: network-map, path: /n}\n  - {id: f, type: filtered-network-map, path: /n}\n", 4, "resources[1].path", "twice"},
		{"undefined cost type", "topology: a.graphml\nresources:\n  - {id: c, type: cost-map, path: /c, cost-types: [nope]}\n", 3, "resources[0].cost-types", "nope"},
		{"two cost types on a cost map", "topology: a.graphml\nresources:\n  - {id: c, type: cost-map, path: /c, cost-types: [num-hop, ord-hop]}\n", 3, "resources[0].cost-types", "exactly one"},
		{"unknown directory", "topology: a.graphml\nresources:\n  - {id: f, type: filtered-network-map, path: /f, directory: maps}\n", 3, "resources[0].directory", "maps"},
		{"bad property name", "topology: a.graphml\nproperties:\n  - prefix: 192.0.2.0/24\n    values: {'a.b': x}\n", 4, "properties[0].values", "a.b"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.yaml), "net.yaml")
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error = %v, want *netdef.Error", err)
			}
			if e.File != "net.yaml" {
				t.Errorf("File = %q, want net.yaml", e.File)
			}
			if e.Line != tc.wantLine {
				t.Errorf("Line = %d, want %d (%v)", e.Line, tc.wantLine, err)
			}
			if e.Field != tc.wantField {
				t.Errorf("Field = %q, want %q", e.Field, tc.wantField)
			}
			if !strings.Contains(err.Error(), tc.wantText) {
				t.Errorf("error %q does not mention %q", err, tc.wantText)
			}
		})
	}
}

func TestParseSyntaxPosition(t *testing.T) {
	tests := []struct {
		name     string
		file     string
		yaml     string
		wantText string
	}{
		{"unclosed list", "net.yaml", "topology: t.yaml\nnetwork-map: {default-pid: default}\ncost-types: [oops\n", "net.yaml:3:13: did not find expected ',' or ']'"},
		{"bad indent", "net.yaml", "topology: t.yaml\nnetwork-map:\n  default-pid: default\n  rule: node\n   x: 1\n", "net.yaml:5: mapping values are not allowed"},
		{"invalid UTF-8 in YAML", "net.yaml", "topology: t.yaml\ndirectory: /caf\xe9\n", "net.yaml:2:16: invalid UTF-8 byte 0xe9"},
		{"invalid UTF-8 in JSON", "net.json", "{\"topology\": \"t.yaml\",\n \"directory\": \"/caf\xe9\"}\n", "net.json:2:20: directory: invalid UTF-8 byte 0xe9"},
		{"indent under a mapping", "net.yaml", "network-map:\n  default-pid: default\ncost-types:\n  a: {}\n   b: x\n", "net.yaml:5:4: did not find expected key"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.yaml), tc.file)
			if err == nil || !strings.HasPrefix(err.Error(), tc.wantText) {
				t.Errorf("error = %v, want it to start with %q", err, tc.wantText)
			}
		})
	}
}
