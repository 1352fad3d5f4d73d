package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/goalto/goalto/internal/altoconf"
	"github.com/goalto/goalto/internal/altostats"
	"github.com/goalto/goalto/internal/daemon"
	"github.com/goalto/goalto/internal/restconf"
	"github.com/goalto/goalto/internal/sse"
	"github.com/goalto/goalto/internal/yangschema"
)

// managementFlags are the flags of the RESTCONF management interface.
type managementFlags struct {
	operators   string
	tlsCert     string
	tlsKey      string
	clientCA    string
	statsWindow time.Duration
}

func addManagementFlags(fs *flag.FlagSet, cfg *daemon.Config) *managementFlags {
	m := &managementFlags{}
	fs.StringVar(&cfg.ManagementListen, "management-listen", "", "same as --metrics-listen: the management listener also serves RESTCONF under /restconf")
	fs.StringVar(&m.operators, "restconf-operators", "", "JSON `file` of the operators allowed on RESTCONF, with a token digest or certificate digest and a read or write role; without it RESTCONF is read-only for everyone on the management listener")
	fs.StringVar(&m.tlsCert, "management-tls-cert", "", "PEM certificate chain `file`; with --management-tls-key, the management listener serves HTTPS")
	fs.StringVar(&m.tlsKey, "management-tls-key", "", "PEM private key `file` of the management listener")
	fs.StringVar(&m.clientCA, "management-client-ca", "", "PEM `file` of the CAs that issue operators' client certificates; needs --management-tls-cert")
	fs.DurationVar(&m.statsWindow, "stats-window", altostats.DefaultWindow, "time window of the ietf-alto-stats num-*-last-* statistics")
	return m
}

// implementedModules returns the YANG modules of the YANG library: the
// modules the configuration schema was generated from, with the features
// of each that altod supports. ietf-alto, ietf-alto-stats and the
// project's goalto-alto are implemented; the others only lend their
// types and groupings, so they are import-only.
func implementedModules() []restconf.Module {
	implemented := map[string]bool{"ietf-alto": true, "ietf-alto-stats": true, "goalto-alto": true}
	var out []restconf.Module
	for _, m := range yangschema.Modules() {
		mod := restconf.Module{Name: m.Name, Revision: m.Revision, Namespace: m.Namespace, ImportOnly: !implemented[m.Name]}
		for _, f := range m.Features {
			if altoconf.Supported[m.Name+":"+f] {
				mod.Features = append(mod.Features, f)
			}
		}
		out = append(out, mod)
	}
	return out
}

// apply sets up RESTCONF and the statistics on cfg and sseCfg when the
// management listener is enabled. ds is the configuration datastore, or
// nil to serve state only.
func (m *managementFlags) apply(cfg *daemon.Config, sseCfg *sse.Config, ds restconf.Datastore, logger *slog.Logger) error {
	if cfg.ManagementListen == "" {
		if m.operators != "" || m.tlsCert != "" || m.clientCA != "" {
			return fmt.Errorf("--restconf-operators and --management-tls-* need the management listener: give --management-listen (or --metrics-listen)")
		}
		return nil
	}
	var ops []restconf.Operator
	if m.operators != "" {
		var err error
		if ops, err = restconf.LoadOperators(m.operators); err != nil {
			return err
		}
	}
	tlsCfg, err := m.tlsConfig()
	if err != nil {
		return err
	}

	stats, events, ds, err := m.newStats(ds, logger)
	if err != nil {
		return err
	}
	hookUpdateStreams(sseCfg, stats, events)

	rc := restconf.New(restconf.Config{Datastore: ds, State: stats, Modules: implementedModules, Operators: ops, Events: events, Logger: logger})
	cfg.Stats, cfg.ManagementTLS = stats, tlsCfg
	if cfg.ManagementHandlers == nil {
		cfg.ManagementHandlers = map[string]http.Handler{}
	}
	for _, p := range restconf.Patterns() {
		cfg.ManagementHandlers[p] = rc
	}
	return nil
}

// newStats returns the statistics collector and the event hub. With a
// datastore, it also returns the datastore wrapped so that every change
// updates the resources' notify-res-mem-limit values.
func (m *managementFlags) newStats(ds restconf.Datastore, logger *slog.Logger) (*altostats.Collector, *restconf.Events, restconf.Datastore, error) {
	events := restconf.NewEvents(logger)
	stats := altostats.New(altostats.Config{Window: m.statsWindow, OnMemLimit: func(id string, limit uint64) {
		events.ResourceLimit(restconf.ResourceEvent{ResourceID: id, MemThreshold: limit})
	}})
	if ds == nil {
		return stats, events, nil, nil
	}
	limits, err := restconf.MemLimits(context.Background(), ds)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("reading notify-res-mem-limit: %w", err)
	}
	stats.SetMemLimits(limits)
	return stats, events, restconf.WatchMemLimits(ds, stats.SetMemLimits, logger), nil
}

// hookUpdateStreams makes the update stream service report its streams
// to stats, and its stream limit to events, besides any hook already set.
func hookUpdateStreams(sseCfg *sse.Config, stats *altostats.Collector, events *restconf.Events) {
	prev := sseCfg.Registered
	sseCfg.Registered = func(s *sse.Service) {
		if prev != nil {
			prev(s)
		}
		stats.AddStreams(s.Streams)
	}
	sseCfg.OnStreamLimit = func(id string, limit int) {
		events.ResourceLimit(restconf.ResourceEvent{ResourceID: id, UpdStreamThreshold: uint64(limit)})
	}
}

// tlsConfig returns the TLS configuration of the management listener,
// or nil for plain HTTP.
func (m *managementFlags) tlsConfig() (*tls.Config, error) {
	if (m.tlsCert == "") != (m.tlsKey == "") {
		return nil, fmt.Errorf("--management-tls-cert and --management-tls-key go together: give both or neither")
	}
	if m.tlsCert == "" {
		if m.clientCA != "" {
			return nil, fmt.Errorf("--management-client-ca needs --management-tls-cert and --management-tls-key")
		}
		return nil, nil
	}
	pair, err := tls.LoadX509KeyPair(m.tlsCert, m.tlsKey)
	if err != nil {
		return nil, fmt.Errorf("management TLS: %w", err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{pair}, MinVersion: tls.VersionTLS12}
	if m.clientCA != "" {
		pem, err := os.ReadFile(m.clientCA)
		if err != nil {
			return nil, fmt.Errorf("management client CA: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("management client CA %s: no PEM certificate found", m.clientCA)
		}
		cfg.ClientCAs, cfg.ClientAuth = pool, tls.VerifyClientCertIfGiven
	}
	return cfg, nil
}
