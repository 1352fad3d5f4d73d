package daemon_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/alttest"
	"github.com/goalto/goalto/internal/daemon"
	"github.com/goalto/goalto/internal/sse"
	"github.com/goalto/goalto/internal/testcert"
	"github.com/goalto/goalto/internal/tips"
	"github.com/goalto/goalto/internal/transport"
	"github.com/goalto/goalto/internal/updates"
)

// updateTestTimeout bounds every stream and long poll of the update
// tests, so that a missing event fails the test instead of hanging it.
const updateTestTimeout = 30 * time.Second

// ringDefinition is the network definition of the update tests: the
// topology ring.yaml with default resources, which include an update
// stream at /updates/stream and a TIPS resource at /tips offering the
// network map and every full cost map.
const ringDefinition = `# Network definition of the update tests.
network-map:
  resource-id: ring-network-map
topology: ring.yaml
`

// Resources of ringDefinition that the update tests follow, by resource
// ID, with their GET paths.
var ringResources = map[string]string{
	"ring-network-map":     "/networkmap",
	"num-routing-cost-map": "/costmap/num/routingcost",
	"num-hop-cost-map":     "/costmap/num/hopcount",
}

// ringSpec describes a synthetic network, not a real one. Its nodes n0
// to n<nodes-1> form a ring, where the link from node i to node i+1 has
// metric 1 + (i+shift) mod 4. Every third node i has a chord to node
// 7i+13 mod nodes with metric 2 + i mod 5. Node i has the prefix
// 10.x.y.0/24 with x.y = i when i < prefixed, and no prefix otherwise,
// so under the node rule the network map has prefixed PIDs. A new shift
// changes the routing costs, and a new prefixed adds or removes PIDs.
type ringSpec struct {
	nodes, shift, prefixed int
}

// yaml returns the topology in goalto's YAML form.
func (r ringSpec) yaml() string {
	var b strings.Builder
	fmt.Fprintf(&b, "name: ring-with-chords-%d\nnodes:\n", r.nodes)
	for i := range r.nodes {
		if i < r.prefixed {
			fmt.Fprintf(&b, "  - {id: n%d, prefixes: [10.%d.%d.0/24]}\n", i, i>>8, i&0xff)
		} else {
			fmt.Fprintf(&b, "  - {id: n%d}\n", i)
		}
	}
	b.WriteString("links:\n")
	for i := range r.nodes {
		fmt.Fprintf(&b, "  - {from: n%d, to: n%d, metric: %d}\n", i, (i+1)%r.nodes, 1+(i+r.shift)%4)
		if i%3 == 0 {
			fmt.Fprintf(&b, "  - {from: n%d, to: n%d, metric: %d}\n", i, (7*i+13)%r.nodes, 2+i%5)
		}
	}
	return b.String()
}

// tlsDaemon is a daemon serving HTTP/1.1, HTTP/2 and HTTP/3 over TLS
// from a definition folder.
type tlsDaemon struct {
	d      *daemon.Daemon
	cert   testcert.Cert
	origin string // https://127.0.0.1:port
	dir    string // the definition folder
}

// startTLSDaemon writes files into a new temporary folder and serves
// its definition.yaml on 127.0.0.1 with h1, h2 and h3 and the given
// services. Nil services means daemon.DefaultServices.
func startTLSDaemon(tb testing.TB, files map[string]string, services []daemon.Registrar) *tlsDaemon {
	tb.Helper()
	td := &tlsDaemon{dir: tb.TempDir(), cert: testcert.New(tb, "altod")}
	definition := ""
	if len(files) > 0 {
		for name, text := range files {
			td.writeFile(tb, name, text)
		}
		definition = filepath.Join(td.dir, "definition.yaml")
	}
	td.d = alttest.StartConfig(tb, daemon.Config{
		Definition: definition,
		Services:   services,
		Transport: transport.Config{
			CertFile:  td.cert.CertFile,
			KeyFile:   td.cert.KeyFile,
			Protocols: []transport.Protocol{transport.HTTP1, transport.HTTP2, transport.HTTP3},
		},
	})
	u, err := url.Parse(td.d.IRDURL())
	if err != nil {
		tb.Fatalf("directory URL: %v", err)
	}
	td.origin = u.Scheme + "://" + u.Host
	return td
}

// writeFile replaces a file of the definition folder by renaming a
// complete new file over it.
func (td *tlsDaemon) writeFile(tb testing.TB, name, text string) {
	tb.Helper()
	path := filepath.Join(td.dir, name)
	if err := os.WriteFile(path+".new", []byte(text), 0o644); err != nil {
		tb.Fatal(err)
	}
	if err := os.Rename(path+".new", path); err != nil {
		tb.Fatal(err)
	}
}

// change writes a new topology file and reloads the daemon.
func (td *tlsDaemon) change(tb testing.TB, name, topology string) {
	tb.Helper()
	td.writeFile(tb, name, topology)
	if err := td.d.Reload(); err != nil {
		tb.Fatalf("reload: %v", err)
	}
}

// get returns the body of a 200 response to a GET of path.
func (td *tlsDaemon) get(tb testing.TB, c *http.Client, path string) []byte {
	tb.Helper()
	resp, err := c.Get(td.origin + path)
	if err != nil {
		tb.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("GET %s: reading body: %v", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("GET %s: status %d: %s", path, resp.StatusCode, body)
	}
	return body
}

// getAll returns the body of every resource of ringResources by
// resource ID.
func (td *tlsDaemon) getAll(tb testing.TB, c *http.Client) map[string][]byte {
	tb.Helper()
	out := map[string][]byte{}
	for id, path := range ringResources {
		out[id] = td.get(tb, c, path)
	}
	return out
}

// protocolClient is a client that speaks one HTTP version.
type protocolClient struct {
	name  string
	major int // the expected Response.ProtoMajor
	http  *http.Client
}

// protocolClients returns an HTTP/1.1, an HTTP/2 and an HTTP/3 client
// that trust the daemon's certificate.
func (td *tlsDaemon) protocolClients(t *testing.T) []protocolClient {
	t.Helper()
	h2 := new(http.Protocols)
	h2.SetHTTP2(true)
	h2Transport := &http.Transport{Protocols: h2, TLSClientConfig: testcert.TLSConfig(td.cert.Pool()), DisableCompression: true}
	t.Cleanup(h2Transport.CloseIdleConnections)
	h3, _ := testcert.H3Client(t, td.cert.Pool())
	return []protocolClient{
		{"h1", 1, testcert.H1Client(t, td.cert.Pool())},
		{"h2", 2, &http.Client{Transport: h2Transport}},
		{"h3", 3, h3},
	}
}

// sseEvent is one event of an event stream.
type sseEvent struct {
	typ, data string
}

// readSSEEvent reads the next event of an event stream, skipping
// comments such as keep-alives. It parses the event and data fields as
// the HTML Living Standard, Section 9.2.6 specifies, joining data lines
// with LF, and ignores the other fields, which goalto does not send.
func readSSEEvent(br *bufio.Reader) (sseEvent, error) {
	var ev sseEvent
	var data []string
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			if errors.Is(err, io.EOF) && (line != "" || data != nil) {
				err = io.ErrUnexpectedEOF
			}
			return sseEvent{}, err
		}
		line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
		switch {
		case line == "" && data != nil:
			ev.data = strings.Join(data, "\n")
			return ev, nil
		case line == "":
			ev = sseEvent{}
		case strings.HasPrefix(line, ":"):
		default:
			field, value, _ := strings.Cut(line, ":")
			value = strings.TrimPrefix(value, " ")
			switch field {
			case "event":
				ev.typ = value
			case "data":
				data = append(data, value)
			}
		}
	}
}

// controlUpdate is a control update message (RFC 8895, Section 5.3).
type controlUpdate struct {
	ControlURI  string   `json:"control-uri"`
	Started     []string `json:"started"`
	Stopped     []string `json:"stopped"`
	Description string   `json:"description"`
}

// mediaTypeOf returns the media type of a Content-Type header without
// its parameters.
func mediaTypeOf(h http.Header) string {
	mt, _, _ := strings.Cut(h.Get("Content-Type"), ";")
	return strings.TrimSpace(mt)
}

// updateStream is an open update stream and the documents a client
// builds from it, by substream ID.
type updateStream struct {
	client     protocolClient
	resp       *http.Response
	events     *bufio.Reader
	controlURI string
	substreams map[string]string // substream ID to resource ID
	docs       map[string][]byte
}

// openUpdateStream opens an update stream with one substream per entry
// of substreams and reads its first event, the control URI.
func (td *tlsDaemon) openUpdateStream(t *testing.T, c protocolClient, substreams map[string]string) *updateStream {
	t.Helper()
	add := map[string]map[string]string{}
	for id, rid := range substreams {
		add[id] = map[string]string{"resource-id": rid}
	}
	body, err := json.Marshal(map[string]any{"add": add})
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(t.Context(), updateTestTimeout)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, td.origin+"/updates/stream", bytes.NewReader(body))
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", alto.MediaTypeUpdateStreamParams)
	req.Header.Set("Accept", alto.MediaTypeEventStream+","+alto.MediaTypeError)
	resp, err := c.http.Do(req)
	if err != nil {
		cancel()
		t.Fatalf("%s: opening the update stream: %v", c.name, err)
	}
	t.Cleanup(func() {
		resp.Body.Close()
		cancel()
	})
	if resp.StatusCode != http.StatusOK {
		data, _ := io.ReadAll(resp.Body)
		t.Fatalf("%s: opening the update stream: status %d: %s", c.name, resp.StatusCode, data)
	}
	if resp.ProtoMajor != c.major {
		t.Fatalf("%s: update stream over %s, want HTTP/%d", c.name, resp.Proto, c.major)
	}

	us := &updateStream{client: c, resp: resp, events: bufio.NewReader(resp.Body), substreams: substreams, docs: map[string][]byte{}}
	ev := us.next(t)
	var control controlUpdate
	if ev.typ != alto.MediaTypeUpdateStreamControl {
		t.Fatalf("%s: first event has type %q, want %q", c.name, ev.typ, alto.MediaTypeUpdateStreamControl)
	}
	if err := json.Unmarshal([]byte(ev.data), &control); err != nil || control.ControlURI == "" {
		t.Fatalf("%s: first event %q, want a control URI (%v)", c.name, ev.data, err)
	}
	u, err := resp.Request.URL.Parse(control.ControlURI)
	if err != nil {
		t.Fatalf("%s: control URI %q: %v", c.name, control.ControlURI, err)
	}
	us.controlURI = u.String()
	return us
}

func (us *updateStream) next(t *testing.T) sseEvent {
	t.Helper()
	ev, err := readSSEEvent(us.events)
	if err != nil {
		t.Fatalf("%s: reading the update stream: %v", us.client.name, err)
	}
	return ev
}

// readUpdates reads one data update message for each substream in want
// and applies it. It fails on a control event or on a message for
// another substream, and returns the messages in the order read.
func (us *updateStream) readUpdates(t *testing.T, want []string) []sseEvent {
	t.Helper()
	pending := slices.Clone(want)
	var read []sseEvent
	for len(pending) > 0 {
		ev := us.next(t)
		mediaType, id, ok := strings.Cut(ev.typ, ",")
		k := slices.Index(pending, id)
		if !ok || k < 0 {
			t.Fatalf("%s: event %q with data %s, want an update of one of the substreams %v", us.client.name, ev.typ, ev.data, pending)
		}
		pending = slices.Delete(pending, k, k+1)
		switch kind := updates.PatchKind(mediaType); kind {
		case updates.MergePatch, updates.JSONPatch:
			doc, err := updates.Apply(us.docs[id], kind, []byte(ev.data))
			if err != nil {
				t.Fatalf("%s: applying %s to substream %s: %v", us.client.name, mediaType, id, err)
			}
			us.docs[id] = doc
		case alto.MediaTypeNetworkMap, alto.MediaTypeCostMap:
			us.docs[id] = []byte(ev.data)
		default:
			t.Fatalf("%s: substream %s: update of media type %q", us.client.name, id, mediaType)
		}
		read = append(read, ev)
	}
	return read
}

// checkDocs checks that the document of every substream equals, as
// JSON, the body that a GET of its resource returned.
func (us *updateStream) checkDocs(t *testing.T, bodies map[string][]byte) {
	t.Helper()
	for id, rid := range us.substreams {
		equal, err := updates.Equal(us.docs[id], bodies[rid])
		if err != nil {
			t.Fatalf("%s: substream %s: %v", us.client.name, id, err)
		}
		if !equal {
			t.Errorf("%s: substream %s differs from GET %s:\n got: %s\nwant: %s", us.client.name, id, ringResources[rid], us.docs[id], bodies[rid])
		}
	}
}

// ringChanges are the topology versions that the update tests go
// through after ringStart: new link metrics, a PID removed, a PID added
// back with new metrics, and new metrics alone.
var (
	ringStart   = ringSpec{nodes: 8, prefixed: 8}
	ringChanges = []ringSpec{
		{nodes: 8, shift: 1, prefixed: 8},
		{nodes: 8, shift: 1, prefixed: 7},
		{nodes: 8, shift: 2, prefixed: 8},
		{nodes: 8, shift: 3, prefixed: 8},
	}
)

// changedResources returns, in resource ID order, the resources whose
// GET body differs between two sets of bodies.
func changedResources(before, after map[string][]byte) []string {
	var out []string
	for id, body := range after {
		if !bytes.Equal(before[id], body) {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// TestUpdateStreamOnEveryHTTPVersion follows the network map and two
// cost maps through update streams over HTTP/1.1, HTTP/2 and HTTP/3 of
// one TLS daemon, through several topology changes. After each change
// every stream must carry one update for each changed resource and
// none for the others, the three streams must carry the same updates,
// and each client's documents must equal a fresh GET.
func TestUpdateStreamOnEveryHTTPVersion(t *testing.T) {
	td := startTLSDaemon(t, map[string]string{"definition.yaml": ringDefinition, "ring.yaml": ringStart.yaml()}, nil)
	clients := td.protocolClients(t)
	h3 := clients[2].http
	substreams := map[string]string{"net": "ring-network-map", "routing": "num-routing-cost-map", "hops": "num-hop-cost-map"}
	substreamOf := map[string]string{}
	for id, rid := range substreams {
		substreamOf[rid] = id
	}

	bodies := td.getAll(t, h3)
	streams := make([]*updateStream, len(clients))
	for i, c := range clients {
		streams[i] = td.openUpdateStream(t, c, substreams)
		streams[i].readUpdates(t, slices.Sorted(maps.Keys(substreams)))
		streams[i].checkDocs(t, bodies)
	}

	for step, spec := range ringChanges {
		td.change(t, "ring.yaml", spec.yaml())
		after := td.getAll(t, h3)
		changed := changedResources(bodies, after)
		if len(changed) == 0 {
			t.Fatalf("change %d left every resource as it was", step+1)
		}
		bodies = after
		var want []string
		for _, rid := range changed {
			want = append(want, substreamOf[rid])
		}
		var first []sseEvent
		for i, us := range streams {
			read := us.readUpdates(t, want)
			us.checkDocs(t, bodies)
			if i == 0 {
				first = read
			} else if !slices.Equal(read, first) {
				t.Errorf("change %d: %s sent the updates %v, %s sent %v", step+1, us.client.name, read, streams[0].client.name, first)
			}
		}
	}

	for _, us := range streams {
		us.removeAll(t)
	}
}

// removeAll removes every substream through the stream control URI,
// over the stream's own client, and checks that the stream reports them
// stopped and ends.
func (us *updateStream) removeAll(t *testing.T) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, us.controlURI, strings.NewReader(`{"remove": []}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", alto.MediaTypeUpdateStreamParams)
	resp, err := us.client.http.Do(req)
	if err != nil {
		t.Fatalf("%s: stream control request: %v", us.client.name, err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("%s: stream control request: status %d, want 204: %s", us.client.name, resp.StatusCode, data)
	}
	ev := us.next(t)
	var control controlUpdate
	if err := json.Unmarshal([]byte(ev.data), &control); err != nil || ev.typ != alto.MediaTypeUpdateStreamControl {
		t.Fatalf("%s: event %q %s after removing every substream, want a control event (%v)", us.client.name, ev.typ, ev.data, err)
	}
	if got := slices.Sorted(slices.Values(control.Stopped)); !slices.Equal(got, []string{"hops", "net", "routing"}) {
		t.Errorf("%s: stopped %v, want [hops net routing]", us.client.name, got)
	}
	if ev, err := readSSEEvent(us.events); !errors.Is(err, io.EOF) {
		t.Errorf("%s: after the last control event: event %q, error %v; want the end of the stream", us.client.name, ev.typ, err)
	}
}

// tipsFollower follows one resource through a TIPS view and keeps its
// latest document.
type tipsFollower struct {
	client     protocolClient
	resourceID string
	mediaType  string
	view       string
	seq        uint64
	doc        []byte
}

// tipsSummary is the updates-graph-summary of RFC 9569, Section 6.2.
type tipsSummary struct {
	StartSeq     uint64 `json:"start-seq"`
	EndSeq       uint64 `json:"end-seq"`
	StartEdgeRec struct {
		SeqI uint64 `json:"seq-i"`
		SeqJ uint64 `json:"seq-j"`
	} `json:"start-edge-rec"`
}

// tipsResponse is the body of an open response (RFC 9569, Section 6.2)
// and of a next edge recommendation (Section 7.4), which carries no
// view URI.
type tipsResponse struct {
	TIPSViewURI     string `json:"tips-view-uri"`
	TIPSViewSummary struct {
		UpdatesGraphSummary tipsSummary `json:"updates-graph-summary"`
	} `json:"tips-view-summary"`
}

// postTIPS sends a TIPSReq for resourceID to uri and decodes the
// response, which must have the media type accept.
func postTIPS(ctx context.Context, c protocolClient, uri, resourceID, tag, accept string) (tipsResponse, error) {
	var out tipsResponse
	params := map[string]string{"resource-id": resourceID}
	if tag != "" {
		params["tag"] = tag
	}
	body, err := json.Marshal(params)
	if err != nil {
		return out, err
	}

	req, err := http.NewRequestWithContext(ctx, http.MethodPost, uri, bytes.NewReader(body))
	if err != nil {
		return out, err
	}
	req.Header.Set("Content-Type", alto.MediaTypeTIPSParams)
	req.Header.Set("Accept", accept+","+alto.MediaTypeError)
	resp, err := c.http.Do(req)
	if err != nil {
		return out, err
	}
	defer resp.Body.Close()

	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return out, fmt.Errorf("POST %s: reading body: %w", uri, err)
	}
	if resp.StatusCode != http.StatusOK || mediaTypeOf(resp.Header) != accept {
		return out, fmt.Errorf("POST %s: status %d, Content-Type %q: %s", uri, resp.StatusCode, resp.Header.Get("Content-Type"), data)
	}
	if resp.ProtoMajor != c.major {
		return out, fmt.Errorf("POST %s: response over %s, want HTTP/%d", uri, resp.Proto, c.major)
	}
	if err := json.Unmarshal(data, &out); err != nil {
		return out, fmt.Errorf("POST %s: decoding %s: %w", uri, data, err)
	}
	return out, nil
}

// statusError is a response to a GET with a status other than 200.
type statusError struct {
	uri    string
	status int
	body   []byte
}

func (e *statusError) Error() string {
	return fmt.Sprintf("GET %s: status %d: %s", e.uri, e.status, e.body)
}

// itemResponse is an update item read in full.
type itemResponse struct {
	mediaType string
	body      []byte
}

// getItem fetches the update item on the edge from version i to j, and
// waits for it when it is the next edge.
func (f *tipsFollower) getItem(ctx context.Context, i, j uint64) (itemResponse, error) {
	uri := fmt.Sprintf("%s/ug/%d/%d", f.view, i, j)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, uri, nil)
	if err != nil {
		return itemResponse{}, err
	}
	req.Header.Set("Accept", strings.Join([]string{f.mediaType, alto.MediaTypeMergePatch, alto.MediaTypeJSONPatch, alto.MediaTypeError}, ","))
	resp, err := f.client.http.Do(req)
	if err != nil {
		return itemResponse{}, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return itemResponse{}, fmt.Errorf("GET %s: reading body: %w", uri, err)
	}
	if resp.StatusCode != http.StatusOK {
		return itemResponse{}, &statusError{uri: uri, status: resp.StatusCode, body: data}
	}
	if resp.ProtoMajor != f.client.major {
		return itemResponse{}, fmt.Errorf("GET %s: response over %s, want HTTP/%d", uri, resp.Proto, f.client.major)
	}
	return itemResponse{mediaType: mediaTypeOf(resp.Header), body: data}, nil
}

// apply moves the follower to version j with the item of the edge from
// its version to j.
func (f *tipsFollower) apply(j uint64, item itemResponse) error {
	switch item.mediaType {
	case f.mediaType:
		f.doc = item.body
	case alto.MediaTypeMergePatch, alto.MediaTypeJSONPatch:
		doc, err := updates.Apply(f.doc, updates.PatchKind(item.mediaType), item.body)
		if err != nil {
			return fmt.Errorf("%s %s: applying the item of edge %d to %d: %w", f.client.name, f.resourceID, f.seq, j, err)
		}
		f.doc = doc
	default:
		return fmt.Errorf("%s %s: item of edge %d to %d has media type %q", f.client.name, f.resourceID, f.seq, j, item.mediaType)
	}
	f.seq = j
	return nil
}

// openFollower opens a view of a resource and fetches the edge that the
// open response recommends, a snapshot of the latest version.
func (td *tlsDaemon) openFollower(t *testing.T, c protocolClient, resourceID, mediaType string) *tipsFollower {
	t.Helper()
	open, err := postTIPS(t.Context(), c, td.origin+"/tips", resourceID, "", alto.MediaTypeTIPS)
	if err != nil {
		t.Fatalf("%s: opening a view of %s: %v", c.name, resourceID, err)
	}
	f := &tipsFollower{client: c, resourceID: resourceID, mediaType: mediaType, view: open.TIPSViewURI}
	rec := open.TIPSViewSummary.UpdatesGraphSummary.StartEdgeRec
	if rec.SeqI != 0 {
		t.Fatalf("%s: view of %s recommends edge %d to %d, want a snapshot", c.name, resourceID, rec.SeqI, rec.SeqJ)
	}
	f.pull(t, rec.SeqJ)
	return f
}

// pull fetches and applies the edge from the follower's version to j.
func (f *tipsFollower) pull(t *testing.T, j uint64) {
	t.Helper()
	item, err := f.getItem(t.Context(), f.seq, j)
	if err != nil {
		t.Fatalf("%s: %v", f.client.name, err)
	}
	if err := f.apply(j, item); err != nil {
		t.Fatal(err)
	}
}

// catchUp requests the view's latest version (RFC 9569, Section 7.4)
// and pulls the edges from the follower's version to it one at a time.
func (f *tipsFollower) catchUp(t *testing.T) {
	t.Helper()
	sum, err := postTIPS(t.Context(), f.client, f.view+"/ug", f.resourceID, "", alto.MediaTypeMergePatch)
	if err != nil {
		t.Fatalf("%s: next edge of %s: %v", f.client.name, f.resourceID, err)
	}
	for f.seq < sum.TIPSViewSummary.UpdatesGraphSummary.EndSeq {
		f.pull(t, f.seq+1)
	}
}

// check compares the follower's document with a GET body of its
// resource.
func (f *tipsFollower) check(t *testing.T, want []byte) {
	t.Helper()
	equal, err := updates.Equal(f.doc, want)
	if err != nil {
		t.Fatalf("%s %s: %v", f.client.name, f.resourceID, err)
	}
	if !equal {
		t.Errorf("%s: %s at version %d differs from GET %s:\n got: %s\nwant: %s", f.client.name, f.resourceID, f.seq, ringResources[f.resourceID], f.doc, want)
	}
}

// waitForWaiters waits until the TIPS service counts n pending long
// polls, so that a change is published while they wait.
func waitForWaiters(t *testing.T, svc *tips.Service, n int) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for svc.Stats().Waiters != n {
		if time.Now().After(deadline) {
			t.Fatalf("pending long polls: %d, want %d", svc.Stats().Waiters, n)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestTIPSViewOnEveryHTTPVersion follows the routing cost map by long
// polls, and the network map by next edge recommendations, through TIPS
// views over HTTP/1.1, HTTP/2 and HTTP/3 of one TLS daemon, through
// several topology changes. Each long poll waits while the change is
// published, the three protocols must receive the same items, and each
// client's documents must equal a fresh GET.
func TestTIPSViewOnEveryHTTPVersion(t *testing.T) {
	svc := tips.New(tips.Config{})
	td := startTLSDaemon(t, map[string]string{"definition.yaml": ringDefinition, "ring.yaml": ringStart.yaml()},
		[]daemon.Registrar{sse.Register, svc.Register})
	clients := td.protocolClients(t)
	h3 := clients[2].http

	bodies := td.getAll(t, h3)
	var costs, nets []*tipsFollower
	for _, c := range clients {
		costs = append(costs, td.openFollower(t, c, "num-routing-cost-map", alto.MediaTypeCostMap))
		nets = append(nets, td.openFollower(t, c, "ring-network-map", alto.MediaTypeNetworkMap))
	}
	for _, f := range append(slices.Clone(costs), nets...) {
		f.check(t, bodies[f.resourceID])
	}

	for step, spec := range ringChanges {
		items := make([]itemResponse, len(costs))
		errs := make([]error, len(costs))
		var wg sync.WaitGroup
		for i, f := range costs {
			wg.Go(func() {
				ctx, cancel := context.WithTimeout(t.Context(), updateTestTimeout)
				defer cancel()
				items[i], errs[i] = f.getItem(ctx, f.seq, f.seq+1)
			})
		}
		waitForWaiters(t, svc, len(costs))
		td.change(t, "ring.yaml", spec.yaml())
		wg.Wait()

		after := td.getAll(t, h3)
		if !slices.Contains(changedResources(bodies, after), "num-routing-cost-map") {
			t.Fatalf("change %d left the routing cost map as it was, so the long polls cannot end", step+1)
		}
		bodies = after
		for i, f := range costs {
			if errs[i] != nil {
				t.Fatalf("change %d: %s long poll: %v", step+1, f.client.name, errs[i])
			}
			if items[i].mediaType != items[0].mediaType || !bytes.Equal(items[i].body, items[0].body) {
				t.Errorf("change %d: %s received %s %s, %s received %s %s", step+1,
					f.client.name, items[i].mediaType, items[i].body, costs[0].client.name, items[0].mediaType, items[0].body)
			}
			if err := f.apply(f.seq+1, items[i]); err != nil {
				t.Fatal(err)
			}
			f.check(t, bodies[f.resourceID])
		}
		for _, f := range nets {
			f.catchUp(t)
			f.check(t, bodies[f.resourceID])
		}
	}
}
