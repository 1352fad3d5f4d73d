package bgp

import (
	"context"

	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"strconv"
	"time"

	"github.com/osrg/gobgp/v4/api"
	"github.com/osrg/gobgp/v4/pkg/apiutil"
	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
	"github.com/osrg/gobgp/v4/pkg/server"

	"github.com/goalto/goalto/internal/mrt"
)

// ReplayConfig configures a Replayer.
type ReplayConfig struct {
	// File is a BGP4MP update file (MRT), plain, gzip or bzip2.
	File string
	// Speed is how many times faster than recorded the updates are sent;
	// 0 sends them as fast as possible.
	Speed float64
	// Selector limits the replay to the updates of one collector peer,
	// by address or AS; the zero value replays every peer and announces
	// the best route of each prefix by the rule of mrt.Selector.
	Selector mrt.Selector
	// Listen is the loopback host:port on which the replaying speaker
	// waits for altod's speaker to connect, such as 127.0.0.1:11179.
	Listen string
	// AS and RouterID identify the replaying speaker. The AS of altod's
	// speaker is the same, so that AS paths and next hops pass
	// unchanged over iBGP, as from a route reflector.
	AS       uint32
	RouterID string
	// Neighbor is the source address of altod's speaker's connection;
	// default 127.0.0.1.
	Neighbor string
	// Logger receives progress lines; nil means slog.Default().
	Logger *slog.Logger
}

// ReplayStats counts what a replay sent.
type ReplayStats struct {
	Updates   int           // update records of the selected peers
	Announced int           // best route changes sent as announcements
	Withdrawn int           // best routes withdrawn
	Skipped   int           // routes that could not be re-announced, such as IPv4 with an IPv6 next hop
	Elapsed   time.Duration // from the first update sent to the last
}

// Replayer is a BGP speaker that replays an update file to altod's
// speaker over a loopback session.
type Replayer struct {
	cfg    ReplayConfig
	logger *slog.Logger
	server *server.BgpServer

	// routes are the current routes per prefix and collector peer.
	routes map[netip.Prefix]map[mrt.Peer]*replayRoute
	sent   map[netip.Prefix]*replayRoute // the route announced per prefix
	queued bool                          // whether a route change was given to GoBGP
}

// replayRoute is one collector peer's route to a prefix.
type replayRoute struct {
	peer   mrt.Peer
	length int // mrt.PathLength of the AS path
	path   *apiutil.Path
}

// StartReplayer starts the replaying speaker and has it wait for altod's
// speaker on cfg.Listen. The listen address must be a loopback address.
func StartReplayer(cfg ReplayConfig) (*Replayer, error) {
	host, portText, err := net.SplitHostPort(cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("invalid listen address %q: %w", cfg.Listen, err)
	}
	addr, err := netip.ParseAddr(host)
	if err != nil || !addr.IsLoopback() {
		return nil, fmt.Errorf("invalid listen address %q: give a loopback address, such as 127.0.0.1:11179", cfg.Listen)
	}
	port, err := strconv.Atoi(portText)
	if err != nil || port < 1 || port > 65535 {
		return nil, fmt.Errorf("invalid listen port %q", portText)
	}
	if cfg.Neighbor == "" {
		cfg.Neighbor = "127.0.0.1"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	level := &slog.LevelVar{}
	level.Set(slog.LevelWarn)
	quiet := slog.New(&levelHandler{Handler: cfg.Logger.Handler(), level: level})
	r := &Replayer{
		cfg:    cfg,
		logger: cfg.Logger.With("component", "bgp-replay"),
		server: server.NewBgpServer(server.LoggerOption(quiet.With("component", "gobgp"), level)),
		routes: map[netip.Prefix]map[mrt.Peer]*replayRoute{},
		sent:   map[netip.Prefix]*replayRoute{},
	}
	go r.server.Serve()
	if err := r.configure(addr.String(), port); err != nil {
		r.server.Stop()
		return nil, err
	}
	return r, nil
}

func (r *Replayer) configure(addr string, port int) error {
	ctx := context.Background()
	err := r.server.StartBgp(ctx, &api.StartBgpRequest{Global: &api.Global{
		Asn: r.cfg.AS, RouterId: r.cfg.RouterID, ListenPort: int32(port), ListenAddresses: []string{addr},
	}})
	if err != nil {
		return fmt.Errorf("start the replaying speaker: %w", err)
	}
	err = r.server.AddPeer(ctx, &api.AddPeerRequest{Peer: &api.Peer{
		Conf:      &api.PeerConf{NeighborAddress: r.cfg.Neighbor, PeerAsn: r.cfg.AS},
		Transport: &api.Transport{PassiveMode: true},
		AfiSafis: []*api.AfiSafi{
			{Config: &api.AfiSafiConfig{Family: apiFamily("ipv4-unicast"), Enabled: true}},
			{Config: &api.AfiSafiConfig{Family: apiFamily("ipv6-unicast"), Enabled: true}},
		},
	}})
	if err != nil {
		return fmt.Errorf("add altod's speaker as neighbor: %w", err)
	}
	return nil
}

// WaitEstablished waits until altod's speaker has connected and the
// session is established, or ctx is done.
func (r *Replayer) WaitEstablished(ctx context.Context) error {
	for {
		up := false
		err := r.server.ListPeer(ctx, &api.ListPeerRequest{Address: r.cfg.Neighbor}, func(p *api.Peer) {
			up = p.GetState().GetSessionState() == api.PeerState_SESSION_STATE_ESTABLISHED
		})
		if err != nil {
			return err
		}
		if up {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for altod's speaker to connect to %s: %w", r.cfg.Listen, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Run sends the updates of the file at the configured speed. After each
// update record it calls sent, if not nil, with the number of records
// sent so far and the time the last was sent. The replay waits while
// sent runs. The routes stay announced until Close.
func (r *Replayer) Run(ctx context.Context, sent func(n int, at time.Time)) (ReplayStats, error) {
	var st ReplayStats
	var start time.Time
	var first time.Time
	err := mrt.ReadUpdates(r.cfg.File, func(u mrt.Update) error {
		if !r.selected(u.Peer) {
			return nil
		}
		if start.IsZero() {
			start, first = time.Now(), u.Time
		}
		if err := r.pace(ctx, start, u.Time.Sub(first)); err != nil {
			return err
		}
		if err := r.apply(u, &st); err != nil {
			return err
		}
		st.Updates++
		if sent != nil {
			sent(st.Updates, time.Now())
		}
		return nil
	})
	if !start.IsZero() {
		st.Elapsed = time.Since(start)
	}
	r.logger.Info("replay finished", "file", r.cfg.File, "updates", st.Updates, "announced", st.Announced, "withdrawn", st.Withdrawn, "skipped", st.Skipped, "elapsed", st.Elapsed.String())
	return st, err
}

func (r *Replayer) selected(p mrt.Peer) bool {
	sel := r.cfg.Selector
	if sel.PeerAddr.IsValid() && p.Addr != sel.PeerAddr {
		return false
	}
	return sel.PeerAS == 0 || p.AS == sel.PeerAS
}

// pace waits until offset, divided by the speed, has passed since start.
func (r *Replayer) pace(ctx context.Context, start time.Time, offset time.Duration) error {
	if r.cfg.Speed <= 0 {
		return ctx.Err()
	}
	wait := time.Until(start.Add(time.Duration(float64(offset) / r.cfg.Speed)))
	if wait <= 0 {
		return ctx.Err()
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(wait):
		return nil
	}
}

// apply updates the routes of the record's peer and sends the changes
// of the best routes.
func (r *Replayer) apply(u mrt.Update, st *ReplayStats) error {
	changed := map[netip.Prefix]bool{}
	if u.PeerDown {
		for prefix, byPeer := range r.routes {
			if _, ok := byPeer[u.Peer]; ok {
				delete(byPeer, u.Peer)
				changed[prefix] = true
			}
		}
	}
	for _, prefix := range u.Withdrawn {
		if byPeer := r.routes[prefix]; byPeer != nil {
			delete(byPeer, u.Peer)
			changed[prefix] = true
		}
	}
	for _, prefix := range u.Announced {
		path, ok := replayPath(prefix, u)
		if !ok {
			st.Skipped++
			continue
		}
		if r.routes[prefix] == nil {
			r.routes[prefix] = map[mrt.Peer]*replayRoute{}
		}
		r.routes[prefix][u.Peer] = &replayRoute{peer: u.Peer, length: mrt.PathLength(u.ASPath), path: path}
		changed[prefix] = true
	}
	return r.send(changed, st)
}

// send announces the new best route of each changed prefix, or
// withdraws the prefix when no route is left.
func (r *Replayer) send(changed map[netip.Prefix]bool, st *ReplayStats) error {
	var announce, withdraw []*apiutil.Path
	for prefix := range changed {
		best := bestReplayRoute(r.routes[prefix])
		old := r.sent[prefix]
		switch {
		case best == nil && old != nil:
			w := *old.path
			w.Withdrawal = true
			withdraw = append(withdraw, &w)
			delete(r.sent, prefix)
			delete(r.routes, prefix)
		case best != nil && best != old:
			announce = append(announce, best.path)
			r.sent[prefix] = best
		}
	}
	if len(withdraw) > 0 {
		if err := r.server.DeletePath(apiutil.DeletePathRequest{Paths: withdraw}); err != nil {
			return fmt.Errorf("withdraw %d routes: %w", len(withdraw), err)
		}
		st.Withdrawn += len(withdraw)
		r.queued = true
	}
	if len(announce) > 0 {
		if _, err := r.server.AddPath(apiutil.AddPathRequest{Paths: announce}); err != nil {
			return fmt.Errorf("announce %d routes: %w", len(announce), err)
		}
		st.Announced += len(announce)
		r.queued = true
	}
	return nil
}

// sentSettle is how long the count of UPDATE messages sent must stay
// unchanged before WaitSent takes GoBGP's send queue as empty.
const sentSettle = time.Second

// WaitSent waits until the speaker has sent altod's speaker the route
// changes that Run gave it, or ctx is done. GoBGP sends them from a
// queue of the session and Close drops what is still queued, so a
// replay that ends the session calls WaitSent first. GoBGP (v4.8.0)
// reports no event when the queue is empty. WaitSent therefore waits
// until at least one UPDATE message was sent, when Run sent changes,
// and the count has then not changed for sentSettle.
// NOTE: a send goroutine that a loaded machine pauses for longer than
// sentSettle ends the wait early.
func (r *Replayer) WaitSent(ctx context.Context) error {
	var last uint64
	since := time.Now()
	for {
		var sent uint64
		err := r.server.ListPeer(ctx, &api.ListPeerRequest{Address: r.cfg.Neighbor}, func(p *api.Peer) {
			sent = p.GetState().GetMessages().GetSent().GetUpdate()
		})
		if err != nil {
			return fmt.Errorf("reading the UPDATE messages sent to altod's speaker: %w", err)
		}
		if sent != last {
			last, since = sent, time.Now()
		}
		if (sent > 0 || !r.queued) && time.Since(since) >= sentSettle {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for the updates to be sent to altod's speaker: %w", ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// bestReplayRoute picks the route with the shortest AS path, then of the
// lowest peer address, as mrt.Selector does.
func bestReplayRoute(byPeer map[mrt.Peer]*replayRoute) *replayRoute {
	var best *replayRoute
	for _, rt := range byPeer {
		if best == nil || rt.length < best.length ||
			rt.length == best.length && rt.peer.Addr.Compare(best.peer.Addr) < 0 {
			best = rt
		}
	}
	return best
}

// replayPath builds the path that re-announces a recorded route: its
// AS path as 4-octet AS numbers, its next hop, and the attributes that
// do not depend on the session (ORIGIN, MULTI_EXIT_DISC, LOCAL_PREF,
// ATOMIC_AGGREGATE and the communities).
func replayPath(prefix netip.Prefix, u mrt.Update) (*apiutil.Path, bool) {
	if !u.NextHop.IsValid() || u.NextHop.Is4() != prefix.Addr().Is4() {
		return nil, false
	}
	nlri, err := bgp.NewIPAddrPrefix(prefix)
	if err != nil {
		return nil, false
	}
	attrs := make([]bgp.PathAttributeInterface, 0, len(u.Attrs)+2)
	hasOrigin := false
	for _, a := range u.Attrs {
		switch a.(type) {
		case *bgp.PathAttributeOrigin:
			hasOrigin = true
			attrs = append(attrs, a)
		case *bgp.PathAttributeMultiExitDisc, *bgp.PathAttributeLocalPref, *bgp.PathAttributeAtomicAggregate,
			*bgp.PathAttributeCommunities, *bgp.PathAttributeLargeCommunities, *bgp.PathAttributeExtendedCommunities:
			attrs = append(attrs, a)
		}
	}
	if !hasOrigin {
		attrs = append(attrs, bgp.NewPathAttributeOrigin(bgp.BGP_ORIGIN_ATTR_TYPE_INCOMPLETE))
	}
	params := make([]bgp.AsPathParamInterface, 0, len(u.ASPath))
	for _, s := range u.ASPath {
		params = append(params, bgp.NewAs4PathParam(s.Type, s.ASNs))
	}
	attrs = append(attrs, bgp.NewPathAttributeAsPath(params))
	family := bgp.RF_IPv4_UC
	if prefix.Addr().Is4() {
		nh, err := bgp.NewPathAttributeNextHop(u.NextHop)
		if err != nil {
			return nil, false
		}
		attrs = append(attrs, nh)
	} else {
		family = bgp.RF_IPv6_UC
		mp, err := bgp.NewPathAttributeMpReachNLRI(family, []bgp.PathNLRI{{NLRI: nlri}}, u.NextHop)
		if err != nil {
			return nil, false
		}
		attrs = append(attrs, mp)
	}
	return &apiutil.Path{Family: family, Nlri: nlri, Attrs: attrs}, true
}

// Close stops the replaying speaker, which ends the session; altod's
// speaker then holds the routes for its hold time.
func (r *Replayer) Close() error {
	r.server.Stop()
	return nil
}
