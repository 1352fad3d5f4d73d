package metrics

import (
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/goalto/goalto/internal/server"
)

// rejectionCounter counts the requests that the server rejected for a
// limit or an access check.
type rejectionCounter struct{ vec *prometheus.CounterVec }

// ObserveRejection implements server.RejectionObserver.
func (c rejectionCounter) ObserveRejection(reason string) { c.vec.WithLabelValues(reason).Inc() }

var rejectionsOnce sync.Map // *Registry to rejectionCounter

// RejectionObserver returns the observer of rejected requests, which
// exports alto_server_rejected_requests_total by reason. The counter is
// registered on the first call.
func (r *Registry) RejectionObserver() server.RejectionObserver {
	if c, ok := rejectionsOnce.Load(r); ok {
		return c.(rejectionCounter)
	}
	c := rejectionCounter{prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: Namespace, Subsystem: "server", Name: "rejected_requests_total",
		Help: "Requests and connections rejected by a limit, a timeout or an access check, by reason: " + strings.Join(server.RejectionReasons, ", ") + ".",
	}, []string{"reason"})}
	if prev, loaded := rejectionsOnce.LoadOrStore(r, c); loaded {
		return prev.(rejectionCounter)
	}
	// Every series exists from the start, so that rate() counts the
	// first rejection.
	for _, reason := range server.RejectionReasons {
		c.vec.WithLabelValues(reason)
	}
	r.reg.MustRegister(c.vec)
	return c
}
