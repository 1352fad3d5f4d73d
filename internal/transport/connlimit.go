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

// limitListener bounds the TCP connections open at once, in total and
// per client IP address. A connection over a limit is closed at once
// and reported to onReject.
type limitListener struct {
	net.Listener
	max, maxPerIP int
	plain         bool // write overloadResponse before closing
	onReject      func(reason string)

	mu    sync.Mutex // guards total and perIP
	total int
	perIP map[string]int
}

func newLimitListener(ln net.Listener, maxConns, maxPerIP int, plain bool, onReject func(string)) *limitListener {
	return &limitListener{Listener: ln, max: maxConns, maxPerIP: maxPerIP, plain: plain,
		onReject: onReject, perIP: map[string]int{}}
}

// Accept returns the next connection within the limits.
func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ip := hostOf(c.RemoteAddr())
		if l.take(ip) {
			return &limitedConn{Conn: c, l: l, ip: ip}, nil
		}
		go l.reject(c)
	}
}

func (l *limitListener) take(ip string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.total >= l.max || l.perIP[ip] >= l.maxPerIP {
		return false
	}
	l.total++
	l.perIP[ip]++
	return true
}

func (l *limitListener) put(ip string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.total--
	if l.perIP[ip]--; l.perIP[ip] <= 0 {
		delete(l.perIP, ip)
	}
}

// reject closes a connection over a limit, after a 503 response on
// plain text. The write has a short deadline, so that a client that
// does not read cannot hold the goroutine.
func (l *limitListener) reject(c net.Conn) {
	if l.onReject != nil {
		l.onReject("connections")
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
	l    *limitListener
	ip   string
	once sync.Once
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.put(c.ip) })
	return err
}

func hostOf(a net.Addr) string {
	if t, ok := a.(*net.TCPAddr); ok {
		return t.IP.String()
	}
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return host
}
