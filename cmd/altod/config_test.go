package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goalto/goalto/internal/daemon"
	"github.com/goalto/goalto/internal/datadir"
	"github.com/goalto/goalto/internal/sse"
	"github.com/goalto/goalto/internal/tips"
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

// TestRESTCONFChangesYANGConfig changes an ietf-alto configuration over
// RESTCONF on the management listener, as an operator with the write
// role: a PUT adds a cost map to the served directory and the file, an
// invalid PUT is answered with the RESTCONF error list, and a DELETE
// removes the cost map again.
func TestRESTCONFChangesYANGConfig(t *testing.T) {
	sum := sha256.Sum256([]byte("writer-secret"))
	ops := filepath.Join(t.TempDir(), "operators.json")
	text := `{"operators": [{"name": "ops", "token-sha256": "` + hex.EncodeToString(sum[:]) + `", "role": "write"}]}`
	if err := os.WriteFile(ops, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	file := writeYANGConfig(t, "0")
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg := daemon.Config{Definition: file, Listen: "127.0.0.1:0", ManagementListen: "127.0.0.1:0", ReloadInterval: -1, Logger: logger}
	ds, err := configDatastore(&cfg)
	if err != nil || ds == nil {
		t.Fatalf("configDatastore = %v, %v", ds, err)
	}
	var sseCfg sse.Config
	if err := (&managementFlags{operators: ops}).apply(&cfg, &sseCfg, asRESTCONF(ds), logger); err != nil {
		t.Fatal(err)
	}
	cfg.Services = daemon.ServicesWith(sseCfg, tips.Register)
	d, err := daemon.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Shutdown(context.Background()) })
	ds.SetApply(d.ApplyDefinition)
	base := "http://" + d.ManagementAddr().String() + "/restconf/data/ietf-alto:alto/alto-server/resource="

	hop := `{"ietf-alto:resource": [{"resource-id": "hop", "resource-type": "cost-map",
	  "alto-costmap-params": {"cost-type-name": ["num-hop"], "goalto-alto:topology-cost-algorithm": {}}}]}`
	bad := strings.Replace(hop, `"num-hop"`, `"num-none"`, 1)
	steps := []struct {
		name, method, id, body string
		status                 int
		want                   string
		listed                 bool
	}{
		{"invalid put", "PUT", "hop", bad, 409, `data-missing`, false},
		{"put", "PUT", "hop", hop, 201, "", true},
		{"get", "GET", "hop", "", 200, `"num-hop"`, true},
		{"delete", "DELETE", "hop", "", 204, "", false},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			req, _ := http.NewRequest(st.method, base+st.id, strings.NewReader(st.body))
			req.Header.Set("Authorization", "Bearer writer-secret")
			if st.body != "" {
				req.Header.Set("Content-Type", "application/yang-data+json")
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != st.status || !strings.Contains(string(body), st.want) {
				t.Fatalf("%s = %d %s, want %d with %q", st.method, resp.StatusCode, body, st.status, st.want)
			}
			ird, err := http.Get(d.IRDURL())
			if err != nil {
				t.Fatal(err)
			}
			dir, _ := io.ReadAll(ird.Body)
			ird.Body.Close()
			if listed := strings.Contains(string(dir), `"hop"`); listed != st.listed {
				t.Errorf("directory lists hop: %v, want %v", listed, st.listed)
			}
			saved, _ := os.ReadFile(file)
			if inFile := strings.Contains(string(saved), `"hop"`); inFile != st.listed {
				t.Errorf("file has hop: %v, want %v", inFile, st.listed)
			}
		})
	}
}
