package daemon_test

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/goalto/goalto/internal/alttest"
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

// lockedBuffer is a log destination safe for concurrent writes.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

const measuredTopology = `nodes:
  - {id: a, prefixes: [192.0.2.0/25]}
  - {id: b, prefixes: [192.0.2.128/25]}
links:
  - {from: a, to: b, metric: 1}
`

// measuredDefinition has no default PID and a measurements section
// whose delay query is query. No source reads it in these tests.
func measuredDefinition(query string) string {
	return `topology: topology.yaml
cost-types:
  delay: {cost-mode: numerical, cost-metric: 'delay-ow:cur'}
measurements:
  prometheus: http://127.0.0.1:9
  cost-types: [delay]
  links:
    delay: {query: '` + query + `', unit: s}
`
}

func TestReloadLogsEachWarningOnce(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "topology.yaml"), []byte(measuredTopology), 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "net.yaml")
	write := func(definition string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(definition), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(measuredDefinition("alto_link_delay_seconds"))
	logs := &lockedBuffer{}
	d := alttest.StartConfig(t, daemon.Config{Definition: path, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	reload := func() {
		t.Helper()
		if err := d.Reload(); err != nil {
			t.Fatal(err)
		}
	}
	const noPID = "set network-map.default-pid"
	const restart = "restart altod to apply"

	t.Run("unchanged definition", func(t *testing.T) {
		reload()
		reload()
		if n := strings.Count(logs.String(), noPID); n != 1 {
			t.Errorf("the default-pid warning is logged %d times after two reloads, want 1:\n%s", n, logs.String())
		}
		if n := strings.Count(logs.String(), "measurement delay:cur"); n != 1 {
			t.Errorf("the delay measurement warning is logged %d times after two reloads, want 1", n)
		}
		if strings.Contains(logs.String(), restart) {
			t.Errorf("a restart warning without a change:\n%s", logs.String())
		}
	})

	t.Run("warning comes back", func(t *testing.T) {
		write("network-map: {default-pid: rest}\n" + measuredDefinition("alto_link_delay_seconds"))
		reload()
		write(measuredDefinition("alto_link_delay_seconds"))
		reload()
		if n := strings.Count(logs.String(), noPID); n != 2 {
			t.Errorf("the default-pid warning is logged %d times after it went away and came back, want 2", n)
		}
	})

	t.Run("measurements changed", func(t *testing.T) {
		write(measuredDefinition("alto_link_delay_milliseconds / 1000"))
		reload()
		reload()
		if n := strings.Count(logs.String(), restart); n != 1 {
			t.Errorf("the restart warning is logged %d times after changing measurements, want 1:\n%s", n, logs.String())
		}
		if !strings.Contains(logs.String(), "measurements section changed") {
			t.Errorf("the restart warning does not name the measurements section:\n%s", logs.String())
		}
	})
}

// speakerDefinition has a bgp section with a hold time and a bgp-ls
// section with a metric. No source reads them in these tests.
func speakerDefinition(holdTime, metric string) string {
	return `network-map: {default-pid: rest}
bgp:
  local-as: 64512
  router-id: 192.0.2.1
  default-pid: other
  hold-time: ` + holdTime + `
  peers:
    - {address: 192.0.2.10, as: 64512, families: [ipv4-unicast, ls]}
bgp-ls: {enabled: true, metric: ` + metric + `}
`
}

func TestReloadNamesChangedSpeakerSections(t *testing.T) {
	path := filepath.Join(t.TempDir(), "net.yaml")
	write := func(definition string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(definition), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(speakerDefinition("5m", "igp"))
	logs := &lockedBuffer{}
	d := alttest.StartConfig(t, daemon.Config{Definition: path, Logger: slog.New(slog.NewTextHandler(logs, nil))})
	tests := []struct {
		name, definition, want string
	}{
		{"bgp hold-time", speakerDefinition("10m", "igp"), "the bgp section changed, but altod reads it only at start: restart altod to apply"},
		{"bgp-ls metric", speakerDefinition("10m", "te"), "the bgp-ls section changed, but altod reads it only at start: restart altod to apply"},
		{"bgp back", speakerDefinition("5m", "te"), "the bgp section is again the one altod started with"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			write(tt.definition)
			if err := d.Reload(); err != nil {
				t.Fatal(err)
			}
			if n := strings.Count(logs.String(), tt.want); n != 1 {
				t.Errorf("%q logged %d times, want 1:\n%s", tt.want, n, logs.String())
			}
		})
	}
}

func TestWarningsUnmappedPrefixesNameTheReason(t *testing.T) {
	const table = "prefix,asn\n203.0.113.0/25,64500\n203.0.113.128/25,\n198.51.100.0/24,\n"
	tests := []struct {
		name, rule string
		want       []string
		notWant    string
	}{
		{"asn rule", "asn", []string{"2 of 3 prefixes read went to no PID: they have no PID and no single origin AS"}, "under the node rule"},
		{"node rule", "node", []string{"2 of 3 prefixes read went to no PID: they have no PID and no single origin AS", "1 of 3 prefixes read went to no PID: their origin AS matches no topology node under the node rule"}, "group rule"},
		{"group rule", "group", []string{"1 of 3 prefixes read went to no PID: the group rule takes no PID from an origin AS"}, "under the node rule"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "table.csv"), []byte(table), 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "topology.yaml"), []byte(measuredTopology), 0o644); err != nil {
				t.Fatal(err)
			}
			definition := "network-map: {pids: " + tc.rule + ", default-pid: rest}\ntopology: topology.yaml\nprefixes: [table.csv]\n"
			path := filepath.Join(dir, "net.yaml")
			if err := os.WriteFile(path, []byte(definition), 0o644); err != nil {
				t.Fatal(err)
			}
			snap, err := daemon.Build(path)
			if err != nil {
				t.Fatal(err)
			}
			all := strings.Join(daemon.Warnings(snap), "\n")
			for _, w := range tc.want {
				if !strings.Contains(all, w) {
					t.Errorf("warnings do not contain %q:\n%s", w, all)
				}
			}
			if strings.Contains(all, tc.notWant) {
				t.Errorf("warnings mention %q:\n%s", tc.notWant, all)
			}
		})
	}
}
