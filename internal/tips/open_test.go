package tips_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/tips"
)

// definitionTwoOffered is definitionText with a TIPS resource that
// offers the network map and the routingcost map but not the hopcount
// map.
var definitionTwoOffered = strings.Replace(definitionText,
	"  - {id: tips, type: tips, path: /tips}\n",
	"  - {id: tips, type: tips, path: /tips, uses: [my-network-map, my-routingcost-map]}\n", 1)

// TestOpenErrors checks the responses to invalid open requests (RFC 9569,
// Section 6.2).
func TestOpenErrors(t *testing.T) {
	s := startDaemon(t, newNetwork(t, definitionTwoOffered, baseTopology), tips.Register)
	c := newClient(t, protoHTTP1)
	tests := []struct {
		name  string
		body  string
		code  alto.ErrorCode
		field string
		value string
	}{
		{"unknown resource", `{"resource-id": "no-such-map"}`, alto.ErrInvalidFieldValue, "resource-id", "no-such-map"},
		{"resource not offered", `{"resource-id": "my-hopcount-map"}`, alto.ErrInvalidFieldValue, "resource-id", "my-hopcount-map"},
		{"TIPS resource itself", `{"resource-id": "tips"}`, alto.ErrInvalidFieldValue, "resource-id", "tips"},
		{"missing resource-id", `{"tag": "abc"}`, alto.ErrMissingField, "resource-id", ""},
		{"empty object", `{}`, alto.ErrMissingField, "resource-id", ""},
		{"resource-id a number", `{"resource-id": 5}`, alto.ErrInvalidFieldType, "resource-id", ""},
		{"resource-id null", `{"resource-id": null}`, alto.ErrInvalidFieldType, "resource-id", ""},
		{"tag a number", `{"resource-id": "my-network-map", "tag": 5}`, alto.ErrInvalidFieldType, "tag", ""},
		{"empty tag", `{"resource-id": "my-network-map", "tag": ""}`, alto.ErrInvalidFieldValue, "tag", ""},
		{"tag with space", `{"resource-id": "my-network-map", "tag": "a b"}`, alto.ErrInvalidFieldValue, "tag", "a b"},
		{"input", `{"resource-id": "my-network-map", "input": {"pids": []}}`, alto.ErrInvalidFieldValue, "input", ""},
		{"truncated JSON", `{"resource-id": `, alto.ErrSyntax, "", ""},
		{"not JSON", `resource-id=my-network-map`, alto.ErrSyntax, "", ""},
		{"JSON array", `["my-network-map"]`, alto.ErrSyntax, "", ""},
		{"JSON null", `null`, alto.ErrSyntax, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.mustDo(t, http.MethodPost, s.origin+tipsPath, paramsHeader(), tt.body)
			if r.status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400; body %s", r.status, r.body)
			}
			e := r.altoError(t)
			if e.Code != tt.code {
				t.Errorf("code %s, want %s", e.Code, tt.code)
			}
			if e.Field != tt.field {
				t.Errorf("field %q, want %q", e.Field, tt.field)
			}
			if e.Value != tt.value {
				t.Errorf("value %q, want %q", e.Value, tt.value)
			}
		})
	}
}

// TestOpenHTTPErrors checks the HTTP-level failures of an open request.
func TestOpenHTTPErrors(t *testing.T) {
	s := startDaemon(t, newNetwork(t, definitionText, baseTopology), tips.Register)
	c := newClient(t, protoHTTP1)
	body := `{"resource-id": "my-network-map"}`
	tests := []struct {
		name   string
		method string
		header http.Header
		status int
	}{
		{"wrong Content-Type", http.MethodPost, http.Header{"Content-Type": {"application/json"}}, http.StatusUnsupportedMediaType},
		{"no Content-Type", http.MethodPost, http.Header{}, http.StatusUnsupportedMediaType},
		{"Accept excludes TIPS", http.MethodPost, http.Header{"Content-Type": {alto.MediaTypeTIPSParams}, "Accept": {alto.MediaTypeNetworkMap}}, http.StatusNotAcceptable},
		{"GET", http.MethodGet, http.Header{}, http.StatusMethodNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.mustDo(t, tt.method, s.origin+tipsPath, tt.header, body)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d; body %s", r.status, tt.status, r.body)
			}
		})
	}
}

// TestOpenSharedView checks that clients over HTTP/1.1 and h2c that
// open the same resource get the same view, and that different
// resources get different views (RFC 9569, Sections 6.2 and 8.3).
func TestOpenSharedView(t *testing.T) {
	s := startServer(t, newNetwork(t, definitionText, baseTopology), tips.Config{})
	h1, h2 := newClient(t, protoHTTP1), newClient(t, protoH2C)
	seen := map[string]string{}
	for _, id := range sortedKeys(resourcePaths) {
		a := h1.open(t, s, id, "")
		b := h2.open(t, s, id, "")
		again := h1.open(t, s, id, "")
		if a.TIPSViewURI != b.TIPSViewURI || a.TIPSViewURI != again.TIPSViewURI {
			t.Errorf("%s: views %s, %s and %s, want one shared view", id, a.TIPSViewURI, b.TIPSViewURI, again.TIPSViewURI)
		}
		if other, ok := seen[a.TIPSViewURI]; ok {
			t.Errorf("%s and %s share the view %s", id, other, a.TIPSViewURI)
		}
		seen[a.TIPSViewURI] = id
		u, err := url.Parse(a.TIPSViewURI)
		if err != nil || !u.IsAbs() || u.Scheme != "http" || s.origin != u.Scheme+"://"+u.Host {
			t.Errorf("%s: view URI %q is not an absolute URI on the server %s", id, a.TIPSViewURI, s.origin)
		}
		if !strings.HasPrefix(u.Path, tips.DefaultViewPrefix+id+"/") {
			t.Errorf("%s: view path %q, want it under %s%s/", id, u.Path, tips.DefaultViewPrefix, id)
		}
	}
	if got := s.svc.Stats().Views; got != len(resourcePaths) {
		t.Errorf("open views: %d, want %d", got, len(resourcePaths))
	}
}

// TestOpenViewLimit checks that opening a view beyond MaxViews gets 429
// with Retry-After, while opening an existing view still works.
func TestOpenViewLimit(t *testing.T) {
	s := startServer(t, newNetwork(t, definitionText, baseTopology), tips.Config{MaxViews: 1})
	c := newClient(t, protoHTTP1)
	first := c.open(t, s, networkMapID, "")
	r := c.mustDo(t, http.MethodPost, s.origin+tipsPath, paramsHeader(), `{"resource-id": "`+routingCostID+`"}`)
	if r.status != http.StatusTooManyRequests {
		t.Fatalf("second view: status %d, want 429; body %s", r.status, r.body)
	}
	if r.header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	r.altoError(t)
	if again := c.open(t, s, networkMapID, ""); again.TIPSViewURI != first.TIPSViewURI {
		t.Errorf("reopened view %s, want %s", again.TIPSViewURI, first.TIPSViewURI)
	}
}

// TestOpenBaseURL checks that the view URI uses the definition's
// base-url when it has one.
func TestOpenBaseURL(t *testing.T) {
	def := definitionText + "base-url: https://alto.example.com\n"
	s := startServer(t, newNetwork(t, def, baseTopology), tips.Config{})
	c := newClient(t, protoH2C)
	open := c.open(t, s, networkMapID, "")
	if want := "https://alto.example.com" + tips.DefaultViewPrefix + networkMapID + "/"; !strings.HasPrefix(open.TIPSViewURI, want) {
		t.Errorf("view URI %s, want it to start with %s", open.TIPSViewURI, want)
	}
}

// recommendation returns the edge that RFC 9569, Section 7.4.2 requires
// for a client at version from, with the cost that Graph.RecommendEdge
// uses: the bytes of the incremental updates from that version to
// end-seq against the bytes of the latest snapshot. The sizes come from
// the items the view serves.
func recommendation(t *testing.T, c *client, view string, from, end uint64) (uint64, uint64) {
	t.Helper()
	if from == end {
		return end, end + 1
	}
	size := func(i, j uint64) int {
		r := c.mustDo(t, http.MethodGet, edgeURI(view, i, j), itemAccept(alto.MediaTypeCostMap), "")
		if r.status != http.StatusOK {
			t.Fatalf("edge %d to %d: status %d", i, j, r.status)
		}
		return len(r.body)
	}
	var incremental int
	for seq := from; seq < end; seq++ {
		incremental += size(seq, seq+1)
	}
	if incremental < size(0, end) {
		return from, from + 1
	}
	return 0, end
}

// TestRecommendedEdge checks the start-edge-rec of open requests and
// next edge requests with no tag, the tag of the latest version, tags
// of older versions and an unknown tag.
func TestRecommendedEdge(t *testing.T) {
	s := startServer(t, newNetwork(t, definitionText, baseTopology), tips.Config{})
	c := newClient(t, protoH2C)
	tags := map[uint64]string{1: c.fetchTag(t, s, routingCostID)}
	topo := baseTopology
	for seq := uint64(2); seq <= 6; seq++ {
		topo.abMetric += 7
		s.change(t, topo)
		tags[seq] = c.fetchTag(t, s, routingCostID)
	}
	view := c.open(t, s, routingCostID, "").TIPSViewURI
	end := c.nextEdge(t, view, routingCostID, "").EndSeq
	if end != 6 {
		t.Fatalf("end-seq %d after five changes of the routingcost map, want 6", end)
	}

	type edge struct{ i, j uint64 }
	type testCase struct {
		name string
		tag  string
		want edge
	}
	tests := []testCase{
		{"no tag", "", edge{0, end}},
		{"unknown tag", "no-such-tag", edge{0, end}},
		{"tag of end-seq", tags[end], edge{end, end + 1}},
	}
	for seq := uint64(1); seq < end; seq++ {
		i, j := recommendation(t, c, view, seq, end)
		tests = append(tests, testCase{fmt.Sprintf("tag of version %d", seq), tags[seq], edge{i, j}})
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			open := c.open(t, s, routingCostID, tt.tag).TIPSViewSummary.UpdatesGraphSummary
			if got := (edge{open.StartEdgeRec.SeqI, open.StartEdgeRec.SeqJ}); got != tt.want {
				t.Errorf("open: start-edge-rec %v, want %v", got, tt.want)
			}
			next := c.nextEdge(t, view, routingCostID, tt.tag)
			if got := (edge{next.StartEdgeRec.SeqI, next.StartEdgeRec.SeqJ}); got != tt.want {
				t.Errorf("next edge: start-edge-rec %v, want %v", got, tt.want)
			}
			if next.StartSeq != 1 || next.EndSeq != end {
				t.Errorf("next edge: start-seq %d, end-seq %d; want 1 and %d", next.StartSeq, next.EndSeq, end)
			}
		})
	}
}

// TestNextEdgeErrors checks the failures of next edge requests (RFC
// 9569, Section 7.4).
func TestNextEdgeErrors(t *testing.T) {
	s := startServer(t, newNetwork(t, definitionText, baseTopology), tips.Config{})
	c := newClient(t, protoHTTP1)
	view := c.open(t, s, routingCostID, "").TIPSViewURI
	good := http.Header{"Content-Type": {alto.MediaTypeTIPSParams}, "Accept": {alto.MediaTypeMergePatch + ", " + alto.MediaTypeError}}
	tests := []struct {
		name   string
		method string
		uri    string
		header http.Header
		body   string
		status int
		field  string // of the ALTO error; empty for no ALTO error
	}{
		{"other resource", http.MethodPost, view + "/ug", good, `{"resource-id": "my-network-map"}`, http.StatusBadRequest, "resource-id"},
		{"input", http.MethodPost, view + "/ug", good, `{"resource-id": "my-routingcost-map", "input": {}}`, http.StatusBadRequest, "input"},
		{"missing resource-id", http.MethodPost, view + "/ug", good, `{}`, http.StatusBadRequest, "resource-id"},
		{"unknown view", http.MethodPost, strings.Replace(view, routingCostID, hopCountID, 1) + "/ug", good, `{"resource-id": "my-hopcount-map"}`, http.StatusNotFound, ""},
		{"GET", http.MethodGet, view + "/ug", good, "", http.StatusMethodNotAllowed, ""},
		{"wrong Content-Type", http.MethodPost, view + "/ug", http.Header{"Content-Type": {"application/json"}}, `{"resource-id": "my-routingcost-map"}`, http.StatusUnsupportedMediaType, ""},
		{"Accept excludes merge patch", http.MethodPost, view + "/ug", http.Header{"Content-Type": {alto.MediaTypeTIPSParams}, "Accept": {alto.MediaTypeTIPS}}, `{"resource-id": "my-routingcost-map"}`, http.StatusNotAcceptable, ""},
		{"body too large", http.MethodPost, view + "/ug", good, `{"resource-id": "my-routingcost-map", "x": "` + strings.Repeat("a", 70<<10) + `"}`, http.StatusRequestEntityTooLarge, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := c.mustDo(t, tt.method, tt.uri, tt.header, tt.body)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d; body %s", r.status, tt.status, r.body)
			}
			if tt.field != "" {
				if e := r.altoError(t); e.Field != tt.field {
					t.Errorf("field %q, want %q", e.Field, tt.field)
				}
			}
		})
	}
}

// TestIdleViewClosed checks that a view nobody uses for the idle timeout
// is closed: its URI responds 404 and the next open gets a new view.
func TestIdleViewClosed(t *testing.T) {
	const idle = 100 * time.Millisecond
	s := startServer(t, newNetwork(t, definitionText, baseTopology), tips.Config{ViewIdleTimeout: idle})
	c := newClient(t, protoHTTP1)
	first := c.open(t, s, networkMapID, "")
	time.Sleep(3 * idle)
	if r := c.mustDo(t, http.MethodGet, edgeURI(first.TIPSViewURI, 0, 1), nil, ""); r.status != http.StatusNotFound {
		t.Errorf("idle view: status %d, want 404", r.status)
	}
	second := c.open(t, s, networkMapID, "")
	if second.TIPSViewURI == first.TIPSViewURI {
		t.Errorf("open after the idle timeout returned the closed view %s", first.TIPSViewURI)
	}
	if got := s.svc.Stats().Views; got != 1 {
		t.Errorf("open views: %d, want 1", got)
	}
}
