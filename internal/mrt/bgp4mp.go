package mrt

import (
	"encoding/binary"
	"fmt"
	"net/netip"

	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
	gobgpmrt "github.com/osrg/gobgp/v4/pkg/packet/mrt"
)

// bgp4mpHeader is the part of a BGP4MP record before the state change or
// the BGP message (RFC 6396, Section 4.4).
type bgp4mpHeader struct {
	peer Peer
	rest []byte
}

// parseBGP4MPHeader reads the peer AS, local AS, interface index, address
// family, peer address and local address. gobgp decodes them too, but
// then parses the BGP message without the 2-byte AS and ADD-PATH options
// that the subtype calls for.
func parseBGP4MPHeader(body []byte, as4 bool) (bgp4mpHeader, error) {
	asSize := 2
	if as4 {
		asSize = 4
	}
	if len(body) < 2*asSize+4 {
		return bgp4mpHeader{}, fmt.Errorf("BGP4MP header of %d bytes is truncated", len(body))
	}
	var peerAS uint32
	if as4 {
		peerAS = binary.BigEndian.Uint32(body)
	} else {
		peerAS = uint32(binary.BigEndian.Uint16(body))
	}
	afi := binary.BigEndian.Uint16(body[2*asSize+2:])
	rest := body[2*asSize+4:]
	addrSize := 4
	switch afi {
	case bgp.AFI_IP:
	case bgp.AFI_IP6:
		addrSize = 16
	default:
		return bgp4mpHeader{}, fmt.Errorf("BGP4MP address family %d is invalid; want 1 (IPv4) or 2 (IPv6)", afi)
	}
	if len(rest) < 2*addrSize {
		return bgp4mpHeader{}, fmt.Errorf("BGP4MP peer and local addresses are truncated")
	}
	peerAddr, _ := netip.AddrFromSlice(rest[:addrSize])
	return bgp4mpHeader{peer: Peer{Addr: peerAddr, AS: peerAS}, rest: rest[2*addrSize:]}, nil
}

// addBGP4MP applies a BGP4MP record to the table: an UPDATE message adds
// and withdraws routes of its peer, and a state change out of Established
// drops every route of the peer. Messages that the collector itself sent
// (the _LOCAL subtypes) are skipped.
func (r *RIB) addBGP4MP(h *gobgpmrt.MRTHeader, body []byte) error {
	subtype := gobgpmrt.MRTSubTypeBGP4MP(h.SubType)
	switch subtype {
	case gobgpmrt.STATE_CHANGE, gobgpmrt.STATE_CHANGE_AS4:
		return r.applyStateChange(body, subtype == gobgpmrt.STATE_CHANGE_AS4)
	case gobgpmrt.MESSAGE, gobgpmrt.MESSAGE_ADDPATH:
		return r.applyMessage(body, false, subtype == gobgpmrt.MESSAGE_ADDPATH)
	case gobgpmrt.MESSAGE_AS4, gobgpmrt.MESSAGE_AS4_ADDPATH:
		return r.applyMessage(body, true, subtype == gobgpmrt.MESSAGE_AS4_ADDPATH)
	}
	r.skip(h)
	return nil
}

func (r *RIB) applyStateChange(body []byte, as4 bool) error {
	header, err := parseBGP4MPHeader(body, as4)
	if err != nil {
		return err
	}
	if len(header.rest) < 4 {
		return fmt.Errorf("BGP4MP state change of %d bytes is truncated", len(header.rest))
	}
	oldState := gobgpmrt.BGPState(binary.BigEndian.Uint16(header.rest))
	newState := gobgpmrt.BGPState(binary.BigEndian.Uint16(header.rest[2:]))
	if oldState == gobgpmrt.ESTABLISHED && newState != gobgpmrt.ESTABLISHED {
		if peer, ok := r.peerIndex[header.peer]; ok {
			r.dropPeer(peer)
		}
	}
	return nil
}

func (r *RIB) applyMessage(body []byte, as4, addPath bool) error {
	header, err := parseBGP4MPHeader(body, as4)
	if err != nil {
		return err
	}
	msg, err := parseBGPMessage(header.rest, as4, addPath)
	if err != nil && !addPath {
		// BIRD wrote ADD-PATH UPDATEs under the plain MESSAGE subtypes
		// before RFC 8050 gave them their own, so a message that fails
		// without path identifiers is tried again with them.
		// NOTE: a plain-subtype ADD-PATH message that happens to decode
		// without path identifiers is not detected and yields wrong prefixes.
		if retried, retryErr := parseBGPMessage(header.rest, as4, true); retryErr == nil {
			msg, err = retried, nil
		}
	}
	if err != nil {
		return fmt.Errorf("BGP message: %w", err)
	}
	update, ok := msg.Body.(*bgp.BGPUpdate)
	if !ok {
		return nil // OPEN, KEEPALIVE and NOTIFICATION carry no routes
	}
	r.applyUpdate(r.peer(header.peer), update)
	return nil
}

func (r *RIB) applyUpdate(peer int, update *bgp.BGPUpdate) {
	withdrawn := update.WithdrawnRoutes
	announced := update.NLRI
	for _, a := range update.PathAttributes {
		switch v := a.(type) {
		case *bgp.PathAttributeMpReachNLRI:
			if v.SAFI == bgp.SAFI_UNICAST {
				announced = append(announced, v.Value...)
			}
		case *bgp.PathAttributeMpUnreachNLRI:
			if v.SAFI == bgp.SAFI_UNICAST {
				withdrawn = append(withdrawn, v.Value...)
			}
		}
	}

	for _, w := range withdrawn {
		if prefix, ok := unicastPrefix(w.NLRI); ok {
			r.Stats.Withdrawals++
			r.withdraw(prefix, peer, w.ID)
		}
	}
	if len(announced) == 0 {
		return
	}
	path := pathOf(update.PathAttributes)
	origin := OriginAS(path)
	for _, a := range announced {
		if prefix, ok := unicastPrefix(a.NLRI); ok {
			r.Stats.Announcements++
			r.add(prefix, Route{Peer: peer, PathID: a.ID, ASPath: path, Origin: origin})
		}
	}
}

// parseBGPMessage decodes a BGP message with 2- or 4-byte AS numbers and
// with or without ADD-PATH path identifiers for IPv4 and IPv6 unicast.
func parseBGPMessage(data []byte, as4, addPath bool) (*bgp.BGPMessage, error) {
	options := &bgp.MarshallingOption{Use2ByteAS: !as4, ExtendedMessage: true}
	if addPath {
		options.AddPath = map[bgp.Family]bgp.BGPAddPathMode{
			bgp.RF_IPv4_UC: bgp.BGP_ADD_PATH_RECEIVE,
			bgp.RF_IPv6_UC: bgp.BGP_ADD_PATH_RECEIVE,
		}
	}
	return bgp.ParseBGPMessage(data, options)
}
