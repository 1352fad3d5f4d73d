package sse

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goalto/goalto/internal/netdef"
	"github.com/goalto/goalto/internal/snapshot"
	"github.com/goalto/goalto/internal/updates"
)

// docMediaType is the media type of the documents of the unit tests.
const docMediaType = "application/alto-costmap+json"

// unitStream is a stream whose events go to a buffer, driven step by
// step by a test instead of by run.
type unitStream struct {
	t      *testing.T
	engine *updates.Engine
	st     *stream
	out    bytes.Buffer
	read   int // bytes of out already parsed
	state  map[string][]byte
}

// newUnitStream returns a stream over e with one substream per
// resource ID, named after it. snapshots may be nil.
func newUnitStream(t *testing.T, e *updates.Engine, snapshots func() *snapshot.Snapshot, incremental bool, resourceIDs ...string) *unitStream {
	t.Helper()
	u := &unitStream{t: t, engine: e, state: map[string][]byte{}}
	svc := New(Config{}, e, snapshots, slog.New(slog.NewTextHandler(io.Discard, nil)))
	// The update stream resource of testdata/rfc8895/network.yaml.
	u.st = newStream(svc, "unit", "update-my-costs", &eventWriter{w: &u.out})
	req := &updateRequest{add: map[string]addRequest{}}
	for _, id := range resourceIDs {
		req.add[id] = addRequest{resourceID: id, incremental: incremental}
	}
	var snap *snapshot.Snapshot
	if snapshots != nil {
		snap = snapshots()
	}
	u.st.addSubstreams(req, snap)
	return u
}

// refresh runs one refresh of the stream and returns the events it
// wrote, after applying them to the state.
func (u *unitStream) refresh() []sseEvent {
	u.t.Helper()
	if err := u.st.refresh(); err != nil {
		u.t.Fatalf("refresh: %v", err)
	}
	r := newSSEReader(bytes.NewReader(u.out.Bytes()[u.read:]))
	u.read = u.out.Len()
	var events []sseEvent
	for {
		ev, err := r.Next()
		if errors.Is(err, io.EOF) {
			return events
		}
		if err != nil {
			u.t.Fatalf("parsing the events: %v", err)
		}
		events = append(events, ev)
		u.apply(ev)
	}
}

func (u *unitStream) apply(ev sseEvent) {
	u.t.Helper()
	mediaType, id, _ := strings.Cut(ev.Type, ",")
	switch updates.PatchKind(mediaType) {
	case updates.MergePatch, updates.JSONPatch:
		doc, err := updates.Apply(u.state[id], updates.PatchKind(mediaType), []byte(ev.Data))
		if err != nil {
			u.t.Fatalf("applying %s to %s: %v", mediaType, id, err)
		}
		u.state[id] = doc
	case docMediaType, "application/alto-networkmap+json":
		u.state[id] = []byte(ev.Data)
	}
}

// publish publishes documents to the engine by resource ID.
func publish(t *testing.T, e *updates.Engine, docs map[string]string) {
	t.Helper()
	content := map[string]updates.Content{}
	for id, doc := range docs {
		content[id] = updates.Content{MediaType: docMediaType, Body: []byte(doc), Tag: fmt.Sprint(len(doc), doc[:8])}
	}
	if _, err := e.Publish(content); err != nil {
		t.Fatal(err)
	}
}

// document returns version v of a test document: a counter and a large
// member that versions share, so that a patch is much smaller than the
// document. With whole set, every member changes with v.
func document(v int, whole bool) string {
	pad := strings.Repeat("x", 2000)
	if whole {
		pad = strings.Repeat(fmt.Sprint(v%10), 2000)
	}
	return fmt.Sprintf(`{"version": %d, "pad": %q}`, v, pad)
}

// buildSnapshot builds the snapshot of a definition file.
func buildSnapshot(t *testing.T, path string) *snapshot.Snapshot {
	t.Helper()
	def, err := netdef.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	s, err := snapshot.Build(def)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// checkState checks that the state of a substream equals a document.
func (u *unitStream) checkState(id, want string) {
	u.t.Helper()
	eq, err := updates.Equal(u.state[id], []byte(want))
	if err != nil || !eq {
		u.t.Fatalf("state of %s is %.60s, want %.60s (err %v)", id, u.state[id], want, err)
	}
}

// kinds returns "full" or "patch" for each event.
func kinds(events []sseEvent) []string {
	out := make([]string, len(events))
	for i, ev := range events {
		out[i] = "patch"
		if strings.HasPrefix(ev.Type, docMediaType+",") {
			out[i] = "full"
		}
	}
	return out
}

// TestFallBehind checks the updates of a client that missed versions.
// It gets one shortcut patch while the engine keeps the body of its
// version, else patches one version at a time while they are smaller
// than a full body. It gets a full replacement when the engine dropped
// its version or the patches are larger.
func TestFallBehind(t *testing.T) {
	for _, tc := range []struct {
		name        string
		limits      updates.Limits
		whole       bool
		incremental bool
		missed      int // versions published while the client does not read
		want        []string
	}{
		{"shortcut", updates.Limits{}, false, true, 3, []string{"patch"}},
		{"one version at a time", updates.Limits{MaxSnapshots: 1}, false, true, 4, []string{"patch", "patch", "patch", "patch"}},
		{"patches larger than body", updates.Limits{MaxSnapshots: 1}, true, true, 4, []string{"full"}},
		{"version dropped", updates.Limits{MaxVersions: 4}, false, true, 9, []string{"full"}},
		{"incremental changes declined", updates.Limits{}, false, false, 3, []string{"full"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := updates.NewEngine(tc.limits)
			publish(t, e, map[string]string{"doc": document(1, tc.whole)})
			u := newUnitStream(t, e, nil, tc.incremental, "doc")
			if got := kinds(u.refresh()); strings.Join(got, " ") != "full" {
				t.Fatalf("first events %v, want one full replacement", got)
			}
			// Version 2 makes the client's version one whose body the
			// engine drops first, since it keeps the oldest body.
			publish(t, e, map[string]string{"doc": document(2, tc.whole)})
			u.refresh()

			last := 2 + tc.missed
			for v := 3; v <= last; v++ {
				publish(t, e, map[string]string{"doc": document(v, tc.whole)})
			}
			got := kinds(u.refresh())
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("events %v, want %v", got, tc.want)
			}
			u.checkState("doc", document(last, tc.whole))
		})
	}
}

// TestRemovedResourceStops checks that a substream whose resource the
// engine removes is stopped with a description.
func TestRemovedResourceStops(t *testing.T) {
	e := updates.NewEngine(updates.Limits{})
	publish(t, e, map[string]string{"a": document(1, false), "b": document(1, false)})
	u := newUnitStream(t, e, nil, true, "a", "b")
	u.refresh()
	publish(t, e, map[string]string{"b": document(2, false)})
	events := u.refresh()
	if len(events) != 2 {
		t.Fatalf("%d events, want a stop and a patch", len(events))
	}
	var ce controlEvent
	if err := json.Unmarshal([]byte(events[0].Data), &ce); err != nil {
		t.Fatalf("control event %q: %v", events[0].Data, err)
	}
	if strings.Join(ce.Stopped, " ") != "a" || ce.Description == "" {
		t.Errorf("control event %+v, want a stopped with a description", ce)
	}
	u.checkState("b", document(2, false))
}

// TestTargetsWaitForEngine checks that a stream sends the versions of
// the served snapshot only once the engine has them all, so that a cost
// map update never comes before the network map update it depends on.
func TestTargetsWaitForEngine(t *testing.T) {
	base, err := os.ReadFile(filepath.Join("testdata", "rfc8895", "network.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	build := func(replace ...string) *snapshot.Snapshot {
		t.Helper()
		path := filepath.Join(t.TempDir(), "network.yaml")
		text := strings.NewReplacer(replace...).Replace(string(base))
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return buildSnapshot(t, path)
	}
	offered := func(s *snapshot.Snapshot, ids ...string) map[string]updates.Content {
		all := updates.FromSnapshot(s)
		out := map[string]updates.Content{}
		for _, id := range ids {
			out[id] = all[id]
		}
		return out
	}
	const netmap, costmap = "my-network-map", "my-routingcost-map"
	s1 := build()
	// s2 adds a prefix to PID1 and changes a cost, so both resources
	// change.
	s2 := build("prefixes: [192.0.2.0/24, 198.51.100.0/25]", "prefixes: [192.0.2.0/24, 198.51.100.0/25, 203.0.113.0/25]",
		"PID1: {PID1: 1, PID2: 5, PID3: 10}", "PID1: {PID1: 1, PID2: 9, PID3: 10}")
	served := s1

	e := updates.NewEngine(updates.Limits{})
	if _, err := e.Publish(offered(s1, netmap, costmap)); err != nil {
		t.Fatal(err)
	}
	u := newUnitStream(t, e, func() *snapshot.Snapshot { return served }, true, costmap, netmap)
	if got := u.refresh(); len(got) != 2 || !strings.HasSuffix(got[0].Type, ","+netmap) {
		t.Fatalf("initial events %+v, want the network map and then the cost map", got)
	}

	// The handler serves s2, and the engine has published the cost map
	// of s2 but not yet its network map.
	served = s2
	partial := offered(s1, netmap, costmap)
	partial[costmap] = offered(s2, costmap)[costmap]
	if _, err := e.Publish(partial); err != nil {
		t.Fatal(err)
	}
	if got := u.refresh(); len(got) != 0 {
		t.Fatalf("events %+v while the engine lacks the network map of the served snapshot, want none", got)
	}

	if _, err := e.Publish(offered(s2, netmap, costmap)); err != nil {
		t.Fatal(err)
	}
	got := u.refresh()
	if len(got) != 2 || !strings.HasSuffix(got[0].Type, ","+netmap) || !strings.HasSuffix(got[1].Type, ","+costmap) {
		t.Fatalf("events %+v, want the network map update and then the cost map update", got)
	}
	u.checkState(netmap, string(s2.Lookup("/networkmap").Body))
	u.checkState(costmap, string(s2.Lookup("/costmap/routingcost").Body))
}

// TestTargetsFallBackToLatest checks that a stream whose engine never
// gets a version of the served snapshot, as after a failed publication,
// sends the latest versions once the engine has published since.
func TestTargetsFallBackToLatest(t *testing.T) {
	s1 := buildSnapshot(t, filepath.Join("testdata", "rfc8895", "network.yaml"))
	s2 := buildSnapshot(t, filepath.Join("testdata", "rfc8895", "network-8.3.yaml"))
	const costmap = "my-routingcost-map"
	content := func(s *snapshot.Snapshot, other int) map[string]updates.Content {
		return map[string]updates.Content{
			costmap: updates.FromSnapshot(s)[costmap],
			"other": {MediaType: docMediaType, Body: []byte(document(other, false))},
		}
	}
	served := s1
	e := updates.NewEngine(updates.Limits{})
	if _, err := e.Publish(content(s1, 1)); err != nil {
		t.Fatal(err)
	}
	u := newUnitStream(t, e, func() *snapshot.Snapshot { return served }, true, costmap)
	u.refresh()

	// The cost map of s2 changes in the snapshot but never in the engine.
	served = s2
	if got := u.refresh(); len(got) != 0 {
		t.Fatalf("events %+v before the engine published again, want none", got)
	}
	if _, err := e.Publish(content(s1, 2)); err != nil {
		t.Fatal(err)
	}
	wrong := content(s1, 3)[costmap]
	wrong.Body = []byte(strings.Replace(string(wrong.Body), `"PID1":1`, `"PID1":2`, 1))
	latest := content(s1, 3)
	latest[costmap] = wrong
	if _, err := e.Publish(latest); err != nil {
		t.Fatal(err)
	}
	got := u.refresh()
	if len(got) != 1 {
		t.Fatalf("events %+v, want the latest version of the cost map", got)
	}
	u.checkState(costmap, string(wrong.Body))
}

// TestSplitLines checks the split of data into SSE data lines.
func TestSplitLines(t *testing.T) {
	for _, tc := range []struct {
		name, data string
		want       []string
	}{
		{"one line", `{"a":1}`, []string{`{"a":1}`}},
		{"final LF dropped", "{\"a\":1}\n", []string{`{"a":1}`}},
		{"LF", "{\n\"a\": 1\n}", []string{"{", `"a": 1`, "}"}},
		{"CR LF", "{\r\n\"a\": 1\r\n}\r\n", []string{"{", `"a": 1`, "}"}},
		{"lone CR", "{\r\"a\": 1\r}", []string{"{", `"a": 1`, "}"}},
		{"empty line kept", "{\n\n}", []string{"{", "", "}"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, line := range splitLines([]byte(tc.data)) {
				got = append(got, string(line))
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") || len(got) != len(tc.want) {
				t.Errorf("lines %q, want %q", got, tc.want)
			}
		})
	}
}
