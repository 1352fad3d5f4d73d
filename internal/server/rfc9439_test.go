package server_test

import (
	"path/filepath"
	"testing"
)

// rfc9439Dir holds an example network for the endpoint cost examples of
// RFC 9439 and one request and response fixture per example. README.md
// there lists every change made to the RFC text.
const rfc9439Dir = "testdata/rfc9439"

// TestRFC9439Examples replays each example exchange of RFC 9439
// (Figures 2 to 10) against a server running the example network.
func TestRFC9439Examples(t *testing.T) {
	fixtures := []struct {
		name    string
		section string
	}{
		{"01-delay-ow", "4.1.3"},
		{"02-delay-ow-ipv6", "4.1.3"},
		{"03-delay-rt", "4.2.3"},
		{"04-delay-variation", "4.3.3"},
		{"05-lossrate", "4.4.3"},
		{"06-hopcount", "4.5.3"},
		{"07-tput", "5.1.3"},
		{"08-bw-residual", "5.2.3"},
		{"09-bw-available", "5.3.3"},
	}
	files, err := filepath.Glob(filepath.Join(rfc9439Dir, "*.request"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(fixtures) {
		t.Errorf("%d request fixtures in %s, want the %d listed", len(files), rfc9439Dir, len(fixtures))
	}
	srv := startExampleServer(t, filepath.Join(rfc9439Dir, "network.yaml"))
	for _, f := range fixtures {
		t.Run(f.name, func(t *testing.T) {
			srv.replayFixture(t, rfc9439Dir, f.name, "RFC 9439, Section "+f.section)
		})
	}
}
