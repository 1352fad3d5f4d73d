package metrics

import (
	"errors"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"

	"github.com/goalto/goalto/internal/daemon"
	"github.com/goalto/goalto/internal/measure"
	"github.com/goalto/goalto/internal/server"
	"github.com/goalto/goalto/internal/snapshot"
	"github.com/goalto/goalto/internal/sse"
	"github.com/goalto/goalto/internal/tips"
	"github.com/goalto/goalto/internal/updates"
)

// metricName is alto_<subsystem>_<name> in snake case.
var metricName = regexp.MustCompile(`^alto_[a-z]+(_[a-z0-9]+)+$`)

// labelName is a label name in snake case.
var labelName = regexp.MustCompile(`^[a-z]+(_[a-z0-9]+)*$`)

// nonBaseUnits are name parts for units other than the base units
// seconds and bytes that Prometheus names use.
var nonBaseUnits = []string{
	"ms", "us", "ns", "millis", "milliseconds", "microseconds", "nanoseconds",
	"minutes", "hours", "days", "kb", "mb", "gb", "kib", "mib", "gib",
	"kilobytes", "megabytes", "gigabytes", "bits", "percent",
}

// exercisedRegistry returns a registry whose every metric has at least
// one series: a request with an ALTO error, a published snapshot of the
// built-in network with measurement counts, a reload of each result and a TIPS service.
func exercisedRegistry(t *testing.T) *Registry {
	t.Helper()
	r := New()
	r.ObserveRequest("network-map", "GET", 200, "", time.Millisecond, 100)
	r.ObserveRequest("endpoint-cost", "POST", 400, "E_SYNTAX", time.Millisecond, 80)
	snap, err := daemon.Build("")
	if err != nil {
		t.Fatal(err)
	}
	snap.Stats.Measured = map[measure.SeriesKey]snapshot.MeasureStats{{Kind: measure.Delay, Operator: "median"}: {Fresh: 3, Missing: 1}}
	r.ObservePublish(snap)
	r.ObserveReload(nil)
	r.ObserveReload(errors.New("invalid definition"))
	h := server.New(server.Limits{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	e := updates.NewEngine(updates.Limits{})
	r.TIPSRegistrar(tips.Config{})(h, e, nil)
	sse.NewRegistrar(sse.Config{Registered: r.UpdateStreams})(h, e, nil)
	r.RejectionObserver().ObserveRejection(server.ReasonRateLimited)
	return r
}

// ownFamilies gathers the metrics of this package's collectors only, and
// checks that every metric they describe is among them.
func ownFamilies(t *testing.T, r *Registry) []*dto.MetricFamily {
	t.Helper()
	own := prometheus.NewPedanticRegistry()
	own.MustRegister(r.collectors...)
	families, err := own.Gather()
	if err != nil {
		t.Fatalf("gathering: %v", err)
	}
	descs := make(chan *prometheus.Desc, 100)
	for _, c := range r.collectors {
		c.Describe(descs)
	}
	if len(descs) != len(families) {
		t.Fatalf("the collectors describe %d metrics but %d have series; exercisedRegistry misses some", len(descs), len(families))
	}
	return families
}

func TestMetricNames(t *testing.T) {
	r := exercisedRegistry(t)
	ownFamilies(t, r)
	all, err := r.Gatherer().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range all {
		if strings.HasPrefix(f.GetName(), "go_") || strings.HasPrefix(f.GetName(), "process_") {
			continue
		}
		name := f.GetName()
		t.Run(name, func(t *testing.T) {
			if !metricName.MatchString(name) {
				t.Errorf("name is not alto_<subsystem>_<name> in snake case")
			}
			parts := strings.Split(name, "_")
			for _, p := range parts {
				for _, u := range nonBaseUnits {
					if p == u {
						t.Errorf("name has the unit %q; use seconds or bytes", u)
					}
				}
			}
			isCounter := f.GetType() == dto.MetricType_COUNTER
			if isCounter && !strings.HasSuffix(name, "_total") {
				t.Errorf("a counter must end in _total")
			}
			if !isCounter && strings.HasSuffix(name, "_total") {
				t.Errorf("only counters end in _total, and this is a %s", f.GetType())
			}
			base := strings.TrimSuffix(name, "_total")
			for _, word := range []string{"duration", "latency", "timestamp", "time"} {
				if strings.Contains(base, word) && !strings.HasSuffix(base, "_seconds") {
					t.Errorf("a %s metric must end in _seconds", word)
				}
			}
			if strings.Contains(base, "bytes") && !strings.HasSuffix(base, "_bytes") {
				t.Errorf("a byte count must end in _bytes (before _total)")
			}
			if f.GetType() == dto.MetricType_HISTOGRAM && !strings.HasSuffix(name, "_seconds") && !strings.HasSuffix(name, "_bytes") {
				t.Errorf("a histogram must end in its unit, _seconds or _bytes")
			}
			help := f.GetHelp()
			if help == "" || !strings.HasSuffix(help, ".") {
				t.Errorf("help %q: want a sentence ending in a period", help)
			}
			for _, m := range f.GetMetric() {
				for _, l := range m.GetLabel() {
					if !labelName.MatchString(l.GetName()) {
						t.Errorf("label %q is not in snake case", l.GetName())
					}
				}
			}
		})
	}
}

func TestMetricsPassPromlint(t *testing.T) {
	r := exercisedRegistry(t)
	problems, err := testutil.GatherAndLint(r.Gatherer())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("%s: %s", p.Metric, p.Text)
	}
}

func TestRegistryHasRuntimeMetrics(t *testing.T) {
	families, err := New().Gatherer().Gather()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"go_goroutines": false, "process_resident_memory_bytes": false}
	for _, f := range families {
		if _, ok := want[f.GetName()]; ok {
			want[f.GetName()] = true
		}
	}
	for name, found := range want {
		if !found {
			t.Errorf("%s is not exported", name)
		}
	}
}

func TestStatusClass(t *testing.T) {
	tests := []struct {
		status int
		want   string
	}{
		{101, "1xx"}, {200, "2xx"}, {304, "3xx"}, {404, "4xx"}, {503, "5xx"}, {0, "other"}, {999, "other"},
	}
	for _, tt := range tests {
		if got := statusClass(tt.status); got != tt.want {
			t.Errorf("statusClass(%d) = %q, want %q", tt.status, got, tt.want)
		}
	}
}

func TestErrorCodeLabel(t *testing.T) {
	tests := []struct{ code, want string }{
		{"E_SYNTAX", "E_SYNTAX"},
		{"E_MISSING_FIELD", "E_MISSING_FIELD"},
		{"E_INVALID_FIELD_TYPE", "E_INVALID_FIELD_TYPE"},
		{"E_INVALID_FIELD_VALUE", "E_INVALID_FIELD_VALUE"},
		{"E_UNKNOWN_9", "other"},
		{"anything", "other"},
	}
	for _, tt := range tests {
		if got := errorCodeLabel(tt.code); got != tt.want {
			t.Errorf("errorCodeLabel(%q) = %q, want %q", tt.code, got, tt.want)
		}
	}
}
