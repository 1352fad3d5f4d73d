package daemon_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/alttest"
	"github.com/goalto/goalto/internal/daemon"
)

// definitionText is the network definition of the tests. Its PIDs are the
// topology nodes that have prefixes, and every resource is a default one.
const definitionText = `# Network definition of the daemon tests.
network-map:
  resource-id: test-network-map
topology: topology.yaml
`

// topologySpec is one version of the test topology, which has four nodes
// in a line a-b-c-d and a shortcut a-c.
type topologySpec struct {
	abMetric  int
	cPrefixes string // YAML list of the prefixes of node c
	dPrefixes string // YAML list of the prefixes of node d; "[]" for none
}

var baseTopology = topologySpec{abMetric: 10, cPrefixes: "[198.51.100.0/24]", dPrefixes: "[]"}

func (s topologySpec) yaml() string {
	return fmt.Sprintf(`nodes:
  - {id: a, prefixes: [192.0.2.0/25]}
  - {id: b, prefixes: [192.0.2.128/25]}
  - {id: c, prefixes: %s}
  - {id: d, prefixes: %s}
links:
  - {from: a, to: b, metric: %d}
  - {from: b, to: c, metric: 5}
  - {from: a, to: c, metric: 20}
  - {from: c, to: d, metric: 1}
`, s.cPrefixes, s.dPrefixes, s.abMetric)
}

// network is a definition file and its topology file in a temporary
// folder.
type network struct {
	definition, topology string
	writes               int // files written so far, for distinct modification times
}

func newNetwork(t *testing.T, topo topologySpec) *network {
	t.Helper()
	dir := t.TempDir()
	n := &network{definition: filepath.Join(dir, "network.yaml"), topology: filepath.Join(dir, "topology.yaml")}
	n.write(t, n.topology, topo.yaml())
	n.write(t, n.definition, definitionText)
	return n
}

// write replaces a file by renaming a complete new file over it, so that
// a polling reload never reads half a file. The new file gets a
// modification time later than any before it, so that a change is seen
// even on a file system with coarse timestamps. It is not safe for
// concurrent use.
func (n *network) write(t *testing.T, path, text string) {
	t.Helper()
	if err := n.writeFile(path, text); err != nil {
		t.Fatal(err)
	}
}

func (n *network) writeFile(path, text string) error {
	tmp := path + ".new"
	if err := os.WriteFile(tmp, []byte(text), 0o644); err != nil {
		return err
	}
	n.writes++
	stamp := time.Date(2024, 1, 1, 0, 0, n.writes, 0, time.UTC)
	if err := os.Chtimes(tmp, stamp, stamp); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// server is a running daemon with an HTTP client.
type server struct {
	d      *daemon.Daemon
	origin string
	client *http.Client
}

func startServer(t *testing.T, cfg daemon.Config) *server {
	t.Helper()
	d := alttest.StartConfig(t, cfg)
	u, err := url.Parse(d.IRDURL())
	if err != nil {
		t.Fatalf("directory URL: %v", err)
	}
	tr := &http.Transport{DisableCompression: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &server{d: d, origin: u.Scheme + "://" + u.Host, client: &http.Client{Transport: tr}}
}

// fetch sends a request and returns the body of a 200 response, or an
// error for any other outcome. It is safe for concurrent use.
func (s *server) fetch(method, path, contentType, body string) ([]byte, error) {
	req, err := http.NewRequest(method, s.origin+path, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: reading body: %w", method, path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s %s: status %d: %s", method, path, resp.StatusCode, data)
	}
	return data, nil
}

func (s *server) get(t *testing.T, path string) []byte {
	t.Helper()
	data, err := s.fetch(http.MethodGet, path, "", "")
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func (s *server) networkMap(t *testing.T) alto.NetworkMap {
	t.Helper()
	var nm alto.NetworkMap
	if err := json.Unmarshal(s.get(t, "/networkmap"), &nm); err != nil {
		t.Fatalf("decoding the network map: %v", err)
	}
	if nm.Meta.VTag == nil || nm.Meta.VTag.Tag == "" {
		t.Fatalf("network map without vtag: %+v", nm.Meta)
	}
	return nm
}

func (s *server) costMap(t *testing.T, path string) alto.CostMap {
	t.Helper()
	var cm alto.CostMap
	if err := json.Unmarshal(s.get(t, path), &cm); err != nil {
		t.Fatalf("decoding %s: %v", path, err)
	}
	return cm
}

// getPaths are the GET resources of a definition with default resources.
var getPaths = []string{
	"/directory",
	"/networkmap",
	"/costmap/num/routingcost",
	"/costmap/num/hopcount",
	"/costmap/ord/routingcost",
	"/costmap/ord/hopcount",
}

var costMapPaths = getPaths[2:]

// snapshotBodies returns the body of every GET resource by path.
func (s *server) snapshotBodies(t *testing.T) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, p := range getPaths {
		out[p] = s.get(t, p)
	}
	return out
}

func checkDependsOn(t *testing.T, resource string, cm alto.CostMap, vtag alto.VersionTag) {
	t.Helper()
	if len(cm.Meta.DependentVTags) != 1 || cm.Meta.DependentVTags[0] != vtag {
		t.Errorf("%s: dependent-vtags %+v, want [%+v]", resource, cm.Meta.DependentVTags, vtag)
	}
}

func TestReloadUnchangedKeepsBytes(t *testing.T) {
	n := newNetwork(t, baseTopology)
	s := startServer(t, daemon.Config{Definition: n.definition})
	before := s.snapshotBodies(t)
	if err := s.d.Reload(); err != nil {
		t.Fatalf("Reload: %v", err)
	}
	after := s.snapshotBodies(t)
	for _, p := range getPaths {
		if !bytes.Equal(before[p], after[p]) {
			t.Errorf("%s changed after a reload of unchanged files", p)
		}
	}
}

func TestReloadMetricChange(t *testing.T) {
	n := newNetwork(t, baseTopology)
	s := startServer(t, daemon.Config{Definition: n.definition})
	nmBefore := s.get(t, "/networkmap")
	before := s.costMap(t, "/costmap/num/routingcost")
	// The direct link a-b costs 10, and the path a-c-b costs 20+5 = 25.
	if got := before.CostMap["a"]["b"]; got != 10 {
		t.Fatalf("routingcost a->b = %v before the change, want 10", got)
	}

	changed := baseTopology
	changed.abMetric = 30
	n.write(t, n.topology, changed.yaml())
	if err := s.d.Reload(); err != nil {
		t.Fatalf("Reload: %v", err)
	}

	after := s.costMap(t, "/costmap/num/routingcost")
	if got := after.CostMap["a"]["b"]; got != 25 {
		t.Errorf("routingcost a->b = %v after raising the a-b metric to 30, want 25 (via c)", got)
	}
	if got := after.CostMap["b"]["a"]; got != 25 {
		t.Errorf("routingcost b->a = %v, want 25", got)
	}
	if nmAfter := s.get(t, "/networkmap"); !bytes.Equal(nmBefore, nmAfter) {
		t.Errorf("network map changed although no prefix changed:\nbefore %s\nafter  %s", nmBefore, nmAfter)
	}
	nm := s.networkMap(t)
	checkDependsOn(t, "routingcost after the change", after, *nm.Meta.VTag)
}

func TestReloadPrefixChange(t *testing.T) {
	n := newNetwork(t, baseTopology)
	s := startServer(t, daemon.Config{Definition: n.definition})
	before := s.networkMap(t)

	changed := baseTopology
	changed.cPrefixes = "[203.0.113.0/24]"
	n.write(t, n.topology, changed.yaml())
	if err := s.d.Reload(); err != nil {
		t.Fatalf("Reload: %v", err)
	}

	after := s.networkMap(t)
	if after.Meta.VTag.Tag == before.Meta.VTag.Tag {
		t.Errorf("vtag %q did not change with a prefix", after.Meta.VTag.Tag)
	}
	if after.Meta.VTag.ResourceID != before.Meta.VTag.ResourceID {
		t.Errorf("resource ID changed from %q to %q", before.Meta.VTag.ResourceID, after.Meta.VTag.ResourceID)
	}
	want := []netip.Prefix{netip.MustParsePrefix("203.0.113.0/24")}
	if got := after.NetworkMap["c"][alto.AddressTypeIPv4]; !slices.Equal(got, want) {
		t.Errorf("PID c = %v, want %v", got, want)
	}
	for _, p := range costMapPaths {
		checkDependsOn(t, p, s.costMap(t, p), *after.Meta.VTag)
	}
	var filtered alto.CostMap
	body, err := s.fetch(http.MethodPost, "/costmap/filtered", alto.MediaTypeCostMapFilter,
		`{"cost-type":{"cost-mode":"numerical","cost-metric":"hopcount"}}`)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(body, &filtered); err != nil {
		t.Fatalf("decoding the filtered cost map: %v", err)
	}
	checkDependsOn(t, "filtered cost map", filtered, *after.Meta.VTag)
}

func TestReloadInvalidKeepsPrevious(t *testing.T) {
	tests := []struct {
		name string
		file string // "definition" or "topology"
		text string
		line int // line of the error in text
	}{
		{"unknown definition field", "definition", definitionText + "unknown-field: 1\n", 5},
		{"unknown topology field", "topology", strings.Replace(baseTopology.yaml(), "metric: 5}", "metrc: 5}", 1), 8},
		{"topology link to unknown node", "topology", strings.Replace(baseTopology.yaml(), "{from: c, to: d,", "{from: c, to: e,", 1), 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := newNetwork(t, baseTopology)
			s := startServer(t, daemon.Config{Definition: n.definition})
			before := s.snapshotBodies(t)

			path := n.definition
			if tt.file == "topology" {
				path = n.topology
			}
			n.write(t, path, tt.text)
			err := s.d.Reload()
			if err == nil {
				t.Fatal("Reload of an invalid file succeeded")
			}
			if want := fmt.Sprintf("%s:%d", path, tt.line); !strings.Contains(err.Error(), want) {
				t.Errorf("Reload error %q does not name %s", err, want)
			}

			after := s.snapshotBodies(t)
			for _, p := range getPaths {
				if !bytes.Equal(before[p], after[p]) {
					t.Errorf("%s changed after a failed reload", p)
				}
			}

			if tt.file == "topology" {
				n.write(t, path, baseTopology.yaml())
			} else {
				n.write(t, path, definitionText)
			}
			if err := s.d.Reload(); err != nil {
				t.Fatalf("Reload after restoring the file: %v", err)
			}
		})
	}
}

func TestStartInvalidDefinition(t *testing.T) {
	n := newNetwork(t, baseTopology)
	n.write(t, n.definition, definitionText+"resources: 7\n")
	d, err := daemon.Start(daemon.Config{Definition: n.definition, Listen: "127.0.0.1:0", ReloadInterval: -1})
	if err == nil {
		d.Shutdown(t.Context())
		t.Fatal("Start with an invalid definition succeeded")
	}
	if !strings.Contains(err.Error(), n.definition+":5") {
		t.Errorf("Start error %q does not name %s:5", err, n.definition)
	}
}

func TestPollingReload(t *testing.T) {
	n := newNetwork(t, baseTopology)
	s := startServer(t, daemon.Config{Definition: n.definition, ReloadInterval: 100 * time.Millisecond})
	before := s.networkMap(t)

	changed := baseTopology
	changed.dPrefixes = "[203.0.113.0/24]"
	n.write(t, n.topology, changed.yaml())

	// Poll for a minute, which is 600 reload intervals.
	var after alto.NetworkMap
	deadline := time.Now().Add(time.Minute)
	for {
		after = s.networkMap(t)
		if after.Meta.VTag.Tag != before.Meta.VTag.Tag {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("vtag still %q after a minute: the change of %s was not picked up", before.Meta.VTag.Tag, n.topology)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if _, ok := after.NetworkMap["d"]; !ok {
		t.Errorf("the new network map has no PID d: %v", sortedKeys(after.NetworkMap))
	}
	checkDependsOn(t, "routingcost after polling reload", s.costMap(t, "/costmap/num/routingcost"), *after.Meta.VTag)
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// costMapPIDs returns every PID that appears in a cost map.
func costMapPIDs(m map[string]map[string]float64) []string {
	set := map[string]bool{}
	for src, row := range m {
		set[src] = true
		for dst := range row {
			set[dst] = true
		}
	}
	return sortedKeys(set)
}

func TestConcurrentReadersSeeOneVersion(t *testing.T) {
	v1 := baseTopology
	v2 := baseTopology
	v2.dPrefixes = "[203.0.113.0/24]"
	v2.abMetric = 40

	n := newNetwork(t, v1)
	s := startServer(t, daemon.Config{Definition: n.definition})
	versions := map[string]version{}
	for _, v := range []topologySpec{v2, v1} {
		n.write(t, n.topology, v.yaml())
		if err := s.d.Reload(); err != nil {
			t.Fatalf("Reload: %v", err)
		}
		nm := s.networkMap(t)
		cm := s.costMap(t, "/costmap/num/routingcost")
		versions[nm.Meta.VTag.Tag] = version{pids: sortedKeys(nm.NetworkMap), ab: cm.CostMap["a"]["b"]}
	}
	if len(versions) != 2 {
		t.Fatalf("the two versions have %d distinct vtags, want 2", len(versions))
	}
	if slices.Equal(versions[tagOf(versions, 0)].pids, versions[tagOf(versions, 1)].pids) {
		t.Fatalf("the two versions have the same PIDs")
	}

	// The reloader swaps the two versions until the readers are done, at
	// most 500 times. Each reader pauses briefly between its requests, so
	// that the 200 requests spread over many swaps.
	const readers, requestsPerReader, maxReloads = 4, 50, 500
	var wg sync.WaitGroup
	errs := make(chan error, readers*requestsPerReader)
	done := make(chan struct{})
	reloads := 0
	var reloadErr error
	reloaderDone := make(chan struct{})
	go func() {
		defer close(reloaderDone)
		for ; reloads < maxReloads; reloads++ {
			select {
			case <-done:
				return
			default:
			}
			v := v1
			if reloads%2 == 0 {
				v = v2
			}
			if err := n.writeFile(n.topology, v.yaml()); err != nil {
				reloadErr = err
				return
			}
			if err := s.d.Reload(); err != nil {
				reloadErr = err
				return
			}
		}
	}()

	var mu sync.Mutex
	seen := map[string]int{}
	for r := 0; r < readers; r++ {
		wg.Add(1)
		go func(r int) {
			defer wg.Done()
			for i := 0; i < requestsPerReader; i++ {
				tag, err := checkConsistentCostMap(s, versions, (r+i)%2 == 0)
				if err != nil {
					errs <- err
				}
				mu.Lock()
				seen[tag]++
				mu.Unlock()
				time.Sleep(500 * time.Microsecond)
			}
		}(r)
	}
	wg.Wait()
	close(done)
	<-reloaderDone
	close(errs)

	if reloadErr != nil {
		t.Fatalf("Reload during the readers: %v", reloadErr)
	}
	count := 0
	for err := range errs {
		count++
		if count <= 10 {
			t.Error(err)
		}
	}
	if count > 10 {
		t.Errorf("%d inconsistent responses in all", count)
	}
	t.Logf("%d reloads during %d requests; responses per version tag: %v", reloads, readers*requestsPerReader, seen)
}

// version is one network version seen by clients, with the PIDs of its
// network map and its routing cost from PID a to PID b.
type version struct {
	pids []string
	ab   float64
}

// tagOf returns the i-th version tag in sorted order.
func tagOf(versions map[string]version, i int) string {
	return sortedKeys(versions)[i]
}

// checkConsistentCostMap fetches a full or a filtered cost map, checks
// that its PIDs and costs are those of the network version whose tag it
// names, and returns that tag.
func checkConsistentCostMap(s *server, versions map[string]version, filtered bool) (string, error) {
	var body []byte
	var err error
	request := "GET /costmap/num/routingcost"
	if filtered {
		request = "POST /costmap/filtered"
		body, err = s.fetch(http.MethodPost, "/costmap/filtered", alto.MediaTypeCostMapFilter,
			`{"cost-type":{"cost-mode":"numerical","cost-metric":"routingcost"},"pids":{"srcs":[],"dsts":[]}}`)
	} else {
		body, err = s.fetch(http.MethodGet, "/costmap/num/routingcost", "", "")
	}
	if err != nil {
		return "", err
	}

	var cm alto.CostMap
	if err := json.Unmarshal(body, &cm); err != nil {
		return "", fmt.Errorf("%s: decoding: %w", request, err)
	}
	if len(cm.Meta.DependentVTags) != 1 {
		return "", fmt.Errorf("%s: dependent-vtags %+v, want one", request, cm.Meta.DependentVTags)
	}

	tag := cm.Meta.DependentVTags[0].Tag
	want, ok := versions[tag]
	if !ok {
		return "", fmt.Errorf("%s: dependent vtag %q is neither version's", request, tag)
	}
	if got := costMapPIDs(cm.CostMap); !slices.Equal(got, want.pids) {
		return "", fmt.Errorf("%s: PIDs %q under vtag %q, whose network map has %q", request, got, tag, want.pids)
	}
	if got := cm.CostMap["a"]["b"]; got != want.ab {
		return "", fmt.Errorf("%s: routingcost a->b %v under vtag %q, whose cost map has %v", request, got, tag, want.ab)
	}
	return tag, nil
}
