package access_test

import (
	"crypto/tls"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/icholy/digest"

	"github.com/goalto/goalto/internal/access"
)

// digestRealm is the realm of the Digest fixtures.
const digestRealm = "ALTO test"

// digestFixture is a policy with two digest clients: dave, with HA1
// digests for SHA-256 and MD5 and the role internal, and erin, with a
// SHA-256 HA1 only and no role.
type digestFixture struct {
	policy *access.Policy
	now    time.Time
}

func ha1(t testing.TB, algorithm, user, password string) string {
	t.Helper()
	h, err := access.HA1(algorithm, user, digestRealm, password)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func newDigestFixture(t testing.TB, cfg access.DigestConfig) *digestFixture {
	t.Helper()
	c := access.Config{
		Realm:  digestRealm,
		Digest: cfg,
		Clients: []access.Client{
			{ID: "dave", Method: access.MethodDigest, HA1SHA256: ha1(t, "SHA-256", "dave", "secret"), HA1MD5: ha1(t, "MD5", "dave", "secret")},
			{ID: "erin", Method: access.MethodDigest, HA1SHA256: ha1(t, "SHA-256", "erin", "hunter2")},
		},
		Roles: []access.Role{{Name: "internal", Clients: []string{"dave"}}},
	}
	p, err := access.Compile(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	f := &digestFixture{policy: p, now: time.Date(2026, 12, 5, 1, 0, 0, 0, time.UTC)}
	access.SetClock(p, func() time.Time { return f.now })
	return f
}

// tlsRequest returns a GET request for target that arrived over TLS.
func tlsRequest(target string) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "https://127.0.0.1"+target, nil)
	r.TLS = &tls.ConnectionState{}
	return r
}

// challenge returns a new Digest challenge of the policy for algorithm.
func (f *digestFixture) challenge(t *testing.T, algorithm string) *digest.Challenge {
	t.Helper()
	return parseChallenge(t, f.policy.Challenges(tlsRequest("/directory"), false), algorithm)
}

// parseChallenge returns the challenge for algorithm among values.
func parseChallenge(t testing.TB, values []string, algorithm string) *digest.Challenge {
	t.Helper()
	for _, v := range values {
		c, err := digest.ParseChallenge(v)
		if err == nil && c.Algorithm == algorithm {
			return c
		}
	}
	t.Fatalf("no Digest challenge with algorithm %s in %q", algorithm, values)
	return nil
}

// credentials computes an Authorization header with icholy/digest.
func credentials(t testing.TB, c *digest.Challenge, user, password, method, uri string, count int) string {
	t.Helper()
	cred, err := digest.Digest(c, digest.Options{Method: method, URI: uri, Username: user, Password: password, Count: count})
	if err != nil {
		t.Fatal(err)
	}
	return cred.String()
}

func (f *digestFixture) authenticate(target, auth string) (access.Identity, error) {
	r := tlsRequest(target)
	r.Header.Set("Authorization", auth)
	return f.policy.Authenticate(r)
}

func TestDigestAuthenticate(t *testing.T) {
	f := newDigestFixture(t, access.DigestConfig{})
	tests := []struct {
		name      string
		algorithm string
		user      string
		password  string
		uri       string
		edit      func(string) string
		wantID    string
	}{
		{name: "SHA-256", algorithm: "SHA-256", user: "dave", password: "secret", wantID: "dave"},
		{name: "MD5", algorithm: "MD5", user: "dave", password: "secret", wantID: "dave"},
		{name: "SHA-256 without MD5 HA1", algorithm: "SHA-256", user: "erin", password: "hunter2", wantID: "erin"},
		{name: "MD5 without MD5 HA1", algorithm: "MD5", user: "erin", password: "hunter2"},
		{name: "wrong password", algorithm: "SHA-256", user: "dave", password: "Secret"},
		{name: "unknown user", algorithm: "SHA-256", user: "mallory", password: "secret"},
		{name: "other URI", algorithm: "SHA-256", user: "dave", password: "secret", uri: "/costmap/num"},
		{name: "wrong realm", algorithm: "SHA-256", user: "dave", password: "secret", edit: replace(`realm="ALTO test"`, `realm="ALTO"`)},
		{name: "wrong opaque", algorithm: "SHA-256", user: "dave", password: "secret", edit: replace(`opaque="`, `opaque="x`)},
		{name: "forged nonce", algorithm: "SHA-256", user: "dave", password: "secret", edit: replace(`nonce="`, `nonce="A`)},
		{name: "unknown algorithm", algorithm: "SHA-256", user: "dave", password: "secret", edit: replace(`algorithm=SHA-256`, `algorithm=SHA-512`)},
		{name: "missing qop", algorithm: "SHA-256", user: "dave", password: "secret", edit: replace(`qop=auth`, `x=auth`)},
		{name: "short nonce count", algorithm: "SHA-256", user: "dave", password: "secret", edit: replace(`nc=00000001`, `nc=1`)},
		{name: "malformed", algorithm: "SHA-256", user: "dave", password: "secret", edit: func(string) string { return `Digest username="dave", realm=` }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			uri := "/directory"
			if tc.uri != "" {
				uri = tc.uri
			}
			auth := credentials(t, f.challenge(t, tc.algorithm), tc.user, tc.password, http.MethodGet, uri, 1)
			if tc.edit != nil {
				auth = tc.edit(auth)
			}
			id, err := f.authenticate("/directory", auth)
			if tc.wantID == "" {
				if !errors.Is(err, access.ErrBadCredentials) {
					t.Fatalf("err = %v for %s, want ErrBadCredentials", err, auth)
				}
				return
			}
			if err != nil {
				t.Fatalf("Authenticate(%s) = %v", auth, err)
			}
			if id.ClientID != tc.wantID {
				t.Errorf("client = %q, want %q", id.ClientID, tc.wantID)
			}
		})
	}
}

func replace(old, new string) func(string) string {
	return func(s string) string { return strings.Replace(s, old, new, 1) }
}

func TestDigestRoles(t *testing.T) {
	f := newDigestFixture(t, access.DigestConfig{})
	id, err := f.authenticate("/directory", credentials(t, f.challenge(t, "SHA-256"), "dave", "secret", http.MethodGet, "/directory", 1))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(id.Roles, []string{"internal"}) {
		t.Errorf("roles = %v, want [internal]", id.Roles)
	}
}

func TestDigestUserhash(t *testing.T) {
	f := newDigestFixture(t, access.DigestConfig{Userhash: true})
	c := f.challenge(t, "SHA-256")
	if !c.Userhash {
		t.Fatalf("challenge %s lacks userhash=true", c)
	}
	auth := credentials(t, c, "dave", "secret", http.MethodGet, "/directory", 1)
	if strings.Contains(auth, `username="dave"`) {
		t.Fatalf("credentials %s carry the plain user name", auth)
	}
	id, err := f.authenticate("/directory", auth)
	if err != nil {
		t.Fatal(err)
	}
	if id.ClientID != "dave" {
		t.Errorf("client = %q, want dave", id.ClientID)
	}
}

func TestDigestStaleNonce(t *testing.T) {
	f := newDigestFixture(t, access.DigestConfig{NonceLifetime: 60})
	c := f.challenge(t, "SHA-256")
	f.now = f.now.Add(61 * time.Second)

	_, err := f.authenticate("/directory", credentials(t, c, "dave", "secret", http.MethodGet, "/directory", 1))
	if !errors.Is(err, access.ErrStaleNonce) {
		t.Fatalf("correct response with old nonce: err = %v, want ErrStaleNonce", err)
	}
	_, err = f.authenticate("/directory", credentials(t, c, "dave", "wrong", http.MethodGet, "/directory", 2))
	if !errors.Is(err, access.ErrBadCredentials) || errors.Is(err, access.ErrStaleNonce) {
		t.Fatalf("wrong password with old nonce: err = %v, want ErrBadCredentials without stale", err)
	}

	for _, v := range f.policy.Challenges(tlsRequest("/directory"), true) {
		if !strings.Contains(v, "stale=true") {
			t.Errorf("challenge after a stale nonce lacks stale=true: %s", v)
		}
	}
	fresh := f.challenge(t, "SHA-256")
	if _, err := f.authenticate("/directory", credentials(t, fresh, "dave", "secret", http.MethodGet, "/directory", 1)); err != nil {
		t.Errorf("new nonce after stale: %v", err)
	}
}

func TestDigestNonceCount(t *testing.T) {
	f := newDigestFixture(t, access.DigestConfig{})
	c := f.challenge(t, "SHA-256")
	steps := []struct {
		name  string
		user  string
		count int
		ok    bool
	}{
		{"first count", "dave", 1, true},
		{"replayed count", "dave", 1, false},
		{"count ahead", "dave", 5, true},
		{"count behind within window", "dave", 3, true},
		{"count behind replayed", "dave", 3, false},
		{"other user same nonce", "erin", 1, true},
		{"count far ahead", "dave", 500, true},
		{"count behind by 200", "dave", 300, true},
		{"count behind by 200 replayed", "dave", 300, false},
		{"count below window", "dave", 244, false},
		{"count ahead within window", "dave", 600, true},
		{"unused count near the window edge", "dave", 350, true},
		{"count whose slot a jump cleared", "dave", 590, true},
		{"that count replayed", "dave", 590, false},
		{"count far ahead again", "dave", 5000, true},
		{"unused count after a jump", "dave", 4990, true},
	}
	for _, st := range steps {
		password := map[string]string{"dave": "secret", "erin": "hunter2"}[st.user]
		_, err := f.authenticate("/directory", credentials(t, c, st.user, password, http.MethodGet, "/directory", st.count))
		if st.ok && err != nil {
			t.Errorf("%s: nc %d rejected: %v", st.name, st.count, err)
		}
		if !st.ok && !errors.Is(err, access.ErrBadCredentials) {
			t.Errorf("%s: nc %d: err = %v, want ErrBadCredentials", st.name, st.count, err)
		}
	}
}

func TestDigestPlainHTTP(t *testing.T) {
	tests := []struct {
		name       string
		allowPlain bool
	}{
		{"refused by default", false},
		{"allowed", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newDigestFixture(t, access.DigestConfig{AllowPlainHTTP: tc.allowPlain})
			c := f.challenge(t, "SHA-256")
			r := httptest.NewRequest(http.MethodGet, "http://127.0.0.1/directory", nil)
			if got := f.policy.OffersChallenge(r); got != tc.allowPlain {
				t.Errorf("OffersChallenge over plain HTTP = %v, want %v", got, tc.allowPlain)
			}
			r.Header.Set("Authorization", credentials(t, c, "dave", "secret", http.MethodGet, "/directory", 1))
			id, err := f.policy.Authenticate(r)
			if tc.allowPlain {
				if err != nil || id.ClientID != "dave" {
					t.Errorf("Authenticate = %q, %v, want dave", id.ClientID, err)
				}
				return
			}
			if !errors.Is(err, access.ErrDigestNeedsTLS) {
				t.Errorf("err = %v, want ErrDigestNeedsTLS", err)
			}
		})
	}
}

func TestDigestChallenges(t *testing.T) {
	f := newDigestFixture(t, access.DigestConfig{})
	got := f.policy.Challenges(tlsRequest("/directory"), false)
	if len(got) != 2 {
		t.Fatalf("challenges = %q, want SHA-256 and MD5", got)
	}
	var nonces []string
	for i, want := range []string{"SHA-256", "MD5"} {
		c, err := digest.ParseChallenge(got[i])
		if err != nil {
			t.Fatalf("challenge %q: %v", got[i], err)
		}
		if c.Algorithm != want || c.Realm != digestRealm || !slices.Equal(c.QOP, []string{"auth"}) || c.Opaque == "" || c.Stale {
			t.Errorf("challenge %d = %q, want algorithm %s, realm %q, qop auth and an opaque", i, got[i], want, digestRealm)
		}
		nonces = append(nonces, c.Nonce)
	}
	if nonces[0] != nonces[1] {
		t.Errorf("the challenges of one response have different nonces %q", nonces)
	}
	again := f.challenge(t, "SHA-256")
	if again.Nonce == nonces[0] {
		t.Errorf("two responses share the nonce %q", again.Nonce)
	}
}

func TestDigestChallengesWithoutMD5(t *testing.T) {
	p, err := access.Compile(access.Config{Clients: []access.Client{
		{ID: "erin", Method: access.MethodDigest, HA1SHA256: ha1(t, "SHA-256", "erin", "x")},
	}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := p.Challenges(tlsRequest("/directory"), false)
	if len(got) != 1 || !strings.Contains(got[0], "algorithm=SHA-256") {
		t.Errorf("challenges = %q, want one SHA-256 challenge", got)
	}
}

func TestDigestAlgorithmPreference(t *testing.T) {
	f := newDigestFixture(t, access.DigestConfig{Algorithms: []string{"MD5", "SHA-256"}})
	got := f.policy.Challenges(tlsRequest("/directory"), false)
	if len(got) != 2 || !strings.Contains(got[0], "algorithm=MD5") || !strings.Contains(got[1], "algorithm=SHA-256") {
		t.Errorf("challenges = %q, want MD5, then SHA-256", got)
	}

	f = newDigestFixture(t, access.DigestConfig{Algorithms: []string{"SHA-256"}})
	got = f.policy.Challenges(tlsRequest("/directory"), false)
	if len(got) != 1 || !strings.Contains(got[0], "algorithm=SHA-256") {
		t.Errorf("challenges = %q, want SHA-256 only", got)
	}
	c := f.challenge(t, "SHA-256")
	c.Algorithm = "MD5"
	if _, err := f.authenticate("/directory", credentials(t, c, "dave", "secret", http.MethodGet, "/directory", 1)); !errors.Is(err, access.ErrBadCredentials) {
		t.Errorf("MD5 response with MD5 not offered: err = %v, want ErrBadCredentials", err)
	}
}

func TestHA1(t *testing.T) {
	// The user, realm and password of RFC 7616, Section 3.9.1. The RFC
	// does not print HA1, so the values were computed with Python's
	// hashlib; TestDigestResponseRFCExample checks the responses that
	// the RFC does print.
	tests := []struct {
		algorithm, want string
	}{
		{"SHA-256", "7987c64c30e25f1b74be53f966b49b90f2808aa92faf9a00262392d7b4794232"},
		{"MD5", "3d78807defe7de2157e2b0b6573a855f"},
	}
	for _, tc := range tests {
		t.Run(tc.algorithm, func(t *testing.T) {
			got, err := access.HA1(tc.algorithm, "Mufasa", "http-auth@example.org", "Circle of Life")
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("HA1 = %s, want %s", got, tc.want)
			}
		})
	}
	if _, err := access.HA1("SHA-512", "a", "b", "c"); err == nil {
		t.Error("HA1 accepted SHA-512")
	}
}
