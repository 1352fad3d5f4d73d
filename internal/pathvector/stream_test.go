package pathvector_test

import (
	"bufio"
	"context"
	"encoding/json"
	"mime"
	"net/http"
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
	"github.com/goalto/goalto/internal/pathvector"
	"github.com/goalto/goalto/internal/updates"
)

// streamDir holds the update stream example of RFC 9275, Section 8.5:
// the definition, the stream request, the files that each reload
// replaces, and the events expected after each reload.
const streamDir = "testdata/rfc9275/stream"

// sseEvent is one server-sent event: its type and its data lines joined
// with LF.
type sseEvent struct {
	name, data string
}

// TestRFC9275UpdateStream replays the update stream of RFC 9275,
// Section 8.5: a substream of the multipart endpoint cost service of
// Section 8.4. The stream starts with the control URI and the full
// multipart response, equal to that of Section 8.4 (E07.response.http).
// After each reload, it sends one patch per changed part, with the
// data-id "ecspvsub1.<Content-ID>" (RFC 8895, Section 6.7.3). The ANE
// names stay the same within the stream, so the patches name the ANEs
// of the first response; the test maps them to the example's names.
func TestRFC9275UpdateStream(t *testing.T) {
	work := t.TempDir()
	copyDir(t, streamDir, work)
	d := alttest.StartConfig(t, daemon.Config{Definition: filepath.Join(work, "stream.yaml")})
	base := strings.TrimSuffix(d.IRDURL(), "/directory")
	br := openStream(t, base, filepath.Join(streamDir, "request"))

	first := readSSE(t, br, 2)
	if first[0].name != alto.MediaTypeUpdateStreamControl || !strings.Contains(first[0].data, `"control-uri"`) {
		t.Fatalf("first event %s %s, want the control URI", first[0].name, first[0].data)
	}
	got := fullReplacement(t, first[1])
	want := readExample(t, "testdata/rfc9275/E07.response.http")
	comparePartByPart(t, got, want)
	rename := aneRenaming(t, got, want)
	docs := map[string][]byte{}
	for _, p := range got.Parts {
		docs["ecspvsub1."+strings.Trim(p.ContentID, "<>")] = p.Body
	}

	stages := readStages(t, filepath.Join(streamDir, "events"))
	for n, stage := range stages {
		copyDir(t, filepath.Join(streamDir, "reload-"+string(rune('1'+n))), work)
		if err := d.Reload(); err != nil {
			t.Fatalf("reload %d: %v", n+1, err)
		}
		for i, ev := range readSSE(t, br, len(stage)) {
			checkPatchEvent(t, n+1, ev, stage[i], rename, docs)
		}
	}
	checkInputRejected(t, d, work, br)
}

// checkInputRejected reloads a definition whose resource no longer
// offers persistent-entity-id, which the input of the substream
// requests: the stream must stop the substream with a description of
// the error, and then end, since no substream is left.
func checkInputRejected(t *testing.T, d *daemon.Daemon, work string, br *bufio.Reader) {
	t.Helper()
	copyDir(t, filepath.Join(streamDir, "reload-3"), work)
	if err := d.Reload(); err != nil {
		t.Fatalf("reload 3: %v", err)
	}
	ev := readSSE(t, br, 1)[0]
	var control struct {
		Stopped     []string `json:"stopped"`
		Description string   `json:"description"`
	}
	if err := json.Unmarshal([]byte(ev.data), &control); err != nil {
		t.Fatalf("event %s %s: %v", ev.name, ev.data, err)
	}
	if ev.name != alto.MediaTypeUpdateStreamControl || len(control.Stopped) != 1 || control.Stopped[0] != "ecspvsub1" {
		t.Errorf("event %s %s, want ecspvsub1 stopped", ev.name, ev.data)
	}
	if !strings.Contains(control.Description, "ane-property-names") {
		t.Errorf("description %q does not name the invalid field", control.Description)
	}
	if line, err := br.ReadString('\n'); err == nil {
		t.Errorf("stream continues after its last substream stopped: %q", line)
	}
}

// fullReplacement decodes the multipart full replacement of substream
// ecspvsub1, whose event type is the Content-Type of the response.
func fullReplacement(t *testing.T, ev sseEvent) *pathvector.Message {
	t.Helper()
	contentType, id, ok := cutLast(ev.name, ",")
	if !ok || id != "ecspvsub1" {
		t.Fatalf("second event %q, want the full replacement of ecspvsub1", ev.name)
	}
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || mt != "multipart/related" || params["type"] != alto.MediaTypeEndpointCost {
		t.Fatalf("full replacement type %q, want multipart/related of %s", contentType, alto.MediaTypeEndpointCost)
	}
	m, err := pathvector.Decode(contentType, strings.NewReader(ev.data))
	if err != nil {
		t.Fatalf("decoding the full replacement: %v\n%s", err, ev.data)
	}
	return m
}

// checkPatchEvent compares a patch event with the expected one after
// mapping the ANE names, and applies it to the part it names.
func checkPatchEvent(t *testing.T, reload int, got, want sseEvent, rename map[string]string, docs map[string][]byte) {
	t.Helper()
	if got.name != want.name {
		t.Fatalf("reload %d: event %q, want %q; data %s", reload, got.name, want.name, got.data)
	}
	g, w := normalise(t, []byte(got.data), rename), normalise(t, []byte(want.data), nil)
	if !reflect.DeepEqual(g, w) {
		gj, _ := json.MarshalIndent(g, "", "  ")
		t.Errorf("reload %d: event %s data differs\ngot:\n%s\nwant:\n%s", reload, got.name, gj, want.data)
	}
	kind, dataID, _ := strings.Cut(got.name, ",")
	doc, ok := docs[dataID]
	if !ok {
		t.Fatalf("reload %d: event for %q, which is no part of the response", reload, dataID)
	}
	patched, err := updates.Apply(doc, updates.PatchKind(kind), []byte(got.data))
	if err != nil {
		t.Fatalf("reload %d: applying %s: %v", reload, got.name, err)
	}
	docs[dataID] = patched
}

// openStream sends the stream request of a fixture file and returns the
// reader of the event stream.
func openStream(t *testing.T, base, file string) *bufio.Reader {
	t.Helper()
	head, body, _ := strings.Cut(string(readFile(t, file)), "\n\n")
	lines := strings.Split(head, "\n")
	method, path, _ := strings.Cut(lines[0], " ")
	path, _, _ = strings.Cut(path, " ")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, method, base+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range lines[1:] {
		k, v, _ := strings.Cut(line, ":")
		if k == "Host" {
			req.Host = strings.TrimSpace(v)
			continue
		}
		req.Header.Set(k, strings.TrimSpace(v))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("stream request: status %d", resp.StatusCode)
	}
	return bufio.NewReader(resp.Body)
}

// readSSE reads n events of a text/event-stream.
func readSSE(t *testing.T, br *bufio.Reader, n int) []sseEvent {
	t.Helper()
	var out []sseEvent
	var cur sseEvent
	var data []string
	for len(out) < n {
		line, err := br.ReadString('\n')
		if err != nil {
			t.Fatalf("reading event %d: %v", len(out)+1, err)
		}
		line = strings.TrimRight(line, "\r\n")
		switch {
		case line == "":
			if cur.name != "" {
				cur.data = strings.Join(data, "\n")
				out = append(out, cur)
			}
			cur, data = sseEvent{}, nil
		case strings.HasPrefix(line, "event:"):
			cur.name = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
		case strings.HasPrefix(line, "data:"):
			v := strings.TrimPrefix(line, "data:")
			data = append(data, strings.TrimPrefix(v, " "))
		}
	}
	return out
}

// readStages reads the expected events, in stages that start with a
// line "== reload N ==".
func readStages(t *testing.T, file string) [][]sseEvent {
	t.Helper()
	var stages [][]sseEvent
	for _, text := range regexp.MustCompile(`(?m)^== reload \d+ ==\n`).Split(string(readFile(t, file)), -1)[1:] {
		text = strings.TrimSpace(text) + "\n\n"
		n := strings.Count("\n"+text, "\nevent:")
		stages = append(stages, readSSE(t, bufio.NewReader(strings.NewReader(text)), n))
	}
	return stages
}

// copyDir copies the regular files of a folder into another.
func copyDir(t *testing.T, from, to string) {
	t.Helper()
	entries, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Type().IsRegular() {
			if err := os.WriteFile(filepath.Join(to, e.Name()), readFile(t, filepath.Join(from, e.Name())), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func cutLast(s, sep string) (before, after string, found bool) {
	if i := strings.LastIndex(s, sep); i >= 0 {
		return s[:i], s[i+len(sep):], true
	}
	return s, "", false
}
