package bgpls

import (
	"cmp"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sync"

	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
)

// NodeID identifies a router or pseudonode: the fields of the Node
// Descriptors that [Database.Graph] uses as identity (RFC 9552, Section
// 5.2.1.4). The OSPF area and the BGP-LS Identifier are left out on
// purpose, see the package documentation.
type NodeID struct {
	Instance uint64 // Identifier field of the NLRI (RFC 9552, Section 5.2)
	ASN      uint32 // Autonomous System sub-TLV 512, 0 when absent
	// RouterID is the IGP Router-ID sub-TLV 515 in gobgp's notation: an
	// IS-IS system ID "0000.0000.0001" (with "-NN" for a pseudonode) or
	// an OSPF router ID "10.0.0.1" (with ":" and the interface address
	// of the designated router for a pseudonode).
	RouterID string
	Pseudo   bool // the descriptor is a pseudonode (a LAN)
}

// String returns the router ID, or "AS:instance:router-ID" when the AS
// or the instance is set, which keeps IDs unique across domains.
func (id NodeID) String() string {
	if id.ASN == 0 && id.Instance == 0 {
		return id.RouterID
	}
	return fmt.Sprintf("%d:%d:%s", id.ASN, id.Instance, id.RouterID)
}

// Node is the content of one Node NLRI.
type Node struct {
	ID       NodeID
	Protocol bgp.LsProtocolID
	Name     string // Node Name TLV 1026, empty when absent
}

// Link is the content of one Link NLRI: one direction of an adjacency.
// A nil attribute pointer means the TLV was absent.
type Link struct {
	Local, Remote NodeID
	Protocol      bgp.LsProtocolID
	// Descriptor is gobgp's rendering of the link descriptors (link
	// IDs or interface and neighbour addresses), which distinguishes
	// parallel links.
	Descriptor string
	IGPMetric  *uint32 // IGP Metric TLV 1095
	TEMetric   *uint32 // TE Default Metric TLV 1092
	// DelayMicros is the Unidirectional Link Delay TLV 1114 in
	// microseconds (RFC 8571, Section 2.1).
	DelayMicros *uint32
	// MaxBandwidth is the Maximum Link Bandwidth TLV 1089 in bytes per
	// second (RFC 5305, Section 3.4).
	MaxBandwidth *float32
}

// Prefix is the content of one IPv4 or IPv6 Topology Prefix NLRI.
type Prefix struct {
	Node     NodeID
	Protocol bgp.LsProtocolID
	Prefix   netip.Prefix // masked
}

// Contents is a copy of a database's entries, each list sorted.
type Contents struct {
	Nodes    []Node
	Links    []Link
	Prefixes []Prefix
	// Ignored counts the stored NLRIs that the graph does not use: other
	// protocols than IS-IS and OSPF, and NLRI types other than node, link
	// and prefix.
	Ignored int
}

// ErrNotLinkState reports an NLRI that is not of the BGP-LS address
// family.
var ErrNotLinkState = errors.New("bgpls: not a BGP-LS NLRI")

// Database is a link-state database fed by BGP-LS announcements and
// withdrawals. The zero value is not usable; call [NewDatabase]. It is
// safe for concurrent use.
type Database struct {
	mu       sync.Mutex // guards the following fields
	nodes    map[string]Node
	links    map[string]Link
	prefixes map[string]Prefix
	ignored  map[string]struct{}
}

// NewDatabase returns an empty database.
func NewDatabase() *Database {
	return &Database{
		nodes:    map[string]Node{},
		links:    map[string]Link{},
		prefixes: map[string]Prefix{},
		ignored:  map[string]struct{}{},
	}
}

// Announce stores an NLRI with the BGP-LS attribute found in attrs,
// replacing an earlier announcement of the same NLRI.
func (db *Database) Announce(nlri bgp.NLRI, attrs []bgp.PathAttributeInterface) error {
	key, ls, err := lsKey(nlri)
	if err != nil {
		return err
	}
	attr := lsAttribute(attrs)
	db.mu.Lock()
	defer db.mu.Unlock()
	db.deleteLocked(key)
	switch n := ls.NLRI.(type) {
	case *bgp.LsNodeNLRI:
		return db.addNodeLocked(key, n, attr)
	case *bgp.LsLinkNLRI:
		return db.addLinkLocked(key, n, attr)
	case *bgp.LsPrefixV4NLRI:
		return db.addPrefixLocked(key, n.LsNLRI, n.LocalNodeDesc, n.PrefixDesc, false)
	case *bgp.LsPrefixV6NLRI:
		return db.addPrefixLocked(key, n.LsNLRI, n.LocalNodeDesc, n.PrefixDesc, true)
	}
	db.ignored[key] = struct{}{}
	return nil
}

// Withdraw removes an NLRI. Withdrawing an NLRI that is not stored does
// nothing.
func (db *Database) Withdraw(nlri bgp.NLRI) error {
	key, _, err := lsKey(nlri)
	if err != nil {
		return err
	}
	db.mu.Lock()
	defer db.mu.Unlock()
	db.deleteLocked(key)
	return nil
}

// ApplyUpdate applies the MP_REACH_NLRI and MP_UNREACH_NLRI attributes of
// the BGP-LS address family in a BGP UPDATE message (RFC 9552, Section
// 5.1) and returns how many NLRIs it applied. Other address families are
// skipped.
func (db *Database) ApplyUpdate(u *bgp.BGPUpdate) (int, error) {
	applied := 0
	for _, a := range u.PathAttributes {
		switch a := a.(type) {
		case *bgp.PathAttributeMpUnreachNLRI:
			if bgp.NewFamily(a.AFI, a.SAFI) != bgp.RF_LS {
				continue
			}
			for _, p := range a.Value {
				if err := db.Withdraw(p.NLRI); err != nil {
					return applied, err
				}
				applied++
			}
		case *bgp.PathAttributeMpReachNLRI:
			if bgp.NewFamily(a.AFI, a.SAFI) != bgp.RF_LS {
				continue
			}
			for _, p := range a.Value {
				if err := db.Announce(p.NLRI, u.PathAttributes); err != nil {
					return applied, err
				}
				applied++
			}
		}
	}
	return applied, nil
}

// Contents returns a copy of the stored entries.
func (db *Database) Contents() Contents {
	db.mu.Lock()
	c := Contents{Ignored: len(db.ignored)}
	for _, n := range db.nodes {
		c.Nodes = append(c.Nodes, n)
	}
	for _, l := range db.links {
		c.Links = append(c.Links, l)
	}
	for _, p := range db.prefixes {
		c.Prefixes = append(c.Prefixes, p)
	}
	db.mu.Unlock()
	slices.SortFunc(c.Nodes, func(a, b Node) int { return compareNodeID(a.ID, b.ID) })
	slices.SortFunc(c.Links, compareLink)
	slices.SortFunc(c.Prefixes, func(a, b Prefix) int {
		return cmp.Or(compareNodeID(a.Node, b.Node), a.Prefix.Addr().Compare(b.Prefix.Addr()), cmp.Compare(a.Prefix.Bits(), b.Prefix.Bits()))
	})
	return c
}

func (db *Database) deleteLocked(key string) {
	delete(db.nodes, key)
	delete(db.links, key)
	delete(db.prefixes, key)
	delete(db.ignored, key)
}

func (db *Database) addNodeLocked(key string, n *bgp.LsNodeNLRI, attr *bgp.LsAttribute) error {
	if !igpProtocol(n.ProtocolID) {
		db.ignored[key] = struct{}{}
		return nil
	}
	id, err := nodeID(n.LsNLRI, n.LocalNodeDesc, "local")
	if err != nil {
		return err
	}
	node := Node{ID: id, Protocol: n.ProtocolID}
	if attr != nil && attr.Node.Name != nil {
		node.Name = *attr.Node.Name
	}
	db.nodes[key] = node
	return nil
}

func (db *Database) addLinkLocked(key string, n *bgp.LsLinkNLRI, attr *bgp.LsAttribute) error {
	if !igpProtocol(n.ProtocolID) {
		db.ignored[key] = struct{}{}
		return nil
	}
	local, err := nodeID(n.LsNLRI, n.LocalNodeDesc, "local")
	if err != nil {
		return err
	}
	remote, err := nodeID(n.LsNLRI, n.RemoteNodeDesc, "remote")
	if err != nil {
		return err
	}
	desc := &bgp.LsLinkDescriptor{}
	desc.ParseTLVs(n.LinkDesc)
	link := Link{Local: local, Remote: remote, Protocol: n.ProtocolID, Descriptor: desc.String()}
	if attr != nil {
		a := attr.Link
		link.IGPMetric, link.TEMetric, link.MaxBandwidth = a.IGPMetric, a.DefaultTEMetric, a.Bandwidth
		if a.UnidirectionalLinkDelay != nil {
			d := a.UnidirectionalLinkDelay.Delay
			link.DelayMicros = &d
		}
	}
	db.links[key] = link
	return nil
}

func (db *Database) addPrefixLocked(key string, hdr bgp.LsNLRI, local bgp.LsTLVInterface, tlvs []bgp.LsTLVInterface, ipv6 bool) error {
	if !igpProtocol(hdr.ProtocolID) {
		db.ignored[key] = struct{}{}
		return nil
	}
	id, err := nodeID(hdr, local, "local")
	if err != nil {
		return err
	}
	desc := &bgp.LsPrefixDescriptor{}
	desc.ParseTLVs(tlvs, ipv6)
	if len(desc.IPReachability) != 1 || !desc.IPReachability[0].IsValid() {
		// RFC 9552, Section 5.2.3.2: exactly one IP Reachability
		// Information TLV per Prefix NLRI.
		return fmt.Errorf("bgpls: prefix NLRI of node %s: want one IP reachability TLV, have %d", id, len(desc.IPReachability))
	}
	db.prefixes[key] = Prefix{Node: id, Protocol: hdr.ProtocolID, Prefix: desc.IPReachability[0].Masked()}
	return nil
}

// lsKey returns the identity of a BGP-LS NLRI: its wire encoding, which
// is the same in an announcement and in the withdrawal of it.
func lsKey(nlri bgp.NLRI) (string, *bgp.LsAddrPrefix, error) {
	ls, ok := nlri.(*bgp.LsAddrPrefix)
	if !ok || ls.NLRI == nil {
		return "", nil, fmt.Errorf("%w: %T", ErrNotLinkState, nlri)
	}
	wire, err := ls.Serialize()
	if err != nil {
		return "", nil, fmt.Errorf("bgpls: encoding NLRI %s: %w", ls, err)
	}
	return string(wire), ls, nil
}

// lsAttribute returns the BGP-LS attribute (type 29, RFC 9552, Section
// 5.3) among attrs, or nil.
func lsAttribute(attrs []bgp.PathAttributeInterface) *bgp.LsAttribute {
	for _, a := range attrs {
		if ls, ok := a.(*bgp.PathAttributeLs); ok {
			return ls.Extract()
		}
	}
	return nil
}

// igpProtocol reports whether a Protocol-ID is IS-IS or OSPF.
func igpProtocol(p bgp.LsProtocolID) bool {
	switch p {
	case bgp.LS_PROTOCOL_ISIS_L1, bgp.LS_PROTOCOL_ISIS_L2, bgp.LS_PROTOCOL_OSPF_V2, bgp.LS_PROTOCOL_OSPF_V3:
		return true
	}
	return false
}

func nodeID(hdr bgp.LsNLRI, tlv bgp.LsTLVInterface, which string) (NodeID, error) {
	desc, ok := tlv.(*bgp.LsTLVNodeDescriptor)
	if !ok {
		return NodeID{}, fmt.Errorf("bgpls: missing %s node descriptors", which)
	}
	d := desc.Extract()
	if d.IGPRouterID == "" {
		return NodeID{}, fmt.Errorf("bgpls: %s node descriptors without an IGP router ID", which)
	}
	return NodeID{Instance: hdr.Identifier, ASN: d.Asn, RouterID: d.IGPRouterID, Pseudo: d.PseudoNode}, nil
}

func compareNodeID(a, b NodeID) int {
	return cmp.Or(cmp.Compare(a.ASN, b.ASN), cmp.Compare(a.Instance, b.Instance), cmp.Compare(a.RouterID, b.RouterID))
}

func compareLink(a, b Link) int {
	return cmp.Or(compareNodeID(a.Local, b.Local), compareNodeID(a.Remote, b.Remote),
		cmp.Compare(a.Protocol, b.Protocol), cmp.Compare(a.Descriptor, b.Descriptor))
}
