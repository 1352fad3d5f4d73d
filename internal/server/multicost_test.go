package server_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/alttest"
)

// Cost type members of the multi-cost requests below.
const (
	mcRouting    = `{"cost-mode":"numerical","cost-metric":"routingcost"}`
	mcHop        = `{"cost-mode":"numerical","cost-metric":"hopcount"}`
	mcOrdRouting = `{"cost-mode":"ordinal","cost-metric":"routingcost"}`
	mcOrdHop     = `{"cost-mode":"ordinal","cost-metric":"hopcount"}`
	mcAllPIDs    = `"pids":{"srcs":[],"dsts":[]}`
	mcEndpoints  = `"endpoints":{"srcs":["ipv4:192.0.2.2"],"dsts":["ipv4:192.0.2.89","ipv4:203.0.113.45"]}`
)

// Paths of the RFC 8189 example network, and of the RFC 7285 one, whose
// resources have no max-cost-types capability.
const (
	pathMulti       = "/multi/costmap/filtered"        // cost-constraints, max-cost-types 2
	pathExtended    = "/multi/extn/costmap/filtered"   // testable routingcost and hopcount, max-cost-types 3
	pathMultiECS    = "/multi/endpointcost/lookup"     // cost-constraints, max-cost-types 2
	pathNoTests     = "/multi/costmap/no-constraints"  // max-cost-types 2, no constraint tests
	pathLegacy      = "/costmap/filtered"              // RFC 7285 only
	pathLegacyECS   = "/endpointcost/lookup"           // RFC 7285 only
	mediaCostFilter = alto.MediaTypeCostMapFilter      // request media type of filtered cost maps
	mediaECSParams  = alto.MediaTypeEndpointCostParams // request media type of the endpoint cost service
)

// startMultiCostServers starts the RFC 8189 example network, with one
// more filtered cost map that allows no constraint tests, and the RFC 7285
// example network.
func startMultiCostServers(t *testing.T) (multi, legacy *httpHarness) {
	t.Helper()
	def, err := os.ReadFile(filepath.Join(rfc8189Dir, "network.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	extra := `  - id: filtered-no-constraints
    type: filtered-cost-map
    path: ` + pathNoTests + `
    cost-types: [num-routingcost, num-hopcount]
    max-cost-types: 2

directory: /directory`
	text := strings.Replace(string(def), "\ndirectory: /directory", extra, 1)
	path := filepath.Join(t.TempDir(), "network.yaml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	multi = harnessFor(t, alttest.Start(t, path))
	legacy = harnessFor(t, alttest.Start(t, filepath.Join(exampleDir, "network.yaml")))
	return multi, legacy
}

// postForError posts body to path on h, with the request media type of
// the path, and returns the ALTO error of the response.
func postForError(t *testing.T, h *httpHarness, path, body string) *alto.Error {
	t.Helper()
	h.t = t
	media := mediaCostFilter
	if strings.Contains(path, "endpointcost") {
		media = mediaECSParams
	}
	resp, got := h.postMedia(path, media, body)
	return checkALTOErrorResponse(t, "POST "+path+" "+body, resp, got)
}

// postMedia sends a POST request with the given request media type.
func (h *httpHarness) postMedia(path, media, body string) (*http.Response, []byte) {
	h.t.Helper()
	return h.do(http.MethodPost, path, body, "Content-Type", media)
}

// TestMultiCostErrors checks each invalid combination of RFC 8189 members
// and each rule against the capabilities of the resource, with the code,
// field and value of the error.
func TestMultiCostErrors(t *testing.T) {
	multi, legacy := startMultiCostServers(t)
	tests := []struct {
		name   string
		legacy bool // send to the RFC 7285 server
		path   string
		body   string
		code   alto.ErrorCode
		field  string
		value  string
	}{
		// Rules of the request alone (RFC 8189, Sections 4.1.2 and 4.2.2).
		{name: "cost-type and multi-cost-types", path: pathMulti,
			body: `{"cost-type":` + mcRouting + `,"multi-cost-types":[` + mcHop + `],` + mcAllPIDs + `}`,
			code: alto.ErrInvalidFieldValue, field: "multi-cost-types"},
		{name: "neither cost type member", path: pathMulti,
			body: `{` + mcAllPIDs + `}`, code: alto.ErrMissingField, field: "cost-type"},
		{name: "empty multi-cost-types", path: pathMulti,
			body: `{"multi-cost-types":[],` + mcAllPIDs + `}`, code: alto.ErrInvalidFieldValue, field: "multi-cost-types", value: "[]"},
		{name: "multi-cost-types not an array", path: pathMulti,
			body: `{"multi-cost-types":` + mcRouting + `}`, code: alto.ErrInvalidFieldType, field: "multi-cost-types"},
		{name: "multi-cost-types element without metric", path: pathMulti,
			body: `{"multi-cost-types":[` + mcRouting + `,{"cost-mode":"numerical"}]}`, code: alto.ErrMissingField, field: "multi-cost-types[1]/cost-metric"},
		{name: "multi-cost-types element not an object", path: pathMulti,
			body: `{"multi-cost-types":["routingcost"]}`, code: alto.ErrInvalidFieldType, field: "multi-cost-types[0]"},
		{name: "empty testable-cost-types", path: pathMulti,
			body: `{"multi-cost-types":[` + mcRouting + `],"testable-cost-types":[]}`, code: alto.ErrInvalidFieldValue, field: "testable-cost-types", value: "[]"},
		{name: "constraints and or-constraints", path: pathMulti,
			body: `{"multi-cost-types":[` + mcRouting + `],"constraints":["le 5"],"or-constraints":[["le 5"]]}`,
			code: alto.ErrInvalidFieldValue, field: "or-constraints"},
		{name: "empty or-constraints", path: pathMulti,
			body: `{"multi-cost-types":[` + mcRouting + `],"or-constraints":[]}`, code: alto.ErrInvalidFieldValue, field: "or-constraints", value: "[]"},
		{name: "empty AND array", path: pathMulti,
			body: `{"multi-cost-types":[` + mcRouting + `],"or-constraints":[["le 5"],[]]}`, code: alto.ErrInvalidFieldValue, field: "or-constraints", value: "[]"},
		{name: "or-constraints element not an array", path: pathMulti,
			body: `{"multi-cost-types":[` + mcRouting + `],"or-constraints":["le 5"]}`, code: alto.ErrInvalidFieldType, field: "or-constraints[0]"},
		{name: "predicate not a string", path: pathMulti,
			body: `{"multi-cost-types":[` + mcRouting + `],"or-constraints":[[5]]}`, code: alto.ErrInvalidFieldType, field: "or-constraints[0]"},
		{name: "malformed index", path: pathMulti,
			body: `{"multi-cost-types":[` + mcRouting + `],"or-constraints":[["[x] le 5"]]}`, code: alto.ErrInvalidFieldValue, field: "or-constraints", value: "[x] le 5"},
		{name: "negative index", path: pathMulti,
			body: `{"multi-cost-types":[` + mcRouting + `],"constraints":["[-1] le 5"]}`, code: alto.ErrInvalidFieldValue, field: "constraints", value: "[-1] le 5"},
		{name: "malformed indexed operator", path: pathMulti,
			body: `{"multi-cost-types":[` + mcRouting + `],"constraints":["[0] ne 5"]}`, code: alto.ErrInvalidFieldValue, field: "constraints", value: "[0] ne 5"},

		// A resource without max-cost-types (RFC 8189, Section 4.1.2).
		{name: "legacy multi-cost-types", legacy: true, path: pathLegacy,
			body: `{"multi-cost-types":[` + mcRouting + `]}`, code: alto.ErrInvalidFieldValue, field: "multi-cost-types", value: "1"},
		{name: "legacy testable-cost-types", legacy: true, path: pathLegacy,
			body: `{"cost-type":` + mcRouting + `,"testable-cost-types":[` + mcHop + `]}`, code: alto.ErrInvalidFieldValue, field: "testable-cost-types"},
		{name: "legacy or-constraints", legacy: true, path: pathLegacy,
			body: `{"cost-type":` + mcRouting + `,"or-constraints":[["le 5"]]}`, code: alto.ErrInvalidFieldValue, field: "or-constraints", value: "le 5"},
		{name: "legacy indexed constraint", legacy: true, path: pathLegacy,
			body: `{"cost-type":` + mcRouting + `,"constraints":["[0] le 5"]}`, code: alto.ErrInvalidFieldValue, field: "constraints", value: "[0] le 5"},
		{name: "legacy endpoint multi-cost-types", legacy: true, path: pathLegacyECS,
			body: `{"multi-cost-types":[` + mcRouting + `],` + mcEndpoints + `}`, code: alto.ErrInvalidFieldValue, field: "multi-cost-types", value: "1"},

		// Capabilities of an RFC 8189 resource (RFC 8189, Section 4.1.1).
		{name: "more than max-cost-types", path: pathMulti,
			body: `{"multi-cost-types":[` + mcRouting + `,` + mcHop + `,` + mcRouting + `]}`, code: alto.ErrInvalidFieldValue, field: "multi-cost-types", value: "3"},
		{name: "cost type not offered", path: pathMulti,
			body: `{"multi-cost-types":[` + mcRouting + `,` + mcOrdRouting + `]}`, code: alto.ErrInvalidFieldValue, field: "multi-cost-types[1]/cost-mode", value: "ordinal"},
		{name: "unknown cost mode", path: pathMulti,
			body: `{"multi-cost-types":[{"cost-mode":"fuzzy","cost-metric":"routingcost"}]}`, code: alto.ErrInvalidFieldValue, field: "multi-cost-types[0]/cost-mode", value: "fuzzy"},
		{name: "index out of range", path: pathMulti,
			body: `{"multi-cost-types":[` + mcRouting + `,` + mcHop + `],"or-constraints":[["[0] le 5"],["[2] le 5"]]}`, code: alto.ErrInvalidFieldValue, field: "or-constraints", value: "[2] le 5"},
		{name: "index above 0 for cost-type", path: pathMulti,
			body: `{"cost-type":` + mcRouting + `,"constraints":["[1] le 5"]}`, code: alto.ErrInvalidFieldValue, field: "constraints", value: "[1] le 5"},
		{name: "index beyond testable-cost-types", path: pathMulti,
			body: `{"multi-cost-types":[` + mcRouting + `,` + mcHop + `],"testable-cost-types":[` + mcHop + `],"constraints":["[1] le 5"]}`,
			code: alto.ErrInvalidFieldValue, field: "constraints", value: "[1] le 5"},
		{name: "testable type not testable", path: pathExtended,
			body: `{"multi-cost-types":[` + mcRouting + `],"testable-cost-types":[` + mcOrdRouting + `],"constraints":["le 2"]}`,
			code: alto.ErrInvalidFieldValue, field: "testable-cost-types[0]/cost-metric", value: "routingcost"},
		{name: "testable type not offered", path: pathExtended,
			body: `{"multi-cost-types":[` + mcRouting + `],"testable-cost-types":[` + mcOrdHop + `]}`,
			code: alto.ErrInvalidFieldValue, field: "testable-cost-types[0]/cost-mode", value: "ordinal"},
		{name: "indexed returned type not testable", path: pathExtended,
			body: `{"multi-cost-types":[` + mcRouting + `,` + mcOrdRouting + `],"constraints":["[0] le 10","[1] le 2"]}`,
			code: alto.ErrInvalidFieldValue, field: "constraints", value: "[1] le 2"},
		{name: "cost-type not testable", path: pathExtended,
			body: `{"cost-type":` + mcOrdRouting + `,"constraints":["le 2"]}`,
			code: alto.ErrInvalidFieldValue, field: "constraints", value: "le 2"},
		{name: "constraints without tests", path: pathNoTests,
			body: `{"multi-cost-types":[` + mcRouting + `],"constraints":["le 2"]}`,
			code: alto.ErrInvalidFieldValue, field: "constraints", value: "le 2"},
		{name: "or-constraints without tests", path: pathNoTests,
			body: `{"cost-type":` + mcRouting + `,"or-constraints":[["le 2"]]}`,
			code: alto.ErrInvalidFieldValue, field: "or-constraints", value: "le 2"},
		{name: "testable types without tests", path: pathNoTests,
			body: `{"multi-cost-types":[` + mcRouting + `],"testable-cost-types":[` + mcHop + `]}`,
			code: alto.ErrInvalidFieldValue, field: "testable-cost-types[0]/cost-metric", value: "hopcount"},
		{name: "endpoint more than max-cost-types", path: pathMultiECS,
			body: `{"multi-cost-types":[` + mcRouting + `,` + mcHop + `,` + mcHop + `],` + mcEndpoints + `}`,
			code: alto.ErrInvalidFieldValue, field: "multi-cost-types", value: "3"},
		{name: "endpoint both cost type members", path: pathMultiECS,
			body: `{"cost-type":` + mcRouting + `,"multi-cost-types":[` + mcHop + `],` + mcEndpoints + `}`,
			code: alto.ErrInvalidFieldValue, field: "multi-cost-types"},
		{name: "endpoint constraints and or-constraints", path: pathMultiECS,
			body: `{"multi-cost-types":[` + mcRouting + `],"constraints":["le 5"],"or-constraints":[["le 5"]],` + mcEndpoints + `}`,
			code: alto.ErrInvalidFieldValue, field: "or-constraints"},
		{name: "endpoint empty AND array", path: pathMultiECS,
			body: `{"multi-cost-types":[` + mcRouting + `],"or-constraints":[["le 5"],[]],` + mcEndpoints + `}`,
			code: alto.ErrInvalidFieldValue, field: "or-constraints", value: "[]"},
		{name: "endpoint empty multi-cost-types", path: pathMultiECS,
			body: `{"multi-cost-types":[],` + mcEndpoints + `}`,
			code: alto.ErrInvalidFieldValue, field: "multi-cost-types", value: "[]"},
		{name: "endpoint cost type not offered", path: pathMultiECS,
			body: `{"multi-cost-types":[` + mcRouting + `,` + mcOrdHop + `],` + mcEndpoints + `}`,
			code: alto.ErrInvalidFieldValue, field: "multi-cost-types[1]/cost-mode", value: "ordinal"},
		{name: "endpoint index beyond testable-cost-types", path: pathMultiECS,
			body: `{"multi-cost-types":[` + mcRouting + `,` + mcHop + `],"testable-cost-types":[` + mcHop + `],"or-constraints":[["[1] le 5"]],` + mcEndpoints + `}`,
			code: alto.ErrInvalidFieldValue, field: "or-constraints", value: "[1] le 5"},
		{name: "legacy endpoint or-constraints", legacy: true, path: pathLegacyECS,
			body: `{"cost-type":` + mcRouting + `,"or-constraints":[["le 5"]],` + mcEndpoints + `}`,
			code: alto.ErrInvalidFieldValue, field: "or-constraints", value: "le 5"},
		{name: "legacy endpoint testable-cost-types", legacy: true, path: pathLegacyECS,
			body: `{"cost-type":` + mcRouting + `,"testable-cost-types":[` + mcHop + `],` + mcEndpoints + `}`,
			code: alto.ErrInvalidFieldValue, field: "testable-cost-types"},
		{name: "endpoint index out of range", path: pathMultiECS,
			body: `{"multi-cost-types":[` + mcRouting + `],"constraints":["[1] le 5"],` + mcEndpoints + `}`,
			code: alto.ErrInvalidFieldValue, field: "constraints", value: "[1] le 5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := multi
			if tt.legacy {
				h = legacy
			}
			e := postForError(t, h, tt.path, tt.body)
			checkALTOError(t, e, tt.code, tt.field, tt.value)
		})
	}
}

// TestMultiCostLegacyRequests checks that RFC 7285 requests to RFC 8189
// resources get RFC 7285 responses: a number per pair and a cost-type
// meta without multi-cost-types.
func TestMultiCostLegacyRequests(t *testing.T) {
	multi, _ := startMultiCostServers(t)
	tests := []struct {
		name, path, media, body string
		want                    map[string]map[string]float64
	}{
		{"filtered cost map", pathMulti, mediaCostFilter,
			`{"cost-type":` + mcHop + `,"pids":{"srcs":["PID1"],"dsts":[]}}`,
			map[string]map[string]float64{"PID1": {"PID1": 0, "PID2": 3, "PID3": 2}}},
		{"constraints", pathMulti, mediaCostFilter,
			`{"cost-type":` + mcRouting + `,"constraints":["ge 10"],"pids":{"srcs":["PID1","PID2"],"dsts":[]}}`,
			map[string]map[string]float64{"PID1": {"PID3": 10}, "PID2": {"PID1": 15}}},
		{"testable constraints", pathExtended, mediaCostFilter,
			`{"cost-type":` + mcOrdRouting + `,"testable-cost-types":[` + mcHop + `],"constraints":["le 0"],"pids":{"srcs":[],"dsts":[]}}`,
			map[string]map[string]float64{"PID1": {"PID1": 1}, "PID2": {"PID2": 1}, "PID3": {"PID3": 1}}},
		{"endpoint cost", pathMultiECS, mediaECSParams,
			`{"cost-type":` + mcRouting + `,` + mcEndpoints + `}`,
			map[string]map[string]float64{"ipv4:192.0.2.2": {"ipv4:192.0.2.89": 1, "ipv4:203.0.113.45": 10}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			multi.t = t
			resp, body := multi.postMedia(tt.path, tt.media, tt.body)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d, want 200: %s", resp.StatusCode, body)
			}
			var got struct {
				Meta map[string]json.RawMessage    `json:"meta"`
				Map  map[string]map[string]float64 `json:"cost-map"`
				ECS  map[string]map[string]float64 `json:"endpoint-cost-map"`
			}
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatalf("decoding %s: %v", body, err)
			}
			if _, ok := got.Meta["multi-cost-types"]; ok {
				t.Errorf("meta has multi-cost-types: %s", body)
			}
			if string(got.Meta["cost-type"]) == "{}" {
				t.Errorf("meta cost-type is empty: %s", body)
			}
			costs := got.Map
			if costs == nil {
				costs = got.ECS
			}
			gotJSON, _ := json.Marshal(costs)
			wantJSON, _ := json.Marshal(tt.want)
			if string(gotJSON) != string(wantJSON) {
				t.Errorf("costs = %s, want %s", gotJSON, wantJSON)
			}
		})
	}
}

func TestMultiCostErrorMessages(t *testing.T) {
	multi, _ := startMultiCostServers(t)
	tests := []struct {
		name, path, body, want string
	}{
		{"mode not offered", pathMulti,
			`{"multi-cost-types":[` + mcRouting + `,` + mcOrdRouting + `]}`,
			"cost metric routingcost is offered in cost mode numerical on this resource, not in cost mode ordinal"},
		{"index beyond one requested type", pathMulti,
			`{"cost-type":` + mcRouting + `,"constraints":["[5] le 1"]}`,
			"cost type index 5 is out of range of the 1 requested cost type, indexed from 0"},
		{"index beyond testable types", pathMulti,
			`{"multi-cost-types":[` + mcRouting + `,` + mcHop + `],"testable-cost-types":[` + mcHop + `],"constraints":["[1] le 5"]}`,
			"cost type index 1 is out of range of the 1 cost type of testable-cost-types, indexed from 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := postForError(t, multi, tt.path, tt.body)
			if !strings.Contains(e.Message, tt.want) {
				t.Errorf("message %q, want it to contain %q", e.Message, tt.want)
			}
		})
	}
}
