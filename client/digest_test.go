package client_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/client"
	"github.com/goalto/goalto/internal/access"
	"github.com/goalto/goalto/internal/alttest"
	"github.com/goalto/goalto/internal/daemon"
)

const (
	digestUser     = "dave"
	digestPassword = "digest-pw-42"
)

// writeDigestDefinition writes a definition whose restricted cost map
// may be read by the Basic client alice and, when withDigest is set, by
// the Digest client dave. plainHTTP accepts credentials over plain HTTP.
func writeDigestDefinition(t *testing.T, dir string, withDigest, plainHTTP bool) string {
	t.Helper()
	hash, err := bcrypt.GenerateFromPassword([]byte("alice-pw-1"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	ha1, err := access.HA1("SHA-256", digestUser, access.DefaultRealm, digestPassword)
	if err != nil {
		t.Fatal(err)
	}
	clients := fmt.Sprintf("    - {client-id: alice, method: basic, password-hash: %q}\n", hash)
	members := "alice"
	if withDigest {
		clients += fmt.Sprintf("    - {client-id: %s, method: digest, ha1-sha256: %q}\n", digestUser, ha1)
		members += ", " + digestUser
	}
	plainSection := ""
	if plainHTTP {
		plainSection = "  allow-plain-http: true\n"
	}
	definition := `network-map: {resource-id: test-network-map, default-pid: default}
topology: topology.yaml
cost-types:
  num-routing: {cost-mode: numerical, cost-metric: routingcost}
access:
` + plainSection + `  auth-clients:
` + clients + `  roles:
    - {role-name: internal, clients: [` + members + `]}
resources:
  - {id: test-network-map, type: network-map, path: /networkmap}
  - {id: num-routing-map, type: cost-map, path: /costmap/num, cost-types: [num-routing], accepted-roles: [internal]}
  - {id: internal-filtered-map, type: filtered-network-map, path: /networkmap/filtered, accepted-roles: [internal]}
`
	topology := "nodes:\n  - {id: a, prefixes: [192.0.2.0/25]}\n  - {id: b, prefixes: [192.0.2.128/25]}\nlinks:\n  - {from: a, to: b, metric: 10}\n"
	path := filepath.Join(dir, "network.yaml")
	for name, text := range map[string]string{path: definition, filepath.Join(dir, "topology.yaml"): topology} {
		if err := os.WriteFile(name, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return path
}

// wantUnauthorizedWithoutDigest fails unless err is a 401 HTTPError
// without a Digest challenge whose body excerpt contains wantBody.
func wantUnauthorizedWithoutDigest(t *testing.T, err error, wantBody string) {
	t.Helper()
	var httpErr *client.HTTPError
	if !errors.As(err, &httpErr) || httpErr.StatusCode != http.StatusUnauthorized {
		t.Fatalf("error %v, want an HTTPError with status 401", err)
	}
	for _, c := range httpErr.Challenges {
		if strings.HasPrefix(strings.ToLower(c), "digest") {
			t.Errorf("challenge %q, want none of the Digest scheme", c)
		}
	}
	if len(httpErr.Challenges) == 0 {
		t.Error("no WWW-Authenticate value in the HTTPError")
	}
	if !strings.Contains(httpErr.Excerpt, wantBody) {
		t.Errorf("body excerpt %q lacks %q", httpErr.Excerpt, wantBody)
	}
}

func TestDigestServerWithoutDigestClients(t *testing.T) {
	s := alttest.StartSecured(t)
	tlsConfig, err := client.LoadTLSConfig(client.TLSFiles{CAFile: s.CAFile})
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.New(s.URL, client.WithTLSConfig(tlsConfig), client.WithDigestAuth(s.User, s.Password))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.Directory(context.Background())
	wantUnauthorizedWithoutDigest(t, err, "credentials")
}

// altod rejects Digest credentials over plain HTTP with 403 when it
// does not accept credentials there, and the client must show its body.
func TestDigestOverPlainHTTP(t *testing.T) {
	url := alttest.Start(t, writeDigestDefinition(t, t.TempDir(), true, false))
	c, err := client.New(url, client.WithDigestAuth(digestUser, digestPassword))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.Directory(context.Background())
	var httpErr *client.HTTPError
	if !errors.As(err, &httpErr) || httpErr.StatusCode != http.StatusForbidden {
		t.Fatalf("error %v, want an HTTPError with status 403", err)
	}
	if want := "Digest authentication is offered over HTTPS only"; !strings.Contains(httpErr.Excerpt, want) {
		t.Errorf("body excerpt %q lacks %q", httpErr.Excerpt, want)
	}
}

func TestDigestClientRemovedByReload(t *testing.T) {
	dir := t.TempDir()
	d := alttest.StartConfig(t, daemon.Config{Definition: writeDigestDefinition(t, dir, true, true)})
	c, err := client.New(d.IRDURL(), client.WithDigestAuth(digestUser, digestPassword))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx := context.Background()
	r, err := c.Resource(ctx, "num-routing-map")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get(ctx, r); err != nil {
		t.Fatalf("GET before the reload: %v", err)
	}
	filtered, err := c.Resource(ctx, "internal-filtered-map")
	if err != nil {
		t.Fatal(err)
	}

	writeDigestDefinition(t, dir, false, true)
	if err := d.Reload(); err != nil {
		t.Fatal(err)
	}
	_, err = c.Get(ctx, r)
	wantUnauthorizedWithoutDigest(t, err, "credentials")

	// A POST request goes through the same Digest transport, which
	// buffers its body to send it twice.
	_, err = c.Post(ctx, filtered, &alto.NetworkMapFilter{PIDs: []string{"a"}})
	wantUnauthorizedWithoutDigest(t, err, "credentials")
}
