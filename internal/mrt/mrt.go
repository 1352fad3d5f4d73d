// Package mrt reads BGP routing tables from MRT dumps (RFC 6396) and turns
// them into prefix table entries with an origin AS.
//
// The reader accepts TABLE_DUMP (type 12), TABLE_DUMP_V2 (type 13, with the
// ADD-PATH subtypes of RFC 8050) and BGP4MP or BGP4MP_ET update streams
// (types 16 and 17), plain or compressed with gzip or bzip2. It collects the
// routes of every peer for every IPv4 and IPv6 unicast prefix. Records of
// other types or subtypes (multicast RIBs, RIB_GENERIC for other address
// families, GEO_PEER_TABLE, OSPF, IS-IS) are skipped and counted in
// Stats.Skipped. A truncated or corrupt record stops the read with a
// *RecordError.
//
// The MRT and BGP decoding is done by github.com/osrg/gobgp/v4, except for
// the fixed fields of TABLE_DUMP and BGP4MP records, which that library
// either does not read (TABLE_DUMP) or reads without the 2-byte AS and
// ADD-PATH options (BGP4MP).
//
// RIB.Entries picks one route per prefix with a Selector and returns its
// origin AS as a prefixes.Entry.
package mrt

import (
	"fmt"
	"net/netip"
	"strconv"
)

// Peer is a BGP neighbor of the collector that wrote the dump.
type Peer struct {
	Addr netip.Addr
	AS   uint32
}

// Route is the path that one peer advertised for one prefix.
type Route struct {
	Peer   int    // index in RIB.Peers
	PathID uint32 // ADD-PATH path identifier (RFC 8050), or 0
	ASPath []Segment
	Origin uint32 // origin AS (see OriginAS), or 0 when there is none
}

// Stats counts what a read saw.
type Stats struct {
	Records       int                // MRT records read, skipped ones included
	ByType        map[RecordType]int // records read per type and subtype
	RIBEntries    int                // routes read from TABLE_DUMP and TABLE_DUMP_V2 records
	Announcements int                // prefixes announced in BGP4MP UPDATE messages
	Withdrawals   int                // prefixes withdrawn in BGP4MP UPDATE messages
	Skipped       map[RecordType]int // records of a type or subtype that carries no unicast route
}

// RecordType is the type and subtype of an MRT record header.
type RecordType struct {
	Type    uint16
	Subtype uint16
}

// String returns "TYPE/SUBTYPE" in decimal.
func (t RecordType) String() string {
	return strconv.Itoa(int(t.Type)) + "/" + strconv.Itoa(int(t.Subtype))
}

// RIB is the routing table read from one MRT file: for each prefix, the
// routes of each peer.
type RIB struct {
	File  string
	Peers []Peer
	Stats Stats

	routes    map[netip.Prefix][]Route
	order     []netip.Prefix // prefixes in order of first appearance
	peerIndex map[Peer]int

	tablePeers   []int // RIB.Peers index of each TABLE_DUMP_V2 peer index entry
	hasPeerTable bool
}

func newRIB(file string) *RIB {
	return &RIB{
		File:      file,
		Stats:     Stats{ByType: map[RecordType]int{}, Skipped: map[RecordType]int{}},
		routes:    map[netip.Prefix][]Route{},
		peerIndex: map[Peer]int{},
	}
}

// Prefixes returns the prefixes that have at least one route, in the order
// in which the file first names them.
func (r *RIB) Prefixes() []netip.Prefix {
	out := make([]netip.Prefix, 0, len(r.order))
	for _, p := range r.order {
		if len(r.routes[p]) > 0 {
			out = append(out, p)
		}
	}
	return out
}

// Routes returns the routes to prefix, one per peer and path identifier.
// The caller must not modify the returned slice.
func (r *RIB) Routes(prefix netip.Prefix) []Route {
	return r.routes[prefix]
}

// peer returns the index of a peer in r.Peers, adding it when it is new.
func (r *RIB) peer(p Peer) int {
	if i, ok := r.peerIndex[p]; ok {
		return i
	}
	r.Peers = append(r.Peers, p)
	r.peerIndex[p] = len(r.Peers) - 1
	return len(r.Peers) - 1
}

// add stores a route, replacing the route of the same peer and path
// identifier.
func (r *RIB) add(prefix netip.Prefix, route Route) {
	routes, seen := r.routes[prefix]
	if !seen {
		r.order = append(r.order, prefix)
	}
	for i := range routes {
		if routes[i].Peer == route.Peer && routes[i].PathID == route.PathID {
			routes[i] = route
			return
		}
	}
	r.routes[prefix] = append(routes, route)
}

// withdraw removes the route of a peer and path identifier.
func (r *RIB) withdraw(prefix netip.Prefix, peer int, pathID uint32) {
	routes := r.routes[prefix]
	for i := range routes {
		if routes[i].Peer == peer && routes[i].PathID == pathID {
			r.routes[prefix] = append(routes[:i], routes[i+1:]...)
			return
		}
	}
}

// dropPeer removes every route of a peer, as a BGP speaker does when the
// session to that peer leaves the Established state (RFC 4271, Section 8.2.2).
func (r *RIB) dropPeer(peer int) {
	for prefix, routes := range r.routes {
		kept := routes[:0]
		for _, route := range routes {
			if route.Peer != peer {
				kept = append(kept, route)
			}
		}
		r.routes[prefix] = kept
	}
}

// RecordError reports a truncated or corrupt MRT record.
type RecordError struct {
	File   string
	Record int   // 1-based number of the record in the file
	Offset int64 // byte offset of the record header in the decompressed stream
	Err    error
}

// Error returns "FILE: record N at offset O: ERR".
func (e *RecordError) Error() string {
	return fmt.Sprintf("%s: MRT record %d at byte offset %d: %v", e.File, e.Record, e.Offset, e.Err)
}

// Unwrap returns the underlying error.
func (e *RecordError) Unwrap() error { return e.Err }
