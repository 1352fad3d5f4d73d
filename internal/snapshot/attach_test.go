package snapshot

import (
	"net/netip"
	"path/filepath"
	"testing"

	"github.com/goalto/goalto/internal/netdef"
	"github.com/goalto/goalto/internal/prefixes"
	"github.com/goalto/goalto/internal/topology"
)

// liveGraph is a line r1 - r2 - r3 with metric 10 per link; the routers
// advertise prefixes but form no PIDs of their own.
func liveGraph() *topology.Graph {
	pfx := netip.MustParsePrefix
	return &topology.Graph{
		Nodes: []topology.Node{
			{ID: "r1", Advertised: []netip.Prefix{pfx("10.1.0.0/16")}},
			{ID: "r2", Advertised: []netip.Prefix{pfx("10.0.0.0/8"), pfx("10.2.0.0/16")}},
			{ID: "r3", Advertised: []netip.Prefix{pfx("10.3.0.0/16"), pfx("10.1.5.0/24")}},
		},
		Links: []topology.Link{{From: 0, To: 1, Metric: 10}, {From: 1, To: 2, Metric: 10}},
	}
}

func TestAttachPIDsByAdvertisedPrefix(t *testing.T) {
	dir := writeFiles(t, map[string]string{"net.yaml": "network-map: {default-pid: default, pids: group}\n"})
	def, err := netdef.Load(filepath.Join(dir, "net.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	entry := func(p, pid string) prefixes.Entry { return prefixes.Entry{Prefix: netip.MustParsePrefix(p), PID: pid} }
	table := &prefixes.Table{File: "bgp", Entries: []prefixes.Entry{
		entry("10.1.1.0/24", "pop1"),   // r1 by 10.1.0.0/16
		entry("10.1.5.0/24", "pop3"),   // r3: its /24 is longer than r1's /16
		entry("10.3.0.0/16", "pop3"),   // r3
		entry("10.3.7.0/24", "pop3"),   // r3
		entry("10.1.2.0/24", "pop3"),   // r1, outvoted
		entry("10.200.0.0/16", "pop2"), // r2 by 10.0.0.0/8
		entry("192.0.2.0/24", "nowhere"),
	}}
	s, err := BuildLive(def, Live{Tables: []*prefixes.Table{table}, Graph: liveGraph()})
	if err != nil {
		t.Fatal(err)
	}
	nm := s.NetworkMap
	routing := s.CostMaps[netdef.CostTypeNumRouting]
	idx := func(name string) int {
		i, ok := nm.Index(name)
		if !ok {
			t.Fatalf("PID %s missing", name)
		}
		return i
	}
	tests := []struct {
		name     string
		src, dst string
		want     float64
		wantOK   bool
	}{
		{"pop1 to pop3 over two links", "pop1", "pop3", 20, true},
		{"pop1 to pop2", "pop1", "pop2", 10, true},
		{"pop3 to pop2", "pop3", "pop2", 10, true},
		{"unattached PID has no cost", "pop1", "nowhere", 0, false},
		{"default PID has no cost", "default", "pop1", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, ok := routing.Cost(idx(tt.src), idx(tt.dst))
			if ok != tt.wantOK || (ok && v != tt.want) {
				t.Errorf("routingcost %s -> %s = %v, %v; want %v, %v", tt.src, tt.dst, v, ok, tt.want, tt.wantOK)
			}
		})
	}
	if nm.Len() != 5 {
		t.Errorf("%d PIDs, want pop1, pop2, pop3, nowhere and default", nm.Len())
	}
}
