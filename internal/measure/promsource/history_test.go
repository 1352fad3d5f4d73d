package promsource_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/goalto/goalto/internal/alttest"
	"github.com/goalto/goalto/internal/daemon"
	"github.com/goalto/goalto/internal/measure/promsource"
)

const historyDefinition = `network-map: {resource-id: net}
topology: topology.yaml
cost-types:
  delay-mean: {cost-mode: numerical, cost-metric: "delay-ow:mean"}
resources:
  - {id: net, type: network-map, path: /networkmap}
  - id: costs
    type: filtered-cost-map
    path: /costmap/filtered
    cost-types: [delay-mean]
    calendar: {cost-types: [delay-mean], time-interval-size: 3600, number-of-intervals: 24, source: prometheus}
measurements:
  prometheus: %s
  history: 504h
  history-step: 5m
  links:
    delay: {query: alto_link_delay_seconds, unit: s}
  cost-types: [delay-mean]
`

// backfilled are the link directions of the backfilled history and the
// base delay of each, in seconds.
var backfilled = map[[2]string]float64{{"a", "b"}: 0.010, {"b", "a"}: 0.011, {"b", "c"}: 0.020, {"c", "b"}: 0.021}

// historyDelay is the backfilled delay of a direction at t: its base
// delay, plus one millisecond per hour of the day, plus a tenth of a
// millisecond per day modulo 5. The days of one hour differ, so the
// calendar must take their mean.
func historyDelay(dir [2]string, t time.Time) float64 {
	day := t.Unix() / 86400
	return backfilled[dir] + 0.001*float64(t.UTC().Hour()) + 0.0001*float64(day%5)
}

// historySamples returns the sample times of the backfill: every five
// minutes over the two weeks that end two hours before now, on the
// five-minute grid that the source's range queries use.
func historySamples(now time.Time) []time.Time {
	end := now.Truncate(time.Hour).Add(-2 * time.Hour)
	var out []time.Time
	for t := end.Add(-14 * 24 * time.Hour); !t.After(end); t = t.Add(5 * time.Minute) {
		out = append(out, t)
	}
	return out
}

// openMetrics encodes the backfill for promtool.
func openMetrics(times []time.Time) string {
	var b strings.Builder
	b.WriteString("# TYPE alto_link_delay_seconds gauge\n")
	for dir := range backfilled {
		for _, t := range times {
			fmt.Fprintf(&b, "alto_link_delay_seconds{src=%q,dst=%q} %v %d\n", dir[0], dir[1], historyDelay(dir, t), t.Unix())
		}
	}
	b.WriteString("# EOF\n")
	return b.String()
}

// evaluation is a time at which the range query evaluates and the time
// of the sample it selects.
type evaluation struct{ at, sample time.Time }

// evaluations returns the evaluations of the source's range query that
// select a backfilled sample: one per sample, as the samples lie on the
// query's five-minute grid. Prometheus before 3.0 also selects a sample
// that lies exactly one lookback period (5 minutes) before the
// evaluation time, so the evaluation after the last sample repeats it.
func evaluations(times []time.Time, closedLookback bool) []evaluation {
	var out []evaluation
	for _, t := range times {
		out = append(out, evaluation{t, t})
	}
	if last := times[len(times)-1]; closedLookback {
		out = append(out, evaluation{last.Add(5 * time.Minute), last})
	}
	return out
}

// hourlyMeans returns the mean backfilled delay of a direction in each
// hour of the day, in microseconds.
func hourlyMeans(dir [2]string, evals []evaluation) []float64 {
	sums, counts := make([]float64, 24), make([]float64, 24)
	for _, e := range evals {
		h := promsource.IntervalOf(e.at, 3600, 86400)
		sums[h] += historyDelay(dir, e.sample) * 1e6
		counts[h]++
	}
	for h := range sums {
		sums[h] /= counts[h]
	}
	return sums
}

func TestCalendarFromHistory(t *testing.T) {
	times := historySamples(time.Now())
	e := startExporter(t)
	promURL := startPrometheus(t, e.addr, openMetrics(times))
	d := alttest.StartConfig(t, daemon.Config{
		Definition: writeDefinition(t, fmt.Sprintf(historyDefinition, promURL)),
		Sources:    []daemon.SourceFactory{promsource.Factory},
	})
	base := strings.TrimSuffix(d.IRDURL(), "/directory")

	var resp struct {
		Meta struct {
			Calendar []struct {
				Start     string  `json:"calendar-start-time"`
				Size      float64 `json:"time-interval-size"`
				Intervals int     `json:"number-of-intervals"`
			} `json:"calendar-response-attributes"`
		} `json:"meta"`
		CostMap map[string]map[string][]float64 `json:"cost-map"`
	}
	body := `{"cost-type": {"cost-mode": "numerical", "cost-metric": "delay-ow:mean"}, "calendared": [true], "pids": {"srcs": ["a","b","c"], "dsts": ["a","b","c"]}}`
	post(t, base+"/costmap/filtered", "application/alto-costmapfilter+json", body, &resp)
	if len(resp.Meta.Calendar) != 1 || resp.Meta.Calendar[0].Intervals != 24 || resp.Meta.Calendar[0].Size != 3600 {
		t.Fatalf("calendar-response-attributes = %+v, want one calendar of 24 intervals of 3600 s", resp.Meta.Calendar)
	}
	start, err := time.Parse(http.TimeFormat, resp.Meta.Calendar[0].Start)
	if err != nil {
		t.Fatalf("calendar-start-time %q: %v", resp.Meta.Calendar[0].Start, err)
	}
	current := promsource.IntervalOf(start, 3600, 86400)

	evals := evaluations(times, prometheusMajor(t, promURL) < 3)
	ab, ba := hourlyMeans([2]string{"a", "b"}, evals), hourlyMeans([2]string{"b", "a"}, evals)
	bc, cb := hourlyMeans([2]string{"b", "c"}, evals), hourlyMeans([2]string{"c", "b"}, evals)
	want := map[[2]string]func(h int) float64{
		{"a", "b"}: func(h int) float64 { return ab[h] },
		{"b", "c"}: func(h int) float64 { return bc[h] },
		{"a", "c"}: func(h int) float64 { return ab[h] + bc[h] },
		{"c", "a"}: func(h int) float64 { return cb[h] + ba[h] },
		{"a", "a"}: func(int) float64 { return 0 },
	}
	for pair, value := range want {
		t.Run(pair[0]+"->"+pair[1], func(t *testing.T) {
			got := resp.CostMap[pair[0]][pair[1]]
			if len(got) != 24 {
				t.Fatalf("calendar has %d values, want 24: %v", len(got), got)
			}
			for m, v := range got {
				h := (current + m) % 24
				if !near(v, value(h)) {
					t.Errorf("interval %d (hour %d) = %v, want %v", m, h, v, value(h))
				}
			}
		})
	}
}

// prometheusMajor returns the major version of a Prometheus server.
func prometheusMajor(t *testing.T, promURL string) int {
	t.Helper()
	resp, err := http.Get(promURL + "/api/v1/status/buildinfo")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var info struct {
		Data struct {
			Version string `json:"version"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&info); err != nil {
		t.Fatalf("build info: %v", err)
	}
	major, _, _ := strings.Cut(info.Data.Version, ".")
	n, err := strconv.Atoi(major)
	if err != nil {
		t.Fatalf("Prometheus version %q: %v", info.Data.Version, err)
	}
	return n
}
