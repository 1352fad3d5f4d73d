package mrt

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/goalto/goalto/internal/prefixes"
)

// Selector picks one route per prefix. The zero value picks the best path.
//
// With PeerAddr or PeerAS set, only routes of matching peers count, and
// prefixes that no matching peer has are left out. Among the routes that
// count, the best path is the one with the shortest AS path (see
// PathLength), then the lowest peer address (IPv4 before IPv6), then the
// lowest ADD-PATH path identifier. This is a simplified form of the BGP
// decision process (RFC 4271, Section 9.1.2.2), because a dump does not
// carry the collector's local policy.
type Selector struct {
	PeerAddr netip.Addr // peer address to take routes from, or the zero Addr for any
	PeerAS   uint32     // peer AS to take routes from, or 0 for any
}

// Choose returns the route that the selector picks from the routes of one
// prefix, and false when no route matches.
func (s Selector) Choose(rib *RIB, routes []Route) (Route, bool) {
	var best Route
	found := false
	for _, route := range routes {
		if !s.matches(rib.Peers[route.Peer]) {
			continue
		}
		if !found || rib.better(route, best) {
			best, found = route, true
		}
	}
	return best, found
}

func (s Selector) matches(p Peer) bool {
	if s.PeerAddr.IsValid() && p.Addr != s.PeerAddr {
		return false
	}
	return s.PeerAS == 0 || p.AS == s.PeerAS
}

// better reports whether route a wins over route b by the rule of Selector.
func (r *RIB) better(a, b Route) bool {
	if la, lb := PathLength(a.ASPath), PathLength(b.ASPath); la != lb {
		return la < lb
	}
	if c := r.Peers[a.Peer].Addr.Compare(r.Peers[b.Peer].Addr); c != 0 {
		return c < 0
	}
	return a.PathID < b.PathID
}

// Entries returns one entry per prefix, in the order of Prefixes, with the
// origin AS of the route that sel picks. An entry has ASN 0 when that route
// has no origin AS (see OriginAS).
func (r *RIB) Entries(sel Selector) []prefixes.Entry {
	out := make([]prefixes.Entry, 0, len(r.order))
	for _, prefix := range r.order {
		route, ok := sel.Choose(r, r.routes[prefix])
		if !ok {
			continue
		}
		out = append(out, prefixes.Entry{Prefix: prefix, ASN: route.Origin})
	}
	return out
}

// LoadTable reads the MRT file at path and returns the entries that sel
// picks as a prefix table.
func LoadTable(path string, sel Selector) (*prefixes.Table, error) {
	rib, err := Load(path)
	if err != nil {
		return nil, err
	}
	entries := rib.Entries(sel)
	if len(entries) == 0 {
		return nil, fmt.Errorf("%s: no IPv4 or IPv6 unicast route in the MRT file matches the peer selection%s", path, rib.peerList(maxListedPeers))
	}
	return &prefixes.Table{File: path, Entries: entries}, nil
}

// maxListedPeers is how many peers an error about the peer selection
// lists.
const maxListedPeers = 20

// peerList returns the peers that have routes in the dump, those with
// the most routes first, at most limit of them, as text to append to an
// error, such as "; the dump's peers with routes: 203.0.113.1 as 64500
// (9072 routes)", or "" when no peer has routes.
func (r *RIB) peerList(limit int) string {
	counts := make([]int, len(r.Peers))
	for _, routes := range r.routes {
		for _, route := range routes {
			counts[route.Peer]++
		}
	}
	var order []int
	for i, n := range counts {
		if n > 0 {
			order = append(order, i)
		}
	}
	if len(order) == 0 {
		return ""
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(counts[b], counts[a]) })
	total := len(order)
	order = order[:min(limit, total)]
	parts := make([]string, len(order))
	for k, i := range order {
		parts[k] = fmt.Sprintf("%s as %d (%d routes)", r.Peers[i].Addr, r.Peers[i].AS, counts[i])
	}
	more := ""
	if total > len(order) {
		more = fmt.Sprintf(" and %d more", total-len(order))
	}
	return fmt.Sprintf("; the %d peers with routes in the dump, most routes first: %s%s", total, strings.Join(parts, ", "), more)
}
