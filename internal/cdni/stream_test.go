package cdni_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/alttest"
	"github.com/goalto/goalto/internal/daemon"
	"github.com/goalto/goalto/internal/updates"
)

// streamDir holds the update stream examples of RFC 9241, one folder
// each: the stream request, the expected events, and the files that
// each reload replaces.
var streamDir = filepath.Join(rfc9241Dir, "streams")

// streamFixtures lists the update stream examples with the RFC 9241
// section each one reproduces, the definition of the server and the
// number of reloads.
var streamFixtures = []struct {
	name       string
	section    string
	definition string
	reloads    int
}{
	{"advertisement", "3.7.3", "network.yaml", 2},
	{"pid-footprints", "4.2.3", "network.yaml", 2},
	{"filtered", "5.7.2", "network.yaml", 1},
	{"property-map", "6.3.3", "propmap.yaml", 2},
}

// streamTimeout bounds a stream example, so that a missing event fails
// the test instead of hanging it.
const streamTimeout = 30 * time.Second

// TestRFC9241UpdateStreams replays each update stream example: it opens
// the stream, compares the first events, and then after each reload,
// which replaces definition files, compares the events that follow. The
// events are compared by type and by data as decoded JSON. Every client
// document, built by applying the events, must equal what a request of
// the resource returns at that point. At the end the client removes its
// substreams, and the next event must be the "stopped" message, so the
// server sent no event beyond those expected.
func TestRFC9241UpdateStreams(t *testing.T) {
	for _, f := range streamFixtures {
		t.Run(f.name, func(t *testing.T) {
			dir := filepath.Join(streamDir, f.name)
			stages := readStages(t, filepath.Join(dir, "events"))
			if len(stages) != f.reloads+1 {
				t.Fatalf("%s has %d stages, want %d", dir, len(stages), f.reloads+1)
			}
			work := t.TempDir()
			copyFiles(t, rfc9241Dir, work)
			d := alttest.StartConfig(t, daemon.Config{Definition: filepath.Join(work, f.definition)})
			s := serverOf(t, d)
			dirPath := urlPath(t, d.IRDURL())
			req := readFixture(t, filepath.Join(dir, "request"), nil)
			c := openStream(t, s, req)

			for stage, want := range stages {
				if stage > 0 {
					copyFiles(t, filepath.Join(dir, "reload-"+string(rune('0'+stage))), work)
					if err := d.Reload(); err != nil {
						t.Fatalf("reload %d: %v", stage, err)
					}
				}
				values := c.placeholders(t, s)
				got := readEvents(t, c.br, len(want))
				for i := range want {
					c.checkEvent(t, stage, got[i], substitute(want[i], values))
				}
				c.checkDocuments(t, s, dirPath, req.body, stage)
			}
			c.removeAll(t, s)
		})
	}
}

// streamClient is the client side of an update stream: the events read
// so far and the documents they build, by data-id.
type streamClient struct {
	br         *bufio.Reader
	controlURI string
	docs       map[string][]byte
}

// openStream sends the stream request of a fixture and checks the
// response header.
func openStream(t *testing.T, s *testServer, req fixtureMessage) *streamClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), streamTimeout)
	t.Cleanup(cancel)
	r, err := http.NewRequestWithContext(ctx, req.startLine[0], s.origin+req.startLine[1], strings.NewReader(req.body))
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range req.header {
		r.Header[k] = vs
	}
	resp, err := s.client.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(resp.Body)
		t.Fatalf("stream request: status %d, want 200; body %s", resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != alto.MediaTypeEventStream {
		t.Fatalf("stream Content-Type %q, want %s", ct, alto.MediaTypeEventStream)
	}
	return &streamClient{br: bufio.NewReader(resp.Body), docs: map[string][]byte{}}
}

// placeholders returns the values of the placeholders of the events
// file: <control-uri>, and <tag:PATH> for the version tag of the GET
// resource at PATH.
func (c *streamClient) placeholders(t *testing.T, s *testServer) map[string]string {
	t.Helper()
	values := map[string]string{}
	if c.controlURI != "" {
		values["control-uri"] = c.controlURI
	}
	for _, path := range []string{"/cdnifci", "/networkcdnifci", "/networkmap", "/myeunetmap"} {
		if r := s.do(t, http.MethodGet, path, "", "", nil); r.status == http.StatusOK {
			values["tag:"+path] = s.vtag(t, path)
		}
	}
	return values
}

// checkEvent compares one event with the expected one and applies it to
// the client's documents.
func (c *streamClient) checkEvent(t *testing.T, stage int, got, want event) {
	t.Helper()
	if got.name != want.name {
		t.Fatalf("stage %d: event %q, want %q; data %s", stage, got.name, want.name, got.data)
	}
	mediaType, dataID, _ := strings.Cut(got.name, ",")
	if mediaType == alto.MediaTypeUpdateStreamControl && c.controlURI == "" {
		c.readControlURI(t, got.data)
		want.data = strings.ReplaceAll(want.data, "<control-uri>", c.controlURI)
	}
	if !jsonEqual(t, got.data, want.data) {
		t.Errorf("stage %d: event %s data differs:\ngot:  %s\nwant: %s", stage, got.name, got.data, want.data)
	}
	switch kind := updates.PatchKind(mediaType); kind {
	case alto.MediaTypeUpdateStreamControl:
	case updates.MergePatch, updates.JSONPatch:
		doc, err := updates.Apply(c.docs[dataID], kind, []byte(got.data))
		if err != nil {
			t.Fatalf("stage %d: applying %s to %s: %v", stage, got.name, c.docs[dataID], err)
		}
		c.docs[dataID] = doc
	default:
		c.docs[dataID] = []byte(got.data)
	}
}

// readControlURI checks the control URI of the first event: under the
// base URL of the definition and the control prefix.
func (c *streamClient) readControlURI(t *testing.T, data string) {
	t.Helper()
	var ev struct {
		ControlURI string `json:"control-uri"`
	}
	if err := json.Unmarshal([]byte(data), &ev); err != nil {
		t.Fatalf("control event %s: %v", data, err)
	}
	if !regexp.MustCompile(`^https://alto\.example\.com/updates/control/[A-Z2-7]{26}$`).MatchString(ev.ControlURI) {
		t.Fatalf("control URI %q is not under https://alto.example.com/updates/control/", ev.ControlURI)
	}
	c.controlURI = ev.ControlURI
}

// checkDocuments checks that the document of every substream of the
// stream request equals the response of its resource.
func (c *streamClient) checkDocuments(t *testing.T, s *testServer, dirPath, requestBody string, stage int) {
	t.Helper()
	var req struct {
		Add map[string]struct {
			ResourceID string          `json:"resource-id"`
			Input      json.RawMessage `json:"input"`
		} `json:"add"`
	}
	if err := json.Unmarshal([]byte(requestBody), &req); err != nil {
		t.Fatalf("stream request: %v", err)
	}
	dir := s.directory(t, dirPath)
	for id, a := range req.Add {
		entry := dir.Resources[a.ResourceID]
		path := urlPath(t, entry.URI)
		var r *response
		if a.Input != nil {
			r = s.do(t, http.MethodPost, path, entry.Accepts, string(a.Input), nil)
		} else {
			r = s.do(t, http.MethodGet, path, "", "", nil)
		}
		if !jsonEqual(t, string(c.docs[id]), string(r.body)) {
			t.Errorf("stage %d: substream %s holds\n%s\nwhere %s returns\n%s", stage, id, c.docs[id], a.ResourceID, r.body)
		}
	}
}

// removeAll removes every substream through the control URI and checks
// that the next event is the "stopped" message.
func (c *streamClient) removeAll(t *testing.T, s *testServer) {
	t.Helper()
	r := s.do(t, http.MethodPost, urlPath(t, c.controlURI), alto.MediaTypeUpdateStreamParams, `{"remove": []}`, nil)
	if r.status != http.StatusNoContent {
		t.Fatalf("control request: status %d, want 204; body %s", r.status, r.body)
	}
	ev := readEvents(t, c.br, 1)[0]
	if ev.name != alto.MediaTypeUpdateStreamControl || !strings.Contains(ev.data, `"stopped"`) {
		t.Errorf("event after the removal: %s %s, want the stopped message", ev.name, ev.data)
	}
}

// directory returns the directory of the server at a path.
func (s *testServer) directory(t *testing.T, path string) *alto.Directory {
	t.Helper()
	r := s.do(t, http.MethodGet, path, "", "", nil)
	var dir alto.Directory
	if err := json.Unmarshal(r.body, &dir); err != nil {
		t.Fatalf("directory %s: %v", r.body, err)
	}
	return &dir
}

// readStages reads an events file: events as a text/event-stream, in
// stages separated by lines "== reload N ==".
func readStages(t *testing.T, path string) [][]event {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var stages [][]event
	for _, text := range regexp.MustCompile(`(?m)^== reload \d+ ==\n`).Split(string(data), -1) {
		text = strings.TrimSpace(text) + "\n\n"
		n := strings.Count(text, "\nevent:") + boolInt(strings.HasPrefix(text, "event:"))
		stages = append(stages, readEvents(t, bufio.NewReader(strings.NewReader(text)), n))
	}
	return stages
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// substitute replaces the placeholders <name> of an event's data.
func substitute(ev event, values map[string]string) event {
	for k, v := range values {
		ev.data = strings.ReplaceAll(ev.data, "<"+k+">", v)
	}
	return ev
}

// copyFiles copies the regular files of a folder into another.
func copyFiles(t *testing.T, from, to string) {
	t.Helper()
	entries, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		data, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// jsonEqual reports whether two JSON texts hold equal values.
func jsonEqual(t *testing.T, a, b string) bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal([]byte(a), &x); err != nil {
		t.Fatalf("decoding %s: %v", a, err)
	}
	if err := json.Unmarshal([]byte(b), &y); err != nil {
		t.Fatalf("decoding expected %s: %v", b, err)
	}
	return reflect.DeepEqual(x, y)
}

// serverOf returns the test server of a started daemon.
func serverOf(t *testing.T, d *daemon.Daemon) *testServer {
	t.Helper()
	u, err := url.Parse(d.IRDURL())
	if err != nil {
		t.Fatal(err)
	}
	return &testServer{origin: u.Scheme + "://" + u.Host, client: &http.Client{}}
}

// urlPath returns the path of a URL.
func urlPath(t *testing.T, rawURL string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatalf("URL %q: %v", rawURL, err)
	}
	return u.Path
}

// TestUpdateStreamInputErrors checks the errors of update stream
// requests for the filtered CDNI Advertisement resource, a POST-mode
// resource whose substreams need an input that it accepts.
func TestUpdateStreamInputErrors(t *testing.T) {
	s := startServer(t, filepath.Join(rfc9241Dir, "network.yaml"))
	tests := []struct {
		name  string
		body  string
		code  alto.ErrorCode
		field string
	}{
		{"no input", `{"add": {"f": {"resource-id": "my-filtered-cdnifci"}}}`,
			alto.ErrMissingField, "add/f/input"},
		{"input without capabilities", `{"add": {"f": {"resource-id": "my-filtered-cdnifci", "input": {}}}}`,
			alto.ErrMissingField, "add/f/input/cdni-capabilities"},
		{"input of the wrong type", `{"add": {"f": {"resource-id": "my-filtered-cdnifci", "input": {"cdni-capabilities": 3}}}}`,
			alto.ErrInvalidFieldType, "add/f/input/cdni-capabilities"},
		{"input for a GET resource", `{"add": {"f": {"resource-id": "my-default-cdnifci", "input": {"cdni-capabilities": []}}}}`,
			alto.ErrInvalidFieldValue, "add/f/input"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := s.do(t, http.MethodPost, "/updates/cdnifci", alto.MediaTypeUpdateStreamParams, tc.body, nil)
			e := altoError(t, r)
			if e.Code != tc.code {
				t.Errorf("code %s, want %s", e.Code, tc.code)
			}
			if e.Field != tc.field {
				t.Errorf("field %q, want %q", e.Field, tc.field)
			}
		})
	}
}
