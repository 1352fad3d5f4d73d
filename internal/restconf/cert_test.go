package restconf_test

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/goalto/goalto/internal/restconf"
	"github.com/goalto/goalto/internal/testcert"
)

func TestClientCertificate(t *testing.T) {
	ca := testcert.NewCA(t, "operators CA")
	writerPair := testcert.Issue(t, &ca, "writer")
	readerPair := testcert.Issue(t, &ca, "reader")
	strangerPair := testcert.Issue(t, nil, "stranger")
	sum := sha256.Sum256(writerPair.Leaf.Raw)
	rsum := sha256.Sum256(readerPair.Leaf.Raw)
	ops := []restconf.Operator{
		{Name: "writer", CertSHA256: hex.EncodeToString(sum[:]), Role: restconf.RoleWrite},
		{Name: "reader", CertSHA256: hex.EncodeToString(rsum[:]), Role: restconf.RoleRead},
	}
	cas := x509.NewCertPool()
	cas.AddCert(ca.Cert)
	ts := httptest.NewUnstartedServer(restconf.New(restconf.Config{Datastore: newMemStore("net"), Operators: ops, Logger: quietLogger()}))
	ts.TLS = &tls.Config{ClientCAs: cas, ClientAuth: tls.VerifyClientCertIfGiven}
	ts.StartTLS()
	t.Cleanup(ts.Close)

	tests := []struct {
		name   string
		pair   *tls.Certificate
		method string
		status int
	}{
		{"writer writes", &writerPair, "PUT", 204},
		{"reader reads", &readerPair, "GET", 200},
		{"reader writes", &readerPair, "PUT", 403},
		{"no certificate", nil, "GET", 401},
		// The client sends no certificate that the server's CA did not
		// issue, so this is a request without one.
		{"unknown issuer", &strangerPair, "GET", 401},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := ts.Client().Transport.(*http.Transport).Clone()
			if tc.pair != nil {
				tr.TLSClientConfig.Certificates = []tls.Certificate{*tc.pair}
			}
			t.Cleanup(tr.CloseIdleConnections)
			body := ""
			if tc.method == "PUT" {
				body = resourceBody("net", "ietf-alto:network-map")
			}
			status, _, reply := do(t, &http.Client{Transport: tr}, tc.method, ts.URL+resourceURL+"net", "", body)
			if status != tc.status {
				t.Errorf("status %d, want %d: %s", status, tc.status, reply)
			}
		})
	}
}

func TestLoadOperators(t *testing.T) {
	tests := []struct {
		name, text, wantErr string
	}{
		{"valid", `{"operators":[{"name":"a","token-sha256":"` + digest("x") + `","role":"write"}]}`, ""},
		{"bad role", `{"operators":[{"name":"a","token-sha256":"` + digest("x") + `","role":"admin"}]}`, `operators[0].role: invalid value "admin"`},
		{"no credential", `{"operators":[{"name":"a","role":"read"}]}`, "give token-sha256 or cert-sha256"},
		{"short digest", `{"operators":[{"name":"a","token-sha256":"abc","role":"read"}]}`, "want 64 hex digits"},
		{"unknown field", `{"operators":[{"name":"a","token":"x","role":"read"}]}`, `unknown field "token"`},
		{"duplicate", `{"operators":[{"name":"a","token-sha256":"` + digest("x") + `","role":"read"},{"name":"a","token-sha256":"` + digest("y") + `","role":"read"}]}`, "duplicate name"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := t.TempDir() + "/operators.json"
			if err := writeFile(path, tc.text); err != nil {
				t.Fatal(err)
			}
			ops, err := restconf.LoadOperators(path)
			if tc.wantErr == "" {
				if err != nil || len(ops) != 1 {
					t.Fatalf("got %v, %v", ops, err)
				}
				return
			}
			if err == nil || !contains(err.Error(), tc.wantErr) || !contains(err.Error(), path) {
				t.Errorf("error %v, want one naming the file and %q", err, tc.wantErr)
			}
		})
	}
}
