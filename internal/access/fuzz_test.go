package access_test

import (
	"crypto/tls"
	"errors"
	"net/http"
	"testing"

	"github.com/goalto/goalto/internal/access"
)

// FuzzAuthenticate checks that any Authorization header authenticates
// the configured clients only and never panics. Requests arrive over
// TLS, so that Digest credentials reach the Digest parser.
func FuzzAuthenticate(f *testing.F) {
	fx := newFixture(f)
	f.Add("Basic YWxpY2U6d29uZGVybGFuZA==")
	f.Add("Bearer t0ken")
	f.Add("Basic")
	f.Add("bearer  ")
	f.Add(`Digest username="dave", realm="ALTO", uri="/directory", algorithm=SHA-256, nonce="GO41v_kAoACyssauKsq8enbcSYExFRdBikSAS75m-DY", nc=00000001, cnonce="39fd164a8a837cd8", qop=auth, response="d8302511521eaf24a97f3df161c4ce5b32280cfa9e6697d8944a846f6a980247", opaque="2nEt0AK5QpLrDD1dzzgy6Q"`)
	f.Add(`Digest username*=UTF-8''d%61ve, realm="ALTO", nc=ffffffff`)
	f.Add(`digest userhash=true, username="00"`)
	f.Fuzz(func(t *testing.T, auth string) {
		r, _ := http.NewRequest(http.MethodGet, "https://127.0.0.1/directory", nil)
		r.Header["Authorization"] = []string{auth}
		r.TLS = &tls.ConnectionState{}
		id, err := fx.policy.Authenticate(r)
		switch {
		case err != nil && !errors.Is(err, access.ErrBadCredentials):
			t.Fatalf("error %v is not ErrBadCredentials", err)
		case err == nil && auth != "" && id.ClientID != "alice" && id.ClientID != "partner":
			t.Fatalf("header %q authenticated %q", auth, id.ClientID)
		}
	})
}
