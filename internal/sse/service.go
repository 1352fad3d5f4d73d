package sse

import (
	"crypto/rand"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/netdef"
	"github.com/goalto/goalto/internal/server"
	"github.com/goalto/goalto/internal/snapshot"
	"github.com/goalto/goalto/internal/updates"
)

// Defaults of Config.
const (
	// DefaultKeepAlive is the interval that RFC 8895, Section 6.8
	// recommends for keep-alive messages.
	DefaultKeepAlive = 15 * time.Second
	// DefaultWriteTimeout is how long one event, or 64 KiB of a larger
	// one, may take to write before the stream is closed: two keep-alive
	// intervals.
	DefaultWriteTimeout = 30 * time.Second
	// DefaultMaxStreams bounds the open streams of a server. Each one
	// holds two goroutines and writes every full replacement itself.
	DefaultMaxStreams = 1000
	// DefaultMaxStreamsPerClient bounds the open streams of one client
	// IP address. A client needs one stream per update stream resource,
	// and a few more while the server has not yet noticed that an old
	// connection closed.
	DefaultMaxStreamsPerClient = 8
	// DefaultMaxSubstreams bounds the active substreams of one stream,
	// well above the resources one update stream offers.
	DefaultMaxSubstreams = 64
	// DefaultControlPrefix is the URI path under which stream control
	// URIs are created.
	DefaultControlPrefix = "/updates/control/"
)

// retryAfterSeconds is the Retry-After of a stream rejected for the
// stream limits. Streams are long-lived, so a slot rarely frees within
// seconds.
const retryAfterSeconds = 30

// Config configures the update stream service. The zero value takes
// every default.
type Config struct {
	// KeepAlive is the idle time after which a stream sends a keep-alive
	// comment; default DefaultKeepAlive, negative for none.
	KeepAlive time.Duration
	// WriteTimeout bounds the write of one event, or of each 64 KiB of a
	// larger one. A client that reads too slowly for that loses its
	// stream. Default DefaultWriteTimeout, negative for none.
	WriteTimeout time.Duration
	// MaxStreams bounds the open streams; default DefaultMaxStreams.
	MaxStreams int
	// MaxStreamsPerClient bounds the open streams of one client IP
	// address; default DefaultMaxStreamsPerClient.
	MaxStreamsPerClient int
	// MaxSubstreams bounds the active substreams of one stream; default
	// DefaultMaxSubstreams.
	MaxSubstreams int
	// ControlPrefix is the URI path, ending in "/", under which stream
	// control URIs are created; default DefaultControlPrefix. It must not
	// be the path of a resource.
	ControlPrefix string
	// OnStreamLimit, when set, is called when a new stream makes the
	// open streams reach MaxStreams, with the update stream resource of
	// that stream, for the alto-resource-event notification of
	// ietf-alto. It runs on the request's goroutine.
	OnStreamLimit func(resourceID string, limit int)
	// LogClientAddresses adds the client IP address to the log lines of
	// streams; by default it is left out (RFC 7285, Section 15.4).
	LogClientAddresses bool
	// Registered, when set, receives the service that NewRegistrar's
	// registrar creates, so that the caller can read its Streams.
	Registered func(*Service)
}

func (c Config) withDefaults() Config {
	if c.KeepAlive == 0 {
		c.KeepAlive = DefaultKeepAlive
	}
	if c.WriteTimeout == 0 {
		c.WriteTimeout = DefaultWriteTimeout
	}
	if c.MaxStreams <= 0 {
		c.MaxStreams = DefaultMaxStreams
	}
	if c.MaxStreamsPerClient <= 0 {
		c.MaxStreamsPerClient = DefaultMaxStreamsPerClient
	}
	if c.MaxSubstreams <= 0 {
		c.MaxSubstreams = DefaultMaxSubstreams
	}
	if c.ControlPrefix == "" {
		c.ControlPrefix = DefaultControlPrefix
	}
	if !strings.HasSuffix(c.ControlPrefix, "/") {
		c.ControlPrefix += "/"
	}
	return c
}

// Service serves update streams and their stream control URIs. It is
// safe for concurrent use.
type Service struct {
	cfg       Config
	engine    *updates.Engine
	snapshots func() *snapshot.Snapshot // the snapshot the handler serves
	logger    *slog.Logger
	// evaluate computes the response of a POST-mode resource to an
	// input; nil when the service follows GET-mode resources only.
	evaluate Evaluator
	counter  atomic.Uint64 // numbers streams in logs
	failures atomic.Uint64 // control requests for unknown streams
	rejected atomic.Uint64 // stream requests over the limits
	// noteRejection counts a stream over a limit among the rejections of
	// the server handler; nil when the service has no handler.
	noteRejection func(reason, msg string)

	mu        sync.Mutex         // guards the following fields
	streams   map[string]*stream // by control ID
	perClient map[string]int     // open streams by client IP address
	// servers records the HTTP servers whose shutdown stops their
	// streams, and whether each is shutting down.
	servers map[*http.Server]bool
}

// Register registers the update stream service with the default Config
// on h. It has the type of a daemon.Registrar.
func Register(h *server.Handler, e *updates.Engine, logger *slog.Logger) {
	NewRegistrar(Config{})(h, e, logger)
}

// NewRegistrar returns a registrar, for daemon.Config.Services, that
// serves update streams with cfg: the resource type "update-stream" and
// the stream control URIs under cfg.ControlPrefix.
func NewRegistrar(cfg Config) func(h *server.Handler, e *updates.Engine, logger *slog.Logger) {
	return func(h *server.Handler, e *updates.Engine, logger *slog.Logger) {
		s := New(cfg, e, h.Snapshot, logger)
		s.SetEvaluator(h.Evaluate)
		s.noteRejection = h.NoteRejection
		if cfg.Registered != nil {
			cfg.Registered(s)
		}
		h.Handle(netdef.TypeUpdateStream, s)
		h.HandlePrefix(s.cfg.ControlPrefix, s.ControlHandler())
	}
}

// New returns a service that reads e. snapshots returns the snapshot
// being served, whose versions streams send (see the package
// documentation), or nil before the first one. A nil snapshots makes
// streams send the latest version of each resource. A nil logger means
// slog.Default().
func New(cfg Config, e *updates.Engine, snapshots func() *snapshot.Snapshot, logger *slog.Logger) *Service {
	if logger == nil {
		logger = slog.Default()
	}
	if snapshots == nil {
		snapshots = func() *snapshot.Snapshot { return nil }
	}
	return &Service{
		cfg:       cfg.withDefaults(),
		engine:    e,
		snapshots: snapshots,
		logger:    logger.With("component", "sse"),
		streams:   map[string]*stream{},
		perClient: map[string]int{},
		servers:   map[*http.Server]bool{},
	}
}

// Evaluator computes the response of the POST-mode resource res of snap
// to a request body, on behalf of the request r: its media type and body,
// or the *alto.Error that the resource answers. [server.Handler.Evaluate]
// is one.
type Evaluator func(r *http.Request, snap *snapshot.Snapshot, res *snapshot.Resource, input []byte) (string, []byte, error)

// SetEvaluator makes the service offer substreams of POST-mode resources
// (RFC 8895, Section 6.5), whose responses evaluate computes. Without
// it, an add request with an input is rejected. It must be called before
// the service serves requests.
func (s *Service) SetEvaluator(evaluate Evaluator) { s.evaluate = evaluate }

// ServeALTO opens an update stream (RFC 8895, Section 6) and serves it
// until the client goes away, the client removes every substream, or
// the server shuts down. The server handler has checked the method, the
// media types and the body size.
func (s *Service) ServeALTO(w http.ResponseWriter, r *http.Request, snap *snapshot.Snapshot, res *snapshot.Resource, body []byte) {
	req, err := decodeStreamRequest(body)
	if err == nil {
		err = s.checkAdds(r, req, snap, res)
	}
	if err == nil && len(req.add) > s.cfg.MaxSubstreams {
		err = alto.NewInvalidValue("add", strconv.Itoa(len(req.add)),
			fmt.Sprintf("a stream has at most %d substreams", s.cfg.MaxSubstreams))
		s.noteSubstreams()
	}
	if err != nil {
		// RFC 8895, Section 6.6: the server closes the connection after
		// the error. HTTP/2 and HTTP/3 have no connection per request,
		// and forbid the Connection header.
		if r.ProtoMajor == 1 {
			w.Header().Set("Connection", "close")
		}
		server.WriteError(w, err)
		return
	}
	st, err := s.open(w, r, snap, res)
	if err != nil {
		if n := s.rejected.Add(1); n == 1 || n%100 == 0 {
			s.logger.Warn("update stream rejected", s.clientAttrs(r, "resource", res.ID, "err", err, "count", n)...)
		}
		if s.noteRejection != nil {
			s.noteRejection(server.ReasonUpdateStreams, "update stream rejected: over a limit on open streams")
		}
		w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds))
		server.PlainError(w, http.StatusServiceUnavailable, err.Error())
		return
	}
	defer s.release(st)
	if st.reachedLimit && s.cfg.OnStreamLimit != nil {
		s.cfg.OnStreamLimit(res.ID, s.cfg.MaxStreams)
	}
	st.addSubstreams(req, snap)

	w.Header().Set("Content-Type", alto.MediaTypeEventStream)
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	reason := st.run(r.Context())
	s.logger.Debug("update stream closed", "stream", st.number, "resource", st.resourceID, "reason", reason)
}

// open registers a new stream within the limits.
func (s *Service) open(w http.ResponseWriter, r *http.Request, snap *snapshot.Snapshot, res *snapshot.Resource) (*stream, error) {
	// RFC 8895, Section 7.1 recommends control URIs that are hard to
	// guess, because anyone who has one controls the stream. The ID has
	// 130 random bits.
	id := rand.Text()
	srv, _ := r.Context().Value(http.ServerContextKey).(*http.Server)
	client := clientAddr(r)

	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.servers[srv]:
		return nil, fmt.Errorf("the server is shutting down")
	case len(s.streams) >= s.cfg.MaxStreams:
		return nil, fmt.Errorf("the server has the maximum of %d update streams open; retry later", s.cfg.MaxStreams)
	case s.perClient[client] >= s.cfg.MaxStreamsPerClient:
		return nil, fmt.Errorf("this client has the maximum of %d update streams open; close one or retry later", s.cfg.MaxStreamsPerClient)
	}
	// NOTE: HTTP/3 requests carry no *http.Server and quic-go's
	// http3.Server has no shutdown hook, so their streams end only when
	// the shutdown deadline closes the connections.
	if _, ok := s.servers[srv]; !ok && srv != nil {
		s.servers[srv] = false
		srv.RegisterOnShutdown(func() { s.shutdown(srv) })
	}
	st := newStream(s, id, res.ID, newEventWriter(w, s.cfg.WriteTimeout))
	st.req = r
	st.identity = server.IdentityOf(r.Context())
	st.number, st.client, st.srv = s.counter.Add(1), client, srv
	st.controlURI = snap.Def.BaseURL + s.cfg.ControlPrefix + id
	s.streams[id] = st
	st.reachedLimit = len(s.streams) == s.cfg.MaxStreams
	s.perClient[client]++
	s.logger.Debug("update stream opened", s.clientAttrs(r, "stream", st.number, "resource", res.ID)...)
	return st, nil
}

// release unregisters a stream that has ended, so that requests to its
// control URI get 404 Not Found from then on. RFC 8895, Section 7.1
// forbids reusing the URI.
func (s *Service) release(st *stream) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.streams[st.id] != st {
		return
	}
	delete(s.streams, st.id)
	if s.perClient[st.client]--; s.perClient[st.client] <= 0 {
		delete(s.perClient, st.client)
	}
}

// StreamStats describes one open update stream.
type StreamStats struct {
	// ResourceID is the update stream resource the stream was opened on.
	ResourceID string
	// Messages counts the data update messages sent on the stream
	// (RFC 8895, Section 6.3), control events not included.
	Messages uint64
}

// Streams returns the open streams, in no particular order.
func (s *Service) Streams() []StreamStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]StreamStats, 0, len(s.streams))
	for _, st := range s.streams {
		out = append(out, StreamStats{ResourceID: st.resourceID, Messages: st.messages.Load()})
	}
	return out
}

// lookup returns the open stream with a control ID, or nil.
func (s *Service) lookup(id string) *stream {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.streams[id]
}

// shutdown stops the streams served by an HTTP server that is shutting
// down, so that its Shutdown need not wait for them until its deadline.
func (s *Service) shutdown(srv *http.Server) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.servers[srv] = true
	for _, st := range s.streams {
		if st.srv == srv {
			st.halt("the server is shutting down")
		}
	}
}

// clientAddr returns the IP address of the client, the key of the
// per-client limit.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// clientAttrs returns the log attributes attrs, with the client address
// when LogClientAddresses is set.
func (s *Service) clientAttrs(r *http.Request, attrs ...any) []any {
	if s.cfg.LogClientAddresses {
		attrs = append(attrs, "client", clientAddr(r))
	}
	return attrs
}
