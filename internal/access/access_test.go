package access_test

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/goalto/goalto/internal/access"
	"github.com/goalto/goalto/internal/testcert"
)

func tokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return "sha256:" + hex.EncodeToString(sum[:])
}

func passwordHash(t testing.TB, password string) string {
	t.Helper()
	h, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	return string(h)
}

func TestValidateRejects(t *testing.T) {
	good := access.Client{ID: "a", Method: access.MethodBearer, TokenHash: tokenHash("x")}
	tests := []struct {
		name  string
		cfg   access.Config
		field string
	}{
		{"empty client ID", access.Config{Clients: []access.Client{{Method: access.MethodBearer, TokenHash: tokenHash("x")}}}, "auth-clients[0].client-id"},
		{"duplicate client", access.Config{Clients: []access.Client{good, good}}, "auth-clients[1].client-id"},
		{"unknown method", access.Config{Clients: []access.Client{{ID: "a", Method: "ntlm"}}}, "auth-clients[0].method"},
		{"plain password", access.Config{Clients: []access.Client{{ID: "a", Method: access.MethodBasic, PasswordHash: "secret"}}}, "auth-clients[0].password-hash"},
		{"short token hash", access.Config{Clients: []access.Client{{ID: "a", Method: access.MethodBearer, TokenHash: "sha256:abcd"}}}, "auth-clients[0].token-hash"},
		{"certificate without file", access.Config{Clients: []access.Client{{ID: "a", Method: access.MethodCertificate}}}, "auth-clients[0]"},
		{"field of another method", access.Config{Clients: []access.Client{{ID: "a", Method: access.MethodBearer, TokenHash: tokenHash("x"), CACert: "ca.pem"}}}, "auth-clients[0].ca-cert"},
		{"digest without SHA-256 HA1", access.Config{Clients: []access.Client{{ID: "a", Method: access.MethodDigest, HA1MD5: strings.Repeat("ab", 16)}}}, "auth-clients[0].ha1-sha256"},
		{"digest uppercase HA1", access.Config{Clients: []access.Client{{ID: "a", Method: access.MethodDigest, HA1SHA256: strings.Repeat("AB", 32)}}}, "auth-clients[0].ha1-sha256"},
		{"digest short MD5 HA1", access.Config{Clients: []access.Client{{ID: "a", Method: access.MethodDigest, HA1SHA256: strings.Repeat("ab", 32), HA1MD5: "ab"}}}, "auth-clients[0].ha1-md5"},
		{"digest MD5 only without MD5 HA1", access.Config{Digest: access.DigestConfig{Algorithms: []string{"MD5"}}, Clients: []access.Client{{ID: "a", Method: access.MethodDigest, HA1SHA256: strings.Repeat("ab", 32)}}}, "auth-clients[0].ha1-md5"},
		{"digest field on basic", access.Config{Clients: []access.Client{{ID: "a", Method: access.MethodBasic, PasswordHash: "$2a$10$x", HA1SHA256: strings.Repeat("ab", 32)}}}, "auth-clients[0].ha1-sha256"},
		{"unknown digest algorithm", access.Config{Digest: access.DigestConfig{Algorithms: []string{"SHA-512"}}}, "digest.algorithms[0]"},
		{"digest algorithm twice", access.Config{Digest: access.DigestConfig{Algorithms: []string{"MD5", "MD5"}}}, "digest.algorithms[1]"},
		{"negative nonce lifetime", access.Config{Digest: access.DigestConfig{NonceLifetime: -1}}, "digest.nonce-lifetime"},
		{"nonce lifetime over a day", access.Config{Digest: access.DigestConfig{NonceLifetime: 86401}}, "digest.nonce-lifetime"},
		{"role with unknown client", access.Config{Clients: []access.Client{good}, Roles: []access.Role{{Name: "r", Clients: []string{"b"}}}}, "roles[0].clients[0]"},
		{"role defined twice", access.Config{Roles: []access.Role{{Name: "r"}, {Name: "r"}}}, "roles[1].role-name"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			var fe *access.FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("Validate = %v, want a FieldError", err)
			}
			if fe.Field != tc.field {
				t.Errorf("field = %q, want %q (error %v)", fe.Field, tc.field, err)
			}
		})
	}
}

// fixture is a policy with one client of each method and the files and
// certificates it needs.
type fixture struct {
	policy            *access.Policy
	caClient, pinned  tls.Certificate
	stranger, wrongCN tls.Certificate
}

func newFixture(t testing.TB) fixture {
	t.Helper()
	ca := testcert.NewCA(t, "client CA")
	otherCA := testcert.NewCA(t, "other CA")
	f := fixture{
		caClient: testcert.Issue(t, &ca, "cdn-1"),
		pinned:   testcert.Issue(t, nil, "anything"),
		stranger: testcert.Issue(t, &otherCA, "cdn-1"),
		wrongCN:  testcert.Issue(t, &ca, "cdn-2"),
	}
	files := map[string][]byte{"ca.pem": ca.PEM, "pinned.pem": testcert.PEM(f.pinned)}
	cfg := access.Config{
		Clients: []access.Client{
			{ID: "alice", Method: access.MethodBasic, PasswordHash: passwordHash(t, "wonderland")},
			{ID: "partner", Method: access.MethodBearer, TokenHash: tokenHash("t0ken")},
			{ID: "cdn-1", Method: access.MethodCertificate, CACert: "ca.pem"},
			{ID: "probe", Method: access.MethodCertificate, EECert: "pinned.pem"},
			{ID: "dave", Method: access.MethodDigest, HA1SHA256: strings.Repeat("ab", 32), HA1MD5: strings.Repeat("cd", 16)},
		},
		Roles: []access.Role{
			{Name: "internal", Clients: []string{"alice", "cdn-1"}},
			{Name: "external", Clients: []string{"partner", "alice"}},
		},
	}
	p, err := access.Compile(cfg, func(name string) ([]byte, error) {
		if b, ok := files[name]; ok {
			return b, nil
		}
		return nil, os.ErrNotExist
	})
	if err != nil {
		t.Fatal(err)
	}
	f.policy = p
	return f
}

func TestAuthenticate(t *testing.T) {
	f := newFixture(t)
	basic := func(user, pass string) string {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
	}
	tests := []struct {
		name      string
		auth      string
		cert      *tls.Certificate
		wantID    string
		wantRoles []string
		wantErr   bool
	}{
		{name: "anonymous"},
		{name: "basic", auth: basic("alice", "wonderland"), wantID: "alice", wantRoles: []string{"external", "internal"}},
		{name: "basic again from cache", auth: basic("alice", "wonderland"), wantID: "alice", wantRoles: []string{"external", "internal"}},
		{name: "basic wrong password", auth: basic("alice", "Wonderland"), wantErr: true},
		{name: "basic unknown user", auth: basic("bob", "wonderland"), wantErr: true},
		{name: "basic malformed", auth: "Basic %%%", wantErr: true},
		{name: "bearer", auth: "Bearer t0ken", wantID: "partner", wantRoles: []string{"external"}},
		{name: "bearer wrong token", auth: "Bearer t0ken2", wantErr: true},
		{name: "bearer empty", auth: "Bearer ", wantErr: true},
		{name: "unknown scheme", auth: "Digest x", wantErr: true},
		{name: "certificate from CA", cert: &f.caClient, wantID: "cdn-1", wantRoles: []string{"internal"}},
		{name: "pinned certificate", cert: &f.pinned, wantID: "probe"},
		{name: "certificate from other CA", cert: &f.stranger},
		{name: "certificate for other name", cert: &f.wrongCN},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// httptest sets r.TLS for an https URL, as Basic and bearer
			// credentials are accepted over TLS only.
			r := httptest.NewRequest(http.MethodGet, "https://127.0.0.1/directory", nil)
			if tc.auth != "" {
				r.Header.Set("Authorization", tc.auth)
			}
			if tc.cert != nil {
				r.TLS = &tls.ConnectionState{PeerCertificates: []*x509.Certificate{tc.cert.Leaf}}
			}
			// The second pass answers from the certificate cache.
			for range 2 {
				checkIdentity(t, f.policy, r, tc.wantErr, tc.wantID, tc.wantRoles)
			}
		})
	}
}

// checkIdentity authenticates r and compares the result.
func checkIdentity(t *testing.T, p *access.Policy, r *http.Request, wantErr bool, wantID string, wantRoles []string) {
	t.Helper()
	id, err := p.Authenticate(r)
	if wantErr {
		if !errors.Is(err, access.ErrBadCredentials) {
			t.Fatalf("err = %v, want ErrBadCredentials", err)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if id.ClientID != wantID {
		t.Errorf("client = %q, want %q", id.ClientID, wantID)
	}
	if !slices.Equal(id.Roles, wantRoles) {
		t.Errorf("roles = %v, want %v", id.Roles, wantRoles)
	}
}

func TestAllowed(t *testing.T) {
	tests := []struct {
		name            string
		roles, accepted []string
		want            bool
	}{
		{"public to anonymous", nil, nil, true},
		{"restricted to anonymous", nil, []string{"internal"}, false},
		{"shared role", []string{"external", "internal"}, []string{"internal"}, true},
		{"no shared role", []string{"external"}, []string{"internal"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := access.Allowed(tc.roles, tc.accepted); got != tc.want {
				t.Errorf("Allowed(%v, %v) = %v, want %v", tc.roles, tc.accepted, got, tc.want)
			}
		})
	}
}

func TestRoleSetsAndChallenges(t *testing.T) {
	f := newFixture(t)
	var keys []string
	for _, rs := range f.policy.RoleSets() {
		keys = append(keys, strings.Join(rs, ","))
	}
	want := []string{"", "external,internal", "external", "internal"}
	if !slices.Equal(keys, want) {
		t.Errorf("role sets = %q, want %q", keys, want)
	}
	ch := f.policy.Challenges(httptest.NewRequest(http.MethodGet, "https://127.0.0.1/directory", nil), false)
	// The request came over TLS, so Digest is offered first.
	if len(ch) != 4 || !strings.HasPrefix(ch[0], `Digest realm="ALTO"`) || !strings.HasPrefix(ch[1], `Digest realm="ALTO"`) ||
		!strings.HasPrefix(ch[2], `Basic realm="ALTO"`) || ch[3] != `Bearer realm="ALTO"` {
		t.Errorf("challenges = %q, want two Digest, then Basic and Bearer", ch)
	}
}

func TestCompileBadFiles(t *testing.T) {
	tests := []struct {
		name  string
		data  []byte
		field string
	}{
		{"missing file", nil, "auth-clients[0].ca-cert"},
		{"not PEM", []byte("hello"), "auth-clients[0].ca-cert"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := access.Config{Clients: []access.Client{{ID: "c", Method: access.MethodCertificate, CACert: "ca.pem"}}}
			_, err := access.Compile(cfg, func(string) ([]byte, error) {
				if tc.data == nil {
					return nil, os.ErrNotExist
				}
				return tc.data, nil
			})
			var fe *access.FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field {
				t.Fatalf("Compile = %v, want a FieldError on %s", err, tc.field)
			}
		})
	}
}

func TestPlainHTTPCredentials(t *testing.T) {
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("alice:wonderland"))
	tests := []struct {
		name           string
		allow          bool
		auth           string
		wantErr        error
		wantChallenges int
	}{
		{"basic refused", false, basic, access.ErrCredentialsNeedTLS, 0},
		{"bearer refused", false, "Bearer t0ken", access.ErrCredentialsNeedTLS, 0},
		{"basic allowed", true, basic, nil, 2},
		{"bearer allowed", true, "Bearer t0ken", nil, 2},
		{"wrong token allowed", true, "Bearer wrong", access.ErrBadCredentials, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := access.Config{
				AllowPlainHTTP: tc.allow,
				Clients: []access.Client{
					{ID: "alice", Method: access.MethodBasic, PasswordHash: passwordHash(t, "wonderland")},
					{ID: "partner", Method: access.MethodBearer, TokenHash: tokenHash("t0ken")},
				},
			}
			p, err := access.Compile(cfg, os.ReadFile)
			if err != nil {
				t.Fatal(err)
			}
			r := httptest.NewRequest(http.MethodGet, "http://127.0.0.1/directory", nil)
			r.Header.Set("Authorization", tc.auth)
			if _, err := p.Authenticate(r); !errors.Is(err, tc.wantErr) || (tc.wantErr == nil) != (err == nil) {
				t.Errorf("Authenticate = %v, want %v", err, tc.wantErr)
			}
			if got := len(p.Challenges(r, false)); got != tc.wantChallenges {
				t.Errorf("%d challenges over plain HTTP, want %d", got, tc.wantChallenges)
			}
			if got := p.RejectsPlainHTTP(r); got != !tc.allow {
				t.Errorf("RejectsPlainHTTP = %v, want %v", got, !tc.allow)
			}
		})
	}
}
