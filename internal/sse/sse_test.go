package sse_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/server"
	"github.com/goalto/goalto/internal/sse"
)

// allSubstreams is a request for every offered resource, and
// allResources maps its substream IDs to resource IDs.
const allSubstreams = `{"add": {
  "net": {"resource-id": "test-network-map"},
  "routing": {"resource-id": "routing-cost-map"},
  "hops": {"resource-id": "hop-cost-map"},
  "ordinal": {"resource-id": "ordinal-cost-map"}}}`

var allResources = map[string]string{
	"net": "test-network-map", "routing": "routing-cost-map",
	"hops": "hop-cost-map", "ordinal": "ordinal-cost-map",
}

// mutate returns the topology with one random change: a link metric, an
// extra prefix of a node, all prefixes of a node (which adds or removes
// a PID), an extra link, or a prefix that moves between nodes.
func (t topology) mutate(rng *rand.Rand) topology {
	c := t.clone()
	switch rng.IntN(5) {
	case 0:
		keys := slices.SortedFunc(func(yield func([2]int) bool) {
			for k := range c.metrics {
				if !yield(k) {
					return
				}
			}
		}, func(a, b [2]int) int { return a[0]*10 + a[1] - b[0]*10 - b[1] })
		c.metrics[keys[rng.IntN(len(keys))]] = 1 + rng.IntN(20)
	case 1:
		node := rng.IntN(6)
		c.prefixes[node] = toggle(c.prefixes[node], fmt.Sprintf("10.%d.%d.0/24", node, 1+rng.IntN(3)))
	case 2:
		node := 1 + rng.IntN(5) // node 0 keeps its prefixes, so some PID is left
		if len(c.prefixes[node]) > 0 {
			c.prefixes[node] = nil
		} else {
			c.prefixes[node] = []string{fmt.Sprintf("10.%d.0.0/24", node), fmt.Sprintf("2001:db8:%d::/48", node)}
		}
	case 3:
		a := rng.IntN(4)
		b := a + 2 + rng.IntN(4-a)
		if _, ok := c.metrics[[2]int{a, b}]; ok {
			delete(c.metrics, [2]int{a, b})
		} else {
			c.metrics[[2]int{a, b}] = 1 + rng.IntN(30)
		}
	case 4:
		const moving = "192.0.2.0/24"
		for i := range c.prefixes {
			c.prefixes[i] = slices.DeleteFunc(c.prefixes[i], func(p string) bool { return p == moving })
		}
		node := rng.IntN(6)
		c.prefixes[node] = append(c.prefixes[node], moving)
	}
	return c
}

// toggle removes p from list, or adds it when absent.
func toggle(list []string, p string) []string {
	if i := slices.Index(list, p); i >= 0 {
		return slices.Delete(list, i, i+1)
	}
	return append(list, p)
}

// TestStreamFollowsReloads follows every offered resource through 30
// random topology changes, over HTTP/1.1 and over h2c. The client builds
// its documents from the full replacements and patches of the stream.
// After each reload, they must equal a fresh GET of each resource.
func TestStreamFollowsReloads(t *testing.T) {
	for _, tc := range []struct {
		name  string
		h2c   bool
		proto int
	}{
		{"http1", false, 1},
		{"h2c", true, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			topo := baseTopology()
			srv := startServer(t, sse.Config{}, topo)
			client := newHTTPClient(t, tc.h2c)
			sc := srv.openStream(t, client, allSubstreams, allResources)
			if sc.resp.ProtoMajor != tc.proto {
				t.Fatalf("response over HTTP/%d, want HTTP/%d", sc.resp.ProtoMajor, tc.proto)
			}
			sc.syncTo(srv.fetchAll(t, client))
			if sc.fulls != len(allResources) {
				t.Fatalf("%d initial full replacements, want %d", sc.fulls, len(allResources))
			}

			rng := rand.New(rand.NewPCG(8895, 1))
			for i := range 30 {
				topo = topo.mutate(rng)
				srv.setTopology(t, topo)
				want := srv.fetchAll(t, client)
				t.Logf("change %d", i)
				sc.syncTo(want)
			}
			if sc.patches == 0 {
				t.Errorf("no incremental change in 30 reloads, want some")
			}
			t.Logf("%d full replacements, %d patches", sc.fulls, sc.patches)
		})
	}
}

// TestStreamControl adds a substream to an open stream, removes one,
// and removes the rest, which ends the stream.
func TestStreamControl(t *testing.T) {
	topo := baseTopology()
	srv := startServer(t, sse.Config{}, topo)
	client := newHTTPClient(t, false)
	resources := map[string]string{"net": "test-network-map", "routing": "routing-cost-map"}
	sc := srv.openStream(t, client, `{"add": {"net": {"resource-id": "test-network-map"}}}`, resources)
	if id := sc.apply(sc.next()); id != "net" {
		t.Fatalf("first data for substream %q, want net", id)
	}

	srv.mustControl(t, client, sc.controlURI, `{"add": {"routing": {"resource-id": "routing-cost-map"}}}`)
	if ce := decodeControlEvent(t, sc.next()); !slices.Equal(ce.Started, []string{"routing"}) {
		t.Fatalf("control event %+v, want started [routing]", ce)
	}
	ev := sc.next()
	if ev.Type != alto.MediaTypeCostMap+",routing" {
		t.Fatalf("event type %q, want the full cost map of the added substream", ev.Type)
	}
	sc.apply(ev)
	sc.syncTo(srv.fetchAll(t, client))

	srv.mustControl(t, client, sc.controlURI, `{"remove": ["net"]}`)
	ce := decodeControlEvent(t, sc.next())
	if !slices.Equal(ce.Stopped, []string{"net"}) || ce.Description == "" {
		t.Fatalf("control event %+v, want stopped [net] with a description", ce)
	}

	// A new PID changes the network map and the cost map; only the cost
	// map may arrive.
	topo.prefixes[5] = append(topo.prefixes[5], "10.5.9.0/24")
	topo.metrics[[2]int{0, 5}] = 1
	netSeen := sc.seen["net"]
	srv.setTopology(t, topo)
	want := srv.fetchAll(t, client)
	delete(sc.resources, "net")
	sc.syncTo(want)
	if sc.seen["net"] != netSeen {
		t.Fatalf("%d events for the removed substream net", sc.seen["net"]-netSeen)
	}

	srv.mustControl(t, client, sc.controlURI, `{"remove": []}`)
	if ce := decodeControlEvent(t, sc.next()); !slices.Equal(ce.Stopped, []string{"routing"}) {
		t.Fatalf("control event %+v, want stopped [routing]", ce)
	}
	sc.expectEnd()
	if status, body := srv.control(t, client, sc.controlURI, `{"remove": ["routing"]}`); status != http.StatusNotFound {
		t.Fatalf("control request after the end: status %d, want 404: %s", status, body)
	}
}

// TestStreamControlRemoveLast removes the last active substream by ID,
// which ends the stream as an empty remove list does.
func TestStreamControlRemoveLast(t *testing.T) {
	srv := startServer(t, sse.Config{}, baseTopology())
	client := newHTTPClient(t, true)
	sc := srv.openStream(t, client, `{"add": {"net": {"resource-id": "test-network-map"}}}`,
		map[string]string{"net": "test-network-map"})
	sc.apply(sc.next())
	srv.mustControl(t, client, sc.controlURI, `{"remove": ["net"]}`)
	if ce := decodeControlEvent(t, sc.next()); !slices.Equal(ce.Stopped, []string{"net"}) {
		t.Fatalf("control event %+v, want stopped [net]", ce)
	}
	sc.expectEnd()
}

// TestStreamClientTag checks that a client whose tag names the current
// version gets no full replacement, and one with another tag does.
func TestStreamClientTag(t *testing.T) {
	topo := baseTopology()
	srv := startServer(t, sse.Config{}, topo)
	client := newHTTPClient(t, false)
	netmap := srv.get(t, client, "/networkmap")
	tag := networkMapTag(t, netmap)

	t.Run("current", func(t *testing.T) {
		resources := map[string]string{"net": "test-network-map", "routing": "routing-cost-map"}
		sc := srv.openStream(t, client, fmt.Sprintf(`{"add": {
		  "net": {"resource-id": "test-network-map", "tag": %q},
		  "routing": {"resource-id": "routing-cost-map"}}}`, tag), resources)
		if id := sc.apply(sc.next()); id != "routing" {
			t.Fatalf("first data for substream %q, want routing", id)
		}
		srv.mustControl(t, client, sc.controlURI, `{"remove": []}`)
		if ce := decodeControlEvent(t, sc.next()); !slices.Equal(ce.Stopped, []string{"net", "routing"}) {
			t.Fatalf("control event %+v, want stopped [net routing]", ce)
		}
		sc.expectEnd()
		if sc.seen["net"] != 0 {
			t.Fatalf("%d events for substream net, want none", sc.seen["net"])
		}
	})

	t.Run("current then patch", func(t *testing.T) {
		resources := map[string]string{"net": "test-network-map"}
		sc := srv.openStream(t, client, fmt.Sprintf(`{"add": {"net": {"resource-id": "test-network-map", "tag": %q}}}`, tag), resources)
		sc.state["net"] = netmap // the client's own copy
		changed := topo.clone()
		changed.prefixes[2] = append(changed.prefixes[2], "10.2.7.0/24")
		srv.setTopology(t, changed)
		ev := sc.next()
		if !strings.HasPrefix(ev.Type, "application/merge-patch+json,") && !strings.HasPrefix(ev.Type, "application/json-patch+json,") {
			t.Fatalf("first event %q, want a patch of the client's version", ev.Type)
		}
		sc.apply(ev)
		sc.syncTo(srv.fetchAll(t, client))
		srv.setTopology(t, topo)
	})

	t.Run("stale", func(t *testing.T) {
		resources := map[string]string{"net": "test-network-map"}
		sc := srv.openStream(t, client, `{"add": {"net": {"resource-id": "test-network-map", "tag": "0123456789abcdef"}}}`, resources)
		if ev := sc.next(); ev.Type != alto.MediaTypeNetworkMap+",net" {
			t.Fatalf("first event %q, want a full replacement", ev.Type)
		}
	})
}

// TestStreamIncrementalChangesFalse checks that a substream that
// declines incremental changes gets only full replacements while another
// gets patches.
func TestStreamIncrementalChangesFalse(t *testing.T) {
	topo := baseTopology()
	srv := startServer(t, sse.Config{}, topo)
	client := newHTTPClient(t, false)
	resources := map[string]string{"net": "test-network-map", "routing": "routing-cost-map"}
	sc := srv.openStream(t, client, `{"add": {
	  "net": {"resource-id": "test-network-map", "incremental-changes": false},
	  "routing": {"resource-id": "routing-cost-map", "incremental-changes": true}}}`, resources)
	sc.syncTo(srv.fetchAll(t, client))
	netPatches := 0
	for i := range 5 {
		topo.prefixes[i] = append(topo.prefixes[i], fmt.Sprintf("10.%d.8.0/24", i))
		topo.metrics[[2]int{i, i + 1}] = 3 + i
		srv.setTopology(t, topo)
		want := srv.fetchAll(t, client)
		for !sc.equals(want) {
			ev := sc.next()
			if strings.HasSuffix(ev.Type, ",net") && ev.Type != alto.MediaTypeNetworkMap+",net" {
				netPatches++
			}
			sc.apply(ev)
		}
	}
	if netPatches != 0 {
		t.Errorf("%d incremental changes for substream net, want none", netPatches)
	}
	if sc.seen["net"] != 6 {
		t.Errorf("%d full replacements for substream net, want 6", sc.seen["net"])
	}
	if sc.patches == 0 {
		t.Errorf("no incremental change for substream routing, want some")
	}
}

// TestStreamRequestErrors checks the responses to invalid update stream
// requests: RFC 8895, Section 6.6 errors and HTTP errors.
func TestStreamRequestErrors(t *testing.T) {
	srv := startServer(t, sse.Config{MaxSubstreams: 2}, baseTopology())
	client := newHTTPClient(t, false)
	for _, tc := range []struct {
		name        string
		contentType string
		body        string
		status      int
		code        alto.ErrorCode
		field       string
		value       string
	}{
		{"unknown resource", alto.MediaTypeUpdateStreamParams, `{"add": {"x": {"resource-id": "nope"}}}`,
			400, alto.ErrInvalidFieldValue, "add/x/resource-id", "nope"},
		{"resource not in uses", alto.MediaTypeUpdateStreamParams, `{"add": {"x": {"resource-id": "filtered-cost-map"}}}`,
			400, alto.ErrInvalidFieldValue, "add/x/resource-id", "filtered-cost-map"},
		{"first invalid of two", alto.MediaTypeUpdateStreamParams, `{"add": {"b": {"resource-id": "nope-b"}, "a": {"resource-id": "nope-a"}}}`,
			400, alto.ErrInvalidFieldValue, "add/a/resource-id", "nope-a"},
		{"bad JSON", alto.MediaTypeUpdateStreamParams, `{"add": {`, 400, alto.ErrSyntax, "", ""},
		{"not an object", alto.MediaTypeUpdateStreamParams, `["add"]`, 400, alto.ErrSyntax, "", ""},
		{"null body", alto.MediaTypeUpdateStreamParams, `null`, 400, alto.ErrSyntax, "", ""},
		{"add missing", alto.MediaTypeUpdateStreamParams, `{"remove": []}`, 400, alto.ErrMissingField, "add", ""},
		{"add empty", alto.MediaTypeUpdateStreamParams, `{"add": {}}`, 400, alto.ErrMissingField, "add", ""},
		{"add not an object", alto.MediaTypeUpdateStreamParams, `{"add": ["net"]}`, 400, alto.ErrInvalidFieldType, "add", ""},
		{"invalid substream ID", alto.MediaTypeUpdateStreamParams, `{"add": {"a b": {"resource-id": "test-network-map"}}}`,
			400, alto.ErrInvalidFieldValue, "add", "a b"},
		{"entry not an object", alto.MediaTypeUpdateStreamParams, `{"add": {"net": "test-network-map"}}`,
			400, alto.ErrInvalidFieldType, "add/net", ""},
		{"resource-id missing", alto.MediaTypeUpdateStreamParams, `{"add": {"net": {"tag": "abc"}}}`,
			400, alto.ErrMissingField, "add/net/resource-id", ""},
		{"resource-id not a string", alto.MediaTypeUpdateStreamParams, `{"add": {"net": {"resource-id": 7}}}`,
			400, alto.ErrInvalidFieldType, "add/net/resource-id", ""},
		{"tag not a string", alto.MediaTypeUpdateStreamParams, `{"add": {"net": {"resource-id": "test-network-map", "tag": 1}}}`,
			400, alto.ErrInvalidFieldType, "add/net/tag", ""},
		{"tag invalid", alto.MediaTypeUpdateStreamParams, `{"add": {"net": {"resource-id": "test-network-map", "tag": "a b"}}}`,
			400, alto.ErrInvalidFieldValue, "add/net/tag", "a b"},
		{"incremental-changes not a boolean", alto.MediaTypeUpdateStreamParams,
			`{"add": {"net": {"resource-id": "test-network-map", "incremental-changes": "no"}}}`,
			400, alto.ErrInvalidFieldType, "add/net/incremental-changes", ""},
		{"input", alto.MediaTypeUpdateStreamParams, `{"add": {"net": {"resource-id": "test-network-map", "input": {"pids": []}}}}`,
			400, alto.ErrInvalidFieldValue, "add/net/input", ""},
		{"too many substreams", alto.MediaTypeUpdateStreamParams, `{"add": {
		  "a": {"resource-id": "test-network-map"}, "b": {"resource-id": "test-network-map"}, "c": {"resource-id": "test-network-map"}}}`,
			400, alto.ErrInvalidFieldValue, "add", "3"},
		{"wrong media type", "application/json", `{"add": {"net": {"resource-id": "test-network-map"}}}`, 415, 0, "", ""},
		{"control media type", alto.MediaTypeUpdateStreamControl, `{"add": {"net": {"resource-id": "test-network-map"}}}`, 415, 0, "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := srv.post(t, client, "/updates/stream", tc.contentType, tc.body)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, body)
			}
			if tc.code == 0 {
				return
			}
			e := decodeALTOError(t, resp, body)
			if e.Code != tc.code {
				t.Errorf("code %v, want %v: %s", e.Code, tc.code, body)
			}
			if e.Field != tc.field {
				t.Errorf("field %q, want %q", e.Field, tc.field)
			}
			if e.Value != tc.value {
				t.Errorf("value %q, want %q", e.Value, tc.value)
			}
		})
	}

	if got := srv.d.Handler().Rejections()[server.ReasonSubstreams]; got != 1 {
		t.Errorf("substreams rejections = %d, want 1 for the stream request over the limit", got)
	}
	t.Run("GET", func(t *testing.T) {
		resp, err := client.Get(srv.origin + "/updates/stream")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Fatalf("status %d, want 405", resp.StatusCode)
		}
	})
}

// TestControlErrors checks the responses to invalid stream control
// requests (RFC 8895, Section 7.6), and that they change nothing.
func TestControlErrors(t *testing.T) {
	srv := startServer(t, sse.Config{MaxSubstreams: 3}, baseTopology())
	client := newHTTPClient(t, false)
	resources := map[string]string{"net": "test-network-map", "routing": "routing-cost-map"}
	sc := srv.openStream(t, client, `{"add": {"net": {"resource-id": "test-network-map"}, "routing": {"resource-id": "routing-cost-map"}}}`, resources)
	sc.syncTo(srv.fetchAll(t, client))
	srv.mustControl(t, client, sc.controlURI, `{"add": {"hops": {"resource-id": "hop-cost-map"}}, "remove": ["routing"]}`)
	for _, want := range []string{"started", "data", "stopped"} {
		ev := sc.next()
		switch want {
		case "data":
			if ev.Type != alto.MediaTypeCostMap+",hops" {
				t.Fatalf("event %q, want the full cost map of hops", ev.Type)
			}
		default:
			ce := decodeControlEvent(t, ev)
			if (want == "started") != (ce.Started != nil) || (want == "stopped") != (ce.Stopped != nil) {
				t.Fatalf("control event %+v, want %s", ce, want)
			}
		}
	}

	for _, tc := range []struct {
		name   string
		body   string
		code   alto.ErrorCode
		field  string
		value  string
		status int
	}{
		{"reused substream ID", `{"add": {"routing": {"resource-id": "routing-cost-map"}}}`, alto.ErrInvalidFieldValue, "add", "routing", 400},
		{"remove never added", `{"remove": ["properties"]}`, alto.ErrInvalidFieldValue, "remove", "properties", 400},
		{"add and remove same ID", `{"add": {"new": {"resource-id": "routing-cost-map"}}, "remove": ["new"]}`,
			alto.ErrInvalidFieldValue, "remove", "new", 400},
		{"add with empty remove", `{"add": {"new": {"resource-id": "routing-cost-map"}}, "remove": []}`,
			alto.ErrInvalidFieldValue, "remove", "[]", 400},
		{"unknown resource", `{"add": {"new": {"resource-id": "nope"}}}`, alto.ErrInvalidFieldValue, "add/new/resource-id", "nope", 400},
		{"too many substreams", `{"add": {"x": {"resource-id": "routing-cost-map"}, "y": {"resource-id": "routing-cost-map"}}}`,
			alto.ErrInvalidFieldValue, "add", "4", 400},
		{"neither add nor remove", `{}`, alto.ErrMissingField, "add", "", 400},
		{"remove not an array", `{"remove": "net"}`, alto.ErrInvalidFieldType, "remove", "", 400},
		{"remove element not a string", `{"remove": [1]}`, alto.ErrInvalidFieldType, "remove", "", 400},
		{"bad JSON", `{"remove": [`, alto.ErrSyntax, "", "", 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := srv.post(t, client, sc.controlURI, alto.MediaTypeUpdateStreamParams, tc.body)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, body)
			}
			e := decodeALTOError(t, resp, body)
			if e.Code != tc.code || e.Field != tc.field || e.Value != tc.value {
				t.Fatalf("error %v field %q value %q, want %v field %q value %q", e.Code, e.Field, e.Value, tc.code, tc.field, tc.value)
			}
		})
	}
	if got := srv.d.Handler().Rejections()[server.ReasonSubstreams]; got != 1 {
		t.Errorf("substreams rejections = %d, want 1 for the control request over the limit", got)
	}

	t.Run("wrong media type", func(t *testing.T) {
		resp, body := srv.post(t, client, sc.controlURI, "application/json", `{"remove": ["net"]}`)
		if resp.StatusCode != http.StatusUnsupportedMediaType {
			t.Fatalf("status %d, want 415: %s", resp.StatusCode, body)
		}
	})
	t.Run("GET", func(t *testing.T) {
		resp, err := client.Get(sc.controlURI)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Fatalf("status %d, want 405", resp.StatusCode)
		}
	})
	t.Run("unknown stream", func(t *testing.T) {
		for _, uri := range []string{"/updates/control/00112233445566778899aabbccddeeff", "/updates/control/", sc.controlURI + "/x"} {
			if status, body := srv.control(t, client, uri, `{"remove": ["net"]}`); status != http.StatusNotFound {
				t.Errorf("%s: status %d, want 404: %s", uri, status, body)
			}
		}
	})

	// Removing a stopped substream again is allowed (Section 7.6), and
	// the errors above changed nothing: net and hops are still active.
	srv.mustControl(t, client, sc.controlURI, `{"remove": ["routing"]}`)
	srv.mustControl(t, client, sc.controlURI, `{"add": {"control-type": {"resource-id": "ordinal-cost-map"}}}`)
	if ce := decodeControlEvent(t, sc.next()); !slices.Equal(ce.Started, []string{"control-type"}) {
		t.Fatalf("control event %+v, want started [control-type]", ce)
	}
	sc.next()
	srv.mustControl(t, client, sc.controlURI, `{"remove": []}`)
	if ce := decodeControlEvent(t, sc.next()); !slices.Equal(ce.Stopped, []string{"control-type", "hops", "net"}) {
		t.Fatalf("control event %+v, want stopped control-type, hops and net", ce)
	}
	sc.expectEnd()
}

// TestControlMediaTypes checks that a control request may be labelled
// with the control event type as well as the request type.
func TestControlMediaTypes(t *testing.T) {
	srv := startServer(t, sse.Config{}, baseTopology())
	client := newHTTPClient(t, false)
	sc := srv.openStream(t, client, `{"add": {"net": {"resource-id": "test-network-map"}}}`,
		map[string]string{"net": "test-network-map"})
	resp, body := srv.post(t, client, sc.controlURI, alto.MediaTypeUpdateStreamControl+"; charset=utf-8", `{"remove": ["net"]}`)
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("status %d, want 204: %s", resp.StatusCode, body)
	}
}

// TestStreamLimits checks the limits on open streams: a stream over the
// limit gets 503 with Retry-After, and one that ends frees its place.
func TestStreamLimits(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  sse.Config
	}{
		{"per client", sse.Config{MaxStreamsPerClient: 1}},
		{"total", sse.Config{MaxStreams: 1, MaxStreamsPerClient: 5}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := startServer(t, tc.cfg, baseTopology())
			client := newHTTPClient(t, false)
			const body = `{"add": {"net": {"resource-id": "test-network-map"}}}`
			sc := srv.openStream(t, client, body, map[string]string{"net": "test-network-map"})

			resp, data := srv.post(t, client, "/updates/stream", alto.MediaTypeUpdateStreamParams, body)
			if resp.StatusCode != http.StatusServiceUnavailable {
				t.Fatalf("status %d, want 503: %s", resp.StatusCode, data)
			}
			if resp.Header.Get("Retry-After") == "" {
				t.Errorf("no Retry-After header")
			}
			if got := srv.d.Handler().Rejections()[server.ReasonUpdateStreams]; got != 1 {
				t.Errorf("%d rejections counted as %s, want 1", got, server.ReasonUpdateStreams)
			}

			sc.apply(sc.next())
			srv.mustControl(t, client, sc.controlURI, `{"remove": []}`)
			decodeControlEvent(t, sc.next())
			sc.expectEnd()
			srv.openStream(t, client, body, map[string]string{"net": "test-network-map"})
		})
	}
}

// TestStreamKeepAlive checks that an idle stream sends keep-alive
// comments.
func TestStreamKeepAlive(t *testing.T) {
	srv := startServer(t, sse.Config{KeepAlive: time.Millisecond}, baseTopology())
	client := newHTTPClient(t, false)
	sc := srv.openStream(t, client, `{"add": {"net": {"resource-id": "test-network-map"}}}`,
		map[string]string{"net": "test-network-map"})
	sc.apply(sc.next())
	for range 3 {
		ev, err := sc.events.Next()
		if err != nil {
			t.Fatal(err)
		}
		if ev.Comment != "keep-alive" {
			t.Fatalf("event %+v on an idle stream, want a keep-alive comment", ev)
		}
	}
}

// TestStreamServerShutdown checks that a shutdown stops every substream
// with a description and ends the stream, so that it does not wait for
// its deadline.
func TestStreamServerShutdown(t *testing.T) {
	for _, h2c := range []bool{false, true} {
		t.Run(fmt.Sprintf("h2c=%v", h2c), func(t *testing.T) {
			srv := startServer(t, sse.Config{}, baseTopology())
			client := newHTTPClient(t, h2c)
			sc := srv.openStream(t, client, allSubstreams, allResources)
			sc.syncTo(srv.fetchAll(t, client))

			ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
			defer cancel()
			if err := srv.d.Shutdown(ctx); err != nil {
				t.Fatalf("shutdown: %v", err)
			}
			ce := decodeControlEvent(t, sc.next())
			if len(ce.Stopped) != len(allResources) || ce.Description == "" {
				t.Fatalf("control event %+v, want every substream stopped with a description", ce)
			}
			sc.expectEnd()
		})
	}
}

// TestStreamClientGone checks that a stream whose client went away ends
// and frees its place and its control URI.
func TestStreamClientGone(t *testing.T) {
	srv := startServer(t, sse.Config{MaxStreamsPerClient: 1}, baseTopology())
	client := newHTTPClient(t, false)
	const body = `{"add": {"net": {"resource-id": "test-network-map"}}}`
	sc := srv.openStream(t, client, body, map[string]string{"net": "test-network-map"})
	sc.apply(sc.next())
	sc.resp.Body.Close()

	// The server notices the closed connection at its next read or
	// write, which takes a moment.
	// The invalid request below makes the stream check its state without
	// writing, so only the closed connection can end the stream.
	deadline := time.Now().Add(time.Minute)
	for {
		status, data := srv.control(t, client, sc.controlURI, `{"remove": ["never-added"]}`)
		if status == http.StatusNotFound {
			break
		}
		if status != http.StatusBadRequest || time.Now().After(deadline) {
			t.Fatalf("control request after the client left: status %d: %s", status, data)
		}
		time.Sleep(10 * time.Millisecond)
	}
	sc2 := srv.openStream(t, client, body, map[string]string{"net": "test-network-map"})
	sc2.apply(sc2.next())
}

// TestStreamReloadDropsResources checks that a reload that drops a
// resource from the uses list stops its substream with a description,
// and that one that drops the update stream resource ends the stream.
func TestStreamReloadDropsResources(t *testing.T) {
	// Removing the update stream resource changes no offered resource, so
	// the stream notices it at its next keep-alive.
	srv := startServer(t, sse.Config{KeepAlive: time.Millisecond}, baseTopology())
	client := newHTTPClient(t, false)
	sc := srv.openStream(t, client, allSubstreams, allResources)
	sc.syncTo(srv.fetchAll(t, client))

	srv.writeFile(t, "network.yaml", strings.Replace(testDefinition, ", hop-cost-map, ordinal-cost-map]", ", ordinal-cost-map]", 1))
	if err := srv.d.Reload(); err != nil {
		t.Fatal(err)
	}
	ce := decodeControlEvent(t, sc.next())
	if !slices.Equal(ce.Stopped, []string{"hops"}) || !strings.Contains(ce.Description, "hop-cost-map") {
		t.Fatalf("control event %+v, want hops stopped with a description naming hop-cost-map", ce)
	}

	var withoutStream []string
	for _, line := range strings.Split(testDefinition, "\n") {
		if !strings.Contains(line, "type: update-stream") {
			withoutStream = append(withoutStream, line)
		}
	}
	srv.writeFile(t, "network.yaml", strings.Join(withoutStream, "\n"))
	if err := srv.d.Reload(); err != nil {
		t.Fatal(err)
	}
	ce = decodeControlEvent(t, sc.next())
	if !slices.Equal(ce.Stopped, []string{"net", "ordinal", "routing"}) || ce.Description == "" {
		t.Fatalf("control event %+v, want the other substreams stopped with a description", ce)
	}
	sc.expectEnd()
}
