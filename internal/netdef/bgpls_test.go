package netdef

import (
	"errors"
	"strings"
	"testing"
)

// lsSpeaker is a bgp section with a peer that carries BGP-LS.
const lsSpeaker = "bgp:\n  local-as: 64500\n  router-id: 192.0.2.1\n  default-pid: other\n  peers:\n    - {address: 192.0.2.10, as: 64500, families: [ipv4-unicast, ls]}\n"

func TestBGPLSSection(t *testing.T) {
	tests := []struct {
		name       string
		yaml       string
		wantMetric string
		wantPIDs   bool
		wantRule   string
	}{
		{"enabled with defaults", "bgp-ls: {enabled: true}\n", "", false, PIDsByNode},
		{"TE metric and prefix PIDs", "bgp-ls:\n  enabled: true\n  metric: te\n  prefix-pids: true\n", BGPLSMetricTE, true, PIDsByNode},
		{"groups with nodes", "bgp-ls: {enabled: true}\nnetwork-map: {pids: group}\ngroups:\n  - {pid: a, node: '64500:0:0000.0000.0001', prefixes: [192.0.2.0/24]}\n", "", false, PIDsByGroup},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Parse([]byte(lsSpeaker+tt.yaml), "net.yaml")
			if err != nil {
				t.Fatal(err)
			}
			if !d.BGPLS.Enabled || !d.HasTopology() {
				t.Errorf("BGPLS.Enabled = %v, HasTopology = %v; want both true", d.BGPLS.Enabled, d.HasTopology())
			}
			if d.BGPLS.Metric != tt.wantMetric || d.BGPLS.PrefixPIDs != tt.wantPIDs {
				t.Errorf("BGPLS = %+v, want metric %q and prefix-pids %v", d.BGPLS, tt.wantMetric, tt.wantPIDs)
			}
			if d.NetworkMap.Rule != tt.wantRule {
				t.Errorf("rule %q, want %q", d.NetworkMap.Rule, tt.wantRule)
			}
		})
	}
}

func TestBGPLSRejects(t *testing.T) {
	tests := []struct {
		name      string
		yaml      string
		wantField string
		wantLine  int
		wantText  string
	}{
		{"with a topology file", "topology: a.graphml\nbgp-ls:\n  enabled: true\n", "bgp-ls.enabled", 3, "either a file or BGP-LS"},
		{"no peer carries BGP-LS", "bgp-ls:\n  enabled: true\n", "bgp-ls.enabled", 2, "families"},
		{"unknown metric", lsSpeaker + "bgp-ls:\n  enabled: true\n  metric: delay\n", "bgp-ls.metric", 9, `"delay"`},
		{"settings without enabled", "groups:\n  - {pid: a, prefixes: [192.0.2.0/24]}\nbgp-ls:\n  metric: te\n", "bgp-ls", 4, "enabled is not true"},
		{"unknown field", "bgp-ls:\n  enabled: true\n  metrics: te\n", "", 3, "metrics"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.yaml), "net.yaml")
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v (%T), want *Error", err, err)
			}
			if e.File != "net.yaml" || (tt.wantField != "" && e.Field != tt.wantField) {
				t.Errorf("file %q field %q, want net.yaml and %q (%v)", e.File, e.Field, tt.wantField, err)
			}
			if tt.wantLine != 0 && e.Line != tt.wantLine {
				t.Errorf("line %d, want %d (%v)", e.Line, tt.wantLine, err)
			}
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("error %q does not mention %s", err, tt.wantText)
			}
		})
	}
}
