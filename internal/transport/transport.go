// Package transport serves an http.Handler over HTTP/1.1 and HTTP/2 on
// one TCP listener and over HTTP/3 (QUIC) on the same port number over
// UDP. With TLS, HTTP/2 is negotiated through ALPN and TCP responses
// announce HTTP/3 in an Alt-Svc header. Without TLS, HTTP/2 is cleartext
// h2c with prior knowledge and HTTP/3 is unavailable. Certificates are
// re-read when their files change, without dropping connections.
package transport

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/quic-go/quic-go"
	"github.com/quic-go/quic-go/http3"
)

// altSvcMaxAge is the ma parameter of the Alt-Svc header (RFC 7838), in
// seconds: how long clients may remember that HTTP/3 is available.
const altSvcMaxAge = 86400

// Server serves one handler on the protocols of its Config.
type Server struct {
	cfg    Config
	logger *slog.Logger
	certs  *certReloader // nil without TLS
	conns  *connCounter  // nil when both connection limits are off

	tcpLn   *net.TCPListener
	httpSrv *http.Server

	udpConn *net.UDPConn    // nil without HTTP/3
	quicTr  *quic.Transport // nil without HTTP/3
	quicLn  *quic.Listener  // nil without HTTP/3
	h3Srv   *http3.Server   // nil without HTTP/3

	serving   sync.WaitGroup // the Serve goroutines
	served    chan struct{}  // closed when every Serve goroutine returned
	done      chan struct{}  // closed when the server has fully stopped
	closeDone sync.Once
	stop      sync.Once // guards closing of the listeners

	mu       sync.Mutex // guards serveErr
	serveErr error
}

// Listen validates cfg, binds TCP (and UDP for HTTP/3) and serves h in
// background goroutines. On error nothing is left running or bound.
// Errors name the Config field or file at fault.
func Listen(cfg Config, h http.Handler) (*Server, error) {
	repeated, err := cfg.normalize()
	if err != nil {
		return nil, fmt.Errorf("transport: %w", err)
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.Default()
	}
	s := &Server{cfg: cfg, logger: logger.With("component", "transport"),
		served: make(chan struct{}), done: make(chan struct{})}
	for _, p := range repeated {
		s.logger.Warn("protocol listed more than once; skipping the repeat", "protocol", string(p))
	}
	if err := s.setup(h); err != nil {
		s.closeListeners()
		return nil, fmt.Errorf("transport: %w", err)
	}
	s.startServing()
	if s.certs != nil && cfg.CertReloadInterval > 0 {
		s.certs.start(cfg.CertReloadInterval)
	}
	attrs := []any{"addr", s.Addr().String(), "url", s.URL(), "protocols", s.protocolList()}
	if s.certs != nil {
		attrs = append(attrs, "min_tls_version", tls.VersionName(cfg.MinTLSVersion), "cert_file", cfg.CertFile)
	}
	s.logger.Info("listening", attrs...)
	return s, nil
}

// setup loads the certificate, binds the sockets and builds the servers.
// On error the caller closes whatever was bound.
func (s *Server) setup(h http.Handler) error {
	if s.cfg.hasTLS() {
		certs, err := newCertReloader(s.cfg.CertFile, s.cfg.KeyFile, s.logger)
		if err != nil {
			return err
		}
		s.certs = certs
	}
	var err error
	s.tcpLn, s.udpConn, err = bind(s.cfg.Listen, s.serves(HTTP3))
	if err != nil {
		return err
	}
	if s.cfg.MaxConns > 0 || s.cfg.MaxConnsPerIP > 0 {
		s.conns = newConnCounter(positiveOr(s.cfg.MaxConns), positiveOr(s.cfg.MaxConnsPerIP))
	}
	s.httpSrv = s.newHTTPServer(h)
	if s.udpConn != nil {
		return s.setupHTTP3(h)
	}
	return nil
}

// newHTTPServer builds the HTTP/1.1 and HTTP/2 server for the TCP
// listener. With HTTP/3 enabled, the handler is wrapped to add Alt-Svc.
func (s *Server) newHTTPServer(h http.Handler) *http.Server {
	if s.serves(HTTP3) {
		h = withAltSvc(h, s.udpConn.LocalAddr().(*net.UDPAddr).Port)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		ErrorLog:          s.errorLog(),
		Protocols:         new(http.Protocols),
		HTTP2:             &http.HTTP2Config{MaxConcurrentStreams: s.cfg.MaxStreamsPerConn},
	}
	srv.Protocols.SetHTTP1(s.serves(HTTP1))
	if s.certs != nil {
		srv.Protocols.SetHTTP2(s.serves(HTTP2))
		srv.TLSConfig = &tls.Config{
			MinVersion:     s.cfg.MinTLSVersion,
			GetCertificate: s.certs.getCertificate,
			ClientAuth:     s.cfg.ClientAuth,
		}
	} else {
		srv.Protocols.SetUnencryptedHTTP2(s.serves(HTTP2))
	}
	return srv
}

// setupHTTP3 starts the QUIC listener on the bound UDP socket and builds
// the HTTP/3 server. 0-RTT stays disabled (the quic-go default), because
// early data can be replayed. The connection limits count QUIC
// connections in the same counter as TCP connections.
func (s *Server) setupHTTP3(h http.Handler) error {
	tlsConf := http3.ConfigureTLSConfig(&tls.Config{
		MinVersion:     tls.VersionTLS13,
		GetCertificate: s.certs.getCertificate,
		ClientAuth:     s.cfg.ClientAuth,
	})
	// QUIC (RFC 9000) closes an idle connection after the lower of the
	// two peers' max_idle_timeout values. quic-go's own default is 30s.
	// A quic.Transport of our own, unlike quic.Listen, lets Shutdown close
	// the listener without closing the connections it accepted.
	s.quicTr = &quic.Transport{Conn: s.udpConn}
	if s.conns != nil {
		s.quicTr.ConnContext = s.conns.quicConnContext(s.cfg.OnReject)
		s.quicTr.VerifySourceAddress = s.conns.needsAddressCheck
	}
	ln, err := s.quicTr.Listen(tlsConf, &quic.Config{
		MaxIdleTimeout:        s.cfg.IdleTimeout,
		MaxIncomingStreams:    int64(s.cfg.MaxStreamsPerConn),
		MaxIncomingUniStreams: maxUniStreamsPerConn,
	})
	if err != nil {
		return fmt.Errorf("QUIC listener: %w", err)
	}
	s.quicLn = ln
	s.h3Srv = &http3.Server{
		Handler:     h,
		IdleTimeout: s.cfg.IdleTimeout,
		Logger:      s.logger,
	}
	return nil
}

// withAltSvc announces HTTP/3 on the given UDP port in every response, as
// RFC 9114 describes for discovering an HTTP/3 endpoint.
func withAltSvc(h http.Handler, port int) http.Handler {
	value := []string{fmt.Sprintf(`%s=":%d"; ma=%d`, http3.NextProtoH3, port, altSvcMaxAge)}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Alt-Svc"] = value
		h.ServeHTTP(w, r)
	})
}

func (s *Server) startServing() {
	s.serving.Go(s.serveTCP)
	if s.h3Srv != nil {
		s.serving.Go(s.serveHTTP3)
	}
	go func() {
		s.serving.Wait()
		close(s.served)
		if s.Err() != nil {
			s.finish() // A listener failed, and Shutdown may never be called.
		}
	}()
}

func (s *Server) finish() { s.closeDone.Do(func() { close(s.done) }) }

func (s *Server) serveTCP() {
	var ln net.Listener = s.tcpLn
	if s.conns != nil {
		ln = &limitListener{Listener: ln, conns: s.conns, plain: s.certs == nil, onReject: s.cfg.OnReject}
	}
	if s.cfg.OnReject != nil {
		ln = &timeoutListener{Listener: ln, tls: s.certs != nil, onReject: s.cfg.OnReject}
		s.httpSrv.ConnState = markIdle
	}
	var err error
	if s.certs != nil {
		err = s.httpSrv.ServeTLS(ln, "", "")
	} else {
		err = s.httpSrv.Serve(ln)
	}
	s.recordServeErr("tcp", err)
}

func (s *Server) serveHTTP3() {
	s.recordServeErr("quic", s.h3Srv.ServeListener(s.quicLn))
}

// recordServeErr records why a Serve call returned. Any reason other than
// Shutdown stops the whole server, so Done reports the failure instead of
// leaving some protocols running.
func (s *Server) recordServeErr(network string, err error) {
	if err == nil || errors.Is(err, http.ErrServerClosed) {
		return
	}
	s.logger.Error("serving failed; stopping every protocol", "network", network, "err", err)
	s.mu.Lock()
	if s.serveErr == nil {
		s.serveErr = fmt.Errorf("transport: %s: %w", network, err)
	}
	s.mu.Unlock()
	if s.h3Srv != nil {
		_ = s.h3Srv.Close()
	}
	_ = s.httpSrv.Close()
	s.closeListeners()
}

// Addr returns the TCP address the server listens on. HTTP/3 uses the
// same IP address and port number over UDP.
func (s *Server) Addr() net.Addr { return s.tcpLn.Addr() }

// URL returns the base URL, "http://host:port" or "https://host:port".
// The host is the bound address, so an unspecified address such as
// 0.0.0.0 appears as is.
func (s *Server) URL() string {
	scheme := "http"
	if s.certs != nil {
		scheme = "https"
	}
	return scheme + "://" + s.Addr().String()
}

// Protocols returns the protocols being served.
func (s *Server) Protocols() []Protocol { return slices.Clone(s.cfg.Protocols) }

func (s *Server) serves(p Protocol) bool { return slices.Contains(s.cfg.Protocols, p) }

func (s *Server) protocolList() string {
	names := make([]string, len(s.cfg.Protocols))
	for i, p := range s.cfg.Protocols {
		names[i] = string(p)
	}
	return strings.Join(names, ",")
}

// Done is closed when the server has stopped: when Shutdown has finished
// with every connection, or after a listener failed (see Err).
func (s *Server) Done() <-chan struct{} { return s.done }

// Err returns the error of a listener that failed and stopped the server.
// It is nil while serving and when only Shutdown stopped the server.
func (s *Server) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.serveErr
}

// Shutdown stops accepting connections and waits, up to the context's
// deadline, for requests in flight to finish on every protocol. When the
// deadline passes, it closes the remaining connections and returns the
// context's error.
func (s *Server) Shutdown(ctx context.Context) error {
	s.logger.Info("shutting down", "addr", s.Addr().String())
	var wg sync.WaitGroup
	var tcpErr, quicErr error
	wg.Go(func() {
		tcpErr = s.httpSrv.Shutdown(ctx)
		if tcpErr != nil {
			_ = s.httpSrv.Close()
		}
	})
	if s.h3Srv != nil {
		// Closing the listener rejects new QUIC handshakes and keeps
		// the accepted connections. http3.Server.Shutdown sends them
		// GOAWAY, waits for them to finish and closes them when ctx ends.
		wg.Go(func() { _ = s.quicLn.Close() })
		wg.Go(func() { quicErr = s.h3Srv.Shutdown(ctx) })
	}
	wg.Wait()
	s.closeListeners()
	<-s.served
	s.finish()
	err := errors.Join(tcpErr, quicErr)
	if err != nil {
		s.logger.Warn("stopped before requests in flight finished", "addr", s.Addr().String(), "err", err)
		return err
	}
	s.logger.Info("stopped", "addr", s.Addr().String())
	return nil
}

// closeListeners closes the sockets and stops the certificate reloader.
// It is safe to call on a partly built Server and more than once.
func (s *Server) closeListeners() {
	s.stop.Do(func() {
		if s.quicTr != nil {
			// Closing the transport closes its listener and every QUIC
			// connection, so Shutdown calls this after
			// http3.Server.Shutdown.
			_ = s.quicTr.Close()
		}
		if s.udpConn != nil {
			_ = s.udpConn.Close()
		}
		if s.tcpLn != nil {
			_ = s.tcpLn.Close()
		}
		if s.certs != nil {
			s.certs.close()
		}
	})
}
