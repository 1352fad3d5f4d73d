package alttest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/goalto/goalto/internal/daemon"
	"github.com/goalto/goalto/internal/testcert"
)

// Secured is a server that StartSecured started, with a client of each
// authentication method that altod offers over TLS.
type Secured struct {
	// URL is the https URL of the root directory.
	URL string
	// CAFile is the PEM file that signs the server's certificate. The
	// certificate is self-signed, so the file is the certificate itself.
	CAFile string
	// User and Password are the credentials of the Basic client.
	User, Password string
	// Token is the token of the bearer client, named by TokenClient.
	Token, TokenClient string
	// CertFile and KeyFile are the certificate and key of the
	// certificate client, named by CertClient.
	CertFile, KeyFile, CertClient string
	// RestrictedID is the resource that only the three clients may
	// read, and PublicID one that every client may read.
	RestrictedID, PublicID string
}

// securedDefinition serves a public network map and a cost map that
// only the clients of the internal role may read. Its first parameter
// is the bcrypt hash of the Basic password, its second the bearer token
// digest.
const securedDefinition = `network-map: {resource-id: secured-network-map, default-pid: default}
topology: topology.yaml
cost-types:
  num-routing: {cost-mode: numerical, cost-metric: routingcost}
access:
  auth-clients:
    - {client-id: alice, method: basic, password-hash: "%s"}
    - {client-id: partner, method: bearer, token-hash: "sha256:%s"}
    - {client-id: cdn-1, method: certificate, ca-cert: client-ca.pem}
  roles:
    - {role-name: internal, clients: [alice, partner, cdn-1]}
resources:
  - {id: secured-network-map, type: network-map, path: /networkmap}
  - {id: restricted-cost-map, type: cost-map, path: /costmap/num, cost-types: [num-routing], accepted-roles: [internal]}
`

const securedTopology = `nodes:
  - {id: a, prefixes: [192.0.2.0/25]}
  - {id: b, prefixes: [192.0.2.128/25]}
links:
  - {from: a, to: b, metric: 10}
`

// StartSecured serves, over TLS with a self-signed certificate, a
// definition whose access section has one client per method: HTTP
// Basic, bearer token and TLS client certificate.
func StartSecured(t testing.TB) *Secured {
	t.Helper()
	dir := t.TempDir()
	s := &Secured{
		User:         "alice",
		Password:     "wonderland-pw-7",
		Token:        "partner-token-5f2a",
		TokenClient:  "partner",
		CertClient:   "cdn-1",
		CertFile:     filepath.Join(dir, "client.pem"),
		KeyFile:      filepath.Join(dir, "client.key"),
		RestrictedID: "restricted-cost-map",
		PublicID:     "secured-network-map",
	}
	hash, err := bcrypt.GenerateFromPassword([]byte(s.Password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256([]byte(s.Token))

	ca := testcert.NewCA(t, "client CA")
	clientCert := testcert.Issue(t, &ca, s.CertClient)
	keyPEM, err := testcert.KeyPEM(clientCert)
	if err != nil {
		t.Fatal(err)
	}

	files := map[string][]byte{
		"network.yaml":  fmt.Appendf(nil, securedDefinition, hash, hex.EncodeToString(sum[:])),
		"topology.yaml": []byte(securedTopology),
		"client-ca.pem": ca.PEM,
		"client.pem":    testcert.PEM(clientCert),
		"client.key":    keyPEM,
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}

	serverCert := testcert.Write(t, filepath.Join(dir, "server.pem"), filepath.Join(dir, "server.key"), "altod")
	s.CAFile = serverCert.CertFile
	cfg := daemon.Config{Definition: filepath.Join(dir, "network.yaml")}
	cfg.Transport.CertFile, cfg.Transport.KeyFile = serverCert.CertFile, serverCert.KeyFile
	s.URL = StartConfig(t, cfg).IRDURL()
	return s
}
