package client_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goalto/goalto/client"
	"github.com/goalto/goalto/internal/alttest"
	"github.com/goalto/goalto/internal/daemon"
	"github.com/goalto/goalto/internal/updates"
)

// followTimeout bounds each wait for updates, so that a missing update
// fails the test instead of hanging it.
const followTimeout = 30 * time.Second

// followDefinition offers a network map and two cost maps over an
// update stream and a TIPS resource, whose "uses" default to all three.
const followDefinition = `network-map:
  resource-id: test-network-map
topology: topology.yaml
cost-types:
  num-routing: {cost-mode: numerical, cost-metric: routingcost}
  num-hop: {cost-mode: numerical, cost-metric: hopcount}
resources:
  - {id: test-network-map, type: network-map, path: /networkmap}
  - {id: routing-cost-map, type: cost-map, path: /costmap/routing, cost-types: [num-routing]}
  - {id: hop-cost-map, type: cost-map, path: /costmap/hop, cost-types: [num-hop]}
  - {id: filtered-cost-map, type: filtered-cost-map, path: /costmap/filtered, cost-types: [num-routing]}
  - {id: update-stream, type: update-stream, path: /updates/stream}
  - {id: tips, type: tips, path: /tips}
`

// Resource IDs of followDefinition.
const (
	networkMapID = "test-network-map"
	routingMapID = "routing-cost-map"
	hopMapID     = "hop-cost-map"
)

var followedIDs = []string{networkMapID, routingMapID, hopMapID}

// topology is one version of the test topology: six nodes n0 to n5 in
// a line, each with some prefixes, plus extra links.
type topology struct {
	prefixes [6][]string
	metrics  map[[2]int]int
}

func baseTopology() topology {
	var t topology
	for i := range t.prefixes {
		t.prefixes[i] = []string{fmt.Sprintf("10.%d.0.0/24", i)}
	}
	t.metrics = map[[2]int]int{}
	for i := range 5 {
		t.metrics[[2]int{i, i + 1}] = 10
	}
	return t
}

func (t topology) clone() topology {
	c := topology{metrics: map[[2]int]int{}}
	for i, p := range t.prefixes {
		c.prefixes[i] = slices.Clone(p)
	}
	for k, v := range t.metrics {
		c.metrics[k] = v
	}
	return c
}

func (t topology) links() [][2]int {
	keys := make([][2]int, 0, len(t.metrics))
	for k := range t.metrics {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b [2]int) int { return a[0]*10 + a[1] - b[0]*10 - b[1] })
	return keys
}

func (t topology) yaml() string {
	var b strings.Builder
	b.WriteString("nodes:\n")
	for i, p := range t.prefixes {
		fmt.Fprintf(&b, "  - {id: n%d, prefixes: [%s]}\n", i, strings.Join(p, ", "))
	}
	b.WriteString("links:\n")
	for _, k := range t.links() {
		fmt.Fprintf(&b, "  - {from: n%d, to: n%d, metric: %d}\n", k[0], k[1], t.metrics[k])
	}
	return b.String()
}

// mutate returns the topology with one random change: a link metric,
// a prefix of a node, all prefixes of a node (a PID comes or goes), or
// an extra link.
func (t topology) mutate(rng *rand.Rand) topology {
	c := t.clone()
	switch rng.IntN(4) {
	case 0:
		links := c.links()
		c.metrics[links[rng.IntN(len(links))]] = 1 + rng.IntN(20)
	case 1:
		node := rng.IntN(6)
		p := fmt.Sprintf("10.%d.%d.0/24", node, 1+rng.IntN(3))
		if i := slices.Index(c.prefixes[node], p); i >= 0 {
			c.prefixes[node] = slices.Delete(c.prefixes[node], i, i+1)
		} else {
			c.prefixes[node] = append(c.prefixes[node], p)
		}
	case 2:
		node := 1 + rng.IntN(5) // n0 keeps its prefixes, so some PID is left
		if len(c.prefixes[node]) > 0 {
			c.prefixes[node] = nil
		} else {
			c.prefixes[node] = []string{fmt.Sprintf("10.%d.0.0/24", node)}
		}
	case 3:
		a := rng.IntN(4)
		b := a + 2 + rng.IntN(4-a)
		if _, ok := c.metrics[[2]int{a, b}]; ok {
			delete(c.metrics, [2]int{a, b})
		} else {
			c.metrics[[2]int{a, b}] = 1 + rng.IntN(30)
		}
	}
	return c
}

// bothChanged returns the topology with a new metric on link n0-n1
// and a new extra prefix of n3, which changes the network map and every
// cost map. Each k gives another topology, up to k = 96.
func (t topology) bothChanged(k int) topology {
	c := t.clone()
	c.metrics[[2]int{0, 1}] = 11 + k%97
	c.prefixes[3] = []string{"10.3.0.0/24", fmt.Sprintf("10.3.%d.0/24", 1+k%97)}
	return c
}

// followServer is a daemon serving followDefinition from a temporary
// folder.
type followServer struct {
	d       *daemon.Daemon
	dir     string
	topo    topology
	changes int
}

func startFollowServer(t *testing.T) *followServer {
	t.Helper()
	s := &followServer{dir: t.TempDir(), topo: baseTopology()}
	s.write(t, "topology.yaml", s.topo.yaml())
	s.write(t, "network.yaml", followDefinition)
	s.d = alttest.StartConfig(t, daemon.Config{Definition: filepath.Join(s.dir, "network.yaml")})
	return s
}

// write replaces a file of the definition folder by renaming a new file
// over it.
func (s *followServer) write(t *testing.T, name, text string) {
	t.Helper()
	path := filepath.Join(s.dir, name)
	if err := os.WriteFile(path+".new", []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path+".new", path); err != nil {
		t.Fatal(err)
	}
}

// changeBoth changes the network map and every cost map.
func (s *followServer) changeBoth(t *testing.T) {
	t.Helper()
	s.changes++
	s.change(t, s.topo.bothChanged(s.changes))
}

// change writes a topology and reloads the daemon.
func (s *followServer) change(t *testing.T, topo topology) {
	t.Helper()
	s.topo = topo
	s.write(t, "topology.yaml", topo.yaml())
	if err := s.d.Reload(); err != nil {
		t.Fatalf("reload: %v", err)
	}
}

// newTestClient returns a client of the directory at irdURL with a
// transport of its own, whose idle connections it closes at the end of
// the test. A long poll canceled while it dialed leaves a connection
// that never carried a request. The server's shutdown waits 5 seconds
// for such a connection (net/http, Go 1.26).
func newTestClient(t *testing.T, irdURL string) *client.Client {
	t.Helper()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	c, err := client.New(irdURL, client.WithHTTPClient(&http.Client{Transport: tr}))
	if err != nil {
		t.Fatalf("client.New: %v", err)
	}
	return c
}

// fetchAll GETs each resource with a client of its own, so that no ETag
// cache is shared with the follower.
func fetchAll(t *testing.T, irdURL string, ids []string) map[string][]byte {
	t.Helper()
	c := newTestClient(t, irdURL)
	out := make(map[string][]byte, len(ids))
	for _, id := range ids {
		r, err := c.Resource(context.Background(), id)
		if err != nil {
			t.Fatalf("Resource %s: %v", id, err)
		}
		resp, err := c.Get(context.Background(), r)
		if err != nil {
			t.Fatalf("GET %s: %v", id, err)
		}
		out[id] = resp.Body
	}
	return out
}

// sameJSON reports whether two documents have equal canonical JSON
// forms.
func sameJSON(t *testing.T, a, b []byte) bool {
	t.Helper()
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	ca, err := updates.Canonical(a)
	if err != nil {
		t.Fatalf("canonical form of %.200s: %v", a, err)
	}
	cb, err := updates.Canonical(b)
	if err != nil {
		t.Fatalf("canonical form of %.200s: %v", b, err)
	}
	return bytes.Equal(ca, cb)
}

// syncTo receives updates until the last update of every resource in
// want holds the wanted state, checks State against it, and returns the
// updates received. The states of earlier calls count, since a resource
// that a change leaves alone gets no update.
func syncTo(t *testing.T, f *client.Follower, want map[string][]byte) []client.Update {
	t.Helper()
	got := received(f)
	var list []client.Update
	timeout := time.NewTimer(followTimeout)
	defer timeout.Stop()
	for !allSame(t, got, want) {
		select {
		case u, ok := <-f.Updates():
			if !ok {
				t.Fatalf("updates closed before the states were in sync: %v", f.Err())
			}
			list = append(list, u)
			got[u.ResourceID] = u.State
		case <-timeout.C:
			t.Fatalf("states not in sync after %s; received %s", followTimeout, describeUpdates(list))
		}
	}
	for id, doc := range want {
		if !sameJSON(t, f.State(id), doc) {
			t.Fatalf("State(%s) differs from a fresh GET:\n got: %.300s\nwant: %.300s", id, f.State(id), doc)
		}
	}
	return list
}

// receivedStates holds, for each follower of a test, the state of the
// last update received of each resource.
var receivedStates sync.Map

func received(f *client.Follower) map[string][]byte {
	m, _ := receivedStates.LoadOrStore(f, map[string][]byte{})
	return m.(map[string][]byte)
}

func allSame(t *testing.T, got, want map[string][]byte) bool {
	for id, doc := range want {
		if !sameJSON(t, got[id], doc) {
			return false
		}
	}
	return true
}

func describeUpdates(list []client.Update) string {
	parts := make([]string, len(list))
	for i, u := range list {
		parts[i] = fmt.Sprintf("%s #%d %s resync=%t %s", u.ResourceID, u.Seq, u.Kind, u.Resync, u.Reason)
	}
	return "[" + strings.Join(parts, "; ") + "]"
}

// follow starts a follower of the resources over a protocol, closed at
// the end of the test, and collects its warnings.
func follow(t *testing.T, irdURL string, via client.Via, ids []string) (*client.Follower, *warnings) {
	t.Helper()
	w := &warnings{}
	f, err := newTestClient(t, irdURL).Follow(t.Context(), via, ids, client.WithWarningFunc(w.add))
	if err != nil {
		t.Fatalf("Follow over %s: %v", via, err)
	}
	t.Cleanup(func() {
		f.Close()
		receivedStates.Delete(f)
	})
	return f, w
}

// warnings collects the messages of a follower's warning function.
type warnings struct {
	mu   sync.Mutex
	list []string
}

func (w *warnings) add(resourceID, message string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.list = append(w.list, resourceID+": "+message)
}

func (w *warnings) all() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.list)
}

// resyncs returns the updates marked Resync.
func resyncs(list []client.Update) []client.Update {
	var out []client.Update
	for _, u := range list {
		if u.Resync {
			out = append(out, u)
		}
	}
	return out
}

// corruptingProxy serves the daemon at target through a reverse proxy
// that passes each TIPS update item and each update stream event to
// rewrite, and returns the proxy's directory URL. The Host header is
// kept, so the URIs that the daemon builds lead back to the proxy.
func corruptingProxy(t *testing.T, irdURL string, rewriteItem func(r *http.Request, mediaType string, body []byte) (string, []byte), rewriteEvent func(block string) string) string {
	t.Helper()
	target, err := url.Parse(irdURL)
	if err != nil {
		t.Fatal(err)
	}
	proxy := &httputil.ReverseProxy{
		// Followers closed at the end of a test cancel proxied requests.
		ErrorLog: log.New(io.Discard, "", 0),
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(&url.URL{Scheme: target.Scheme, Host: target.Host})
			r.Out.Host = r.In.Host
		},
		ModifyResponse: func(resp *http.Response) error {
			mediaType, _, _ := strings.Cut(resp.Header.Get("Content-Type"), ";")
			switch {
			case mediaType == "text/event-stream" && rewriteEvent != nil:
				resp.Body = &eventRewriter{src: bufio.NewReader(resp.Body), closer: resp.Body, rewrite: rewriteEvent}
			case strings.Contains(resp.Request.URL.Path, "/ug/") && resp.StatusCode == http.StatusOK && rewriteItem != nil:
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil {
					return err
				}
				newType, newBody := rewriteItem(resp.Request, mediaType, body)
				resp.Header.Set("Content-Type", newType)
				resp.Header.Set("Content-Length", fmt.Sprint(len(newBody)))
				resp.ContentLength = int64(len(newBody))
				resp.Body = io.NopCloser(bytes.NewReader(newBody))
			}
			return nil
		},
	}
	// The proxy forwards a copy of each request body. Forwarding the
	// body itself can fail: once the proxy flushes the headers of a
	// stream, the server closes the body that the proxy's transport may
	// still be reading.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + target.Path
}

// eventRewriter reads an event stream one event at a time, up to its
// blank line, and passes each to rewrite. An empty result drops the
// event.
type eventRewriter struct {
	src     *bufio.Reader
	closer  io.Closer
	rewrite func(block string) string
	pending []byte
}

func (e *eventRewriter) Read(p []byte) (int, error) {
	for len(e.pending) == 0 {
		var block strings.Builder
		for {
			line, err := e.src.ReadString('\n')
			block.WriteString(line)
			if err != nil {
				if block.Len() > 0 {
					e.pending = []byte(e.rewrite(block.String()))
					break
				}
				return 0, err
			}
			if line == "\n" {
				e.pending = []byte(e.rewrite(block.String()))
				break
			}
		}
	}
	n := copy(p, e.pending)
	e.pending = e.pending[n:]
	return n, nil
}

func (e *eventRewriter) Close() error { return e.closer.Close() }

// eventFields splits an event block into its event type and its data.
func eventFields(block string) (eventType, data string) {
	var lines []string
	for _, line := range strings.Split(block, "\n") {
		if v, ok := strings.CutPrefix(line, "event: "); ok {
			eventType = v
		}
		if v, ok := strings.CutPrefix(line, "data: "); ok {
			lines = append(lines, v)
		}
	}
	return eventType, strings.Join(lines, "\n")
}
