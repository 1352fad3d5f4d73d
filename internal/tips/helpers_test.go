package tips_test

import (
	"bytes"
	"context"
	"encoding/json"
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
	"github.com/goalto/goalto/internal/tips"
	"github.com/goalto/goalto/internal/updates"
)

// definitionText is the network definition of most tests: PIDs from
// the topology nodes that have prefixes, a network map, two full cost
// maps and a TIPS resource that offers all three (its "uses" defaults to
// every GET resource).
const definitionText = `# Network definition of the TIPS tests.
network-map:
  resource-id: my-network-map
topology: topology.yaml
cost-types:
  num-routingcost: {cost-mode: numerical, cost-metric: routingcost}
  num-hopcount: {cost-mode: numerical, cost-metric: hopcount}
resources:
  - {id: my-network-map, type: network-map, path: /networkmap}
  - {id: my-routingcost-map, type: cost-map, path: /costmap/routingcost, cost-types: [num-routingcost]}
  - {id: my-hopcount-map, type: cost-map, path: /costmap/hopcount, cost-types: [num-hopcount]}
  - {id: tips, type: tips, path: /tips}
`

// Resource IDs and paths of definitionText.
const (
	networkMapID  = "my-network-map"
	routingCostID = "my-routingcost-map"
	hopCountID    = "my-hopcount-map"
	tipsPath      = "/tips"
)

// resourcePaths gives the GET path of each resource that TIPS offers.
var resourcePaths = map[string]string{
	networkMapID:  "/networkmap",
	routingCostID: "/costmap/routingcost",
	hopCountID:    "/costmap/hopcount",
}

// topology is one version of the test topology. Node b hangs off node a
// alone, so the routingcost from a to b is the metric of link a-b, and
// a new abMetric always changes the routingcost map. The prefixes of d
// and e come and go, which adds and removes PIDs.
type topology struct {
	abMetric  int
	ceMetric  int
	cdLink    bool
	dPrefixes []string
	ePrefixes []string
}

var baseTopology = topology{abMetric: 10, ceMetric: 4, dPrefixes: []string{"10.0.3.0/24"}, ePrefixes: []string{"10.0.5.0/24"}}

func (t topology) yaml() string {
	var b strings.Builder
	fmt.Fprintf(&b, "nodes:\n")
	fmt.Fprintf(&b, "  - {id: a, prefixes: [10.0.0.0/24]}\n")
	fmt.Fprintf(&b, "  - {id: b, prefixes: [10.0.1.0/24]}\n")
	fmt.Fprintf(&b, "  - {id: c, prefixes: [10.0.2.0/24]}\n")
	fmt.Fprintf(&b, "  - {id: d, prefixes: [%s]}\n", strings.Join(t.dPrefixes, ", "))
	fmt.Fprintf(&b, "  - {id: e, prefixes: [%s]}\n", strings.Join(t.ePrefixes, ", "))
	fmt.Fprintf(&b, "links:\n")
	fmt.Fprintf(&b, "  - {from: a, to: b, metric: %d}\n", t.abMetric)
	fmt.Fprintf(&b, "  - {from: a, to: c, metric: 3}\n")
	fmt.Fprintf(&b, "  - {from: c, to: e, metric: %d}\n", t.ceMetric)
	fmt.Fprintf(&b, "  - {from: d, to: e, metric: 2}\n")
	if t.cdLink {
		fmt.Fprintf(&b, "  - {from: c, to: d, metric: 1}\n")
	}
	return b.String()
}

// network is a definition file and its topology file in a temporary
// folder.
type network struct {
	definition, topology string
}

func newNetwork(t *testing.T, definition string, topo topology) *network {
	t.Helper()
	dir := t.TempDir()
	n := &network{definition: filepath.Join(dir, "network.yaml"), topology: filepath.Join(dir, "topology.yaml")}
	writeFile(t, n.topology, topo.yaml())
	writeFile(t, n.definition, definition)
	return n
}

// writeFile replaces a file by renaming a complete new file over it.
func writeFile(t *testing.T, path, text string) {
	t.Helper()
	tmp := path + ".new"
	if err := os.WriteFile(tmp, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// testServer is a running daemon with the TIPS service.
type testServer struct {
	d      *daemon.Daemon
	svc    *tips.Service // nil when the daemon runs tips.Register
	net    *network
	origin string // scheme and host
}

// startServer serves a network with a TIPS service of the given
// configuration.
func startServer(t *testing.T, n *network, cfg tips.Config) *testServer {
	t.Helper()
	svc := tips.New(cfg)
	s := startDaemon(t, n, svc.Register)
	s.svc = svc
	return s
}

func startDaemon(t *testing.T, n *network, register daemon.Registrar) *testServer {
	t.Helper()
	d := alttest.StartConfig(t, daemon.Config{Definition: n.definition, Services: []daemon.Registrar{register}})
	u, err := url.Parse(d.IRDURL())
	if err != nil {
		t.Fatalf("directory URL: %v", err)
	}
	return &testServer{d: d, net: n, origin: u.Scheme + "://" + u.Host}
}

// change writes a new topology and reloads the daemon.
func (s *testServer) change(t *testing.T, topo topology) {
	t.Helper()
	writeFile(t, s.net.topology, topo.yaml())
	if err := s.d.Reload(); err != nil {
		t.Fatalf("reload: %v", err)
	}
}

// waitForWaiters waits until the service counts n pending long polls.
// A test calls it to be sure that its long polls reached the server.
func (s *testServer) waitForWaiters(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for s.svc.Stats().Waiters != n {
		if time.Now().After(deadline) {
			t.Fatalf("pending long polls: %d, want %d", s.svc.Stats().Waiters, n)
		}
		time.Sleep(time.Millisecond)
	}
}

// Protocols of the test clients.
const (
	protoHTTP1 = "HTTP/1.1"
	protoH2C   = "h2c"
)

// client is an HTTP client of one protocol.
type client struct {
	proto string
	http  *http.Client
}

func newClient(t *testing.T, proto string) *client {
	t.Helper()
	tr := &http.Transport{DisableCompression: true, Protocols: new(http.Protocols)}
	switch proto {
	case protoHTTP1:
		tr.Protocols.SetHTTP1(true)
	case protoH2C:
		tr.Protocols.SetUnencryptedHTTP2(true)
	default:
		t.Fatalf("unknown protocol %q", proto)
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &client{proto: proto, http: &http.Client{Transport: tr}}
}

// response is a response read in full.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r *response) mediaType() string {
	mt, _, _ := strings.Cut(r.header.Get("Content-Type"), ";")
	return strings.TrimSpace(mt)
}

// altoError decodes an application/alto-error+json body.
func (r *response) altoError(t *testing.T) *alto.Error {
	t.Helper()
	if got := r.mediaType(); got != alto.MediaTypeError {
		t.Fatalf("Content-Type = %q, want %s; body %s", got, alto.MediaTypeError, r.body)
	}
	var e alto.Error
	if err := json.Unmarshal(r.body, &e); err != nil {
		t.Fatalf("decoding error body %s: %v", r.body, err)
	}
	return &e
}

// do sends a request and reads the whole response. It checks that an
// h2c client really spoke HTTP/2.
func (c *client) do(ctx context.Context, method, rawURL string, header http.Header, body string) (*response, error) {
	req, err := http.NewRequestWithContext(ctx, method, rawURL, strings.NewReader(body))
	if err != nil {
		return nil, err
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: reading body: %w", method, rawURL, err)
	}
	if c.proto == protoH2C && resp.ProtoMajor != 2 {
		return nil, fmt.Errorf("%s %s: response over %s, want HTTP/2", method, rawURL, resp.Proto)
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: data}, nil
}

// mustDo is do that fails the test on a transport error.
func (c *client) mustDo(t *testing.T, method, rawURL string, header http.Header, body string) *response {
	t.Helper()
	r, err := c.do(t.Context(), method, rawURL, header, body)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// openResponse is the AddTIPSResponse of RFC 9569, Section 6.2.
type openResponse struct {
	TIPSViewURI     string `json:"tips-view-uri"`
	TIPSViewSummary struct {
		UpdatesGraphSummary summary `json:"updates-graph-summary"`
	} `json:"tips-view-summary"`
}

type summary struct {
	StartSeq     uint64 `json:"start-seq"`
	EndSeq       uint64 `json:"end-seq"`
	StartEdgeRec struct {
		SeqI uint64 `json:"seq-i"`
		SeqJ uint64 `json:"seq-j"`
	} `json:"start-edge-rec"`
}

func paramsHeader() http.Header {
	return http.Header{
		"Content-Type": {alto.MediaTypeTIPSParams},
		"Accept":       {alto.MediaTypeTIPS + ", " + alto.MediaTypeError},
	}
}

// open opens a view of a resource, with a tag when tag is not empty.
func (c *client) open(t *testing.T, s *testServer, resourceID, tag string) openResponse {
	t.Helper()
	req := map[string]string{"resource-id": resourceID}
	if tag != "" {
		req["tag"] = tag
	}
	body, _ := json.Marshal(req)
	r := c.mustDo(t, http.MethodPost, s.origin+tipsPath, paramsHeader(), string(body))
	if r.status != http.StatusOK || r.mediaType() != alto.MediaTypeTIPS {
		t.Fatalf("open %s: status %d, Content-Type %q, body %s", resourceID, r.status, r.mediaType(), r.body)
	}
	var out openResponse
	if err := json.Unmarshal(r.body, &out); err != nil {
		t.Fatalf("open %s: decoding %s: %v", resourceID, r.body, err)
	}
	return out
}

// nextEdge requests a view's summary with the edge recommended for a
// tag (RFC 9569, Section 7.4).
func (c *client) nextEdge(t *testing.T, viewURI, resourceID, tag string) summary {
	t.Helper()
	req := map[string]string{"resource-id": resourceID}
	if tag != "" {
		req["tag"] = tag
	}
	body, _ := json.Marshal(req)
	h := http.Header{
		"Content-Type": {alto.MediaTypeTIPSParams},
		"Accept":       {alto.MediaTypeMergePatch + ", " + alto.MediaTypeError},
	}
	r := c.mustDo(t, http.MethodPost, viewURI+"/ug", h, string(body))
	if r.status != http.StatusOK || r.mediaType() != alto.MediaTypeMergePatch {
		t.Fatalf("next edge of %s: status %d, Content-Type %q, body %s", resourceID, r.status, r.mediaType(), r.body)
	}
	var out struct {
		TIPSViewSummary struct {
			UpdatesGraphSummary summary `json:"updates-graph-summary"`
		} `json:"tips-view-summary"`
	}
	if err := json.Unmarshal(r.body, &out); err != nil {
		t.Fatalf("next edge of %s: decoding %s: %v", resourceID, r.body, err)
	}
	return out.TIPSViewSummary.UpdatesGraphSummary
}

// itemAccept is the Accept header of update item requests for a
// resource of the given media type: every type an item may have.
func itemAccept(resourceMediaType string) http.Header {
	return http.Header{"Accept": {strings.Join([]string{
		resourceMediaType, alto.MediaTypeMergePatch, alto.MediaTypeJSONPatch, alto.MediaTypeError}, ", ")}}
}

// edgeURI returns the URI of the update item from version i to j.
func edgeURI(viewURI string, i, j uint64) string {
	return fmt.Sprintf("%s/ug/%d/%d", viewURI, i, j)
}

// applyItem returns the document after an update item: the item itself
// when it is a full replacement in the resource's media type, else the
// document with the patch applied.
func applyItem(doc []byte, resourceMediaType string, r *response) ([]byte, error) {
	switch mt := r.mediaType(); mt {
	case resourceMediaType:
		return r.body, nil
	case alto.MediaTypeMergePatch, alto.MediaTypeJSONPatch:
		if doc == nil {
			return nil, fmt.Errorf("patch of type %s without a base document", mt)
		}
		return updates.Apply(doc, updates.PatchKind(mt), r.body)
	default:
		return nil, fmt.Errorf("item of unexpected media type %q", mt)
	}
}

// fetchResource returns the body and media type of a GET resource.
func (c *client) fetchResource(t *testing.T, s *testServer, resourceID string) ([]byte, string) {
	t.Helper()
	r := c.mustDo(t, http.MethodGet, s.origin+resourcePaths[resourceID], nil, "")
	if r.status != http.StatusOK {
		t.Fatalf("GET %s: status %d: %s", resourcePaths[resourceID], r.status, r.body)
	}
	return r.body, r.mediaType()
}

// fetchTag returns the tag of the current version of a resource: the
// vtag of the network map, else the entity tag without quotes.
func (c *client) fetchTag(t *testing.T, s *testServer, resourceID string) string {
	t.Helper()
	r := c.mustDo(t, http.MethodGet, s.origin+resourcePaths[resourceID], nil, "")
	if resourceID != networkMapID {
		return strings.Trim(r.header.Get("ETag"), `"`)
	}
	var nm struct {
		Meta struct {
			VTag struct {
				Tag string `json:"tag"`
			} `json:"vtag"`
		} `json:"meta"`
	}
	if err := json.Unmarshal(r.body, &nm); err != nil {
		t.Fatalf("decoding network map: %v", err)
	}
	return nm.Meta.VTag.Tag
}

// sameJSON reports whether two documents are equal as JSON, with their
// canonical forms for the failure message.
func sameJSON(t *testing.T, a, b []byte) (bool, string) {
	t.Helper()
	ca, err := updates.Canonical(a)
	if err != nil {
		t.Fatalf("canonical form of %s: %v", a, err)
	}
	cb, err := updates.Canonical(b)
	if err != nil {
		t.Fatalf("canonical form of %s: %v", b, err)
	}
	return bytes.Equal(ca, cb), fmt.Sprintf("\n got: %s\nwant: %s", ca, cb)
}

// sortedKeys returns the keys of a map in order, for stable loops.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
