package restconf_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/goalto/goalto/internal/altoconf"
	"github.com/goalto/goalto/internal/altostats"
	"github.com/goalto/goalto/internal/daemon"
	"github.com/goalto/goalto/internal/datadir"
	"github.com/goalto/goalto/internal/restconf"
)

// realServer is altod on the Abilene ietf-alto configuration, with its
// configuration datastore and statistics behind a RESTCONF server.
type realServer struct {
	d        *daemon.Daemon
	ds       *altoconf.Datastore
	restconf string // base URL of the RESTCONF server
	file     string // the configuration file
}

func startReal(t *testing.T) *realServer {
	t.Helper()
	dir := t.TempDir()
	if err := os.Symlink(datadir.Path(t, "topology-zoo", "Abilene.graphml"), filepath.Join(dir, "Abilene.graphml")); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join("..", "altoconf", "testdata", "abilene.json"))
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "alto.json")
	if err := os.WriteFile(file, data, 0o600); err != nil {
		t.Fatal(err)
	}
	stats := altostats.New(altostats.Config{})
	d, err := daemon.Start(daemon.Config{Definition: file, Listen: "127.0.0.1:0", ReloadInterval: -1, Logger: quietLogger(), Stats: stats})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Shutdown(context.Background()) })
	ds, err := altoconf.NewDatastore(file, d.ApplyDefinition)
	if err != nil {
		t.Fatal(err)
	}
	base := serve(t, restconf.Config{Datastore: ds, State: stats, Operators: operators()})
	return &realServer{d: d, ds: ds, restconf: base, file: file}
}

// origin returns the scheme and authority of the ALTO listener.
func (s *realServer) origin() string { return "http://" + s.d.Addr().String() }

// directory returns the resource IDs that the IRD lists.
func (s *realServer) directory(t *testing.T) map[string]bool {
	t.Helper()
	resp, err := http.Get(s.d.IRDURL())
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

const hopCostMap = `{"ietf-alto:resource": [{"resource-id": "hop-cost-map", "resource-type": "cost-map",
  "alto-costmap-params": {"cost-type-name": ["num-hop"], "goalto-alto:topology-cost-algorithm": {}}}]}`

func TestRealDatastoreChanges(t *testing.T) {
	s := startReal(t)
	c := http.DefaultClient
	hop := s.restconf + resourceURL + "hop-cost-map"

	status, _, body := do(t, c, "GET", s.restconf+altoURL+"?content=config", readerToken, "")
	if status != 200 || !strings.Contains(body, `"resource-id": "default-network-map"`) {
		t.Fatalf("GET config: status %d: %s", status, body)
	}
	status, _, body = do(t, c, "GET", s.restconf+resourceURL+"default-network-map", readerToken, "")
	if status != 200 || !strings.Contains(body, `"ietf-alto-stats:resource-level-stats"`) || !strings.Contains(body, `"resource-type"`) {
		t.Errorf("GET of a resource lacks its configuration or statistics: status %d: %s", status, body)
	}

	if status, _, body = do(t, c, "PUT", hop, writerToken, hopCostMap); status != http.StatusCreated {
		t.Fatalf("PUT: status %d: %s", status, body)
	}
	if !s.directory(t)["hop-cost-map"] {
		t.Error("the directory lacks the cost map created by PUT")
	}
	saved, err := os.ReadFile(s.file)
	if err != nil || !strings.Contains(string(saved), "hop-cost-map") {
		t.Errorf("the configuration file lacks the new cost map (%v)", err)
	}
	if _, _, body = do(t, c, "GET", hop+"/ietf-alto-stats:resource-level-stats", readerToken, ""); !strings.Contains(body, `"num-res-req": "0"`) {
		t.Errorf("the new cost map has no statistics: %s", body)
	}
	if status, _, body = do(t, c, "PATCH", hop, writerToken, `{"ietf-alto:resource": [{"resource-id": "hop-cost-map", "description": "hops"}]}`); status != http.StatusNoContent {
		t.Errorf("PATCH: status %d: %s", status, body)
	}
	if _, _, body = do(t, c, "GET", hop+"?content=config", readerToken, ""); !strings.Contains(body, `"description": "hops"`) {
		t.Errorf("GET after PATCH lacks the description: %s", body)
	}
	if status, _, body = do(t, c, "DELETE", hop, writerToken, ""); status != http.StatusNoContent {
		t.Errorf("DELETE: status %d: %s", status, body)
	}
	if s.directory(t)["hop-cost-map"] {
		t.Error("the directory still lists the deleted cost map")
	}
}

func TestRealDatastoreRejects(t *testing.T) {
	s := startReal(t)
	before, err := os.ReadFile(s.file)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, path, body, tag string
		wantPath              bool
		status                int
	}{
		{"unknown cost type", resourceURL + "bad", `{"ietf-alto:resource": [{"resource-id": "bad", "resource-type": "cost-map",
		  "alto-costmap-params": {"cost-type-name": ["nope"], "goalto-alto:topology-cost-algorithm": {}}}]}`, "data-missing", true, http.StatusConflict},
		{"key differs from path", resourceURL + "other", hopCostMap, "invalid-value", false, http.StatusBadRequest},
		{"invalid identity", resourceURL + "odd", `{"ietf-alto:resource": [{"resource-id": "odd", "resource-type": "no-such-type"}]}`, "invalid-value", true, http.StatusBadRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, _, body := do(t, http.DefaultClient, "PUT", s.restconf+tc.path, writerToken, tc.body)
			if status != tc.status {
				t.Fatalf("status %d, want %d: %s", status, tc.status, body)
			}
			e := errorEntries(t, body)[0]
			if e["error-tag"] != tc.tag || e["error-message"] == "" {
				t.Errorf("error %v, want tag %s with a message", e, tc.tag)
			}
			if tc.wantPath && e["error-path"] == "" {
				t.Errorf("error %v has no error-path", e)
			}
		})
	}
	after, err := os.ReadFile(s.file)
	if err != nil || string(after) != string(before) {
		t.Errorf("a rejected change rewrote the configuration file (%v)", err)
	}
}

// TestRealInvalidChangeUnderLoad sends ALTO requests from several
// clients while invalid and valid changes arrive over RESTCONF: every
// ALTO request succeeds, and the valid changes take effect.
func TestRealInvalidChangeUnderLoad(t *testing.T) {
	s := startReal(t)
	const clients, requestsPerClient = 4, 150
	var failed, served atomic.Int64
	var firstFailure atomic.Value
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for i := range requestsPerClient {
				path := "/networkmap"
				if i%2 == 1 {
					path = "/costmap/num/routingcost"
				}
				resp, err := http.Get(s.origin() + path)
				if err != nil {
					failed.Add(1)
					firstFailure.CompareAndSwap(nil, err.Error())
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					failed.Add(1)
					firstFailure.CompareAndSwap(nil, fmt.Sprintf("GET %s: %s", path, resp.Status))
					continue
				}
				served.Add(1)
			}
		})
	}
	invalid := `{"ietf-alto:resource": [{"resource-id": "bad", "resource-type": "cost-map",
	  "alto-costmap-params": {"cost-type-name": ["nope"], "goalto-alto:topology-cost-algorithm": {}}}]}`
	for i := range 6 {
		status, _, body := do(t, http.DefaultClient, "PUT", s.restconf+resourceURL+"bad", writerToken, invalid)
		if status != http.StatusConflict {
			t.Errorf("invalid change %d: status %d: %s", i, status, body)
		}
		method, want := "PUT", http.StatusCreated
		if i%2 == 1 {
			method, want = "DELETE", http.StatusNoContent
		}
		body = ""
		if method == "PUT" {
			body = hopCostMap
		}
		if status, _, reply := do(t, http.DefaultClient, method, s.restconf+resourceURL+"hop-cost-map", writerToken, body); status != want {
			t.Errorf("valid change %d (%s): status %d, want %d: %s", i, method, status, want, reply)
		}
	}
	wg.Wait()
	if n := failed.Load(); n != 0 {
		t.Errorf("%d of %d ALTO requests failed during the changes; first: %v", n, clients*requestsPerClient, firstFailure.Load())
	}
	if served.Load() != clients*requestsPerClient {
		t.Errorf("%d ALTO requests served, want %d", served.Load(), clients*requestsPerClient)
	}
	if s.directory(t)["bad"] {
		t.Error("the directory lists the resource of a rejected change")
	}
}

func TestRealMemLimitEvent(t *testing.T) {
	s := startReal(t)
	events := restconf.NewEvents(quietLogger())
	stats := altostats.New(altostats.Config{OnMemLimit: func(id string, limit uint64) {
		events.ResourceLimit(restconf.ResourceEvent{ResourceID: id, MemThreshold: limit})
	}})
	stats.ObservePublish(s.d.Handler().Snapshot())
	ds := restconf.WatchMemLimits(s.ds, stats.SetMemLimits, quietLogger())
	base := serve(t, restconf.Config{Datastore: ds, State: stats, Events: events, Operators: operators()})

	req, _ := http.NewRequest("GET", base+restconf.StreamPath, nil)
	req.Header.Set("Authorization", "Bearer "+readerToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()

	limit := `{"ietf-alto:resource": [{"resource-id": "default-network-map", "resource-limits": {"notify-res-mem-limit": "1"}}]}`
	if status, _, body := do(t, http.DefaultClient, "PATCH", base+resourceURL+"default-network-map", writerToken, limit); status != http.StatusNoContent {
		t.Fatalf("PATCH of the limit: status %d: %s", status, body)
	}
	line, err := bufio.NewReader(resp.Body).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	want := `"ietf-alto:alto-resource-event":{"notify-res-mem-threshold":"1","resource-id":"default-network-map"}`
	if !strings.Contains(line, want) {
		t.Errorf("event %s, want %s", line, want)
	}
}

// TestRealErrorStatusAndPath checks the status of each error-tag
// (RFC 8040, Section 7), the instance-identifier form of error-path, and
// a GET of a list entry whose key the schema declares.
func TestRealErrorStatusAndPath(t *testing.T) {
	s := startReal(t)
	tests := []struct {
		name, method, path, body string
		status                   int
		tag, errPath             string
	}{
		{"missing node", "PATCH", resourceURL + "nope/description", `{"ietf-alto:description": "x"}`, http.StatusConflict, "data-missing",
			"/ietf-alto:alto/alto-server/resource[resource-id='nope']/description"},
		{"missing mandatory leaf", "PUT", resourceURL + "m", `{"ietf-alto:resource": [{"resource-id": "m"}]}`, http.StatusBadRequest, "missing-element",
			"/ietf-alto:alto/alto-server/resource[resource-id='m']/resource-type"},
		{"unsupported", "PUT", altoURL + "/alto-server/cost-type=num-routing", `{"ietf-alto:cost-type": [{"cost-type-name": "num-routing", "cost-mode": "numerical", "cost-metric": "routingcost", "cost-context": {"cost-source": "sla"}}]}`,
			http.StatusNotImplemented, "operation-not-supported", "/ietf-alto:alto/alto-server/cost-type[cost-type-name='num-routing']"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, _, body := do(t, http.DefaultClient, tc.method, s.restconf+tc.path, writerToken, tc.body)
			if status != tc.status {
				t.Fatalf("status %d, want %d: %s", status, tc.status, body)
			}
			e := errorEntries(t, body)[0]
			if e["error-tag"] != tc.tag || !strings.HasPrefix(e["error-path"], tc.errPath) {
				t.Errorf("error %+v, want tag %s at %s", e, tc.tag, tc.errPath)
			}
		})
	}
	status, _, body := do(t, http.DefaultClient, "GET", s.restconf+altoURL+"/alto-server/listen/http/tcp-server-parameters/local-bind=127.0.0.1", readerToken, "")
	if status != http.StatusOK || !strings.Contains(body, `"local-address": "127.0.0.1"`) {
		t.Errorf("GET local-bind: status %d: %s", status, body)
	}
}
