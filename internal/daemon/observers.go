package daemon

import (
	"time"

	"github.com/goalto/goalto/internal/server"
	"github.com/goalto/goalto/internal/snapshot"
)

// StatsObserver receives every finished request and every published
// snapshot. It must be safe for concurrent use and fast, because it
// runs on every request.
type StatsObserver interface {
	server.Observer
	ObservePublish(s *snapshot.Snapshot)
}

// observers returns one observer that calls each non-nil one, or nil
// when both are nil.
func observers(m Metrics, s StatsObserver) server.Observer {
	switch {
	case m == nil && s == nil:
		return nil
	case s == nil:
		return m
	case m == nil:
		return s
	}
	return pairObserver{m, s}
}

type pairObserver struct{ a, b server.Observer }

func (p pairObserver) ObserveRequest(resourceID, method string, status int, altoCode string, dur time.Duration, bytes int) {
	p.a.ObserveRequest(resourceID, method, status, altoCode, dur, bytes)
	p.b.ObserveRequest(resourceID, method, status, altoCode, dur, bytes)
}
