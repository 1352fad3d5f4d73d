// Package lswire encodes BGP-LS NLRIs, BGP-LS attributes and the UPDATE
// messages that carry them in wire format (RFC 9552, Sections 5.2 and
// 5.3), so that tests and demonstrations can announce a topology. It
// encodes only what goalto reads: node, link and prefix NLRIs of IGP
// protocols, and the node name, metric, delay and bandwidth TLVs.
package lswire

import (
	"encoding/binary"
	"math"
	"net/netip"
)

// Protocol-IDs of RFC 9552, Section 5.2.
const (
	ISISLevel1 uint8 = 1
	ISISLevel2 uint8 = 2
	OSPFv2     uint8 = 3
	OSPFv3     uint8 = 6
)

// NLRI types of RFC 9552, Section 5.2.
const (
	nlriNode       = 1
	nlriLink       = 2
	nlriPrefixIPv4 = 3
	nlriPrefixIPv6 = 4
)

// TLV code points of RFC 9552, Sections 5.2 and 5.3, RFC 5305 and RFC 8571.
const (
	tlvLocalNode    = 256
	tlvRemoteNode   = 257
	tlvLinkIDs      = 258
	tlvIPReach      = 265
	tlvAS           = 512
	tlvOSPFArea     = 514
	tlvIGPRouterID  = 515
	tlvNodeName     = 1026
	tlvMaxBandwidth = 1089
	tlvTEMetric     = 1092
	tlvIGPMetric    = 1095
	tlvLinkDelay    = 1114
)

// AFI and SAFI of BGP-LS (RFC 9552, Section 5.1).
const (
	AFI  = 16388
	SAFI = 71
)

// Node holds the Node Descriptors of a router or pseudonode.
type Node struct {
	ASN uint32 // 0 leaves the AS sub-TLV out
	// RouterID is the IGP Router-ID: 6 bytes for an IS-IS system ID, 7
	// for an IS-IS pseudonode, 4 for an OSPF router ID, 8 for an OSPF
	// pseudonode.
	RouterID []byte
	// OSPFArea is the OSPF area ID; it is encoded for 4- and 8-byte
	// router IDs only.
	OSPFArea uint32
}

// TLV encodes a type-length-value element.
func TLV(typ uint16, value []byte) []byte {
	b := make([]byte, 4, 4+len(value))
	binary.BigEndian.PutUint16(b, typ)
	binary.BigEndian.PutUint16(b[2:], uint16(len(value)))
	return append(b, value...)
}

func be32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }

// descriptors encodes Node Descriptors with sub-TLVs in ascending order
// (RFC 9552, Section 5.2.1.4).
func (n Node) descriptors(typ uint16) []byte {
	var sub []byte
	if n.ASN != 0 {
		sub = append(sub, TLV(tlvAS, be32(n.ASN))...)
	}
	if len(n.RouterID) == 4 || len(n.RouterID) == 8 {
		sub = append(sub, TLV(tlvOSPFArea, be32(n.OSPFArea))...)
	}
	sub = append(sub, TLV(tlvIGPRouterID, n.RouterID)...)
	return TLV(typ, sub)
}

// wrap prefixes an NLRI body with the protocol, the identifier and the
// NLRI type and length.
func wrap(typ uint16, protocol uint8, instance uint64, body []byte) []byte {
	v := append([]byte{protocol}, binary.BigEndian.AppendUint64(nil, instance)...)
	return TLV(typ, append(v, body...))
}

// NodeNLRI encodes a Node NLRI.
func NodeNLRI(protocol uint8, instance uint64, n Node) []byte {
	return wrap(nlriNode, protocol, instance, n.descriptors(tlvLocalNode))
}

// LinkNLRI encodes a Link NLRI from local to remote with the link
// local and remote identifiers as its only link descriptor.
func LinkNLRI(protocol uint8, instance uint64, local, remote Node, localID, remoteID uint32) []byte {
	body := append(local.descriptors(tlvLocalNode), remote.descriptors(tlvRemoteNode)...)
	body = append(body, TLV(tlvLinkIDs, append(be32(localID), be32(remoteID)...))...)
	return wrap(nlriLink, protocol, instance, body)
}

// PrefixNLRI encodes an IPv4 or IPv6 Topology Prefix NLRI.
func PrefixNLRI(protocol uint8, instance uint64, n Node, p netip.Prefix) []byte {
	p = p.Masked()
	bits := p.Bits()
	reach := append([]byte{byte(bits)}, p.Addr().AsSlice()[:(bits+7)/8]...)
	body := append(n.descriptors(tlvLocalNode), TLV(tlvIPReach, reach)...)
	typ := uint16(nlriPrefixIPv4)
	if p.Addr().Is6() {
		typ = nlriPrefixIPv6
	}
	return wrap(typ, protocol, instance, body)
}

// NodeName encodes the Node Name TLV.
func NodeName(name string) []byte { return TLV(tlvNodeName, []byte(name)) }

// IGPMetric encodes the IGP Metric TLV in its 3-byte form.
func IGPMetric(m uint32) []byte { return TLV(tlvIGPMetric, be32(m)[1:]) }

// TEMetric encodes the TE Default Metric TLV.
func TEMetric(m uint32) []byte { return TLV(tlvTEMetric, be32(m)) }

// LinkDelay encodes the Unidirectional Link Delay TLV, in microseconds
// (at most 2^24 - 1), with the anomalous flag clear.
func LinkDelay(micros uint32) []byte { return TLV(tlvLinkDelay, be32(micros&0xffffff)) }

// MaxBandwidth encodes the Maximum Link Bandwidth TLV, in bytes per
// second.
func MaxBandwidth(bytesPerSecond float32) []byte {
	return TLV(tlvMaxBandwidth, be32(math.Float32bits(bytesPerSecond)))
}

// attribute encodes a path attribute with the extended length flag.
func attribute(flags, typ byte, value []byte) []byte {
	b := []byte{flags | 0x10, typ}
	b = binary.BigEndian.AppendUint16(b, uint16(len(value)))
	return append(b, value...)
}

// Update encodes a BGP UPDATE message. With announced NLRIs it carries
// ORIGIN, an empty AS_PATH and an MP_REACH_NLRI. With withdrawn NLRIs it
// carries an MP_UNREACH_NLRI, and with TLVs a BGP-LS attribute.
func Update(nextHop netip.Addr, announce, withdraw [][]byte, lsTLVs ...[]byte) []byte {
	var attrs []byte
	if len(announce) > 0 {
		attrs = append(attrs, 0x40, 1, 1, 0) // ORIGIN IGP
		attrs = append(attrs, 0x40, 2, 0)    // AS_PATH, empty
		reach := binary.BigEndian.AppendUint16(nil, AFI)
		nh := nextHop.AsSlice()
		reach = append(reach, SAFI, byte(len(nh)))
		reach = append(append(reach, nh...), 0)
		for _, n := range announce {
			reach = append(reach, n...)
		}
		attrs = append(attrs, attribute(0x80, 14, reach)...)
	}
	if len(withdraw) > 0 {
		unreach := append(binary.BigEndian.AppendUint16(nil, AFI), SAFI)
		for _, n := range withdraw {
			unreach = append(unreach, n...)
		}
		attrs = append(attrs, attribute(0x80, 15, unreach)...)
	}
	if len(lsTLVs) > 0 {
		var v []byte
		for _, t := range lsTLVs {
			v = append(v, t...)
		}
		attrs = append(attrs, attribute(0x80, 29, v)...)
	}
	msg := make([]byte, 16, 23+len(attrs))
	for i := range msg {
		msg[i] = 0xff
	}
	msg = binary.BigEndian.AppendUint16(msg, uint16(23+len(attrs)))
	msg = append(msg, 2, 0, 0) // UPDATE, no withdrawn routes
	msg = binary.BigEndian.AppendUint16(msg, uint16(len(attrs)))
	return append(msg, attrs...)
}
