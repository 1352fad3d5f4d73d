package promsource_test

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/goalto/goalto/internal/alttest"
	"github.com/goalto/goalto/internal/daemon"
	"github.com/goalto/goalto/internal/measure/promsource"
	"github.com/goalto/goalto/internal/metrics"
)

// The test network: four nodes, a line a-b-c-d of metric 1 links and a
// shortcut a-c of metric 5 that no chosen path takes.
const testTopology = `nodes:
  - {id: a, prefixes: [192.0.2.0/26]}
  - {id: b, prefixes: [192.0.2.64/26]}
  - {id: c, prefixes: [192.0.2.128/26]}
  - {id: d, prefixes: [192.0.2.192/26]}
links:
  - {from: a, to: b, metric: 1, capacity: 10000000000}
  - {from: b, to: c, metric: 1, capacity: 1000000000}
  - {from: c, to: d, metric: 1, capacity: 10000000000}
  - {from: a, to: c, metric: 5, capacity: 40000000000}
`

var capacities = map[[2]string]float64{{"a", "b"}: 10e9, {"b", "c"}: 1e9, {"c", "d"}: 10e9, {"a", "c"}: 40e9}

// chosenPaths are the node sequences of the chosen paths of the pairs
// the test checks.
var chosenPaths = map[[2]string][]string{
	{"a", "b"}: {"a", "b"}, {"b", "a"}: {"b", "a"},
	{"a", "c"}: {"a", "b", "c"}, {"c", "a"}: {"c", "b", "a"},
	{"a", "d"}: {"a", "b", "c", "d"}, {"d", "a"}: {"d", "c", "b", "a"},
	{"b", "c"}: {"b", "c"}, {"c", "b"}: {"c", "b"},
	{"b", "d"}: {"b", "c", "d"}, {"d", "b"}: {"d", "c", "b"},
	{"c", "d"}: {"c", "d"}, {"d", "c"}: {"d", "c"},
}

const testDefinition = `network-map: {resource-id: net}
topology: topology.yaml
cost-types:
  num-hop: {cost-mode: numerical, cost-metric: hopcount}
  delay-cur: {cost-mode: numerical, cost-metric: "delay-ow:cur", cost-context: {cost-source: estimation}}
  rt-cur: {cost-mode: numerical, cost-metric: "delay-rt:cur"}
  delay-p95: {cost-mode: numerical, cost-metric: "delay-ow:p95"}
  loss-cur: {cost-mode: numerical, cost-metric: "lossrate:cur"}
  loss-mean: {cost-mode: numerical, cost-metric: "lossrate:mean"}
  residual: {cost-mode: numerical, cost-metric: bw-residual}
  dv-cur: {cost-mode: numerical, cost-metric: "delay-variation:cur"}
  tput-cur: {cost-mode: numerical, cost-metric: "tput:cur"}
  available: {cost-mode: numerical, cost-metric: bw-available}
resources:
  - {id: net, type: network-map, path: /networkmap}
  - {id: costs, type: filtered-cost-map, path: /costmap/filtered, cost-types: [num-hop, delay-cur, rt-cur, delay-p95, loss-cur, loss-mean, residual, dv-cur, tput-cur, available]}
  - {id: ecs, type: endpoint-cost, path: /endpointcost, cost-types: [delay-cur, loss-cur]}
measurements:
  prometheus: %s
  interval: 1s
  staleness: 10s
  links:
    delay: {query: alto_link_delay_seconds, unit: s}
    loss: {query: alto_link_loss_ratio, unit: ratio}
    utilization: {query: 'alto_link_utilization_bits_per_second{job="links"}', unit: bps}
    delay-variation: {query: alto_link_delay_variation_milliseconds, unit: ms}
    throughput: {query: alto_link_tcp_throughput_bits_per_second, unit: bps}
    available-bandwidth: {query: alto_link_available_bytes_per_second, unit: Bps}
  cost-types: [delay-cur, rt-cur, delay-p95, loss-cur, loss-mean, residual, dv-cur, tput-cur, available]
`

const (
	delaySeries = "alto_link_delay_seconds"
	lossSeries  = "alto_link_loss_ratio"
	utilSeries  = "alto_link_utilization_bits_per_second"
	dvSeries    = "alto_link_delay_variation_milliseconds"
	tputSeries  = "alto_link_tcp_throughput_bits_per_second"
	availSeries = "alto_link_available_bytes_per_second"
)

// writeDefinition writes a definition and the test topology into a
// temporary folder and returns the definition's path.
func writeDefinition(t *testing.T, definition string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "topology.yaml"), []byte(testTopology), 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "network.yaml")
	if err := os.WriteFile(path, []byte(definition), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// exportLinks sets a distinct value of every series on both directions
// of every link.
func exportLinks(e *exporter) {
	i := 0.0
	for link := range capacities {
		for _, dir := range [][2]string{link, {link[1], link[0]}} {
			i++
			e.set(delaySeries, dir[0], dir[1], 0.001*i+0.0001) // seconds
			e.set(lossSeries, dir[0], dir[1], 0.002*i)         // ratio
			e.set(utilSeries, dir[0], dir[1], 1e8*i)           // bits per second
			e.set(dvSeries, dir[0], dir[1], 0.1*i)             // milliseconds
			e.set(tputSeries, dir[0], dir[1], 5e7*(10-i))      // bits per second
			e.set(availSeries, dir[0], dir[1], 1e6*(i+3))      // bytes per second
		}
	}
}

// expected computes the RFC 9439 path values of a pair from what the
// exporter serves: delays and delay variations add (microseconds),
// losses combine as probabilities (percent), bandwidths take the
// bottleneck (bytes per second), and residual bandwidth is capacity less
// utilization.
func expected(e *exporter, metric string, pair [2]string) float64 {
	nodes := chosenPaths[pair]
	delay, variation, success := 0.0, 0.0, 1.0
	residual, tput, available := math.Inf(1), math.Inf(1), math.Inf(1)
	for k := 0; k+1 < len(nodes); k++ {
		from, to := nodes[k], nodes[k+1]
		delay += e.value(delaySeries, from, to) * 1e6
		variation += e.value(dvSeries, from, to) * 1e3
		tput = min(tput, e.value(tputSeries, from, to)/8)
		available = min(available, e.value(availSeries, from, to))
		success *= 1 - e.value(lossSeries, from, to)
		c, ok := capacities[[2]string{from, to}]
		if !ok {
			c = capacities[[2]string{to, from}]
		}
		residual = min(residual, (c-e.value(utilSeries, from, to))/8)
	}
	switch metric {
	case "delay-ow:cur", "delay-ow:p95":
		return delay
	case "delay-rt:cur":
		return delay + expected(e, "delay-ow:cur", [2]string{pair[1], pair[0]})
	case "lossrate:cur", "lossrate:mean":
		return 100 * (1 - success)
	case "bw-residual":
		return residual
	case "delay-variation:cur":
		return variation
	case "tput:cur":
		return tput
	case "bw-available":
		return available
	}
	panic("no expected value for " + metric)
}

// filteredCosts requests the costs of a metric among a, b, c and d.
func filteredCosts(t *testing.T, base, metric string) map[string]map[string]float64 {
	t.Helper()
	body := fmt.Sprintf(`{"cost-type": {"cost-mode": "numerical", "cost-metric": %q}, "pids": {"srcs": ["a","b","c","d"], "dsts": ["a","b","c","d"]}}`, metric)
	var resp struct {
		CostMap map[string]map[string]float64 `json:"cost-map"`
	}
	post(t, base+"/costmap/filtered", "application/alto-costmapfilter+json", body, &resp)
	return resp.CostMap
}

func post(t *testing.T, url, mediaType, body string, out any) {
	t.Helper()
	resp, err := http.Post(url, mediaType, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: %s\n%s", url, resp.Status, data)
	}
	if err := json.Unmarshal(data, out); err != nil {
		t.Fatalf("POST %s: %v\n%s", url, err, data)
	}
}

func near(got, want float64) bool {
	return math.Abs(got-want) <= 1e-9*math.Max(1, math.Abs(want))
}

// checkCosts compares the served costs of a metric with the values
// computed from the exporter, for every pair of chosenPaths except
// those in undefined, which must be absent.
func checkCosts(t *testing.T, costs map[string]map[string]float64, e *exporter, metric string, undefined map[[2]string]bool) {
	t.Helper()
	for pair := range chosenPaths {
		got, ok := costs[pair[0]][pair[1]]
		switch {
		case undefined[pair] && ok:
			t.Errorf("%s %s->%s = %v, want no value", metric, pair[0], pair[1], got)
		case undefined[pair]:
		case !ok:
			t.Errorf("%s %s->%s missing, want %v", metric, pair[0], pair[1], expected(e, metric, pair))
		case !near(got, expected(e, metric, pair)):
			t.Errorf("%s %s->%s = %v, want %v", metric, pair[0], pair[1], got, expected(e, metric, pair))
		}
	}
}

// gaugeValue returns the value of alto_snapshot_measured_link_directions
// for a measurement, operator and state, or -1 without that series.
func gaugeValue(t *testing.T, reg *metrics.Registry, kind, op, state string) float64 {
	t.Helper()
	families, err := reg.Gatherer().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != "alto_snapshot_measured_link_directions" {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["measurement"] == kind && labels["operator"] == op && labels["state"] == state {
				return m.GetGauge().GetValue()
			}
		}
	}
	return -1
}

// waitForGauge polls gaugeValue until it is want, for at most a minute.
// The daemon updates its metrics after it serves a new snapshot, so a
// served change does not mean that the gauge shows it yet.
func waitForGauge(t *testing.T, reg *metrics.Registry, kind, op, state string, want float64) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		got := gaugeValue(t, reg, kind, op, state)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s %s:%s link directions = %v, want %v", state, kind, op, got, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func TestMeasuredCostsEndToEnd(t *testing.T) {
	e := startExporter(t, delaySeries)
	exportLinks(e)
	promURL := startPrometheus(t, e.addr, "")
	waitFor(t, time.Minute, "the series in Prometheus", func() bool {
		return seriesCount(t, promURL, "alto_link_utilization_bits_per_second") == 8
	})

	reg := metrics.New()
	logs := &logBuffer{}
	definition := writeDefinition(t, fmt.Sprintf(testDefinition, promURL))
	d := alttest.StartConfig(t, daemon.Config{
		Definition: definition,
		Sources:    []daemon.SourceFactory{promsource.Factory},
		Metrics:    reg,
		Logger:     slog.New(slog.NewTextHandler(logs, nil)),
	})
	base := strings.TrimSuffix(d.IRDURL(), "/directory")

	t.Run("values", func(t *testing.T) {
		for _, metric := range []string{"delay-ow:cur", "delay-rt:cur", "delay-ow:p95", "lossrate:cur", "lossrate:mean", "bw-residual", "delay-variation:cur", "tput:cur", "bw-available"} {
			checkCosts(t, filteredCosts(t, base, metric), e, metric, nil)
		}
		if got := filteredCosts(t, base, "hopcount")["a"]["d"]; got != 3 {
			t.Errorf("hopcount a->d = %v, want 3", got)
		}
	})

	t.Run("endpoint cost", func(t *testing.T) {
		var resp struct {
			Map map[string]map[string]float64 `json:"endpoint-cost-map"`
		}
		body := `{"cost-type": {"cost-mode": "numerical", "cost-metric": "lossrate:cur"}, "endpoints": {"srcs": ["ipv4:192.0.2.1"], "dsts": ["ipv4:192.0.2.193"]}}`
		post(t, base+"/endpointcost", "application/alto-endpointcostparams+json", body, &resp)
		got, want := resp.Map["ipv4:192.0.2.1"]["ipv4:192.0.2.193"], expected(e, "lossrate:cur", [2]string{"a", "d"})
		if !near(got, want) {
			t.Errorf("lossrate a->d from the endpoint cost service = %v, want %v", got, want)
		}
	})

	t.Run("stale series", func(t *testing.T) {
		e.freeze(delaySeries, "b", "c")
		crossing := map[[2]string]bool{{"a", "c"}: true, {"a", "d"}: true, {"b", "c"}: true, {"b", "d"}: true}
		// delay-rt needs both directions, so b->c also removes the pairs
		// whose return path crosses it.
		rtCrossing := map[[2]string]bool{{"a", "c"}: true, {"c", "a"}: true, {"a", "d"}: true, {"d", "a"}: true,
			{"b", "c"}: true, {"c", "b"}: true, {"b", "d"}: true, {"d", "b"}: true}
		// The delay goes stale when its newest sample is older than the
		// staleness bound of 10 s.
		waitFor(t, time.Minute, "delay b->c to go stale", func() bool {
			_, ok := filteredCosts(t, base, "delay-ow:cur")["b"]["c"]
			return !ok
		})
		checkCosts(t, filteredCosts(t, base, "delay-ow:cur"), e, "delay-ow:cur", crossing)
		checkCosts(t, filteredCosts(t, base, "delay-rt:cur"), e, "delay-rt:cur", rtCrossing)
		checkCosts(t, filteredCosts(t, base, "delay-ow:p95"), e, "delay-ow:p95", crossing)
		waitForGauge(t, reg, "delay", "cur", "stale", 1)
		waitForGauge(t, reg, "delay", "p95", "stale", 1)
		// The daemon logs the warnings of a snapshot after it serves it.
		const warning = "measurement delay:cur: 1 of 8 link directions have no value (0 missing, 1 stale)"
		deadline := time.Now().Add(time.Minute)
		for !strings.Contains(logs.String(), warning) {
			if time.Now().After(deadline) {
				t.Fatalf("no warning about the stale delay in the log:\n%s", logs.String())
			}
			time.Sleep(100 * time.Millisecond)
		}
	})

	t.Run("missing series", func(t *testing.T) {
		e.remove(lossSeries, "c", "d")
		waitFor(t, time.Minute, "loss c->d to go missing", func() bool {
			_, ok := filteredCosts(t, base, "lossrate:cur")["c"]["d"]
			return !ok
		})
		crossing := map[[2]string]bool{{"a", "d"}: true, {"b", "d"}: true, {"c", "d"}: true}
		checkCosts(t, filteredCosts(t, base, "lossrate:cur"), e, "lossrate:cur", crossing)
		waitForGauge(t, reg, "loss", "cur", "missing", 1)
		// The window of lossrate:mean still holds samples of the removed
		// series, but freshness follows the raw series, as for cur.
		checkCosts(t, filteredCosts(t, base, "lossrate:mean"), e, "lossrate:mean", crossing)
		waitForGauge(t, reg, "loss", "mean", "missing", 1)
	})

	t.Run("check rejects invalid query", func(t *testing.T) {
		bad := strings.Replace(fmt.Sprintf(testDefinition, promURL), "{query: alto_link_loss_ratio,", "{query: 'rate(alto_link_loss_ratio[5m]',", 1)
		path := writeDefinition(t, bad)
		_, err := daemon.BuildWith(path, []daemon.SourceFactory{promsource.CheckFactory}, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err == nil {
			t.Fatal("the check accepts the invalid PromQL query rate(alto_link_loss_ratio[5m]")
		}
		for _, want := range []string{path, "measurements.links.loss.query", "rate(alto_link_loss_ratio[5m]"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("check error %q lacks %q", err, want)
			}
		}
		if strings.Contains(err.Error(), "links.delay") {
			t.Errorf("check error %q names the valid delay query", err)
		}
	})

	t.Run("check warnings", func(t *testing.T) {
		snap, err := daemon.BuildWith(definition, []daemon.SourceFactory{promsource.CheckFactory}, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatal(err)
		}
		warnings := strings.Join(daemon.Warnings(snap), "\n")
		for _, want := range []string{
			"measurement loss:cur: 1 of 8 link directions have no value (1 missing, 0 stale)",
			"measurement delay:cur: 1 of 8 link directions have no value (0 missing, 1 stale)",
		} {
			if !strings.Contains(warnings, want) {
				t.Errorf("the warnings of altod --check lack %q:\n%s", want, warnings)
			}
		}
	})
}

// seriesCount returns the number of series of a metric that Prometheus
// returns for an instant query now.
func seriesCount(t *testing.T, promURL, metric string) int {
	t.Helper()
	resp, err := http.Get(promURL + "/api/v1/query?query=" + metric)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	var out struct {
		Data struct {
			Result []json.RawMessage `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return 0
	}
	return len(out.Data.Result)
}
