// Package metrics exports altod's measurements to Prometheus. Registry
// implements the observer hooks of the core packages (server.Observer
// and the daemon's Metrics), which stay free of Prometheus, and serves
// the text exposition format at /metrics. docs/metrics.md lists every
// metric.
package metrics

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/costmap"
	"github.com/goalto/goalto/internal/server"
	"github.com/goalto/goalto/internal/snapshot"
	"github.com/goalto/goalto/internal/tips"
	"github.com/goalto/goalto/internal/updates"
)

// Namespace is the first part of every metric name that this package
// defines.
const Namespace = "alto"

// Label values of the reloads counter.
const (
	ReloadOK     = "ok"
	ReloadFailed = "failed"
)

// MaxCountedCostMapPIDs bounds the PIDs with costs of a cost map whose
// entries are counted. Counting reads every pair of such PIDs, so its
// time grows with their square. A larger map has no entries metric.
const MaxCountedCostMapPIDs = 4096

// durationBuckets are the upper bounds, in seconds, of the request
// duration histogram: GET resources take microseconds, filtered maps
// and endpoint costs up to milliseconds, and update streams and TIPS
// long polls last for seconds to hours.
var durationBuckets = []float64{
	0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
	0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
}

// Registry holds altod's collectors in a Prometheus registry of its own,
// together with the Go runtime and process collectors. Create it with
// New; it is safe for concurrent use.
type Registry struct {
	reg        *prometheus.Registry
	collectors []prometheus.Collector // those of this package, in order

	requests      *prometheus.CounterVec
	altoErrors    *prometheus.CounterVec
	duration      *prometheus.HistogramVec
	responseBytes *prometheus.CounterVec

	pids           prometheus.Gauge
	prefixes       prometheus.Gauge
	costMapPIDs    *prometheus.GaugeVec
	costMapEntries *prometheus.GaugeVec
	buildSeconds   prometheus.Gauge
	measuredLinks  *prometheus.GaugeVec

	reloads     *prometheus.CounterVec
	lastSuccess prometheus.Gauge

	tips    *tipsCollector
	streams *streamsCollector
}

// New returns a registry with every collector registered.
func New() *Registry {
	r := &Registry{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Subsystem: "http", Name: "requests_total",
			Help: "HTTP requests served on the ALTO port, by resource ID, method and status class, counted when the response ends.",
		}, []string{"resource", "method", "status_class"}),
		altoErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Subsystem: "http", Name: "errors_total",
			Help: "ALTO error responses (RFC 7285, Section 8.5), by resource ID and ALTO error code.",
		}, []string{"resource", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: Namespace, Subsystem: "http", Name: "request_duration_seconds",
			Help:    "Time from the start of a request until its response ends, by resource ID; for update streams and TIPS long polls, the life of the stream or wait.",
			Buckets: durationBuckets,
		}, []string{"resource"}),
		responseBytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Subsystem: "http", Name: "response_bytes_total",
			Help: "Response body bytes written, gzip-compressed where the response was, by resource ID.",
		}, []string{"resource"}),
		pids: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: Namespace, Subsystem: "snapshot", Name: "pids",
			Help: "PIDs of the network map being served.",
		}),
		prefixes: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: Namespace, Subsystem: "snapshot", Name: "prefixes",
			Help: "IP prefixes of the network map being served.",
		}),
		costMapPIDs: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: Namespace, Subsystem: "snapshot", Name: "cost_map_pids",
			Help: "PIDs that have costs in the cost map of a cost type being served, by cost type name.",
		}, []string{"cost_type"}),
		costMapEntries: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: Namespace, Subsystem: "snapshot", Name: "cost_map_entries",
			Help: "Source and destination PID pairs with a defined cost in the cost map of a cost type being served, by cost type name; absent for maps with more than 4096 PIDs with costs.",
		}, []string{"cost_type"}),
		buildSeconds: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: Namespace, Subsystem: "snapshot", Name: "build_duration_seconds",
			Help: "Time taken to build the snapshot being served, from reading its inputs to encoding its resources.",
		}),
		measuredLinks: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Namespace: Namespace, Subsystem: "snapshot", Name: "measured_link_directions",
			Help: "Topology link directions by the state of their value in a measured series of the snapshot being served: fresh, stale (older than the staleness bound) or missing; by measurement kind and statistical operator.",
		}, []string{"measurement", "operator", "state"}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: Namespace, Subsystem: "daemon", Name: "reloads_total",
			Help: "Reloads of the network definition, by result: ok (published) or failed (the previous maps keep serving).",
		}, []string{"result"}),
		lastSuccess: prometheus.NewGauge(prometheus.GaugeOpts{
			Namespace: Namespace, Subsystem: "daemon", Name: "last_reload_success_timestamp_seconds",
			Help: "Unix time at which the maps being served were published: at start, then at each successful reload.",
		}),
		tips:    newTIPSCollector(),
		streams: newStreamsCollector(),
	}
	r.reloads.WithLabelValues(ReloadOK)
	r.reloads.WithLabelValues(ReloadFailed)
	r.collectors = []prometheus.Collector{
		r.requests, r.altoErrors, r.duration, r.responseBytes,
		r.pids, r.prefixes, r.costMapPIDs, r.costMapEntries, r.buildSeconds, r.measuredLinks,
		r.reloads, r.lastSuccess, r.tips, r.streams,
	}
	r.reg.MustRegister(r.collectors...)
	r.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return r
}

// Gatherer returns the Prometheus registry, for tests and for serving
// the metrics with other handlers.
func (r *Registry) Gatherer() prometheus.Gatherer { return r.reg }

// Handler returns the handler of /metrics: the Prometheus exposition
// formats, gzip-compressed when the client accepts it.
func (r *Registry) Handler() http.Handler {
	return promhttp.HandlerFor(r.reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// ObserveRequest counts a finished request; it implements
// server.Observer. Every argument is a value that the server defines
// (see server.Observer), so the label sets stay bounded.
func (r *Registry) ObserveRequest(resourceID, method string, status int, altoCode string, dur time.Duration, bytes int) {
	r.requests.WithLabelValues(resourceID, method, statusClass(status)).Inc()
	if altoCode != "" {
		r.altoErrors.WithLabelValues(resourceID, errorCodeLabel(altoCode)).Inc()
	}
	r.duration.WithLabelValues(resourceID).Observe(dur.Seconds())
	r.responseBytes.WithLabelValues(resourceID).Add(float64(bytes))
}

// ObservePublish records the sizes and build time of a snapshot that
// the daemon has just published, and the time of publication.
func (r *Registry) ObservePublish(s *snapshot.Snapshot) {
	r.pids.Set(float64(s.Stats.PIDs))
	r.prefixes.Set(float64(s.Stats.Prefixes))
	r.buildSeconds.Set(s.Stats.BuildTime.Seconds())
	// A reload may remove cost maps; their series must go with them.
	r.costMapPIDs.Reset()
	r.costMapEntries.Reset()
	for name, m := range s.CostMaps {
		pids, entries, counted := costMapSize(m)
		r.costMapPIDs.WithLabelValues(name).Set(float64(pids))
		if counted {
			r.costMapEntries.WithLabelValues(name).Set(float64(entries))
		}
	}
	r.measuredLinks.Reset()
	for key, m := range s.Stats.Measured {
		kind := string(key.Kind)
		r.measuredLinks.WithLabelValues(kind, key.Operator, "fresh").Set(float64(m.Fresh))
		r.measuredLinks.WithLabelValues(kind, key.Operator, "stale").Set(float64(m.Stale))
		r.measuredLinks.WithLabelValues(kind, key.Operator, "missing").Set(float64(m.Missing))
	}
	r.lastSuccess.SetToCurrentTime()
}

// ObserveReload counts a reload: err is nil when its snapshot was
// published.
func (r *Registry) ObserveReload(err error) {
	if err != nil {
		r.reloads.WithLabelValues(ReloadFailed).Inc()
		return
	}
	r.reloads.WithLabelValues(ReloadOK).Inc()
}

// TIPSRegistrar returns a registrar, for daemon.Config.Services, that
// serves TIPS with cfg like tips.New(cfg).Register and exports the
// service's open views and pending long polls. Each call adds one
// service to the gauges.
func (r *Registry) TIPSRegistrar(cfg tips.Config) func(h *server.Handler, e *updates.Engine, logger *slog.Logger) {
	return func(h *server.Handler, e *updates.Engine, logger *slog.Logger) {
		s := tips.New(cfg)
		s.Register(h, e, logger)
		r.tips.services.add(s)
	}
}

// statusClass returns the label of a status code: "2xx" for 200 to 299
// and so on.
func statusClass(status int) string {
	switch status / 100 {
	case 1:
		return "1xx"
	case 2:
		return "2xx"
	case 3:
		return "3xx"
	case 4:
		return "4xx"
	case 5:
		return "5xx"
	}
	return "other"
}

// errorCodeLabel returns code when it is an ALTO error code that this
// server sends, and "other" for anything else.
func errorCodeLabel(code string) string {
	if _, ok := alto.ParseErrorCode(code); ok {
		return code
	}
	return "other"
}

// costMapSize returns the number of PIDs with costs in a cost map and,
// when there are at most MaxCountedCostMapPIDs of them, the number of
// pairs of those PIDs with a defined cost.
func costMapSize(m *costmap.Map) (pids, entries int, counted bool) {
	n := m.NetworkMap.Len()
	withCosts := make([]int, 0, n)
	for i := range n {
		if m.HasCosts(i) {
			withCosts = append(withCosts, i)
		}
	}
	if len(withCosts) > MaxCountedCostMapPIDs {
		return len(withCosts), 0, false
	}
	for _, src := range withCosts {
		for _, dst := range withCosts {
			if _, ok := m.Cost(src, dst); ok {
				entries++
			}
		}
	}
	return len(withCosts), entries, true
}

// tipsCollector exports the open views and pending long polls of the
// TIPS services added to it. It exports nothing until a service is
// added, because a zero would claim a count that was not measured.
type tipsCollector struct {
	views, waiters *prometheus.Desc
	services       serviceList[*tips.Service]
}

func newTIPSCollector() *tipsCollector {
	return &tipsCollector{
		views: prometheus.NewDesc(prometheus.BuildFQName(Namespace, "tips", "open_views"),
			"TIPS views open (RFC 9569, Section 6).", nil, nil),
		waiters: prometheus.NewDesc(prometheus.BuildFQName(Namespace, "tips", "pending_long_polls"),
			"TIPS requests for an update that does not exist yet, waiting for it (long polls).", nil, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *tipsCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.views
	ch <- c.waiters
}

// Collect implements prometheus.Collector.
func (c *tipsCollector) Collect(ch chan<- prometheus.Metric) {
	services := c.services.list()
	if len(services) == 0 {
		return
	}
	var total tips.Stats
	for _, s := range services {
		st := s.Stats()
		total.Views += st.Views
		total.Waiters += st.Waiters
	}
	ch <- prometheus.MustNewConstMetric(c.views, prometheus.GaugeValue, float64(total.Views))
	ch <- prometheus.MustNewConstMetric(c.waiters, prometheus.GaugeValue, float64(total.Waiters))
}
