package sse_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/sse"
	"github.com/goalto/goalto/internal/updates"
)

// rfcDir holds the examples of RFC 8895 as fixtures, and the example
// network they run against. README.md there lists every change made to
// the RFC text.
const rfcDir = "testdata/rfc8895"

// Placeholders of the fixtures for values that the server chooses.
const (
	tagPlaceholder        = "<network-map-tag>"
	controlURIPlaceholder = "<control-uri>"
)

// rfcResourcePaths gives the GET path of each resource of the example
// network.
var rfcResourcePaths = map[string]string{
	"my-network-map":     "/networkmap",
	"my-routingcost-map": "/costmap/routingcost",
	"my-hopcount-map":    "/costmap/hopcount",
}

// message is an HTTP message of a fixture: a start line, header fields
// and a body, with LF line ends.
type message struct {
	startLine string
	header    http.Header
	body      []byte
}

// readMessage reads a fixture message and puts values in place of the
// placeholders.
func readMessage(t *testing.T, name string, values *strings.Replacer) message {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(rfcDir, name))
	if err != nil {
		t.Fatal(err)
	}
	head, body, _ := strings.Cut(values.Replace(string(data)), "\n\n")
	lines := strings.Split(head, "\n")
	m := message{startLine: lines[0], header: http.Header{}, body: []byte(body)}
	for _, line := range lines[1:] {
		key, value, ok := strings.Cut(line, ":")
		if !ok {
			t.Fatalf("%s: header line %q has no colon", name, line)
		}
		m.header.Add(key, strings.TrimSpace(value))
	}
	return m
}

// status returns the status code of a response message.
func (m message) status(t *testing.T) int {
	t.Helper()
	var code int
	fields := strings.Fields(m.startLine)
	if len(fields) < 2 {
		t.Fatalf("invalid status line %q", m.startLine)
	}
	if err := json.Unmarshal([]byte(fields[1]), &code); err != nil {
		t.Fatalf("status line %q: %v", m.startLine, err)
	}
	return code
}

// request builds the request of a fixture message, aimed at origin
// unless its target is an absolute URI.
func (m message) request(t *testing.T, origin string) *http.Request {
	t.Helper()
	fields := strings.Fields(m.startLine)
	if len(fields) != 3 {
		t.Fatalf("invalid request line %q", m.startLine)
	}
	target := fields[1]
	if strings.HasPrefix(target, "/") {
		target = origin + target
	}
	req, err := http.NewRequest(fields[0], target, bytes.NewReader(m.body))
	if err != nil {
		t.Fatal(err)
	}
	for key, values := range m.header {
		if key != "Host" {
			req.Header[key] = values
		}
	}
	return req
}

// readEvents parses the events of a fixture, a bare event stream.
func readEvents(t *testing.T, name string, values *strings.Replacer) []sse.SSEEvent {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(rfcDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return parseEvents(t, name, []byte(values.Replace(string(data))))
}

func parseEvents(t *testing.T, name string, data []byte) []sse.SSEEvent {
	t.Helper()
	r := sse.NewSSEReader(bytes.NewReader(data))
	var out []sse.SSEEvent
	for {
		ev, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		out = append(out, ev)
	}
}

// rfcClient is a stream of the example network together with the state
// that a client builds from the RFC's events, so that the two can be
// compared where the server chose another encoding than the RFC.
type rfcClient struct {
	*streamClient // nil until the stream is open
	t             *testing.T
	srv           *testServer
	http          *http.Client
	rfcState      map[string][]byte
}

// values returns the replacer of the placeholders for the current
// network map tag and the stream's control URI.
func (c *rfcClient) values() *strings.Replacer {
	c.t.Helper()
	tag := networkMapTag(c.t, c.srv.get(c.t, c.http, "/networkmap"))
	uri := ""
	if c.streamClient != nil {
		uri = c.rawControlURI
	}
	return strings.NewReplacer(tagPlaceholder, tag, controlURIPlaceholder, uri)
}

// expectEvents reads as many events as the fixture lists and compares
// them. Control update messages must come in the fixture's order and
// contain its members; our server adds a description. Data update
// messages must come in the fixture's order within each substream but
// may interleave otherwise. A data update with the fixture's media type
// must have its data, unless the fixture's data is illustrative. Any
// data update must leave the client with the document that the
// fixture's update gives.
func (c *rfcClient) expectEvents(want []sse.SSEEvent) {
	c.t.Helper()
	// The events are applied in the order they arrive, which the
	// dependency check of apply needs, and the document after each is
	// kept for the comparison.
	got := make([]sse.SSEEvent, len(want))
	docs := make([][]byte, len(want))
	for i := range got {
		got[i] = c.next()
		if got[i].Type != alto.MediaTypeUpdateStreamControl {
			docs[i] = c.state[c.apply(got[i])]
		}
	}

	var wantControl, gotControl []sse.SSEEvent
	wantData, gotData := map[string][]sse.SSEEvent{}, map[string][]sse.SSEEvent{}
	gotDocs := map[string][][]byte{}
	for i := range want {
		for _, p := range []struct {
			ev      sse.SSEEvent
			control *[]sse.SSEEvent
			data    map[string][]sse.SSEEvent
		}{{want[i], &wantControl, wantData}, {got[i], &gotControl, gotData}} {
			if p.ev.Type == alto.MediaTypeUpdateStreamControl {
				*p.control = append(*p.control, p.ev)
				continue
			}
			_, id, _ := strings.Cut(p.ev.Type, ",")
			p.data[id] = append(p.data[id], p.ev)
		}
		if docs[i] != nil {
			_, id, _ := strings.Cut(got[i].Type, ",")
			gotDocs[id] = append(gotDocs[id], docs[i])
		}
	}

	if len(wantControl) != len(gotControl) {
		c.t.Fatalf("%d control events, want %d: %+v", len(gotControl), len(wantControl), got)
	}
	for i := range wantControl {
		checkMembers(c.t, wantControl[i].Data, gotControl[i].Data)
	}

	for id, list := range wantData {
		if len(gotData[id]) != len(list) {
			c.t.Fatalf("%d data events for substream %s, want %d: %+v", len(gotData[id]), id, len(list), got)
		}
		for i, w := range list {
			c.compareData(id, w, gotData[id][i], gotDocs[id][i])
		}
	}
}

// compareData compares one data update message with the fixture's, and
// the document it gave, gotDoc, with the one that the fixture's gives.
func (c *rfcClient) compareData(id string, want, got sse.SSEEvent, gotDoc []byte) {
	c.t.Helper()
	illustrative := !json.Valid([]byte(want.Data))
	if illustrative {
		if got.Type != want.Type {
			c.t.Errorf("substream %s: event type %q, want %q", id, got.Type, want.Type)
		}
		c.rfcState[id] = gotDoc
		return
	}
	if got.Type == want.Type {
		if eq, err := updates.Equal([]byte(got.Data), []byte(want.Data)); err != nil || !eq {
			c.t.Errorf("substream %s: data %s, want %s (err %v)", id, got.Data, want.Data, err)
		}
	}
	mediaType, _, _ := strings.Cut(want.Type, ",")
	doc := []byte(want.Data)
	if kind := updates.PatchKind(mediaType); kind == updates.MergePatch || kind == updates.JSONPatch {
		var err error
		if doc, err = updates.Apply(c.rfcState[id], kind, doc); err != nil {
			c.t.Fatalf("substream %s: applying the RFC's %s: %v", id, mediaType, err)
		}
	}
	c.rfcState[id] = doc
	if eq, err := updates.Equal(gotDoc, doc); err != nil || !eq {
		c.t.Errorf("substream %s: the server's update gives %s, the RFC's gives %s (err %v)", id, gotDoc, doc, err)
	}
}

// checkMembers checks that the JSON object got has every member of the
// JSON object want, with an equal value.
func checkMembers(t *testing.T, want, got string) {
	t.Helper()
	var w, g map[string]any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("expected %s: %v", want, err)
	}
	if err := json.Unmarshal([]byte(got), &g); err != nil {
		t.Fatalf("got %s: %v", got, err)
	}
	for key, value := range w {
		if !reflect.DeepEqual(g[key], value) {
			t.Errorf("member %q is %v, want %v, in %s", key, g[key], value, got)
		}
	}
}

// startRFCServer starts a server with the example network.
func startRFCServer(t *testing.T) (*testServer, *http.Client) {
	t.Helper()
	def, err := os.ReadFile(filepath.Join(rfcDir, "network.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return startServerWith(t, sse.Config{}, string(def), ""), newHTTPClient(t, false)
}

// setDefinition replaces the definition with a fixture file and reloads.
func (s *testServer) setDefinition(t *testing.T, name string) {
	t.Helper()
	def, err := os.ReadFile(filepath.Join(rfcDir, name))
	if err != nil {
		t.Fatal(err)
	}
	s.writeFile(t, "network.yaml", string(def))
	if err := s.d.Reload(); err != nil {
		t.Fatalf("reload with %s: %v", name, err)
	}
}

// openRFCStream sends the request of a fixture and compares the response
// header and first events with the response fixture.
func openRFCStream(t *testing.T, srv *testServer, hc *http.Client, name string, resources map[string]string) *rfcClient {
	t.Helper()
	c := &rfcClient{t: t, srv: srv, http: hc, rfcState: map[string][]byte{}}
	req := readMessage(t, name+".request", c.values()).request(t, srv.origin)
	c.streamClient = openStreamRequest(t, hc, req, resources)
	resp := readMessage(t, name+".response", c.values())
	if got, want := c.resp.StatusCode, resp.status(t); got != want {
		t.Fatalf("status %d, want %d", got, want)
	}
	if got, want := c.resp.Header.Get("Content-Type"), resp.header.Get("Content-Type"); got != want {
		t.Fatalf("Content-Type %q, want %q", got, want)
	}
	events := parseEvents(t, name+".response", resp.body)
	checkMembers(t, events[0].Data, c.first.Data)
	c.expectEvents(events[1:])
	return c
}

// control sends the request of a fixture to the control URI and compares
// the response with the fixture's: status, Content-Type and, for an
// error, the members of the error object.
func (c *rfcClient) control(name string) {
	c.t.Helper()
	req := readMessage(c.t, name+".request", c.values()).request(c.t, c.srv.origin)
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s: %v", name, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}

	want := readMessage(c.t, name+".response", c.values())
	if resp.StatusCode != want.status(c.t) {
		c.t.Fatalf("%s: status %d, want %d: %s", name, resp.StatusCode, want.status(c.t), body)
	}
	if ct := want.header.Get("Content-Type"); ct != "" && resp.Header.Get("Content-Type") != ct {
		c.t.Fatalf("%s: Content-Type %q, want %q", name, resp.Header.Get("Content-Type"), ct)
	}
	if len(bytes.TrimSpace(want.body)) == 0 {
		if len(body) != 0 {
			c.t.Errorf("%s: body %q, want none", name, body)
		}
		return
	}

	var w, g struct{ Meta json.RawMessage }
	if err := json.Unmarshal(want.body, &w); err != nil {
		c.t.Fatalf("%s.response: %v", name, err)
	}
	if err := json.Unmarshal(body, &g); err != nil {
		c.t.Fatalf("%s: body %s: %v", name, body, err)
	}
	checkMembers(c.t, string(w.Meta), string(g.Meta))
}

// syncRFC checks that the client's documents equal a GET of each
// resource it follows.
func (c *rfcClient) syncRFC() {
	c.t.Helper()
	want := map[string][]byte{}
	for _, rid := range c.resources {
		want[rid] = c.srv.get(c.t, c.http, rfcResourcePaths[rid])
	}
	if !c.equals(want) {
		c.t.Fatalf("the client's documents differ from the served resources")
	}
}

// TestRFC8895SimpleUpdates replays the example of RFC 8895, Section 8.2:
// full replacements of a network map and a cost map, a merge patch of
// the cost map, and updates of both after a network map change.
func TestRFC8895SimpleUpdates(t *testing.T) {
	srv, hc := startRFCServer(t)
	c := openRFCStream(t, srv, hc, "8.2-open", map[string]string{
		"my-network-map": "my-network-map", "my-routingcost-map": "my-routingcost-map"})
	c.syncRFC()

	srv.setDefinition(t, "network-8.2-costs.yaml")
	c.expectEvents(readEvents(t, "8.2-cost-change.events", c.values()))
	c.syncRFC()

	srv.setDefinition(t, "network-8.2-prefix.yaml")
	c.expectEvents(readEvents(t, "8.2-prefix-change.events", c.values()))
	c.syncRFC()
}

// TestRFC8895AdvancedUpdates replays the example of RFC 8895, Section
// 8.3: a client that holds the current network map, merge patches of two
// cost maps, and stream control requests that remove one substream, fail
// on an unknown one, and remove the rest.
func TestRFC8895AdvancedUpdates(t *testing.T) {
	srv, hc := startRFCServer(t)
	c := openRFCStream(t, srv, hc, "8.3-open", map[string]string{
		"net": "my-network-map", "routing": "my-routingcost-map", "hops": "my-hopcount-map"})
	if c.seen["net"] != 0 {
		t.Fatalf("a full replacement for net, whose tag is current")
	}
	c.state["net"] = srv.get(t, hc, "/networkmap") // the client's own copy

	srv.setDefinition(t, "network-8.3.yaml")
	c.expectEvents(readEvents(t, "8.3-cost-change.events", c.values()))
	c.syncRFC()

	c.control("8.3-remove")
	c.expectEvents(readEvents(t, "8.3-remove.events", c.values()))
	c.control("8.3-remove-invalid")
	c.control("8.3-remove-all")
	c.expectEvents(readEvents(t, "8.3-remove-all.events", c.values()))
	c.expectEnd()
}

// TestRFC8895ErrorResponse checks the error response of RFC 8895,
// Section 6.6 to a request for an invalid resource ID, after which the
// server closes the HTTP/1.1 connection.
func TestRFC8895ErrorResponse(t *testing.T) {
	srv, hc := startRFCServer(t)
	c := &rfcClient{t: t, srv: srv, http: hc}
	c.control("6.6-invalid-resource")

	req := readMessage(t, "6.6-invalid-resource.request", c.values()).request(t, srv.origin)
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if !resp.Close {
		t.Errorf("the response keeps the connection open, want Connection: close")
	}
}

// TestRFC8895PostModeRequest checks that the endpoint property update
// request of RFC 8895, Section 8.4 is rejected: this server's update
// streams offer GET-mode resources only.
func TestRFC8895PostModeRequest(t *testing.T) {
	srv, hc := startRFCServer(t)
	req := readMessage(t, "8.4-open.request", strings.NewReplacer()).request(t, srv.origin)
	req.URL.Path = "/updates/costs" // the example network has no /updates/properties
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("status %d, want 400: %s", resp.StatusCode, body)
	}
	e := decodeALTOError(t, resp, body)
	if e.Code != alto.ErrInvalidFieldValue || e.Field != "add/props-1/resource-id" || e.Value != "my-props" {
		t.Errorf("error %v field %q value %q, want E_INVALID_FIELD_VALUE for add/props-1/resource-id my-props", e.Code, e.Field, e.Value)
	}
}

// TestRFC8895PatchExamples applies the patches of RFC 8895, Sections
// 3.1.2 and 3.2.2 as a client of the update stream does, and checks that
// they give the documents the RFC prints.
func TestRFC8895PatchExamples(t *testing.T) {
	for _, tc := range []struct {
		name, doc, patch, want string
		kind                   updates.PatchKind
	}{
		{"network map merge patch", "3.1.2.1-network-map.json", "3.1.2.1-merge-patch.json", "3.1.2.1-network-map-updated.json", updates.MergePatch},
		{"cost map merge patch", "3.1.2.2-cost-map.json", "3.1.2.2-merge-patch.json", "3.1.2.2-cost-map-updated.json", updates.MergePatch},
		{"network map JSON patch", "3.1.2.1-network-map.json", "3.2.2.1-json-patch.json", "3.1.2.1-network-map-updated.json", updates.JSONPatch},
		{"cost map JSON patch", "3.1.2.2-cost-map.json", "3.2.2.2-json-patch.json", "3.1.2.2-cost-map-updated.json", updates.JSONPatch},
	} {
		t.Run(tc.name, func(t *testing.T) {
			read := func(name string) []byte {
				data, err := os.ReadFile(filepath.Join(rfcDir, name))
				if err != nil {
					t.Fatal(err)
				}
				return data
			}
			got, err := updates.Apply(read(tc.doc), tc.kind, read(tc.patch))
			if err != nil {
				t.Fatalf("applying %s: %v", tc.patch, err)
			}
			if eq, err := updates.Equal(got, read(tc.want)); err != nil || !eq {
				t.Errorf("result %s, want %s (err %v)", got, read(tc.want), err)
			}
		})
	}
}

// TestSSEReaderSample parses the sample stream of RFC 8895, Section 3.4.
func TestSSEReaderSample(t *testing.T) {
	got := readEvents(t, "3.4-sample.events", strings.NewReplacer())
	want := []sse.SSEEvent{
		{Type: "start", Data: "hello there"},
		{Type: "middle", Data: "let's chat some more ...\nand more and more and ..."},
		{Type: "end", Data: "goodbye"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("events %+v, want %+v", got, want)
	}
}
