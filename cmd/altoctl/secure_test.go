package main

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
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

// startManagedTLS starts a daemon of the built-in network, which runs
// from a network definition and so has no ietf-alto configuration, with
// RESTCONF over TLS on its management listener. It returns the
// management base URL, the CA file of its certificate and the token of
// a reader.
func startManagedTLS(t *testing.T) (mgmt, caFile, token string) {
	t.Helper()
	token = "mgmt-reader-token"
	cert := testcert.New(t, "altod management")
	pair, err := tls.LoadX509KeyPair(cert.CertFile, cert.KeyFile)
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	stats := altostats.New(altostats.Config{})
	sum := sha256.Sum256([]byte(token))
	rc := restconf.New(restconf.Config{State: stats, Logger: logger, Operators: []restconf.Operator{
		{Name: "reader", TokenSHA256: hex.EncodeToString(sum[:]), Role: restconf.RoleRead},
	}})
	handlers := map[string]http.Handler{}
	for _, p := range restconf.Patterns() {
		handlers[p] = rc
	}
	d, err := daemon.Start(daemon.Config{
		Listen: "127.0.0.1:0", ManagementListen: "127.0.0.1:0", ReloadInterval: -1, Logger: logger,
		Stats: stats, ManagementHandlers: handlers, ManagementTLS: &tls.Config{Certificates: []tls.Certificate{pair}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Shutdown(context.Background()) })
	return "https://" + d.ManagementAddr().String(), cert.CertFile, token
}

func TestRESTCONFOverTLS(t *testing.T) {
	mgmt, caFile, token := startManagedTLS(t)
	env := map[string]string{tokenEnv: token}
	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     string
	}{
		{"stats with the CA", []string{"--ca-file", caFile, "stats", "--management", mgmt}, 0, ""},
		{"stats without the CA", []string{"stats", "--management", mgmt}, exitFailure, "give the CA that signed it with --ca-file"},
		{"config get of a network definition", []string{"--ca-file", caFile, "config", "get", "--management", mgmt}, exitFailure, "altod runs from a network definition, not from an ietf-alto configuration"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := runCLI(t, env, tc.args...)
			if res.code != tc.wantCode {
				t.Errorf("exit %d, want %d; stderr %q", res.code, tc.wantCode, res.stderr)
			}
			if !strings.Contains(res.stderr, tc.want) {
				t.Errorf("stderr %q lacks %q", res.stderr, tc.want)
			}
		})
	}
}
