package altoconf_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/goalto/goalto/internal/altoconf"
	"github.com/goalto/goalto/internal/daemon"
	"github.com/goalto/goalto/internal/datadir"
	"github.com/goalto/goalto/internal/restconf"
)

// serve starts altod on the example configuration, on a loopback port
// chosen by the system, and returns the daemon, its datastore and the
// configuration file.
func serve(t *testing.T) (*daemon.Daemon, *altoconf.Datastore, string) {
	t.Helper()
	dir := t.TempDir()
	if err := os.Symlink(datadir.Path(t, "topology-zoo", "Abilene.graphml"), filepath.Join(dir, "Abilene.graphml")); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("testdata/abilene.json")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "alto.json")
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	d, err := daemon.Start(daemon.Config{Definition: file, Listen: "127.0.0.1:0", ReloadInterval: -1,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Shutdown(context.Background()) })
	ds, err := altoconf.NewDatastore(file, d.ApplyDefinition)
	if err != nil {
		t.Fatal(err)
	}
	return d, ds, file
}

// resources returns the resource IDs of the directory that altod serves.
func resources(t *testing.T, d *daemon.Daemon) map[string]bool {
	t.Helper()
	resp, err := http.Get(d.IRDURL())
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
	out := map[string]bool{}
	for id := range ird.Resources {
		out[id] = true
	}
	return out
}

const hopMap = `{"ietf-alto:resource": [{"resource-id": "hop-cost-map", "resource-type": "cost-map",
  "alto-costmap-params": {"cost-type-name": ["num-hop"], "goalto-alto:topology-cost-algorithm": {}}}]}`

func TestDatastoreReplaceAndDelete(t *testing.T) {
	d, ds, file := serve(t)
	ctx := context.Background()
	path := "ietf-alto:alto/alto-server/resource=hop-cost-map"
	if _, err := ds.Get(ctx, path, true); !errors.Is(err, restconf.ErrNotFound) {
		t.Fatalf("Get before PUT = %v, want ErrNotFound", err)
	}
	if err := ds.Replace(ctx, path, []byte(hopMap)); err != nil {
		t.Fatal(err)
	}
	if !resources(t, d)["hop-cost-map"] {
		t.Error("the directory lacks the new cost map")
	}
	saved, err := altoconf.Load(file)
	if err != nil {
		t.Fatalf("the saved file does not load: %v", err)
	}
	if !hasResource(saved, "hop-cost-map") {
		t.Error("the saved file lacks the new cost map")
	}
	got, err := ds.Get(ctx, path, true)
	if err != nil || !strings.Contains(string(got), `"resource-id":"hop-cost-map"`) || !strings.HasPrefix(string(got), `{"ietf-alto:resource":[`) {
		t.Errorf("Get = %s, %v", got, err)
	}

	if err := ds.Delete(ctx, path); err != nil {
		t.Fatal(err)
	}
	if resources(t, d)["hop-cost-map"] {
		t.Error("the directory still lists the deleted cost map")
	}
	if saved, _ := altoconf.Load(file); saved == nil || hasResource(saved, "hop-cost-map") {
		t.Error("the saved file still has the deleted cost map")
	}
}

func hasResource(c *altoconf.Config, id string) bool {
	for _, r := range c.Def.Resources {
		if r.ID == id {
			return true
		}
	}
	return false
}

func TestDatastoreRejectsInvalidChange(t *testing.T) {
	d, ds, file := serve(t)
	ctx := context.Background()
	before, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	dirBefore := resources(t, d)
	tests := []struct {
		name, path, body, tag string
	}{
		{"missing cost type", "ietf-alto:alto/alto-server/resource=bad", `{"ietf-alto:resource": [{"resource-id": "bad", "resource-type": "cost-map",
		  "alto-costmap-params": {"cost-type-name": ["nope"], "goalto-alto:topology-cost-algorithm": {}}}]}`, "data-missing"},
		{"key differs from path", "ietf-alto:alto/alto-server/resource=other", hopMap, "invalid-value"},
		{"not JSON", "ietf-alto:alto/alto-server/resource=x", `{`, "malformed-message"},
		{"unsupported module", "ietf-alto:alto/alto-server/server-discovery", `{"ietf-alto:server-discovery": {"example-alto-server-discovery:irr-params": {"aut-num": 64496}}}`, "unknown-namespace"},
		{"netdef check", "ietf-alto:alto/alto-server/cost-type=num-routing", `{"ietf-alto:cost-type": [{"cost-type-name": "num-routing", "cost-mode": "numerical", "cost-metric": "routingcost", "cost-context": {"cost-source": "sla"}}]}`, "operation-not-supported"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := ds.Replace(ctx, tc.path, []byte(tc.body))
			var ve *restconf.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Replace = %v, want a ValidationError", err)
			}
			if len(ve.Problems) == 0 || ve.Problems[0].Tag != tc.tag {
				t.Errorf("problems = %+v, want tag %s", ve.Problems, tc.tag)
			}
		})
	}
	if err := ds.Delete(ctx, "ietf-alto:alto/alto-server/cost-type=num-routing"); err == nil {
		t.Error("deleting a cost type in use succeeded")
	}
	after, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if string(after) != string(before) {
		t.Error("a rejected change rewrote the configuration file")
	}
	if got := resources(t, d); len(got) != len(dirBefore) {
		t.Errorf("the directory changed: %v, was %v", got, dirBefore)
	}
}

// TestDatastoreConcurrentMerges merges groups from several goroutines
// while clients read the network map: every merge is kept, and no
// request fails.
func TestDatastoreConcurrentMerges(t *testing.T) {
	d, ds, file := serve(t)
	ctx := context.Background()
	nmURL := strings.TrimSuffix(d.IRDURL(), "/directory") + "/networkmap"
	const n = 6
	var wg sync.WaitGroup
	errs := make(chan error, 2*n+1)
	stop := make(chan struct{})
	var reads sync.WaitGroup
	reads.Add(1)
	go func() {
		defer reads.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			resp, err := http.Get(nmURL)
			if err != nil {
				errs <- err
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				errs <- fmt.Errorf("GET network map: %s", resp.Status)
				return
			}
		}
	}()
	path := "ietf-alto:alto/alto-server/resource=default-network-map/alto-networkmap-params/goalto-alto:pid-rule-algorithm"
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := fmt.Sprintf(`{"goalto-alto:pid-rule-algorithm": {"group": [{"pid": "site%d", "node": "%d", "prefix": ["198.51.100.%d/32"]}]}}`, i, i+4, i)
			if err := ds.Merge(ctx, path, []byte(body)); err != nil {
				errs <- err
			}
			// An invalid change beside them, refused without harm.
			if err := ds.Merge(ctx, path, []byte(`{"goalto-alto:pid-rule-algorithm": {"rule": "nodes"}}`)); err == nil {
				errs <- errors.New("an invalid rule was accepted")
			}
		}()
	}
	wg.Wait()
	close(stop)
	reads.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	c, err := altoconf.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(c.Def.Groups); got != 2+n {
		t.Errorf("%d groups saved, want %d", got, 2+n)
	}
	if got := d.Handler().Snapshot().Stats.PIDs; got != 3+n {
		t.Errorf("%d PIDs served, want %d", got, 3+n)
	}
}

// TestDatastoreKeepsYAML changes a YAML configuration: the file is
// written back as YAML, with its comments.
func TestDatastoreKeepsYAML(t *testing.T) {
	dir := t.TempDir()
	if err := os.Symlink(datadir.Path(t, "topology-zoo", "Abilene.graphml"), filepath.Join(dir, "Abilene.graphml")); err != nil {
		t.Fatal(err)
	}
	text := `# Abilene with one PID
ietf-alto:alto:
  alto-server:
    listen:
      http:
        tcp-server-parameters:
          local-bind: [{local-address: 127.0.0.1, local-port: 0}]
        alto-server-parameters: {}
    data-source:
      - source-id: abilene
        source-type: goalto-alto:topology-file
        source-params:
          goalto-alto:file-source-params: {path: Abilene.graphml}
    resource:
      - resource-id: default-network-map
        resource-type: network-map
        alto-networkmap-params:
          goalto-alto:pid-rule-algorithm:
            rule: group
            topology: abilene
            group:
              - {pid: seattle, node: "3", prefix: [192.0.2.0/26]}
`
	file := filepath.Join(dir, "alto.yaml")
	if err := os.WriteFile(file, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	d, err := daemon.Start(daemon.Config{Definition: file, Listen: "127.0.0.1:0", ReloadInterval: -1,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Shutdown(context.Background()) })
	ds, err := altoconf.NewDatastore(file, d.ApplyDefinition)
	if err != nil {
		t.Fatal(err)
	}
	path := "ietf-alto:alto/alto-server/resource=default-network-map/alto-networkmap-params/goalto-alto:pid-rule-algorithm"
	body := `{"goalto-alto:pid-rule-algorithm": {"group": [{"pid": "newyork", "node": "0", "prefix": ["192.0.2.64/26"]}]}}`
	if err := ds.Merge(context.Background(), path, []byte(body)); err != nil {
		t.Fatal(err)
	}
	saved, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(saved), "# Abilene with one PID\n") {
		t.Errorf("the saved file lost its comment:\n%s", saved)
	}
	if strings.HasPrefix(strings.TrimSpace(string(saved)), "{") || !strings.Contains(string(saved), "pid: newyork") {
		t.Errorf("the saved file is not YAML with the new group:\n%s", saved)
	}
	c, err := altoconf.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	if !c.YAML || len(c.Def.Groups) != 2 {
		t.Errorf("saved configuration: YAML %v, %d groups; want YAML with 2 groups", c.YAML, len(c.Def.Groups))
	}
}

// TestDatastoreReadsEditedFile edits the file by hand between two
// RESTCONF changes: the second change keeps the edit.
func TestDatastoreReadsEditedFile(t *testing.T) {
	_, ds, file := serve(t)
	ctx := context.Background()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(data), `"pid": "seattle"`, `"pid": "sea"`, 1)
	if err := os.WriteFile(file, []byte(edited), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := ds.Replace(ctx, "ietf-alto:alto/alto-server/resource=hop-cost-map", []byte(hopMap)); err != nil {
		t.Fatal(err)
	}
	c, err := altoconf.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	if c.Def.Groups[0].PID != "sea" || !hasResource(c, "hop-cost-map") {
		t.Errorf("saved groups %+v, hop-cost-map %v; want the hand edit and the change", c.Def.Groups, hasResource(c, "hop-cost-map"))
	}
}

// TestDatastoreBuildErrorPath checks that a change the maps cannot be
// built from is reported at the instance path of the node at fault,
// without lines of the file or names of the generated definition.
func TestDatastoreBuildErrorPath(t *testing.T) {
	_, ds, _ := serve(t)
	alg := "ietf-alto:alto/alto-server/resource=default-network-map/alto-networkmap-params/goalto-alto:pid-rule-algorithm"
	src := "ietf-alto:alto/alto-server/data-source=abilene/source-params/goalto-alto:file-source-params"
	tests := []struct {
		name, path, body, wantPath, wantIn string
	}{
		{"default node", alg, `{"goalto-alto:pid-rule-algorithm": {"default-node": "99"}}`,
			"/ietf-alto:alto/alto-server/resource[resource-id='default-network-map']/alto-networkmap-params/goalto-alto:pid-rule-algorithm/default-node", "99"},
		{"topology file", src, `{"goalto-alto:file-source-params": {"path": "nofile.graphml"}}`,
			"/ietf-alto:alto/alto-server/data-source[source-id='abilene']/source-params/goalto-alto:file-source-params/path", "nofile.graphml"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := ds.Merge(context.Background(), tc.path, []byte(tc.body))
			var ve *restconf.ValidationError
			if !errors.As(err, &ve) || len(ve.Problems) != 1 {
				t.Fatalf("Merge = %v, want one problem", err)
			}
			p := ve.Problems[0]
			if p.Path != tc.wantPath {
				t.Errorf("path = %s, want %s", p.Path, tc.wantPath)
			}
			if !strings.Contains(p.Message, tc.wantIn) || strings.Contains(p.Message, "alto.json") || strings.Contains(p.Message, "network-map.") {
				t.Errorf("message = %q, want it to name %s and no file line or definition field", p.Message, tc.wantIn)
			}
		})
	}
}

// TestStartBuildErrorLine checks that a configuration whose maps cannot
// be built is reported at startup with the line and instance path of the
// leaf at fault.
func TestStartBuildErrorLine(t *testing.T) {
	data, err := os.ReadFile("testdata/abilene.json")
	if err != nil {
		t.Fatal(err)
	}
	text := strings.Replace(string(data), `"default-node": "1"`, "\n"+`"default-node": "99"`, 1)
	line := 1 + strings.Count(text[:strings.Index(text, `"default-node": "99"`)], "\n")
	dir := t.TempDir()
	if err := os.Symlink(datadir.Path(t, "topology-zoo", "Abilene.graphml"), filepath.Join(dir, "Abilene.graphml")); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "alto.json")
	if err := os.WriteFile(file, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = daemon.Build(file)
	want := fmt.Sprintf("%s:%d: /ietf-alto:alto/alto-server/resource[resource-id='default-network-map']/alto-networkmap-params/goalto-alto:pid-rule-algorithm/default-node: ", file, line)
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("Build = %v, want it to start with %s", err, want)
	}
}

// TestDatastoreMergeRejectsDuplicates checks that a PATCH body with two
// entries of one key or a repeated leaf-list value is rejected, as PUT
// rejects it.
func TestDatastoreMergeRejectsDuplicates(t *testing.T) {
	_, ds, file := serve(t)
	before, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path, body, wantPath string
	}{
		{"list entries", "ietf-alto:alto/alto-server", `{"ietf-alto:alto-server": {"cost-type": [
		  {"cost-type-name": "x", "cost-mode": "numerical", "cost-metric": "hopcount"},
		  {"cost-type-name": "x", "cost-mode": "ordinal", "cost-metric": "hopcount"}]}}`,
			"/ietf-alto:alto/alto-server/cost-type[cost-type-name='x']"},
		{"leaf-list values", "ietf-alto:alto/alto-server/resource=routing-cost-map", `{"ietf-alto:resource": [{"resource-id": "routing-cost-map",
		  "alto-costmap-params": {"cost-type-name": ["num-routing", "num-routing"]}}]}`,
			"/ietf-alto:alto/alto-server/resource[resource-id='routing-cost-map']/alto-costmap-params/cost-type-name"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := ds.Merge(context.Background(), tc.path, []byte(tc.body))
			var ve *restconf.ValidationError
			if !errors.As(err, &ve) || len(ve.Problems) == 0 {
				t.Fatalf("Merge = %v, want a ValidationError", err)
			}
			if p := ve.Problems[0]; p.Tag != "operation-failed" || p.Path != tc.wantPath {
				t.Errorf("problem = %+v, want operation-failed at %s", p, tc.wantPath)
			}
		})
	}
	after, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if string(after) != string(before) {
		t.Error("a rejected PATCH rewrote the configuration file")
	}
}

// TestDatastoreWarnsOverBadEdit checks that a change which replaces a
// hand edit of the file that failed to load logs a warning naming the
// file.
func TestDatastoreWarnsOverBadEdit(t *testing.T) {
	_, ds, file := serve(t)
	var logs strings.Builder
	ds.SetLogger(slog.New(slog.NewTextHandler(&logs, nil)))
	if err := os.WriteFile(file, []byte(`{"ietf-alto:alto": {"alto-server": {"cost-type": 5}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	err := ds.Merge(context.Background(), "ietf-alto:alto/alto-server/resource=routing-cost-map", []byte(`{"ietf-alto:resource": [{"resource-id": "routing-cost-map", "description": "x"}]}`))
	if err != nil {
		t.Fatalf("Merge: %v", err)
	}
	if !strings.Contains(logs.String(), "level=WARN") || !strings.Contains(logs.String(), file) {
		t.Errorf("logs = %q, want a warning naming %s", logs.String(), file)
	}
}
