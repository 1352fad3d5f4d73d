package mrt

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"time"

	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
	gobgpmrt "github.com/osrg/gobgp/v4/pkg/packet/mrt"
)

// Update is one BGP4MP record of a collector peer: an UPDATE message, or
// the end of the peer's session.
type Update struct {
	Time time.Time // record time, with microseconds for BGP4MP_ET
	Peer Peer
	// PeerDown is set for a state change out of Established, after which
	// the peer has no routes (RFC 4271, Section 8.2.2).
	PeerDown  bool
	Withdrawn []netip.Prefix
	Announced []netip.Prefix
	// The remaining fields describe the path of Announced.
	ASPath  []Segment
	NextHop netip.Addr // NEXT_HOP, or the MP_REACH_NLRI next hop
	// Attrs are the path attributes as received, AS_PATH, AS4_PATH and
	// the MP_REACH_NLRI and MP_UNREACH_NLRI attributes included.
	Attrs []bgp.PathAttributeInterface
}

// ReadUpdates calls fn with each IPv4 and IPv6 unicast UPDATE and each
// session end of the BGP4MP update file at path, plain or compressed,
// in file order. Records of other types, OPEN, KEEPALIVE and
// NOTIFICATION messages, and UPDATEs without a unicast prefix are
// skipped. It stops at the first error of fn or of the file.
func ReadUpdates(path string, fn func(Update) error) error {
	file, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open MRT file: %w", err)
	}
	defer file.Close()
	content, err := decompress(bufio.NewReaderSize(file, 64<<10), path)
	if err != nil {
		return err
	}
	return forEachRecord(content, path, func(header, body []byte) (err error) {
		defer func() {
			if v := recover(); v != nil {
				err = fmt.Errorf("decoder panic: %v", v)
			}
		}()
		u, ok, err := parseUpdateRecord(header, body)
		if err != nil || !ok {
			return err
		}
		return fn(u)
	})
}

// errSkip marks a record that carries no unicast update.
var errSkip = errors.New("no unicast update")

// parseUpdateRecord decodes a BGP4MP or BGP4MP_ET record, and reports
// false for a record that carries no unicast update or session end.
func parseUpdateRecord(header, body []byte) (Update, bool, error) {
	u := Update{Time: time.Unix(int64(binary.BigEndian.Uint32(header[0:4])), 0)}
	switch gobgpmrt.MRTType(binary.BigEndian.Uint16(header[4:6])) {
	case gobgpmrt.BGP4MP:
	case gobgpmrt.BGP4MP_ET:
		if len(body) < 4 {
			return u, false, errors.New("BGP4MP_ET record shorter than its 4-byte microsecond timestamp")
		}
		u.Time = u.Time.Add(time.Duration(binary.BigEndian.Uint32(body)) * time.Microsecond)
		body = body[4:]
	default:
		return u, false, nil
	}
	err := u.decode(gobgpmrt.MRTSubTypeBGP4MP(binary.BigEndian.Uint16(header[6:8])), body)
	if errors.Is(err, errSkip) {
		return u, false, nil
	}
	return u, err == nil, err
}

func (u *Update) decode(subtype gobgpmrt.MRTSubTypeBGP4MP, body []byte) error {
	as4, addPath := false, false
	switch subtype {
	case gobgpmrt.STATE_CHANGE, gobgpmrt.STATE_CHANGE_AS4:
		return u.decodeStateChange(body, subtype == gobgpmrt.STATE_CHANGE_AS4)
	case gobgpmrt.MESSAGE:
	case gobgpmrt.MESSAGE_ADDPATH:
		addPath = true
	case gobgpmrt.MESSAGE_AS4:
		as4 = true
	case gobgpmrt.MESSAGE_AS4_ADDPATH:
		as4, addPath = true, true
	default:
		return errSkip
	}
	header, err := parseBGP4MPHeader(body, as4)
	if err != nil {
		return err
	}
	u.Peer = header.peer
	msg, err := parseBGPMessage(header.rest, as4, addPath)
	if err != nil {
		return fmt.Errorf("BGP message: %w", err)
	}
	update, ok := msg.Body.(*bgp.BGPUpdate)
	if !ok {
		return errSkip
	}
	u.addUpdate(update)
	if len(u.Announced) == 0 && len(u.Withdrawn) == 0 {
		return errSkip
	}
	return nil
}

func (u *Update) decodeStateChange(body []byte, as4 bool) error {
	header, err := parseBGP4MPHeader(body, as4)
	if err != nil {
		return err
	}
	if len(header.rest) < 4 {
		return fmt.Errorf("BGP4MP state change of %d bytes is truncated", len(header.rest))
	}
	u.Peer = header.peer
	oldState := gobgpmrt.BGPState(binary.BigEndian.Uint16(header.rest))
	newState := gobgpmrt.BGPState(binary.BigEndian.Uint16(header.rest[2:]))
	if oldState != gobgpmrt.ESTABLISHED || newState == gobgpmrt.ESTABLISHED {
		return errSkip
	}
	u.PeerDown = true
	return nil
}

func (u *Update) addUpdate(update *bgp.BGPUpdate) {
	withdrawn, announced := update.WithdrawnRoutes, update.NLRI
	for _, a := range update.PathAttributes {
		switch v := a.(type) {
		case *bgp.PathAttributeNextHop:
			u.NextHop = v.Value
		case *bgp.PathAttributeMpReachNLRI:
			if v.SAFI == bgp.SAFI_UNICAST {
				announced = append(announced, v.Value...)
				u.NextHop = v.Nexthop
			}
		case *bgp.PathAttributeMpUnreachNLRI:
			if v.SAFI == bgp.SAFI_UNICAST {
				withdrawn = append(withdrawn, v.Value...)
			}
		}
	}
	for _, w := range withdrawn {
		if prefix, ok := unicastPrefix(w.NLRI); ok {
			u.Withdrawn = append(u.Withdrawn, prefix)
		}
	}
	for _, a := range announced {
		if prefix, ok := unicastPrefix(a.NLRI); ok {
			u.Announced = append(u.Announced, prefix)
		}
	}
	if len(u.Announced) > 0 {
		u.ASPath = pathOf(update.PathAttributes)
		u.Attrs = update.PathAttributes
	}
}
