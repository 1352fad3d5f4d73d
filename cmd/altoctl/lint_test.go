package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeMaps writes files into a temporary folder and returns their
// paths by name.
func writeMaps(t *testing.T, files map[string]string) map[string]string {
	t.Helper()
	dir := t.TempDir()
	paths := map[string]string{}
	for name, text := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		paths[name] = p
	}
	return paths
}

const lintNetworkMapText = `{"meta": {"vtag": {"resource-id": "net", "tag": "v1"}}, "network-map": {
  "A": {"ipv4": ["192.0.2.0/25"]},
  "B": {"ipv4": ["192.0.2.0/25", "198.51.100.0/24"]},
  "C": {"ipv4": ["198.51.100.128/25"]},
  "D": {},
  "E": {"ipv4": ["203.0.113.1/24", "203.0.113.0/24"]}
}}`

const lintCostMapText = `{"meta": {"dependent-vtags": [{"resource-id": "net", "tag": "v0"}],
  "cost-type": {"cost-mode": "numerical", "cost-metric": "routingcost"}}, "cost-map": {
  "A": {"A": 0, "B": 5, "C": -1},
  "B": {"A": 7, "C": 0},
  "X": {"A": 1}
}}`

func TestLintFindings(t *testing.T) {
	paths := writeMaps(t, map[string]string{"net.json": lintNetworkMapText, "cost.json": lintCostMapText})
	res := runCLI(t, nil, "--json", "lint", "--network-map", paths["net.json"], "--cost-map", paths["cost.json"])
	if res.code != 1 {
		t.Fatalf("exit %d, want 1 for error findings; stderr %q", res.code, res.stderr)
	}
	var got []finding
	if err := json.Unmarshal([]byte(res.stdout), &got); err != nil {
		t.Fatalf("output is not a JSON list of findings: %v\n%s", err, res.stdout)
	}
	want := []struct {
		name, severity, file, pointer, message string
	}{
		{"duplicate prefix", "error", "net.json", "/network-map/B/ipv4/0", `also in PID "A"`},
		{"nested prefix", "warning", "net.json", "/network-map/C/ipv4/0", `inside 198.51.100.0/24 of PID "B"`},
		{"no prefixes", "warning", "net.json", "/network-map/D", "has no prefixes"},
		{"host bits", "warning", "net.json", "/network-map/E/ipv4/0", "host bits set"},
		{"prefix twice in one PID", "warning", "net.json", "/network-map/E/ipv4/1", `listed twice in PID "E"`},
		{"no default", "warning", "net.json", "/network-map", "no PID has 0.0.0.0/0"},
		{"isolated empty PID", "warning", "net.json", "/network-map/D", "isolated"},
		{"isolated PID", "warning", "net.json", "/network-map/E", "isolated"},
		{"old version", "error", "cost.json", "/meta/dependent-vtags/0", "version v0"},
		{"negative cost", "error", "cost.json", "/cost-map/A/C", "negative"},
		{"zero cost", "warning", "cost.json", "/cost-map/B/C", "cost 0 between different PIDs"},
		{"asymmetric", "warning", "cost.json", "/cost-map/A/B", "asymmetric cost: 5"},
		{"unknown PID", "error", "cost.json", "/cost-map/X", `source PID "X" is not in the network map`},
	}
	for _, w := range want {
		t.Run(w.name, func(t *testing.T) {
			for _, f := range got {
				if f.Severity == w.severity && f.Source == paths[w.file] && f.Pointer == w.pointer && strings.Contains(f.Message, w.message) {
					return
				}
			}
			t.Errorf("no %s at %s %s with %q in %+v", w.severity, w.file, w.pointer, w.message, got)
		})
	}
	if len(got) != len(want) {
		t.Errorf("%d findings, want %d: %+v", len(got), len(want), got)
	}
}

func TestLintCleanMaps(t *testing.T) {
	paths := writeMaps(t, map[string]string{
		"net.json":  `{"meta": {}, "network-map": {"A": {"ipv4": ["0.0.0.0/0"]}, "B": {"ipv4": ["192.0.2.0/24"]}}}`,
		"cost.json": `{"meta": {}, "cost-map": {"A": {"A": 0, "B": 3}, "B": {"A": 3, "B": 0}}}`,
	})
	res := runCLI(t, nil, "lint", "--network-map", paths["net.json"], "--cost-map", paths["cost.json"])
	if res.code != 0 || strings.TrimSpace(res.stdout) != "no findings" {
		t.Errorf("exit %d, stdout %q, stderr %q", res.code, res.stdout, res.stderr)
	}
}

func TestLintInputErrors(t *testing.T) {
	paths := writeMaps(t, map[string]string{"bad.json": `{"network-map": {"A": {"ipv4": ["300.0.0.0/8"]}}}`})
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"invalid prefix", []string{"lint", "--network-map", paths["bad.json"]}, 1, paths["bad.json"]},
		{"missing file", []string{"lint", "--network-map", "/nonexistent/net.json"}, 1, "no such file"},
		{"cost map alone", []string{"lint", "--cost-map", "c.json"}, 2, "--cost-map needs --network-map"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := runCLI(t, nil, tc.args...)
			if res.code != tc.code || !strings.Contains(res.stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", res.code, res.stderr, tc.code, tc.want)
			}
		})
	}
}

func TestLintServer(t *testing.T) {
	origin, _ := startManaged(t, "unused")
	res := runCLI(t, nil, "--server", origin+"/directory", "--json", "lint")
	var got []finding
	if err := json.Unmarshal([]byte(res.stdout), &got); err != nil {
		t.Fatalf("exit %d, output %q, stderr %q: %v", res.code, res.stdout, res.stderr, err)
	}
	errorsFound := false
	for _, f := range got {
		errorsFound = errorsFound || f.Severity == "error"
		if f.Source == "" || !strings.HasPrefix(f.Pointer, "/") {
			t.Errorf("finding without a location: %+v", f)
		}
	}
	if wantCode := map[bool]int{true: 1, false: 0}[errorsFound]; res.code != wantCode {
		t.Errorf("exit %d, want %d for findings %+v", res.code, wantCode, got)
	}
}
