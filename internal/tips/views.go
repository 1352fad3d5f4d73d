package tips

import (
	"crypto/rand"
	"errors"
	"slices"
	"time"

	"github.com/goalto/goalto/internal/netdef"
	"github.com/goalto/goalto/internal/updates"
)

// Errors of the limits; the server responds 429 (Too Many Requests).
var (
	errTooManyViews   = errors.New("the server has the maximum number of TIPS views open")
	errTooManyWaiters = errors.New("the server has the maximum number of pending long polls")
)

// view is a TIPS view (RFC 9569, Section 2.2): the updates graph of one
// resource, published at a URI path. All clients of a resource share
// one view (Section 8.3).
type view struct {
	resourceID string
	token      string // server-chosen opaque part of the path
	path       string // ViewPrefix + resourceID + "/" + token
	graph      *updates.Graph
	waiters    int       // pending long polls; guarded by Service.mu
	lastUsed   time.Time // last open or request; guarded by Service.mu
	// derived is set for a view of a POST-mode resource, whose graph the
	// service feeds itself. resourceID is then the view key, which names
	// the resource and the input (see derivedKey).
	derived *derived
}

// openView returns the view of a resource for a client, and creates it
// when the resource has no live view. g is the resource's current graph.
// It returns errTooManyClientViews when the client would hold more than
// MaxViewsPerClient views, and errTooManyViews when a new view would
// make more than MaxViews.
func (s *Service) openView(client, resourceID string, g *updates.Graph) (*view, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweepLocked()
	if v := s.views[resourceID]; v != nil {
		if v.graph == g && s.liveLocked(v) {
			if err := s.checkClientLocked(client, v); err != nil {
				return nil, err
			}
			v.lastUsed = time.Now()
			s.addClientLocked(client, v)
			return v, nil
		}
		s.closeLocked(v, "the updates graph of the resource was replaced")
	}
	if err := s.checkNewViewLocked(client); err != nil {
		return nil, err
	}
	// rand.Text returns 26 base32 characters (128 random bits), which
	// are safe in a URI path segment.
	token := rand.Text()
	v := &view{
		resourceID: resourceID,
		token:      token,
		path:       s.cfg.ViewPrefix + resourceID + "/" + token,
		graph:      g,
		lastUsed:   time.Now(),
	}
	s.views[resourceID] = v
	s.addClientLocked(client, v)
	s.logger.Debug("TIPS view opened", "resource_id", resourceID, "view", v.path)
	return v, nil
}

// checkNewViewLocked applies the per-client and total view limits to a
// view that a client is about to create. The caller holds s.mu.
func (s *Service) checkNewViewLocked(client string) error {
	if err := s.checkClientLocked(client, nil); err != nil {
		return err
	}
	if len(s.views) >= s.cfg.MaxViews {
		s.noteRejection("TIPS view rejected: the server has the maximum number of views open")
		return errTooManyViews
	}
	return nil
}

// openDerivedView returns the view of a POST-mode resource and input
// with the key for a client, and creates it with its own updates graph
// when there is no live view. It applies the limits of openView.
func (s *Service) openDerivedView(client, key string, src *derived) (*view, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweepLocked()
	if v := s.views[key]; v != nil {
		if err := s.checkClientLocked(client, v); err != nil {
			return nil, err
		}
		v.lastUsed = time.Now()
		s.addClientLocked(client, v)
		return v, nil
	}
	if err := s.checkNewViewLocked(client); err != nil {
		return nil, err
	}
	token := rand.Text()
	v := &view{
		resourceID: key,
		token:      token,
		path:       s.cfg.ViewPrefix + key + "/" + token,
		graph:      updates.NewGraph(key, updates.Limits{}),
		lastUsed:   time.Now(),
		derived:    src,
	}
	s.views[key] = v
	s.addClientLocked(client, v)
	s.logger.Debug("TIPS view opened", "resource_id", src.resourceID, "view", v.path)
	return v, nil
}

// checkOpenDerived applies the view limits of openDerivedView before the
// input is evaluated, so that a request over a limit costs no
// evaluation. openDerivedView checks them again, because another request
// may open a view in between.
func (s *Service) checkOpenDerived(client, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v := s.views[key]; v != nil {
		return s.checkClientLocked(client, v)
	}
	return s.checkNewViewLocked(client)
}

// findFreshView is findView that also brings a view of a POST-mode
// resource to the served snapshot, and closes it when the resource
// rejects its input since a reload.
func (s *Service) findFreshView(client, key, token string) *view {
	v := s.findView(client, key, token)
	if v != nil && !s.refresh(v) {
		s.closeView(v, "the resource rejects the input of the view since a reload")
		return nil
	}
	return v
}

// closeView closes a view unless it was closed already.
func (s *Service) closeView(v *view, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.views[v.resourceID] == v {
		s.closeLocked(v, reason)
	}
}

// findView returns the live view with the given resource ID and token,
// or nil, and refreshes the client's reference to it. A view found to be
// no longer live is closed.
func (s *Service) findView(client, resourceID, token string) *view {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.views[resourceID]
	if v == nil || v.token != token {
		return nil
	}
	if !s.liveLocked(v) {
		s.closeLocked(v, "the resource is no longer offered")
		return nil
	}
	if s.idleLocked(v) {
		s.closeLocked(v, "unused for the idle timeout")
		return nil
	}
	v.lastUsed = time.Now()
	s.touchClientLocked(client, v)
	return v
}

// idleLocked reports whether a view has had no request and no pending
// long poll for the idle timeout.
func (s *Service) idleLocked(v *view) bool {
	return v.waiters == 0 && time.Since(v.lastUsed) > s.cfg.ViewIdleTimeout
}

// stillOpen reports whether a view found before is still open and
// live, and closes it when it is open but no longer live.
func (s *Service) stillOpen(v *view) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.views[v.resourceID] != v {
		return false
	}
	if !s.liveLocked(v) {
		s.closeLocked(v, "the resource is no longer offered")
		return false
	}
	return true
}

// liveLocked reports whether a view may still serve: the engine still
// has its graph, the resource is not removed, and a TIPS resource of the
// published snapshot still offers it. The caller holds s.mu.
func (s *Service) liveLocked(v *view) bool {
	if v.derived != nil {
		return s.offered(v.derived.resourceID)
	}
	if s.engine.Graph(v.resourceID) != v.graph || v.graph.Removed() {
		return false
	}
	return s.offered(v.resourceID)
}

// offered reports whether a TIPS resource of the published snapshot
// lists the resource in its uses.
func (s *Service) offered(resourceID string) bool {
	snap := s.handler.Snapshot()
	if snap == nil {
		return false
	}
	for _, r := range snap.Resources {
		if r.Type == netdef.TypeTIPS && slices.Contains(r.Uses, resourceID) {
			return true
		}
	}
	return false
}

// closeLocked removes a view; requests for its URIs then get 404. A
// long poll pending on it gets 404 too, once it wakes up: when a new
// version is published, when the engine flags the resource removed, or
// at its timeout. The caller holds s.mu.
func (s *Service) closeLocked(v *view, reason string) {
	delete(s.views, v.resourceID)
	s.logger.Debug("TIPS view closed", "resource_id", v.resourceID, "view", v.path, "reason", reason)
}

// sweepLocked closes the views that are no longer live, and now and
// then drops the client references that have ended. The caller holds
// s.mu.
func (s *Service) sweepLocked() {
	defer s.sweepClientsLocked(time.Now())
	for _, v := range s.views {
		switch {
		case !s.liveLocked(v):
			s.closeLocked(v, "the resource is no longer offered")
		case s.idleLocked(v):
			s.closeLocked(v, "unused for the idle timeout")
		}
	}
}

// acquireWaiter counts a long poll on a view, or returns
// errTooManyWaiters when a limit is reached.
func (s *Service) acquireWaiter(v *view) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.waiters >= s.cfg.MaxWaiters:
		s.limited.reject(s.logger, "long polls", s.cfg.MaxWaiters)
		return errTooManyWaiters
	case v.waiters >= s.cfg.MaxWaitersPerView:
		s.limited.reject(s.logger, "long polls per view", s.cfg.MaxWaitersPerView)
		return errTooManyWaiters
	}
	s.waiters++
	v.waiters++
	return nil
}

// releaseWaiter ends the count of a long poll that acquireWaiter began.
func (s *Service) releaseWaiter(v *view) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.waiters--
	v.waiters--
	v.lastUsed = time.Now()
}
