package daemon

import "github.com/goalto/goalto/internal/server"

// setRejectionObserver passes the requests that the handler rejects for
// a limit or an access check to the metrics, when they count them.
func setRejectionObserver(h *server.Handler, m Metrics) {
	ro, ok := m.(interface {
		RejectionObserver() server.RejectionObserver
	})
	if ok {
		h.SetRejectionObserver(ro.RejectionObserver())
	}
}
