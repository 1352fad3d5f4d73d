package bgp

import (
	"net/netip"
	"testing"

	"github.com/goalto/goalto/internal/mrt"
	"github.com/goalto/goalto/internal/netdef"
)

func TestRulesFirstMatchWins(t *testing.T) {
	rules := compileRules([]netdef.BGPRule{
		{PID: "fra-cdn", Communities: []string{"64512:100"}, OriginAS: []uint32{13335}},
		{PID: "fra", Communities: []string{"64512:100", "64512:101"}},
		{PID: "ams", LargeCommunities: []string{"64512:1:200"}},
		{PID: "transit", NeighborAS: []uint32{3356}},
		{PID: "dc", NextHop: []netdef.Prefix{{Prefix: netip.MustParsePrefix("198.51.100.0/24")}}},
		{PID: "lab", Prefixes: []netdef.Prefix{{Prefix: netip.MustParsePrefix("203.0.113.0/24")}}},
	})
	fra := uint32(64512<<16 | 100)
	tests := []struct {
		name   string
		prefix string
		route  route
		want   string
	}{
		{"both criteria", "192.0.2.0/24", route{communities: []uint32{fra}, originAS: 13335}, "fra-cdn"},
		{"one of two criteria", "192.0.2.0/24", route{communities: []uint32{fra}, originAS: 1}, "fra"},
		{"second community value", "192.0.2.0/24", route{communities: []uint32{64512<<16 | 101}}, "fra"},
		{"large community", "192.0.2.0/24", route{large: []netdef.LargeCommunity{{Global: 64512, Data1: 1, Data2: 200}}}, "ams"},
		{"neighbor AS", "192.0.2.0/24", route{neighborAS: 3356}, "transit"},
		{"next hop", "192.0.2.0/24", route{nextHop: netip.MustParseAddr("198.51.100.9")}, "dc"},
		{"more specific prefix", "203.0.113.128/25", route{}, "lab"},
		{"less specific prefix", "203.0.112.0/23", route{}, ""},
		{"nothing", "192.0.2.0/24", route{communities: []uint32{1}}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := pidOf(rules, netip.MustParsePrefix(tc.prefix), &tc.route); got != tc.want {
				t.Errorf("PID %q, want %q", got, tc.want)
			}
		})
	}
}

func TestNeighborAS(t *testing.T) {
	tests := []struct {
		name string
		path []mrt.Segment
		want uint32
	}{
		{"sequence", []mrt.Segment{{Type: mrt.SegmentSequence, ASNs: []uint32{3356, 1299, 13335}}}, 3356},
		{"confederation first", []mrt.Segment{{Type: mrt.SegmentConfedSequence, ASNs: []uint32{65001}}, {Type: mrt.SegmentSequence, ASNs: []uint32{174}}}, 174},
		{"set first", []mrt.Segment{{Type: mrt.SegmentSet, ASNs: []uint32{1, 2}}}, 0},
		{"empty", nil, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := neighborAS(tc.path); got != tc.want {
				t.Errorf("neighborAS = %d, want %d", got, tc.want)
			}
		})
	}
}
