// Package cdni serves the CDNI footprint and capabilities advertisement
// of RFC 9241: the POST service of the filtered-cdni resource type
// (Section 5). The CDNI Advertisement resource itself (Section 3) is
// pre-encoded when the snapshot is built and served by the core handler
// like the other GET resources. The data and its filtering live in the
// advert subpackage, and docs/cdni.md describes the configuration.
package cdni

import (
	"log/slog"
	"net/http"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/netdef"
	"github.com/goalto/goalto/internal/server"
	"github.com/goalto/goalto/internal/snapshot"
	"github.com/goalto/goalto/internal/updates"
)

// Service serves filtered CDNI Advertisement requests.
type Service struct {
	logger *slog.Logger
}

// New returns a service that logs to logger; nil means slog.Default().
func New(logger *slog.Logger) *Service {
	if logger == nil {
		logger = slog.Default()
	}
	return &Service{logger: logger.With("component", "cdni")}
}

// Register registers a service for the filtered-cdni resource type; it
// is a daemon.Registrar.
func Register(h *server.Handler, _ *updates.Engine, logger *slog.Logger) {
	h.Handle(netdef.TypeFilteredCDNI, New(logger))
}

// ServeALTO serves one filtered CDNI Advertisement request. The handler
// has checked the method, the media types and the body size.
func (s *Service) ServeALTO(w http.ResponseWriter, r *http.Request, _ *snapshot.Snapshot, res *snapshot.Resource, body []byte) {
	if res.CDNI == nil {
		s.logger.Error("filtered CDNI advertisement without data", "resource", res.ID, "path", r.URL.Path)
		server.PlainError(w, http.StatusInternalServerError, "internal error: resource "+res.ID+" has no CDNI advertisement data")
		return
	}
	req, err := alto.DecodeCDNIFilterParams(body)
	if err != nil {
		server.WriteError(w, err)
		return
	}
	out := res.CDNI.Filter(res.ID, req)
	server.WriteBody(w, r, alto.MediaTypeCDNI, out)
}
