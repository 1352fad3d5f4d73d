// Package daemon runs an ALTO server process: it builds the first
// snapshot from a network definition, serves it over HTTP, rebuilds it
// when the definition or one of its input files changes (or on Reload),
// and shuts down gracefully. A rebuild that fails leaves the previous
// snapshot serving and logs the error, which names the file, line and
// field at fault.
package daemon

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/goalto/goalto/internal/altoconf"
	"github.com/goalto/goalto/internal/cdni"
	"github.com/goalto/goalto/internal/defaultnet"
	"github.com/goalto/goalto/internal/netdef"
	"github.com/goalto/goalto/internal/networkmap"
	"github.com/goalto/goalto/internal/pathvector"
	"github.com/goalto/goalto/internal/propmap"
	"github.com/goalto/goalto/internal/server"
	"github.com/goalto/goalto/internal/snapshot"
	"github.com/goalto/goalto/internal/sse"
	"github.com/goalto/goalto/internal/tips"
	"github.com/goalto/goalto/internal/transport"
	"github.com/goalto/goalto/internal/updates"
)

// Defaults of Config.
const (
	DefaultListen         = "127.0.0.1:8181"
	DefaultReloadInterval = 2 * time.Second
	DefaultShutdownGrace  = 10 * time.Second
)

// Config configures a daemon. The zero value serves the built-in network
// on DefaultListen.
type Config struct {
	// Listen is the TCP address to serve on; default DefaultListen. Port 0
	// picks a free port, which Addr then returns.
	Listen string
	// Definition is the network definition file; empty serves the
	// built-in LHCONE network.
	Definition string
	// Transport selects the HTTP versions and TLS; its Listen and Logger
	// are taken from this Config.
	Transport transport.Config
	// Limits bounds each request; zero fields take the server defaults.
	Limits server.Limits
	// ReloadInterval is how often input files are checked for changes;
	// default DefaultReloadInterval, negative disables the check.
	ReloadInterval time.Duration
	// Logger receives lifecycle logs; nil means slog.Default().
	Logger *slog.Logger
	// Services register the services of extension resource types, such
	// as update streams, on the handler before it serves.
	Services []Registrar
	// Metrics receives the measurements of requests, builds and reloads,
	// and serves them at /metrics on the management listener; nil
	// measures nothing. Package metrics implements it with Prometheus.
	Metrics Metrics
	// Stats receives every request and published snapshot, like
	// Metrics, for statistics served elsewhere, such as the
	// ietf-alto-stats state of RESTCONF; nil receives none.
	Stats StatsObserver
	// ManagementHandlers are served on the management listener besides
	// the health and metrics paths, by http.ServeMux pattern, such as
	// the RESTCONF server.
	ManagementHandlers map[string]http.Handler
	// ManagementTLS, when set, makes the management listener serve
	// HTTPS with it, for example to verify client certificates.
	ManagementTLS *tls.Config
	// ManagementListen is the TCP address of the management listener,
	// which serves /healthz, /readyz and, with Metrics, /metrics over
	// plain HTTP; empty disables it. Port 0 picks a free port, which
	// ManagementAddr then returns.
	ManagementListen string
	// Sources start the running inputs that a definition configures,
	// such as BGP sessions; see Source.
	Sources []SourceFactory
}

// Registrar registers services on a handler; e is the update engine that
// incremental update services read from.
type Registrar func(h *server.Handler, e *updates.Engine, logger *slog.Logger)

// DefaultServices returns the services altod registers: update streams
// (RFC 8895), TIPS (RFC 9569), filtered property maps (RFC 9240) and
// filtered CDNI advertisements (RFC 9241) and path vectors (RFC 9275).
func DefaultServices() []Registrar {
	return ServicesWith(sse.Config{}, tips.Register)
}

// ServicesWith returns the services of DefaultServices with the update
// stream service configured by sseCfg and TIPS registered by tipsReg,
// for example a TIPS service whose views a metrics registry counts.
func ServicesWith(sseCfg sse.Config, tipsReg Registrar) []Registrar {
	return []Registrar{sse.NewRegistrar(sseCfg), tipsReg, propmap.Register, cdni.Register, pathvector.Register}
}

// Daemon is a running server.
type Daemon struct {
	cfg     Config
	logger  *slog.Logger
	handler *server.Handler
	srv     *transport.Server
	engine  *updates.Engine

	mgmt    *http.Server // nil without a management listener
	mgmtLn  net.Listener
	mgmtMux *http.ServeMux // nil without a management listener
	serving atomic.Bool    // the ALTO listener serves and is not shutting down

	sources []Source   // set by Start, then read only
	buildMu sync.Mutex // serialises builds and their publication

	mu     sync.Mutex // guards the following fields
	stamps map[string]time.Time
	warned map[string]bool // the warnings of the last publication
	// startOnly holds, per section that the sources read only at start,
	// the value they started with and the one of the newest definition.
	startOnly map[string]*startOnlySection
}

// LoadDefinition reads the definition file, or returns the built-in
// definition when path is empty. The file is a network definition or a
// configuration in the ietf-alto YANG model (package altoconf), which is
// recognised by its top-level member "ietf-alto:alto".
func LoadDefinition(path string) (*netdef.Definition, error) {
	def, _, err := loadDefinition(path)
	return def, err
}

// loadDefinition is LoadDefinition that also returns a function that
// reports an error of building the maps of an ietf-alto configuration at
// the configuration node it comes from (Config.Explain).
func loadDefinition(path string) (*netdef.Definition, func(error) error, error) {
	same := func(err error) error { return err }
	if path == "" {
		def, err := defaultnet.Definition()
		return def, same, err
	}
	if altoconf.IsFile(path) {
		c, err := altoconf.Load(path)
		if err != nil {
			return nil, same, err
		}
		return c.Def, c.Explain, nil
	}
	def, err := netdef.Load(path)
	return def, same, err
}

// ApplyDefinition builds a snapshot from def beside the running one and
// publishes it in one step, as a reload does. commit, when not nil, runs
// after the build succeeds and before the snapshot is published, and
// its error cancels the change; the configuration datastore saves the
// configuration file there. On any error the running snapshot keeps
// serving. Sources that the definition starts are not restarted.
func (d *Daemon) ApplyDefinition(def *netdef.Definition, commit func() error) error {
	d.buildMu.Lock()
	defer d.buildMu.Unlock()
	d.noteStartOnly(def)
	snap, err := snapshot.BuildLive(def, d.live())
	if err == nil && commit != nil {
		err = commit()
	}
	if err != nil {
		d.logger.Error("configuration change rejected; the previous maps keep serving", "err", err)
		d.observeReload(err)
		return err
	}
	d.setStamps(fileStamps(d.cfg.Definition, def))
	d.publish(snap)
	d.observeReload(nil)
	d.logger.Info("configuration change applied")
	return nil
}

// Build reads a definition and builds a snapshot from it.
func Build(path string) (*snapshot.Snapshot, error) {
	def, explain, err := loadDefinition(path)
	if err != nil {
		return nil, err
	}
	snap, err := snapshot.Build(def)
	return snap, explain(err)
}

// BuildWith reads a definition and builds a snapshot from it with the
// first values of the sources that the factories start, which it closes
// before it returns. altod --check uses it to report missing and stale
// measurements.
func BuildWith(path string, factories []SourceFactory, logger *slog.Logger) (*snapshot.Snapshot, error) {
	def, explain, err := loadDefinition(path)
	if err != nil {
		return nil, err
	}
	var live snapshot.Live
	for _, f := range factories {
		src, err := f(def, logger)
		if err != nil {
			return nil, err
		}
		if src != nil {
			src.Contribute(&live)
			if err := src.Close(); err != nil {
				logger.Warn("closing a source", "err", err)
			}
		}
	}
	snap, err := snapshot.BuildLive(def, live)
	return snap, explain(err)
}

// Start builds the first snapshot, listens and serves in the background.
// It returns an error, and leaves nothing running, if the definition is
// invalid or the address cannot be bound.
func Start(cfg Config) (*Daemon, error) {
	if cfg.Listen == "" {
		cfg.Listen = DefaultListen
	}
	if cfg.ReloadInterval == 0 {
		cfg.ReloadInterval = DefaultReloadInterval
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}
	d := &Daemon{cfg: cfg, logger: logger, engine: updates.NewEngine(updates.Limits{})}
	d.handler = server.New(cfg.Limits, logger)
	if o := observers(cfg.Metrics, cfg.Stats); o != nil {
		d.handler.SetObserver(o)
	}
	setRejectionObserver(d.handler, cfg.Metrics)
	for _, register := range cfg.Services {
		register(d.handler, d.engine, logger)
	}
	// The management listener starts first, so that /healthz responds
	// and /readyz reports 503 while a large definition builds.
	if err := d.startManagement(); err != nil {
		return nil, err
	}
	if err := d.startAll(); err != nil {
		d.closeSources()
		d.closeManagement()
		return nil, err
	}
	d.serving.Store(true)
	if cfg.ReloadInterval > 0 {
		go d.watch()
	}
	go d.followSources()
	logger.Info("serving", "ird", d.IRDURL())
	d.warnHostHeader()
	return d, nil
}

// startAll starts the sources the definition configures, builds and
// publishes the first snapshot, and listens.
func (d *Daemon) startAll() error {
	def, err := LoadDefinition(d.cfg.Definition)
	if err != nil {
		return err
	}
	if err := d.startSources(def); err != nil {
		return err
	}
	d.mountSourceRoutes()
	d.buildMu.Lock()
	snap, err := d.build()
	if err == nil {
		d.publish(snap)
	}
	d.buildMu.Unlock()
	if err != nil {
		return err
	}
	tc := d.cfg.Transport
	tc.Listen, tc.Logger = d.cfg.Listen, d.logger
	if tc.CertFile != "" && tc.ClientAuth == tls.NoClientCert {
		// Certificate clients of the access section authenticate with
		// the certificate that the handler finds in the request.
		tc.ClientAuth = tls.RequestClientCert
	}
	if tc.OnReject == nil {
		tc.OnReject = func(reason string) {
			d.handler.NoteRejection(reason, transportRejectionMessage(reason))
		}
	}
	d.srv, err = transport.Listen(tc, d.handler)
	return err
}

// Addr returns the TCP address the daemon listens on.
func (d *Daemon) Addr() net.Addr { return d.srv.Addr() }

// IRDURL returns the URL of the root directory.
func (d *Daemon) IRDURL() string {
	return d.srv.URL() + d.handler.Snapshot().Def.Directory
}

// Handler returns the HTTP handler, for serving it on other listeners.
func (d *Daemon) Handler() *server.Handler { return d.handler }

// Done is closed when the server has stopped.
func (d *Daemon) Done() <-chan struct{} { return d.srv.Done() }

// Err returns the error of a listener that failed, nil after Shutdown.
func (d *Daemon) Err() error { return d.srv.Err() }

// Shutdown stops accepting connections and waits for requests in flight
// to finish, up to the context's deadline.
func (d *Daemon) Shutdown(ctx context.Context) error {
	d.logger.Info("shutting down", "addr", d.Addr())
	d.serving.Store(false)
	err := d.srv.Shutdown(ctx)
	if merr := d.shutdownManagement(ctx); err == nil {
		err = merr
	}
	d.closeSources()
	d.logger.Info("stopped")
	return err
}

// Reload rebuilds the snapshot now. On failure the previous snapshot
// keeps serving and the error is returned.
func (d *Daemon) Reload() error {
	d.buildMu.Lock()
	defer d.buildMu.Unlock()
	snap, err := d.build()
	if err != nil {
		d.logger.Error("reload failed; the previous maps keep serving", "err", err)
		d.observeReload(err)
		return err
	}
	d.publish(snap)
	d.observeReload(nil)
	return nil
}

func (d *Daemon) build() (*snapshot.Snapshot, error) {
	stamps := fileStamps(d.cfg.Definition, nil)
	def, explain, err := loadDefinition(d.cfg.Definition)
	if err != nil {
		d.setStamps(stamps)
		return nil, err
	}
	// The inputs are read after this, by the build, but the definition
	// was read before it, so its stamp is the one taken first: a change
	// written while it was read is then seen by the next check.
	first := stamps[d.cfg.Definition]
	stamps = fileStamps(d.cfg.Definition, def)
	if d.cfg.Definition != "" {
		stamps[d.cfg.Definition] = first
	}
	d.setStamps(stamps)
	d.noteStartOnly(def)
	snap, err := snapshot.BuildLive(def, d.live())
	return snap, explain(err)
}

func (d *Daemon) setStamps(s map[string]time.Time) {
	d.mu.Lock()
	d.stamps = s
	d.mu.Unlock()
}

func (d *Daemon) publish(s *snapshot.Snapshot) {
	prev := d.handler.Snapshot()
	d.handler.Publish(s)
	d.publishUpdates(s)
	if prev != nil && (prev.Access != nil || s.Access != nil) {
		// A new access section may take resources from the clients of
		// open update streams and TIPS long polls, which check it when
		// the engine wakes them, even if no resource changed.
		d.engine.Touch()
	}
	if d.cfg.Metrics != nil {
		d.cfg.Metrics.ObservePublish(s)
	}
	if d.cfg.Stats != nil {
		d.cfg.Stats.ObservePublish(s)
	}
	st := s.Stats
	d.logger.Info("maps published",
		"network_map", s.NetworkMap.ResourceID(), "vtag", s.NetworkMap.Tag(),
		"pids", st.PIDs, "prefixes", st.Prefixes, "prefixes_unmapped", st.PrefixesUnmapped,
		"topology_nodes", st.TopologyNodes, "topology_links", st.TopologyLinks,
		"cost_maps", len(s.CostMaps), "build_time", st.BuildTime.Round(time.Millisecond))
	d.logNewWarnings(Warnings(s))
}

// Warnings returns what looks wrong in a snapshot that built: PIDs
// without costs, prefixes that went to no PID, an incomplete network
// map and clients that may read no network map. Each warning is a sentence that names what to change.
func Warnings(s *snapshot.Snapshot) []string {
	st := s.Stats
	var out []string
	if st.PIDs == 0 {
		out = append(out, "the network map has no PIDs: give prefixes to topology nodes, groups or a prefix table")
	}
	if st.PIDsWithoutCosts > 0 && st.PIDs > 0 {
		out = append(out, fmt.Sprintf("%d of %d PIDs have no costs, so cost maps and the endpoint cost service leave them out: attach them to topology nodes (node rule, groups with node, or AS numbers on nodes for the asn rule) or give costs",
			st.PIDsWithoutCosts, st.PIDs))
	}
	out = append(out, unmappedWarnings(st, s.Def.NetworkMap.Rule)...)
	if !complete(s.NetworkMap) {
		out = append(out, "some addresses map to no PID, but RFC 7285, Section 11.2.2 requires a PID for every address of each address type in the map: set network-map.default-pid")
	}
	out = append(out, measureWarnings(st)...)
	return append(out, accessWarnings(s)...)
}

// unmappedWarnings explains, per reason, the prefixes read that went to
// no PID under rule.
func unmappedWarnings(st snapshot.Stats, rule string) []string {
	var out []string
	if n := st.PrefixesNoOriginAS; n > 0 {
		out = append(out, fmt.Sprintf("%d of %d prefixes read went to no PID: they have no PID and no single origin AS, such as a best path that ends in an AS_SET; give them a PID in the prefix table or a group, or rely on network-map.default-pid", n, st.PrefixesRead))
	}
	n := st.PrefixesUnmapped - st.PrefixesNoOriginAS
	if n <= 0 {
		return out
	}
	reason := "their origin AS matches no topology node under the node rule: give the nodes AS numbers or use pids: asn"
	if rule == netdef.PIDsByGroup {
		reason = "the group rule takes no PID from an origin AS: give them a PID in the prefix table or use pids: asn"
	}
	return append(out, fmt.Sprintf("%d of %d prefixes read went to no PID: %s", n, st.PrefixesRead, reason))
}

// complete reports false when the network map surely lacks a PID for
// some address of a type it contains: when 0.0.0.0 or :: maps to no PID.
// It checks only those two addresses, so true does not prove that the
// map is complete.
func complete(nm *networkmap.Map) bool {
	var has4, has6 bool
	for i := range nm.Len() {
		for _, p := range nm.PID(i).Prefixes {
			has4 = has4 || p.Addr().Is4()
			has6 = has6 || p.Addr().Is6()
		}
	}
	_, v4 := nm.Lookup(netip.IPv4Unspecified())
	_, v6 := nm.Lookup(netip.IPv6Unspecified())
	return (!has4 || v4) && (!has6 || v6)
}

// Engine returns the update engine that update streams and TIPS views
// read from.
func (d *Daemon) Engine() *updates.Engine { return d.engine }

// publishUpdates feeds the update engine with the resources that some
// update stream or TIPS resource offers. The others are not diffed, so a
// server without incremental updates pays nothing for them. When an
// update stream offers a POST-mode resource, it also wakes the streams,
// which compute the responses of such resources themselves.
func (d *Daemon) publishUpdates(s *snapshot.Snapshot) {
	offered := map[string]bool{}
	for _, r := range s.Resources {
		if r.Type == netdef.TypeUpdateStream || r.Type == netdef.TypeTIPS {
			for _, id := range r.Uses {
				offered[id] = true
			}
		}
	}
	if len(offered) == 0 {
		return
	}
	content := updates.FromSnapshot(s)
	for id := range content {
		if !offered[id] {
			delete(content, id)
		}
	}
	changes, err := d.engine.Publish(content)
	if err != nil {
		d.logger.Error("publishing incremental updates", "err", err)
	}
	for _, c := range changes {
		d.logger.Debug("resource changed", "change", c.String())
	}
	if len(content) < len(offered) {
		d.engine.Touch()
	}
}

// fileStamps returns the modification time of the definition file and
// of every input it names.
func fileStamps(path string, def *netdef.Definition) map[string]time.Time {
	out := map[string]time.Time{}
	if path == "" {
		return out
	}
	files := []string{path}
	if def != nil {
		files = append(files, def.Files()...)
	}
	for _, f := range files {
		if fi, err := os.Stat(f); err == nil {
			out[f] = fi.ModTime()
		} else {
			out[f] = time.Time{}
		}
	}
	return out
}

// watch polls the input files and reloads when one changes. Polling
// needs no platform support and a few stat calls per interval cost
// nothing next to a rebuild.
func (d *Daemon) watch() {
	t := time.NewTicker(d.cfg.ReloadInterval)
	defer t.Stop()
	for {
		select {
		case <-d.Done():
			return
		case <-t.C:
		}
		d.mu.Lock()
		old := d.stamps
		d.mu.Unlock()
		if changed(old) {
			d.logger.Info("input changed; rebuilding")
			d.Reload()
		}
	}
}

func changed(stamps map[string]time.Time) bool {
	for f, t := range stamps {
		fi, err := os.Stat(f)
		if err != nil {
			if !t.IsZero() {
				return true
			}
			continue
		}
		if !fi.ModTime().Equal(t) {
			return true
		}
	}
	return false
}

// measureWarnings returns a warning for each measured series with stale
// or missing link values, in a stable order.
func measureWarnings(st snapshot.Stats) []string {
	var out []string
	for key, m := range st.Measured {
		if m.Stale == 0 && m.Missing == 0 {
			continue
		}
		out = append(out, fmt.Sprintf("measurement %s:%s: %d of %d link directions have no value (%d missing, %d stale), so measured costs leave out the pairs whose path crosses them: check the series in Prometheus and measurements.links.%s",
			key.Kind, key.Operator, m.Stale+m.Missing, m.Fresh+m.Stale+m.Missing, m.Missing, m.Stale, key.Kind))
	}
	slices.Sort(out)
	return out
}

// transportRejectionMessage returns the log message of a rejection that
// the transport reports.
func transportRejectionMessage(reason string) string {
	switch reason {
	case transport.ReasonTLSHandshake:
		return "TLS handshake failed; --log-level debug logs each one"
	case transport.ReasonHeaderTimeout:
		return "connection closed: request headers not received within --read-header-timeout"
	case transport.ReasonWriteTimeout:
		return "connection closed: response not written within --write-timeout"
	}
	return "connection rejected: over a connection limit"
}
