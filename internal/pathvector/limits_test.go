package pathvector_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/alttest"
	"github.com/goalto/goalto/internal/daemon"
	"github.com/goalto/goalto/internal/netdef"
	"github.com/goalto/goalto/internal/pathvector"
	"github.com/goalto/goalto/internal/server"
)

// startLimited serves a definition with pathvector.Register, which takes
// its limits from the handler, and returns the base URL.
func startLimited(t *testing.T, definition string, limits server.Limits) string {
	t.Helper()
	d := alttest.StartConfig(t, daemon.Config{Definition: definition, Limits: limits,
		Services: []daemon.Registrar{pathvector.Register}})
	return strings.TrimSuffix(d.IRDURL(), netdef.DefaultDirectory)
}

// errorMeta decodes the ALTO error of a 400 reply.
func errorMeta(t *testing.T, r reply) (field, value string) {
	t.Helper()
	if r.status != http.StatusBadRequest {
		t.Fatalf("status %d, want 400; body %s", r.status, r.body)
	}
	var e struct {
		Meta struct{ Code, Field, Value string } `json:"meta"`
	}
	if err := json.Unmarshal(r.body, &e); err != nil {
		t.Fatalf("error body %s: %v", r.body, err)
	}
	if e.Meta.Code != "E_INVALID_FIELD_VALUE" {
		t.Errorf("code %s, want E_INVALID_FIELD_VALUE", e.Meta.Code)
	}
	return e.Meta.Field, e.Meta.Value
}

// quoted returns a JSON array of n distinct strings made by format.
func quoted(format string, n int) string {
	list := make([]string, n)
	for i := range list {
		list[i] = `"` + fmt.Sprintf(format, i) + `"`
	}
	return "[" + strings.Join(list, ",") + "]"
}

// TestListLimits checks the PID, endpoint and ane-property-names limits
// of path vector requests just under and just over each limit. The
// entries of the lists over a limit are invalid, so only a check before
// decoding gives the limit's error. Each rejection is counted under its
// reason.
func TestListLimits(t *testing.T) {
	d := alttest.StartConfig(t, daemon.Config{Definition: "testdata/rfc9275/merge.yaml",
		Limits:   server.Limits{MaxPIDs: 2, MaxEndpoints: 2},
		Services: []daemon.Registrar{pathvector.Register}})
	base := strings.TrimSuffix(d.IRDURL(), netdef.DefaultDirectory)
	ct := `"cost-type":{"cost-mode":"array","cost-metric":"ane-path"}`
	bw := `"ane-property-names":["max-reservable-bandwidth"]`
	over := []struct {
		name, path, contentType, body, field, value, reason string
	}{
		{"pids/srcs", "/costmap/pv", alto.MediaTypeCostMapFilter,
			`{` + ct + `,"pids":{"srcs":` + quoted("bad pid %d!", 3) + `,"dsts":[]}}`, "pids/srcs", "3", server.ReasonPIDs},
		{"endpoints/dsts", "/ecs/pv", alto.MediaTypeEndpointCostParams,
			`{` + ct + `,"endpoints":{"srcs":["ipv4:192.0.2.1"],"dsts":` + quoted("bad %d", 3) + `}}`, "endpoints/dsts", "3", server.ReasonEndpoints},
		{"ane-property-names", "/costmap/pv", alto.MediaTypeCostMapFilter,
			`{` + ct + `,"pids":{"srcs":[],"dsts":[]},"ane-property-names":` + quoted("bad name %d", pathvector.DefaultMaxANEPropertyNames+1) + `}`,
			"ane-property-names", fmt.Sprint(pathvector.DefaultMaxANEPropertyNames + 1), server.ReasonANEProperties},
	}
	for _, tc := range over {
		t.Run(tc.name+" over the limit", func(t *testing.T) {
			field, value := errorMeta(t, post(t, base+tc.path, tc.contentType, tc.body))
			if field != tc.field || value != tc.value {
				t.Errorf("error on %q with value %q, want %q with value %q", field, value, tc.field, tc.value)
			}
			if got := d.Handler().Rejections()[tc.reason]; got != 1 {
				t.Errorf("%s rejections = %d, want 1", tc.reason, got)
			}
		})
	}
	repeated := strings.Repeat(`"max-reservable-bandwidth",`, pathvector.DefaultMaxANEPropertyNames) + `"max-reservable-bandwidth"`
	under := []struct {
		name, path, contentType, body string
	}{
		{"pids at the limit", "/costmap/pv", alto.MediaTypeCostMapFilter,
			`{` + ct + `,"pids":{"srcs":["PID1","PID2"],"dsts":["PID1","PID2"]},` + bw + `}`},
		{"endpoints at the limit", "/ecs/pv", alto.MediaTypeEndpointCostParams,
			`{` + ct + `,"endpoints":{"srcs":["ipv4:192.0.2.1","ipv4:192.0.2.2"],"dsts":["ipv4:192.0.2.17","ipv4:192.0.2.18"]}}`},
		{"repeated ane-property-names count once", "/costmap/pv", alto.MediaTypeCostMapFilter,
			`{` + ct + `,"pids":{"srcs":["PID1"],"dsts":["PID2"]},"ane-property-names":[` + repeated + `]}`},
		{"normal request after", "/ecs/pv", alto.MediaTypeEndpointCostParams,
			`{` + ct + `,"endpoints":{"srcs":["ipv4:192.0.2.1"],"dsts":["ipv4:192.0.2.17"]},` + bw + `}`},
	}
	for _, tc := range under {
		t.Run(tc.name, func(t *testing.T) {
			decode(t, post(t, base+tc.path, tc.contentType, tc.body))
		})
	}
}

// TestCostCountLimits checks that --max-cost-types and --max-constraints
// apply to path vector requests before the resource's own rules. A
// request just under a limit gets the resource's response, and one just
// over gets the limit's error with the count as its value.
func TestCostCountLimits(t *testing.T) {
	base := startLimited(t, "testdata/rfc9275/persistent.yaml", server.Limits{MaxCostTypes: 1, MaxConstraints: 2})
	endpoints := `"endpoints":{"srcs":["ipv4:192.0.2.34"],"dsts":["ipv4:192.0.2.2"]}`
	pv := `{"cost-mode":"array","cost-metric":"ane-path"}`
	rc := `{"cost-mode":"numerical","cost-metric":"routingcost"}`
	ct := `"cost-type":` + pv
	tests := []struct {
		name, body   string
		field, value string
	}{
		{"multi-cost-types over", `{"multi-cost-types":[` + pv + `,` + rc + `],` + endpoints + `}`, "multi-cost-types", "2"},
		{"testable-cost-types over", `{"multi-cost-types":[` + pv + `],"testable-cost-types":[` + rc + `,` + rc + `],` + endpoints + `}`, "testable-cost-types", "2"},
		{"testable-cost-types at the limit", `{"multi-cost-types":[` + pv + `],"testable-cost-types":[` + rc + `],` + endpoints + `}`, "testable-cost-types", ""},
		{"constraints over", `{` + ct + `,"constraints":["le 1","le 2","le 3"],` + endpoints + `}`, "constraints", "3"},
		{"constraints at the limit", `{` + ct + `,"constraints":["le 1","le 2"],` + endpoints + `}`, "constraints", "le 1"},
		{"or-constraints over", `{"multi-cost-types":[` + pv + `],"or-constraints":[["le 1","le 2"],["le 3"]],` + endpoints + `}`, "or-constraints", "3"},
		{"or-constraints at the limit", `{"multi-cost-types":[` + pv + `],"or-constraints":[["le 1"],["le 3"]],` + endpoints + `}`, "or-constraints", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			field, value := errorMeta(t, post(t, base+"/endpointcost/mcpv", alto.MediaTypeEndpointCostParams, tc.body))
			if field != tc.field || value != tc.value {
				t.Errorf("error on %q with value %q, want %q with value %q", field, value, tc.field, tc.value)
			}
		})
	}
	t.Run("multi-cost-types at the limit", func(t *testing.T) {
		decode(t, post(t, base+"/endpointcost/mcpv", alto.MediaTypeEndpointCostParams, `{"multi-cost-types":[`+pv+`],`+endpoints+`}`))
	})
}

// TestResourceMaxCostTypesCounted checks that a request over a
// resource's own max-cost-types, below --max-cost-types, is counted as a
// cost_types rejection like one over the server-wide limit.
func TestResourceMaxCostTypesCounted(t *testing.T) {
	d := alttest.StartConfig(t, daemon.Config{Definition: "testdata/rfc9275/persistent.yaml",
		Services: []daemon.Registrar{pathvector.Register}})
	base := strings.TrimSuffix(d.IRDURL(), netdef.DefaultDirectory)
	endpoints := `"endpoints":{"srcs":["ipv4:192.0.2.34"],"dsts":["ipv4:192.0.2.2"]}`
	pv := `{"cost-mode":"array","cost-metric":"ane-path"}`
	rc := `{"cost-mode":"numerical","cost-metric":"routingcost"}`
	body := `{"multi-cost-types":[` + pv + `,` + rc + `,` + rc + `],` + endpoints + `}`

	field, value := errorMeta(t, post(t, base+"/endpointcost/mcpv", alto.MediaTypeEndpointCostParams, body))
	if field != "multi-cost-types" || value != "3" {
		t.Errorf("error on %q with value %q, want multi-cost-types with value 3", field, value)
	}
	if got := d.Handler().Rejections()[server.ReasonCostTypes]; got != 1 {
		t.Errorf("cost_types rejections = %d, want 1", got)
	}
}

// TestPairLimitCounted sends an endpoint cost request of 1,000 sources
// and 101 destinations, 101,000 pairs, over DefaultMaxPairs. It must be
// rejected and counted under pairs.
func TestPairLimitCounted(t *testing.T) {
	d := alttest.StartConfig(t, daemon.Config{Definition: "testdata/rfc9275/merge.yaml",
		Services: []daemon.Registrar{pathvector.Register}})
	base := strings.TrimSuffix(d.IRDURL(), netdef.DefaultDirectory)
	list := func(n int, prefix string) string {
		addrs := make([]string, n)
		for i := range addrs {
			addrs[i] = fmt.Sprintf(`"ipv4:%s.%d.%d"`, prefix, i/256, i%256)
		}
		return "[" + strings.Join(addrs, ",") + "]"
	}
	body := `{"cost-type":{"cost-mode":"array","cost-metric":"ane-path"},"endpoints":{"srcs":` + list(1000, "10.0") + `,"dsts":` + list(101, "10.1") + `}}`

	field, value := errorMeta(t, post(t, base+"/ecs/pv", alto.MediaTypeEndpointCostParams, body))
	if field != "" || value != "101000" {
		t.Errorf("error on %q with value %q, want no field with value 101000", field, value)
	}
	if got := d.Handler().Rejections()[server.ReasonPairs]; got != 1 {
		t.Errorf("pairs rejections = %d, want 1", got)
	}
}
