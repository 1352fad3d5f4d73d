// Package propmap serves RFC 9240 filtered property maps: the POST
// service of the filtered-property-map resource type. The GET property
// map is pre-encoded when the snapshot is built and served by the core
// handler. The property data, its inheritance over IP prefixes and the
// encoding live in the entity subpackage; docs/propmap.md describes the
// configuration.
//
// A request may name at most Config.MaxEntities entities, 10,000 by
// default like the PID lists of filtered maps, and its prefixes may hold
// at most Config.MaxExpandedPrefixes prefixes with values, 1,000,000 by
// default: about the size of a full Internet routing table, so that
// one request for 0.0.0.0/0 over a full table succeeds while a list of
// many overlapping short prefixes, each of which would repeat that
// work, does not.
package propmap

import (
	"log/slog"
	"net/http"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/netdef"
	"github.com/goalto/goalto/internal/propmap/entity"
	"github.com/goalto/goalto/internal/server"
	"github.com/goalto/goalto/internal/snapshot"
	"github.com/goalto/goalto/internal/updates"
)

// Defaults of Config; the package documentation gives the reasons.
const (
	DefaultMaxEntities         = 10000
	DefaultMaxExpandedPrefixes = 1000000
)

// Config bounds the requests of a Service. A zero or negative field
// takes its default.
type Config struct {
	// MaxEntities is the maximum number of entities in a request.
	MaxEntities int
	// MaxExpandedPrefixes is the maximum number of prefixes with values
	// that a request may visit inside the prefixes it names.
	MaxExpandedPrefixes int
	// Logger receives the errors of the server; nil means slog.Default().
	Logger *slog.Logger
}

func (c Config) withDefaults() Config {
	if c.MaxEntities <= 0 {
		c.MaxEntities = DefaultMaxEntities
	}
	if c.MaxExpandedPrefixes <= 0 {
		c.MaxExpandedPrefixes = DefaultMaxExpandedPrefixes
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

// Service serves filtered property map requests, RFC 9240, Section 8.
type Service struct {
	limits entity.Limits
	logger *slog.Logger
	// handler counts the requests over a limit; nil for none.
	handler *server.Handler
}

// New returns a service with the given limits.
func New(cfg Config) *Service {
	cfg = cfg.withDefaults()
	return &Service{
		limits: entity.Limits{MaxEntities: cfg.MaxEntities, MaxExpandedPrefixes: cfg.MaxExpandedPrefixes},
		logger: cfg.Logger.With("component", "propmap"),
	}
}

// Register registers a service with the default limits for the
// filtered-property-map resource type; it is a daemon.Registrar.
func Register(h *server.Handler, _ *updates.Engine, logger *slog.Logger) {
	New(Config{Logger: logger}).Register(h, nil, nil)
}

// Register registers s for the filtered-property-map resource type, and
// counts its requests over a limit among the rejections of h. It is a
// daemon.Registrar.
func (s *Service) Register(h *server.Handler, _ *updates.Engine, _ *slog.Logger) {
	s.handler = h
	h.Handle(netdef.TypeFilteredPropertyMap, s)
}

// ServeALTO serves one filtered property map request. The handler has
// checked the method, the media types and the body size.
func (s *Service) ServeALTO(w http.ResponseWriter, r *http.Request, snap *snapshot.Snapshot, res *snapshot.Resource, body []byte) {
	if res.PropertyMap == nil {
		s.logger.Error("filtered property map without data", "resource", res.ID, "path", r.URL.Path)
		server.PlainError(w, http.StatusInternalServerError, "internal error: resource "+res.ID+" has no property map data")
		return
	}
	req, err := alto.DecodePropertyMapParamsLimit(body, s.limits.MaxEntities)
	if err != nil {
		s.writeError(w, err)
		return
	}
	out, err := res.PropertyMap.Filter(req, s.limits)
	if err != nil {
		s.writeError(w, err)
		return
	}
	server.WriteBody(w, r, alto.MediaTypePropMap, out)
}

// writeError writes an ALTO error response, and counts a request over a
// limit among the handler's rejections.
func (s *Service) writeError(w http.ResponseWriter, err error) {
	switch {
	case s.handler == nil:
	case entity.IsPrefixLimit(err):
		s.handler.NoteRejection(server.ReasonEndpoints, "request rejected: the requested prefixes contain more prefixes with values than the server accepts")
	default:
		s.handler.NoteListLimit(err)
	}
	server.WriteError(w, err)
}
