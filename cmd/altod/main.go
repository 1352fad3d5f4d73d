// Command altod is the goalto ALTO server. With no arguments it serves
// the built-in LHCONE network on 127.0.0.1:8181 and prints the URL of its
// information resource directory.
package main

import (
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/goalto/goalto/internal/bgp"
	"github.com/goalto/goalto/internal/bgpls"
	"github.com/goalto/goalto/internal/daemon"
	"github.com/goalto/goalto/internal/measure/promsource"
	"github.com/goalto/goalto/internal/metrics"
	"github.com/goalto/goalto/internal/server"
	"github.com/goalto/goalto/internal/sse"
	"github.com/goalto/goalto/internal/tips"
	"github.com/goalto/goalto/internal/transport"
	"github.com/goalto/goalto/internal/updates"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	fs := flag.NewFlagSet("altod", flag.ContinueOnError)
	var cfg daemon.Config
	var level slog.Level
	fs.StringVar(&cfg.Listen, "listen", daemon.DefaultListen, "TCP `address` to serve ALTO on (host:port; port 0 picks a free one); without it, the listen address of an ietf-alto configuration replaces the default")
	fs.StringVar(&cfg.Definition, "config", "", "network definition or ietf-alto configuration `file` (YAML or JSON); empty serves the built-in LHCONE network")
	fs.DurationVar(&cfg.ReloadInterval, "reload-interval", daemon.DefaultReloadInterval, "how often to check the input files for changes; 0 or less disables")
	fs.Int64Var(&cfg.Limits.MaxBodyBytes, "max-body-bytes", server.DefaultMaxBodyBytes, "largest accepted request body, in bytes")
	fs.IntVar(&cfg.Limits.MaxPIDs, "max-pids", server.DefaultMaxPIDs, "most PIDs in one list of a filtered map request")
	fs.IntVar(&cfg.Limits.MaxEndpoints, "max-endpoints", server.DefaultMaxEndpoints, "most endpoints in one list of an endpoint request")
	fs.TextVar(&level, "log-level", slog.LevelInfo, "log `level`: debug, info, warn or error")
	fs.StringVar(&cfg.Transport.CertFile, "tls-cert", "", "PEM certificate chain `file`; with --tls-key, serves HTTPS and reloads the pair when it changes")
	fs.StringVar(&cfg.Transport.KeyFile, "tls-key", "", "PEM private key `file`")
	protocols := fs.String("protocols", "", "comma-separated HTTP versions to serve: h1, h2, h3 (h3 needs TLS); default h1,h2 without TLS and h1,h2,h3 with TLS")
	minTLS := fs.String("tls-min-version", "1.3", "lowest TLS `version` accepted over TCP: 1.3 or 1.2")
	fs.StringVar(&cfg.ManagementListen, "metrics-listen", "", "TCP `address` of the management listener for /metrics, /healthz and /readyz, such as 127.0.0.1:9181; empty disables it")
	maxStreams := fs.Int("max-update-streams", sse.DefaultMaxStreams, "most open update streams (RFC 8895) on the server")
	maxStreamsPerClient := fs.Int("max-update-streams-per-client", sse.DefaultMaxStreamsPerClient, "most open update streams of one client IP address; clients behind one proxy share it")
	var tipsCfg tips.Config
	fs.IntVar(&tipsCfg.MaxViews, "max-tips-views", tips.DefaultMaxViews, "most open TIPS views (RFC 9569) on the server")
	fs.IntVar(&tipsCfg.MaxViewsPerClient, "max-tips-views-per-client", tips.DefaultMaxViewsPerClient, "most TIPS views that one client IP address holds references to; clients behind one proxy share it")
	check := fs.Bool("check", false, "build the maps from the definition, print a summary and exit")
	disc := addDiscoveryFlags(fs)
	mgmt := addManagementFlags(fs, &cfg)
	limits := addLimitFlags(fs, &cfg)
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if err := checkFlags(fs, &cfg, *protocols, *minTLS); err != nil {
		fmt.Fprintln(os.Stderr, "altod:", err)
		return 2
	}
	if err := checkPositive(fs, "max-update-streams", "max-update-streams-per-client"); err != nil {
		fmt.Fprintln(os.Stderr, "altod:", err)
		return 2
	}
	if tipsCfg.MaxViews <= 0 || tipsCfg.MaxViewsPerClient <= 0 {
		fmt.Fprintln(os.Stderr, "altod: --max-tips-views and --max-tips-views-per-client must be positive")
		return 2
	}
	if disc.print {
		if err := printDiscoveryRecords(os.Stdout, disc); err != nil {
			fmt.Fprintln(os.Stderr, "altod:", err)
			return 2
		}
		return 0
	}
	if cfg.ReloadInterval <= 0 {
		cfg.ReloadInterval = -1
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	cfg.Logger = logger
	tipsReg := daemon.Registrar(func(h *server.Handler, e *updates.Engine, l *slog.Logger) {
		tips.New(tipsCfg).Register(h, e, l)
	})
	linkState := bgpls.NewHandler() // the topology from BGP-LS routes
	bgpOpts := bgp.Options{Families: []bgp.FamilyHandler{linkState}}
	if cfg.ManagementListen != "" {
		reg := metrics.New()
		cfg.Metrics = reg
		tipsReg = reg.TIPSRegistrar(tipsCfg) // counts the open views
		bgpOpts.OnStart = reg.WatchBGP
	}
	cfg.Sources = append(cfg.Sources, linkState.Factory(), bgp.Factory(bgpOpts))
	sseCfg := sse.Config{MaxStreams: *maxStreams, MaxStreamsPerClient: *maxStreamsPerClient}
	if reg, ok := cfg.Metrics.(*metrics.Registry); ok {
		sseCfg.Registered = reg.UpdateStreams
	}
	if err := limits.apply(fs, &cfg, &sseCfg); err != nil {
		fmt.Fprintln(os.Stderr, "altod:", err)
		return 2
	}
	ds, err := configDatastore(&cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "altod:", err)
		return 1
	}
	if err := mgmt.apply(&cfg, &sseCfg, asRESTCONF(ds), logger); err != nil {
		fmt.Fprintln(os.Stderr, "altod:", err)
		return 2
	}
	cfg.Sources = append(cfg.Sources, promsource.Factory)
	cfg.Services = daemon.ServicesWith(sseCfg, tipsReg)
	if *check {
		// Only the measurements are read once: BGP sessions would need
		// time to converge, and --check does not open sessions.
		return checkDefinition(cfg.Definition, []daemon.SourceFactory{promsource.CheckFactory}, logger)
	}
	if err := configListen(fs, &cfg); err != nil {
		fmt.Fprintln(os.Stderr, "altod:", err)
		return 1
	}

	// Catch signals before printing the URL, so that a SIGTERM sent by a
	// process that reads the URL always gets a graceful shutdown.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)

	d, err := daemon.Start(cfg)
	if err != nil {
		logger.Error("start failed", "err", err)
		return 1
	}
	if ds != nil {
		ds.SetApply(d.ApplyDefinition)
	}
	fmt.Printf("ALTO directory: %s\n", d.IRDURL())
	for {
		select {
		case <-d.Done():
			logger.Error("server stopped", "err", d.Err())
			return 1
		case sig := <-sigs:
			if sig == syscall.SIGHUP {
				logger.Info("SIGHUP: reloading")
				d.Reload()
				continue
			}
			ctx, cancel := context.WithTimeout(context.Background(), daemon.DefaultShutdownGrace)
			err := d.Shutdown(ctx)
			cancel()
			if err != nil {
				logger.Error("shutdown", "err", err)
				return 1
			}
			return 0
		}
	}
}

func checkDefinition(path string, sources []daemon.SourceFactory, logger *slog.Logger) int {
	start := time.Now()
	snap, err := daemon.BuildWith(path, sources, logger)
	if err != nil {
		fmt.Fprintln(os.Stderr, "altod:", err)
		return 1
	}
	st := snap.Stats
	fmt.Printf("ok: %d PIDs with %d prefixes (%d PIDs without costs); %d prefixes read from prefix tables, %d of them unmapped; %d cost types with costs; %d resources; built in %s\n",
		st.PIDs, st.Prefixes, st.PIDsWithoutCosts, st.PrefixesRead, st.PrefixesUnmapped, len(snap.CostMaps), len(snap.Resources), time.Since(start).Round(time.Millisecond))
	for _, w := range daemon.Warnings(snap) {
		fmt.Println("warning:", w)
	}
	return 0
}

// checkFlags rejects arguments and flag values that altod would
// otherwise ignore, naming the flag, and applies --protocols and
// --tls-min-version.
func checkFlags(fs *flag.FlagSet, cfg *daemon.Config, protocols, minTLS string) error {
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q: altod takes only flags; use --config %s to serve a network definition", fs.Arg(0), fs.Arg(0))
	}
	if err := checkPositive(fs, "max-body-bytes", "max-pids", "max-endpoints"); err != nil {
		return err
	}
	if protocols != "" {
		p, err := transport.ParseProtocols(protocols)
		if err != nil {
			return fmt.Errorf("invalid --protocols %q: use a comma-separated list of h1, h2 and h3", protocols)
		}
		cfg.Transport.Protocols = p
	}
	tlsSet := cfg.Transport.CertFile != "" || cfg.Transport.KeyFile != ""
	if tlsSet && (cfg.Transport.CertFile == "" || cfg.Transport.KeyFile == "") {
		return fmt.Errorf("--tls-cert and --tls-key go together: give both or neither")
	}
	if !tlsSet {
		for _, p := range cfg.Transport.Protocols {
			if p == transport.HTTP3 {
				return fmt.Errorf("--protocols h3 needs TLS: give --tls-cert and --tls-key")
			}
		}
		explicit := false
		fs.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "tls-min-version" })
		if explicit {
			return fmt.Errorf("--tls-min-version needs TLS: give --tls-cert and --tls-key")
		}
		return nil
	}
	switch minTLS {
	case "1.3":
		cfg.Transport.MinTLSVersion = tls.VersionTLS13
	case "1.2":
		cfg.Transport.MinTLSVersion = tls.VersionTLS12
	default:
		return fmt.Errorf("invalid --tls-min-version %q: use 1.3 or 1.2", minTLS)
	}
	return nil
}
