package main

import (
	"bufio"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goalto/goalto/internal/datadir"
)

// writeYANGConfig writes the example ietf-alto configuration of package
// altoconf, with the local port changed to port, beside a link to the
// topology it reads.
func writeYANGConfig(t *testing.T, port string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Symlink(datadir.Path(t, "topology-zoo", "Abilene.graphml"), filepath.Join(dir, "Abilene.graphml")); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join("..", "..", "internal", "altoconf", "testdata", "abilene.json"))
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(data), `"local-port": 8181`, `"local-port": `+port, 1)
	p := filepath.Join(dir, "alto.json")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCheckYANGConfig(t *testing.T) {
	good := writeYANGConfig(t, "8181")
	if code := run([]string{"--check", "--config", good}); code != 0 {
		t.Errorf("--check of the example configuration exited %d, want 0", code)
	}
	bad := writeYANGConfig(t, "70000")
	if code := run([]string{"--check", "--config", bad}); code != 1 {
		t.Errorf("--check of a configuration with port 70000 exited %d, want 1", code)
	}
}

// TestServesYANGConfig starts altod on an ietf-alto configuration
// without --listen: it listens on the address the configuration gives.
func TestServesYANGConfig(t *testing.T) {
	bin := buildAltod(t)
	cmd := exec.Command(bin, "--config", writeYANGConfig(t, "0"), "--log-level", "warn")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the directory URL: %v", err)
	}
	url, ok := strings.CutPrefix(strings.TrimSpace(line), "ALTO directory: ")
	if !ok || !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Fatalf("first output line = %q, want a directory URL on 127.0.0.1", line)
	}
	resp, err := http.Get(strings.TrimSuffix(url, "/directory") + "/networkmap")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET network map = %s, want 200", resp.Status)
	}
}
