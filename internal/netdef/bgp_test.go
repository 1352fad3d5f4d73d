package netdef

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// bgpBase is a valid bgp section with one peer; tests append to it.
const bgpBase = `network-map:
  pids: group
bgp:
  local-as: 64512
  router-id: 192.0.2.1
  default-pid: other
  peers:
    - address: 192.0.2.10
      as: 64512
`

func TestParseBGPDefaults(t *testing.T) {
	def, err := Parse([]byte(bgpBase+"  rules:\n    - {pid: fra, communities: ['64512:1']}\n"), "net.yaml")
	if err != nil {
		t.Fatal(err)
	}
	b := def.BGP
	if !b.Enabled() {
		t.Fatal("Enabled = false for a definition with a bgp section")
	}
	if time.Duration(b.HoldTime) != DefaultBGPHoldTime || time.Duration(b.QuietPeriod) != DefaultBGPQuietPeriod || time.Duration(b.MaxDelay) != DefaultBGPMaxDelay {
		t.Errorf("durations %v, %v, %v, want the defaults", b.HoldTime, b.QuietPeriod, b.MaxDelay)
	}
	if p := b.Peers[0]; p.Port != DefaultBGPPort || len(p.Families) != 2 {
		t.Errorf("peer %+v, want port 179 and both unicast families", p)
	}
}

func TestParseBGPRejects(t *testing.T) {
	tests := []struct {
		name      string
		yaml      string
		wantLine  int
		wantField string
		wantText  string
	}{
		{"bad community", bgpBase + "  rules:\n    - pid: fra\n      communities: ['64512:70000']\n", 12, "bgp.rules[0].communities[0]", "64512:70000"},
		{"bad large community", bgpBase + "  rules:\n    - pid: ams\n      large-communities: ['1:2']\n", 12, "bgp.rules[0].large-communities[0]", "GLOBAL:DATA1:DATA2"},
		{"rule without criterion", bgpBase + "  rules:\n    - pid: ams\n", 11, "bgp.rules[0]", "no criterion"},
		{"bad rule pid", bgpBase + "  rules:\n    - {pid: 'a b', origin-as: [1]}\n", 11, "bgp.rules[0].pid", "a b"},
		{"bad next hop", bgpBase + "  rules:\n    - pid: t\n      next-hop: [198.51.100.1/24]\n", 12, "", "host bits"},
		{"bad duration", bgpBase + "  quiet-period: soon\n", 10, "bgp.quiet-period", "soon"},
		{"max delay below quiet", bgpBase + "  quiet-period: 5s\n  max-delay: 1s\n", 11, "bgp.max-delay", "at least"},
		{"missing router id", strings.Replace(bgpBase, "  router-id: 192.0.2.1\n", "", 1), 4, "bgp.router-id", "router ID"},
		{"bad peer address", strings.Replace(bgpBase, "192.0.2.10", "peer.example", 1), 8, "bgp.peers[0].address", "peer.example"},
		{"unknown family", bgpBase + "      families: [ipv4-multicast]\n", 10, "bgp.peers[0].families[0]", "ipv4-multicast"},
		{"short connect retry", bgpBase + "      connect-retry: 1s\n", 10, "bgp.peers[0].connect-retry", "2s"},
		{"no default pid", strings.Replace(bgpBase, "  default-pid: other\n", "", 1), 4, "bgp.default-pid", "default-pid"},
		{"missing peer as", strings.Replace(bgpBase, "      as: 64512\n", "", 1), 8, "bgp.peers[0].as", "peer AS"},
		{"flow next hop", bgpBase + "  rules:\n    - {pid: x, next-hop: [10.0.0.0/33]}\n", 11, "bgp.rules[0].next-hop", `invalid prefix "10.0.0.0/33": prefix length out of range`},
		{"flow negative origin as", bgpBase + "  rules:\n    - {pid: x, origin-as: [-1]}\n", 11, "bgp.rules[0].origin-as", "must be an AS number from 0 to 4294967295"},
		{"flow large neighbor as", bgpBase + "  rules:\n    - {pid: x, neighbor-as: [1, 4294967296]}\n", 11, "bgp.rules[0].neighbor-as", "must be an AS number from 0 to 4294967295"},
		{"flow unknown peer field", bgpBase + "    - {address: 192.0.2.11, as: 1, bogus: 1}\n", 10, "bgp.peers[1]", "unknown field bogus"},
		{"flow bad hold time", bgpBase + "  rules: [{pid: x, origin-as: [1]}]\n  hold-time: soon\n", 11, "bgp.hold-time", `invalid duration "soon"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.yaml), "net.yaml")
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error = %v, want *netdef.Error", err)
			}
			if e.Line != tc.wantLine {
				t.Errorf("Line = %d, want %d (%v)", e.Line, tc.wantLine, err)
			}
			if tc.wantField != "" && e.Field != tc.wantField {
				t.Errorf("Field = %q, want %q", e.Field, tc.wantField)
			}
			if !strings.Contains(err.Error(), tc.wantText) {
				t.Errorf("error %q does not mention %q", err, tc.wantText)
			}
		})
	}
}

func TestParseCommunities(t *testing.T) {
	if c, err := ParseCommunity("64512:100"); err != nil || c != 64512<<16|100 {
		t.Errorf("ParseCommunity(64512:100) = %d, %v", c, err)
	}
	if c, err := ParseLargeCommunity("4200000000:1:2"); err != nil || c != (LargeCommunity{4200000000, 1, 2}) {
		t.Errorf("ParseLargeCommunity = %+v, %v", c, err)
	}
}

func TestParseMRTPeersRejects(t *testing.T) {
	const base = "network-map:\n  pids: asn\nprefixes: [rib.mrt]\nmrt-peers:\n"
	tests := []struct {
		name, yaml, wantField, wantText string
	}{
		{"file not in prefixes", base + "  - {file: other.mrt, as: 1}\n", "mrt-peers[0].file", "not listed"},
		{"no peer", base + "  - {file: rib.mrt}\n", "mrt-peers[0]", "choose a peer"},
		{"bad address", base + "  - {file: rib.mrt, address: x}\n", "mrt-peers[0].address", "invalid address"},
		{"twice", base + "  - {file: rib.mrt, as: 1}\n  - {file: rib.mrt, as: 2}\n", "mrt-peers[1].file", "two peer choices"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.yaml), "net.yaml")
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error = %v, want *netdef.Error", err)
			}
			if e.Field != tc.wantField {
				t.Errorf("Field = %q, want %q", e.Field, tc.wantField)
			}
			if e.Line < 5 {
				t.Errorf("Line = %d, want the line of the mrt-peers entry", e.Line)
			}
			if !strings.Contains(err.Error(), tc.wantText) {
				t.Errorf("error %q does not mention %q", err, tc.wantText)
			}
		})
	}
}
