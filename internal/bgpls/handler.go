package bgpls

import (
	"log/slog"
	"sync"

	"github.com/osrg/gobgp/v4/pkg/apiutil"
	"github.com/osrg/gobgp/v4/pkg/packet/bgp"

	"github.com/goalto/goalto/internal/daemon"
	"github.com/goalto/goalto/internal/netdef"
	"github.com/goalto/goalto/internal/snapshot"
	"github.com/goalto/goalto/internal/topology"
)

// Handler takes the BGP-LS best paths of a BGP speaker into a
// [Database] and contributes its graph to every build, in place of the
// topology file. It implements the interface that the speaker requires
// of the handler of an extra address family. It contributes nothing
// until [Handler.Configure] sees a definition with bgp-ls enabled.
type Handler struct {
	db *Database

	mu      sync.Mutex // guards the following fields
	enabled bool
	opts    Options
	logger  *slog.Logger
	graph   *topology.Graph // built from the current contents; nil when stale
	errors  int             // paths rejected so far
}

// maxLoggedErrors is how many rejected paths a handler logs one by one;
// after that it logs every 1000th.
const maxLoggedErrors = 10

// NewHandler returns a handler with an empty database.
func NewHandler() *Handler {
	return &Handler{db: NewDatabase(), logger: slog.Default()}
}

// Configure takes the bgp-ls section of a definition. A nil logger means
// slog.Default().
func (h *Handler) Configure(def *netdef.Definition, logger *slog.Logger) {
	if logger == nil {
		logger = slog.Default()
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.enabled = def.BGPLS.Enabled
	h.opts = Options{Name: "bgp-ls", Metric: Metric(def.BGPLS.Metric), PrefixPIDs: def.BGPLS.PrefixPIDs}
	h.logger = logger.With("component", "bgp-ls")
	h.graph = nil
}

// Factory returns a daemon source factory that configures h from the
// definition and starts no source of its own, because the BGP speaker
// delivers the paths. List it before the speaker's factory.
func (h *Handler) Factory() daemon.SourceFactory {
	return func(def *netdef.Definition, logger *slog.Logger) (daemon.Source, error) {
		h.Configure(def, logger)
		return nil, nil
	}
}

// Family returns the BGP-LS address family, AFI 16388 / SAFI 71.
func (h *Handler) Family() bgp.Family { return bgp.RF_LS }

// Update applies best paths, withdrawals included, and reports whether
// the database changed. A path that cannot be applied is logged and
// skipped.
func (h *Handler) Update(paths []*apiutil.Path) bool {
	changed := false
	for _, p := range paths {
		var err error
		if p.Withdrawal {
			err = h.db.Withdraw(p.Nlri)
		} else {
			err = h.db.Announce(p.Nlri, p.Attrs)
		}
		if err != nil {
			h.reject(p, err)
			continue
		}
		changed = true
	}
	if changed {
		h.mu.Lock()
		h.graph = nil
		h.mu.Unlock()
	}
	return changed
}

func (h *Handler) reject(p *apiutil.Path, err error) {
	h.mu.Lock()
	h.errors++
	n, logger := h.errors, h.logger
	h.mu.Unlock()
	if n <= maxLoggedErrors || n%1000 == 0 {
		logger.Warn("BGP-LS path skipped", "peer", p.PeerAddress, "nlri", p.Nlri, "err", err, "skipped_total", n)
	}
}

// Contribute sets live.Graph to the BGP-LS topology when the definition
// enables it. The graph is built again only after a change.
func (h *Handler) Contribute(live *snapshot.Live) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.enabled {
		return
	}
	if h.graph == nil {
		c := h.db.Contents()
		h.graph = BuildGraph(c, h.opts)
		h.logger.Info("BGP-LS topology built", "nodes", len(h.graph.Nodes), "links", len(h.graph.Links),
			"link_nlris", len(c.Links), "prefix_nlris", len(c.Prefixes), "ignored_nlris", c.Ignored)
	}
	live.Graph = h.graph
}

// Database returns the handler's link-state database.
func (h *Handler) Database() *Database { return h.db }
