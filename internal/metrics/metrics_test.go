package metrics_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/alttest"
	"github.com/goalto/goalto/internal/daemon"
	"github.com/goalto/goalto/internal/metrics"
	"github.com/goalto/goalto/internal/netdef"
	"github.com/goalto/goalto/internal/server"
	"github.com/goalto/goalto/internal/snapshot"
	"github.com/goalto/goalto/internal/sse"
	"github.com/goalto/goalto/internal/tips"
)

// definitionText is the network definition of the tests: four topology
// nodes with prefixes become PIDs, and every resource is a default one,
// update stream and TIPS included.
const definitionText = `network-map:
  resource-id: test-network-map
topology: topology.yaml
`

// topologyText is the topology; %s is the prefix list of node c, which
// tests change to change the network map.
const topologyText = `nodes:
  - {id: a, prefixes: [192.0.2.0/25]}
  - {id: b, prefixes: [192.0.2.128/25]}
  - {id: c, prefixes: %s}
  - {id: d, prefixes: [203.0.113.0/24]}
links:
  - {from: a, to: b, metric: 10}
  - {from: b, to: c, metric: 5}
  - {from: a, to: c, metric: 20}
`

// harness is a daemon with metrics on a management listener, and a
// client that leaves compression off, so that body sizes are the sizes
// sent.
type harness struct {
	d                                            *daemon.Daemon
	definition, topology                         string
	origin, management                           string
	client                                       *http.Client
	networkMap, endpointCost, updateStream, tips *snapshot.Resource
}

func start(t *testing.T) *harness {
	t.Helper()
	dir := t.TempDir()
	h := &harness{definition: filepath.Join(dir, "network.yaml"), topology: filepath.Join(dir, "topology.yaml")}
	writeFile(t, h.topology, fmt.Sprintf(topologyText, "[198.51.100.0/24]"))
	writeFile(t, h.definition, definitionText)

	reg := metrics.New()
	h.d = alttest.StartConfig(t, daemon.Config{
		Definition:       h.definition,
		Metrics:          reg,
		ManagementListen: "127.0.0.1:0",
		// As altod does: the TIPS service registered last replaces the
		// one of DefaultServices, so that its views are counted.
		// The same holds for the update stream service, whose streams
		// are counted.
		Services: append(daemon.DefaultServices(), reg.TIPSRegistrar(tips.Config{}), sse.NewRegistrar(sse.Config{Registered: reg.UpdateStreams})),
	})
	h.origin = "http://" + h.d.Addr().String()
	h.management = "http://" + h.d.ManagementAddr().String()
	tr := &http.Transport{DisableCompression: true}
	t.Cleanup(tr.CloseIdleConnections)
	h.client = &http.Client{Transport: tr}

	for _, r := range h.d.Handler().Snapshot().Resources {
		switch r.Type {
		case netdef.TypeNetworkMap:
			h.networkMap = r
		case netdef.TypeEndpointCost:
			h.endpointCost = r
		case netdef.TypeUpdateStream:
			h.updateStream = r
		case netdef.TypeTIPS:
			h.tips = r
		}
	}
	if h.networkMap == nil || h.endpointCost == nil || h.updateStream == nil || h.tips == nil {
		t.Fatal("the default resources lack a network map, endpoint cost, update stream or TIPS resource")
	}
	return h
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// do sends a request and returns the response with its whole body.
func (h *harness) do(t *testing.T, method, url, contentType, body string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := h.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", method, url, err)
	}
	return resp, data
}

// scrape fetches /metrics in the text format and parses it.
func (h *harness) scrape(t *testing.T) scraped {
	t.Helper()
	resp, err := h.client.Get(h.management + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: status %d", resp.StatusCode)
	}
	parser := expfmt.NewTextParser(model.LegacyValidation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parsing /metrics: %v", err)
	}
	return families
}

// scraped is a parsed scrape by metric name.
type scraped map[string]*dto.MetricFamily

// find returns the series of a metric whose labels include the given
// name and value pairs, or nil.
func (s scraped) find(name string, labels ...string) *dto.Metric {
	f := s[name]
	if f == nil {
		return nil
	}
	for _, m := range f.GetMetric() {
		have := map[string]string{}
		for _, l := range m.GetLabel() {
			have[l.GetName()] = l.GetValue()
		}
		match := true
		for i := 0; i+1 < len(labels); i += 2 {
			match = match && have[labels[i]] == labels[i+1]
		}
		if match {
			return m
		}
	}
	return nil
}

// value returns the value of a counter or gauge series, 0 when absent.
func (s scraped) value(name string, labels ...string) float64 {
	m := s.find(name, labels...)
	switch {
	case m == nil:
		return 0
	case m.Counter != nil:
		return m.GetCounter().GetValue()
	default:
		return m.GetGauge().GetValue()
	}
}

// sum returns the sum of every series of a counter.
func (s scraped) sum(name string) float64 {
	total := 0.0
	for _, m := range s[name].GetMetric() {
		total += m.GetCounter().GetValue()
	}
	return total
}

// waitScrape scrapes until cond holds, because a request is counted
// after its response has been sent. It fails after a minute.
func (h *harness) waitScrape(t *testing.T, what string, cond func(scraped) bool) scraped {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		s := h.scrape(t)
		if cond(s) {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitValue scrapes until read returns want, and fails after a minute
// with the last value read. The server updates the series of a request
// one after another, so a scrape can show a request counted before its
// duration or bytes.
func (h *harness) waitValue(t *testing.T, what string, read func(scraped) float64, want float64) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		got := read(h.scrape(t))
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s = %v, want %v", what, got, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestScrapeCountsRequests(t *testing.T) {
	h := start(t)
	const gets, badPosts = 3, 2
	networkMapBytes, errorBytes := 0, 0
	for range gets {
		resp, body := h.do(t, http.MethodGet, h.origin+h.networkMap.Path, "", "")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: status %d", h.networkMap.Path, resp.StatusCode)
		}
		networkMapBytes += len(body)
	}
	for range badPosts {
		resp, body := h.do(t, http.MethodPost, h.origin+h.endpointCost.Path, alto.MediaTypeEndpointCostParams, "{")
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "E_SYNTAX") {
			t.Fatalf("POST %s with a syntax error: status %d: %s", h.endpointCost.Path, resp.StatusCode, body)
		}
		errorBytes += len(body)
	}
	if resp, _ := h.do(t, http.MethodGet, h.origin+"/no/such/resource", "", ""); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("GET of an unknown path: status %d, want 404", resp.StatusCode)
	}

	const requests = "alto_http_requests_total"
	counts := []struct {
		name   string
		metric string
		labels []string
		want   float64
	}{
		{"all requests", requests, nil, gets + badPosts + 1},
		{"network map GETs", requests, []string{"resource", h.networkMap.ID, "method", "GET", "status_class", "2xx"}, gets},
		{"bad POSTs", requests, []string{"resource", h.endpointCost.ID, "method", "POST", "status_class", "4xx"}, badPosts},
		{"unknown path", requests, []string{"resource", "unknown", "method", "GET", "status_class", "4xx"}, 1},
		{"all ALTO errors", "alto_http_errors_total", nil, badPosts},
		{"syntax errors", "alto_http_errors_total", []string{"resource", h.endpointCost.ID, "code", "E_SYNTAX"}, badPosts},
		{"network map bytes", "alto_http_response_bytes_total", []string{"resource", h.networkMap.ID}, float64(networkMapBytes)},
		{"error bytes", "alto_http_response_bytes_total", []string{"resource", h.endpointCost.ID}, float64(errorBytes)},
	}
	for _, c := range counts {
		t.Run(c.name, func(t *testing.T) {
			read := func(s scraped) float64 {
				if c.labels == nil {
					return s.sum(c.metric)
				}
				return s.value(c.metric, c.labels...)
			}
			h.waitValue(t, fmt.Sprintf("%s%v", c.metric, c.labels), read, c.want)
		})
	}
	t.Run("durations", func(t *testing.T) {
		for id, want := range map[string]uint64{h.networkMap.ID: gets, h.endpointCost.ID: badPosts, "unknown": 1} {
			read := func(s scraped) float64 {
				m := s.find("alto_http_request_duration_seconds", "resource", id)
				return float64(m.GetHistogram().GetSampleCount())
			}
			h.waitValue(t, "duration samples of "+id, read, float64(want))
		}
	})
}

func TestScrapeSnapshotSizes(t *testing.T) {
	h := start(t)
	snap := h.d.Handler().Snapshot()
	s := h.scrape(t)
	gauges := []struct {
		metric string
		want   float64
	}{
		{"alto_snapshot_pids", float64(snap.Stats.PIDs)},
		{"alto_snapshot_prefixes", float64(snap.Stats.Prefixes)},
		{"alto_snapshot_build_duration_seconds", snap.Stats.BuildTime.Seconds()},
	}
	for _, g := range gauges {
		if got := s.value(g.metric); got != g.want {
			t.Errorf("%s = %v, want %v", g.metric, got, g.want)
		}
	}
	if snap.Stats.PIDs != 4 {
		t.Errorf("the test network has %d PIDs, want the 4 nodes with prefixes", snap.Stats.PIDs)
	}
	if s.value("alto_daemon_last_reload_success_timestamp_seconds") < float64(snap.Built.Unix()) {
		t.Errorf("last success timestamp %v is before the snapshot was built (%d)",
			s.value("alto_daemon_last_reload_success_timestamp_seconds"), snap.Built.Unix())
	}

	// The entries of the cost map of each cost type are those of the
	// full cost map resource that serves it.
	served := 0
	for _, r := range snap.Resources {
		if r.Type != netdef.TypeCostMap {
			continue
		}
		costType := r.CostTypes[0]
		served++
		t.Run(r.ID, func(t *testing.T) {
			resp, body := h.do(t, http.MethodGet, h.origin+r.Path, "", "")
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: status %d", r.Path, resp.StatusCode)
			}
			var cm alto.CostMap
			if err := json.Unmarshal(body, &cm); err != nil {
				t.Fatal(err)
			}
			entries := 0
			for _, row := range cm.CostMap {
				entries += len(row)
			}
			if got := s.value("alto_snapshot_cost_map_entries", "cost_type", costType); got != float64(entries) {
				t.Errorf("entries of cost type %s = %v, want the %d of the GET response", costType, got, entries)
			}
			if got := s.value("alto_snapshot_cost_map_pids", "cost_type", costType); got != float64(len(cm.CostMap)) {
				t.Errorf("PIDs of cost type %s = %v, want the %d sources of the GET response", costType, got, len(cm.CostMap))
			}
		})
	}
	if served != len(snap.CostMaps) {
		t.Fatalf("%d full cost map resources for %d cost types; the test covers only served ones", served, len(snap.CostMaps))
	}
	if got := len(s["alto_snapshot_cost_map_entries"].GetMetric()); got != len(snap.CostMaps) {
		t.Errorf("%d cost map entries series, want one per cost type (%d)", got, len(snap.CostMaps))
	}
}

func TestScrapeReloadResults(t *testing.T) {
	h := start(t)
	before := float64(time.Now().UnixNano()) / 1e9
	if err := h.d.Reload(); err != nil {
		t.Fatalf("Reload of an unchanged definition: %v", err)
	}
	writeFile(t, h.definition, definitionText+"unknown-field: 1\n")
	if err := h.d.Reload(); err == nil {
		t.Fatal("Reload of an invalid definition succeeded")
	}

	s := h.scrape(t)
	results := []struct {
		result string
		want   float64
	}{
		{metrics.ReloadOK, 1},
		{metrics.ReloadFailed, 1},
	}
	for _, r := range results {
		if got := s.value("alto_daemon_reloads_total", "result", r.result); got != r.want {
			t.Errorf("reloads with result %s = %v, want %v", r.result, got, r.want)
		}
	}
	if got := s.value("alto_daemon_last_reload_success_timestamp_seconds"); got < before {
		t.Errorf("last success timestamp %v is before the successful reload at %v", got, before)
	}
	if got := s.value("alto_snapshot_pids"); got != 4 {
		t.Errorf("PIDs after a failed reload = %v, want the 4 of the maps still served", got)
	}
}

func TestHealthEndpoints(t *testing.T) {
	h := start(t)
	tests := []struct {
		name, method, url string
		status            int
		body              string // expected body prefix; "" to skip
	}{
		{"healthz", http.MethodGet, h.management + daemon.HealthzPath, http.StatusOK, "ok\n"},
		{"readyz", http.MethodGet, h.management + daemon.ReadyzPath, http.StatusOK, "ready\n"},
		{"readyz HEAD", http.MethodHead, h.management + daemon.ReadyzPath, http.StatusOK, ""},
		{"readyz POST", http.MethodPost, h.management + daemon.ReadyzPath, http.StatusMethodNotAllowed, ""},
		{"metrics", http.MethodGet, h.management + daemon.MetricsPath, http.StatusOK, "# HELP "},
		{"no metrics on the ALTO port", http.MethodGet, h.origin + daemon.MetricsPath, http.StatusNotFound, ""},
		{"no health on the ALTO port", http.MethodGet, h.origin + daemon.HealthzPath, http.StatusNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := h.do(t, tt.method, tt.url, "", "")
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, body)
			}
			if !strings.HasPrefix(string(body), tt.body) {
				t.Errorf("body %q, want it to start with %q", body, tt.body)
			}
		})
	}
}

// event is one server-sent event.
type event struct{ typ, data string }

// readEvent reads the next event, skipping comments.
func readEvent(br *bufio.Reader) (event, error) {
	var ev event
	var data []string
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return ev, err
		}
		line = strings.TrimRight(line, "\r\n")
		switch {
		case line == "" && (ev.typ != "" || data != nil):
			ev.data = strings.Join(data, "\n")
			return ev, nil
		case strings.HasPrefix(line, "event:"):
			ev.typ = strings.TrimSpace(strings.TrimPrefix(line, "event:"))
		case strings.HasPrefix(line, "data:"):
			data = append(data, strings.TrimPrefix(strings.TrimPrefix(line, "data:"), " "))
		}
	}
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// TestUpdateStreamThroughObserver opens an update stream while the
// observer wraps every response writer. Small patch events arrive only
// if each flush reaches the connection.
func TestUpdateStreamThroughObserver(t *testing.T) {
	h := start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	body := fmt.Sprintf(`{"add":{"net":{"resource-id":%q}}}`, h.networkMap.ID)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.origin+h.updateStream.Path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", alto.MediaTypeUpdateStreamParams)
	resp, err := h.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		data, _ := io.ReadAll(resp.Body)
		t.Fatalf("opening the stream: status %d: %s", resp.StatusCode, data)
	}
	counted := &countingReader{r: resp.Body}
	br := bufio.NewReader(counted)

	// The stream starts with its control URI and the full network map.
	if ev, err := readEvent(br); err != nil || ev.typ != alto.MediaTypeUpdateStreamControl {
		t.Fatalf("first event %+v, %v; want the control event", ev, err)
	}
	if ev, err := readEvent(br); err != nil || ev.typ != alto.MediaTypeNetworkMap+",net" {
		t.Fatalf("second event %+v, %v; want the full network map", ev, err)
	}

	if got := h.scrape(t).value("alto_sse_open_streams"); got != 1 {
		t.Errorf("alto_sse_open_streams = %v with one stream open, want 1", got)
	}

	// A reload that moves a prefix sends a patch of a few hundred bytes.
	writeFile(t, h.topology, fmt.Sprintf(topologyText, "[198.51.100.0/25]"))
	if err := h.d.Reload(); err != nil {
		t.Fatalf("Reload: %v", err)
	}
	ev, err := readEvent(br)
	if err != nil {
		t.Fatalf("reading the patch event: %v", err)
	}
	if ev.typ != alto.MediaTypeMergePatch+",net" && ev.typ != alto.MediaTypeJSONPatch+",net" {
		t.Fatalf("event after the reload %q, want a patch of substream net", ev.typ)
	}
	if !strings.Contains(ev.data, "198.51.100.0/25") {
		t.Errorf("patch %s does not carry the new prefix", ev.data)
	}

	// The stream is counted when it ends.
	cancel()
	// The response bytes are the last series that the server updates
	// for a request.
	s := h.waitScrape(t, "the closed stream counted", func(s scraped) bool {
		return s.value("alto_http_requests_total", "resource", h.updateStream.ID) > 0 &&
			s.value("alto_http_response_bytes_total", "resource", h.updateStream.ID) > 0
	})
	if got := s.value("alto_http_requests_total", "resource", h.updateStream.ID, "method", "POST", "status_class", "2xx"); got != 1 {
		t.Errorf("update stream requests = %v, want 1 with status 2xx", got)
	}
	if got := s.value("alto_http_response_bytes_total", "resource", h.updateStream.ID); got < float64(counted.n) {
		t.Errorf("update stream bytes = %v, want at least the %d bytes read", got, counted.n)
	}
}

func TestScrapeTIPSViews(t *testing.T) {
	h := start(t)
	if got := h.scrape(t).value("alto_tips_open_views"); got != 0 {
		t.Fatalf("open views before any request = %v, want 0", got)
	}
	body := fmt.Sprintf(`{"resource-id":%q}`, h.networkMap.ID)
	resp, data := h.do(t, http.MethodPost, h.origin+h.tips.Path, alto.MediaTypeTIPSParams, body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("opening a TIPS view: status %d: %s", resp.StatusCode, data)
	}
	s := h.scrape(t)
	if got := s.value("alto_tips_open_views"); got != 1 {
		t.Errorf("open views = %v, want 1", got)
	}
	if s.find("alto_tips_pending_long_polls") == nil {
		t.Error("alto_tips_pending_long_polls is not exported")
	}
}

func TestLabelsIgnoreClientInput(t *testing.T) {
	h := start(t)
	hostile := []struct{ method, path, contentType, body string }{
		{"BREW", "/coffee-pot", "", ""},
		{"GET", "/networkmap/../../etc/passwd?x=1", "", ""},
		{"GET", "/" + strings.Repeat("a", 300), "", ""},
		{"POST", h.endpointCost.Path, "text/evil", "{}"},
		{"POST", h.endpointCost.Path, alto.MediaTypeEndpointCostParams, `{"cost-type": {"cost-mode": "x-made-up", "cost-metric": "evil"}}`},
		{"PATCH", h.networkMap.Path, "application/x-anything", "zzz"},
	}
	for _, rq := range hostile {
		h.do(t, rq.method, h.origin+rq.path, rq.contentType, rq.body)
	}
	s := h.waitScrape(t, "every request counted", func(s scraped) bool {
		return s.sum("alto_http_requests_total") >= float64(len(hostile))
	})

	resources := map[string]bool{server.ResourceUnknown: true}
	for _, r := range h.d.Handler().Snapshot().Resources {
		resources[r.ID] = true
		resources[r.Path] = true // the root directory has no ID
	}
	allowed := map[string]func(string) bool{
		"resource": func(v string) bool { return resources[v] || strings.HasPrefix(v, sse.DefaultControlPrefix) },
		"method": func(v string) bool {
			return slices.Contains([]string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "CONNECT", "OPTIONS", "TRACE", server.MethodOther}, v)
		},
		"status_class": func(v string) bool { return len(v) == 3 && strings.HasSuffix(v, "xx") || v == "other" },
		"code":         func(v string) bool { return strings.HasPrefix(v, "E_") || v == "other" },
	}
	for name, f := range s {
		if !strings.HasPrefix(name, "alto_http_") {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				ok, known := allowed[l.GetName()]
				if !known || !ok(l.GetValue()) {
					t.Errorf("%s has label %s=%q, which the server does not define", name, l.GetName(), l.GetValue())
				}
			}
		}
	}
}
