package transport

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strings"
	"time"
)

// Protocol names an HTTP version served by a Server. The values are the
// ALPN protocol IDs, except HTTP1, which is "h1" here and "http/1.1" in
// ALPN.
type Protocol string

// Protocols a Server can serve.
const (
	// HTTP1 is HTTP/1.1 over TCP, with or without TLS.
	HTTP1 Protocol = "h1"
	// HTTP2 is HTTP/2 over TLS negotiated through ALPN or, without TLS,
	// cleartext HTTP/2 (h2c) with prior knowledge. The HTTP/1.1 Upgrade
	// to h2c is not supported.
	HTTP2 Protocol = "h2"
	// HTTP3 is HTTP/3 over QUIC on UDP. It requires TLS.
	HTTP3 Protocol = "h3"
)

// Defaults of Config.
const (
	DefaultCertReloadInterval = 5 * time.Second
	DefaultReadHeaderTimeout  = 10 * time.Second
	DefaultIdleTimeout        = 120 * time.Second
	DefaultMinTLSVersion      = tls.VersionTLS13
	DefaultMaxStreamsPerConn  = 100
)

// Config configures a Server.
type Config struct {
	// Listen is the host:port to listen on. Port 0 picks a free TCP port,
	// and HTTP/3 then binds UDP on the same port number.
	Listen string
	// Protocols lists the protocols to serve. Empty means [h1 h2]
	// without TLS and [h1 h2 h3] with TLS. HTTP3 requires TLS and at
	// least one TCP protocol, because clients discover HTTP/3 through the
	// Alt-Svc header of a TCP response.
	Protocols []Protocol
	// CertFile and KeyFile are the PEM certificate chain and private key.
	// Both empty serves plain text, and setting only one is an error.
	// Errors in reading or pairing the files call them --tls-cert and
	// --tls-key, the altod flags that set them.
	CertFile, KeyFile string
	// MinTLSVersion is the lowest TLS version accepted on TCP:
	// tls.VersionTLS13 (the default) or tls.VersionTLS12. HTTP/3 always
	// uses TLS 1.3, as QUIC requires. It must be zero without TLS.
	MinTLSVersion uint16
	// ClientAuth is the TLS client certificate policy on every protocol.
	// Zero (tls.NoClientCert) asks for none; tls.RequestClientCert asks
	// for one and leaves its checks to the handler, which reads it from
	// http.Request.TLS. It must be zero without TLS.
	ClientAuth tls.ClientAuthType
	// CertReloadInterval is how often CertFile and KeyFile are checked
	// for changes. Zero means DefaultCertReloadInterval, and a negative
	// value disables the check.
	CertReloadInterval time.Duration
	// ReadHeaderTimeout is the time limit for reading the headers of an
	// HTTP/1.1 request. Zero or negative means DefaultReadHeaderTimeout.
	ReadHeaderTimeout time.Duration
	// IdleTimeout is how long an idle keep-alive connection stays open
	// on every protocol. Zero or negative means DefaultIdleTimeout.
	IdleTimeout time.Duration
	// MaxConns bounds the connections open at once, and MaxConnsPerIP
	// those of one client IP address. TCP and QUIC connections count
	// together, so a client that learns of HTTP/3 over TCP holds two. A
	// TCP connection over a limit is closed at once, after a 503
	// response with Retry-After on plain text. A QUIC connection over a
	// limit is rejected before its TLS handshake with CONNECTION_REFUSED.
	// Zero means DefaultMaxConns and DefaultMaxConnsPerIP, and a
	// negative value disables the limit.
	MaxConns, MaxConnsPerIP int
	// MaxStreamsPerConn bounds the requests that one HTTP/2 or HTTP/3
	// connection may have open at once: it is the HTTP/2
	// SETTINGS_MAX_CONCURRENT_STREAMS and the QUIC limit on
	// bidirectional streams. Zero means DefaultMaxStreamsPerConn, and a
	// negative value is an error.
	MaxStreamsPerConn int
	// OnReject, when set, is called for each TCP connection closed and
	// each QUIC connection rejected by a connection limit, with the
	// reason ReasonConnections, and for each failed TLS handshake over
	// TCP, with the reason ReasonTLSHandshake. The handshake errors are
	// then logged at level Debug only, so that OnReject can log them
	// rate-limited. It is also called for each HTTP/1.1 connection
	// closed by the header read timeout (ReasonHeaderTimeout) or by a
	// response's write deadline (ReasonWriteTimeout).
	OnReject func(reason string)
	// LogClientAddresses keeps client IP addresses in the log lines of
	// the HTTP servers, such as TLS handshake errors. By default they
	// are replaced with "[client]" (RFC 7285, Section 15.4).
	LogClientAddresses bool
	// Logger receives lifecycle logs. Nil means slog.Default().
	Logger *slog.Logger
}

// ParseProtocols parses a comma-separated list such as "h1,h2,h3".
// Spaces around names are ignored. An empty string returns nil, which
// selects the default protocols.
func ParseProtocols(s string) ([]Protocol, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var out []Protocol
	for name := range strings.SplitSeq(s, ",") {
		p := Protocol(strings.TrimSpace(name))
		if err := p.validate(); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

func (p Protocol) validate() error {
	switch p {
	case HTTP1, HTTP2, HTTP3:
		return nil
	}
	return fmt.Errorf("unknown protocol %q; use h1, h2 or h3", string(p))
}

// hasTLS reports whether the configuration serves TLS.
func (c *Config) hasTLS() bool { return c.CertFile != "" || c.KeyFile != "" }

// normalize validates c and fills in defaults. It returns the protocols
// that were listed more than once, which the caller logs as skipped.
func (c *Config) normalize() (repeated []Protocol, err error) {
	if err := c.validateListen(); err != nil {
		return nil, err
	}
	if err := c.validateTLS(); err != nil {
		return nil, err
	}
	repeated, err = c.normalizeProtocols()
	if err != nil {
		return nil, err
	}
	if c.CertReloadInterval == 0 {
		c.CertReloadInterval = DefaultCertReloadInterval
	}
	if c.ReadHeaderTimeout <= 0 {
		c.ReadHeaderTimeout = DefaultReadHeaderTimeout
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = DefaultIdleTimeout
	}
	if c.MaxConns == 0 {
		c.MaxConns = DefaultMaxConns
	}
	if c.MaxConnsPerIP == 0 {
		c.MaxConnsPerIP = DefaultMaxConnsPerIP
	}
	switch {
	case c.MaxStreamsPerConn == 0:
		c.MaxStreamsPerConn = DefaultMaxStreamsPerConn
	case c.MaxStreamsPerConn < 0:
		return nil, fmt.Errorf("MaxStreamsPerConn %d is negative; set a positive bound or 0 for the default %d", c.MaxStreamsPerConn, DefaultMaxStreamsPerConn)
	}
	return repeated, nil
}

func (c *Config) validateListen() error {
	if c.Listen == "" {
		return errors.New("Listen is empty; set host:port, for example 127.0.0.1:8181")
	}
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		return fmt.Errorf("Listen %q: %w", c.Listen, err)
	}
	return nil
}

func (c *Config) validateTLS() error {
	switch {
	case c.CertFile != "" && c.KeyFile == "":
		return errors.New("CertFile is set but KeyFile is empty; set both for TLS or neither for plain text")
	case c.CertFile == "" && c.KeyFile != "":
		return errors.New("KeyFile is set but CertFile is empty; set both for TLS or neither for plain text")
	case !c.hasTLS() && c.MinTLSVersion != 0:
		return errors.New("MinTLSVersion is set but CertFile and KeyFile are empty")
	case !c.hasTLS() && c.ClientAuth != tls.NoClientCert:
		return errors.New("ClientAuth is set but CertFile and KeyFile are empty")
	case !c.hasTLS():
		return nil
	}
	switch c.MinTLSVersion {
	case 0:
		c.MinTLSVersion = DefaultMinTLSVersion
	case tls.VersionTLS12, tls.VersionTLS13:
	default:
		return fmt.Errorf("MinTLSVersion %#04x is not supported; use tls.VersionTLS12 or tls.VersionTLS13", c.MinTLSVersion)
	}
	return nil
}

// normalizeProtocols validates the protocol list, fills in the default
// and drops repeated names, which it returns. It runs after validateTLS.
func (c *Config) normalizeProtocols() (repeated []Protocol, err error) {
	if len(c.Protocols) == 0 {
		c.Protocols = []Protocol{HTTP1, HTTP2}
		if c.hasTLS() {
			c.Protocols = append(c.Protocols, HTTP3)
		}
		return nil, nil
	}
	var list []Protocol
	for _, p := range c.Protocols {
		if err := p.validate(); err != nil {
			return nil, fmt.Errorf("Protocols: %w", err)
		}
		if slices.Contains(list, p) {
			repeated = append(repeated, p)
			continue
		}
		list = append(list, p)
	}
	if slices.Contains(list, HTTP3) && !c.hasTLS() {
		return nil, errors.New("Protocols: h3 requires TLS; set CertFile and KeyFile or remove h3")
	}
	if !slices.Contains(list, HTTP1) && !slices.Contains(list, HTTP2) {
		return nil, errors.New("Protocols: h3 needs h1 or h2 as well, because clients learn of HTTP/3 from the Alt-Svc header of a TCP response")
	}
	c.Protocols = list
	return repeated, nil
}
