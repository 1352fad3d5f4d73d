package replay

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"github.com/goalto/goalto/internal/topology"
)

func graphWithNodes(n int) *topology.Graph {
	g := &topology.Graph{}
	for i := range n {
		g.Nodes = append(g.Nodes, topology.Node{ID: fmt.Sprint(i)})
	}
	return g
}

func TestAssignPrefixes(t *testing.T) {
	tests := []struct {
		name  string
		nodes int
		base  string
		bits  int
		want  map[int]string // node index -> prefix
	}{
		{"ipv4 /24", 300, "10.0.0.0/8", 24, map[int]string{0: "10.0.0.0/24", 1: "10.0.1.0/24", 255: "10.0.255.0/24", 256: "10.1.0.0/24"}},
		{"ipv4 hosts", 3, "192.0.2.0/30", 32, map[int]string{0: "192.0.2.0/32", 2: "192.0.2.2/32"}},
		{"ipv4 whole range", 1, "192.0.2.0/24", 24, map[int]string{0: "192.0.2.0/24"}},
		{"ipv6 /48", 3, "2001:db8::/32", 48, map[int]string{0: "2001:db8::/48", 2: "2001:db8:2::/48"}},
		{"ipv6 /40", 2, "2001:db8::/32", 40, map[int]string{1: "2001:db8:100::/40"}},
		{"ipv6 /64", 2, "2001:db8::/48", 64, map[int]string{1: "2001:db8:0:1::/64"}},
		{"ipv6 low half", 2, "2001:db8::/64", 96, map[int]string{1: "2001:db8::1:0:0/96"}},
		{"ipv6 hosts", 2, "2001:db8::/120", 128, map[int]string{1: "2001:db8::1/128"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := graphWithNodes(tt.nodes)
			if err := AssignPrefixes(g, netip.MustParsePrefix(tt.base), tt.bits); err != nil {
				t.Fatalf("AssignPrefixes: %v", err)
			}
			for i, want := range tt.want {
				if got := g.Nodes[i].Prefixes; len(got) != 1 || got[0].String() != want {
					t.Errorf("node %d prefixes = %v, want [%s]", i, got, want)
				}
			}
			seen := map[netip.Prefix]bool{}
			for _, n := range g.Nodes {
				if seen[n.Prefixes[0]] {
					t.Errorf("prefix %s given twice", n.Prefixes[0])
				}
				seen[n.Prefixes[0]] = true
			}
			if err := g.Validate(); err != nil {
				t.Errorf("graph invalid: %v", err)
			}
		})
	}
}

func TestAssignPrefixesErrors(t *testing.T) {
	tests := []struct {
		name  string
		nodes int
		base  string
		bits  int
		want  string
	}{
		{"too few", 5, "192.0.2.0/30", 32, "192.0.2.0/30 holds 4 subnets of length /32, fewer than the 5 nodes"},
		{"host bits", 1, "10.0.0.1/8", 24, "has host bits set; use 10.0.0.0/8"},
		{"shorter than base", 1, "10.0.0.0/8", 4, "prefix length 4: want 8 to 32"},
		{"longer than address", 1, "2001:db8::/32", 129, "prefix length 129: want 32 to 128"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := graphWithNodes(tt.nodes)
			err := AssignPrefixes(g, netip.MustParsePrefix(tt.base), tt.bits)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want it to contain %q", err, tt.want)
			}
			for _, n := range g.Nodes {
				if len(n.Prefixes) != 0 {
					t.Fatalf("node %s got prefixes %v although AssignPrefixes failed", n.ID, n.Prefixes)
				}
			}
		})
	}
}
