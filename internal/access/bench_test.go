package access_test

import (
	"encoding/base64"
	"net/http"
	"testing"

	"github.com/goalto/goalto/internal/access"
)

// BenchmarkAuthenticate measures Policy.Authenticate per request for
// each HTTP method, without the network. Digest headers are computed
// before the timer starts, one per nonce count, because each count is
// accepted once.
func BenchmarkAuthenticate(b *testing.B) {
	b.Run("digest SHA-256", func(b *testing.B) { benchmarkDigest(b, "SHA-256") })
	b.Run("digest MD5", func(b *testing.B) { benchmarkDigest(b, "MD5") })
	b.Run("basic cached", func(b *testing.B) {
		f := newFixture(b)
		benchmarkHeaders(b, f.policy, repeat("Basic "+base64.StdEncoding.EncodeToString([]byte("alice:wonderland")), b.N))
	})
	b.Run("bearer", func(b *testing.B) {
		f := newFixture(b)
		benchmarkHeaders(b, f.policy, repeat("Bearer t0ken", b.N))
	})
}

func benchmarkDigest(b *testing.B, algorithm string) {
	f := newDigestFixture(b, access.DigestConfig{})
	r := tlsRequest("/directory")
	c := parseChallenge(b, f.policy.Challenges(r, false), algorithm)
	headers := make([]string, b.N)
	for i := range headers {
		headers[i] = credentials(b, c, "dave", "secret", http.MethodGet, "/directory", i+1)
	}
	benchmarkHeaders(b, f.policy, headers)
}

// benchmarkHeaders authenticates one request per header and fails on
// the first error.
func benchmarkHeaders(b *testing.B, p *access.Policy, headers []string) {
	r := tlsRequest("/directory")
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		r.Header.Set("Authorization", headers[i])
		if _, err := p.Authenticate(r); err != nil {
			b.Fatalf("request %d: %v", i, err)
		}
	}
}

func repeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}
