package tips_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/tips"
)

// rfc9569Dir holds the example exchanges of RFC 9569 that apply to
// goalto; README.md there lists every change made to the RFC text.
const rfc9569Dir = "testdata/rfc9569"

// exampleOrigin is the base-url of rfc9569Dir/network.yaml, the host of
// the RFC examples.
const exampleOrigin = "https://alto.example.com"

// fixtureMessage is an HTTP message of a fixture: the start line, the
// header fields and the body.
type fixtureMessage struct {
	startLine []string
	header    http.Header
	body      string
}

// readFixture reads an HTTP message, replacing each placeholder of the
// form <name> by its value.
func readFixture(t *testing.T, name string, values map[string]string) fixtureMessage {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(rfc9569Dir, name))
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	for k, v := range values {
		text = strings.ReplaceAll(text, "<"+k+">", v)
	}
	head, body, _ := strings.Cut(text, "\n\n")
	lines := strings.Split(head, "\n")
	m := fixtureMessage{startLine: strings.SplitN(lines[0], " ", 3), header: http.Header{}, body: body}
	for _, line := range lines[1:] {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			t.Fatalf("%s: header line %q has no colon", name, line)
		}
		m.header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	return m
}

// replay sends the request of a fixture to the server, with the Host
// field of the fixture, and returns the response.
func (c *client) replay(t *testing.T, s *testServer, req fixtureMessage) *response {
	t.Helper()
	if len(req.startLine) != 3 {
		t.Fatalf("request line %q", req.startLine)
	}
	r, err := http.NewRequestWithContext(t.Context(), req.startLine[0], s.origin+req.startLine[1], strings.NewReader(req.body))
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range req.header {
		if k == "Host" {
			r.Host = vs[0]
			continue
		}
		r.Header[k] = vs
	}
	resp, err := c.http.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: body}
}

// checkStatusLine compares the status and Content-Type of a response
// with those of a fixture.
func checkStatusLine(t *testing.T, got *response, want fixtureMessage) {
	t.Helper()
	status, err := strconv.Atoi(want.startLine[1])
	if err != nil {
		t.Fatalf("status line %q", want.startLine)
	}
	if got.status != status {
		t.Fatalf("status %d, want %d; body %s", got.status, status, got.body)
	}
	if mt := want.header.Get("Content-Type"); got.mediaType() != mt {
		t.Errorf("Content-Type %q, want %q", got.mediaType(), mt)
	}
}

// sameShape returns an error unless two decoded JSON values have the
// same members at every level, with values of the same JSON type.
func sameShape(path string, got, want any) error {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return fmt.Errorf("%s: got %T, want an object", path, got)
		}
		gk, wk := sortedKeys(g), sortedKeys(w)
		if !slices.Equal(gk, wk) {
			return fmt.Errorf("%s: members %v, want %v", path, gk, wk)
		}
		for _, k := range wk {
			if err := sameShape(path+"/"+k, g[k], w[k]); err != nil {
				return err
			}
		}
		return nil
	default:
		if fmt.Sprintf("%T", got) != fmt.Sprintf("%T", want) {
			return fmt.Errorf("%s: got %T, want %T", path, got, want)
		}
		return nil
	}
}

func decodeJSON(t *testing.T, data []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("decoding %s: %v", data, err)
	}
	return v
}

// TestRFC9569Examples replays the example exchanges of RFC 9569 that
// apply to goalto against the example resources of Section 5.4. The
// routingcost map gets six versions first, as the updates graph of
// Figure 2 has (101 to 106 there, 1 to 6 here).
func TestRFC9569Examples(t *testing.T) {
	n := &network{definition: filepath.Join(t.TempDir(), "network.yaml")}
	n.topology = filepath.Join(filepath.Dir(n.definition), "topology.yaml")
	def, err := os.ReadFile(filepath.Join(rfc9569Dir, "network.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, n.definition, string(def))
	writeFile(t, n.topology, baseTopology.yaml())
	s := startServer(t, n, tips.Config{})
	c := newClient(t, protoHTTP1)

	t.Run("01-ird-entry", func(t *testing.T) {
		r := c.mustDo(t, http.MethodGet, s.origin+"/directory", nil, "")
		var ird struct {
			Resources map[string]json.RawMessage `json:"resources"`
		}
		if err := json.Unmarshal(r.body, &ird); err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(filepath.Join(rfc9569Dir, "01-ird-entry.json"))
		if err != nil {
			t.Fatal(err)
		}
		var wantEntry map[string]json.RawMessage
		if err := json.Unmarshal(want, &wantEntry); err != nil {
			t.Fatal(err)
		}
		id := "update-my-costs-tips"
		if ok, diff := sameJSON(t, ird.Resources[id], wantEntry[id]); !ok {
			t.Errorf("IRD entry %s:%s", id, diff)
		}
	})

	tags := map[uint64]string{1: c.fetchTag(t, s, routingCostID)}
	topo := baseTopology
	for seq := uint64(2); seq <= 6; seq++ {
		topo.abMetric += 5
		s.change(t, topo)
		tags[seq] = c.fetchTag(t, s, routingCostID)
	}

	t.Run("02-open-error", func(t *testing.T) {
		r := c.replay(t, s, readFixture(t, "02-open-error.request", nil))
		want := readFixture(t, "02-open-error.response", nil)
		checkStatusLine(t, r, want)
		var w alto.Error
		if err := json.Unmarshal([]byte(want.body), &w); err != nil {
			t.Fatal(err)
		}
		got := r.altoError(t)
		if got.Code != w.Code || got.Field != w.Field || got.Value != w.Value {
			t.Errorf("error %s field %q value %q, want %s field %q value %q", got.Code, got.Field, got.Value, w.Code, w.Field, w.Value)
		}
	})

	var viewPath string
	t.Run("03-open", func(t *testing.T) {
		r := c.replay(t, s, readFixture(t, "03-open.request", nil))
		want := readFixture(t, "04-open.response", nil)
		checkStatusLine(t, r, want)
		if err := sameShape("", decodeJSON(t, r.body), decodeJSON(t, []byte(want.body))); err != nil {
			t.Fatalf("open response %s: %v", r.body, err)
		}
		var open openResponse
		if err := json.Unmarshal(r.body, &open); err != nil {
			t.Fatal(err)
		}
		prefix := exampleOrigin + tips.DefaultViewPrefix + routingCostID + "/"
		if !strings.HasPrefix(open.TIPSViewURI, prefix) {
			t.Fatalf("tips-view-uri %q, want it to start with %q", open.TIPSViewURI, prefix)
		}
		u, _ := url.Parse(open.TIPSViewURI)
		viewPath = u.Path
		sum := open.TIPSViewSummary.UpdatesGraphSummary
		if sum.StartSeq != 1 || sum.EndSeq != 6 || sum.StartEdgeRec.SeqI != 0 || sum.StartEdgeRec.SeqJ != 6 {
			t.Errorf("summary %+v, want start-seq 1, end-seq 6 and the snapshot edge 0 to 6", sum)
		}
	})
	if viewPath == "" {
		t.Fatal("no view was opened")
	}
	values := map[string]string{"tips-view-path": viewPath, "end-seq": "6", "tag": tags[3]}

	t.Run("09-item", func(t *testing.T) {
		r := c.replay(t, s, readFixture(t, "09-item.request", values))
		checkStatusLine(t, r, readFixture(t, "10-item.response", nil))
		want, _ := c.fetchResource(t, s, routingCostID)
		if ok, diff := sameJSON(t, r.body, want); !ok {
			t.Errorf("snapshot 0 to 6 differs from GET of the cost map:%s", diff)
		}
	})

	t.Run("11-next-edge", func(t *testing.T) {
		r := c.replay(t, s, readFixture(t, "11-next-edge.request", values))
		want := readFixture(t, "12-next-edge.response", nil)
		checkStatusLine(t, r, want)
		if err := sameShape("", decodeJSON(t, r.body), decodeJSON(t, []byte(want.body))); err != nil {
			t.Fatalf("next edge response %s: %v", r.body, err)
		}
		var patch struct {
			TIPSViewSummary struct {
				UpdatesGraphSummary summary `json:"updates-graph-summary"`
			} `json:"tips-view-summary"`
		}
		if err := json.Unmarshal(r.body, &patch); err != nil {
			t.Fatal(err)
		}
		sum := patch.TIPSViewSummary.UpdatesGraphSummary
		i, j := recommendation(t, c, s.origin+viewPath, 3, 6)
		if sum.StartSeq != 1 || sum.EndSeq != 6 || sum.StartEdgeRec.SeqI != i || sum.StartEdgeRec.SeqJ != j {
			t.Errorf("summary %+v, want start-seq 1, end-seq 6 and the edge %d to %d", sum, i, j)
		}
	})
}
