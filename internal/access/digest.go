package access

import (
	"crypto/md5"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"hash"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Errors of Digest authentication. Both wrap ErrBadCredentials.
var (
	// ErrStaleNonce is returned for a correct Digest response computed
	// with a nonce that has expired. The 401 response then carries
	// stale=true, so that the client retries with the new nonce without
	// asking its user again (RFC 7616, Section 3.3).
	ErrStaleNonce = fmt.Errorf("%w: stale Digest nonce", ErrBadCredentials)
	// ErrDigestNeedsTLS is returned for Digest credentials sent over
	// plain HTTP when neither Config.AllowPlainHTTP nor
	// DigestConfig.AllowPlainHTTP is set.
	ErrDigestNeedsTLS = fmt.Errorf("%w: Digest authentication is offered over HTTPS only", ErrBadCredentials)
)

// digestAlgorithm is a Digest algorithm (RFC 7616, Section 6.1).
type digestAlgorithm struct {
	name    string // as sent in the algorithm parameter
	newHash func() hash.Hash
}

// The algorithms that altod offers. The -sess variants are not offered.
var (
	digestSHA256 = &digestAlgorithm{name: "SHA-256", newHash: sha256.New}
	digestMD5    = &digestAlgorithm{name: "MD5", newHash: md5.New}
)

// hexDigest returns the lowercase hexadecimal digest of the parts
// joined by colons, the H and KD functions of RFC 7616, Section 3.4.
func (a *digestAlgorithm) hexDigest(parts ...string) string {
	h := a.newHash()
	for i, part := range parts {
		if i > 0 {
			h.Write([]byte{':'})
		}
		h.Write([]byte(part))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// HA1 returns the HA1 digest of a user for the named algorithm, "SHA-256"
// or "MD5": H(username ":" realm ":" password) in lowercase hexadecimal
// (RFC 7616, Section 3.4.2). It is the credential that a digest client's
// ha1-sha256 or ha1-md5 field holds.
func HA1(algorithm, username, realm, password string) (string, error) {
	a := algorithmNamed(algorithm)
	if a == nil {
		return "", fmt.Errorf("unknown Digest algorithm %q: use SHA-256 or MD5", algorithm)
	}
	return a.hexDigest(username, realm, password), nil
}

// algorithmNamed returns the algorithm with a name, ignoring case, or
// nil.
func algorithmNamed(name string) *digestAlgorithm {
	for _, a := range []*digestAlgorithm{digestSHA256, digestMD5} {
		if strings.EqualFold(a.name, name) {
			return a
		}
	}
	return nil
}

// digestPolicy holds the Digest clients and settings of a Policy.
type digestPolicy struct {
	lifetime   time.Duration
	allowPlain bool
	userhash   bool
	// preference lists the algorithms that may be challenged, most
	// preferred first.
	preference []*digestAlgorithm
	// algorithms are the algorithms of preference for which some client
	// has an HA1, the ones challenged.
	algorithms []*digestAlgorithm
	// ha1 maps algorithm, then client ID, to the HA1 in hexadecimal.
	ha1 map[*digestAlgorithm]map[string]string
	// hashedUsers maps algorithm, then H(client ID ":" realm), to the
	// client ID, for clients that send userhash=true.
	hashedUsers map[*digestAlgorithm]map[string]string
}

// newDigestPolicy returns the Digest settings of c, without clients.
// allowPlain is Config.AllowPlainHTTP, which also offers Digest over
// plain HTTP.
func newDigestPolicy(c DigestConfig, allowPlain bool) digestPolicy {
	lifetime := c.NonceLifetime
	if lifetime == 0 {
		lifetime = DefaultNonceLifetime
	}
	preference := []*digestAlgorithm{digestSHA256, digestMD5}
	if len(c.Algorithms) > 0 {
		preference = nil
		for _, name := range c.Algorithms {
			preference = append(preference, algorithmNamed(name))
		}
	}
	return digestPolicy{
		preference:  preference,
		lifetime:    time.Duration(lifetime) * time.Second,
		allowPlain:  allowPlain || c.AllowPlainHTTP,
		userhash:    c.Userhash,
		ha1:         map[*digestAlgorithm]map[string]string{},
		hashedUsers: map[*digestAlgorithm]map[string]string{},
	}
}

// addDigestClient stores the HA1 digests of a digest client.
func (p *Policy) addDigestClient(cl Client) {
	d := &p.digest
	add := func(a *digestAlgorithm, ha1 string) {
		if d.ha1[a] == nil {
			d.ha1[a] = map[string]string{}
			d.hashedUsers[a] = map[string]string{}
		}
		d.ha1[a][cl.ID] = ha1
		d.hashedUsers[a][a.hexDigest(cl.ID, p.realm)] = cl.ID
	}
	add(digestSHA256, cl.HA1SHA256)
	if cl.HA1MD5 != "" {
		add(digestMD5, cl.HA1MD5)
	}
	d.algorithms = d.algorithms[:0]
	for _, a := range d.preference {
		if d.ha1[a] != nil {
			d.algorithms = append(d.algorithms, a)
		}
	}
}

// digestOffered reports whether Digest is offered on the connection of
// r: some client uses it, and r came over TLS or plain HTTP is allowed.
func (p *Policy) digestOffered(r *http.Request) bool {
	return len(p.digest.algorithms) > 0 && (r.TLS != nil || p.digest.allowPlain)
}

// rejectsDigest reports whether some client uses Digest but Digest is
// not offered on the connection of r, because r came over plain HTTP.
func (p *Policy) rejectsDigest(r *http.Request) bool {
	return len(p.digest.algorithms) > 0 && !p.digestOffered(r)
}

// digestChallenges returns one Digest challenge per offered algorithm,
// sharing one new nonce (RFC 7616, Section 3.3).
func (p *Policy) digestChallenges(stale bool) []string {
	nonce := nonces.mint(p.now())
	var out []string
	for _, a := range p.digest.algorithms {
		c := fmt.Sprintf(`Digest realm=%q, qop="auth", algorithm=%s, nonce="%s", opaque="%s"`, p.realm, a.name, nonce, nonces.opaque)
		if p.digest.userhash {
			c += ", userhash=true"
		}
		if stale {
			c += ", stale=true"
		}
		out = append(out, c)
	}
	return out
}

// digestCredentials are the parameters of a Digest Authorization header
// (RFC 7616, Section 3.4).
type digestCredentials struct {
	username, realm, nonce, uri, response string
	algorithm, cnonce, qop, opaque        string
	nc                                    uint64
	userhash                              bool
}

// parseDigestCredentials parses the part of a Digest Authorization
// header after the scheme and checks that the parameters of qop "auth"
// are present.
func parseDigestCredentials(s string) (digestCredentials, error) {
	params, err := parseDigestParams(s)
	if err != nil {
		return digestCredentials{}, err
	}
	c := digestCredentials{
		username:  params["username"],
		realm:     params["realm"],
		nonce:     params["nonce"],
		uri:       params["uri"],
		response:  strings.ToLower(params["response"]),
		algorithm: params["algorithm"],
		cnonce:    params["cnonce"],
		qop:       params["qop"],
		opaque:    params["opaque"],
		userhash:  strings.EqualFold(params["userhash"], "true"),
	}
	if ext, ok := params["username*"]; ok {
		name, valid := extendedValue(ext)
		if !valid || c.username != "" || c.userhash {
			return c, errDigestSyntax
		}
		c.username = name
	}
	// RFC 7616, Section 3.4: nc is exactly 8 hexadecimal digits.
	nc := params["nc"]
	if len(nc) != 8 {
		return c, errDigestSyntax
	}
	if c.nc, err = strconv.ParseUint(nc, 16, 32); err != nil {
		return c, errDigestSyntax
	}
	if c.username == "" || c.nonce == "" || c.uri == "" || c.response == "" || c.cnonce == "" || c.qop != "auth" {
		return c, errDigestSyntax
	}
	return c, nil
}

// authDigest authenticates Digest credentials (RFC 7616, Section 3.4).
// Every failure returns an error that wraps ErrBadCredentials. The
// response is checked before the nonce's age, so that stale=true is set
// only for a correct response (RFC 7616, Section 3.3).
func (p *Policy) authDigest(r *http.Request, header string) (Identity, error) {
	if len(p.digest.algorithms) == 0 {
		return Identity{}, ErrBadCredentials
	}
	if !p.digestOffered(r) {
		return Identity{}, ErrDigestNeedsTLS
	}
	c, err := parseDigestCredentials(header)
	if err != nil {
		return Identity{}, fmt.Errorf("%w: %w", ErrBadCredentials, err)
	}
	a := p.digestAlgorithm(c.algorithm)
	if a == nil || c.realm != p.realm || c.opaque != nonces.opaque || !sameRequestURI(c.uri, r) {
		return Identity{}, ErrBadCredentials
	}
	issued, ok := nonces.issued(c.nonce)
	if !ok {
		return Identity{}, ErrBadCredentials
	}
	id, ok := p.checkDigestResponse(r, a, c)
	if !ok {
		return Identity{}, ErrBadCredentials
	}
	switch nonces.use(c.nonce, id, c.nc, issued, int64(p.digest.lifetime), p.now().UnixNano()) {
	case nonceStale:
		return Identity{}, ErrStaleNonce
	case nonceReplayed:
		return Identity{}, fmt.Errorf("%w: Digest nonce count %08x used before", ErrBadCredentials, c.nc)
	}
	return p.identities[id], nil
}

// digestAlgorithm returns the offered algorithm that a client named, or
// nil. An absent algorithm parameter means MD5 (RFC 7616, Section 3.4).
func (p *Policy) digestAlgorithm(name string) *digestAlgorithm {
	if name == "" {
		name = digestMD5.name
	}
	for _, a := range p.digest.algorithms {
		if strings.EqualFold(a.name, name) {
			return a
		}
	}
	return nil
}

// checkDigestResponse returns the client whose HA1 gives the response of
// c, comparing in constant time. An unknown user is checked against a
// dummy HA1, so that the time taken does not tell which users exist.
func (p *Policy) checkDigestResponse(r *http.Request, a *digestAlgorithm, c digestCredentials) (string, bool) {
	id := c.username
	if c.userhash {
		id = p.digest.hashedUsers[a][strings.ToLower(c.username)]
	}
	ha1, known := p.digest.ha1[a][id]
	if !known {
		ha1 = strings.Repeat("0", a.newHash().Size()*2)
	}
	ha2 := a.hexDigest(r.Method, c.uri)
	want := a.hexDigest(ha1, c.nonce, fmt.Sprintf("%08x", c.nc), c.cnonce, c.qop, ha2)
	match := subtle.ConstantTimeCompare([]byte(want), []byte(c.response)) == 1
	return id, match && known
}

// sameRequestURI reports whether the uri parameter of Digest credentials
// names the request target of r (RFC 7616, Section 3.4.6). Either may be
// in absolute form, as a request through a proxy is.
//
// NOTE: RFC 7616 calls for 400 Bad Request on a mismatch, but altod
// responds with 401 and a new challenge, as for any invalid credentials.
func sameRequestURI(uri string, r *http.Request) bool {
	target := r.RequestURI
	if target == "" {
		target = r.URL.RequestURI()
	}
	return uri == target || originForm(uri) == originForm(target)
}

// originForm returns the path and query of an absolute URI, and any
// other string unchanged.
func originForm(s string) string {
	u, err := url.Parse(s)
	if err != nil || !u.IsAbs() {
		return s
	}
	return u.RequestURI()
}
