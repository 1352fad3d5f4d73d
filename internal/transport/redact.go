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

// errorLog returns the logger of net/http's own messages, at level Warn.
// Unless LogClientAddresses is set, client addresses in them are
// replaced with "[client]".
func (s *Server) errorLog() *log.Logger {
	if s.cfg.LogClientAddresses {
		return slog.NewLogLogger(s.logger.Handler(), slog.LevelWarn)
	}
	return log.New(redactWriter{s.logger}, "", 0)
}

// redactWriter writes each line to a slog logger without client
// addresses.
type redactWriter struct{ logger *slog.Logger }

func (w redactWriter) Write(p []byte) (int, error) {
	msg := strings.TrimSuffix(string(p), "\n")
	w.logger.Warn(redactAddrs(msg))
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
