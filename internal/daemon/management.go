package daemon

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/goalto/goalto/internal/server"
	"github.com/goalto/goalto/internal/snapshot"
)

// Metrics receives the measurements of a daemon and serves them. The
// daemon calls it from its serving and reload goroutines, so it must be
// safe for concurrent use. Package metrics implements it with
// Prometheus; the daemon stays free of any metrics library.
type Metrics interface {
	// ObserveRequest is called once per finished request on the ALTO
	// port.
	server.Observer
	// ObservePublish is called after a snapshot is published: the first
	// at start, then one per successful reload.
	ObservePublish(s *snapshot.Snapshot)
	// ObserveReload is called after each reload with its error, nil when
	// the new snapshot was published.
	ObserveReload(err error)
	// Handler serves the metrics at /metrics.
	Handler() http.Handler
}

// Paths of the management listener.
const (
	HealthzPath = "/healthz"
	ReadyzPath  = "/readyz"
	MetricsPath = "/metrics"
)

// managementReadHeaderTimeout bounds the request header of a management
// request: probes and scrapes send small headers at once.
const managementReadHeaderTimeout = 10 * time.Second

// startManagement listens on cfg.ManagementListen and serves the health
// endpoints and the metrics there, if it is set.
func (d *Daemon) startManagement() error {
	addr := d.cfg.ManagementListen
	if addr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("management listener: %w", err)
	}
	d.mgmtLn = ln
	d.mgmt = &http.Server{
		Handler:           d.managementHandler(),
		ReadHeaderTimeout: managementReadHeaderTimeout,
	}
	if d.cfg.ManagementTLS != nil {
		ln = tls.NewListener(ln, d.cfg.ManagementTLS)
	}
	if !isLoopback(ln.Addr()) {
		d.logger.Warn("the management listener is not on a loopback address: anyone who reaches it can read the metrics", "addr", ln.Addr().String())
	}
	go func() {
		if err := d.mgmt.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			d.logger.Error("management listener failed", "addr", ln.Addr().String(), "err", err)
		}
	}()
	d.logger.Info("management listener serving", "addr", ln.Addr().String(), "metrics", d.cfg.Metrics != nil, "tls", d.cfg.ManagementTLS != nil)
	return nil
}

// managementHandler routes the management paths. GET patterns also match
// HEAD, and other methods get 405.
func (d *Daemon) managementHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+HealthzPath, func(w http.ResponseWriter, r *http.Request) {
		writeText(w, http.StatusOK, "ok")
	})
	mux.HandleFunc("GET "+ReadyzPath, func(w http.ResponseWriter, r *http.Request) {
		if reason := d.notReady(); reason != "" {
			writeText(w, http.StatusServiceUnavailable, "not ready: "+reason)
			return
		}
		writeText(w, http.StatusOK, "ready")
	})
	if d.cfg.Metrics != nil {
		mux.Handle("GET "+MetricsPath, d.cfg.Metrics.Handler())
	}
	for pattern, h := range d.cfg.ManagementHandlers {
		mux.Handle(pattern, h)
	}
	d.mgmtMux = mux
	return mux
}

// mountSourceRoutes adds the management routes of the sources that
// have some, such as the BGP peer list.
func (d *Daemon) mountSourceRoutes() {
	if d.mgmtMux == nil {
		return
	}
	for _, s := range d.sources {
		if m, ok := s.(ManagementRouter); ok {
			for pattern, h := range m.ManagementRoutes() {
				d.mgmtMux.Handle(pattern, h)
			}
		}
	}
}

// notReady returns why the daemon should not get traffic yet, or "" when
// it serves a complete snapshot. snapshot.Build returns a snapshot only
// when every resource of the definition is built, so a published
// snapshot has them all.
func (d *Daemon) notReady() string {
	switch {
	case d.handler.Snapshot() == nil:
		return "no maps published yet"
	case !d.serving.Load():
		return "the ALTO listener is not serving"
	}
	select {
	case <-d.srv.Done():
		return "the ALTO listener has stopped"
	default:
		return ""
	}
}

func writeText(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	io.WriteString(w, msg+"\n")
}

// ManagementAddr returns the TCP address of the management listener, or
// nil when it is disabled.
func (d *Daemon) ManagementAddr() net.Addr {
	if d.mgmtLn == nil {
		return nil
	}
	return d.mgmtLn.Addr()
}

// shutdownManagement stops the management listener, waiting for
// requests in flight up to the context's deadline.
func (d *Daemon) shutdownManagement(ctx context.Context) error {
	if d.mgmt == nil {
		return nil
	}
	if err := d.mgmt.Shutdown(ctx); err != nil {
		return fmt.Errorf("management listener: %w", err)
	}
	return nil
}

// closeManagement stops the management listener at once, when Start
// fails.
func (d *Daemon) closeManagement() {
	if d.mgmt != nil {
		d.mgmt.Close()
		d.mgmtLn.Close()
	}
}

func (d *Daemon) observeReload(err error) {
	if d.cfg.Metrics != nil {
		d.cfg.Metrics.ObserveReload(err)
	}
}

func isLoopback(a net.Addr) bool {
	tcp, ok := a.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}
