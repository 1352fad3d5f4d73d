package tips

import (
	"errors"
	"math"
	"net"
	"net/http"
	"time"
)

// errTooManyClientViews is the error of the per-client view limit; the
// server responds 429 (Too Many Requests).
var errTooManyClientViews = errors.New("this client holds references to the maximum number of TIPS views")

// clientSweepInterval is the least time between two sweeps of the view
// references of every client. A client's own references are swept at
// each of its open requests.
const clientSweepInterval = time.Minute

// clientViews is the set of views that one client holds references to,
// with the time of the client's last request to each. RFC 9569 defines
// no request to close a view, so a reference ends when the view closes
// or when the client has sent no request to the view for
// Config.ViewIdleTimeout.
type clientViews map[*view]time.Time

// clientIP returns the IP address of the client of r, the key of the
// per-client view limit, as for the per-client update stream limit.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// clientViewsLocked returns the live references of a client, after
// dropping those to closed views and those unused for the idle timeout.
// It returns nil for a client without references. The caller holds
// s.mu.
func (s *Service) clientViewsLocked(client string, now time.Time) clientViews {
	refs := s.clients[client]
	for v, last := range refs {
		if s.views[v.resourceID] != v || now.Sub(last) > s.cfg.ViewIdleTimeout {
			delete(refs, v)
		}
	}
	if len(refs) == 0 {
		delete(s.clients, client)
		return nil
	}
	return refs
}

// checkClientLocked returns errTooManyClientViews when a client holds
// MaxViewsPerClient references and none of them is to v. A nil v is a
// view yet to be created. The caller holds s.mu.
func (s *Service) checkClientLocked(client string, v *view) error {
	refs := s.clientViewsLocked(client, time.Now())
	if _, ok := refs[v]; (ok && v != nil) || len(refs) < s.cfg.MaxViewsPerClient {
		return nil
	}
	s.noteRejection("TIPS view rejected: the client holds the maximum number of views")
	return errTooManyClientViews
}

// addClientLocked records that a client holds a reference to v, or
// refreshes the reference. The caller holds s.mu.
func (s *Service) addClientLocked(client string, v *view) {
	refs := s.clients[client]
	if refs == nil {
		refs = clientViews{}
		s.clients[client] = refs
	}
	refs[v] = time.Now()
}

// touchClientLocked refreshes the reference of a client to v, if it
// holds one, at a request to the view's URIs. The caller holds s.mu.
func (s *Service) touchClientLocked(client string, v *view) {
	if refs := s.clients[client]; refs != nil {
		if _, ok := refs[v]; ok {
			refs[v] = time.Now()
		}
	}
}

// sweepClientsLocked drops the ended references of every client, at
// most once per clientSweepInterval. It frees the entries of clients
// that do not come back, at the first open request of any client after
// their references end. The caller holds s.mu.
func (s *Service) sweepClientsLocked(now time.Time) {
	if now.Sub(s.clientsSwept) < clientSweepInterval {
		return
	}
	s.clientsSwept = now
	for client := range s.clients {
		s.clientViewsLocked(client, now)
	}
}

// clientRetryAfter returns the seconds until the oldest reference of a
// client ends for being unused, at least 1, for the Retry-After of a
// request over the per-client limit.
func (s *Service) clientRetryAfter(client string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	wait := s.cfg.ViewIdleTimeout
	for _, last := range s.clientViewsLocked(client, now) {
		wait = min(wait, s.cfg.ViewIdleTimeout-now.Sub(last))
	}
	return max(1, int(math.Ceil(wait.Seconds())))
}

// ClientViews returns the number of views that a client IP address holds
// live references to, for tests and monitoring.
func (s *Service) ClientViews(client string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.clientViewsLocked(client, time.Now()))
}
