package main

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goalto/goalto/internal/altostats"
	"github.com/goalto/goalto/internal/alttest"
	"github.com/goalto/goalto/internal/daemon"
	"github.com/goalto/goalto/internal/restconf"
	"github.com/goalto/goalto/internal/testcert"
)

// writeSecret writes a password or token file with a final newline.
func writeSecret(t *testing.T, secret string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(path, []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// userinfoURL returns rawURL with a user name and password.
func userinfoURL(t *testing.T, rawURL, user, password string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(user, password)
	return u.String()
}

func TestSecuredServerMethods(t *testing.T) {
	s := alttest.StartSecured(t)
	tests := []struct {
		name           string
		env            map[string]string
		args           []string
		wantRestricted bool
	}{
		{"anonymous", nil, []string{"--server", s.URL}, false},
		{"basic password from environment", map[string]string{passwordEnv: s.Password}, []string{"--server", s.URL, "--user", s.User}, true},
		{"basic password from file", nil, []string{"--server", s.URL, "--user", s.User, "--password-file", writeSecret(t, s.Password)}, true},
		{"basic in server URL", nil, []string{"--server", userinfoURL(t, s.URL, s.User, s.Password)}, true},
		{"bearer token from file", nil, []string{"--server", s.URL, "--bearer-token-file", writeSecret(t, s.Token)}, true},
		{"bearer token from environment", map[string]string{bearerTokenEnv: s.Token}, []string{"--server", s.URL}, true},
		{"client certificate", nil, []string{"--server", s.URL, "--cert-file", s.CertFile, "--key-file", s.KeyFile}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"--ca-file", s.CAFile}, tc.args...)
			res := runCLI(t, tc.env, append(args, "ird")...)
			if res.code != 0 {
				t.Fatalf("ird: exit %d, stderr %q", res.code, res.stderr)
			}
			if got := strings.Contains(res.stdout, s.RestrictedID); got != tc.wantRestricted {
				t.Errorf("ird lists %s: %v, want %v\n%s", s.RestrictedID, got, tc.wantRestricted, res.stdout)
			}
			if !tc.wantRestricted {
				return
			}
			res = runCLI(t, tc.env, append(args, "costmap", "--resource", s.RestrictedID)...)
			if res.code != 0 || !strings.Contains(res.stdout, "10") {
				t.Errorf("costmap: exit %d, stdout %q, stderr %q; want the cost 10", res.code, res.stdout, res.stderr)
			}
		})
	}
}

func TestSecuredServerWrongCredentials(t *testing.T) {
	s := alttest.StartSecured(t)
	const wrong = "wrong-pw-90210"
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"basic with --user", map[string]string{passwordEnv: wrong}, []string{"--server", s.URL, "--user", s.User}, `rejected the basic credentials of user "alice"`},
		{"basic in server URL", nil, []string{"--server", userinfoURL(t, s.URL, s.User, wrong)}, `rejected the basic credentials of user "alice"`},
		{"unknown user", map[string]string{passwordEnv: wrong}, []string{"--server", s.URL, "--user", "mallory"}, `user "mallory"`},
		{"bearer token", nil, []string{"--server", s.URL, "--bearer-token-file", writeSecret(t, wrong)}, "rejected the bearer token"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := runCLI(t, tc.env, append([]string{"--ca-file", s.CAFile}, append(tc.args, "ird")...)...)
			if res.code != exitFailure {
				t.Errorf("exit %d, want %d", res.code, exitFailure)
			}
			if !strings.Contains(res.stderr, tc.want) || !strings.Contains(res.stderr, "401") {
				t.Errorf("stderr %q lacks %q and the status 401", res.stderr, tc.want)
			}
			if strings.Contains(res.stdout+res.stderr, wrong) {
				t.Errorf("output contains the password: stdout %q, stderr %q", res.stdout, res.stderr)
			}
		})
	}
}

func TestSecuredServerPrivateCA(t *testing.T) {
	s := alttest.StartSecured(t)
	res := runCLI(t, nil, "--server", s.URL, "ird")
	if res.code != exitFailure {
		t.Errorf("without --ca-file: exit %d, want %d", res.code, exitFailure)
	}
	if !strings.Contains(res.stderr, "give the CA that signed it with --ca-file") {
		t.Errorf("without --ca-file: stderr %q does not suggest --ca-file", res.stderr)
	}
	res = runCLI(t, nil, "--server", s.URL, "--ca-file", s.CAFile, "ird")
	if res.code != 0 || !strings.Contains(res.stdout, s.PublicID) {
		t.Errorf("with --ca-file: exit %d, stdout %q, stderr %q", res.code, res.stdout, res.stderr)
	}
}

// TestSecuredServerPasswordNotPrinted runs commands that print URLs,
// sources and errors with the password in --server, and in the map URLs
// of lint and diff, and looks for it in their output.
func TestSecuredServerPasswordNotPrinted(t *testing.T) {
	s := alttest.StartSecured(t)
	server := userinfoURL(t, s.URL, s.User, s.Password)
	networkMap := userinfoURL(t, strings.TrimSuffix(s.URL, "/directory")+"/networkmap", s.User, s.Password)
	missing := userinfoURL(t, strings.TrimSuffix(s.URL, "/directory")+"/no-such-map", s.User, s.Password)
	tests := []struct {
		name     string
		args     []string
		wantCode int
	}{
		{"ird table", []string{"ird"}, 0},
		{"ird JSON", []string{"--json", "ird"}, 0},
		{"unknown resource", []string{"networkmap", "--resource", "no-such-map"}, exitFailure},
		{"lint of a map URL", []string{"lint", "--network-map", networkMap}, 0},
		{"diff of map URLs", []string{"diff", networkMap, networkMap}, 0},
		{"diff of a missing map", []string{"diff", networkMap, missing}, exitFailure},
		{"check", []string{"check", "--only", "ird.", server}, 0},
		{"check JSON report", []string{"--json", "check", "--only", "ird.", server}, 0},
		{"malformed server URL", []string{"--server", "https://alice:" + s.Password + "%zz@127.0.0.1/directory", "ird"}, exitUsage},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := runCLI(t, nil, append([]string{"--ca-file", s.CAFile, "--server", server}, tc.args...)...)
			if res.code != tc.wantCode {
				t.Errorf("exit %d, want %d; stderr %q", res.code, tc.wantCode, res.stderr)
			}
			if res.stdout+res.stderr == "" {
				t.Error("no output")
			}
			if strings.Contains(res.stdout+res.stderr, s.Password) {
				t.Errorf("output contains the password: stdout %q, stderr %q", res.stdout, res.stderr)
			}
		})
	}
}

func TestAuthFlagErrors(t *testing.T) {
	s := alttest.StartSecured(t)
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"user without password", nil, []string{"--user", "alice"}, "--user alice needs a password"},
		{"password file without user", nil, []string{"--password-file", writeSecret(t, "pw")}, "--password-file needs --user"},
		{"missing password file", nil, []string{"--user", "alice", "--password-file", "/nonexistent/pw"}, "reading --password-file"},
		{"empty password file", nil, []string{"--user", "alice", "--password-file", writeSecret(t, "")}, "first line is empty"},
		{"unknown method", map[string]string{passwordEnv: "pw"}, []string{"--user", "alice", "--auth", "ntlm"}, `invalid --auth "ntlm"`},
		{"user and token", map[string]string{passwordEnv: "pw"}, []string{"--user", "alice", "--bearer-token-file", writeSecret(t, "t")}, "not both"},
		{"user twice", nil, []string{"--server", userinfoURL(t, s.URL, "alice", "pw"), "--user", "bob"}, "--server has a user name and --user is set"},
		{"certificate without key", nil, []string{"--cert-file", s.CertFile}, "--cert-file needs --key-file"},
		{"missing CA file", nil, []string{"--ca-file", "/nonexistent/ca.pem"}, "invalid --ca-file"},
		{"token with a space", nil, []string{"--bearer-token-file", writeSecret(t, "a b")}, "invalid character"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := runCLI(t, tc.env, append(append([]string{"--server", s.URL}, tc.args...), "ird")...)
			if res.code != exitUsage {
				t.Errorf("exit %d, want %d", res.code, exitUsage)
			}
			if !strings.Contains(res.stderr, tc.want) {
				t.Errorf("stderr %q lacks %q", res.stderr, tc.want)
			}
		})
	}
}

// managedTLS is a daemon whose management listener serves RESTCONF
// over TLS to a reader with a token and to one with a client
// certificate.
type managedTLS struct {
	mgmt              string // base URL of the management listener
	caFile            string // the CA of the listener's certificate
	token             string // of the token reader
	certFile, keyFile string // of the certificate reader
}

// startManagedTLS starts a daemon of the built-in network, which runs
// from a network definition and so has no ietf-alto configuration, with
// RESTCONF over TLS on its management listener.
func startManagedTLS(t *testing.T) *managedTLS {
	t.Helper()
	m := &managedTLS{token: "mgmt-reader-token"}
	cert := testcert.New(t, "altod management")
	m.caFile = cert.CertFile
	pair, err := tls.LoadX509KeyPair(cert.CertFile, cert.KeyFile)
	if err != nil {
		t.Fatal(err)
	}
	operatorCA := testcert.NewCA(t, "operators CA")
	operator := testcert.Issue(t, &operatorCA, "noc")
	m.certFile, m.keyFile = writeCertificate(t, operator)
	clientCAs := x509.NewCertPool()
	clientCAs.AddCert(operatorCA.Cert)

	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	stats := altostats.New(altostats.Config{})
	tokenSum := sha256.Sum256([]byte(m.token))
	certSum := sha256.Sum256(operator.Certificate[0])
	rc := restconf.New(restconf.Config{State: stats, Logger: logger, Operators: []restconf.Operator{
		{Name: "reader", TokenSHA256: hex.EncodeToString(tokenSum[:]), Role: restconf.RoleRead},
		{Name: "noc", CertSHA256: hex.EncodeToString(certSum[:]), Role: restconf.RoleRead},
	}})
	handlers := map[string]http.Handler{}
	for _, p := range restconf.Patterns() {
		handlers[p] = rc
	}
	mgmtTLS := &tls.Config{Certificates: []tls.Certificate{pair}, ClientAuth: tls.VerifyClientCertIfGiven, ClientCAs: clientCAs}
	d, err := daemon.Start(daemon.Config{
		Listen: "127.0.0.1:0", ManagementListen: "127.0.0.1:0", ReloadInterval: -1, Logger: logger,
		Stats: stats, ManagementHandlers: handlers, ManagementTLS: mgmtTLS,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Shutdown(context.Background()) })
	m.mgmt = "https://" + d.ManagementAddr().String()
	return m
}

// writeCertificate writes a certificate that testcert.Issue made and
// its key to PEM files.
func writeCertificate(t *testing.T, cert tls.Certificate) (certFile, keyFile string) {
	t.Helper()
	dir := t.TempDir()
	keyPEM, err := testcert.KeyPEM(cert)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "client.pem"), filepath.Join(dir, "client.key")
	if err := os.WriteFile(certFile, testcert.PEM(cert), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

func TestRESTCONFOverTLS(t *testing.T) {
	m := startManagedTLS(t)
	withToken := map[string]string{tokenEnv: m.token}
	tests := []struct {
		name     string
		env      map[string]string
		args     []string
		wantCode int
		want     string
	}{
		{"token with the CA", withToken, []string{"--ca-file", m.caFile, "stats", "--management", m.mgmt}, 0, ""},
		{"client certificate", nil, []string{"--ca-file", m.caFile, "--cert-file", m.certFile, "--key-file", m.keyFile, "stats", "--management", m.mgmt}, 0, ""},
		{"no credentials", nil, []string{"--ca-file", m.caFile, "stats", "--management", m.mgmt}, exitFailure, "access-denied"},
		{"without the CA", withToken, []string{"stats", "--management", m.mgmt}, exitFailure, "give the CA that signed it with --ca-file"},
		{"config get of a network definition", withToken, []string{"--ca-file", m.caFile, "config", "get", "--management", m.mgmt}, exitFailure, "altod runs from a network definition, not from an ietf-alto configuration"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := runCLI(t, tc.env, tc.args...)
			if res.code != tc.wantCode {
				t.Errorf("exit %d, want %d; stderr %q", res.code, tc.wantCode, res.stderr)
			}
			if !strings.Contains(res.stderr, tc.want) {
				t.Errorf("stderr %q lacks %q", res.stderr, tc.want)
			}
			if tc.wantCode == 0 && !strings.Contains(res.stdout, "requests") {
				t.Errorf("stdout %q lacks the request counters", res.stdout)
			}
		})
	}
}

func TestAuthenticationStatusHints(t *testing.T) {
	tests := []struct {
		name   string
		status int
		env    map[string]string
		args   []string
		want   string
	}{
		{"401 without credentials", http.StatusUnauthorized, nil, nil, "the server requires authentication: give --user"},
		{"401 with a token", http.StatusUnauthorized, map[string]string{bearerTokenEnv: "abc"}, nil, "the server rejected the bearer token"},
		{"403", http.StatusForbidden, nil, nil, "access denied: the server's access rules do not let this client read the resource"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("WWW-Authenticate", `Basic realm="ALTO"`)
				http.Error(w, http.StatusText(tc.status), tc.status)
			}))
			defer srv.Close()
			res := runCLI(t, tc.env, append([]string{"--server", srv.URL + "/directory", "ird"}, tc.args...)...)
			if res.code != exitFailure {
				t.Errorf("exit %d, want %d", res.code, exitFailure)
			}
			if !strings.Contains(res.stderr, tc.want) {
				t.Errorf("stderr %q lacks %q", res.stderr, tc.want)
			}
		})
	}
}

func TestClientCertificateHints(t *testing.T) {
	trusted := testcert.NewCA(t, "trusted client CA")
	other := testcert.NewCA(t, "other client CA")
	certFile, keyFile := writeCertificate(t, testcert.Issue(t, &other, "cdn-1"))
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no certificate", nil, "the server requires a TLS client certificate from a CA that it trusts: give --cert-file and --key-file"},
		{"certificate of another CA", []string{"--cert-file", certFile, "--key-file", keyFile}, "the server requires a TLS client certificate from a CA that it trusts"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewUnstartedServer(http.NotFoundHandler())
			srv.Config.ErrorLog = log.New(io.Discard, "", 0)
			pool := x509.NewCertPool()
			pool.AddCert(trusted.Cert)
			srv.TLS = &tls.Config{ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: pool}
			srv.StartTLS()
			defer srv.Close()
			caFile := filepath.Join(t.TempDir(), "ca.pem")
			if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
				t.Fatal(err)
			}
			res := runCLI(t, nil, append([]string{"--server", srv.URL + "/directory", "--ca-file", caFile, "ird"}, tc.args...)...)
			if res.code != exitFailure {
				t.Errorf("exit %d, want %d", res.code, exitFailure)
			}
			if !strings.Contains(res.stderr, tc.want) {
				t.Errorf("stderr %q lacks %q", res.stderr, tc.want)
			}
		})
	}
}

// TestArgumentPasswordNotPrinted gives URLs with a password where
// altoctl takes none, so that the password reaches only the usage error.
func TestArgumentPasswordNotPrinted(t *testing.T) {
	const password = "arg-secret-9"
	mapURL := "https://alice:" + password + "@127.0.0.1:18443/networkmap"
	tests := []struct {
		name string
		args []string
	}{
		{"ird argument", []string{"ird", mapURL}},
		{"lint argument", []string{"lint", mapURL}},
		{"quoted argument", []string{"ird", `"` + mapURL + `"`}},
		{"password with slash", []string{"ird", "https://alice:" + password + "/x@127.0.0.1/networkmap"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := runCLI(t, nil, tc.args...)
			if res.code != exitUsage {
				t.Errorf("exit %d, want %d; stderr %q", res.code, exitUsage, res.stderr)
			}
			if !strings.Contains(res.stderr, "127.0.0.1") {
				t.Errorf("stderr %q does not name the URL's host", res.stderr)
			}
			if strings.Contains(res.stdout+res.stderr, password) {
				t.Errorf("output contains the password: stdout %q, stderr %q", res.stdout, res.stderr)
			}
		})
	}
}

func TestRedactURLs(t *testing.T) {
	tests := []struct {
		name, message, want string
	}{
		{"no URL", "unknown flag --x", "unknown flag --x"},
		{"URL without user", `GET https://127.0.0.1/directory: HTTP 404`, `GET https://127.0.0.1/directory: HTTP 404`},
		{"quoted URL", `unknown command "https://a:pw@h/x" for "altoctl ird"`, `unknown command "https://h/x" for "altoctl ird"`},
		{"two URLs", `diff http://a:pw@h/1 http://b:pw2@h/2`, `diff http://h/1 http://h/2`},
		{"at sign in password", `"https://a:p@w@h/x"`, `"https://h/x"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := redactURLs(tc.message); got != tc.want {
				t.Errorf("redactURLs(%q) = %q, want %q", tc.message, got, tc.want)
			}
		})
	}
}
