// Package bgp embeds a BGP speaker, GoBGP (github.com/osrg/gobgp/v4), in
// altod. The speaker keeps sessions with the peers of the definition's
// bgp section, usually route reflectors, and only receives: an export
// policy rejects every route, and nothing is installed in the kernel.
// It keeps the best path of each IPv4 and IPv6 unicast prefix and turns
// it into a network map entry by the PID rules of the definition.
//
// Route changes are published as a new network map version once no
// change has come for the quiet period, or at the latest after the max
// delay. The routes of a peer whose session goes down stay in use for
// the hold time, so that a flap does not empty the map.
//
// Paths of other address families, such as BGP-LS, go to the
// FamilyHandler registered for them. docs/bgp.md describes the
// configuration.
package bgp

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/osrg/gobgp/v4/api"
	"github.com/osrg/gobgp/v4/pkg/apiutil"
	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
	"github.com/osrg/gobgp/v4/pkg/server"

	"github.com/goalto/goalto/internal/netdef"
	"github.com/goalto/goalto/internal/prefixes"
	"github.com/goalto/goalto/internal/snapshot"
)

// FamilyHandler receives the best paths of an address family other than
// IPv4 and IPv6 unicast, and contributes what it makes of them to each
// build. The speaker calls Update from one goroutine, and Contribute from
// the build goroutine.
type FamilyHandler interface {
	// Family is the address family whose paths the handler takes.
	Family() bgp.Family
	// Update applies best paths, withdrawals included, and reports
	// whether the handler's contribution changed, which starts the quiet
	// period.
	Update(paths []*apiutil.Path) bool
	// Contribute adds the handler's values to a build.
	Contribute(live *snapshot.Live)
}

// Options extend what a speaker does.
type Options struct {
	// Families receive the paths of address families other than IPv4
	// and IPv6 unicast.
	Families []FamilyHandler
	// OnStart, when set, is called with each speaker that starts, for
	// example to export its metrics.
	OnStart func(*Speaker)
}

// Speaker is a running BGP speaker. It implements daemon.Source.
type Speaker struct {
	cfg      netdef.BGP
	logger   *slog.Logger
	server   *server.BgpServer
	rules    []rule
	handlers map[bgp.Family]FamilyHandler
	cancel   context.CancelFunc
	kick     chan struct{} // signal of a route change; noteChange never blocks on it
	changed  chan struct{} // a version is ready; buffered
	done     chan struct{} // closed when the publishing loop ends

	mu    sync.Mutex // guards the following fields
	rib   *rib
	peers map[netip.Addr]*peerInfo
	table *prefixes.Table // the published entries
	// handlerChanged records that a family handler, such as BGP-LS,
	// reported a change since the last version.
	handlerChanged bool
	stats          counters
}

// counters are the totals that Stats reports.
type counters struct {
	versions        uint64
	pathsReceived   uint64
	withdrawals     uint64
	heldExpired     uint64
	unchanged       uint64
	lastPublished   time.Time
	lastPublishSize int
}

// Start starts a speaker with the configuration cfg, which Parse has
// validated, and adds its peers.
func Start(cfg netdef.BGP, logger *slog.Logger, opts Options) (*Speaker, error) {
	if logger == nil {
		logger = slog.Default()
	}
	// GoBGP logs every peer state change at Info; the speaker logs them
	// itself, so GoBGP's own lines start at Warn.
	level := &slog.LevelVar{}
	level.Set(slog.LevelWarn)
	gobgpLogger := slog.New(&levelHandler{Handler: logger.Handler(), level: level}).With("component", "gobgp")
	logger = logger.With("component", "bgp")
	s := &Speaker{
		cfg:      cfg,
		logger:   logger,
		server:   server.NewBgpServer(server.LoggerOption(gobgpLogger, level)),
		rules:    compileRules(cfg.Rules),
		handlers: map[bgp.Family]FamilyHandler{},
		kick:     make(chan struct{}, 1),
		changed:  make(chan struct{}, 1),
		done:     make(chan struct{}),
		rib:      newRIB(),
		peers:    map[netip.Addr]*peerInfo{},
		table:    &prefixes.Table{File: snapshot.BGPTableFile},
	}
	for _, h := range opts.Families {
		s.handlers[h.Family()] = h
	}
	go s.server.Serve()
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	if err := s.configure(ctx); err != nil {
		cancel()
		s.server.Stop()
		return nil, err
	}
	go s.loop(ctx)
	if opts.OnStart != nil {
		opts.OnStart(s)
	}
	logger.Info("BGP speaker started", "local_as", cfg.LocalAS, "router_id", cfg.RouterID, "listen_port", cfg.ListenPort, "peers", len(cfg.Peers))
	return s, nil
}

// configure starts BGP, rejects every export, watches the best paths and
// the peers, and adds the peers.
func (s *Speaker) configure(ctx context.Context) error {
	global := &api.Global{Asn: s.cfg.LocalAS, RouterId: s.cfg.RouterID, ListenPort: -1}
	if s.cfg.ListenPort != 0 {
		global.ListenPort = int32(s.cfg.ListenPort)
		if s.cfg.ListenAddress != "" {
			global.ListenAddresses = []string{s.cfg.ListenAddress}
		}
	}
	if err := s.server.StartBgp(ctx, &api.StartBgpRequest{Global: global}); err != nil {
		return fmt.Errorf("start BGP: %w", err)
	}
	// The speaker only receives: the default export action of the global
	// policy rejects every route.
	err := s.server.SetPolicyAssignment(ctx, &api.SetPolicyAssignmentRequest{Assignment: &api.PolicyAssignment{
		Name:          "global",
		Direction:     api.PolicyDirection_POLICY_DIRECTION_EXPORT,
		DefaultAction: api.RouteAction_ROUTE_ACTION_REJECT,
	}})
	if err != nil {
		return fmt.Errorf("set the export policy: %w", err)
	}
	err = s.server.WatchEvent(ctx, server.WatchEventMessageCallbacks{
		OnBestPath:   s.onBestPaths,
		OnPeerUpdate: s.onPeerEvent,
	}, server.WatchBestPath(true), server.WatchPeer())
	if err != nil {
		return fmt.Errorf("watch BGP events: %w", err)
	}
	for _, p := range s.cfg.Peers {
		if err := s.addPeer(ctx, p); err != nil {
			return err
		}
	}
	return nil
}

func (s *Speaker) addPeer(ctx context.Context, p netdef.BGPPeer) error {
	addr := netip.MustParseAddr(p.Address) // validated by netdef
	s.peers[addr] = &peerInfo{conf: p, state: "idle"}
	peer := &api.Peer{
		Conf: &api.PeerConf{NeighborAddress: p.Address, PeerAsn: p.AS, AuthPassword: p.Password},
		Transport: &api.Transport{
			RemotePort:  uint32(p.Port),
			PassiveMode: p.Passive,
		},
	}
	if p.ConnectRetry > 0 {
		peer.Timers = &api.Timers{Config: &api.TimersConfig{ConnectRetry: uint64(time.Duration(p.ConnectRetry) / time.Second)}}
	}
	for _, f := range p.Families {
		peer.AfiSafis = append(peer.AfiSafis, &api.AfiSafi{Config: &api.AfiSafiConfig{Family: apiFamily(f), Enabled: true}})
	}
	if err := s.server.AddPeer(ctx, &api.AddPeerRequest{Peer: peer}); err != nil {
		return fmt.Errorf("add BGP peer %s: %w", p.Address, err)
	}
	return nil
}

// apiFamily converts a family name of the definition.
func apiFamily(name string) *api.Family {
	switch name {
	case netdef.FamilyIPv6Unicast:
		return &api.Family{Afi: api.Family_AFI_IP6, Safi: api.Family_SAFI_UNICAST}
	case netdef.FamilyLinkState:
		return &api.Family{Afi: api.Family_AFI_LS, Safi: api.Family_SAFI_LS}
	}
	return &api.Family{Afi: api.Family_AFI_IP, Safi: api.Family_SAFI_UNICAST}
}

// Contribute adds the published entries to a build.
func (s *Speaker) Contribute(live *snapshot.Live) {
	s.mu.Lock()
	t := s.table
	s.mu.Unlock()
	live.Tables = append(live.Tables, t)
	for _, h := range s.handlers {
		h.Contribute(live)
	}
}

// Changed delivers a value when a new version of the routes is
// published.
func (s *Speaker) Changed() <-chan struct{} { return s.changed }

// Close stops the speaker, closing its sessions.
func (s *Speaker) Close() error {
	s.cancel()
	<-s.done
	s.server.Stop()
	s.logger.Info("BGP speaker stopped")
	return nil
}

// noteChange starts or extends the quiet period.
func (s *Speaker) noteChange() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

func peerName(addr netip.Addr, as uint32) string {
	return addr.String() + " (AS" + strconv.FormatUint(uint64(as), 10) + ")"
}

// levelHandler passes on the records of at least a level.
type levelHandler struct {
	slog.Handler
	level slog.Leveler
}

// Enabled reports whether the level is at least h's level and the
// wrapped handler takes it.
func (h *levelHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.level.Level() && h.Handler.Enabled(ctx, l)
}

// WithAttrs keeps the level filter on the derived handler.
func (h *levelHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &levelHandler{Handler: h.Handler.WithAttrs(attrs), level: h.level}
}

// WithGroup keeps the level filter on the derived handler.
func (h *levelHandler) WithGroup(name string) slog.Handler {
	return &levelHandler{Handler: h.Handler.WithGroup(name), level: h.level}
}
