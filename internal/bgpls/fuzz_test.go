package bgpls

import (
	"net/netip"
	"testing"

	"github.com/osrg/gobgp/v4/pkg/packet/bgp"

	"github.com/goalto/goalto/internal/bgpls/lswire"
)

// FuzzApplyUpdate feeds BGP messages that gobgp's parser accepts to a
// database and builds the graph: neither may panic, and the graph must
// be valid whenever no link has a metric of 0.
func FuzzApplyUpdate(f *testing.F) {
	nh := netip.MustParseAddr("192.0.2.1")
	a := lswire.Node{ASN: 64500, RouterID: []byte{0, 0, 0, 0, 0, 1}}
	b := lswire.Node{ASN: 64500, RouterID: []byte{0, 0, 0, 0, 0, 2}}
	lan := lswire.Node{ASN: 64500, RouterID: []byte{0, 0, 0, 0, 0, 1, 5}}
	ospf := lswire.Node{ASN: 65001, RouterID: []byte{10, 0, 0, 1}}
	f.Add(lswire.Update(nh, [][]byte{lswire.NodeNLRI(lswire.ISISLevel2, 0, a)}, nil, lswire.NodeName("a")))
	f.Add(lswire.Update(nh, [][]byte{lswire.LinkNLRI(lswire.ISISLevel2, 0, a, b, 1, 2)}, nil,
		lswire.IGPMetric(10), lswire.TEMetric(20), lswire.LinkDelay(100), lswire.MaxBandwidth(1e9)))
	f.Add(lswire.Update(nh, [][]byte{lswire.LinkNLRI(lswire.ISISLevel2, 0, a, lan, 1, 0), lswire.LinkNLRI(lswire.ISISLevel2, 0, lan, b, 0, 3)}, nil, lswire.IGPMetric(5)))
	f.Add(lswire.Update(nh, [][]byte{lswire.PrefixNLRI(lswire.OSPFv2, 7, ospf, netip.MustParsePrefix("198.51.100.0/24"))}, nil))
	f.Add(lswire.Update(nh, [][]byte{lswire.PrefixNLRI(lswire.OSPFv3, 7, ospf, netip.MustParsePrefix("2001:db8::/48"))}, nil))
	f.Add(lswire.Update(nh, nil, [][]byte{lswire.NodeNLRI(lswire.ISISLevel2, 0, a)}))
	f.Fuzz(func(t *testing.T, data []byte) {
		msg, err := bgp.ParseBGPMessage(data)
		if err != nil {
			return
		}
		u, ok := msg.Body.(*bgp.BGPUpdate)
		if !ok {
			return
		}
		db := NewDatabase()
		if _, err := db.ApplyUpdate(u); err != nil {
			return
		}
		g := db.Graph(Options{})
		for _, l := range g.Links {
			if l.Metric == 0 {
				return
			}
		}
		if err := g.Validate(); err != nil {
			t.Fatalf("invalid graph: %v", err)
		}
		g.AllPairs()
	})
}
