package transport

import (
	"log"
	"log/slog"
	"math"
	"regexp"
	"strings"
)

// addrPattern matches IPv4 and bracketed IPv6 addresses with an
// optional port, as net/http writes them in its error log.
var addrPattern = regexp.MustCompile(`\b\d{1,3}(\.\d{1,3}){3}(:\d+)?\b|\[[0-9A-Fa-f:.%]+\](:\d+)?`)

// Reasons of Config.OnReject.
const (
	ReasonConnections  = "connections"
	ReasonTLSHandshake = "tls_handshake"
	// ReasonHeaderTimeout is an HTTP/1.1 connection closed because a
	// request's headers were not received within ReadHeaderTimeout.
	ReasonHeaderTimeout = "header_timeout"
	// ReasonWriteTimeout is an HTTP/1.1 connection closed because a
	// response was not written by its write deadline.
	ReasonWriteTimeout = "write_timeout"
)

// tlsHandshakePrefix starts net/http's log line of a failed TLS
// handshake, one per connection (net/http of Go 1.26, conn.serve).
const tlsHandshakePrefix = "http: TLS handshake error"

// errorLog returns the logger of net/http's own messages, at level Warn.
// Unless LogClientAddresses is set, client addresses in them are
// replaced with "[client]". With OnReject set, failed TLS handshakes go
// to OnReject and are logged at level Debug, because any client can
// cause one line per connection.
func (s *Server) errorLog() *log.Logger {
	return log.New(errorLogWriter{logger: s.logger, keepAddrs: s.cfg.LogClientAddresses, onReject: s.cfg.OnReject}, "", 0)
}

// errorLogWriter writes each line of net/http's error log to a slog
// logger.
type errorLogWriter struct {
	logger    *slog.Logger
	keepAddrs bool
	onReject  func(reason string) // nil for none
}

func (w errorLogWriter) Write(p []byte) (int, error) {
	msg := strings.TrimSuffix(string(p), "\n")
	if !w.keepAddrs {
		msg = redactAddrs(msg)
	}
	if w.onReject != nil && strings.HasPrefix(msg, tlsHandshakePrefix) {
		w.logger.Debug(msg)
		w.onReject(ReasonTLSHandshake)
		return len(p), nil
	}
	w.logger.Warn(msg)
	return len(p), nil
}

// redactAddrs replaces IP addresses (with their ports) in a message.
func redactAddrs(msg string) string { return addrPattern.ReplaceAllString(msg, "[client]") }

// positiveOr returns n, or the largest int for a negative n, which turns
// a limit off.
func positiveOr(n int) int {
	if n < 0 {
		return math.MaxInt
	}
	return n
}
