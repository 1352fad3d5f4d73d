package mrt

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"

	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
	gobgpmrt "github.com/osrg/gobgp/v4/pkg/packet/mrt"
)

// TABLE_DUMP subtypes name the address family (RFC 6396, Section 4.2).
const (
	tableDumpIPv4 = 1
	tableDumpIPv6 = 2
)

// addTableDump adds the route of a TABLE_DUMP record (RFC 6396, Section
// 4.2). gobgp does not decode this type, so the fixed fields are read
// here: view and sequence number, prefix and length, status, originated
// time, peer address, 2-byte peer AS and the attribute length. The
// attributes carry 2-byte AS numbers.
func (r *RIB) addTableDump(h *gobgpmrt.MRTHeader, body []byte) error {
	addrSize := 4
	switch h.SubType {
	case tableDumpIPv4:
	case tableDumpIPv6:
		addrSize = 16
	default:
		r.skip(h)
		return nil
	}
	fixed := 4 + addrSize + 1 + 1 + 4 + addrSize + 2 + 2
	if len(body) < fixed {
		return fmt.Errorf("TABLE_DUMP record of %d bytes is shorter than its %d fixed bytes", len(body), fixed)
	}
	field := body[4:]
	addr, _ := netip.AddrFromSlice(field[:addrSize])
	bits := int(field[addrSize])
	prefix, err := addr.Prefix(bits)
	if err != nil || bits > addr.BitLen() {
		return fmt.Errorf("TABLE_DUMP prefix %s/%d is invalid", addr, bits)
	}
	field = field[addrSize+1+1+4:]
	peerAddr, _ := netip.AddrFromSlice(field[:addrSize])
	peerAS := uint32(binary.BigEndian.Uint16(field[addrSize:]))
	attrLen := int(binary.BigEndian.Uint16(field[addrSize+2:]))
	attrs := field[addrSize+4:]
	if len(attrs) < attrLen {
		return fmt.Errorf("TABLE_DUMP attribute length %d exceeds the %d bytes left", attrLen, len(attrs))
	}

	path, err := tableDumpPath(attrs[:attrLen])
	if err != nil {
		return err
	}
	r.Stats.RIBEntries++
	peer := r.peer(Peer{Addr: peerAddr, AS: peerAS})
	r.add(prefix, Route{Peer: peer, ASPath: path, Origin: OriginAS(path)})
	return nil
}

// tableDumpOptions makes gobgp decode AS numbers as 2 bytes. Decoding
// only reads the options, so one value serves every record.
var tableDumpOptions = &bgp.MarshallingOption{MRT: true, Use2ByteAS: true}

// tableDumpPath decodes the AS_PATH and AS4_PATH attributes of a
// TABLE_DUMP record and passes over the others, whose encoding the route
// selection does not need.
func tableDumpPath(attrs []byte) ([]Segment, error) {
	var buffer [2]bgp.PathAttributeInterface
	decoded := buffer[:0]
	for len(attrs) > 0 {
		size, err := attributeSize(attrs)
		if err != nil {
			return nil, err
		}
		switch bgp.BGPAttrType(attrs[1]) {
		case bgp.BGP_ATTR_TYPE_AS_PATH, bgp.BGP_ATTR_TYPE_AS4_PATH:
			attr, err := bgp.GetPathAttribute(attrs[:size])
			if err != nil {
				return nil, fmt.Errorf("path attribute: %w", err)
			}
			if err := attr.DecodeFromBytes(attrs[:size], tableDumpOptions); err != nil {
				return nil, fmt.Errorf("path attribute %s: %w", bgp.BGPAttrType(attrs[1]), err)
			}
			decoded = append(decoded, attr)
		}
		attrs = attrs[size:]
	}
	return pathOf(decoded), nil
}

// attributeSize returns the size of the path attribute at the start of
// attrs, header included (RFC 4271, Section 4.3).
func attributeSize(attrs []byte) (int, error) {
	if len(attrs) < 3 {
		return 0, fmt.Errorf("path attribute header of %d bytes is truncated", len(attrs))
	}
	size := 3 + int(attrs[2])
	if attrs[0]&byte(bgp.BGP_ATTR_FLAG_EXTENDED_LENGTH) != 0 {
		if len(attrs) < 4 {
			return 0, errors.New("extended-length path attribute header is truncated")
		}
		size = 4 + int(binary.BigEndian.Uint16(attrs[2:4]))
	}
	if size > len(attrs) {
		return 0, fmt.Errorf("path attribute of %d bytes exceeds the %d bytes left", size, len(attrs))
	}
	return size, nil
}

// addTableDumpV2 adds the routes of a TABLE_DUMP_V2 record (RFC 6396,
// Section 4.3, and RFC 8050, Section 4).
func (r *RIB) addTableDumpV2(h *gobgpmrt.MRTHeader, body []byte) error {
	switch gobgpmrt.MRTSubTypeTableDumpv2(h.SubType) {
	case gobgpmrt.PEER_INDEX_TABLE:
		return r.addPeerIndexTable(h, body)
	case gobgpmrt.RIB_IPV4_UNICAST, gobgpmrt.RIB_IPV6_UNICAST,
		gobgpmrt.RIB_IPV4_UNICAST_ADDPATH, gobgpmrt.RIB_IPV6_UNICAST_ADDPATH:
		return r.addRib(h, body)
	case gobgpmrt.RIB_GENERIC, gobgpmrt.RIB_GENERIC_ADDPATH:
		if isUnicastGeneric(body) {
			return r.addRib(h, body)
		}
	}
	r.skip(h)
	return nil
}

// isUnicastGeneric reports whether a RIB_GENERIC body carries an IPv4 or
// IPv6 unicast prefix: its AFI and SAFI follow the 4-byte sequence number.
func isUnicastGeneric(body []byte) bool {
	if len(body) < 7 {
		return false
	}
	afi := binary.BigEndian.Uint16(body[4:6])
	return (afi == bgp.AFI_IP || afi == bgp.AFI_IP6) && body[6] == bgp.SAFI_UNICAST
}

func (r *RIB) addPeerIndexTable(h *gobgpmrt.MRTHeader, body []byte) error {
	msg, err := gobgpmrt.ParseBody(body, h)
	if err != nil {
		return fmt.Errorf("PEER_INDEX_TABLE: %w", err)
	}
	table, ok := msg.Body.(*gobgpmrt.PeerIndexTable)
	if !ok {
		return fmt.Errorf("PEER_INDEX_TABLE: unexpected body %T", msg.Body)
	}
	r.tablePeers = r.tablePeers[:0]
	for _, p := range table.Peers {
		r.tablePeers = append(r.tablePeers, r.peer(Peer{Addr: p.IpAddress, AS: p.AS}))
	}
	r.hasPeerTable = true
	return nil
}

func (r *RIB) addRib(h *gobgpmrt.MRTHeader, body []byte) error {
	if !r.hasPeerTable {
		return errors.New("RIB record before any PEER_INDEX_TABLE")
	}
	msg, err := gobgpmrt.ParseBody(body, h)
	if err != nil {
		return fmt.Errorf("RIB record: %w", err)
	}
	rib, ok := msg.Body.(*gobgpmrt.Rib)
	if !ok {
		return fmt.Errorf("RIB record: unexpected body %T", msg.Body)
	}
	prefix, ok := unicastPrefix(rib.Prefix)
	if !ok {
		r.skip(h)
		return nil
	}
	for _, e := range rib.Entries {
		if int(e.PeerIndex) >= len(r.tablePeers) {
			return fmt.Errorf("RIB entry names peer index %d, but the PEER_INDEX_TABLE has %d peers", e.PeerIndex, len(r.tablePeers))
		}
		path := pathOf(e.PathAttributes)
		r.Stats.RIBEntries++
		r.add(prefix, Route{Peer: r.tablePeers[e.PeerIndex], PathID: e.PathIdentifier, ASPath: path, Origin: OriginAS(path)})
	}
	return nil
}

// unicastPrefix returns the masked prefix of an IPv4 or IPv6 unicast NLRI.
func unicastPrefix(nlri bgp.NLRI) (netip.Prefix, bool) {
	p, ok := nlri.(*bgp.IPAddrPrefix)
	if !ok || !p.Prefix.IsValid() {
		return netip.Prefix{}, false
	}
	return p.Prefix.Masked(), true
}
