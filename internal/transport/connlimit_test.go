package transport

import (
	"bufio"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// dialFrom opens a TCP connection to addr from a local loopback address,
// such as 127.0.0.2, which Linux routes over the loopback interface.
func dialFrom(t *testing.T, local, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial from %s: %v", local, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// getOn sends GET /proto on c and returns the status line.
func getOn(t *testing.T, c net.Conn) string {
	t.Helper()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, "GET /proto HTTP/1.1\r\nHost: alto\r\n\r\n"); err != nil {
		return "write: " + err.Error()
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return "read: " + err.Error()
	}
	return strings.TrimSpace(line)
}

func TestConnectionLimitPerIP(t *testing.T) {
	var rejected atomic.Int64
	cfg := Config{Listen: "127.0.0.1:0", MaxConnsPerIP: 2, OnReject: func(string) { rejected.Add(1) }}
	s := startServer(t, cfg, testHandler())
	addr := s.Addr().String()

	held := []net.Conn{dialFrom(t, "127.0.0.2", addr), dialFrom(t, "127.0.0.2", addr)}
	for i, c := range held {
		if got := getOn(t, c); got != "HTTP/1.1 200 OK" {
			t.Fatalf("connection %d within the limit: %q", i, got)
		}
	}
	if got := getOn(t, dialFrom(t, "127.0.0.2", addr)); !strings.HasPrefix(got, "HTTP/1.1 503") {
		t.Errorf("third connection from one address: %q, want 503", got)
	}
	if got := getOn(t, dialFrom(t, "127.0.0.3", addr)); got != "HTTP/1.1 200 OK" {
		t.Errorf("connection from another address: %q, want 200", got)
	}
	if rejected.Load() != 1 {
		t.Errorf("OnReject called %d times, want 1", rejected.Load())
	}

	held[0].Close()
	// The server notices the close asynchronously.
	deadline := time.Now().Add(time.Minute)
	for {
		got := getOn(t, dialFrom(t, "127.0.0.2", addr))
		if got == "HTTP/1.1 200 OK" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("connection after one closed: %q, want 200", got)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestConnectionLimitTotal(t *testing.T) {
	s := startServer(t, Config{Listen: "127.0.0.1:0", MaxConns: 1}, testHandler())
	first := dialFrom(t, "127.0.0.2", s.Addr().String())
	if got := getOn(t, first); got != "HTTP/1.1 200 OK" {
		t.Fatalf("first connection: %q", got)
	}
	if got := getOn(t, dialFrom(t, "127.0.0.3", s.Addr().String())); !strings.HasPrefix(got, "HTTP/1.1 503") {
		t.Errorf("second connection over the total: %q, want 503", got)
	}
}

func TestRedactAddrs(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"IPv4 with port", "http: TLS handshake error from 192.0.2.7:51234: EOF", "http: TLS handshake error from [client]: EOF"},
		{"IPv6 with port", "http2: error reading preface from client [2001:db8::1]:443: EOF", "http2: error reading preface from client [client]: EOF"},
		{"no address", "http: Server closed", "http: Server closed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := redactAddrs(tc.in); got != tc.want {
				t.Errorf("redactAddrs(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
