package transport

import (
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"time"
)

// connPhase is the part of an HTTP/1.1 exchange that net/http is in on
// one connection, as timeoutConn infers it.
type connPhase int32

const (
	// phaseHandshake is the TLS handshake. Its timeouts are handshake
	// failures, which the error log reports as ReasonTLSHandshake.
	phaseHandshake connPhase = iota
	// phaseHeader is the read of a request line and its headers.
	phaseHeader
	// phaseRequest is the read of the body, the handler and the write
	// of the response. The handler reports its own body read timeouts.
	phaseRequest
	// phaseIdleStart is a keep-alive connection between the end of a
	// response and the idle deadline that net/http sets next.
	phaseIdleStart
	// phaseIdle is the wait for the next request of a keep-alive
	// connection. Its timeout closes an idle connection, which is no
	// rejection. net/http sets the header deadline once the first bytes
	// of the next request are buffered, and so ends the phase.
	phaseIdle
)

// timeoutConn reports a connection that net/http closes because the
// request headers or a response write missed their deadline, which
// net/http does without a log line or a callback. It infers the phase
// from the calls that net/http of Go 1.26 makes (conn.serve): a zero
// read deadline ends the TLS handshake and, after the headers are read,
// the header phase. The ConnState hook marks a connection idle, and the
// second read deadline after it is the next request's header deadline.
//
// NOTE: HTTP/2 connections over TLS stay in phaseHeader, but the
// HTTP/2 server sets no read or write deadline on the connection, so
// timeoutConn reports nothing for them. The handler reports their
// write timeouts, which HTTP/2 applies per stream.
type timeoutConn struct {
	net.Conn
	onReject func(reason string)
	phase    atomic.Int32
	reported atomic.Bool // a connection is reported at most once
}

// timeoutListener wraps each connection of a listener in a timeoutConn.
type timeoutListener struct {
	net.Listener
	tls      bool // the connections start with a TLS handshake
	onReject func(reason string)
}

// Accept returns the next connection, wrapped.
func (l *timeoutListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	tc := &timeoutConn{Conn: c, onReject: l.onReject}
	if !l.tls {
		tc.phase.Store(int32(phaseHeader))
	}
	return tc, nil
}

// Read reads from the connection and reports a header read timeout.
// Bytes received on an idle connection start the next request.
func (c *timeoutConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.phase.CompareAndSwap(int32(phaseIdle), int32(phaseHeader))
	}
	if err != nil && connPhase(c.phase.Load()) == phaseHeader && errors.Is(err, os.ErrDeadlineExceeded) {
		c.report(ReasonHeaderTimeout)
	}
	return n, err
}

// Write writes to the connection and reports a write timeout after the
// TLS handshake.
func (c *timeoutConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	if err != nil && connPhase(c.phase.Load()) != phaseHandshake && errors.Is(err, os.ErrDeadlineExceeded) {
		c.report(ReasonWriteTimeout)
	}
	return n, err
}

// SetReadDeadline sets the read deadline and moves to the phase that
// net/http starts with it.
func (c *timeoutConn) SetReadDeadline(t time.Time) error {
	if t.IsZero() {
		_ = c.phase.CompareAndSwap(int32(phaseHandshake), int32(phaseHeader)) ||
			c.phase.CompareAndSwap(int32(phaseHeader), int32(phaseRequest))
	}
	_ = c.phase.CompareAndSwap(int32(phaseIdle), int32(phaseHeader)) ||
		c.phase.CompareAndSwap(int32(phaseIdleStart), int32(phaseIdle))
	return c.Conn.SetReadDeadline(t)
}

func (c *timeoutConn) report(reason string) {
	if c.reported.CompareAndSwap(false, true) {
		c.onReject(reason)
	}
}

// markIdle is an http.Server ConnState hook that marks a connection
// idle between two requests.
func markIdle(c net.Conn, state http.ConnState) {
	if state != http.StateIdle {
		return
	}
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	if tc, ok := c.(*timeoutConn); ok {
		tc.phase.Store(int32(phaseIdleStart))
	}
}
