package metrics

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/goalto/goalto/internal/sse"
)

// UpdateStreams makes the registry export the number of open update
// streams of s (RFC 8895), the subscribers of update streams. It has the
// type of sse.Config.Registered.
func (r *Registry) UpdateStreams(s *sse.Service) { r.streams.services.add(s) }

// serviceList is the list of services whose state a collector reads. It
// is safe for concurrent use.
type serviceList[T any] struct {
	mu    sync.Mutex // guards items
	items []T
}

func (l *serviceList[T]) add(v T) {
	l.mu.Lock()
	l.items = append(l.items, v)
	l.mu.Unlock()
}

// list returns the services added so far.
func (l *serviceList[T]) list() []T {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.items
}

// streamsCollector exports the open update streams of the services
// added to it. Like tipsCollector, it exports nothing until a service
// is added.
type streamsCollector struct {
	open     *prometheus.Desc
	services serviceList[*sse.Service]
}

func newStreamsCollector() *streamsCollector {
	return &streamsCollector{
		open: prometheus.NewDesc(prometheus.BuildFQName(Namespace, "sse", "open_streams"),
			"Update streams (RFC 8895) open.", nil, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *streamsCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.open }

// Collect implements prometheus.Collector.
func (c *streamsCollector) Collect(ch chan<- prometheus.Metric) {
	services := c.services.list()
	if len(services) == 0 {
		return
	}
	open := 0
	for _, s := range services {
		open += len(s.Streams())
	}
	ch <- prometheus.MustNewConstMetric(c.open, prometheus.GaugeValue, float64(open))
}
