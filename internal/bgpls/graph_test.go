package bgpls

import (
	"net/netip"
	"testing"

	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
)

func u32(v uint32) *uint32   { return &v }
func f32(v float32) *float32 { return &v }

func router(id string) NodeID { return NodeID{ASN: 65000, RouterID: id} }
func lan(id string) NodeID    { return NodeID{ASN: 65000, RouterID: id, Pseudo: true} }

func TestBuildGraph(t *testing.T) {
	const proto = bgp.LS_PROTOCOL_ISIS_L2
	a, b, c := router("0000.0000.000a"), router("0000.0000.000b"), router("0000.0000.000c")
	p := lan("0000.0000.000a-01")
	type wantLink struct {
		from, to                  string
		metric, latency, capacity float64
	}
	tests := []struct {
		name      string
		contents  Contents
		opts      Options
		wantNodes []string
		wantLinks []wantLink
	}{
		{
			name:      "point to point with attributes",
			contents:  Contents{Links: []Link{{Local: a, Remote: b, Protocol: proto, IGPMetric: u32(7), TEMetric: u32(70), DelayMicros: u32(2500), MaxBandwidth: f32(1.25e9)}}},
			wantNodes: []string{a.String(), b.String()},
			wantLinks: []wantLink{{a.String(), b.String(), 7, 2.5, 1e10}},
		},
		{
			name:      "TE metric chosen",
			contents:  Contents{Links: []Link{{Local: a, Remote: b, IGPMetric: u32(7), TEMetric: u32(70)}, {Local: b, Remote: a, IGPMetric: u32(7)}}},
			opts:      Options{Metric: MetricTE},
			wantNodes: []string{a.String(), b.String()},
			wantLinks: []wantLink{{a.String(), b.String(), 70, 0, 0}, {b.String(), a.String(), 7, 0, 0}},
		},
		{
			name:      "missing metric defaults to 1",
			contents:  Contents{Links: []Link{{Local: a, Remote: b}}},
			wantNodes: []string{a.String(), b.String()},
			wantLinks: []wantLink{{a.String(), b.String(), 1, 0, 0}},
		},
		{
			name: "LAN joined through pseudonode",
			contents: Contents{Links: []Link{
				{Local: a, Remote: p, IGPMetric: u32(10), DelayMicros: u32(100), MaxBandwidth: f32(1e9)},
				{Local: c, Remote: p, IGPMetric: u32(20), MaxBandwidth: f32(5e8)},
				{Local: p, Remote: a, IGPMetric: u32(0)},
				{Local: p, Remote: c},
			}},
			wantNodes: []string{a.String(), c.String()},
			wantLinks: []wantLink{{a.String(), c.String(), 10, 0.1, 8e9}, {c.String(), a.String(), 20, 0, 4e9}},
		},
		{
			name:      "half LAN gives no link",
			contents:  Contents{Links: []Link{{Local: a, Remote: p, IGPMetric: u32(10)}}},
			wantNodes: []string{a.String()},
		},
		{
			name:      "node name is the label",
			contents:  Contents{Nodes: []Node{{ID: a, Name: "r-a"}, {ID: a, Name: ""}}},
			wantNodes: []string{a.String()},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := BuildGraph(tt.contents, tt.opts)
			if len(g.Nodes) != len(tt.wantNodes) {
				t.Fatalf("nodes %+v, want %v", g.Nodes, tt.wantNodes)
			}
			for i, id := range tt.wantNodes {
				if g.Nodes[i].ID != id {
					t.Errorf("node %d is %q, want %q", i, g.Nodes[i].ID, id)
				}
			}
			if len(g.Links) != len(tt.wantLinks) {
				t.Fatalf("links %+v, want %+v", g.Links, tt.wantLinks)
			}
			for i, w := range tt.wantLinks {
				l := g.Links[i]
				got := wantLink{g.Nodes[l.From].ID, g.Nodes[l.To].ID, l.Metric, l.Latency, l.Capacity}
				if got != w || !l.Directed {
					t.Errorf("link %d = %+v (directed %v), want %+v", i, got, l.Directed, w)
				}
			}
			if err := g.Validate(); err != nil {
				t.Errorf("graph invalid: %v", err)
			}
		})
	}
}

func TestBuildGraphLabels(t *testing.T) {
	a := router("0000.0000.000a")
	g := BuildGraph(Contents{Nodes: []Node{{ID: a, Name: "r-a"}}, Links: []Link{{Local: a, Remote: router("0000.0000.000b")}}}, Options{})
	if g.Nodes[0].Label != "r-a" || g.Nodes[1].Label != "0000.0000.000b" {
		t.Errorf("labels %q, %q; want r-a and the router ID", g.Nodes[0].Label, g.Nodes[1].Label)
	}
	if g.Nodes[0].ASN != 65000 {
		t.Errorf("ASN %d, want 65000", g.Nodes[0].ASN)
	}
}

func TestBuildGraphPrefixes(t *testing.T) {
	a, b, p := router("0000.0000.000a"), router("0000.0000.000b"), lan("0000.0000.000a-01")
	shared := netip.MustParsePrefix("192.0.2.0/31")
	own := netip.MustParsePrefix("198.51.100.0/24")
	lanPrefix := netip.MustParsePrefix("203.0.113.0/24")
	c := Contents{
		Links: []Link{{Local: a, Remote: p}, {Local: p, Remote: b}},
		Prefixes: []Prefix{
			{Node: a, Prefix: shared}, {Node: b, Prefix: shared}, {Node: a, Prefix: own}, {Node: p, Prefix: lanPrefix},
		},
	}
	tests := []struct {
		name           string
		pids           bool
		wantAdvertised [2][]netip.Prefix
		wantPrefixes   [2][]netip.Prefix
	}{
		{"advertised only", false, [2][]netip.Prefix{{shared, own, lanPrefix}, {shared, lanPrefix}}, [2][]netip.Prefix{nil, nil}},
		{"prefix PIDs first router wins", true, [2][]netip.Prefix{{shared, own, lanPrefix}, {shared, lanPrefix}}, [2][]netip.Prefix{{shared, own, lanPrefix}, nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := BuildGraph(c, Options{PrefixPIDs: tt.pids})
			for i := range 2 {
				if !equalPrefixes(g.Nodes[i].Advertised, tt.wantAdvertised[i]) {
					t.Errorf("node %s advertised %v, want %v", g.Nodes[i].ID, g.Nodes[i].Advertised, tt.wantAdvertised[i])
				}
				if !equalPrefixes(g.Nodes[i].Prefixes, tt.wantPrefixes[i]) {
					t.Errorf("node %s prefixes %v, want %v", g.Nodes[i].ID, g.Nodes[i].Prefixes, tt.wantPrefixes[i])
				}
			}
		})
	}
}

func equalPrefixes(a, b []netip.Prefix) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
