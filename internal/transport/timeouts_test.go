package transport

import (
	"crypto/tls"
	"errors"
	"io"
	"maps"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

// rejectionLog records the calls of Config.OnReject.
type rejectionLog struct {
	mu      sync.Mutex
	reasons map[string]int
}

func (l *rejectionLog) onReject(reason string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.reasons == nil {
		l.reasons = map[string]int{}
	}
	l.reasons[reason]++
}

func (l *rejectionLog) snapshot() map[string]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return maps.Clone(l.reasons)
}

// timeoutHandler serves /proto, /slowbody, which reads the body with a
// 100 ms deadline as the ALTO handler does, and /flood, which writes
// 64 MiB with a 100 ms write deadline.
func timeoutHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /proto", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, r.Proto)
	})
	mux.HandleFunc("POST /slowbody", func(w http.ResponseWriter, r *http.Request) {
		_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		if _, err := io.ReadAll(r.Body); err != nil {
			w.Header().Set("Connection", "close")
			http.Error(w, "body timed out", http.StatusRequestTimeout)
		}
	})
	mux.HandleFunc("GET /flood", func(w http.ResponseWriter, r *http.Request) {
		_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
		for range 64 {
			if _, err := w.Write(bigBody); err != nil {
				return
			}
		}
	})
	return mux
}

// timeoutServer starts a plain-text and a TLS server with 100 ms header
// and idle timeouts, which report to one rejectionLog each.
type timeoutServer struct {
	plain, secure       *Server
	plainLog, secureLog *rejectionLog
	cert                testCert
}

func startTimeoutServers(t *testing.T) *timeoutServer {
	t.Helper()
	dir := t.TempDir()
	cert := writeCert(t, filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"), "localhost")
	ts := &timeoutServer{plainLog: &rejectionLog{}, secureLog: &rejectionLog{}, cert: cert}
	base := Config{Listen: "127.0.0.1:0", ReadHeaderTimeout: 100 * time.Millisecond, IdleTimeout: 100 * time.Millisecond}

	plain := base
	plain.OnReject = ts.plainLog.onReject
	ts.plain = startServer(t, plain, timeoutHandler())

	secure := base
	secure.CertFile, secure.KeyFile = cert.certFile, cert.keyFile
	secure.Protocols = []Protocol{HTTP1}
	secure.OnReject = ts.secureLog.onReject
	ts.secure = startServer(t, secure, timeoutHandler())
	return ts
}

// dial opens a connection to the plain or the TLS server.
func (ts *timeoutServer) dial(t *testing.T, secure bool) net.Conn {
	t.Helper()
	s := ts.plain
	if secure {
		s = ts.secure
	}
	c, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if !secure {
		return c
	}
	tc := tls.Client(c, &tls.Config{RootCAs: ts.cert.pool(), ServerName: "localhost", NextProtos: []string{"http/1.1"}})
	if err := tc.Handshake(); err != nil {
		t.Fatalf("TLS handshake: %v", err)
	}
	return tc
}

// readUntilClosed reads and discards until the server closes c.
func readUntilClosed(t *testing.T, c net.Conn) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.Copy(io.Discard, c); err != nil && !isReset(err) {
		t.Fatalf("reading until the server closes: %v", err)
	}
}

func isReset(err error) bool {
	var errno syscall.Errno
	return errors.As(err, &errno) && errno == syscall.ECONNRESET
}

// TestHTTP1TimeoutsReported checks which HTTP/1.1 connections closed by
// net/http on a timeout are reported to OnReject, on plain text and TLS.
func TestHTTP1TimeoutsReported(t *testing.T) {
	ts := startTimeoutServers(t)
	tests := []struct {
		name string
		// run talks to the server on c and returns when the server has
		// closed c.
		run  func(t *testing.T, c net.Conn)
		want map[string]int
	}{
		{"partial request line", func(t *testing.T, c net.Conn) {
			writeString(t, c, "GET /pro")
			readUntilClosed(t, c)
		}, map[string]int{ReasonHeaderTimeout: 1}},
		{"headers without end", func(t *testing.T, c net.Conn) {
			writeString(t, c, "GET /proto HTTP/1.1\r\nHost: alto\r\n")
			readUntilClosed(t, c)
		}, map[string]int{ReasonHeaderTimeout: 1}},
		{"no request at all", func(t *testing.T, c net.Conn) {
			readUntilClosed(t, c)
		}, map[string]int{ReasonHeaderTimeout: 1}},
		{"second request stalls", func(t *testing.T, c net.Conn) {
			writeString(t, c, "GET /proto HTTP/1.1\r\nHost: alto\r\n\r\nGET /proto HTTP/1.1\r\nHost:")
			readUntilClosed(t, c)
		}, map[string]int{ReasonHeaderTimeout: 1}},
		{"idle keep-alive", func(t *testing.T, c net.Conn) {
			writeString(t, c, "GET /proto HTTP/1.1\r\nHost: alto\r\n\r\n")
			readUntilClosed(t, c)
		}, nil},
		{"body read timeout", func(t *testing.T, c net.Conn) {
			writeString(t, c, "POST /slowbody HTTP/1.1\r\nHost: alto\r\nContent-Length: 20\r\n\r\n{")
			readUntilClosed(t, c)
		}, nil},
	}
	for _, secure := range []bool{false, true} {
		log := ts.plainLog
		if secure {
			log = ts.secureLog
		}
		for _, tc := range tests {
			name := tc.name
			if secure {
				name += " over TLS"
			}
			t.Run(name, func(t *testing.T) {
				before := log.snapshot()
				tc.run(t, ts.dial(t, secure))
				got := log.snapshot()
				for _, reason := range []string{ReasonHeaderTimeout, ReasonWriteTimeout, ReasonTLSHandshake} {
					if got[reason]-before[reason] != tc.want[reason] {
						t.Errorf("%s reports = %d, want %d", reason, got[reason]-before[reason], tc.want[reason])
					}
				}
			})
		}
	}
}

// TestHTTP1WriteTimeoutReported requests 64 MiB from a client that
// reads nothing, with a small receive buffer, so that the response's
// write deadline passes.
func TestHTTP1WriteTimeoutReported(t *testing.T) {
	ts := startTimeoutServers(t)
	for _, secure := range []bool{false, true} {
		name, log, s := "plain", ts.plainLog, ts.plain
		if secure {
			name, log, s = "TLS", ts.secureLog, ts.secure
		}
		t.Run(name, func(t *testing.T) {
			d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
				return rc.Control(func(fd uintptr) {
					_ = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
				})
			}}
			raw, err := d.Dial("tcp", s.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer raw.Close()
			var c net.Conn = raw
			if secure {
				tc := tls.Client(raw, &tls.Config{RootCAs: ts.cert.pool(), ServerName: "localhost", NextProtos: []string{"http/1.1"}})
				if err := tc.Handshake(); err != nil {
					t.Fatalf("TLS handshake: %v", err)
				}
				c = tc
			}
			writeString(t, c, "GET /flood HTTP/1.1\r\nHost: alto\r\n\r\n")

			waitFor(t, "a write timeout report", func() bool { return log.snapshot()[ReasonWriteTimeout] == 1 })
			if got := log.snapshot()[ReasonHeaderTimeout]; got != 0 {
				t.Errorf("header_timeout reports = %d, want 0", got)
			}
		})
	}
}

// TestTLSHandshakeStallNotHeaderTimeout checks that a client that opens
// a TCP connection to the TLS server and sends nothing is reported as a
// failed handshake, not as a header timeout.
func TestTLSHandshakeStallNotHeaderTimeout(t *testing.T) {
	ts := startTimeoutServers(t)
	c, err := net.Dial("tcp", ts.secure.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	readUntilClosed(t, c)

	waitFor(t, "a handshake report", func() bool { return ts.secureLog.snapshot()[ReasonTLSHandshake] == 1 })
	if got := ts.secureLog.snapshot()[ReasonHeaderTimeout]; got != 0 {
		t.Errorf("header_timeout reports = %d, want 0", got)
	}
}

func writeString(t *testing.T, c net.Conn, s string) {
	t.Helper()
	if _, err := io.WriteString(c, s); err != nil {
		t.Fatal(err)
	}
}
