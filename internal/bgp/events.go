package bgp

import (
	"context"
	"net/netip"
	"slices"
	"time"

	"github.com/osrg/gobgp/v4/api"
	"github.com/osrg/gobgp/v4/pkg/apiutil"
	"github.com/osrg/gobgp/v4/pkg/packet/bgp"

	"github.com/goalto/goalto/internal/prefixes"
	"github.com/goalto/goalto/internal/snapshot"
)

// onBestPaths applies a batch of best path changes. GoBGP calls it from
// one goroutine, in the order of the changes.
func (s *Speaker) onBestPaths(paths []*apiutil.Path, _ time.Time) {
	other := map[bgp.Family][]*apiutil.Path{}
	downPeers := s.downPeersOf(paths)
	now := time.Now()
	changed := false

	s.mu.Lock()
	for _, p := range paths {
		prefix, ok := unicastPrefix(p)
		if !ok {
			other[p.Family] = append(other[p.Family], p)
			continue
		}
		s.stats.pathsReceived++
		if prefix.Bits() == 0 {
			// A default route would conflict with the network map's
			// default PID, which holds 0.0.0.0/0 and ::/0 by definition.
			continue
		}
		changed = true
		if !p.Withdrawal {
			s.rib.set(prefix, routeOf(p))
			continue
		}
		s.stats.withdrawals++
		var until time.Time
		if downPeers[p.PeerAddress] {
			until = now.Add(time.Duration(s.cfg.HoldTime))
		}
		s.rib.withdraw(prefix, until)
	}
	s.mu.Unlock()

	for family, ps := range other {
		if h := s.handlers[family]; h != nil && h.Update(ps) {
			changed = true
			s.mu.Lock()
			s.handlerChanged = true
			s.mu.Unlock()
		}
	}
	if changed {
		s.noteChange()
	}
}

// downPeersOf returns the peers of the withdrawals in paths whose session
// is not established. GoBGP withdraws the routes of a peer whose session
// went down before it reports the state change, so the state is read
// from GoBGP here rather than from the peer events.
// NOTE: an explicit withdrawal whose event is handled after the session
// went down is held like the routes of the lost session.
func (s *Speaker) downPeersOf(paths []*apiutil.Path) map[netip.Addr]bool {
	down := map[netip.Addr]bool{}
	checked := map[netip.Addr]bool{}
	for _, p := range paths {
		if !p.Withdrawal || checked[p.PeerAddress] || !p.PeerAddress.IsValid() {
			continue
		}
		checked[p.PeerAddress] = true
		if !s.established(p.PeerAddress) {
			down[p.PeerAddress] = true
		}
	}
	return down
}

// established reports whether GoBGP has the session to a peer in the
// Established state.
func (s *Speaker) established(addr netip.Addr) bool {
	up := false
	err := s.server.ListPeer(context.Background(), &api.ListPeerRequest{Address: addr.String()}, func(p *api.Peer) {
		up = p.GetState().GetSessionState() == api.PeerState_SESSION_STATE_ESTABLISHED
	})
	return err == nil && up
}

// onPeerEvent logs a session state change and records it for Peers.
func (s *Speaker) onPeerEvent(ev *apiutil.WatchEventMessage_PeerEvent, t time.Time) {
	if ev.Type != apiutil.PEER_EVENT_STATE {
		return
	}
	st := ev.Peer.State
	addr := st.NeighborAddress
	state := sessionStateName(st.SessionState)

	s.mu.Lock()
	info := s.peers[addr]
	if info == nil || info.state == state {
		s.mu.Unlock()
		return
	}
	wasUp := info.state == "established"
	info.state, info.since = state, t
	info.transitions++
	routes := 0
	if wasUp {
		info.lastError = st.DisconnectMessage
		routes = s.rib.routesOf(addr)
	}
	s.mu.Unlock()

	switch {
	case state == "established":
		s.logger.Info("BGP session established", "peer", addr.String(), "peer_as", st.PeerASN)
	case wasUp && routes == 0:
		s.logger.Warn("BGP session down; the peer had no routes, so the network map does not change", "peer", addr.String(), "peer_as", st.PeerASN, "reason", st.DisconnectMessage)
	case wasUp:
		s.logger.Warn("BGP session down; its routes stay in use for the hold time", "peer", addr.String(), "peer_as", st.PeerASN, "reason", st.DisconnectMessage, "routes", routes, "hold_time", time.Duration(s.cfg.HoldTime).String())
	default:
		s.logger.Debug("BGP session state", "peer", addr.String(), "state", state)
	}
}

// sessionStateName returns the RFC 4271, Section 8.2.2 name of a state,
// in lower case.
func sessionStateName(st bgp.FSMState) string {
	switch st {
	case bgp.BGP_FSM_IDLE:
		return "idle"
	case bgp.BGP_FSM_CONNECT:
		return "connect"
	case bgp.BGP_FSM_ACTIVE:
		return "active"
	case bgp.BGP_FSM_OPENSENT:
		return "opensent"
	case bgp.BGP_FSM_OPENCONFIRM:
		return "openconfirm"
	case bgp.BGP_FSM_ESTABLISHED:
		return "established"
	}
	return "unknown"
}

// loop publishes the routes after each quiet period and drops held
// routes when their hold time ends, until ctx is done.
func (s *Speaker) loop(ctx context.Context) {
	defer close(s.done)
	quiet, maxDelay := time.Duration(s.cfg.QuietPeriod), time.Duration(s.cfg.MaxDelay)
	publish := stoppedTimer()
	expiry := stoppedTimer()
	var first time.Time // of the unpublished changes; zero when there are none
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.kick:
			now := time.Now()
			if first.IsZero() {
				first = now
			}
			publish.Reset(min(quiet, first.Add(maxDelay).Sub(now)))
		case <-publish.C:
			first = time.Time{}
			s.publish()
		case <-expiry.C:
			s.expireHeld()
		}
		s.mu.Lock()
		next := s.rib.nextExpiry()
		s.mu.Unlock()
		if !next.IsZero() {
			expiry.Reset(time.Until(next))
		}
	}
}

func stoppedTimer() *time.Timer {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return t
}

// publish makes the current routes the contribution to builds and
// signals the daemon to rebuild. It publishes nothing when the routes in
// use are those of the last version and no family handler changed, as
// when a session goes down and its routes are held. So every version has
// a new network map and vtag.
func (s *Speaker) publish() {
	s.mu.Lock()
	entries := s.rib.entries(s.rules, s.cfg.DefaultPID)
	if !s.handlerChanged && slices.Equal(entries, s.table.Entries) {
		s.stats.unchanged++
		s.mu.Unlock()
		s.logger.Debug("BGP routes unchanged after the quiet period; no new version", "prefixes", len(entries))
		return
	}
	s.handlerChanged = false
	s.table = &prefixes.Table{File: snapshot.BGPTableFile, Entries: entries}
	s.stats.versions++
	s.stats.lastPublished = time.Now()
	s.stats.lastPublishSize = len(entries)
	held := len(s.rib.held)
	s.mu.Unlock()

	s.logger.Info("BGP routes published", "prefixes", len(entries), "held", held)
	select {
	case s.changed <- struct{}{}:
	default: // A rebuild is pending already, and it reads the new table.
	}
}

// expireHeld drops the held routes whose hold time ended.
func (s *Speaker) expireHeld() {
	s.mu.Lock()
	dropped := s.rib.expire(time.Now())
	total := 0
	for _, n := range dropped {
		total += n
	}
	s.stats.heldExpired += uint64(total)
	s.mu.Unlock()
	for peer, n := range dropped {
		s.logger.Warn("hold time ended; withdrawing the routes of a peer that is down", "peer", peer.String(), "prefixes", n)
	}
	if total > 0 {
		s.noteChange()
	}
}
