package access

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// maxCachedCredentials bounds the cache of verified Basic credentials.
const maxCachedCredentials = 4096

// Policy authenticates requests and decides access. It is built from a
// Config by Compile and is safe for concurrent use.
type Policy struct {
	realm      string
	challenges []string // Basic and Bearer WWW-Authenticate values
	// allowPlain accepts Basic and bearer credentials over plain HTTP.
	allowPlain bool

	digest digestPolicy
	now    func() time.Time // the clock of Digest nonces

	basic  map[string]string   // client ID to bcrypt hash
	bearer map[[32]byte]string // token digest to client ID
	certs  []certClient
	// identities holds the identity of every client, with its roles.
	identities map[string]Identity
	// roleSets lists the distinct role sets of clients, the empty
	// (anonymous) set first.
	roleSets [][]string

	// bcryptSlots bounds the concurrent bcrypt comparisons, which cost
	// milliseconds of CPU each, so that wrong passwords cannot take
	// every core.
	bcryptSlots chan struct{}

	cacheKey []byte
	mu       sync.Mutex          // guards cache
	cache    map[[32]byte]string // HMAC of verified credentials to client ID

	chains chainCache // certificate chain results
}

// certClient is a client authenticated by TLS certificate.
type certClient struct {
	id    string
	roots *x509.CertPool // nil without a CA certificate
	pin   *[32]byte      // SHA-256 of the pinned certificate; nil without
}

// Identity is the result of authentication: a client and its roles, or
// the anonymous identity (the zero value).
type Identity struct {
	// ClientID is empty for an anonymous request.
	ClientID string
	// Roles are sorted role names.
	Roles []string
	key   string
}

// Anonymous reports whether the request carried no credentials.
func (id Identity) Anonymous() bool { return id.ClientID == "" }

// RoleKey identifies the role set, such as "external,internal"; empty
// for a client without roles or an anonymous one.
func (id Identity) RoleKey() string { return id.key }

// Allowed reports whether the identity may read a resource with the
// given accepted roles: always when the list is empty, and otherwise
// when it shares a role with the identity.
func (id Identity) Allowed(accepted []string) bool {
	return Allowed(id.Roles, accepted)
}

// Allowed reports whether a client with the given roles may read a
// resource with the given accepted roles.
func Allowed(roles, accepted []string) bool {
	if len(accepted) == 0 {
		return true
	}
	for _, r := range roles {
		if slices.Contains(accepted, r) {
			return true
		}
	}
	return false
}

// Compile builds a Policy. readFile reads the certificate files the
// configuration names; errors name the field at fault.
func Compile(c Config, readFile func(string) ([]byte, error)) (*Policy, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	p := &Policy{
		realm:       c.Realm,
		allowPlain:  c.AllowPlainHTTP,
		basic:       map[string]string{},
		bearer:      map[[32]byte]string{},
		identities:  map[string]Identity{},
		bcryptSlots: make(chan struct{}, runtime.GOMAXPROCS(0)),
		cacheKey:    make([]byte, 32),
		cache:       map[[32]byte]string{},
		digest:      newDigestPolicy(c.Digest, c.AllowPlainHTTP),
		now:         time.Now,
	}
	if p.realm == "" {
		p.realm = DefaultRealm
	}
	rand.Read(p.cacheKey)
	for i, cl := range c.Clients {
		if err := p.addClient(fmt.Sprintf("auth-clients[%d]", i), cl, readFile); err != nil {
			return nil, err
		}
	}
	p.assignRoles(c)
	p.setChallenges()
	return p, nil
}

func (p *Policy) addClient(field string, cl Client, readFile func(string) ([]byte, error)) error {
	switch cl.Method {
	case MethodBasic:
		if _, err := bcrypt.Cost([]byte(cl.PasswordHash)); err != nil {
			return fieldErr(field+".password-hash", "invalid bcrypt hash: %w", err)
		}
		p.basic[cl.ID] = cl.PasswordHash
	case MethodBearer:
		var sum [32]byte
		hex.Decode(sum[:], []byte(strings.TrimPrefix(cl.TokenHash, "sha256:")))
		if other, dup := p.bearer[sum]; dup {
			return fieldErr(field+".token-hash", "clients %q and %q have the same token", other, cl.ID)
		}
		p.bearer[sum] = cl.ID
	case MethodCertificate:
		cc, err := loadCertClient(field, cl, readFile)
		if err != nil {
			return err
		}
		p.certs = append(p.certs, cc)
	case MethodDigest:
		p.addDigestClient(cl)
	}
	return nil
}

func loadCertClient(field string, cl Client, readFile func(string) ([]byte, error)) (certClient, error) {
	cc := certClient{id: cl.ID}
	if cl.CACert != "" {
		certs, err := readCerts(cl.CACert, readFile)
		if err != nil {
			return cc, &FieldError{Field: field + ".ca-cert", Err: err}
		}
		cc.roots = x509.NewCertPool()
		for _, c := range certs {
			cc.roots.AddCert(c)
		}
	}
	if cl.EECert != "" {
		certs, err := readCerts(cl.EECert, readFile)
		if err != nil {
			return cc, &FieldError{Field: field + ".ee-cert", Err: err}
		}
		if len(certs) != 1 {
			return cc, fieldErr(field+".ee-cert", "%s holds %d certificates; pin exactly one", cl.EECert, len(certs))
		}
		sum := sha256.Sum256(certs[0].Raw)
		cc.pin = &sum
	}
	return cc, nil
}

// readCerts reads the certificates of a PEM file.
func readCerts(name string, readFile func(string) ([]byte, error)) ([]*x509.Certificate, error) {
	data, err := readFile(name)
	if err != nil {
		return nil, err
	}
	var out []*x509.Certificate
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no PEM CERTIFICATE block", name)
	}
	return out, nil
}

// assignRoles fills the identities and the distinct role sets.
func (p *Policy) assignRoles(c Config) {
	roles := map[string][]string{}
	for _, r := range c.Roles {
		for _, id := range r.Clients {
			if !slices.Contains(roles[id], r.Name) {
				roles[id] = append(roles[id], r.Name)
			}
		}
	}
	seen := map[string]bool{"": true}
	p.roleSets = [][]string{nil}
	for _, cl := range c.Clients {
		rs := roles[cl.ID]
		slices.Sort(rs)
		key := strings.Join(rs, ",")
		p.identities[cl.ID] = Identity{ClientID: cl.ID, Roles: rs, key: key}
		if !seen[key] {
			seen[key] = true
			p.roleSets = append(p.roleSets, rs)
		}
	}
}

func (p *Policy) setChallenges() {
	if len(p.basic) > 0 {
		p.challenges = append(p.challenges, fmt.Sprintf(`Basic realm=%q, charset="UTF-8"`, p.realm))
	}
	if len(p.bearer) > 0 {
		p.challenges = append(p.challenges, fmt.Sprintf(`Bearer realm=%q`, p.realm))
	}
}

// RoleSets returns the distinct role sets that clients can have, the
// empty set of anonymous clients first. A directory is encoded once per
// role set.
func (p *Policy) RoleSets() [][]string { return p.roleSets }

// Challenges returns the WWW-Authenticate values of a 401 response to r
// (RFC 9110, Section 11.6.1). When Digest is offered on the connection
// of r, they start with one Digest challenge per algorithm, sharing a
// new nonce. Basic and Bearer follow when some client uses them and r
// came over TLS or plain HTTP is allowed. With certificate clients
// only, there are none. stale sets stale=true on the Digest challenges,
// for a request that failed with ErrStaleNonce.
func (p *Policy) Challenges(r *http.Request, stale bool) []string {
	var out []string
	if p.digestOffered(r) {
		out = p.digestChallenges(stale)
	}
	if p.plainOffered(r) {
		out = append(out, p.challenges...)
	}
	return out
}

// plainOffered reports whether Basic and bearer credentials are
// accepted on the connection of r: r came over TLS or plain HTTP is
// allowed.
func (p *Policy) plainOffered(r *http.Request) bool {
	return r.TLS != nil || p.allowPlain
}

// RejectsPlainHTTP reports whether some client uses Basic, bearer or
// Digest but its credentials would be rejected on r, because r came
// over plain HTTP and plain HTTP is not allowed for that method.
func (p *Policy) RejectsPlainHTTP(r *http.Request) bool {
	return (len(p.challenges) > 0 && !p.plainOffered(r)) || p.rejectsDigest(r)
}

// Client returns the identity of the configured client with an ID, and
// false when no client has it.
func (p *Policy) Client(clientID string) (Identity, bool) {
	id, ok := p.identities[clientID]
	return id, ok
}

// OffersChallenge reports whether Challenges returns any value for r.
func (p *Policy) OffersChallenge(r *http.Request) bool {
	return (len(p.challenges) > 0 && p.plainOffered(r)) || p.digestOffered(r)
}

// Authenticate returns the identity of a request. The Authorization
// header, when present, decides: credentials that match no client
// return ErrBadCredentials or an error that wraps it, ErrStaleNonce,
// ErrDigestNeedsTLS and ErrCredentialsNeedTLS among them. Otherwise a TLS client certificate that
// matches a certificate client identifies it, and any other request is
// anonymous.
func (p *Policy) Authenticate(r *http.Request) (Identity, error) {
	if auth := r.Header.Get("Authorization"); auth != "" {
		scheme, cred, _ := strings.Cut(auth, " ")
		basic, bearer := strings.EqualFold(scheme, "Basic"), strings.EqualFold(scheme, "Bearer")
		switch {
		case (basic || bearer) && !p.plainOffered(r):
			// The password or token has already crossed the network in
			// clear. Checking it would tell an eavesdropper whether it
			// is worth replaying over TLS.
			return Identity{}, ErrCredentialsNeedTLS
		case basic:
			return p.authBasic(r)
		case bearer:
			return p.authBearer(strings.TrimSpace(cred))
		case strings.EqualFold(scheme, "Digest"):
			return p.authDigest(r, cred)
		}
		return Identity{}, ErrBadCredentials
	}
	if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
		if id, ok := p.authCertificate(r.TLS.PeerCertificates); ok {
			return p.identities[id], nil
		}
	}
	return Identity{}, nil
}

func (p *Policy) authBasic(r *http.Request) (Identity, error) {
	user, pass, ok := r.BasicAuth()
	hash, known := p.basic[user]
	if !ok || !known {
		return Identity{}, ErrBadCredentials
	}
	mac := hmac.New(sha256.New, p.cacheKey)
	mac.Write([]byte(user))
	mac.Write([]byte{0})
	mac.Write([]byte(pass))
	var key [32]byte
	mac.Sum(key[:0])
	if p.cached(key) == user {
		return p.identities[user], nil
	}
	p.bcryptSlots <- struct{}{}
	err := bcrypt.CompareHashAndPassword([]byte(hash), []byte(pass))
	<-p.bcryptSlots
	if err != nil {
		return Identity{}, ErrBadCredentials
	}
	p.remember(key, user)
	return p.identities[user], nil
}

func (p *Policy) cached(key [32]byte) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cache[key]
}

func (p *Policy) remember(key [32]byte, user string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.cache) >= maxCachedCredentials {
		clear(p.cache)
	}
	p.cache[key] = user
}

func (p *Policy) authBearer(token string) (Identity, error) {
	if token == "" {
		return Identity{}, ErrBadCredentials
	}
	// The map is keyed by the digest of the token, so a lookup's timing
	// reveals nothing about the stored tokens.
	id, ok := p.bearer[sha256.Sum256([]byte(token))]
	if !ok {
		return Identity{}, ErrBadCredentials
	}
	return p.identities[id], nil
}

// authCertificate returns the first certificate client that the chain
// matches. The TLS handshake has already proved that the peer holds the
// leaf's private key. Results are cached per chain until the first
// certificate of a verified chain expires.
func (p *Policy) authCertificate(chain []*x509.Certificate) (string, bool) {
	key := chainKey(chain)
	now := time.Now()
	if r, ok := p.chains.get(key, now); ok {
		return r.id, r.id != ""
	}
	r := p.matchCertificate(chain, now)
	p.chains.put(key, r)
	return r.id, r.id != ""
}

// matchCertificate verifies the chain against each certificate client
// in turn.
func (p *Policy) matchCertificate(chain []*x509.Certificate, now time.Time) chainResult {
	leaf := chain[0]
	sum := sha256.Sum256(leaf.Raw)
	for _, cc := range p.certs {
		if cc.pin != nil && *cc.pin != sum {
			continue
		}
		until := leaf.NotAfter
		if cc.roots != nil {
			chains, ok := verifies(leaf, chain[1:], cc.roots, cc.id, cc.pin != nil, now)
			if !ok {
				continue
			}
			until = expiry(chains, leaf)
		}
		return chainResult{id: cc.id, until: until}
	}
	return chainResult{until: now.Add(unmatchedTTL)}
}

// verifies reports whether leaf chains to roots for client use at now
// and, unless the certificate is pinned, names the client in its
// subject common name or a DNS name. It returns the verified chains.
func verifies(leaf *x509.Certificate, rest []*x509.Certificate, roots *x509.CertPool, id string, pinned bool, now time.Time) ([][]*x509.Certificate, bool) {
	inter := x509.NewCertPool()
	for _, c := range rest {
		inter.AddCert(c)
	}
	chains, err := leaf.Verify(x509.VerifyOptions{
		Roots:         roots,
		Intermediates: inter,
		CurrentTime:   now,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	})
	if err != nil {
		return nil, false
	}
	return chains, pinned || leaf.Subject.CommonName == id || slices.Contains(leaf.DNSNames, id)
}
