package altostats_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/altostats"
	"github.com/goalto/goalto/internal/daemon"
	"github.com/goalto/goalto/internal/restconf"
	"github.com/goalto/goalto/internal/sse"
	"github.com/goalto/goalto/internal/tips"
)

// testServer is a daemon of the built-in network with statistics served
// over RESTCONF on its management listener.
type testServer struct {
	d        *daemon.Daemon
	origin   string // of the ALTO listener
	mgmt     string // of the management listener
	stats    *altostats.Collector
	events   *restconf.Events
	shutdown func()
}

func startServer(t *testing.T, maxStreams int) *testServer {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	ts := &testServer{stats: altostats.New(altostats.Config{}), events: restconf.NewEvents(logger)}
	sseCfg := sse.Config{
		MaxStreams: maxStreams,
		Registered: func(s *sse.Service) { ts.stats.AddStreams(s.Streams) },
		OnStreamLimit: func(id string, limit int) {
			ts.events.ResourceLimit(restconf.ResourceEvent{ResourceID: id, UpdStreamThreshold: uint64(limit)})
		},
	}
	rc := restconf.New(restconf.Config{State: ts.stats, Events: ts.events, Logger: logger})
	handlers := map[string]http.Handler{}
	for _, p := range restconf.Patterns() {
		handlers[p] = rc
	}
	d, err := daemon.Start(daemon.Config{
		Listen: "127.0.0.1:0", ManagementListen: "127.0.0.1:0", ReloadInterval: -1, Logger: logger,
		Stats: ts.stats, ManagementHandlers: handlers,
		Services: daemon.ServicesWith(sseCfg, tips.Register),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Shutdown(context.Background()) })
	ts.d = d
	ts.origin = "http://" + d.Addr().String()
	ts.mgmt = "http://" + d.ManagementAddr().String()
	return ts
}

func send(t *testing.T, method, url, contentType, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, data
}

// altoStats is the nonconfig part of ietf-alto:alto with statistics.
type altoStats struct {
	Alto struct {
		Server struct {
			Stats    map[string]any `json:"ietf-alto-stats:server-level-stats"`
			Resource []struct {
				ID    string         `json:"resource-id"`
				Stats map[string]any `json:"ietf-alto-stats:resource-level-stats"`
			} `json:"resource"`
		} `json:"alto-server"`
	} `json:"ietf-alto:alto"`
}

func (ts *testServer) readStats(t *testing.T) (server map[string]any, resources map[string]map[string]any) {
	t.Helper()
	status, body := send(t, "GET", ts.mgmt+"/restconf/data/ietf-alto:alto?content=nonconfig", "", "")
	if status != http.StatusOK {
		t.Fatalf("RESTCONF GET: status %d: %s", status, body)
	}
	var v altoStats
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatal(err)
	}
	resources = map[string]map[string]any{}
	for _, r := range v.Alto.Server.Resource {
		resources[r.ID] = r.Stats
	}
	return v.Alto.Server.Stats, resources
}

// waitStats reads the statistics until the server has counted n
// requests, because a request is counted after its response has been
// sent. It fails after a minute.
func (ts *testServer) waitStats(t *testing.T, n int) (server map[string]any, resources map[string]map[string]any) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		server, resources = ts.readStats(t)
		if server["num-total-req"] == strconv.Itoa(n) {
			return server, resources
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server counted %v requests after a minute, want %d", server["num-total-req"], n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestCountersMatchRequests(t *testing.T) {
	ts := startServer(t, 0)
	var mapBody []byte
	requests := []struct {
		method, path, contentType, body string
		status                          int
	}{
		{"GET", "/networkmap", "", "", 200},
		{"GET", "/networkmap", "", "", 200},
		{"GET", "/networkmap", "", "", 200},
		{"GET", "/costmap/num/hopcount", "", "", 200},
		{"GET", "/costmap/num/hopcount", "", "", 200},
		{"POST", "/networkmap/filtered", alto.MediaTypeNetworkMapFilter, `{"pids": [`, 400},
		{"GET", "/no-such-resource", "", "", 404},
	}
	for _, rq := range requests {
		status, body := send(t, rq.method, ts.origin+rq.path, rq.contentType, rq.body)
		if status != rq.status {
			t.Fatalf("%s %s: status %d, want %d", rq.method, rq.path, status, rq.status)
		}
		if rq.path == "/networkmap" {
			mapBody = body
		}
	}
	server, resources := ts.waitStats(t, len(requests))
	snap := ts.d.Handler().Snapshot()

	checks := []struct {
		name string
		got  any
		want string
	}{
		{"server requests", server["num-total-req"], "7"},
		{"server successes", server["num-total-succ"], "5"},
		{"server failures", server["num-total-fail"], "2"},
		{"server window requests", server["num-total-last-req"], "7"},
		{"network map requests", resources["lhcone-network-map"]["num-res-req"], "3"},
		{"network map successes", resources["lhcone-network-map"]["num-res-succ"], "3"},
		{"network map encoded size", resources["lhcone-network-map"]["res-enc-size"], strconv.Itoa(len(mapBody))},
		{"network map PIDs", resources["lhcone-network-map"]["network-map-stats"].(map[string]any)["num-map-pid"], strconv.Itoa(snap.Stats.PIDs)},
		{"network map versions", resources["lhcone-network-map"]["num-res-upd"], "0"},
		{"cost map requests", resources["num-hop-cost-map"]["num-res-req"], "2"},
		{"filtered map failures", resources["filtered-network-map"]["num-res-fail"], "1"},
		{"filtered map successes", resources["filtered-network-map"]["num-res-succ"], "0"},
		{"endpoint cost requests", resources["endpoint-cost"]["num-res-req"], "0"},
		{"endpoint property entries", resources["endpoint-property"]["endpoint-prop-stats"].(map[string]any)["num-map-entry"], strconv.Itoa(snap.EndpointPropertyEntries())},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if c.got != c.want {
				t.Errorf("got %v, want %s", c.got, c.want)
			}
		})
	}
	named := 0
	for _, r := range snap.Resources {
		if r.ID != "" {
			named++
		}
	}
	if len(resources) != named {
		t.Errorf("%d resources with statistics, want %d, one per resource with an ID", len(resources), named)
	}
}

// openStream opens an update stream of the network map and returns
// its body after the first data event.
func openStream(t *testing.T, origin string) io.ReadCloser {
	t.Helper()
	req, _ := http.NewRequest("POST", origin+"/updates/stream", strings.NewReader(`{"add": {"m": {"resource-id": "lhcone-network-map"}}}`))
	req.Header.Set("Content-Type", alto.MediaTypeUpdateStreamParams)
	req.Header.Set("Accept", alto.MediaTypeEventStream+","+alto.MediaTypeError)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("opening an update stream: status %d", resp.StatusCode)
	}
	rd := bufio.NewReader(resp.Body)
	for {
		line, err := rd.ReadString('\n')
		if err != nil {
			t.Fatalf("reading the update stream: %v", err)
		}
		if strings.HasPrefix(line, "event: application/alto-networkmap+json") {
			return resp.Body
		}
	}
}

func TestUpdateStreamStatsAndLimitEvent(t *testing.T) {
	ts := startServer(t, 1)
	// Subscribe to the RESTCONF event stream before the limit is reached.
	req, _ := http.NewRequest("GET", ts.mgmt+restconf.StreamPath, nil)
	events, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer events.Body.Close()
	if events.StatusCode != http.StatusOK {
		t.Fatalf("event stream: status %d", events.StatusCode)
	}

	openStream(t, ts.origin)

	line, err := bufio.NewReader(events.Body).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(line, `"ietf-alto:alto-resource-event":{"notify-upd-stream-threshold":"1","resource-id":"update-stream"}`) {
		t.Errorf("event %s", line)
	}
	_, resources := ts.readStats(t)
	upd, _ := resources["update-stream"]["upd-stream-stats"].(map[string]any)
	for _, c := range []struct{ name, want string }{
		{"num-upd-stream", "1"}, {"num-upd-msg-total", "1"}, {"num-upd-msg-max", "1"}, {"num-upd-msg-min", "1"},
	} {
		if upd[c.name] != c.want {
			t.Errorf("%s = %v, want %s (upd-stream-stats %v)", c.name, upd[c.name], c.want, upd)
		}
	}
}
