package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/goalto/goalto/internal/altoconf"
	"github.com/goalto/goalto/internal/altostats"
	"github.com/goalto/goalto/internal/daemon"
	"github.com/goalto/goalto/internal/datadir"
	"github.com/goalto/goalto/internal/restconf"
)

// Tokens of the operators of startConfigured.
const (
	configWriter = "writer-secret"
	configReader = "reader-secret"
)

// configured is altod serving the Abilene ietf-alto configuration with
// its datastore behind RESTCONF on the management listener.
type configured struct {
	d    *daemon.Daemon
	dir  string // holds alto.json, the served file, and Abilene.graphml
	mgmt string
}

func tokenDigest(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

func startConfigured(t *testing.T) *configured {
	t.Helper()
	dir := t.TempDir()
	if err := os.Symlink(datadir.Path(t, "topology-zoo", "Abilene.graphml"), filepath.Join(dir, "Abilene.graphml")); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "alto.json")
	writeFile(t, file, readTestConfig(t))
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	ds, err := altoconf.NewDatastore(file, nil)
	if err != nil {
		t.Fatal(err)
	}
	stats := altostats.New(altostats.Config{})
	rc := restconf.New(restconf.Config{Datastore: ds, State: stats, Logger: logger, Operators: []restconf.Operator{
		{Name: "writer", TokenSHA256: tokenDigest(configWriter), Role: restconf.RoleWrite},
		{Name: "reader", TokenSHA256: tokenDigest(configReader), Role: restconf.RoleRead},
	}})
	handlers := map[string]http.Handler{}
	for _, p := range restconf.Patterns() {
		handlers[p] = rc
	}
	d, err := daemon.Start(daemon.Config{
		Definition: file, Listen: "127.0.0.1:0", ManagementListen: "127.0.0.1:0", ReloadInterval: -1,
		Logger: logger, Stats: stats, ManagementHandlers: handlers,
	})
	if err != nil {
		t.Fatal(err)
	}
	ds.SetApply(d.ApplyDefinition)
	t.Cleanup(func() { d.Shutdown(context.Background()) })
	return &configured{d: d, dir: dir, mgmt: "http://" + d.ManagementAddr().String()}
}

func readTestConfig(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "internal", "altoconf", "testdata", "abilene.json"))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func writeFile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}

// resourceIDs returns the resource IDs in the server's IRD.
func (c *configured) resourceIDs(t *testing.T) map[string]bool {
	t.Helper()
	resp, err := http.Get(c.d.IRDURL())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var ird struct {
		Resources map[string]json.RawMessage `json:"resources"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&ird); err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for id := range ird.Resources {
		ids[id] = true
	}
	return ids
}

// withHopCostMap returns the test configuration with one more cost map
// and the network map's path changed.
func withHopCostMap(t *testing.T) string {
	t.Helper()
	cfg := readTestConfig(t)
	out := strings.Replace(cfg, `"resource": [`, `"resource": [
        {"resource-id": "hop-cost-map", "resource-type": "cost-map", "description": "hops",
         "alto-costmap-params": {"cost-type-name": ["num-hop"], "goalto-alto:topology-cost-algorithm": {}}},`, 1)
	out = strings.Replace(out, `"goalto-alto:path": "/networkmap"`, `"goalto-alto:path": "/netmap"`, 1)
	if out == cfg || !strings.Contains(out, "/netmap") {
		t.Fatal("the test configuration changed shape; update withHopCostMap")
	}
	return out
}

// toYAML returns a JSON document as block-style YAML.
func toYAML(t *testing.T, doc string) string {
	t.Helper()
	var n yaml.Node
	if err := yaml.Unmarshal([]byte(doc), &n); err != nil {
		t.Fatal(err)
	}
	blockStyle(&n)
	out, err := yaml.Marshal(&n)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func TestConfigValidate(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	writeFile(t, good, readTestConfig(t))
	goodYAML := filepath.Join(dir, "good.yaml")
	writeFile(t, goodYAML, toYAML(t, readTestConfig(t)))
	bad := filepath.Join(dir, "bad.json")
	writeFile(t, bad, strings.Replace(strings.Replace(readTestConfig(t), `"resource-type": "update"`, `"resource-type": "no-such-type"`, 1),
		`"cost-mode": "numerical", "cost-metric": "hopcount"`, `"cost-mode": "numerical", "cost-metric": "hopcount", "max-cost-types": 3`, 1))
	def := filepath.Join(dir, "def.yaml")
	writeFile(t, def, "network-map:\n  pids: group\ntopology: Abilene.graphml\ngroups:\n  - pid: campus\n    node: \"1\"\n    prefixes: [192.0.2.0/24]\n")
	badDef := filepath.Join(dir, "baddef.yaml")
	writeFile(t, badDef, "network-map:\n  pids: bogus\ntopology: Abilene.graphml\n")

	tests := []struct {
		name  string
		files []string
		code  int
		want  []string
	}{
		{"ietf-alto JSON", []string{good}, 0, []string{good + ": ok"}},
		{"ietf-alto YAML", []string{goodYAML}, 0, []string{goodYAML + ": ok"}},
		{"network definition", []string{def}, 0, []string{def + ": ok"}},
		{"invalid ietf-alto", []string{good, bad}, 1, []string{
			good + ": ok",
			bad + ":", "/ietf-alto:alto/alto-server/resource[resource-id='update-stream']/resource-type", "[identityref]",
			"/ietf-alto:alto/alto-server/cost-type[cost-type-name='num-hop']/max-cost-types", "[unknown-node]",
		}},
		{"invalid network definition", []string{badDef}, 1, []string{badDef + ":2", "bogus"}},
		{"missing file", []string{filepath.Join(dir, "none.json")}, 1, []string{"none.json: open"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := runCLI(t, nil, append([]string{"config", "validate"}, tc.files...)...)
			if res.code != tc.code {
				t.Errorf("exit %d, want %d; stdout %q, stderr %q", res.code, tc.code, res.stdout, res.stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(res.stdout, w) {
					t.Errorf("output lacks %q:\n%s", w, res.stdout)
				}
			}
		})
	}
}

func TestConfigGet(t *testing.T) {
	s := startConfigured(t)
	env := map[string]string{"ALTO_TOKEN": configReader}
	t.Run("JSON", func(t *testing.T) {
		res := runCLI(t, env, "config", "get", "--management", s.mgmt)
		if res.code != 0 {
			t.Fatalf("exit %d: %s", res.code, res.stderr)
		}
		var doc map[string]map[string]json.RawMessage
		if err := json.Unmarshal([]byte(res.stdout), &doc); err != nil {
			t.Fatalf("output is not JSON: %v\n%s", err, res.stdout)
		}
		if _, ok := doc[altoconf.TopMember]["alto-server"]; !ok || strings.Contains(res.stdout, "ietf-alto-stats") {
			t.Errorf("output is not the configuration alone:\n%s", res.stdout)
		}
	})
	t.Run("YAML", func(t *testing.T) {
		res := runCLI(t, env, "config", "get", "--yaml", "--management", s.mgmt)
		if res.code != 0 || !strings.Contains(res.stdout, "    resource-id: default-network-map\n") || !strings.Contains(res.stdout, "local-port: 8181") {
			t.Errorf("exit %d, stderr %q, stdout:\n%s", res.code, res.stderr, res.stdout)
		}
	})
	t.Run("no token", func(t *testing.T) {
		res := runCLI(t, nil, "config", "get", "--management", s.mgmt)
		if res.code != 1 || !strings.Contains(res.stderr, "access-denied") {
			t.Errorf("exit %d, stderr %q; want 1 and access-denied", res.code, res.stderr)
		}
	})
}

func TestConfigDiffAndApply(t *testing.T) {
	s := startConfigured(t)
	env := map[string]string{"ALTO_TOKEN": configWriter}
	same := filepath.Join(s.dir, "same.json")
	writeFile(t, same, readTestConfig(t))
	changed := filepath.Join(s.dir, "changed.json")
	writeFile(t, changed, withHopCostMap(t))

	res := runCLI(t, env, "config", "diff", "--exit-code", "--management", s.mgmt, same)
	if res.code != 0 || !strings.Contains(res.stdout, "no changes") {
		t.Errorf("diff of the running file: exit %d, stdout %q, stderr %q", res.code, res.stdout, res.stderr)
	}
	res = runCLI(t, env, "config", "diff", "--exit-code", "--management", s.mgmt, changed)
	wantDiff := []string{
		`+ /ietf-alto:alto/alto-server/resource[resource-id='hop-cost-map'] (/ietf-alto:alto/alto-server/resource/0): {"alto-costmap-params"`,
		`~ /ietf-alto:alto/alto-server/resource[resource-id='default-network-map']/goalto-alto:path (/ietf-alto:alto/alto-server/resource/1/goalto-alto:path): "/networkmap" -> "/netmap"`,
	}
	if res.code != 1 || strings.Count(res.stdout, "\n") != len(wantDiff) {
		t.Errorf("diff --exit-code: exit %d, want 1 and %d lines; stdout:\n%s\nstderr %q", res.code, len(wantDiff), res.stdout, res.stderr)
	}
	for _, w := range wantDiff {
		if !strings.Contains(res.stdout, w) {
			t.Errorf("diff lacks %q:\n%s", w, res.stdout)
		}
	}
	if res = runCLI(t, env, "config", "diff", "--management", s.mgmt, changed); res.code != 0 {
		t.Errorf("diff without --exit-code: exit %d", res.code)
	}

	t.Run("read-only operator", func(t *testing.T) {
		res := runCLI(t, map[string]string{"ALTO_TOKEN": configReader}, "config", "apply", "--management", s.mgmt, changed)
		if res.code != 1 || !strings.Contains(res.stdout, "access-denied") || s.resourceIDs(t)["hop-cost-map"] {
			t.Errorf("exit %d, stdout %q, stderr %q", res.code, res.stdout, res.stderr)
		}
	})
	t.Run("apply", func(t *testing.T) {
		res := runCLI(t, env, "config", "apply", "--management", s.mgmt, changed)
		if res.code != 0 || res.stdout != changed+": applied\n" {
			t.Fatalf("exit %d, stdout %q, stderr %q", res.code, res.stdout, res.stderr)
		}
		if !s.resourceIDs(t)["hop-cost-map"] {
			t.Error("the directory lacks the applied cost map")
		}
		resp, err := http.Get("http://" + s.d.Addr().String() + "/netmap")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("GET /netmap after apply: %s", resp.Status)
		}
		res = runCLI(t, env, "config", "diff", "--exit-code", "--management", s.mgmt, changed)
		if res.code != 0 {
			t.Errorf("diff after apply: exit %d, stdout:\n%s", res.code, res.stdout)
		}
	})
	t.Run("invalid locally", func(t *testing.T) {
		bad := filepath.Join(s.dir, "bad.json")
		writeFile(t, bad, strings.Replace(readTestConfig(t), `"cost-type-name": ["num-routing"]`, `"cost-type-name": ["nope"]`, 1))
		res := runCLI(t, env, "config", "apply", "--management", s.mgmt, bad)
		if res.code != 1 || !strings.Contains(res.stdout, bad+":") || !strings.Contains(res.stdout, "[leafref]") {
			t.Errorf("exit %d, stdout %q, stderr %q", res.code, res.stdout, res.stderr)
		}
		if !s.resourceIDs(t)["hop-cost-map"] {
			t.Error("a rejected file changed the running configuration")
		}
	})
	t.Run("rejected by the server", func(t *testing.T) {
		missing := filepath.Join(s.dir, "missing.json")
		writeFile(t, missing, strings.Replace(readTestConfig(t), `"path": "Abilene.graphml"`, `"path": "Missing.graphml"`, 1))
		res := runCLI(t, env, "config", "apply", "--management", s.mgmt, missing)
		if res.code != 1 || !strings.Contains(res.stdout, "rejected (HTTP") || !strings.Contains(res.stdout, "Missing.graphml") {
			t.Errorf("exit %d, stdout %q, stderr %q", res.code, res.stdout, res.stderr)
		}
		if !s.resourceIDs(t)["hop-cost-map"] {
			t.Error("a rejected file changed the running configuration")
		}
	})
}
