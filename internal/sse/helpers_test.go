package sse_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/alttest"
	"github.com/goalto/goalto/internal/daemon"
	"github.com/goalto/goalto/internal/sse"
	"github.com/goalto/goalto/internal/updates"
)

// testTimeout bounds every stream a test reads, so that a missing event
// fails the test instead of hanging it.
const testTimeout = 30 * time.Second

// testDefinition is the network definition of the integration tests:
// a network map, three cost maps and an update stream that offers all
// four, besides a filtered cost map that it does not offer.
const testDefinition = `network-map:
  resource-id: test-network-map
topology: topology.yaml
cost-types:
  num-routing: {cost-mode: numerical, cost-metric: routingcost}
  num-hop: {cost-mode: numerical, cost-metric: hopcount}
  ord-routing: {cost-mode: ordinal, cost-metric: routingcost}
resources:
  - {id: test-network-map, type: network-map, path: /networkmap}
  - {id: routing-cost-map, type: cost-map, path: /costmap/routing, cost-types: [num-routing]}
  - {id: hop-cost-map, type: cost-map, path: /costmap/hop, cost-types: [num-hop]}
  - {id: ordinal-cost-map, type: cost-map, path: /costmap/ordinal, cost-types: [ord-routing]}
  - {id: filtered-cost-map, type: filtered-cost-map, path: /costmap/filtered, cost-types: [num-routing]}
  - {id: update-stream, type: update-stream, path: /updates/stream, uses: [test-network-map, routing-cost-map, hop-cost-map, ordinal-cost-map]}
`

// resourcePaths gives the GET path of each resource the update stream
// offers.
var resourcePaths = map[string]string{
	"test-network-map": "/networkmap",
	"routing-cost-map": "/costmap/routing",
	"hop-cost-map":     "/costmap/hop",
	"ordinal-cost-map": "/costmap/ordinal",
}

// testServer is a running daemon that serves the update stream service,
// with its definition folder.
type testServer struct {
	d      *daemon.Daemon
	origin string
	dir    string
	writes int // files written, for distinct modification times
}

// startServer starts a daemon with testDefinition, the topology topo
// and the update stream service configured by cfg.
func startServer(t *testing.T, cfg sse.Config, topo topology) *testServer {
	t.Helper()
	return startServerWith(t, cfg, testDefinition, topo.yaml())
}

// startServerWith starts a daemon with a definition and a topology text.
func startServerWith(t *testing.T, cfg sse.Config, definition, topo string) *testServer {
	t.Helper()
	s := &testServer{dir: t.TempDir()}
	if topo != "" {
		s.writeFile(t, "topology.yaml", topo)
	}
	s.writeFile(t, "network.yaml", definition)
	s.d = alttest.StartConfig(t, daemon.Config{
		Definition: filepath.Join(s.dir, "network.yaml"),
		Services:   []daemon.Registrar{sse.NewRegistrar(cfg)},
	})
	u, err := url.Parse(s.d.IRDURL())
	if err != nil {
		t.Fatalf("directory URL: %v", err)
	}
	s.origin = u.Scheme + "://" + u.Host
	return s
}

// writeFile replaces a file of the definition folder by renaming a new
// file over it, with a modification time later than any before.
func (s *testServer) writeFile(t *testing.T, name, text string) {
	t.Helper()
	path := filepath.Join(s.dir, name)
	tmp := path + ".new"
	if err := os.WriteFile(tmp, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	s.writes++
	stamp := time.Date(2024, 1, 1, 0, 0, s.writes, 0, time.UTC)
	if err := os.Chtimes(tmp, stamp, stamp); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// setTopology writes a topology and reloads the daemon.
func (s *testServer) setTopology(t *testing.T, topo topology) {
	t.Helper()
	s.writeFile(t, "topology.yaml", topo.yaml())
	if err := s.d.Reload(); err != nil {
		t.Fatalf("reload: %v", err)
	}
}

// get returns the body of a 200 response to a GET.
func (s *testServer) get(t *testing.T, c *http.Client, path string) []byte {
	t.Helper()
	resp, err := c.Get(s.origin + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d: %s", path, resp.StatusCode, body)
	}
	return body
}

// post sends a POST and returns the response with its body read.
func (s *testServer) post(t *testing.T, c *http.Client, uri, contentType, body string) (*http.Response, []byte) {
	t.Helper()
	if strings.HasPrefix(uri, "/") {
		uri = s.origin + uri
	}
	req, err := http.NewRequest(http.MethodPost, uri, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Accept", "text/event-stream,application/alto-error+json")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", uri, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("POST %s: %v", uri, err)
	}
	return resp, data
}

// control sends a stream control request and returns its status and
// body.
func (s *testServer) control(t *testing.T, c *http.Client, uri, body string) (int, []byte) {
	t.Helper()
	resp, data := s.post(t, c, uri, alto.MediaTypeUpdateStreamParams, body)
	return resp.StatusCode, data
}

// mustControl sends a stream control request that must succeed with 204
// No Content.
func (s *testServer) mustControl(t *testing.T, c *http.Client, uri, body string) {
	t.Helper()
	if status, data := s.control(t, c, uri, body); status != http.StatusNoContent {
		t.Fatalf("control request %s: status %d, want 204: %s", body, status, data)
	}
}

// fetchAll returns the body of every offered resource by resource ID.
func (s *testServer) fetchAll(t *testing.T, c *http.Client) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for id, path := range resourcePaths {
		out[id] = s.get(t, c, path)
	}
	return out
}

// streamClient reads an update stream and keeps the state that a client
// builds from it: the document of each substream.
type streamClient struct {
	t      *testing.T
	resp   *http.Response
	events *sse.SSEReader
	// first is the first event, and controlURI the control URI it
	// carries, resolved against the stream's URI as RFC 8895, Section 7.1
	// requires.
	first      sse.SSEEvent
	controlURI string
	// rawControlURI is the control URI as the server sent it.
	rawControlURI string
	// resources maps substream IDs to resource IDs, for the checks.
	resources map[string]string
	state     map[string][]byte
	// seen counts the data update messages per substream, and fulls and
	// patches the full replacements and incremental changes.
	seen           map[string]int
	fulls, patches int
	comments       int
}

// openStream opens an update stream and reads its first event, which
// must carry the control URI. resources maps the substream IDs of the
// request to resource IDs.
func (s *testServer) openStream(t *testing.T, c *http.Client, body string, resources map[string]string) *streamClient {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.origin+"/updates/stream", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", alto.MediaTypeUpdateStreamParams)
	req.Header.Set("Accept", "text/event-stream,application/alto-error+json")
	return openStreamRequest(t, c, req, resources)
}

// openStreamRequest sends a request that opens an update stream, and
// reads the first event as openStream does.
func openStreamRequest(t *testing.T, c *http.Client, req *http.Request, resources map[string]string) *streamClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(req.Context(), testTimeout)
	req = req.WithContext(ctx)
	resp, err := c.Do(req)
	if err != nil {
		cancel()
		t.Fatalf("opening the update stream: %v", err)
	}
	t.Cleanup(func() {
		resp.Body.Close()
		cancel()
	})
	if resp.StatusCode != http.StatusOK {
		data, _ := io.ReadAll(resp.Body)
		t.Fatalf("opening the update stream: status %d: %s", resp.StatusCode, data)
	}
	if ct := resp.Header.Get("Content-Type"); ct != alto.MediaTypeEventStream {
		t.Fatalf("Content-Type %q, want %q", ct, alto.MediaTypeEventStream)
	}
	sc := &streamClient{t: t, resp: resp, events: sse.NewSSEReader(resp.Body), resources: resources,
		state: map[string][]byte{}, seen: map[string]int{}}
	sc.readControlURI(resp.Request.URL)
	return sc
}

// readControlURI reads the first event, which must carry the control URI
// and nothing else.
func (sc *streamClient) readControlURI(base *url.URL) {
	sc.t.Helper()
	sc.first = sc.next()
	ce := decodeControlEvent(sc.t, sc.first)
	if ce.ControlURI == "" || ce.Started != nil || ce.Stopped != nil {
		sc.t.Fatalf("first event %q, want a control-uri alone", sc.first.Data)
	}
	u, err := base.Parse(ce.ControlURI)
	if err != nil {
		sc.t.Fatalf("control URI %q: %v", ce.ControlURI, err)
	}
	sc.controlURI, sc.rawControlURI = u.String(), ce.ControlURI
}

// next returns the next event, counting and skipping keep-alive comments.
func (sc *streamClient) next() sse.SSEEvent {
	sc.t.Helper()
	for {
		ev, err := sc.events.Next()
		if err != nil {
			sc.t.Fatalf("reading the update stream: %v", err)
		}
		if ev.Comment != "" {
			sc.comments++
			continue
		}
		return ev
	}
}

// expectEnd reads the stream to its end and fails on any event.
func (sc *streamClient) expectEnd() {
	sc.t.Helper()
	for {
		ev, err := sc.events.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			sc.t.Fatalf("reading the end of the update stream: %v", err)
		}
		if ev.Comment == "" {
			sc.t.Fatalf("event %q after the last, want the end of the stream", ev.Type)
		}
	}
}

// decodeControlEvent decodes a control update message.
func decodeControlEvent(t *testing.T, ev sse.SSEEvent) sse.ControlEvent {
	t.Helper()
	if ev.Type != alto.MediaTypeUpdateStreamControl {
		t.Fatalf("event type %q, want %q", ev.Type, alto.MediaTypeUpdateStreamControl)
	}
	var ce sse.ControlEvent
	if err := json.Unmarshal([]byte(ev.Data), &ce); err != nil {
		t.Fatalf("control event %q: %v", ev.Data, err)
	}
	return ce
}

// apply applies a data update message to the state and returns its
// substream ID. A full replacement must have the media type of its
// resource. A cost map must depend on the network map version that the
// client holds, because the server sends a network map update before the
// updates of the cost maps that depend on it (RFC 8895, Section 6.7.1).
func (sc *streamClient) apply(ev sse.SSEEvent) string {
	sc.t.Helper()
	mediaType, id, ok := strings.Cut(ev.Type, ",")
	rid, known := sc.resources[id]
	if !ok || !known {
		sc.t.Fatalf("event type %q names no substream of the request", ev.Type)
	}
	switch updates.PatchKind(mediaType) {
	case updates.MergePatch, updates.JSONPatch:
		doc, err := updates.Apply(sc.state[id], updates.PatchKind(mediaType), []byte(ev.Data))
		if err != nil {
			sc.t.Fatalf("applying %s to substream %s: %v", mediaType, id, err)
		}
		sc.state[id] = doc
		sc.patches++
	default:
		want := alto.MediaTypeCostMap
		if rid == "test-network-map" || rid == "my-network-map" {
			want = alto.MediaTypeNetworkMap
		}
		if mediaType != want {
			sc.t.Fatalf("full replacement of %s has media type %q, want %q", id, mediaType, want)
		}
		sc.state[id] = []byte(ev.Data)
		sc.fulls++
	}
	sc.seen[id]++
	sc.checkDependency(id)
	return id
}

// checkDependency checks that the cost map of a substream depends on the
// network map version that the client holds, if it follows the network
// map.
func (sc *streamClient) checkDependency(id string) {
	sc.t.Helper()
	var cm struct {
		Meta struct {
			DependentVtags []alto.VersionTag `json:"dependent-vtags"`
		} `json:"meta"`
	}
	if err := json.Unmarshal(sc.state[id], &cm); err != nil {
		sc.t.Fatalf("substream %s: %v", id, err)
	}
	for netID, rid := range sc.resources {
		doc, ok := sc.state[netID]
		if !ok || len(cm.Meta.DependentVtags) == 0 || cm.Meta.DependentVtags[0].ResourceID != rid {
			continue
		}
		if got, want := cm.Meta.DependentVtags[0].Tag, networkMapTag(sc.t, doc); got != want {
			sc.t.Fatalf("substream %s depends on network map version %s, but the client holds version %s", id, got, want)
		}
	}
}

// syncTo reads and applies events until the state of every substream
// equals want, a document by resource ID.
func (sc *streamClient) syncTo(want map[string][]byte) {
	sc.t.Helper()
	for !sc.equals(want) {
		sc.apply(sc.next())
	}
}

// equals reports whether the state of every substream equals want.
func (sc *streamClient) equals(want map[string][]byte) bool {
	sc.t.Helper()
	for id, rid := range sc.resources {
		got, ok := sc.state[id]
		if !ok {
			return false
		}
		eq, err := updates.Equal(got, want[rid])
		if err != nil {
			sc.t.Fatalf("substream %s: %v", id, err)
		}
		if !eq {
			return false
		}
	}
	return true
}

// networkMapTag returns the vtag of a network map document.
func networkMapTag(t *testing.T, doc []byte) string {
	t.Helper()
	var nm struct {
		Meta struct {
			Vtag alto.VersionTag `json:"vtag"`
		} `json:"meta"`
	}
	if err := json.Unmarshal(doc, &nm); err != nil {
		t.Fatalf("network map: %v", err)
	}
	return nm.Meta.Vtag.Tag
}

// decodeALTOError decodes an application/alto-error+json body.
func decodeALTOError(t *testing.T, resp *http.Response, body []byte) *alto.Error {
	t.Helper()
	if ct := resp.Header.Get("Content-Type"); ct != alto.MediaTypeError {
		t.Fatalf("Content-Type %q, want %q: %s", ct, alto.MediaTypeError, body)
	}
	var e alto.Error
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("error body %s: %v", body, err)
	}
	return &e
}

// topology is one version of the test topology: six nodes n0 to n5 in
// a line, each with some prefixes, plus extra links.
type topology struct {
	prefixes [6][]string
	metrics  map[[2]int]int // link metrics by node pair; the line's links are always present
}

// baseTopology has one IPv4 prefix per node and no extra link.
func baseTopology() topology {
	var t topology
	for i := range t.prefixes {
		t.prefixes[i] = []string{fmt.Sprintf("10.%d.0.0/24", i)}
	}
	t.metrics = map[[2]int]int{}
	for i := 0; i < 5; i++ {
		t.metrics[[2]int{i, i + 1}] = 10
	}
	return t
}

// clone returns a deep copy.
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

// yaml returns the topology in goalto's YAML form.
func (t topology) yaml() string {
	var b strings.Builder
	b.WriteString("nodes:\n")
	for i, p := range t.prefixes {
		fmt.Fprintf(&b, "  - {id: n%d, prefixes: [%s]}\n", i, strings.Join(quoteAll(p), ", "))
	}
	b.WriteString("links:\n")
	for _, k := range slices.SortedFunc(func(yield func([2]int) bool) {
		for k := range t.metrics {
			if !yield(k) {
				return
			}
		}
	}, func(a, b [2]int) int { return a[0]*10 + a[1] - b[0]*10 - b[1] }) {
		fmt.Fprintf(&b, "  - {from: n%d, to: n%d, metric: %d}\n", k[0], k[1], t.metrics[k])
	}
	return b.String()
}

func quoteAll(list []string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = `"` + s + `"`
	}
	return out
}

// newHTTPClient returns a client that speaks only HTTP/1.1, or only
// cleartext HTTP/2 with prior knowledge (h2c).
func newHTTPClient(t *testing.T, h2c bool) *http.Client {
	t.Helper()
	tr := &http.Transport{Protocols: new(http.Protocols), DisableCompression: true}
	if h2c {
		tr.Protocols.SetUnencryptedHTTP2(true)
	} else {
		tr.Protocols.SetHTTP1(true)
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}
