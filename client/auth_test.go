package client_test

import (
	"context"
	"crypto/x509"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/client"
	"github.com/goalto/goalto/internal/alttest"
)

// listsResource reports whether the directory that c reads lists id.
func listsResource(t *testing.T, c *client.Client, id string) bool {
	t.Helper()
	resources, err := c.Resources(context.Background())
	if err != nil {
		t.Fatalf("Resources: %v", err)
	}
	for _, r := range resources {
		if r.ID == id {
			return true
		}
	}
	return false
}

// withUserinfo returns rawURL with user and password as user information.
func withUserinfo(t *testing.T, rawURL, user, password string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(user, password)
	return u.String()
}

func TestAuthMethods(t *testing.T) {
	s := alttest.StartSecured(t)
	caOnly, err := client.LoadTLSConfig(client.TLSFiles{CAFile: s.CAFile})
	if err != nil {
		t.Fatal(err)
	}
	withCert, err := client.LoadTLSConfig(client.TLSFiles{CAFile: s.CAFile, CertFile: s.CertFile, KeyFile: s.KeyFile})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name           string
		url            string
		opts           []client.Option
		wantRestricted bool
	}{
		{"anonymous", s.URL, []client.Option{client.WithTLSConfig(caOnly)}, false},
		{"basic option", s.URL, []client.Option{client.WithTLSConfig(caOnly), client.WithBasicAuth(s.User, s.Password)}, true},
		{"basic in URL", withUserinfo(t, s.URL, s.User, s.Password), []client.Option{client.WithTLSConfig(caOnly)}, true},
		{"bearer token", s.URL, []client.Option{client.WithTLSConfig(caOnly), client.WithBearerToken(s.Token)}, true},
		{"client certificate", s.URL, []client.Option{client.WithTLSConfig(withCert)}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := client.New(tc.url, tc.opts...)
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			defer c.Close()
			if got := listsResource(t, c, s.RestrictedID); got != tc.wantRestricted {
				t.Errorf("directory lists %s: %v, want %v", s.RestrictedID, got, tc.wantRestricted)
			}
			if !tc.wantRestricted {
				return
			}
			r, err := c.Resource(context.Background(), s.RestrictedID)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.Get(context.Background(), r); err != nil {
				t.Errorf("GET %s: %v", s.RestrictedID, err)
			}
		})
	}
}

func TestAuthWrongCredentials(t *testing.T) {
	s := alttest.StartSecured(t)
	tlsConfig, err := client.LoadTLSConfig(client.TLSFiles{CAFile: s.CAFile})
	if err != nil {
		t.Fatal(err)
	}
	const wrong = "wrong-pw-31337"
	tests := []struct {
		name string
		url  string
		opt  client.Option
	}{
		{"basic option", s.URL, client.WithBasicAuth(s.User, wrong)},
		{"basic in URL", withUserinfo(t, s.URL, s.User, wrong), client.WithUserAgent("test")},
		{"bearer token", s.URL, client.WithBearerToken(wrong)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := client.New(tc.url, client.WithTLSConfig(tlsConfig), tc.opt)
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			defer c.Close()
			_, err = c.Directory(context.Background())
			var httpErr *client.HTTPError
			if !errors.As(err, &httpErr) || httpErr.StatusCode != http.StatusUnauthorized {
				t.Fatalf("Directory: %v, want an HTTPError with status 401", err)
			}
			if strings.Contains(err.Error(), wrong) {
				t.Errorf("error %q contains the password", err)
			}
		})
	}
}

func TestAuthPrivateCA(t *testing.T) {
	s := alttest.StartSecured(t)
	c, err := client.New(s.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.Directory(context.Background())
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) {
		t.Errorf("Directory without the CA: %v, want x509.UnknownAuthorityError", err)
	}
}

func TestUserinfoRemovedFromURLs(t *testing.T) {
	s := alttest.StartSecured(t)
	tlsConfig, err := client.LoadTLSConfig(client.TLSFiles{CAFile: s.CAFile})
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.New(withUserinfo(t, s.URL, s.User, s.Password), client.WithTLSConfig(tlsConfig))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if got := c.IRDURL(); got != s.URL {
		t.Errorf("IRDURL() = %q, want %q", got, s.URL)
	}
	resources, err := c.Resources(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range resources {
		if strings.Contains(r.URI, s.Password) || strings.Contains(r.URI, "@") {
			t.Errorf("resource %s has URI %q with user information", r.ID, r.URI)
		}
	}
	_, err = c.Resource(context.Background(), "no-such-resource")
	if err == nil || strings.Contains(err.Error(), s.Password) {
		t.Errorf("Resource of an unknown ID: %v, want an error without the password", err)
	}
}

// authRecorder is an HTTP handler that records the Authorization header
// of each request by path.
type authRecorder struct {
	mu   sync.Mutex
	seen map[string]string
	next http.Handler
}

func (h *authRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.mu.Lock()
	h.seen[r.URL.Path] = r.Header.Get("Authorization")
	h.mu.Unlock()
	h.next.ServeHTTP(w, r)
}

func (h *authRecorder) get(path string) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.seen[path]
}

func TestAuthOnlyToIRDOrigin(t *testing.T) {
	other := &authRecorder{seen: map[string]string{}, next: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", alto.MediaTypeDirectory)
		w.Write([]byte(`{"meta": {}, "resources": {}}`))
	})}
	otherServer := httptest.NewServer(other)
	defer otherServer.Close()
	irdBody := `{"meta": {}, "resources": {"secondary": {"uri": "` + otherServer.URL + `/directory", "media-type": "` + alto.MediaTypeDirectory + `"}}}`
	home := &authRecorder{seen: map[string]string{}, next: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", alto.MediaTypeDirectory)
		w.Write([]byte(irdBody))
	})}
	homeServer := httptest.NewServer(home)
	defer homeServer.Close()

	c, err := client.New(homeServer.URL+"/directory", client.WithBearerToken("abc-123"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Resources(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := home.get("/directory"); got != "Bearer abc-123" {
		t.Errorf("Authorization at the IRD's server = %q, want the token", got)
	}
	if got := other.get("/directory"); got != "" {
		t.Errorf("Authorization at another server = %q, want none", got)
	}
}

func TestDigestOnlyToIRDOrigin(t *testing.T) {
	directory := func(body string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// A server that challenges every request without a Digest
			// response, as one that wants to collect responses would.
			if !strings.Contains(r.Header.Get("Authorization"), "response=") {
				w.Header().Set("WWW-Authenticate", `Digest realm="x", qop="auth", algorithm=SHA-256, nonce="n"`)
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			w.Header().Set("Content-Type", alto.MediaTypeDirectory)
			w.Write([]byte(body))
		})
	}
	other := &authRecorder{seen: map[string]string{}, next: directory(`{"meta": {}, "resources": {}}`)}
	otherServer := httptest.NewServer(other)
	defer otherServer.Close()
	irdBody := `{"meta": {}, "resources": {"secondary": {"uri": "` + otherServer.URL + `/directory", "media-type": "` + alto.MediaTypeDirectory + `"}}}`
	home := &authRecorder{seen: map[string]string{}, next: directory(irdBody)}
	homeServer := httptest.NewServer(home)
	defer homeServer.Close()

	c, err := client.New(homeServer.URL+"/directory", client.WithDigestAuth("alice", "secret"))
	if err != nil {
		t.Fatal(err)
	}
	// The secondary directory returns 401 to the client, so Resources
	// may fail, but both servers have seen their requests by then.
	c.Resources(context.Background())
	if got := home.get("/directory"); !strings.Contains(got, "response=") {
		t.Errorf("Authorization at the IRD's server = %q, want Digest credentials", got)
	}
	if got := other.get("/directory"); got != "" {
		t.Errorf("Authorization at another server = %q, want none", got)
	}
}

func TestAuthOptionErrors(t *testing.T) {
	const server = "https://127.0.0.1:1/directory"
	tests := []struct {
		name string
		url  string
		opts []client.Option
		want string
	}{
		{"basic and bearer", server, []client.Option{client.WithBasicAuth("a", "b"), client.WithBearerToken("t")}, "more than one"},
		{"URL and basic", "https://a:b@127.0.0.1:1/directory", []client.Option{client.WithBasicAuth("a", "b")}, "more than one"},
		{"basic and digest", server, []client.Option{client.WithBasicAuth("a", "b"), client.WithDigestAuth("a", "b")}, "more than one"},
		{"empty user", server, []client.Option{client.WithBasicAuth("", "b")}, "empty user name"},
		{"colon in user", server, []client.Option{client.WithBasicAuth("a:b", "c")}, "colon"},
		{"newline in password", server, []client.Option{client.WithBasicAuth("a", "b\nc")}, "control character"},
		{"empty token", server, []client.Option{client.WithBearerToken("")}, "empty token"},
		{"space in token", server, []client.Option{client.WithBearerToken("a b")}, "invalid character"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := client.New(tc.url, tc.opts...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("New: %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

func TestInvalidURLErrorRedacted(t *testing.T) {
	_, err := client.New("https://alice:s3cret%zz@127.0.0.1/directory")
	if err == nil {
		t.Fatal("New accepted an invalid URL")
	}
	if strings.Contains(err.Error(), "s3cret") {
		t.Errorf("error %q contains the password", err)
	}
}

func TestRedactURL(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"no user information", "https://127.0.0.1:8443/directory", "https://127.0.0.1:8443/directory"},
		{"user and password", "https://alice:pw@127.0.0.1:8443/directory?x=1", "https://127.0.0.1:8443/directory?x=1"},
		{"user only", "http://alice@[::1]/directory", "http://[::1]/directory"},
		{"escaped password", "https://alice:p%40ss@host/d", "https://host/d"},
		{"malformed with password", "https://alice:p%zz@host/d", "https://host/d"},
		{"malformed with slash in password", "https://alice:a/b%zz@host/d", "https://host/d"},
		{"not a URL", "server.example", "server.example"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := client.RedactURL(tc.in); got != tc.want {
				t.Errorf("RedactURL(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestLoadTLSConfigErrors(t *testing.T) {
	s := alttest.StartSecured(t)
	tests := []struct {
		name  string
		files client.TLSFiles
		want  string
	}{
		{"missing CA file", client.TLSFiles{CAFile: "/nonexistent/ca.pem"}, "reading the CA file"},
		{"CA file without PEM", client.TLSFiles{CAFile: s.KeyFile}, "no PEM certificate"},
		{"certificate without key", client.TLSFiles{CertFile: s.CertFile}, "both a certificate file and a key file"},
		{"key that does not match", client.TLSFiles{CertFile: s.CAFile, KeyFile: s.KeyFile}, "loading the client certificate"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := client.LoadTLSConfig(tc.files)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("LoadTLSConfig: %v, want an error containing %q", err, tc.want)
			}
		})
	}
}
