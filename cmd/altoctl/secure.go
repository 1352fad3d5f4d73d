package main

import (
	"crypto/tls"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/icholy/digest"
	"github.com/spf13/cobra"

	"github.com/goalto/goalto/client"
)

// Environment variables of the credentials, and the values of --auth.
const (
	passwordEnv    = "ALTO_PASSWORD"
	bearerTokenEnv = "ALTO_BEARER_TOKEN"
	authBasic      = "basic"
	authDigest     = "digest"
	authBearer     = "bearer" // a token, which --auth does not select
)

// authFlags are the global flags that reach a secured ALTO server: the
// CAs to trust, the client certificate and the HTTP credentials. No flag
// takes a password or token as its value, because command lines are
// visible to other users of the host.
type authFlags struct {
	caFile, certFile, keyFile string
	user, method              string
	passwordFile              string
	bearerTokenFile           string
	digestUser                string // deprecated form of --user NAME --auth digest
}

// addAuthFlags adds the authentication flags to the global flags.
func addAuthFlags(cmd *cobra.Command) *authFlags {
	f := &authFlags{}
	flags := cmd.PersistentFlags()
	flags.StringVar(&f.caFile, "ca-file", "", "PEM `file` of CA certificates to trust besides the system roots, such as the private CA of the server's certificate")
	flags.StringVar(&f.certFile, "cert-file", "", "PEM `file` of a TLS client certificate, for servers that authenticate clients by certificate; needs --key-file")
	flags.StringVar(&f.keyFile, "key-file", "", "PEM `file` of the private key of --cert-file")
	flags.StringVar(&f.user, "user", "", "authenticate as this `user` with HTTP Basic, or HTTP Digest with --auth digest; the password is the first line of --password-file, else $"+passwordEnv)
	flags.StringVar(&f.method, "auth", authBasic, "HTTP authentication `method` of --user: basic (RFC 7617) or digest (RFC 7616)")
	flags.StringVar(&f.passwordFile, "password-file", "", "`file` whose first line is the password of --user")
	flags.StringVar(&f.bearerTokenFile, "bearer-token-file", "", "`file` whose first line is a bearer token (RFC 6750) for the ALTO server; without it and without --user, $"+bearerTokenEnv+" is sent when set")
	flags.StringVar(&f.digestUser, "digest-user", "", "authenticate with HTTP Digest as this `user`")
	_ = flags.MarkDeprecated("digest-user", "use --user NAME --auth digest")
	return f
}

// serverAccess is the URL, TLS configuration and credentials of one ALTO
// server.
type serverAccess struct {
	url    string   // without user information
	origin *url.URL // scheme, host and port that get the credentials
	tls    *tls.Config
	method string // "", authBasic, authDigest or authBearer
	user   string
	secret string // the password or the token
}

// serverAccess resolves the authentication flags for the ALTO server at
// rawURL. User information in rawURL replaces --user and the password,
// and is removed from the URL.
func (a *app) serverAccess(rawURL string) (*serverAccess, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, usagef("invalid --server %q: want an absolute http or https URL such as http://127.0.0.1:8181/directory", client.RedactURL(rawURL))
	}
	s := &serverAccess{}
	if err := a.auth.credentials(s, u, a.getenv); err != nil {
		return nil, err
	}
	u.User = nil
	s.url, s.origin = u.String(), u
	if s.tls, err = a.auth.tlsConfig(); err != nil {
		return nil, err
	}
	a.access = s
	a.secrets = append(a.secrets, s.secret)
	return s, nil
}

// credentials sets the method, user and secret of s from the flags, the
// environment and the user information of u.
func (f *authFlags) credentials(s *serverAccess, u *url.URL, getenv func(string) string) error {
	user, method := f.user, f.method
	if method != authBasic && method != authDigest {
		return usagef("invalid --auth %q: want basic or digest", method)
	}
	if f.digestUser != "" {
		if user != "" {
			return usagef("give --user or --digest-user, not both")
		}
		user, method = f.digestUser, authDigest
	}
	if u.User != nil {
		if user != "" {
			return usagef("--server has a user name and --user is set: give one of them")
		}
		s.method, s.user = method, u.User.Username()
		s.secret, _ = u.User.Password()
		return nil
	}
	if user == "" {
		return f.bearer(s, getenv)
	}
	if f.bearerTokenFile != "" {
		return usagef("give --user or --bearer-token-file, not both")
	}
	password, err := f.password(user, getenv)
	if err != nil {
		return err
	}
	s.method, s.user, s.secret = method, user, password
	return nil
}

// password returns the password of --user from --password-file or the
// environment.
func (f *authFlags) password(user string, getenv func(string) string) (string, error) {
	if f.passwordFile == "" {
		if p := getenv(passwordEnv); p != "" {
			return p, nil
		}
		return "", usagef("--user %s needs a password: set $%s or give --password-file", user, passwordEnv)
	}
	p, err := readFirstLine(f.passwordFile)
	if err != nil {
		return "", usagef("reading --password-file: %v", err)
	}
	return p, nil
}

// bearer sets the token of --bearer-token-file or the environment, when
// there is one.
func (f *authFlags) bearer(s *serverAccess, getenv func(string) string) error {
	if f.passwordFile != "" {
		return usagef("--password-file needs --user")
	}
	token := getenv(bearerTokenEnv)
	if f.bearerTokenFile != "" {
		var err error
		if token, err = readFirstLine(f.bearerTokenFile); err != nil {
			return usagef("reading --bearer-token-file: %v", err)
		}
	}
	if token != "" {
		s.method, s.secret = authBearer, token
	}
	return nil
}

// readFirstLine returns the first line of a file, which must not be
// empty.
func readFirstLine(path string) (string, error) {
	file, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer file.Close()
	line, err := readPassword(file)
	if err != nil {
		return "", usagef("%s: %v", path, err)
	}
	return line, nil
}

// tlsConfig returns the TLS configuration of --ca-file, --cert-file and
// --key-file, or nil when none is set.
func (f *authFlags) tlsConfig() (*tls.Config, error) {
	if f.certFile != "" && f.keyFile == "" {
		return nil, usagef("--cert-file needs --key-file")
	}
	if f.keyFile != "" && f.certFile == "" {
		return nil, usagef("--key-file needs --cert-file")
	}
	cfg, err := client.LoadTLSConfig(client.TLSFiles{CAFile: f.caFile, CertFile: f.certFile, KeyFile: f.keyFile})
	if err != nil {
		return nil, usagef("invalid --ca-file, --cert-file or --key-file: %v", err)
	}
	return cfg, nil
}

// clientOptions returns the options of a client.Client for the server.
func (s *serverAccess) clientOptions() []client.Option {
	opts := []client.Option{client.WithUserAgent("altoctl")}
	if s.tls != nil {
		opts = append(opts, client.WithTLSConfig(s.tls))
	}
	switch s.method {
	case authBasic:
		opts = append(opts, client.WithBasicAuth(s.user, s.secret))
	case authDigest:
		opts = append(opts, client.WithDigestAuth(s.user, s.secret))
	case authBearer:
		opts = append(opts, client.WithBearerToken(s.secret))
	}
	return opts
}

// httpClient returns an HTTP client with the TLS configuration that
// sends the credentials to the server's origin only, for requests that
// do not go through client.Client.
func (s *serverAccess) httpClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if s.tls != nil {
		tr.TLSClientConfig = s.tls
	}
	return &http.Client{Transport: s.wrap(tr)}
}

// wrap returns a transport that sends the requests to the server's
// origin with the credentials, through next.
func (s *serverAccess) wrap(next http.RoundTripper) http.RoundTripper {
	switch s.method {
	case "":
		return next
	case authDigest:
		d := &digest.Transport{Username: s.user, Password: s.secret, Transport: next}
		return &originTransport{origin: s.origin, inside: d, outside: next}
	}
	return &originTransport{origin: s.origin, inside: headerTransport{next: next, s: s}, outside: next}
}

// originTransport sends the requests to one origin (scheme, host and
// port) through inside and the others through outside.
type originTransport struct {
	origin          *url.URL
	inside, outside http.RoundTripper
}

func (t *originTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Scheme == t.origin.Scheme && strings.EqualFold(r.URL.Host, t.origin.Host) {
		return t.inside.RoundTrip(r)
	}
	return t.outside.RoundTrip(r)
}

// headerTransport sets the Authorization header of Basic or bearer
// credentials on requests that have none.
type headerTransport struct {
	next http.RoundTripper
	s    *serverAccess
}

func (t headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Header.Get("Authorization") != "" {
		return t.next.RoundTrip(r)
	}
	r = r.Clone(r.Context())
	if t.s.method == authBasic {
		r.SetBasicAuth(t.s.user, t.s.secret)
	} else {
		r.Header.Set("Authorization", "Bearer "+t.s.secret)
	}
	return t.next.RoundTrip(r)
}
