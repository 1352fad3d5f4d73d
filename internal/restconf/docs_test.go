package restconf_test

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"regexp"
	"testing"
)

// TestOperatorDocExample checks that the operator token stated in
// docs/restconf.md is 32 bytes in hex and that the example's
// token-sha256 is its digest.
func TestOperatorDocExample(t *testing.T) {
	data, err := os.ReadFile("../../docs/restconf.md")
	if err != nil {
		t.Fatal(err)
	}
	token := regexp.MustCompile("noc's token is\\s+`([0-9a-f]+)`").FindSubmatch(data)
	if token == nil {
		t.Fatal("docs/restconf.md states no token for noc")
	}
	if len(token[1]) != 64 {
		t.Errorf("noc's token has %d hex digits, want 64 (32 random bytes)", len(token[1]))
	}
	digests := regexp.MustCompile(`"token-sha256": "([0-9a-f]+)"`).FindAllSubmatch(data, -1)
	if len(digests) == 0 {
		t.Fatal("docs/restconf.md has no token-sha256 example")
	}
	sum := sha256.Sum256(token[1])
	for _, d := range digests {
		if string(d[1]) != hex.EncodeToString(sum[:]) {
			t.Errorf("token-sha256 %s is not the SHA-256 digest of the stated token", d[1])
		}
	}
}
