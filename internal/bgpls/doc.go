// Package bgpls turns the BGP-LS routes of a BGP speaker (RFC 9552) into
// the topology graph that cost maps are computed on.
//
// A [Database] stores the Node, Link and IPv4/IPv6 Topology Prefix NLRIs
// of address family AFI 16388 / SAFI 71 (RFC 9552, Section 5.2) with the
// BGP-LS attribute of each, as decoded by
// github.com/osrg/gobgp/v4/pkg/packet/bgp. An announcement of an NLRI
// replaces the previous one of the same NLRI, and a withdrawal removes
// it, so the database follows the best paths of a BGP session. Only the
// IGP protocols are used: IS-IS Level 1 and Level 2, OSPFv2 and OSPFv3
// (Protocol-IDs 1, 2, 3 and 6, RFC 9552, Section 5.2). NLRIs of the
// Direct, Static and BGP protocols, and SRv6 SID NLRIs, are counted and
// ignored.
//
// [Database.Graph] builds a [topology.Graph]:
//
//   - A node is a router, identified by the instance Identifier, the
//     Autonomous System and the IGP Router-ID of its Node Descriptors
//     (RFC 9552, Section 5.2.1.4). The area and the protocol are not part
//     of the identity, so the Level 1 and Level 2 views of an IS-IS
//     router, and an OSPF area border router seen in several areas, are
//     one node. The node name TLV (RFC 9552, Section 5.3.1.3) gives the
//     label.
//   - A Link NLRI is one direction of an adjacency, so it becomes a
//     directed link from the local to the remote node. Its metric is the
//     IGP Metric TLV (RFC 9552, Section 5.3.2.4), or with [MetricTE] the
//     TE Default Metric TLV (RFC 5305, Section 3.7). Its latency is the
//     Unidirectional Link Delay TLV (RFC 8571, Section 2.1, in
//     microseconds). Its capacity is the Maximum Link Bandwidth TLV (RFC
//     5305, Section 3.4, in bytes per second) times 8.
//   - A pseudonode (an IS-IS LAN or an OSPF designated router's network)
//     is not a node of the graph. Each pair of links A to pseudonode P and
//     P to B becomes one link A to B whose metric and latency are the sums
//     of the two halves and whose capacity is the smaller one, so
//     crossing a LAN counts as one hop.
//   - A Prefix NLRI attaches its prefix to the node that advertises it
//     (Node.Advertised), which is how PIDs find their node for costs.
//
// [Source] feeds the graph to the daemon and rebuilds after a quiet
// period; docs/bgp-ls.md describes the configuration.
package bgpls
