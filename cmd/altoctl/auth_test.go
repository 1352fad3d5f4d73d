package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goalto/goalto/internal/access"
	"github.com/goalto/goalto/internal/alttest"
)

func TestDigestHA1(t *testing.T) {
	// The user, realm and password of RFC 7616, Section 3.9.1; the
	// digests were computed with Python's hashlib.
	const (
		sha = "7987c64c30e25f1b74be53f966b49b90f2808aa92faf9a00262392d7b4794232"
		md  = "3d78807defe7de2157e2b0b6573a855f"
	)
	args := []string{"auth", "digest-ha1", "--user", "Mufasa", "--realm", "http-auth@example.org"}
	tests := []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		{"yaml", "Circle of Life\n", args, "ha1-sha256: " + sha + "\nha1-md5: " + md + "\n"},
		{"no final newline", "Circle of Life", args, "ha1-sha256: " + sha + "\nha1-md5: " + md + "\n"},
		{"json", "Circle of Life\n", append([]string{"--json"}, args...),
			fmt.Sprintf("{\n  \"client-id\": \"Mufasa\",\n  \"ha1-md5\": %q,\n  \"ha1-sha256\": %q,\n  \"realm\": \"http-auth@example.org\"\n}\n", md, sha)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := runWithInput(context.Background(), strings.NewReader(tc.stdin), tc.args...)
			if res.code != 0 {
				t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
			}
			if res.stdout != tc.want {
				t.Errorf("stdout = %q, want %q", res.stdout, tc.want)
			}
		})
	}
}

func TestDigestHA1Usage(t *testing.T) {
	tests := []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		{"missing user", "pw\n", []string{"auth", "digest-ha1"}, "--user is required"},
		{"empty password", "\n", []string{"auth", "digest-ha1", "--user", "a"}, "first line is empty"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := runWithInput(context.Background(), strings.NewReader(tc.stdin), tc.args...)
			if res.code != exitUsage || !strings.Contains(res.stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", res.code, res.stderr, exitUsage, tc.want)
			}
		})
	}
}

// startDigestServer starts altod over plain HTTP, with credentials
// allowed there, and one digest client, dave, in the role that may read the
// numerical cost map.
func startDigestServer(t *testing.T, password string) string {
	t.Helper()
	dir := t.TempDir()
	ha1, err := access.HA1("SHA-256", "dave", access.DefaultRealm, password)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"network.yaml": `network-map: {resource-id: test-network-map, default-pid: default}
topology: topology.yaml
cost-types:
  num-routing: {cost-mode: numerical, cost-metric: routingcost}
access:
  allow-plain-http: true
  auth-clients:
    - {client-id: dave, method: digest, ha1-sha256: "` + ha1 + `"}
  roles:
    - {role-name: internal, clients: [dave]}
resources:
  - {id: test-network-map, type: network-map, path: /networkmap}
  - {id: num-routing-map, type: cost-map, path: /costmap/num, cost-types: [num-routing], accepted-roles: [internal]}
`,
		"topology.yaml": `nodes:
  - {id: a, prefixes: [192.0.2.0/25]}
  - {id: b, prefixes: [192.0.2.128/25]}
links:
  - {from: a, to: b, metric: 10}
`,
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return alttest.Start(t, filepath.Join(dir, "network.yaml"))
}

func TestDigestFlags(t *testing.T) {
	const password = "correct horse"
	url := startDigestServer(t, password)
	passwordFile := filepath.Join(t.TempDir(), "password")
	if err := os.WriteFile(passwordFile, []byte(password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		env         map[string]string
		args        []string
		wantCode    int
		wantCostMap bool
		wantStderr  string
	}{
		{"anonymous", nil, nil, 0, false, ""},
		{"password from environment", map[string]string{passwordEnv: password}, []string{"--user", "dave", "--auth", "digest"}, 0, true, ""},
		{"password from file", nil, []string{"--user", "dave", "--auth", "digest", "--password-file", passwordFile}, 0, true, ""},
		{"deprecated digest-user", map[string]string{passwordEnv: password}, []string{"--digest-user", "dave"}, 0, true, ""},
		{"basic to a digest client", map[string]string{passwordEnv: password}, []string{"--user", "dave"}, exitFailure, false, "401"},
		{"wrong password", map[string]string{passwordEnv: "wrong"}, []string{"--user", "dave", "--auth", "digest"}, exitFailure, false, `rejected the digest credentials of user "dave"`},
		{"no password", nil, []string{"--user", "dave", "--auth", "digest"}, exitUsage, false, "needs a password"},
		{"password file without user", nil, []string{"--password-file", passwordFile}, exitUsage, false, "needs --user"},
		{"missing password file", nil, []string{"--user", "dave", "--auth", "digest", "--password-file", "/nonexistent"}, exitUsage, false, "--password-file"},
		{"digest-user and user", map[string]string{passwordEnv: password}, []string{"--user", "dave", "--digest-user", "dave"}, exitUsage, false, "not both"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := runCLI(t, tc.env, append([]string{"--server", url, "ird"}, tc.args...)...)
			if res.code != tc.wantCode {
				t.Fatalf("exit %d, want %d; stderr %q", res.code, tc.wantCode, res.stderr)
			}
			if !strings.Contains(res.stderr, tc.wantStderr) {
				t.Errorf("stderr %q lacks %q", res.stderr, tc.wantStderr)
			}
			if got := strings.Contains(res.stdout, "num-routing-map"); got != tc.wantCostMap {
				t.Errorf("the directory lists num-routing-map: %v, want %v\n%s", got, tc.wantCostMap, res.stdout)
			}
		})
	}
}

func TestDigestWithoutChallenge(t *testing.T) {
	s := alttest.StartSecured(t)
	res := runCLI(t, map[string]string{passwordEnv: s.Password},
		"--server", s.URL, "--ca-file", s.CAFile, "--user", s.User, "--auth", "digest", "ird")
	if res.code != exitFailure {
		t.Fatalf("exit %d, want %d; stderr %q", res.code, exitFailure, res.stderr)
	}
	for _, want := range []string{"sent no Digest challenge", "HTTP 401", "the credentials are invalid"} {
		if !strings.Contains(res.stderr, want) {
			t.Errorf("stderr %q lacks %q", res.stderr, want)
		}
	}
	if strings.Contains(res.stderr, "read response") {
		t.Errorf("stderr %q reports a read failure instead of the 401 response", res.stderr)
	}
}
