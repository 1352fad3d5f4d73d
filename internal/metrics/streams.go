package metrics

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/goalto/goalto/internal/sse"
)

// UpdateStreams makes the registry export the number of open update
// streams of s (RFC 8895), the subscribers of update streams. It has the
// type of sse.Config.Registered.
func (r *Registry) UpdateStreams(s *sse.Service) { r.streams.add(s) }

// streamsCollector exports the open update streams of the services
// added to it. Like tipsCollector, it exports nothing until a service
// is added.
type streamsCollector struct {
	open *prometheus.Desc

	mu       sync.Mutex // guards services
	services []*sse.Service
}

func newStreamsCollector() *streamsCollector {
	return &streamsCollector{
		open: prometheus.NewDesc(prometheus.BuildFQName(Namespace, "sse", "open_streams"),
			"Update streams (RFC 8895) open.", nil, nil),
	}
}

func (c *streamsCollector) add(s *sse.Service) {
	c.mu.Lock()
	c.services = append(c.services, s)
	c.mu.Unlock()
}

// Describe implements prometheus.Collector.
func (c *streamsCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.open }

// Collect implements prometheus.Collector.
func (c *streamsCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	services := c.services
	c.mu.Unlock()
	if len(services) == 0 {
		return
	}
	open := 0
	for _, s := range services {
		open += len(s.Streams())
	}
	ch <- prometheus.MustNewConstMetric(c.open, prometheus.GaugeValue, float64(open))
}
