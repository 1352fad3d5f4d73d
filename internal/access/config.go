// Package access authenticates ALTO clients and decides which
// information resources each one may read, the role-based access
// control of the ietf-alto YANG module (auth-client, role and the
// accepted-role list of each resource). It offers four methods:
//
//   - basic: HTTP Basic credentials (RFC 7617), with the password stored
//     as a bcrypt hash;
//   - digest: HTTP Digest authentication (RFC 7616) with qop "auth" and
//     the SHA-256 or MD5 algorithm, with the password stored as the HA1
//     digest of each algorithm;
//   - bearer: a bearer token (RFC 6750, Section 2.1), stored as its
//     SHA-256 digest;
//   - certificate: a TLS client certificate that chains to a configured
//     CA certificate, or equals a pinned end-entity certificate, or both.
//
// A resource without accepted roles is public. A resource with accepted
// roles is readable only by clients in one of those roles.
//
// RFC 7285, Section 8.3.5 requires HTTP Digest authentication where
// client authentication is used, and prefers TLS client authentication.
// Digest needs the HA1 digest H(username ":" realm ":" password) on the
// server. HA1 is unsalted and is enough to authenticate as the client in
// its realm, so it must be protected like a password.
package access

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// Authentication methods of a Client.
const (
	MethodBasic       = "basic"
	MethodBearer      = "bearer"
	MethodCertificate = "certificate"
	MethodDigest      = "digest"
)

// DefaultRealm is the realm of WWW-Authenticate challenges.
const DefaultRealm = "ALTO"

// Config is the access section of a network definition.
type Config struct {
	// Realm is the realm named in WWW-Authenticate challenges; default
	// DefaultRealm.
	Realm string `yaml:"realm"`
	// Clients are the clients that can authenticate, the auth-client
	// list of ietf-alto.
	Clients []Client `yaml:"auth-clients"`
	// Roles group clients; resources name the roles that may read them.
	Roles []Role `yaml:"roles"`
	// AllowPlainHTTP accepts Basic, bearer and Digest credentials on
	// requests that did not arrive over TLS, and sends their challenges
	// there. It is meant for a TLS-terminating proxy on the same host,
	// which forwards over plain HTTP. Without it, such credentials get
	// ErrCredentialsNeedTLS or ErrDigestNeedsTLS.
	AllowPlainHTTP bool `yaml:"allow-plain-http"`
	// Digest sets how HTTP Digest authentication is offered to the
	// digest clients.
	Digest DigestConfig `yaml:"digest"`
}

// DigestConfig holds the settings of HTTP Digest authentication
// (RFC 7616). The zero value offers Digest over TLS only, with nonces
// valid for DefaultNonceLifetime seconds and without userhash.
type DigestConfig struct {
	// NonceLifetime is how long in seconds a nonce is accepted after it
	// was issued. A request with an older nonce but a correct response
	// gets a new challenge with stale=true (RFC 7616, Section 3.3).
	// Zero means DefaultNonceLifetime.
	NonceLifetime int `yaml:"nonce-lifetime"`
	// AllowPlainHTTP offers Digest, and Digest only, on requests that
	// did not arrive over TLS. Digest protects the password but not the
	// request, the response or the session from an eavesdropper, so
	// only TLS connections get a Digest challenge by default.
	//
	// Deprecated: set Config.AllowPlainHTTP, which covers Basic, bearer
	// and Digest. This field is kept so that older files keep working,
	// and it does not extend to Basic or bearer, which it never covered.
	AllowPlainHTTP bool `yaml:"allow-plain-http"`
	// Userhash requests that clients send H(username ":" realm) in place
	// of the user name (RFC 7616, Section 3.4.4).
	Userhash bool `yaml:"userhash"`
	// Algorithms lists the algorithms to challenge with, "SHA-256" and
	// "MD5", most preferred first (RFC 7616, Section 3.7). Clients respond
	// to the first challenge they support. Empty means SHA-256, then MD5 when
	// some client has an MD5 HA1.
	Algorithms []string `yaml:"algorithms"`
}

// Limits of DigestConfig.NonceLifetime, in seconds.
const (
	DefaultNonceLifetime = 300
	MaxNonceLifetime     = 86400
)

// Client is one client that can authenticate, with exactly one method.
type Client struct {
	// ID names the client in roles. For the basic method it is also the
	// user name, and for a certificate checked against a CA it must be
	// the subject common name or a DNS name of the certificate.
	ID     string `yaml:"client-id"`
	Method string `yaml:"method"`
	// PasswordHash is the bcrypt hash of the password of a basic client,
	// such as "$2a$10$...".
	PasswordHash string `yaml:"password-hash"`
	// TokenHash is the SHA-256 digest of the token of a bearer client,
	// written "sha256:" followed by 64 hexadecimal digits.
	TokenHash string `yaml:"token-hash"`
	// CACert is a PEM file of the CA certificates that issue the
	// certificate of a certificate client.
	CACert string `yaml:"ca-cert"`
	// EECert is a PEM file holding the pinned end-entity certificate of
	// a certificate client.
	EECert string `yaml:"ee-cert"`
	// HA1SHA256 is the HA1 of a digest client for the SHA-256
	// algorithm: the 64 lowercase hexadecimal digits of
	// SHA-256(client-id ":" realm ":" password) (RFC 7616, Section 3.4.2).
	HA1SHA256 string `yaml:"ha1-sha256"`
	// HA1MD5 is the HA1 of a digest client for the MD5 algorithm, 32
	// lowercase hexadecimal digits. Without it the client cannot respond
	// to an MD5 challenge, and when no client has one, altod sends no MD5
	// challenge.
	HA1MD5 string `yaml:"ha1-md5"`
}

// Role is a named set of clients.
type Role struct {
	Name    string   `yaml:"role-name"`
	Clients []string `yaml:"clients"`
}

// Enabled reports whether the configuration defines any client or role,
// so that requests must be authenticated.
func (c *Config) Enabled() bool { return len(c.Clients) > 0 || len(c.Roles) > 0 }

// FieldError is an invalid access configuration, with the field path
// below the access section, such as "auth-clients[2].token-hash".
type FieldError struct {
	Field string
	Err   error
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Err.Error() }

func (e *FieldError) Unwrap() error { return e.Err }

func fieldErr(field, format string, args ...any) error {
	return &FieldError{Field: field, Err: fmt.Errorf(format, args...)}
}

var (
	tokenHashRE = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)
	sha256HexRE = regexp.MustCompile(`^[0-9a-f]{64}$`)
	md5HexRE    = regexp.MustCompile(`^[0-9a-f]{32}$`)
	nameRE      = regexp.MustCompile(`^[A-Za-z0-9._@:-]{1,64}$`)
)

// Validate checks the structure of the configuration: unique client IDs
// and role names, one complete method per client, roles that name
// defined clients and the Digest settings. Certificate files are read
// later, by Compile.
func (c *Config) Validate() error {
	if n := c.Digest.NonceLifetime; n < 0 || n > MaxNonceLifetime {
		return fieldErr("digest.nonce-lifetime", "nonce lifetime %d is out of range: use 1 to %d seconds, or 0 for the default of %d", n, MaxNonceLifetime, DefaultNonceLifetime)
	}
	if err := c.Digest.validateAlgorithms(); err != nil {
		return err
	}
	ids := map[string]bool{}
	for i, cl := range c.Clients {
		field := fmt.Sprintf("auth-clients[%d]", i)
		if !nameRE.MatchString(cl.ID) {
			return fieldErr(field+".client-id", "invalid client ID %q: use 1 to 64 letters, digits, '.', '_', '@', ':' or '-'", cl.ID)
		}
		if ids[cl.ID] {
			return fieldErr(field+".client-id", "client ID %q is used twice", cl.ID)
		}
		ids[cl.ID] = true
		if err := cl.validate(field, c.Digest.Algorithms); err != nil {
			return err
		}
	}
	names := map[string]bool{}
	for i, r := range c.Roles {
		field := fmt.Sprintf("roles[%d]", i)
		if !nameRE.MatchString(r.Name) {
			return fieldErr(field+".role-name", "invalid role name %q", r.Name)
		}
		if names[r.Name] {
			return fieldErr(field+".role-name", "role %q is defined twice", r.Name)
		}
		names[r.Name] = true
		for j, id := range r.Clients {
			if !ids[id] {
				return fieldErr(fmt.Sprintf("%s.clients[%d]", field, j), "client %q is not in auth-clients", id)
			}
		}
	}
	return nil
}

// validate checks that a client has its method's fields and no other
// method's.
func (cl *Client) validate(field string, digestAlgorithms []string) error {
	has := map[string]bool{
		"password-hash": cl.PasswordHash != "",
		"token-hash":    cl.TokenHash != "",
		"ca-cert":       cl.CACert != "",
		"ee-cert":       cl.EECert != "",
		"ha1-sha256":    cl.HA1SHA256 != "",
		"ha1-md5":       cl.HA1MD5 != "",
	}
	var allowed []string
	switch cl.Method {
	case MethodBasic:
		if !strings.HasPrefix(cl.PasswordHash, "$2") {
			return fieldErr(field+".password-hash", "a basic client needs the bcrypt hash of its password, such as \"$2a$10$...\"")
		}
		allowed = []string{"password-hash"}
	case MethodBearer:
		if !tokenHashRE.MatchString(cl.TokenHash) {
			return fieldErr(field+".token-hash", "a bearer client needs \"sha256:\" and the 64 lowercase hexadecimal digits of the SHA-256 digest of its token")
		}
		allowed = []string{"token-hash"}
	case MethodCertificate:
		if cl.CACert == "" && cl.EECert == "" {
			return fieldErr(field, "a certificate client needs ca-cert, ee-cert or both")
		}
		allowed = []string{"ca-cert", "ee-cert"}
	case MethodDigest:
		if err := cl.validateDigest(field, digestAlgorithms); err != nil {
			return err
		}
		allowed = []string{"ha1-sha256", "ha1-md5"}
	default:
		return fieldErr(field+".method", "unknown method %q: use basic, bearer, certificate or digest", cl.Method)
	}
	for name, set := range has {
		if set && !slices.Contains(allowed, name) {
			return fieldErr(field+"."+name, "the %s method does not use %s", cl.Method, name)
		}
	}
	return nil
}

// validateDigest checks the HA1 digests of a digest client. When the
// configured algorithms leave out SHA-256, the client needs an MD5 HA1.
func (cl *Client) validateDigest(field string, algorithms []string) error {
	if !sha256HexRE.MatchString(cl.HA1SHA256) {
		return fieldErr(field+".ha1-sha256", "a digest client needs the 64 lowercase hexadecimal digits of SHA-256(client-id:realm:password); altoctl auth digest-ha1 prints them")
	}
	if cl.HA1MD5 != "" && !md5HexRE.MatchString(cl.HA1MD5) {
		return fieldErr(field+".ha1-md5", "ha1-md5 must be the 32 lowercase hexadecimal digits of MD5(client-id:realm:password); altoctl auth digest-ha1 prints them")
	}
	if cl.HA1MD5 == "" && len(algorithms) > 0 && !slices.Contains(algorithms, "SHA-256") {
		return fieldErr(field+".ha1-md5", "digest.algorithms offers MD5 only, so the client needs ha1-md5")
	}
	return nil
}

// validateAlgorithms checks that Algorithms names known algorithms once
// each.
func (d *DigestConfig) validateAlgorithms() error {
	for i, a := range d.Algorithms {
		field := fmt.Sprintf("digest.algorithms[%d]", i)
		if a != "SHA-256" && a != "MD5" {
			return fieldErr(field, "unknown Digest algorithm %q: use SHA-256 or MD5", a)
		}
		if slices.Index(d.Algorithms, a) != i {
			return fieldErr(field, "algorithm %s is listed twice", a)
		}
	}
	return nil
}

// HasRole reports whether a role is defined.
func (c *Config) HasRole(name string) bool {
	return slices.ContainsFunc(c.Roles, func(r Role) bool { return r.Name == name })
}

// ErrBadCredentials is returned by Authenticate for credentials that
// match no client.
var ErrBadCredentials = errors.New("access: invalid credentials")

// ErrCredentialsNeedTLS is returned by Authenticate for Basic or bearer
// credentials sent over plain HTTP when Config.AllowPlainHTTP is false.
// It wraps ErrBadCredentials. The credentials are not checked, so the
// error reveals nothing about whether they are valid.
var ErrCredentialsNeedTLS = fmt.Errorf("%w: credentials are accepted over HTTPS only", ErrBadCredentials)
