package bgp

import (
	"net/netip"

	"github.com/osrg/gobgp/v4/pkg/apiutil"
	"github.com/osrg/gobgp/v4/pkg/packet/bgp"

	"github.com/goalto/goalto/internal/mrt"
	"github.com/goalto/goalto/internal/netdef"
)

// route is the part of a best path that the PID rules read.
type route struct {
	peer        netip.Addr // the peer that sent the path
	nextHop     netip.Addr
	neighborAS  uint32 // first AS of the AS path, or 0 when it is empty
	originAS    uint32 // see mrt.OriginAS
	communities []uint32
	large       []netdef.LargeCommunity
}

// unicastPrefix returns the prefix of an IPv4 or IPv6 unicast path.
func unicastPrefix(p *apiutil.Path) (netip.Prefix, bool) {
	if p.Family != bgp.RF_IPv4_UC && p.Family != bgp.RF_IPv6_UC {
		return netip.Prefix{}, false
	}
	n, ok := p.Nlri.(*bgp.IPAddrPrefix)
	if !ok {
		return netip.Prefix{}, false
	}
	return n.Prefix, true
}

// routeOf reads the attributes of a path that the PID rules match on.
func routeOf(p *apiutil.Path) *route {
	r := &route{peer: p.PeerAddress}
	for _, a := range p.Attrs {
		switch v := a.(type) {
		case *bgp.PathAttributeNextHop:
			r.nextHop = v.Value
		case *bgp.PathAttributeMpReachNLRI:
			r.nextHop = v.Nexthop
		case *bgp.PathAttributeAsPath:
			segments := make([]mrt.Segment, 0, len(v.Value))
			for _, s := range v.Value {
				segments = append(segments, mrt.Segment{Type: s.GetType(), ASNs: s.GetAS()})
			}
			r.originAS = mrt.OriginAS(segments)
			r.neighborAS = neighborAS(segments)
		case *bgp.PathAttributeCommunities:
			r.communities = v.Value
		case *bgp.PathAttributeLargeCommunities:
			for _, c := range v.Values {
				r.large = append(r.large, netdef.LargeCommunity{Global: c.ASN, Data1: c.LocalData1, Data2: c.LocalData2})
			}
		}
	}
	return r
}

// neighborAS returns the first AS of the first AS_SEQUENCE segment,
// skipping confederation segments, which name ASes inside the local
// confederation (RFC 5065, Section 3).
func neighborAS(path []mrt.Segment) uint32 {
	for _, s := range path {
		if s.Type == mrt.SegmentSequence && len(s.ASNs) > 0 {
			return s.ASNs[0]
		}
		if s.Type == mrt.SegmentSet {
			return 0
		}
	}
	return 0
}
