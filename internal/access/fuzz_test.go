package access_test

import (
	"errors"
	"net/http"
	"testing"

	"github.com/goalto/goalto/internal/access"
)

// FuzzAuthenticate checks that any Authorization header authenticates
// the configured clients only and never panics.
func FuzzAuthenticate(f *testing.F) {
	fx := newFixture(f)
	f.Add("Basic YWxpY2U6d29uZGVybGFuZA==")
	f.Add("Bearer t0ken")
	f.Add("Basic")
	f.Add("bearer  ")
	f.Fuzz(func(t *testing.T, auth string) {
		r, _ := http.NewRequest(http.MethodGet, "https://127.0.0.1/directory", nil)
		r.Header["Authorization"] = []string{auth}
		id, err := fx.policy.Authenticate(r)
		switch {
		case err != nil && !errors.Is(err, access.ErrBadCredentials):
			t.Fatalf("error %v is not ErrBadCredentials", err)
		case err == nil && auth != "" && id.ClientID != "alice" && id.ClientID != "partner":
			t.Fatalf("header %q authenticated %q", auth, id.ClientID)
		}
	})
}
