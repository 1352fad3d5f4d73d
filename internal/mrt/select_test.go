package mrt_test

import (
	"net/netip"
	"testing"

	"github.com/goalto/goalto/internal/datadir"
	"github.com/goalto/goalto/internal/mrt"
)

// TestSelectRouteViews checks the prefix counts of the RouteViews
// TABLE_DUMP_V2 files and that each entry comes from a route that no other
// route of its prefix beats by the documented rule.
func TestSelectRouteViews(t *testing.T) {
	tests := []struct {
		file     string
		prefixes int
		family   func(netip.Addr) bool
	}{
		{"rib.20140523.0600.first9072prefixes.mrt.bz2", 9072, netip.Addr.Is4},
		{"rib6.20151101.0600.first6870prefixes.mrt.bz2", 6870, netip.Addr.Is6},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			rib, err := mrt.Load(datadir.Path(t, "bgp-mrt-routeviews", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			entries := rib.Entries(mrt.Selector{})
			if len(entries) != tt.prefixes {
				t.Errorf("entries = %d, want %d", len(entries), tt.prefixes)
			}
			withOrigin := 0
			for _, e := range entries {
				if !tt.family(e.Prefix.Addr()) {
					t.Errorf("prefix %s is of the wrong address family", e.Prefix)
				}
				if e.ASN != 0 {
					withOrigin++
				}
				checkBest(t, rib, e.Prefix, e.ASN)
			}
			if withOrigin < len(entries)*99/100 {
				t.Errorf("only %d of %d entries have an origin AS", withOrigin, len(entries))
			}
		})
	}
}

// checkBest checks that some route of prefix has origin asn and that no
// route has a shorter path, or an equal path from a lower peer address.
func checkBest(t *testing.T, rib *mrt.RIB, prefix netip.Prefix, asn uint32) {
	t.Helper()
	routes := rib.Routes(prefix)
	minLength := -1
	for _, r := range routes {
		if l := mrt.PathLength(r.ASPath); minLength < 0 || l < minLength {
			minLength = l
		}
	}
	var lowest netip.Addr
	for _, r := range routes {
		addr := rib.Peers[r.Peer].Addr
		if mrt.PathLength(r.ASPath) == minLength && (!lowest.IsValid() || addr.Less(lowest)) {
			lowest = addr
		}
	}
	for _, r := range routes {
		if rib.Peers[r.Peer].Addr == lowest && mrt.PathLength(r.ASPath) == minLength {
			if r.Origin != asn {
				t.Errorf("%s: ASN %d, want %d from peer %s", prefix, asn, r.Origin, lowest)
			}
			return
		}
	}
	t.Errorf("%s: no route found", prefix)
}

// TestOriginAS covers the AS_SET and confederation cases of OriginAS and
// PathLength.
func TestOriginAS(t *testing.T) {
	seq := func(asns ...uint32) mrt.Segment { return mrt.Segment{Type: mrt.SegmentSequence, ASNs: asns} }
	set := func(asns ...uint32) mrt.Segment { return mrt.Segment{Type: mrt.SegmentSet, ASNs: asns} }
	confed := func(asns ...uint32) mrt.Segment { return mrt.Segment{Type: mrt.SegmentConfedSequence, ASNs: asns} }
	tests := []struct {
		name       string
		path       []mrt.Segment
		wantOrigin uint32
		wantLength int
		wantText   string
	}{
		{"sequence", []mrt.Segment{seq(1853, 1239, 80)}, 80, 3, "1853 1239 80"},
		{"set of one", []mrt.Segment{seq(1853, 21947), set(25995)}, 25995, 3, "1853 21947 {25995}"},
		{"set of two", []mrt.Segment{seq(1853, 13659), set(13659, 701)}, 0, 3, "1853 13659 {13659,701}"},
		{"confederation first", []mrt.Segment{confed(65001, 65002), seq(3356, 64500)}, 64500, 2, "(65001 65002) 3356 64500"},
		{"confederation only", []mrt.Segment{confed(65001)}, 0, 0, "(65001)"},
		{"empty", nil, 0, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := mrt.OriginAS(tt.path); got != tt.wantOrigin {
				t.Errorf("OriginAS = %d, want %d", got, tt.wantOrigin)
			}
			if got := mrt.PathLength(tt.path); got != tt.wantLength {
				t.Errorf("PathLength = %d, want %d", got, tt.wantLength)
			}
			if got := mrt.FormatASPath(tt.path); got != tt.wantText {
				t.Errorf("FormatASPath = %q, want %q", got, tt.wantText)
			}
		})
	}
}
