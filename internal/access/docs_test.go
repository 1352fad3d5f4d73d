package access_test

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"regexp"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// TestSecurityDocExamples checks that the credentials in the examples of
// docs/security.md match the password and token that the page states.
func TestSecurityDocExamples(t *testing.T) {
	data, err := os.ReadFile("../../docs/security.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	const password = "correct horse"
	token := regexp.MustCompile("partner-cdn's token is\\s+`([0-9a-f]{64})`").FindStringSubmatch(doc)
	if token == nil {
		t.Fatal("docs/security.md states no 32-byte hex token for partner-cdn")
	}
	sum := sha256.Sum256([]byte(token[1]))

	hashes := regexp.MustCompile(`password-hash: "([^"]+)"`).FindAllStringSubmatch(doc, -1)
	tokenHashes := regexp.MustCompile(`token-hash: "sha256:([0-9a-f]+)"`).FindAllStringSubmatch(doc, -1)
	if len(hashes) == 0 || len(tokenHashes) == 0 {
		t.Fatalf("found %d password hashes and %d token hashes, want some of each", len(hashes), len(tokenHashes))
	}
	for _, h := range hashes {
		if err := bcrypt.CompareHashAndPassword([]byte(h[1]), []byte(password)); err != nil {
			t.Errorf("password-hash %s does not match %q: %v", h[1], password, err)
		}
	}
	for _, h := range tokenHashes {
		if h[1] != hex.EncodeToString(sum[:]) {
			t.Errorf("token-hash %s is not the SHA-256 digest of the stated token", h[1])
		}
	}
}
