package transport

import (
	"net"
	"sync"
	"time"
)

// Defaults of the connection limits of Config.
const (
	DefaultMaxConns      = 8192
	DefaultMaxConnsPerIP = 256
)

// overloadResponse is sent on a plain-text connection over a limit
// before it is closed. A TLS connection is closed without a response,
// because the handshake has not happened yet.
const overloadResponse = "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\nContent-Length: 43\r\n\r\ntoo many connections; retry in one second\r\n"

// connCounter counts the connections open at once, in total and per
// client IP address. One counter serves the TCP listener and the QUIC
// listener of a Server, so MaxConns and MaxConnsPerIP bound the sum of
// both transports.
type connCounter struct {
	max, maxPerIP int

	mu    sync.Mutex // guards total and perIP
	total int
	perIP map[string]int
}

func newConnCounter(maxConns, maxPerIP int) *connCounter {
	return &connCounter{max: maxConns, maxPerIP: maxPerIP, perIP: map[string]int{}}
}

// take counts a new connection from ip and reports whether it is
// within both limits. A connection over a limit is not counted.
func (c *connCounter) take(ip string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.total >= c.max || c.perIP[ip] >= c.maxPerIP {
		return false
	}
	c.total++
	c.perIP[ip]++
	return true
}

// put gives back the slot of a connection from ip that take counted.
func (c *connCounter) put(ip string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.total--
	if c.perIP[ip]--; c.perIP[ip] <= 0 {
		delete(c.perIP, ip)
	}
}

// limitListener applies a connCounter to the TCP connections of a
// listener. A connection over a limit is closed at once and reported to
// onReject.
type limitListener struct {
	net.Listener
	conns    *connCounter
	plain    bool // write overloadResponse before closing
	onReject func(reason string)
}

// Accept returns the next connection within the limits.
func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ip := hostOf(c.RemoteAddr())
		if l.conns.take(ip) {
			return &limitedConn{Conn: c, conns: l.conns, ip: ip}, nil
		}
		go l.reject(c)
	}
}

// reject closes a connection over a limit, after a 503 response on
// plain text. The write has a short deadline, so that a client that
// does not read cannot hold the goroutine.
func (l *limitListener) reject(c net.Conn) {
	if l.onReject != nil {
		l.onReject(ReasonConnections)
	}
	if l.plain {
		_ = c.SetWriteDeadline(time.Now().Add(time.Second))
		_, _ = c.Write([]byte(overloadResponse))
	}
	_ = c.Close()
}

// limitedConn gives its slot back when it is closed.
type limitedConn struct {
	net.Conn
	conns *connCounter
	ip    string
	once  sync.Once
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.conns.put(c.ip) })
	return err
}

// hostOf returns the IP address of a TCP or UDP address, the key of
// the per-address limit. An IPv4-mapped IPv6 address of a dual-stack
// socket gives the IPv4 form, as net.IP.String does.
func hostOf(a net.Addr) string {
	switch t := a.(type) {
	case *net.TCPAddr:
		return t.IP.String()
	case *net.UDPAddr:
		return t.IP.String()
	}
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return host
}
