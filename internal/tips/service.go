package tips

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/goalto/goalto/internal/netdef"
	"github.com/goalto/goalto/internal/server"
	"github.com/goalto/goalto/internal/updates"
)

// Defaults of Config; the package documentation gives the reasons.
const (
	DefaultViewPrefix        = "/tips/views/"
	DefaultMaxViews          = 1024
	DefaultMaxViewsPerClient = 16
	DefaultMaxWaitersPerView = 1024
	DefaultMaxWaiters        = 4096
	DefaultLongPollTimeout   = 30 * time.Second
	DefaultViewIdleTimeout   = 10 * time.Minute
)

// maxParamsBytes bounds the body of a next edge request (RFC 9569,
// Section 7.4.1). A TIPSReq without "input" is a resource ID and a tag
// of at most 64 characters each, so 64 KiB leaves ample room.
const maxParamsBytes = 64 << 10

// Retry-After values, in seconds, of 429 and 503 responses. A long poll
// slot frees as soon as any pending long poll ends. A view slot frees
// only when a view closes, which takes up to ViewIdleTimeout, so clients
// should wait longer before they try to open a view again.
const (
	retryAfterWaiters  = "1"
	retryAfterViews    = "30"
	retryAfterShutdown = "1"
	retryAfterNoGraph  = "1"
)

// Config configures a Service. A zero or negative field takes its
// default.
type Config struct {
	// ViewPrefix is the URI path under which TIPS views are served. It
	// must start and end with "/"; default DefaultViewPrefix.
	ViewPrefix string
	// MaxViews is the maximum number of open views; default
	// DefaultMaxViews. Views of GET-mode resources are shared per
	// resource, but a POST-mode resource has one view per distinct
	// input, so clients can reach the limit.
	MaxViews int
	// MaxViewsPerClient is the maximum number of views that one client
	// IP address holds references to; default DefaultMaxViewsPerClient.
	// Opening a view creates or refreshes the reference. It ends when
	// the view closes, or when the client has sent no request to the
	// view for ViewIdleTimeout. Clients behind one proxy or NAT share
	// the limit.
	MaxViewsPerClient int
	// MaxWaitersPerView is the maximum number of pending long polls on
	// one view; default DefaultMaxWaitersPerView.
	MaxWaitersPerView int
	// MaxWaiters is the maximum number of pending long polls on all
	// views together; default DefaultMaxWaiters.
	MaxWaiters int
	// LongPollTimeout is how long a request for the next edge waits
	// for it before the server responds 425 (Too Early); default
	// DefaultLongPollTimeout.
	LongPollTimeout time.Duration
	// ViewIdleTimeout is how long a view stays open without a request
	// and without a pending long poll; then it is closed, its URI
	// responds 404, and the next open request creates a new view;
	// default DefaultViewIdleTimeout.
	ViewIdleTimeout time.Duration
}

func (c Config) withDefaults() Config {
	if c.ViewPrefix == "" {
		c.ViewPrefix = DefaultViewPrefix
	}
	if c.MaxViews <= 0 {
		c.MaxViews = DefaultMaxViews
	}
	if c.MaxViewsPerClient <= 0 {
		c.MaxViewsPerClient = DefaultMaxViewsPerClient
	}
	if c.MaxWaitersPerView <= 0 {
		c.MaxWaitersPerView = DefaultMaxWaitersPerView
	}
	if c.MaxWaiters <= 0 {
		c.MaxWaiters = DefaultMaxWaiters
	}
	if c.LongPollTimeout <= 0 {
		c.LongPollTimeout = DefaultLongPollTimeout
	}
	if c.ViewIdleTimeout <= 0 {
		c.ViewIdleTimeout = DefaultViewIdleTimeout
	}
	return c
}

// Service is the TIPS service of one handler: it opens views for the
// TIPS resources of the published snapshot and serves the views' update
// items from the update engine. Create it with New and attach it with
// Register; it is safe for concurrent use.
type Service struct {
	cfg     Config
	handler *server.Handler
	engine  *updates.Engine
	logger  *slog.Logger
	limited limitLog

	mu        sync.Mutex       // guards the fields below
	views     map[string]*view // by resource ID
	waiters   int              // pending long polls on all views
	shutdowns map[*http.Server]context.Context
	// clients holds the view references of each client IP address, and
	// clientsSwept the time of the last sweep of all of them.
	clients      map[string]clientViews
	clientsSwept time.Time
}

// Stats counts what a Service holds now, for tests and metrics.
type Stats struct {
	Views   int // open views
	Waiters int // pending long polls
}

// New returns a service with the given configuration. It panics when
// cfg.ViewPrefix is set but does not start and end with "/", which is a
// programming error.
func New(cfg Config) *Service {
	cfg = cfg.withDefaults()
	if len(cfg.ViewPrefix) < 2 || !strings.HasPrefix(cfg.ViewPrefix, "/") || !strings.HasSuffix(cfg.ViewPrefix, "/") {
		panic(fmt.Sprintf("tips: ViewPrefix %q must start and end with \"/\"", cfg.ViewPrefix))
	}
	return &Service{
		cfg:       cfg,
		views:     map[string]*view{},
		shutdowns: map[*http.Server]context.Context{},
		clients:   map[string]clientViews{},
	}
}

// Register attaches a Service with the default configuration to a
// handler; it has the signature of daemon.Registrar.
func Register(h *server.Handler, e *updates.Engine, logger *slog.Logger) {
	New(Config{}).Register(h, e, logger)
}

// Register makes the service open views for the resources of type
// "tips" and serve the views under its ViewPrefix. A nil logger means
// slog.Default(). It must be called once, before h serves requests, and
// it panics on a second call.
func (s *Service) Register(h *server.Handler, e *updates.Engine, logger *slog.Logger) {
	if s.handler != nil {
		panic("tips: Service.Register called twice")
	}
	if logger == nil {
		logger = slog.Default()
	}
	s.handler, s.engine = h, e
	s.logger = logger.With("component", "tips")
	h.Handle(netdef.TypeTIPS, s)
	h.HandlePrefix(s.cfg.ViewPrefix, viewHandler{s})
	s.logger.Debug("TIPS service registered", "view_prefix", s.cfg.ViewPrefix,
		"max_views", s.cfg.MaxViews, "max_views_per_client", s.cfg.MaxViewsPerClient, "max_waiters", s.cfg.MaxWaiters,
		"max_waiters_per_view", s.cfg.MaxWaitersPerView, "long_poll_timeout", s.cfg.LongPollTimeout)
}

// Stats returns the number of open views and pending long polls.
func (s *Service) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Stats{Views: len(s.views), Waiters: s.waiters}
}

// shutdownContext returns a context that ends when the http.Server that
// serves r starts to shut down, so that pending long polls respond at
// once instead of holding up the shutdown. Requests that no
// *http.Server serves, such as HTTP/3 requests, get a context that never
// ends: their long polls end at the timeout or when the shutdown
// deadline closes the connections.
func (s *Service) shutdownContext(r *http.Request) context.Context {
	srv, ok := r.Context().Value(http.ServerContextKey).(*http.Server)
	if !ok {
		return context.Background()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ctx := s.shutdowns[srv]
	if ctx == nil {
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(context.Background())
		srv.RegisterOnShutdown(cancel)
		s.shutdowns[srv] = ctx
	}
	return ctx
}

// noteRejection counts a request over a view limit in the handler's
// rejection metric and logs it, rate-limited, with the reason
// server.ReasonTIPSViews.
func (s *Service) noteRejection(msg string) {
	s.handler.NoteRejection(server.ReasonTIPSViews, msg)
}

// limitLog logs the requests rejected by a long poll limit at Warn level, at most
// once a minute. Each log counts the rejections since the previous log,
// so rejections after the last log are not reported until the next one.
type limitLog struct {
	mu         sync.Mutex
	last       time.Time
	suppressed int
}

// limitLogInterval is the minimum time between two logs of limitLog.
const limitLogInterval = time.Minute

func (l *limitLog) reject(logger *slog.Logger, limit string, max int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	if !l.last.IsZero() && now.Sub(l.last) < limitLogInterval {
		l.suppressed++
		return
	}
	logger.Warn("TIPS limit reached; responding 429 Too Many Requests", "limit", limit, "max", max, "rejected_since_last_log", l.suppressed+1)
	l.last, l.suppressed = now, 0
}

// viewHandler serves the TIPS view URIs, and names the resource of a
// view so that the server checks the client may read it.
type viewHandler struct{ s *Service }

func (v viewHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) { v.s.serveView(w, r) }

// OwnerOf returns the resource of the view at a path: views are served
// at ViewPrefix + view key + "/" + token, where the key of a view of a
// POST-mode resource also names the input.
func (v viewHandler) OwnerOf(path string) string {
	rest, _ := strings.CutPrefix(path, v.s.cfg.ViewPrefix)
	id, _, _ := strings.Cut(rest, "/")
	return resourceOfKey(id)
}
