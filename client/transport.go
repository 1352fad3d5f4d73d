package client

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/icholy/digest"
	"github.com/quic-go/quic-go/http3"
)

// extensions holds the state of the options and features that live
// outside client.go: warnings, transports and the local map cache.
type extensions struct {
	warn      func(Warning) // nil logs each deviation once per resource
	wrap      func(http.RoundTripper) http.RoundTripper
	wrapIsNil bool             // WithTransportWrapper(nil) was given
	h3        *http3.Transport // made by WithHTTP3 and closed by Close
	digest    *digestAuth      // set by WithDigestAuth
	auth      []credentials    // set by WithBasicAuth and WithBearerToken
	urlAuth   credentials      // user information of the root IRD URL

	mu       sync.Mutex
	logged   map[warningKey]bool      // deviations already logged
	networks map[string]*localNetwork // decoded network maps by URI
}

// WithHTTP3 sends every request over HTTP/3 (RFC 9114) with quic-go's
// http3.Transport, which dials QUIC on UDP to the port of each URL. The
// server must serve HTTP/3 on that port, because this client neither
// falls back to TCP nor reads Alt-Svc headers. tlsConfig sets the root
// CAs and other TLS settings; nil uses the system roots. The client
// keeps tlsConfig, so the caller must not modify it afterwards.
// WithHTTP3 replaces the HTTP client of an earlier WithHTTPClient, and a
// later WithHTTPClient replaces it. Close releases the UDP socket.
func WithHTTP3(tlsConfig *tls.Config) Option {
	return func(c *Client) {
		tr := &http3.Transport{TLSClientConfig: tlsConfig}
		c.ext.h3 = tr
		c.httpClient = &http.Client{Transport: tr}
	}
}

// WithTLSConfig sends requests through a clone of http.DefaultTransport
// with tlsConfig, for example to trust a private CA. The clone keeps
// ForceAttemptHTTP2, so HTTPS requests use HTTP/2 when the server offers
// h2 in ALPN, and HTTP/1.1 otherwise. WithTLSConfig replaces the HTTP
// client of an earlier WithHTTPClient or WithHTTP3.
func WithTLSConfig(tlsConfig *tls.Config) Option {
	return func(c *Client) {
		var tr *http.Transport
		if dt, ok := http.DefaultTransport.(*http.Transport); ok {
			tr = dt.Clone()
		} else {
			tr = &http.Transport{Proxy: http.ProxyFromEnvironment, ForceAttemptHTTP2: true}
		}
		tr.TLSClientConfig = tlsConfig
		c.ext.h3 = nil
		c.httpClient = &http.Client{Transport: tr}
	}
}

// WithTransportWrapper wraps the transport of the HTTP client, for
// logging, metrics or tracing. The wrapper sits below the client's
// tolerance of server deviations (see WithWarningHandler), so it sees
// every request as sent, retries included, and every response as
// received. It is applied once, in New, after the other options.
func WithTransportWrapper(wrap func(http.RoundTripper) http.RoundTripper) Option {
	return func(c *Client) {
		c.ext.wrap = wrap
		c.ext.wrapIsNil = wrap == nil
	}
}

// digestAuth holds the credentials of WithDigestAuth.
type digestAuth struct {
	username, password string
}

// WithDigestAuth authenticates requests with HTTP Digest (RFC 7616) with
// the user name and password, as RFC 7285, Section 8.3.5 provides for
// ALTO client authentication. Like WithBasicAuth, it applies only to the
// scheme, host and port of the root IRD URL, so a server that an IRD
// lists elsewhere can neither challenge the client nor get a response
// computed from the password. The transport is
// github.com/icholy/digest. The first request to the origin carries
// incomplete Digest credentials, so that the server answers 401 with a
// challenge even for a public resource such as the directory, and is
// then sent once more with credentials. Later requests to the host
// reuse the challenge with an increasing nonce count. The first
// supported challenge of a response is used, so a server that lists
// SHA-256 first gets SHA-256. The Digest transport sits above the
// wrapper of WithTransportWrapper, which therefore sees both the 401
// response and the retried request. A 401 response without a Digest
// challenge, from a server that offers no Digest, reaches the caller
// with its body, so the error shows the server's message.
//
// Digest keeps the password off the wire but protects neither the
// request nor the response, so use it over HTTPS.
func WithDigestAuth(username, password string) Option {
	return func(c *Client) {
		c.ext.digest = &digestAuth{username: username, password: password}
	}
}

// digestTransport sends the requests to the root IRD's origin through
// the Digest transport and the others directly. It gives requests to
// that origin without an Authorization header the placeholder
// credentials, which the Digest transport replaces once it holds a
// challenge. A server rejects the placeholder with 401 and a challenge.
type digestTransport struct {
	digest       *digest.Transport
	other        http.RoundTripper // for the other origins
	scheme, host string            // of the root IRD URL, host with its port
	placeholder  string
}

func (t *digestTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Scheme != t.scheme || !strings.EqualFold(hostPort(r.URL), t.host) {
		return t.other.RoundTrip(r)
	}
	if r.Header.Get("Authorization") == "" {
		r = r.Clone(r.Context())
		r.Header.Set("Authorization", t.placeholder)
	}
	res, err := t.digest.RoundTrip(r)
	if hidden, ok := bodyOf(res).(*hiddenBody); ok {
		res.Body = hidden.body
	}
	return res, err
}

// bodyOf returns the body of res, or nil for a nil response.
func bodyOf(res *http.Response) io.ReadCloser {
	if res == nil {
		return nil
	}
	return res.Body
}

// challengeKeeper sits below the Digest transport and hides the body of
// a 401 response without a usable Digest challenge. The Digest
// transport of github.com/icholy/digest v1.2.0 drains and closes the body of every 401 response, and then
// returns a response without a challenge to the caller, whose reads
// would fail with "read on closed response body". digestTransport puts
// the original body back, so the caller gets the server's explanation.
type challengeKeeper struct{ next http.RoundTripper }

func (k challengeKeeper) RoundTrip(r *http.Request) (*http.Response, error) {
	res, err := k.next.RoundTrip(r)
	if err != nil || res.StatusCode != http.StatusUnauthorized {
		return res, err
	}
	// A malformed Digest challenge makes the Digest transport return
	// its parse error and drop the response, so only a response
	// without any Digest challenge gets its body hidden.
	if _, err := digest.FindChallenge(res.Header); errors.Is(err, digest.ErrNoChallenge) {
		res.Body = &hiddenBody{body: res.Body}
	}
	return res, nil
}

// CloseIdleConnections closes the idle connections of the transport
// below.
func (k challengeKeeper) CloseIdleConnections() {
	if c, ok := k.next.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// hiddenBody is the body of a response that challengeKeeper hides. Reads
// return io.EOF and Close does nothing, so the Digest transport
// consumes nothing of body.
type hiddenBody struct{ body io.ReadCloser }

func (hiddenBody) Read([]byte) (int, error) { return 0, io.EOF }
func (hiddenBody) Close() error             { return nil }

// CloseIdleConnections closes the idle connections of the transport
// below.
func (t *digestTransport) CloseIdleConnections() { t.digest.CloseIdleConnections() }

// Close closes the idle connections of the HTTP client and the HTTP/3
// transport that WithHTTP3 made. A client with that transport cannot
// send requests after Close. Other transports remain usable.
func (c *Client) Close() error {
	c.httpClient.CloseIdleConnections()
	if c.ext.h3 != nil {
		return c.ext.h3.Close()
	}
	return nil
}

// installTransport puts the tolerant transport, and the wrapper of
// WithTransportWrapper below it, into a copy of the HTTP client, so that
// a client passed to WithHTTPClient is left unchanged.
func (c *Client) installTransport() error {
	hc := *c.httpClient
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	if c.ext.wrapIsNil {
		return errors.New("WithTransportWrapper: nil wrapper")
	}
	if c.ext.wrap != nil {
		if base = c.ext.wrap(base); base == nil {
			return errors.New("WithTransportWrapper: the wrapper returned a nil http.RoundTripper")
		}
	}
	authorization, err := c.authHeader()
	if err != nil {
		return err
	}
	if authorization != "" {
		base = newAuthTransport(base, c.irdURL, authorization)
	}
	if c.ext.digest != nil {
		if c.ext.digest.username == "" {
			return errors.New("WithDigestAuth: empty user name")
		}
		base = &digestTransport{
			digest:      &digest.Transport{Username: c.ext.digest.username, Password: c.ext.digest.password, Transport: challengeKeeper{next: base}},
			other:       base,
			scheme:      c.irdURL.Scheme,
			host:        hostPort(c.irdURL),
			placeholder: fmt.Sprintf("Digest username=%q", c.ext.digest.username),
		}
	}
	hc.Transport = &tolerantTransport{next: base, warn: c.warning, maxBody: c.maxBodySize}
	c.httpClient = &hc
	return nil
}
