package updates

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

const testMediaType = "application/alto-costmap+json"

// costBody returns a small cost map body whose costs depend on v.
func costBody(v int) []byte {
	return fmt.Appendf(nil, `{"meta":{"cost-type":{"cost-mode":"numerical","cost-metric":"routingcost"}},"cost-map":{"PID1":{"PID1":1,"PID2":%d,"PID3":%d},"PID2":{"PID1":%d,"PID2":1}}}`, v, 2*v, v+3)
}

// propsBody returns an endpoint properties body with four endpoints,
// where the first has the given JSON value as its priv:load.
func propsBody(load string) []byte {
	return fmt.Appendf(nil, `{"endpoint-properties":{
		"ipv4:192.0.2.1":{"priv:load":%s,"priv:tier":"1"},
		"ipv4:192.0.2.2":{"priv:load":"5","priv:tier":"1"},
		"ipv4:192.0.2.3":{"priv:load":"2","priv:tier":"2"},
		"ipv4:192.0.2.4":{"priv:load":"7","priv:tier":"2"}}}`, load)
}

// publishCosts publishes costBody(1) to costBody(n) and returns the
// bodies by seq.
func publishCosts(t *testing.T, g *Graph, n int) map[uint64][]byte {
	t.Helper()
	bodies := map[uint64][]byte{}
	for v := 1; v <= n; v++ {
		body := costBody(v)
		seq, changed, err := g.Publish(Content{MediaType: testMediaType, Body: body, Tag: fmt.Sprint("tag", v)})
		if err != nil || !changed || seq != uint64(v) {
			t.Fatalf("Publish %d = %d, %v, %v; want seq %d, changed", v, seq, changed, err, v)
		}
		bodies[seq] = body
	}
	return bodies
}

func TestGraphBounds(t *testing.T) {
	const maxVersions = 8
	g := NewGraph("costs", Limits{MaxVersions: maxVersions, MaxSnapshots: 2})
	bodies := publishCosts(t, g, maxVersions+10)

	start, end := g.Range()
	if end != maxVersions+10 || start != end-maxVersions+1 {
		t.Fatalf("Range = %d, %d; want %d, %d", start, end, end-maxVersions+1, maxVersions+10)
	}
	errCases := []struct {
		name string
		i, j uint64
		want error
	}{
		{"below start", start - 1, start, ErrGone},
		{"snapshot below start", 0, start - 1, ErrGone},
		{"shortcut from below start", 1, end, ErrGone},
		{"beyond end", end, end + 1, ErrNotYet},
		{"snapshot beyond end", 0, end + 5, ErrNotYet},
		{"same version", start, start, ErrInvalid},
		{"backwards", end, start, ErrInvalid},
		{"snapshot not kept", 0, start + 1, ErrNotFound},
		{"shortcut without bodies", start + 1, start + 3, ErrNotFound},
	}
	for _, tc := range errCases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := g.Edge(tc.i, tc.j); !errors.Is(err, tc.want) {
				t.Errorf("Edge(%d, %d) error = %v, want %v", tc.i, tc.j, err, tc.want)
			}
		})
	}

	t.Run("start snapshot", func(t *testing.T) {
		item, err := g.Edge(0, start)
		if err != nil {
			t.Fatal(err)
		}
		if mustCanonical(t, item.Body) != mustCanonical(t, bodies[start]) {
			t.Errorf("snapshot of start-seq %d = %s, want %s", start, item.Body, bodies[start])
		}
		if !item.Full || item.MediaType != testMediaType {
			t.Errorf("snapshot full %v, media type %q; want full %q", item.Full, item.MediaType, testMediaType)
		}
	})
	t.Run("stats", func(t *testing.T) {
		st := g.Stats()
		if st.Versions != maxVersions || st.Snapshots != 3 || st.Start != start || st.End != end {
			t.Errorf("Stats = %+v; want %d versions and 3 snapshots (oldest and 2 latest)", st, maxVersions)
		}
	})
	t.Run("shortcut between kept bodies", func(t *testing.T) {
		item, err := g.Edge(start, end)
		if err != nil {
			t.Fatal(err)
		}
		if got := applyItem(t, bodies[start], item); mustCanonical(t, got) != mustCanonical(t, bodies[end]) {
			t.Errorf("shortcut %d to %d gives %s, want %s", start, end, got, bodies[end])
		}
	})
}

func TestGraphMaxBytes(t *testing.T) {
	limit := int64(3*len(costBody(1)) + 100)
	g := NewGraph("costs", Limits{MaxBytes: limit})
	bodies := publishCosts(t, g, 30)
	st := g.Stats()
	if st.Bytes > limit {
		t.Errorf("graph keeps %d bytes, more than MaxBytes %d", st.Bytes, limit)
	}
	if st.Start == 1 || st.End != 30 {
		t.Errorf("Range = %d, %d; want the start moved and end 30", st.Start, st.End)
	}
	doc, err := g.Edge(0, st.Start)
	if err != nil {
		t.Fatal(err)
	}
	got := doc.Body
	for seq := st.Start + 1; seq <= st.End; seq++ {
		item, err := g.Edge(seq-1, seq)
		if err != nil {
			t.Fatal(err)
		}
		got = applyItem(t, got, item)
	}
	if mustCanonical(t, got) != mustCanonical(t, bodies[30]) {
		t.Error("edges from the start snapshot do not give the latest body")
	}

	huge := NewGraph("huge", Limits{MaxBytes: 10})
	publishCosts(t, huge, 3)
	if st := huge.Stats(); st.Versions != 1 || st.End != 3 {
		t.Errorf("Stats = %+v; want only the latest version when one body exceeds MaxBytes", st)
	}
}

func TestGraphPublishUnchanged(t *testing.T) {
	g := NewGraph("costs", Limits{})
	publishCosts(t, g, 2)
	seq, changed, err := g.Publish(Content{MediaType: testMediaType, Body: costBody(2)})
	if err != nil || changed || seq != 2 {
		t.Errorf("Publish of the same body = %d, %v, %v; want 2, unchanged", seq, changed, err)
	}
	if _, _, err := g.Publish(Content{MediaType: testMediaType, Body: []byte(`{"a":`)}); !errors.Is(err, ErrInvalidJSON) {
		t.Errorf("Publish of invalid JSON: %v, want ErrInvalidJSON", err)
	}
}

func TestGraphEdgeKinds(t *testing.T) {
	cases := []struct {
		name      string
		from, to  Content
		wantType  string
		wantFull  bool
		wantPatch string
	}{
		{
			name:      "cost change",
			from:      Content{MediaType: testMediaType, Body: costBody(1)},
			to:        Content{MediaType: testMediaType, Body: costBody(2)},
			wantType:  string(MergePatch),
			wantPatch: `{"cost-map":{"PID1":{"PID2":2,"PID3":4},"PID2":{"PID1":5}}}`,
		},
		{
			name:      "value becomes null",
			from:      Content{MediaType: "application/alto-endpointprop+json", Body: propsBody(`"3"`)},
			to:        Content{MediaType: "application/alto-endpointprop+json", Body: propsBody("null")},
			wantType:  string(JSONPatch),
			wantPatch: `[{"op":"replace","path":"/endpoint-properties/ipv4:192.0.2.1/priv:load","value":null}]`,
		},
		{
			name:     "media type change",
			from:     Content{MediaType: testMediaType, Body: costBody(1)},
			to:       Content{MediaType: "application/alto-networkmap+json", Body: costBody(2)},
			wantType: "application/alto-networkmap+json",
			wantFull: true,
		},
		{
			name:     "patch larger than body",
			from:     Content{MediaType: testMediaType, Body: []byte(`{"a":{"b":1,"c":2}}`)},
			to:       Content{MediaType: testMediaType, Body: []byte(`{"x":1}`)},
			wantType: testMediaType,
			wantFull: true,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := NewGraph("r", Limits{})
			for _, c := range []Content{tc.from, tc.to} {
				if _, _, err := g.Publish(c); err != nil {
					t.Fatal(err)
				}
			}
			item, err := g.Edge(1, 2)
			if err != nil {
				t.Fatal(err)
			}
			if item.MediaType != tc.wantType || item.Full != tc.wantFull {
				t.Errorf("edge = %s (full %v), want %s (full %v)", item.MediaType, item.Full, tc.wantType, tc.wantFull)
			}
			if tc.wantFull && string(item.Body) != string(tc.to.Body) {
				t.Errorf("full edge body = %s, want %s", item.Body, tc.to.Body)
			}
			if tc.wantPatch != "" && mustCanonical(t, item.Body) != mustCanonical(t, []byte(tc.wantPatch)) {
				t.Errorf("patch = %s, want %s", item.Body, tc.wantPatch)
			}
		})
	}
}

func TestGraphWait(t *testing.T) {
	g := NewGraph("costs", Limits{})
	publishCosts(t, g, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	type result struct {
		end uint64
		err error
	}
	done := make(chan result, 1)
	go func() {
		end, err := g.Wait(ctx, 1)
		done <- result{end, err}
	}()
	if _, _, err := g.Publish(Content{MediaType: testMediaType, Body: costBody(2)}); err != nil {
		t.Fatal(err)
	}
	if r := <-done; r.err != nil || r.end != 2 {
		t.Errorf("Wait = %d, %v; want 2", r.end, r.err)
	}

	if end, err := g.Wait(ctx, 1); err != nil || end != 2 {
		t.Errorf("Wait for a version that exists = %d, %v; want 2 at once", end, err)
	}
	short, cancelShort := context.WithCancel(context.Background())
	cancelShort()
	if _, err := g.Wait(short, 2); !errors.Is(err, context.Canceled) {
		t.Errorf("Wait with a cancelled context: %v, want context.Canceled", err)
	}
}

func TestGraphLookupAndRecommend(t *testing.T) {
	g := NewGraph("costs", Limits{})
	if i, j := g.RecommendEdge(0); i != 0 || j != 1 {
		t.Errorf("RecommendEdge on an empty graph = %d, %d; want 0, 1", i, j)
	}
	publishCosts(t, g, 5)
	if seq, ok := g.Lookup("tag3"); !ok || seq != 3 {
		t.Errorf("Lookup(tag3) = %d, %v; want 3", seq, ok)
	}
	for _, tag := range []string{"", "tag9"} {
		if _, ok := g.Lookup(tag); ok {
			t.Errorf("Lookup(%q) found a version", tag)
		}
	}
	cases := []struct {
		from, i, j uint64
	}{
		{0, 0, 5},
		{4, 4, 5}, // one small patch beats the full body
		{5, 5, 6}, // at end-seq: long poll the next edge
		{9, 0, 5}, // unknown version
	}
	for _, tc := range cases {
		if i, j := g.RecommendEdge(tc.from); i != tc.i || j != tc.j {
			t.Errorf("RecommendEdge(%d) = %d, %d; want %d, %d", tc.from, i, j, tc.i, tc.j)
		}
	}

	// Versions whose edges are full bodies make the snapshot cheaper.
	full := NewGraph("full", Limits{})
	for _, body := range []string{`{"a":1}`, `{"b":2}`, `{"c":3}`} {
		if _, _, err := full.Publish(Content{MediaType: testMediaType, Body: []byte(body)}); err != nil {
			t.Fatal(err)
		}
	}
	if i, j := full.RecommendEdge(1); i != 0 || j != 3 {
		t.Errorf("RecommendEdge(1) with full-body edges = %d, %d; want the snapshot 0, 3", i, j)
	}
}

// TestGraphConcurrentReaders reads while a writer publishes; run with
// -race to check the locking.
func TestGraphConcurrentReaders(t *testing.T) {
	const versions = 200
	g := NewGraph("costs", Limits{MaxVersions: 16, MaxSnapshots: 3})
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var seen uint64
			for seen < versions {
				end, err := g.Wait(context.Background(), seen)
				if err != nil {
					errs <- err
					return
				}
				item, err := g.Edge(0, end)
				if err != nil && !errors.Is(err, ErrGone) {
					errs <- fmt.Errorf("edge 0 to %d: %w", end, err)
					return
				}
				if err == nil && !strings.Contains(string(item.Body), fmt.Sprintf(`"PID2":%d,`, end)) {
					errs <- fmt.Errorf("edge 0 to %d holds another version: %s", end, item.Body)
					return
				}
				seen = end
			}
		}()
	}
	publishCosts(t, g, versions)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
