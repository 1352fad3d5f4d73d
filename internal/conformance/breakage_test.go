package conformance

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// breakage is a test server that breaks one rule of the RFCs.
type breakage struct {
	name string
	mode string // modePlain when empty
	// fails lists the checks that must fail.
	fails []string
	// affects lists the checks, or ID prefixes ending in a dot, whose
	// result may differ from the unbroken server's because they depend
	// on the broken response. Every other check must keep its result.
	affects []string
	wrap    func(e *testEnv, next http.Handler) http.Handler
	// setup runs before the checks.
	setup func(t *testing.T, e *testEnv)
}

func tlsConfigFor(pool *x509.CertPool) *tls.Config { return &tls.Config{RootCAs: pool} }

// serviceUnderTest is a resource kind of the test network with the
// paths of its resources.
type serviceUnderTest struct {
	prefix  string
	match   func(r *http.Request) bool
	get     bool // read with GET
	rfc7285 bool // an RFC 7285 POST service with its error checks
}

var servicesUnderTest = []serviceUnderTest{
	{prefix: "ird", match: path("/directory"), get: true},
	{prefix: "nm", match: path("/networkmap"), get: true},
	{prefix: "cm", match: isCostMapPath, get: true},
	{prefix: "fnm", match: path("/networkmap/filtered"), rfc7285: true},
	{prefix: "fcm", match: path("/costmap/filtered"), rfc7285: true},
	{prefix: "eps", match: path("/endpointprop/lookup"), rfc7285: true},
	{prefix: "ecs", match: path("/endpointcost/lookup"), rfc7285: true},
	{prefix: "sse", match: path("/updates/stream")},
	{prefix: "tips", match: path("/tips")},
}

func isCostMapPath(r *http.Request) bool {
	return strings.HasPrefix(r.URL.Path, "/costmap/") && r.URL.Path != "/costmap/filtered"
}

// genericBreakages breaks the rules that every resource of a kind
// shares, one kind at a time.
func genericBreakages() []breakage {
	var out []breakage
	for _, sv := range servicesUnderTest {
		match := sv.match
		out = append(out,
			breakage{
				name: "405 without Allow", fails: []string{sv.prefix + ".method"},
				wrap: rewrite(match, func(_ *http.Request, _ []byte, resp *recorded) {
					if resp.status == http.StatusMethodNotAllowed {
						resp.header.Del("Allow")
					}
				}),
			},
			breakage{
				name: "500 where Accept excludes the media type", fails: []string{sv.prefix + ".not-acceptable"},
				wrap: rewrite(match, func(_ *http.Request, _ []byte, resp *recorded) {
					if resp.status == http.StatusNotAcceptable {
						plainError(resp, http.StatusInternalServerError, "text/plain", "internal error")
					}
				}),
			},
		)
		if sv.get {
			out = append(out, breakage{
				name: "If-None-Match ignored", fails: []string{sv.prefix + ".etag"},
				wrap: editRequest(match, func(r *http.Request, _ map[string]any) { r.Header.Del("If-None-Match") }),
			})
			continue
		}
		out = append(out, breakage{
			name: "400 for a wrong Content-Type", fails: []string{sv.prefix + ".unsupported-media-type"},
			wrap: rewrite(match, func(_ *http.Request, _ []byte, resp *recorded) {
				if resp.status == http.StatusUnsupportedMediaType {
					altoError(resp, http.StatusBadRequest, "E_SYNTAX")
				}
			}),
		})
		if !sv.rfc7285 {
			continue
		}
		out = append(out,
			breakage{
				name: "HTML error page for E_SYNTAX", fails: []string{sv.prefix + ".syntax-error"},
				wrap: rewrite(match, func(_ *http.Request, _ []byte, resp *recorded) {
					if errorCode(resp) == "E_SYNTAX" {
						plainError(resp, http.StatusBadRequest, "text/html; charset=utf-8", "<html><body><h1>400 Bad Request</h1></body></html>")
					}
				}),
			},
			breakage{
				name: "E_INVALID_FIELD_VALUE for a missing field", fails: []string{sv.prefix + ".missing-field"},
				wrap: rewrite(match, func(_ *http.Request, _ []byte, resp *recorded) {
					if errorCode(resp) == "E_MISSING_FIELD" {
						altoError(resp, http.StatusBadRequest, "E_INVALID_FIELD_VALUE")
					}
				}),
			},
			breakage{
				name: "E_MISSING_FIELD for a wrong type", fails: []string{sv.prefix + ".invalid-field-type"},
				wrap: rewrite(match, func(_ *http.Request, _ []byte, resp *recorded) {
					if errorCode(resp) == "E_INVALID_FIELD_TYPE" {
						altoError(resp, http.StatusBadRequest, "E_MISSING_FIELD")
					}
				}),
			},
			breakage{
				name: "unknown field rejected", fails: []string{sv.prefix + ".unknown-field"},
				wrap: rewrite(match, func(_ *http.Request, body []byte, resp *recorded) {
					if strings.Contains(string(body), "conformance-unknown-field") {
						altoError(resp, http.StatusBadRequest, "E_INVALID_FIELD_VALUE")
					}
				}),
			},
		)
	}
	for i := range out {
		out[i].name = out[i].fails[0] + " " + out[i].name
	}
	return out
}

// mapDependents are the prefixes of the checks that read the network
// map, whose results a broken network map can change.
var mapDependents = []string{"nm.", "fnm.", "cm.", "fcm.", "eps.", "ecs.", "sse.", "tips."}

// specificBreakages break the rules of one check each.
func specificBreakages() []breakage {
	getDirectory := method(http.MethodGet, path("/directory"))
	getNetworkMap := method(http.MethodGet, path("/networkmap"))
	postFNM := method(http.MethodPost, path("/networkmap/filtered"))
	postFCM := method(http.MethodPost, path("/costmap/filtered"))
	postEPS := method(http.MethodPost, path("/endpointprop/lookup"))
	postECS := method(http.MethodPost, path("/endpointcost/lookup"))
	postStream := method(http.MethodPost, path("/updates/stream"))
	postTIPS := method(http.MethodPost, path("/tips"))
	getItem := method(http.MethodGet, pathPrefix("/tips/views/"))
	ok := func(edit func(o map[string]any)) func(*http.Request, []byte, *recorded) {
		return func(_ *http.Request, _ []byte, resp *recorded) {
			if resp.status == http.StatusOK {
				resp.body = editJSON(resp.body, edit)
			}
		}
	}
	return []breakage{
		// Directory.
		{
			name: "ird.media-type IRD served as application/json", fails: []string{"ird.media-type"}, affects: []string{"ird.etag", "http."},
			wrap: rewrite(getDirectory, func(_ *http.Request, _ []byte, resp *recorded) {
				if resp.status == http.StatusOK {
					resp.header.Set("Content-Type", "application/json")
				}
			}),
		},
		{
			name: "ird.schema entry with a numeric uri", fails: []string{"ird.schema"},
			wrap: rewrite(getDirectory, ok(func(o map[string]any) {
				obj(o, "resources")["bogus"] = map[string]any{"uri": 5, "media-type": "application/alto-networkmap+json"}
			})),
		},
		{
			name: "ird.default-network-map names no resource", fails: []string{"ird.default-network-map"},
			wrap: rewrite(getDirectory, ok(func(o map[string]any) {
				obj(o, "meta")["default-alto-network-map"] = "no-such-map"
			})),
		},
		{
			name: "ird.references uses an unknown resource", fails: []string{"ird.references"},
			wrap: rewrite(getDirectory, ok(func(o map[string]any) {
				e := obj(o, "resources", "filtered-cost-map")
				e["uses"] = append(e["uses"].([]any), "no-such-resource")
			})),
		},
		{
			name: "ird.secondary directory returns 500", mode: modeRFC, fails: []string{"ird.secondary"}, affects: []string{"ird.not-acceptable", "ird.etag", "fnm.", "fcm.", "cm."},
			wrap: rewrite(method(http.MethodGet, path("/maps")), func(_ *http.Request, _ []byte, resp *recorded) {
				plainError(resp, http.StatusInternalServerError, "text/plain", "internal error")
			}),
		},
		{
			name: "ird.cost-map-capabilities two cost maps of one cost type", fails: []string{"ird.cost-map-capabilities"},
			wrap: rewrite(getDirectory, ok(func(o map[string]any) {
				obj(o, "resources")["dup-routing-cost-map"] = obj(o, "resources", "num-routing-cost-map")
			})),
		},

		// Network map.
		{
			name: "nm.response prefix that is not a prefix", fails: []string{"nm.response"}, affects: mapDependents,
			wrap: rewrite(getNetworkMap, ok(func(o map[string]any) {
				g := obj(o, "network-map", "a")
				g["ipv4"] = append(g["ipv4"].([]any), "not-a-prefix")
			})),
		},
		{
			name: "nm.vtag tag of 70 characters", fails: []string{"nm.vtag"},
			affects: []string{"cm.dependent-vtag", "fcm.dependent-vtag", "fnm.vtag", "eps.pid", "sse.", "tips."},
			wrap: rewrite(getNetworkMap, ok(func(o map[string]any) {
				obj(o, "meta", "vtag")["tag"] = strings.Repeat("x", 70)
			})),
		},
		{
			name: "nm.non-overlapping prefix in two PIDs", fails: []string{"nm.non-overlapping"},
			affects: []string{"fnm.", "eps.pid", "ecs.pid-costs", "sse.", "tips."},
			wrap: rewrite(getNetworkMap, ok(func(o map[string]any) {
				g := obj(o, "network-map", "c")
				g["ipv4"] = append(g["ipv4"].([]any), "192.0.2.0/25")
			})),
		},
		{
			name: "nm.complete no default PID", fails: []string{"nm.complete"}, affects: mapDependents[1:],
			wrap: rewrite(getNetworkMap, ok(func(o map[string]any) {
				delete(obj(o, "network-map"), "default")
			})),
		},

		// Filtered network map.
		{
			name: "fnm.response 500", fails: []string{"fnm.response"}, affects: []string{"fnm."},
			wrap: rewrite(postFNM, func(_ *http.Request, _ []byte, resp *recorded) {
				plainError(resp, http.StatusInternalServerError, "text/plain", "internal error")
			}),
		},
		{
			name: "fnm.subset extra PID", fails: []string{"fnm.subset"}, affects: []string{"fnm."},
			wrap: rewrite(postFNM, ok(func(o map[string]any) {
				obj(o, "network-map")["conformance-extra"] = map[string]any{"ipv4": []any{"192.0.2.0/32"}}
			})),
		},
		{
			name: "fnm.all-pids empty map for empty pids", fails: []string{"fnm.all-pids"},
			wrap: rewrite(postFNM, func(_ *http.Request, body []byte, resp *recorded) {
				if strings.Contains(string(body), `"pids":[]`) && resp.status == http.StatusOK {
					resp.body = editJSON(resp.body, func(o map[string]any) { o["network-map"] = map[string]any{} })
				}
			}),
		},
		{
			name: "fnm.unknown-pid rejected", fails: []string{"fnm.unknown-pid"},
			wrap: rewrite(postFNM, func(_ *http.Request, body []byte, resp *recorded) {
				if strings.Contains(string(body), unknownPID) {
					altoError(resp, http.StatusBadRequest, "E_INVALID_FIELD_VALUE")
				}
			}),
		},
		{
			name: "fnm.address-types ignored", fails: []string{"fnm.address-types"},
			wrap: editRequest(postFNM, func(_ *http.Request, body map[string]any) { delete(body, "address-types") }),
		},
		{
			name: "fnm.vtag other tag", fails: []string{"fnm.vtag"},
			wrap: rewrite(postFNM, ok(func(o map[string]any) { obj(o, "meta", "vtag")["tag"] = "other-tag" })),
		},

		// Cost maps.
		{
			name: "cm.response text/plain", fails: []string{"cm.response"}, affects: []string{"cm.", "fcm.", "ecs.", "sse.", "tips."},
			wrap: rewrite(method(http.MethodGet, path("/costmap/num/hopcount")), func(_ *http.Request, _ []byte, resp *recorded) {
				resp.header.Set("Content-Type", "text/plain")
			}),
		},
		{
			name: "cm.cost-values string cost", fails: []string{"cm.cost-values"}, affects: []string{"cm.ordinal-order", "fcm.", "ecs.pid-costs"},
			wrap: rewrite(method(http.MethodGet, path("/costmap/num/routingcost")), ok(func(o map[string]any) {
				row := obj(o, "cost-map", "a")
				row["b"] = fmt.Sprint(row["b"])
			})),
		},
		{
			name: "cm.dependent-vtag wrong tag", fails: []string{"cm.dependent-vtag"}, affects: []string{"sse.", "tips."},
			wrap: rewrite(method(http.MethodGet, isCostMapPath), ok(func(o map[string]any) {
				obj(o, "meta")["dependent-vtags"].([]any)[0].(map[string]any)["tag"] = "0123456789abcdef"
			})),
		},
		{
			name: "cm.ordinal-order ranks swapped", fails: []string{"cm.ordinal-order"}, affects: []string{"fcm."},
			wrap: rewrite(method(http.MethodGet, path("/costmap/ord/routingcost")), ok(func(o map[string]any) {
				swapExtremes(obj(o, "cost-map", "a"))
			})),
		},

		// Filtered cost map.
		{
			name: "fcm.response other cost mode", fails: []string{"fcm.response"}, affects: []string{"fcm."},
			wrap: rewrite(postFCM, ok(func(o map[string]any) {
				ct := obj(o, "meta", "cost-type")
				if ct["cost-mode"] == "ordinal" {
					ct["cost-mode"] = "numerical"
				} else {
					ct["cost-mode"] = "ordinal"
				}
			})),
		},
		{
			name: "fcm.cost-values string cost", fails: []string{"fcm.cost-values"}, affects: []string{"fcm."},
			wrap: rewrite(postFCM, ok(func(o map[string]any) {
				for _, row := range obj(o, "cost-map") {
					for dst, v := range row.(map[string]any) {
						row.(map[string]any)[dst] = fmt.Sprint(v)
						return
					}
				}
			})),
		},
		{
			name: "fcm.subset extra source", fails: []string{"fcm.subset"}, affects: []string{"fcm."},
			wrap: rewrite(postFCM, ok(func(o map[string]any) {
				obj(o, "cost-map")["conformance-extra"] = map[string]any{"a": 1}
			})),
		},
		{
			name: "fcm.all-pids without pids returns one row", fails: []string{"fcm.all-pids"}, affects: []string{"fcm."},
			wrap: editRequest(postFCM, func(_ *http.Request, body map[string]any) {
				if _, ok := body["pids"]; !ok && body["cost-type"] != nil {
					body["pids"] = map[string]any{"srcs": []any{"a"}, "dsts": []any{}}
				}
			}),
		},
		{
			name: "fcm.unknown-pid rejected", fails: []string{"fcm.unknown-pid"},
			wrap: rewrite(postFCM, func(_ *http.Request, body []byte, resp *recorded) {
				if strings.Contains(string(body), unknownPID) {
					altoError(resp, http.StatusBadRequest, "E_INVALID_FIELD_VALUE")
				}
			}),
		},
		{
			name: "fcm.dependent-vtag wrong tag", fails: []string{"fcm.dependent-vtag"},
			wrap: rewrite(postFCM, ok(func(o map[string]any) {
				obj(o, "meta")["dependent-vtags"].([]any)[0].(map[string]any)["tag"] = "0123456789abcdef"
			})),
		},
		{
			name: "fcm.unknown-cost-type served as routingcost", fails: []string{"fcm.unknown-cost-type"},
			wrap: editRequest(postFCM, replaceUnknownCostType),
		},
		{
			name: "fcm.constraints ignored", fails: []string{"fcm.constraints", "fcm.invalid-constraint"},
			wrap: editRequest(postFCM, func(_ *http.Request, body map[string]any) { delete(body, "constraints") }),
		},
		{
			name: "fcm.invalid-constraint 500", fails: []string{"fcm.invalid-constraint"},
			wrap: rewrite(postFCM, constraintErrorTo500),
		},

		// Endpoint property service.
		{
			name: "eps.response endpoint left out", fails: []string{"eps.response"}, affects: []string{"eps."},
			wrap: rewrite(postEPS, ok(func(o map[string]any) {
				props := obj(o, "endpoint-properties")
				if keys := sortedKeys(props); len(keys) > 1 {
					delete(props, keys[len(keys)-1])
				}
			})),
		},
		{
			name: "eps.pid wrong PID", fails: []string{"eps.pid"},
			wrap: rewrite(postEPS, ok(func(o map[string]any) {
				for _, props := range obj(o, "endpoint-properties") {
					for name, v := range props.(map[string]any) {
						if strings.HasSuffix(name, ".pid") {
							props.(map[string]any)[name] = map[bool]string{true: "a", false: "default"}[v == "default"]
						}
					}
				}
			})),
		},
		{
			name: "eps.unknown-property accepted", fails: []string{"eps.unknown-property"},
			wrap: rewrite(postEPS, func(_ *http.Request, body []byte, resp *recorded) {
				if strings.Contains(string(body), unknownProperty) {
					resp.status = http.StatusOK
					resp.header = http.Header{"Content-Type": {"application/alto-endpointprop+json"}}
					resp.body = []byte(`{"meta":{},"endpoint-properties":{}}`)
				}
			}),
		},
		{
			name: "eps.invalid-address accepted", fails: []string{"eps.invalid-address"},
			wrap: editRequest(postEPS, func(_ *http.Request, body map[string]any) {
				if list, ok := body["endpoints"].([]any); ok {
					body["endpoints"] = fixAddresses(list)
				}
			}),
		},

		// Endpoint cost service.
		{
			name: "ecs.response without cost type", fails: []string{"ecs.response"}, affects: []string{"ecs."},
			wrap: rewrite(postECS, ok(func(o map[string]any) { delete(obj(o, "meta"), "cost-type") })),
		},
		{
			name: "ecs.cost-values string cost", fails: []string{"ecs.cost-values"}, affects: []string{"ecs."},
			wrap: rewrite(postECS, ok(func(o map[string]any) {
				for _, row := range obj(o, "endpoint-cost-map") {
					for dst, v := range row.(map[string]any) {
						row.(map[string]any)[dst] = fmt.Sprint(v)
						return
					}
				}
			})),
		},
		{
			name: "ecs.pid-costs cost differs from the cost map", fails: []string{"ecs.pid-costs"}, affects: []string{"ecs.constraints"},
			wrap: rewrite(postECS, ok(func(o map[string]any) {
				if obj(o, "meta", "cost-type")["cost-mode"] != "numerical" {
					return
				}
				for _, row := range obj(o, "endpoint-cost-map") {
					for dst, v := range row.(map[string]any) {
						f, _ := v.(json.Number).Float64()
						row.(map[string]any)[dst] = f + 1
					}
				}
			})),
		},
		{
			name: "ecs.unknown-cost-type served as routingcost", fails: []string{"ecs.unknown-cost-type"},
			wrap: editRequest(postECS, replaceUnknownCostType),
		},
		{
			name: "ecs.invalid-address accepted", fails: []string{"ecs.invalid-address"},
			wrap: editRequest(postECS, func(_ *http.Request, body map[string]any) {
				if eps, ok := body["endpoints"].(map[string]any); ok {
					if list, ok := eps["srcs"].([]any); ok {
						eps["srcs"] = fixAddresses(list)
					}
				}
			}),
		},
		{
			name: "ecs.constraints ignored", fails: []string{"ecs.constraints", "ecs.invalid-constraint"},
			wrap: editRequest(postECS, func(_ *http.Request, body map[string]any) { delete(body, "constraints") }),
		},
		{
			name: "ecs.invalid-constraint 500", fails: []string{"ecs.invalid-constraint"},
			wrap: rewrite(postECS, constraintErrorTo500),
		},

		// Update streams.
		{
			name: "sse.control-first control event left out", fails: []string{"sse.control-first"}, affects: []string{"sse."},
			wrap: editStream(postStream, stateless(func(event string) string {
				if strings.Contains(event, "control-uri") {
					return ""
				}
				return event
			})),
		},
		{
			name: "sse.full-replacement differs from GET", fails: []string{"sse.full-replacement"}, affects: []string{"sse."},
			wrap: editStream(postStream, stateless(func(event string) string {
				if strings.HasPrefix(event, "event: application/alto-networkmap+json,") {
					return strings.Replace(event, `"network-map":{`, `"network-map":{"conformance-extra":{"ipv4":["192.0.2.0/32"]},`, 1)
				}
				return event
			})),
		},
		{
			name: "sse.missing-add E_SYNTAX", fails: []string{"sse.missing-add"},
			wrap: rewrite(postStream, func(_ *http.Request, _ []byte, resp *recorded) {
				if errorCode(resp) == "E_MISSING_FIELD" {
					altoError(resp, http.StatusBadRequest, "E_SYNTAX")
				}
			}),
		},
		{
			name: "sse.invalid-resource E_MISSING_FIELD", fails: []string{"sse.invalid-resource"},
			wrap: rewrite(postStream, func(_ *http.Request, _ []byte, resp *recorded) {
				if errorCode(resp) == "E_INVALID_FIELD_VALUE" {
					altoError(resp, http.StatusBadRequest, "E_MISSING_FIELD")
				}
			}),
		},
		{
			name: "sse.stream-control control URI returns 500", fails: []string{"sse.stream-control"},
			wrap: rewrite(pathPrefix("/updates/control/"), func(_ *http.Request, _ []byte, resp *recorded) {
				plainError(resp, http.StatusInternalServerError, "text/plain", "internal error")
			}),
		},
		{
			name: "sse.patches corrupted updates", fails: []string{"sse.patches"},
			wrap: editStream(postStream, corruptUpdates),
		},

		// TIPS.
		{
			name: "tips.open start edge not the latest snapshot", fails: []string{"tips.open"},
			wrap: rewrite(postTIPS, ok(func(o map[string]any) {
				obj(o, "tips-view-summary", "updates-graph-summary", "start-edge-rec")["seq-i"] = 1
			})),
		},
		{
			name: "tips.missing-resource-id wrong field", fails: []string{"tips.missing-resource-id"},
			wrap: rewrite(postTIPS, func(_ *http.Request, _ []byte, resp *recorded) {
				if errorCode(resp) == "E_MISSING_FIELD" {
					resp.body = []byte(`{"meta":{"code":"E_MISSING_FIELD","field":"resource"}}`)
				}
			}),
		},
		{
			name: "tips.invalid-resource-id wrong value", fails: []string{"tips.invalid-resource-id"},
			wrap: rewrite(postTIPS, func(_ *http.Request, _ []byte, resp *recorded) {
				if errorCode(resp) == "E_INVALID_FIELD_VALUE" {
					resp.body = []byte(`{"meta":{"code":"E_INVALID_FIELD_VALUE","field":"resource-id","value":"something-else"}}`)
				}
			}),
		},
		{
			name: "tips.snapshot item differs from GET", fails: []string{"tips.snapshot"}, affects: []string{"tips.updates"},
			wrap: rewrite(getItem, func(r *http.Request, _ []byte, resp *recorded) {
				if strings.Contains(r.URL.Path, "/ug/0/") && resp.status == http.StatusOK {
					resp.body = editJSON(resp.body, func(o map[string]any) { o["conformance-extra"] = true })
				}
			}),
		},
		{
			name: "tips.below-start version below start-seq served", fails: []string{"tips.below-start"},
			setup: func(t *testing.T, e *testEnv) {
				if err := e.trigger(context.Background()); err != nil {
					t.Fatal(err)
				}
			},
			wrap: rewrite(postTIPS, ok(func(o map[string]any) {
				obj(o, "tips-view-summary", "updates-graph-summary")["start-seq"] = 2
			})),
		},
		{
			name: "tips.beyond-end 404", fails: []string{"tips.beyond-end"},
			wrap: rewrite(getItem, func(_ *http.Request, _ []byte, resp *recorded) {
				if resp.status == http.StatusTooEarly {
					resp.status = http.StatusNotFound
				}
			}),
		},
		{
			name: "tips.malformed-seq 500", fails: []string{"tips.malformed-seq"},
			wrap: rewrite(getItem, func(r *http.Request, _ []byte, resp *recorded) {
				// The two paths that the check sends, which get 404.
				if strings.Contains(r.URL.Path, "/ug/abc/") || strings.HasSuffix(r.URL.Path, "/ug/0/-1") {
					plainError(resp, http.StatusInternalServerError, "text/plain", "internal error")
				}
			}),
		},
		{
			name: "tips.next-edge application/json", fails: []string{"tips.next-edge"},
			wrap: rewrite(method(http.MethodPost, pathPrefix("/tips/views/")), func(_ *http.Request, _ []byte, resp *recorded) {
				resp.header.Set("Content-Type", "application/json")
			}),
		},
		{
			name: "tips.updates corrupted update item", fails: []string{"tips.updates"},
			wrap: rewrite(getItem, func(r *http.Request, _ []byte, resp *recorded) {
				if resp.status == http.StatusOK && !strings.Contains(r.URL.Path, "/ug/0/") {
					resp.body = corruptUpdate(resp.header.Get("Content-Type"), resp.body)
				}
			}),
		},

		// HTTP versions.
		{
			name: "http.h1 HTTP/1.1 returns 500", mode: modeTLS, fails: []string{"http.h1"},
			wrap: func(_ *testEnv, next http.Handler) http.Handler {
				return protoError(1, next)
			},
		},
		{
			name: "http.h2 HTTP/2 returns 500", fails: []string{"http.h2"},
			wrap: func(_ *testEnv, next http.Handler) http.Handler {
				return protoError(2, next)
			},
		},
		{
			name: "http.h3 announced but not served", mode: modeTLS, fails: []string{"http.h3"},
			wrap: func(_ *testEnv, next http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Alt-Svc", fmt.Sprintf(`h3=":%d"; ma=60`, closedUDPPort))
					next.ServeHTTP(w, r)
				})
			},
		},
	}
}

// closedUDPPort is a loopback UDP port that nothing listens on, set by
// TestBreakages before its subtests run.
var closedUDPPort int

// protoError responds with 500 to every request of one HTTP major
// version.
func protoError(major int, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ProtoMajor == major {
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// swapExtremes swaps the lowest and the highest cost of a row.
func swapExtremes(row map[string]any) {
	var lo, hi string
	var loV, hiV float64
	for _, k := range sortedKeys(row) {
		v, _ := row[k].(json.Number).Float64()
		if lo == "" || v < loV {
			lo, loV = k, v
		}
		if hi == "" || v > hiV {
			hi, hiV = k, v
		}
	}
	row[lo], row[hi] = row[hi], row[lo]
}

// replaceUnknownCostType makes the server respond to requests for the
// checks' unknown cost metric and mode as if they asked for numerical
// routingcost.
func replaceUnknownCostType(_ *http.Request, body map[string]any) {
	ct, ok := body["cost-type"].(map[string]any)
	if !ok {
		return
	}
	if ct["cost-metric"] == unknownMetric {
		ct["cost-metric"] = "routingcost"
	}
	if ct["cost-mode"] == "conformance-mode" {
		ct["cost-mode"] = "numerical"
	}
}

// constraintErrorTo500 replaces the error for an invalid constraint.
func constraintErrorTo500(_ *http.Request, _ []byte, resp *recorded) {
	if resp.status != http.StatusBadRequest {
		return
	}
	if meta, err := parseErrorMeta(resp.body); err == nil && meta.Field == "constraints" {
		plainError(resp, http.StatusInternalServerError, "text/plain", "internal error")
	}
}

// fixAddresses replaces the checks' invalid addresses with a valid one.
func fixAddresses(list []any) []any {
	out := make([]any, len(list))
	for i, a := range list {
		out[i] = a
		if s, ok := a.(string); ok && slices.Contains(invalidAddresses, s) {
			out[i] = "ipv4:192.0.2.1"
		}
	}
	return out
}

// corruptUpdates returns a transform for one stream that passes the
// first data update of each substream and corrupts every later one.
func corruptUpdates() func(event string) string {
	seen := map[string]bool{}
	eventLine := regexp.MustCompile(`(?m)^event: ([^,\n]+),(\S+)$`)
	return func(event string) string {
		m := eventLine.FindStringSubmatch(event)
		if m == nil {
			return event
		}
		if !seen[m[2]] {
			seen[m[2]] = true
			return event
		}
		return fmt.Sprintf("event: %s,%s\ndata: %s\n\n", m[1], m[2], corruptUpdate(m[1], nil))
	}
}

// corruptUpdate returns an update of the media type that adds a member
// that no GET has.
func corruptUpdate(mediaType string, body []byte) []byte {
	switch {
	case strings.HasPrefix(mediaType, "application/merge-patch+json"):
		return []byte(`{"conformance-corrupted":true}`)
	case strings.HasPrefix(mediaType, "application/json-patch+json"):
		return []byte(`[{"op":"add","path":"/conformance-corrupted","value":true}]`)
	}
	if body == nil {
		return []byte(`{"meta":{},"conformance-corrupted":true}`)
	}
	return editJSON(body, func(o map[string]any) { o["conformance-corrupted"] = true })
}

// allBreakages returns the generic and the specific breakages.
func allBreakages() []breakage {
	return append(genericBreakages(), specificBreakages()...)
}

// TestBreakages runs every check against servers that each break one
// rule: the named checks must fail, and every check that the breakage
// cannot affect must keep its result on the unbroken server.
func TestBreakages(t *testing.T) {
	closedUDPPort = freeUDPPort(t)
	for _, bk := range allBreakages() {
		t.Run(bk.name, func(t *testing.T) {
			t.Parallel()
			mode := bk.mode
			if mode == "" {
				mode = modePlain
			}
			base := baseline(t, mode)
			env := newTestEnv(t, mode, bk.wrap)
			if bk.setup != nil {
				bk.setup(t, env)
			}
			got := env.run(t)
			for _, id := range bk.fails {
				res, ok := got.Result(id)
				if !ok {
					t.Fatalf("no result for %s", id)
				}
				if res.Status != Fail {
					t.Errorf("%s: %s (%s), want fail", id, res.Status, res.Reason)
				}
			}
			for _, res := range got.Results {
				if slices.Contains(bk.fails, res.ID) || matchesAny(bk.affects, res.ID) {
					continue
				}
				want, _ := base.Result(res.ID)
				if res.Status != want.Status {
					t.Errorf("%s: %s (%s), want %s as on the unbroken server", res.ID, res.Status, res.Reason, want.Status)
				}
			}
		})
	}
}

// matchesAny reports whether id is in patterns, or starts with one of
// them that ends in a dot.
func matchesAny(patterns []string, id string) bool {
	for _, p := range patterns {
		if p == id || strings.HasSuffix(p, ".") && strings.HasPrefix(id, p) {
			return true
		}
	}
	return false
}

// freeUDPPort returns a loopback UDP port that was free a moment ago.
func freeUDPPort(t *testing.T) int {
	t.Helper()
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := c.LocalAddr().(*net.UDPAddr).Port
	c.Close()
	return port
}

// TestEveryCheckCanFail asserts that no check can only pass: each one
// fails on at least one broken server of TestBreakages.
func TestEveryCheckCanFail(t *testing.T) {
	failed := map[string]bool{}
	for _, bk := range allBreakages() {
		for _, id := range bk.fails {
			failed[id] = true
		}
	}
	ids := map[string]bool{}
	for _, c := range Checks() {
		if ids[c.ID] {
			t.Errorf("check ID %s is used twice", c.ID)
		}
		ids[c.ID] = true
		if !failed[c.ID] {
			t.Errorf("no breakage makes %s fail", c.ID)
		}
	}
	for id := range failed {
		if !ids[id] {
			t.Errorf("a breakage names %s, which is not a check", id)
		}
	}
}

// TestUnbrokenServers runs every check against goalto itself: nothing
// fails, and only the checks of what the server does not offer skip.
func TestUnbrokenServers(t *testing.T) {
	onTestNetwork := []string{"ird.secondary", "tips.below-start", "http.h3"}
	tests := []struct {
		mode    string
		skipped func(id string) bool
	}{
		{modePlain, func(id string) bool { return slices.Contains(onTestNetwork, id) }},
		{modeTLS, func(id string) bool { return slices.Contains(onTestNetwork, id) }},
		{modeRFC, func(id string) bool { return matchesAny([]string{"sse.", "tips.", "http.h3"}, id) }},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			r := baseline(t, tt.mode)
			for _, res := range r.Results {
				if want := tt.skipped(res.ID); (res.Status == Skip) != want {
					t.Errorf("%s: %s (%s), want skipped %v", res.ID, res.Status, res.Reason, want)
				}
			}
		})
	}
}

// TestDocsListEveryCheck keeps docs/conformance.md in step with the
// registry: it must list every check with its section and rule.
func TestDocsListEveryCheck(t *testing.T) {
	doc, err := os.ReadFile("../../docs/conformance.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range Checks() {
		row := fmt.Sprintf("| `%s` | %s | %s |", c.ID, c.Section, c.Title)
		if !strings.Contains(string(doc), row) {
			t.Errorf("docs/conformance.md has no row %q", row)
		}
	}
}
