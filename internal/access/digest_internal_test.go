package access

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestDigestResponseRFCExample(t *testing.T) {
	// RFC 7616, Section 3.9.1 gives one request answered with SHA-256
	// and with MD5.
	const (
		realm    = "http-auth@example.org"
		password = "Circle of Life"
	)
	tests := []struct {
		algorithm *digestAlgorithm
		response  string
	}{
		{digestSHA256, "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"},
		{digestMD5, "8ca523f5e9506fed4657c9700eebdbec"},
	}
	for _, tc := range tests {
		t.Run(tc.algorithm.name, func(t *testing.T) {
			sha, _ := HA1("SHA-256", "Mufasa", realm, password)
			md, _ := HA1("MD5", "Mufasa", realm, password)
			p, err := Compile(Config{Realm: realm, Clients: []Client{{ID: "Mufasa", Method: MethodDigest, HA1SHA256: sha, HA1MD5: md}}}, nil)
			if err != nil {
				t.Fatal(err)
			}
			c := digestCredentials{
				username: "Mufasa",
				realm:    realm,
				nonce:    "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
				uri:      "/dir/index.html",
				cnonce:   "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
				qop:      "auth",
				nc:       1,
				response: tc.response,
			}
			r := httptest.NewRequest(http.MethodGet, "/dir/index.html", nil)
			id, ok := p.checkDigestResponse(r, tc.algorithm, c)
			if !ok || id != "Mufasa" {
				t.Errorf("checkDigestResponse = %q, %v, want Mufasa, true", id, ok)
			}
			c.response = tc.response[:len(tc.response)-1] + "0"
			if _, ok := p.checkDigestResponse(r, tc.algorithm, c); ok {
				t.Error("a changed response was accepted")
			}
		})
	}
}

func TestNonceIssued(t *testing.T) {
	s := newNonceStore()
	now := time.Date(2026, 12, 5, 1, 0, 0, 0, time.UTC)
	n := s.mint(now)
	issued, ok := s.issued(n)
	if !ok || issued != now.UnixNano() {
		t.Fatalf("issued(%q) = %d, %v, want %d, true", n, issued, ok, now.UnixNano())
	}
	other := newNonceStore()
	tests := []struct {
		name, nonce string
	}{
		{"other key", other.mint(now)},
		{"truncated", n[:len(n)-1]},
		{"changed time", "B" + n[1:]},
		{"not base64", n[:len(n)-1] + "!"},
		{"empty", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, ok := s.issued(tc.nonce); ok {
				t.Errorf("issued(%q) accepted a nonce this store did not mint", tc.nonce)
			}
		})
	}
}

func TestNonceTableBound(t *testing.T) {
	s := newNonceStore()
	s.limit = 3
	const lifetime = int64(time.Minute)
	base := time.Date(2026, 12, 5, 1, 0, 0, 0, time.UTC).UnixNano()

	// Four nonces issued one second apart, each used once by alice.
	var minted []string
	for i := range 4 {
		issued := base + int64(i)*int64(time.Second)
		n := s.mint(time.Unix(0, issued))
		minted = append(minted, n)
		if v := s.use(n, "alice", 1, issued, lifetime, issued); v != nonceFresh {
			t.Fatalf("nonce %d: first use = %v, want fresh", i, v)
		}
	}
	if len(s.seen) != 3 {
		t.Fatalf("table holds %d entries, want the limit 3", len(s.seen))
	}

	now := base + 4*int64(time.Second)
	// The oldest nonce was evicted, so it is stale, not replayable.
	if v := s.use(minted[0], "alice", 1, base, lifetime, now); v != nonceStale {
		t.Errorf("evicted nonce: verdict %v, want stale", v)
	}
	if v := s.use(minted[1], "alice", 1, base+int64(time.Second), lifetime, now); v != nonceReplayed {
		t.Errorf("kept nonce replayed: verdict %v, want replayed", v)
	}

	// Once every entry has expired, a new nonce takes their room.
	later := base + 2*lifetime
	n := s.mint(time.Unix(0, later))
	if v := s.use(n, "alice", 1, later, lifetime, later); v != nonceFresh {
		t.Errorf("new nonce after expiry: verdict %v, want fresh", v)
	}
	if len(s.seen) != 1 {
		t.Errorf("table holds %d entries after the expired ones were dropped, want 1", len(s.seen))
	}
}

// FuzzParseDigestParams checks that the parameter parser never panics
// and that what it accepts survives formatting and parsing again.
func FuzzParseDigestParams(f *testing.F) {
	f.Add(`username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", nc=00000001, cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", qop=auth, response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS", userhash=false`)
	f.Add(`username*=UTF-8''J%C3%A4s%C3%B8n%20Doe, realm="a\"b"`)
	f.Add(`a=b,,c="d"`)
	f.Add(`a="unterminated`)
	f.Fuzz(func(t *testing.T, s string) {
		params, err := parseDigestParams(s)
		if err != nil {
			return
		}
		var b []byte
		for name, value := range params {
			if len(b) > 0 {
				b = append(b, ", "...)
			}
			b = append(b, name+`="`...)
			for i := 0; i < len(value); i++ {
				if value[i] == '"' || value[i] == '\\' {
					b = append(b, '\\')
				}
				b = append(b, value[i])
			}
			b = append(b, '"')
		}
		again, err := parseDigestParams(string(b))
		if err != nil && len(b) <= maxDigestHeader {
			t.Fatalf("reformatted %q of %q does not parse: %v", b, s, err)
		}
		for name, value := range params {
			if err == nil && again[name] != value {
				t.Fatalf("parameter %s = %q after reformatting, want %q", name, again[name], value)
			}
		}
	})
}
