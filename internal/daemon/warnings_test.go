package daemon_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goalto/goalto/internal/daemon"
)

func TestWarningsIncompleteNetworkMap(t *testing.T) {
	tests := []struct {
		name       string
		definition string
		want       bool
	}{
		{"no default PID", "groups:\n  - {pid: a, prefixes: [192.0.2.0/24]}\n", true},
		{"default PID", "network-map: {default-pid: rest}\ngroups:\n  - {pid: a, prefixes: [192.0.2.0/24]}\n", false},
		{"IPv4 map with an IPv4 /0", "groups:\n  - {pid: a, prefixes: [0.0.0.0/0]}\n", false},
		{"IPv6 prefix without an IPv6 /0", "groups:\n  - {pid: a, prefixes: [0.0.0.0/0, 2001:db8::/32]}\n", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "net.yaml")
			if err := os.WriteFile(path, []byte(tc.definition), 0o644); err != nil {
				t.Fatal(err)
			}
			snap, err := daemon.Build(path)
			if err != nil {
				t.Fatal(err)
			}
			got := false
			for _, w := range daemon.Warnings(snap) {
				got = got || strings.Contains(w, "Section 11.2.2")
			}
			if got != tc.want {
				t.Errorf("completeness warning = %v, want %v (warnings %q)", got, tc.want, daemon.Warnings(snap))
			}
		})
	}
}
