package snapshot

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/goalto/goalto/internal/datadir"
	"github.com/goalto/goalto/internal/netdef"
)

// mrtPeersExample is the YAML block of docs/mrt.md that chooses a peer.
var mrtPeersExample = regexp.MustCompile("(?s)```yaml\n(prefixes: [^\n]*\nmrt-peers:\n.*?)```")

func TestMRTPeersExampleOfTheDocs(t *testing.T) {
	doc, err := os.ReadFile("../../docs/mrt.md")
	if err != nil {
		t.Fatal(err)
	}
	m := mrtPeersExample.FindSubmatch(doc)
	if m == nil {
		t.Fatal("docs/mrt.md has no mrt-peers example")
	}
	dir := t.TempDir()
	const file = "rib.20140523.0600.first9072prefixes.mrt.bz2"
	if err := os.Symlink(datadir.Path(t, "bgp-mrt-routeviews", file), filepath.Join(dir, file)); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, example, wantErr string
	}{
		{"example", string(m[1]), ""},
		{"absent peer", strings.Replace(string(m[1]), "89.149.178.10", "198.32.160.1", 1), "89.149.178.10 as 3257 ("},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, "net.yaml")
			if err := os.WriteFile(path, []byte("network-map: {pids: asn, default-pid: rest}\n"+tc.example), 0o644); err != nil {
				t.Fatal(err)
			}
			def, err := netdef.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			snap, err := Build(def)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Build error = %v, want one listing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if snap.Stats.PrefixesRead < 8000 {
				t.Errorf("read %d prefixes from the peer, want the peer's 8656 routes or close", snap.Stats.PrefixesRead)
			}
		})
	}
}
