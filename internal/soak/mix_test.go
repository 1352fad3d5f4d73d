package soak_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/goalto/goalto/alto"
)

// definition is the network definition of the run: every service of
// RFC 7285 and its extensions on the six-node topology of RFC 9275,
// Section 8.1. %s is the extra prefix of PID1, which the two versions
// change so that the network map changes on every reload.
const definition = `network-map:
  resource-id: my-network-map
  pids: group
  default-pid: default
topology: topology.yaml
groups:
  - {pid: PID1, node: h1, prefixes: [192.0.2.0/28%s]}
  - {pid: PID2, node: h2, prefixes: [192.0.2.48/28, "2001:db8::4:0/112"]}
  - {pid: PID3, node: h3, prefixes: [192.0.2.32/28, "2001:db8::3:0/112"]}
resources:
  - {id: my-network-map, type: network-map, path: /networkmap}
  - {id: num-routing-map, type: cost-map, path: /costmap/num/routingcost, cost-types: [num-routing]}
  - {id: num-hop-map, type: cost-map, path: /costmap/num/hopcount, cost-types: [num-hop]}
  - {id: filtered-network-map, type: filtered-network-map, path: /networkmap/filtered}
  - {id: filtered-cost-map, type: filtered-cost-map, path: /costmap/filtered, cost-types: [num-routing, ord-routing], constraints: true}
  - {id: endpoint-property, type: endpoint-property, path: /endpointprop/lookup}
  - {id: endpoint-cost, type: endpoint-cost, path: /endpointcost/lookup, cost-types: [num-routing, ord-routing]}
  - id: ane-props
    type: property-map
    path: /ane-props
    mappings: {".ane": [cpu]}
    entities:
      ".ane:b:h1": {cpu: 4}
      ".ane:c:h2": {cpu: 8}
  - {id: endpoint-cost-pv, type: path-vector-endpoint-cost, path: /endpointcost/pv, persistent-map: ane-props}
  - id: cdni
    type: cdni
    path: /cdnifci
    advertisements:
      - capability-type: FCI.DeliveryProtocol
        capability-value: {delivery-protocols: [http/1.1]}
        footprints:
          - {footprint-type: ipv4cidr, footprint-value: [192.0.2.0/24]}
  - {id: updates, type: update-stream, path: /updates/stream}
  - {id: tips, type: tips, path: /tips}
`

// topology is the topology file; %g and %g are the capacity of link
// a-b and the metric of link a-c, which the two versions change so that
// the cost maps and path vectors change on every reload.
const topology = `nodes:
  - id: h3
  - id: a
  - id: b
  - id: c
  - id: h1
  - id: h2
links:
  - {from: h3, to: a, capacity: 50e9}
  - {from: a, to: b, capacity: %g}
  - {from: a, to: c, capacity: 15e9, metric: %g}
  - {from: b, to: h1, capacity: 50e9}
  - {from: c, to: h2, capacity: 50e9}
`

// writeVersion writes version 0 or 1 of the definition and topology
// files into dir.
func writeVersion(t *testing.T, dir string, version int) {
	t.Helper()
	extra, capacity, metric := "", 10e9, 1.0
	if version == 1 {
		extra, capacity, metric = ", 192.0.2.16/28", 20e9, 3
	}
	files := map[string]string{
		"soak.yaml":     fmt.Sprintf(definition, extra),
		"topology.yaml": fmt.Sprintf(topology, capacity, metric),
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatalf("write %s: %v", name, err)
		}
	}
}

// request is one request of the mix and the media type of its response.
type request struct {
	method, path string
	contentType  string // of the body; "" for GET
	accept       string
	body         string
	want         string // media type of a correct response
}

const (
	numRouting = `{"cost-mode":"numerical","cost-metric":"routingcost"}`
	ordRouting = `{"cost-mode":"ordinal","cost-metric":"routingcost"}`
)

// requests returns the mix: one request of each service. The first is
// the GET of the network map.
func requests() []request {
	return []request{
		{method: "GET", path: "/networkmap", want: alto.MediaTypeNetworkMap},
		{method: "GET", path: "/costmap/num/routingcost", want: alto.MediaTypeCostMap},
		{method: "GET", path: "/costmap/num/hopcount", want: alto.MediaTypeCostMap},
		{method: "POST", path: "/networkmap/filtered", contentType: alto.MediaTypeNetworkMapFilter,
			body: `{"pids":["PID1","PID3"]}`, want: alto.MediaTypeNetworkMap},
		{method: "POST", path: "/costmap/filtered", contentType: alto.MediaTypeCostMapFilter,
			body: `{"cost-type":` + numRouting + `,"pids":{"srcs":["PID1"],"dsts":["PID2","PID3"]}}`, want: alto.MediaTypeCostMap},
		{method: "POST", path: "/endpointprop/lookup", contentType: alto.MediaTypeEndpointPropParams,
			body: `{"properties":["my-network-map.pid"],"endpoints":["ipv4:192.0.2.1","ipv4:192.0.2.17","ipv6:2001:db8::3:1"]}`, want: alto.MediaTypeEndpointProp},
		{method: "POST", path: "/endpointcost/lookup", contentType: alto.MediaTypeEndpointCostParams,
			body: `{"cost-type":` + ordRouting + `,"endpoints":{"srcs":["ipv4:192.0.2.34"],"dsts":["ipv4:192.0.2.2","ipv4:192.0.2.50"]}}`, want: alto.MediaTypeEndpointCost},
		{method: "GET", path: "/ane-props", want: alto.MediaTypePropMap},
		{method: "POST", path: "/endpointcost/pv", contentType: alto.MediaTypeEndpointCostParams,
			accept: alto.MediaTypeMultipartRelated + "," + alto.MediaTypeError,
			body:   `{"cost-type":{"cost-mode":"array","cost-metric":"ane-path"},"endpoints":{"srcs":["ipv4:192.0.2.34"],"dsts":["ipv4:192.0.2.2","ipv4:192.0.2.50"]},"ane-property-names":["max-reservable-bandwidth","persistent-entity-id"]}`,
			want:   alto.MediaTypeMultipartRelated},
		{method: "GET", path: "/cdnifci", want: alto.MediaTypeCDNI},
	}
}

// checkRequest sends r and checks the status, the media type and the
// version tags of the response. It reports whether the request got a
// response, so that a caller stops sending after a transport failure.
func checkRequest(t *testing.T, hc *http.Client, base string, r request, tags *tagLog) bool {
	req, err := http.NewRequest(r.method, base+r.path, bytes.NewReader([]byte(r.body)))
	if err != nil {
		t.Errorf("%s %s: %v", r.method, r.path, err)
		return false
	}
	if r.contentType != "" {
		req.Header.Set("Content-Type", r.contentType)
	}
	if r.accept != "" {
		req.Header.Set("Accept", r.accept)
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Errorf("%s %s: %v", r.method, r.path, err)
		return false
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Errorf("%s %s: read body: %v", r.method, r.path, err)
		return false
	}
	if resp.StatusCode != http.StatusOK {
		t.Errorf("%s %s: status %d, want 200: %.200s", r.method, r.path, resp.StatusCode, body)
		return true
	}
	mt, _, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if err != nil || mt != r.want {
		t.Errorf("%s %s: Content-Type %q, want %s", r.method, r.path, resp.Header.Get("Content-Type"), r.want)
		return true
	}
	if mt != alto.MediaTypeMultipartRelated {
		tags.record(t, r.path, body)
	}
	return true
}

// tagLog records the version tags seen during a run. A version tag
// names one version of a resource (RFC 7285, Section 10.3), so every
// response that carries the same tag of a full map must carry the same
// map, and every network map tag that a cost map depends on must be one
// that the network map was served with.
type tagLog struct {
	mu         sync.Mutex
	bodies     map[string][32]byte // "resource-id tag" of a full map -> digest of its data
	networkMap map[string]bool     // tags the network map was served with
	dependent  map[string]string   // network map tags that responses depend on -> the path of one
}

func newTagLog() *tagLog {
	return &tagLog{bodies: map[string][32]byte{}, networkMap: map[string]bool{}, dependent: map[string]string{}}
}

// meta is the part of a response's meta that the log checks.
type meta struct {
	Meta struct {
		VTag          *alto.VersionTag  `json:"vtag"`
		DependentTags []alto.VersionTag `json:"dependent-vtags"`
	} `json:"meta"`
	Data json.RawMessage `json:"network-map"`
	Cost json.RawMessage `json:"cost-map"`
}

// record checks and stores the version tags of one response of path.
func (l *tagLog) record(t *testing.T, path string, body []byte) {
	var m meta
	if err := json.Unmarshal(body, &m); err != nil {
		t.Errorf("%s: response is not JSON: %v", path, err)
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, dt := range m.Meta.DependentTags {
		if dt.ResourceID == "my-network-map" {
			l.dependent[dt.Tag] = path
		}
	}
	full := path == "/networkmap" || path == "/costmap/num/routingcost" || path == "/costmap/num/hopcount"
	if !full {
		return
	}
	if m.Meta.VTag == nil || m.Meta.VTag.Tag == "" {
		if path == "/networkmap" {
			t.Errorf("%s: no vtag", path)
		}
		l.checkSame(t, path, path+" "+string(dependentKey(m)), m)
		return
	}
	if m.Meta.VTag.ResourceID == "my-network-map" {
		l.networkMap[m.Meta.VTag.Tag] = true
	}
	l.checkSame(t, path, m.Meta.VTag.ResourceID+" "+m.Meta.VTag.Tag, m)
}

// dependentKey names a cost map version by the network map tag it
// depends on, for cost maps that carry no tag of their own.
func dependentKey(m meta) string {
	for _, dt := range m.Meta.DependentTags {
		return dt.Tag
	}
	return ""
}

// checkSame fails when key was seen before with other data. It is
// only used for versions that the run never changes back and forth
// under one key.
func (l *tagLog) checkSame(t *testing.T, path, key string, m meta) {
	sum := sha256.Sum256(append(append([]byte{}, m.Data...), m.Cost...))
	if old, ok := l.bodies[key]; ok && old != sum {
		t.Errorf("%s: version %q served with two different contents", path, key)
	}
	l.bodies[key] = sum
}

// depend records a network map tag that a response or update named.
func (l *tagLog) depend(tag, source string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.dependent[tag] = source
}

// check fails for every dependent network map tag that the network map
// was never served with.
func (l *tagLog) check(t *testing.T) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.networkMap) < 2 {
		t.Errorf("network map served with %d version tags, want both versions", len(l.networkMap))
	}
	for tag, path := range l.dependent {
		if !l.networkMap[tag] {
			t.Errorf("%s depends on network map tag %q, which the network map never had", path, tag)
		}
	}
}
