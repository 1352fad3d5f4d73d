package pathvector_test

import (
	"bytes"
	"encoding/json"
	"math"
	"mime"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/goalto/goalto/alto"
)

func TestEphemeralNamesPersistentIDs(t *testing.T) {
	z := startZoo(t, "Geant2012.graphml", false)
	request := allPIDsRequest(alto.PropPersistentEntityID)
	type result struct {
		names map[string]bool
		ids   map[string][]string // persistent IDs along each path, by "src dst"
	}
	var results [2]result
	for k := range results {
		pv, props := parts(t, decode(t, post(t, z.base+"/costmap/pv", alto.MediaTypeCostMapFilter, request)))
		r := result{names: map[string]bool{}, ids: map[string][]string{}}
		for src, row := range pv.CostMap {
			for dst, path := range row {
				for _, ane := range path {
					r.names[ane] = true
					id, _ := props.PropertyMap[".ane:"+ane][alto.PropPersistentEntityID].(string)
					r.ids[src+" "+dst] = append(r.ids[src+" "+dst], id)
				}
			}
		}
		if len(r.names) == 0 {
			t.Fatal("the response has no ANEs")
		}
		results[k] = r
	}
	for name := range results[0].names {
		if results[1].names[name] {
			t.Errorf("ANE name %s is in both responses", name)
		}
	}
	if len(results[0].ids) != len(results[1].ids) {
		t.Fatalf("%d and %d paths", len(results[0].ids), len(results[1].ids))
	}
	for pair, ids := range results[0].ids {
		if !slices.Equal(ids, results[1].ids[pair]) {
			t.Errorf("%s: persistent IDs %v, then %v", pair, ids, results[1].ids[pair])
		}
	}
}

// TestMergeSharedLinks requests the paths from one node of Geant2012 to
// two others. With merge-shared-links, the links both paths traverse are
// one ANE whose bandwidth is their minimum capacity.
func TestMergeSharedLinks(t *testing.T) {
	z := startZoo(t, "Geant2012.graphml", true)
	g := z.graph
	paths := g.AllPairs()
	// Find a source and two destinations whose paths share a link.
	src, dst1, dst2 := -1, -1, -1
	var shared []int
	for s := range g.Nodes {
		for a := range g.Nodes {
			for b := a + 1; b < len(g.Nodes) && src < 0; b++ {
				pa, ok1 := paths.Path(s, a)
				pb, ok2 := paths.Path(s, b)
				if s == a || s == b || !ok1 || !ok2 {
					continue
				}
				var common []int
				for _, l := range pa {
					if slices.Contains(pb, l) {
						common = append(common, l)
					}
				}
				if len(common) > 0 && len(common) < len(pa) {
					src, dst1, dst2, shared = s, a, b, common
				}
			}
		}
		if src >= 0 {
			break
		}
	}
	if src < 0 {
		t.Fatal("no two paths of Geant2012 share a link")
	}
	body := `{"cost-type":{"cost-mode":"array","cost-metric":"ane-path"},"pids":{"srcs":["` + z.pid[src] + `"],"dsts":["` + z.pid[dst1] + `","` + z.pid[dst2] + `"]},"ane-property-names":["max-reservable-bandwidth"]}`
	pv, props := parts(t, decode(t, post(t, z.base+"/costmap/pv", alto.MediaTypeCostMapFilter, body)))
	p1, p2 := pv.CostMap[z.pid[src]][z.pid[dst1]], pv.CostMap[z.pid[src]][z.pid[dst2]]
	var common []string
	for _, a := range p1 {
		if slices.Contains(p2, a) {
			common = append(common, a)
		}
	}
	if len(common) != 1 {
		t.Fatalf("paths %v and %v share %d ANEs, want the one merged ANE", p1, p2, len(common))
	}
	pa, _ := paths.Path(src, dst1)
	pb, _ := paths.Path(src, dst2)
	if want := len(pa) - len(shared) + 1; len(p1) != want {
		t.Errorf("first path has %d ANEs, want %d", len(p1), want)
	}
	if want := len(pb) - len(shared) + 1; len(p2) != want {
		t.Errorf("second path has %d ANEs, want %d", len(p2), want)
	}
	want, known := math.Inf(1), true
	for _, l := range shared {
		if g.Links[l].Capacity <= 0 {
			known = false
		}
		want = min(want, g.Links[l].Capacity)
	}
	bw, has := props.PropertyMap[".ane:"+common[0]][alto.PropMaxReservableBandwidth].(float64)
	if has != known || (known && bw != want) {
		t.Errorf("merged ANE bandwidth %v (present %t), want the minimum %v of the shared links (known %t)", bw, has, want, known)
	}
}

func TestRequestErrors(t *testing.T) {
	z := startZoo(t, "Geant2012.graphml", false)
	pid := z.pid[0]
	pids := `"pids":{"srcs":["` + pid + `"],"dsts":[]}`
	for _, tc := range []struct {
		name, path, contentType, body string
		code, field                   string
	}{
		{"numerical mode", "/costmap/pv", alto.MediaTypeCostMapFilter,
			`{"cost-type":{"cost-mode":"numerical","cost-metric":"ane-path"},` + pids + `}`, "E_INVALID_FIELD_VALUE", "cost-type/cost-mode"},
		{"array with routingcost", "/costmap/pv", alto.MediaTypeCostMapFilter,
			`{"cost-type":{"cost-mode":"array","cost-metric":"routingcost"},` + pids + `}`, "E_INVALID_FIELD_VALUE", "cost-type/cost-metric"},
		{"ordinal hopcount on ECS", "/endpointcost/pv", alto.MediaTypeEndpointCostParams,
			`{"cost-type":{"cost-mode":"ordinal","cost-metric":"hopcount"},"endpoints":{"srcs":["ipv4:10.0.0.1"],"dsts":["ipv4:10.1.0.1"]}}`, "E_INVALID_FIELD_VALUE", "cost-type/cost-mode"},
		{"unoffered ANE property", "/costmap/pv", alto.MediaTypeCostMapFilter,
			`{"cost-type":{"cost-mode":"array","cost-metric":"ane-path"},` + pids + `,"ane-property-names":["cpu"]}`, "E_INVALID_FIELD_VALUE", "ane-property-names"},
		{"invalid ANE property name", "/costmap/pv", alto.MediaTypeCostMapFilter,
			`{"cost-type":{"cost-mode":"array","cost-metric":"ane-path"},` + pids + `,"ane-property-names":["a b"]}`, "E_INVALID_FIELD_VALUE", "ane-property-names"},
		{"constraints", "/costmap/pv", alto.MediaTypeCostMapFilter,
			`{"cost-type":{"cost-mode":"array","cost-metric":"ane-path"},` + pids + `,"constraints":["le 5"]}`, "E_INVALID_FIELD_VALUE", "constraints"},
		{"missing cost type", "/costmap/pv", alto.MediaTypeCostMapFilter,
			`{` + pids + `}`, "E_MISSING_FIELD", "cost-type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := post(t, z.base+tc.path, tc.contentType, tc.body)
			if r.status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400; body %s", r.status, r.body)
			}
			if ct := r.header.Get("Content-Type"); ct != alto.MediaTypeError {
				t.Errorf("Content-Type %q, want %s", ct, alto.MediaTypeError)
			}
			var e struct {
				Meta struct{ Code, Field string } `json:"meta"`
			}
			if err := json.Unmarshal(r.body, &e); err != nil {
				t.Fatalf("error body: %v", err)
			}
			if e.Meta.Code != tc.code {
				t.Errorf("code %s, want %s", e.Meta.Code, tc.code)
			}
			if e.Meta.Field != tc.field {
				t.Errorf("field %q, want %q", e.Meta.Field, tc.field)
			}
		})
	}
}

func TestEndpointCostFamilies(t *testing.T) {
	base := start(t, "testdata/rfc9275/persistent.yaml")
	body := `{"cost-type":{"cost-mode":"array","cost-metric":"ane-path"},"endpoints":{"srcs":["ipv6:2001:db8::3:1"],"dsts":["ipv4:192.0.2.2","ipv6:2001:db8::4:1","ipv4:198.51.100.1"]}}`
	pv, props := parts(t, decode(t, post(t, base+"/endpointcost/pv", alto.MediaTypeEndpointCostParams, body)))
	row := pv.EndpointCostMap["ipv6:2001:db8::3:1"]
	if len(row) != 1 || len(row["ipv6:2001:db8::4:1"]) != 3 {
		t.Errorf("row %v, want only the IPv6 destination, over 3 ANEs", row)
	}
	for name, values := range props.PropertyMap {
		if len(values) != 0 {
			t.Errorf("ANE %s has properties %v, though none were requested", name, values)
		}
	}
	if len(props.PropertyMap) != 3 {
		t.Errorf("%d ANEs in the property map, want 3", len(props.PropertyMap))
	}
	if len(props.Meta.DependentVTags) != 1 || props.Meta.DependentVTags[0] != pv.Meta.VTag {
		t.Errorf("property map depends on %v, want only the path vector vtag %v", props.Meta.DependentVTags, pv.Meta.VTag)
	}
}

// TestDirectoryEntries compares the directory entries of the path
// vector resources with those of the RFC 9275, Section 8.2 example.
func TestDirectoryEntries(t *testing.T) {
	var example struct {
		Resources map[string]alto.ResourceEntry `json:"resources"`
	}
	readJSON(t, "testdata/rfc9275/E05.directory.json", &example)
	base := start(t, "testdata/rfc9275/persistent.yaml")
	resp, err := http.Get(base + "/directory")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var dir struct {
		Meta struct {
			CostTypes map[string]alto.CostType `json:"cost-types"`
		} `json:"meta"`
		Resources map[string]alto.ResourceEntry `json:"resources"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&dir); err != nil {
		t.Fatal(err)
	}
	got, want := dir.Resources["endpoint-cost-pv"], example.Resources["endpoint-cost-pv"]
	if g, w := strings.ReplaceAll(got.MediaType, " ", ""), strings.ReplaceAll(want.MediaType, " ", ""); g != w {
		t.Errorf("media-type %q, want %q", got.MediaType, want.MediaType)
	}
	if _, params, err := mime.ParseMediaType(strings.Replace(got.MediaType, "type=", "type=\"", 1) + `"`); err != nil || params["type"] != alto.MediaTypeEndpointCost {
		t.Errorf("media-type %q: type parameter %q, err %v", got.MediaType, params["type"], err)
	}
	if got.Accepts != want.Accepts {
		t.Errorf("accepts %q, want %q", got.Accepts, want.Accepts)
	}
	if !slices.Equal(got.Capabilities.ANEPropertyNames, want.Capabilities.ANEPropertyNames) {
		t.Errorf("ane-property-names %v, want %v", got.Capabilities.ANEPropertyNames, want.Capabilities.ANEPropertyNames)
	}
	if !slices.Equal(got.Capabilities.CostTypeNames, want.Capabilities.CostTypeNames) {
		t.Errorf("cost-type-names %v, want %v", got.Capabilities.CostTypeNames, want.Capabilities.CostTypeNames)
	}
	if got.Capabilities.CostConstraints {
		t.Error("cost-constraints is true; RFC 9275, Section 7.2.4 requires false")
	}
	if ct := dir.Meta.CostTypes["path-vector"]; !ct.Equal(alto.PathVectorCostType) {
		t.Errorf("meta cost type path-vector is %v", ct)
	}
	if !slices.Contains(got.Uses, "ane-props") || !slices.Contains(got.Uses, "my-default-networkmap") {
		t.Errorf("uses %v, want the network map and ane-props", got.Uses)
	}
}

func readJSON(t *testing.T, file string, v any) {
	t.Helper()
	data := readFile(t, file)
	if err := json.NewDecoder(bytes.NewReader(data)).Decode(v); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
}

// TestMultiCostErrors checks the errors of multi-cost requests (RFC 8189)
// to path vector resources, with and without max-cost-types.
func TestMultiCostErrors(t *testing.T) {
	base := start(t, "testdata/rfc9275/persistent.yaml")
	endpoints := `"endpoints":{"srcs":["ipv4:192.0.2.34"],"dsts":["ipv4:192.0.2.2"]}`
	pv := `{"cost-mode":"array","cost-metric":"ane-path"}`
	rc := `{"cost-mode":"numerical","cost-metric":"routingcost"}`
	for _, tc := range []struct {
		name, path, body string
		field            string
	}{
		{"resource without max-cost-types", "/endpointcost/pv",
			`{"multi-cost-types":[` + pv + `,` + rc + `],` + endpoints + `}`, "multi-cost-types"},
		{"more types than max-cost-types", "/endpointcost/mcpv",
			`{"multi-cost-types":[` + pv + `,` + rc + `,` + rc + `],` + endpoints + `}`, "multi-cost-types"},
		{"cost type not offered", "/endpointcost/mcpv",
			`{"multi-cost-types":[` + pv + `,{"cost-mode":"numerical","cost-metric":"hopcount"}],` + endpoints + `}`, "multi-cost-types"},
		{"testable cost types", "/endpointcost/mcpv",
			`{"multi-cost-types":[` + pv + `,` + rc + `],"testable-cost-types":[` + rc + `],"or-constraints":[["le 5"]],` + endpoints + `}`, "testable-cost-types"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := post(t, base+tc.path, alto.MediaTypeEndpointCostParams, tc.body)
			if r.status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400; body %s", r.status, r.body)
			}
			var e struct {
				Meta struct{ Code, Field string } `json:"meta"`
			}
			if err := json.Unmarshal(r.body, &e); err != nil {
				t.Fatalf("error body: %v", err)
			}
			if e.Meta.Code != "E_INVALID_FIELD_VALUE" {
				t.Errorf("code %s, want E_INVALID_FIELD_VALUE", e.Meta.Code)
			}
			if e.Meta.Field != tc.field {
				t.Errorf("field %q, want %q", e.Meta.Field, tc.field)
			}
		})
	}
}

// TestMultiCostWithoutPathVector checks a multi-cost request without the
// path vector type: numeric values only, and no ANE in the property map
// part.
func TestMultiCostWithoutPathVector(t *testing.T) {
	base := start(t, "testdata/rfc9275/persistent.yaml")
	body := `{"multi-cost-types":[{"cost-mode":"numerical","cost-metric":"routingcost"}],` +
		`"endpoints":{"srcs":["ipv4:192.0.2.34"],"dsts":["ipv4:192.0.2.2"]}}`
	m := decode(t, post(t, base+"/endpointcost/mcpv", alto.MediaTypeEndpointCostParams, body))
	_, props := parts(t, m)
	var part struct {
		EndpointCostMap map[string]map[string][]float64 `json:"endpoint-cost-map"`
	}
	if err := json.Unmarshal(m.Root().Body, &part); err != nil {
		t.Fatalf("path vector part: %v", err)
	}
	if got := part.EndpointCostMap["ipv4:192.0.2.34"]["ipv4:192.0.2.2"]; len(got) != 1 || got[0] != 3 {
		t.Errorf("costs %v, want [3]", got)
	}
	if len(props.PropertyMap) != 0 {
		t.Errorf("property map part %v, want no entity", props.PropertyMap)
	}
}

func TestAcceptTypeParameter(t *testing.T) {
	z := startZoo(t, "Geant2012.graphml", false)
	body := `{"cost-type":{"cost-mode":"array","cost-metric":"ane-path"},"pids":{"srcs":["` + z.pid[0] + `"],"dsts":[]}}`
	for _, tc := range []struct {
		name, accept string
		status       int
	}{
		{"quoted type", `multipart/related; type="application/alto-costmap+json"`, http.StatusOK},
		{"unquoted type", "multipart/related;type=application/alto-costmap+json", http.StatusOK},
		{"no type", "multipart/related", http.StatusOK},
		{"type of another root", `multipart/related; type="application/alto-endpointcost+json"`, http.StatusNotAcceptable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := postAccept(t, z.base+"/costmap/pv", alto.MediaTypeCostMapFilter, tc.accept, body)
			if r.status != tc.status {
				t.Errorf("status %d, want %d; body %s", r.status, tc.status, r.body)
			}
		})
	}
}
