package netdef

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/goalto/goalto/internal/measure"
)

// measuredYAML returns a definition with a topology, the measured cost
// types delay and loss, and a measurements section that measures them
// and the cost types named in measured, whose links section ends the
// file before extra.
func measuredYAML(costTypes, measured, extra string) string {
	return `topology: a.graphml
cost-types:
  delay: {cost-mode: numerical, cost-metric: 'delay-ow:p95'}
  loss: {cost-mode: numerical, cost-metric: lossrate, cost-context: {cost-source: estimation}}
` + costTypes + `measurements:
  prometheus: http://127.0.0.1:9090
  cost-types: [delay, loss` + measured + `]
  links:
    delay: {query: alto_link_delay_seconds, unit: ms}
    loss: {query: 'rate(drops_total[1m]) / rate(packets_total[1m])', unit: ratio}
` + extra
}

func TestMeasurementsAccepts(t *testing.T) {
	def, err := Parse([]byte(measuredYAML("", "", "")), "net.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m := def.Measurements
	if !m.Measures("delay") || !m.Measures("loss") || m.Measures("num-routing") {
		t.Errorf("Measures: delay %v, loss %v, num-routing %v; want true, true, false", m.Measures("delay"), m.Measures("loss"), m.Measures("num-routing"))
	}
	defaults := map[string][2]time.Duration{
		"interval":  {m.Interval, DefaultMeasureInterval},
		"staleness": {m.Staleness, DefaultMeasureStaleness},
		"window":    {m.Window, DefaultMeasureWindow},
		"history":   {m.History, DefaultHistory},
	}
	for name, d := range defaults {
		if d[0] != d[1] {
			t.Errorf("%s = %v, want the default %v", name, d[0], d[1])
		}
	}
	if m.SourceLabel != "src" || m.DestinationLabel != "dst" {
		t.Errorf("labels = %q, %q; want src, dst", m.SourceLabel, m.DestinationLabel)
	}
	if got := m.Links[measure.Delay]; got.Unit != "ms" {
		t.Errorf("delay unit = %q, want ms", got.Unit)
	}
}

func TestMeasurementsRejects(t *testing.T) {
	tests := []struct {
		name      string
		yaml      string
		wantField string
		wantText  []string
	}{
		{"unknown kind", measuredYAML("", "", "    jitter: {query: j, unit: s}\n"),
			"measurements.links.jitter", []string{`"jitter"`, "delay-variation"}},
		{"unknown unit", measuredYAML("", "", "    throughput: {query: t, unit: Mbps}\n"),
			"measurements.links.throughput.unit", []string{`"Mbps"`, "bps"}},
		{"missing query", measuredYAML("", "", "    utilization: {unit: ratio}\n"),
			"measurements.links.utilization.query", []string{"missing PromQL query"}},
		{"undefined cost type", measuredYAML("", ", jitter", ""),
			"measurements.cost-types[2]", []string{`"jitter"`, "undefined"}},
		{"series not configured", measuredYAML("  tput: {cost-mode: numerical, cost-metric: tput}\n", ", tput", ""),
			"measurements.cost-types[2]", []string{"throughput", "measurements.links.throughput"}},
		{"hopcount measured", measuredYAML("  hops: {cost-mode: numerical, cost-metric: hopcount}\n", ", hops", ""),
			"measurements.cost-types[2]", []string{`"hopcount"`, "topology"}},
		{"spread of loss", measuredYAML("  spread: {cost-mode: numerical, cost-metric: 'lossrate:stddev'}\n", ", spread", ""),
			"measurements.cost-types[2]", []string{"stddev", "statistical operator"}},
		{"nominal measured", measuredYAML("  nom: {cost-mode: numerical, cost-metric: delay-ow, cost-context: {cost-source: nominal}}\n", ", nom", ""),
			"cost-types.nom.cost-context.cost-source", []string{`"nominal"`, "estimation"}},
		{"interval without unit", measuredYAML("", "", "  interval: 5\n"),
			"measurements.interval", []string{`"5"`, "such as 5s"}},
		{"short interval", measuredYAML("", "", "  interval: 100ms\n"),
			"measurements.interval", []string{"100ms", "at least 1s"}},
		{"too many history points", measuredYAML("", "", "  history: 672h\n  history-step: 1m\n"),
			"measurements.history-step", []string{"40320 points", "11000"}},
		{"invalid URL", strings.Replace(measuredYAML("", "", ""), "http://127.0.0.1:9090", "127.0.0.1:9090", 1),
			"measurements.prometheus", []string{`"127.0.0.1:9090"`, "http://"}},
		{"same labels", measuredYAML("", "", "  source-label: node\n  destination-label: node\n"),
			"measurements.destination-label", []string{`"node"`}},
		{"no URL", "topology: a.graphml\nmeasurements:\n  cost-types: [x]\n",
			"measurements.prometheus", []string{"missing Prometheus URL"}},
		{"unmeasured history calendar", measuredYAML("  hop: {cost-mode: numerical, cost-metric: hopcount}\n", "", `resources:
  - id: f
    type: filtered-cost-map
    path: /f
    cost-types: [hop]
    calendar: {cost-types: [hop], time-interval-size: 3600, number-of-intervals: 24, source: prometheus}
`), "resources[0].calendar.cost-types", []string{`"hop"`, "measurements.cost-types"}},
		{"calendar source and file", measuredYAML("", "", `resources:
  - id: f
    type: filtered-cost-map
    path: /f
    cost-types: [delay]
    calendar: {cost-types: [delay], time-interval-size: 3600, number-of-intervals: 24, source: prometheus, file: c.yaml}
`), "resources[0].calendar.file", []string{"source prometheus reads no file"}},
		{"unknown calendar source", measuredYAML("", "", `resources:
  - id: f
    type: filtered-cost-map
    path: /f
    cost-types: [delay]
    calendar: {cost-types: [delay], time-interval-size: 3600, number-of-intervals: 24, source: influx}
`), "resources[0].calendar.source", []string{`"influx"`, "file or prometheus"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.yaml), "net.yaml")
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error = %v, want *netdef.Error", err)
			}
			if e.Field != tc.wantField {
				t.Errorf("Field = %q, want %q (%v)", e.Field, tc.wantField, err)
			}
			if e.Line == 0 {
				t.Errorf("Line = 0, want the line of %s (%v)", tc.wantField, err)
			}
			for _, text := range tc.wantText {
				if !strings.Contains(err.Error(), text) {
					t.Errorf("error %q does not mention %q", err, text)
				}
			}
		})
	}
}
