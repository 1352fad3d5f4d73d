package client

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
)

// TLSFiles names the PEM files of a client's TLS configuration. Every
// field is optional.
type TLSFiles struct {
	// CAFile holds CA certificates that are trusted in addition to the
	// system roots, such as the private CA that signed the server's
	// certificate.
	CAFile string
	// CertFile and KeyFile hold the client certificate and its private
	// key, for servers that authenticate clients by TLS client
	// certificate. Give both or neither. CertFile may hold intermediate
	// CA certificates after the client certificate.
	CertFile, KeyFile string
}

// LoadTLSConfig reads the files and returns a TLS configuration for
// WithTLSConfig or WithHTTP3. With no file named it returns nil, which
// those options read as the default configuration.
func LoadTLSConfig(files TLSFiles) (*tls.Config, error) {
	if files == (TLSFiles{}) {
		return nil, nil
	}
	cfg := &tls.Config{}
	if files.CAFile != "" {
		pool, err := loadCAFile(files.CAFile)
		if err != nil {
			return nil, err
		}
		cfg.RootCAs = pool
	}
	if (files.CertFile == "") != (files.KeyFile == "") {
		return nil, errors.New("a client certificate needs both a certificate file and a key file")
	}
	if files.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(files.CertFile, files.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("loading the client certificate: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg, nil
}

// loadCAFile returns the system roots with the certificates of a PEM
// file added. Without system roots, the pool contains only the file's
// certificates.
func loadCAFile(path string) (*x509.CertPool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the CA file: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(data) {
		return nil, fmt.Errorf("CA file %s: no PEM certificate in it", path)
	}
	return pool, nil
}

// WithBasicAuth authenticates requests with HTTP Basic (RFC 7617). The
// credentials go only to the scheme, host and port of the root IRD URL,
// so a resource that an IRD lists on another server gets none. Basic
// sends the password in clear text, so use it over HTTPS only.
//
// User information in the root IRD URL, as in
// https://user:password@alto.example.net/directory, has the same effect
// and is removed from the URL, so IRDURL, Resource URIs and error
// messages do not contain the password.
func WithBasicAuth(username, password string) Option {
	return func(c *Client) {
		c.ext.auth = append(c.ext.auth, basicCredentials{username: username, password: password})
	}
}

// WithBearerToken sends "Authorization: Bearer token" (RFC 6750,
// Section 2.1) to the scheme, host and port of the root IRD URL, as
// WithBasicAuth does.
func WithBearerToken(token string) Option {
	return func(c *Client) {
		c.ext.auth = append(c.ext.auth, bearerCredentials(token))
	}
}

// credentials produce the Authorization header of WithBasicAuth or
// WithBearerToken.
type credentials interface {
	authorization() (string, error)
}

type basicCredentials struct{ username, password string }

func (b basicCredentials) authorization() (string, error) {
	switch {
	case b.username == "":
		return "", errors.New("WithBasicAuth: empty user name")
	case strings.Contains(b.username, ":"):
		// RFC 7617, Section 2: the user-id cannot contain a colon.
		return "", errors.New("WithBasicAuth: the user name contains a colon")
	case strings.ContainsAny(b.username+b.password, "\x00\r\n"):
		return "", errors.New("WithBasicAuth: control character in the user name or password")
	}
	raw := b.username + ":" + b.password
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(raw)), nil
}

type bearerCredentials string

func (t bearerCredentials) authorization() (string, error) {
	token := string(t)
	if token == "" {
		return "", errors.New("WithBearerToken: empty token")
	}
	// RFC 6750, Section 2.1: b64token = 1*( ALPHA / DIGIT /
	// "-" / "." / "_" / "~" / "+" / "/" ) *"="
	for _, r := range token {
		if !isB64TokenChar(r) {
			return "", fmt.Errorf("WithBearerToken: invalid character %q in the token (RFC 6750, Section 2.1)", r)
		}
	}
	return "Bearer " + token, nil
}

func isB64TokenChar(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-._~+/=", r)
}

// takeUserinfo removes the user information from the root IRD URL and
// turns it into Basic credentials.
func (c *Client) takeUserinfo() {
	u := c.irdURL
	if u.User == nil {
		return
	}
	password, _ := u.User.Password()
	c.ext.urlAuth = basicCredentials{username: u.User.Username(), password: password}
	stripped := *u
	stripped.User = nil
	c.irdURL = &stripped
}

// authHeader returns the Authorization header of the credentials
// options and of the IRD URL, or "" without credentials.
func (c *Client) authHeader() (string, error) {
	list := c.ext.auth
	if c.ext.urlAuth != nil {
		list = append(list, c.ext.urlAuth)
	}
	count := len(list)
	if c.ext.digest != nil {
		count++
	}
	if count > 1 {
		return "", errors.New("more than one of WithBasicAuth, WithBearerToken, WithDigestAuth and credentials in the IRD URL")
	}
	if len(list) == 0 {
		return "", nil
	}
	return list[0].authorization()
}

// authTransport adds an Authorization header to the requests that go to
// one origin and carry none.
type authTransport struct {
	next          http.RoundTripper
	scheme, host  string // of the root IRD URL, host with its port
	authorization string
}

func newAuthTransport(next http.RoundTripper, origin *url.URL, authorization string) *authTransport {
	return &authTransport{next: next, scheme: origin.Scheme, host: hostPort(origin), authorization: authorization}
}

func (t *authTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Scheme == t.scheme && strings.EqualFold(hostPort(r.URL), t.host) && r.Header.Get("Authorization") == "" {
		r = r.Clone(r.Context())
		r.Header.Set("Authorization", t.authorization)
	}
	return t.next.RoundTrip(r)
}

// CloseIdleConnections closes the idle connections of the transport
// below, when it has a CloseIdleConnections method.
func (t *authTransport) CloseIdleConnections() {
	if c, ok := t.next.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// hostPort returns the host of u with its port, the scheme's default
// port when the URL has none.
func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	port := "80"
	if u.Scheme == "https" {
		port = "443"
	}
	return net.JoinHostPort(u.Hostname(), port)
}

// RedactURL returns rawURL with its user information removed, so that
// it can be printed without the password of an https://user:password@
// URL. From a string that does not parse as a URL, it removes
// everything between "://" and the last "@", because a malformed URL can
// still contain a password, and a password can contain "/" or "?".
func RedactURL(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err == nil {
		if u.User == nil {
			return rawURL
		}
		u.User = nil
		return u.String()
	}
	scheme, rest, ok := strings.Cut(rawURL, "://")
	if !ok {
		return rawURL
	}
	if i := strings.LastIndex(rest, "@"); i >= 0 {
		rest = rest[i+1:]
	}
	return scheme + "://" + rest
}
