package transport

import (
	"context"
	"errors"
	"net"

	"github.com/quic-go/quic-go"
)

// maxUniStreamsPerConn bounds the unidirectional streams that an HTTP/3
// client may have open at once. RFC 9114, Section 6.2 requires room for
// three (the control stream and the two QPACK streams), and the rest
// leaves room for reserved stream types that clients send as grease.
const maxUniStreamsPerConn = 8

// errTooManyConns makes quic-go reject a new QUIC connection with the
// transport error CONNECTION_REFUSED (RFC 9000, Section 20.1).
var errTooManyConns = errors.New("too many connections")

// quicConnContext returns a quic.Transport ConnContext callback that
// counts each new QUIC connection in c. quic-go calls it for the first
// Initial packet of a connection, before the TLS handshake, and rejects
// the connection when it returns an error. The slot is given back when
// the connection's context ends, which quic-go does when the connection
// closes or its handshake fails.
//
// quic-go calls the callback again for each further Initial packet of a
// rejected attempt, so onReject counts rejected Initial packets, not
// attempts. An attempt sends several when its TLS ClientHello spans two
// packets, as one with a post-quantum key share does, or when the
// client retransmits.
func (c *connCounter) quicConnContext(onReject func(reason string)) func(context.Context, *quic.ClientInfo) (context.Context, error) {
	return func(ctx context.Context, info *quic.ClientInfo) (context.Context, error) {
		ip := hostOf(info.RemoteAddr)
		if !c.take(ip) {
			if onReject != nil {
				onReject(ReasonConnections)
			}
			return nil, errTooManyConns
		}
		context.AfterFunc(ctx, func() { c.put(ip) })
		return ctx, nil
	}
}

// needsAddressCheck is the quic.Transport VerifySourceAddress callback.
// It requires a client to prove its source address with a Retry packet
// (RFC 9000, Section 8.1.2) once the address has half of the
// per-address limit or the server half of the total. The address of an Initial
// packet can be spoofed, and a handshake that never completes holds its
// slot until the handshake timeout, so without the check anyone could
// fill the slots of another client's address. With it, spoofed packets
// can fill at most half of them.
func (c *connCounter) needsAddressCheck(addr net.Addr) bool {
	ip := hostOf(addr)
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.total >= c.max/2 || c.perIP[ip] >= c.maxPerIP/2
}
