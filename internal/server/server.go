// Package server serves ALTO information resources over HTTP, RFC 7285,
// Sections 8 to 11. One Handler serves every resource of the published
// snapshot: GET resources are written from their pre-encoded bytes, and
// POST services decode and validate the request, query the snapshot and
// encode the answer. Every client mistake is answered by writeError with
// an application/alto-error+json body (Section 8.5); HTTP-level failures
// without ALTO-layer detail (404, 405, 406, 413, 415) get a one-line
// text/plain body.
package server

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/netdef"
	"github.com/goalto/goalto/internal/snapshot"
)

// Limits bound the work one request may ask for.
type Limits struct {
	// MaxBodyBytes is the largest accepted request body; default 1 MiB.
	MaxBodyBytes int64
	// MaxPIDs is the largest number of PIDs in one list of a filtered
	// map request; default 10,000.
	MaxPIDs int
	// MaxEndpoints is the largest number of endpoints in one list of an
	// endpoint request; default 1,000.
	MaxEndpoints int

	// MaxJSONDepth is the deepest nesting of JSON arrays and objects in
	// a request body; default DefaultMaxJSONDepth.
	MaxJSONDepth int
	// MaxCostTypes is the largest number of cost types in the
	// multi-cost-types or testable-cost-types of one request; default
	// DefaultMaxCostTypes. A resource's max-cost-types may lower it.
	MaxCostTypes int
	// MaxConstraints is the largest number of constraints of one
	// request, counted over every list of or-constraints; default
	// DefaultMaxConstraints.
	MaxConstraints int
	// BodyReadTimeout is the time allowed to read a request body, on
	// every HTTP version; default DefaultBodyReadTimeout.
	BodyReadTimeout time.Duration
	// WriteTimeout is the time allowed to write a response, except
	// update streams, which have their own per-event timeout; default
	// DefaultWriteTimeout. It applies on every HTTP version.
	WriteTimeout time.Duration
	// MaxInFlight bounds the POST requests being computed at once; the
	// excess gets 503 with Retry-After at once. A request holds its slot
	// from the end of its body to its response, and the built-in
	// services give it back before writing. GET resources are
	// pre-encoded and not counted, nor are update streams and URIs
	// under registered prefixes, such as TIPS long polls. Zero means
	// DefaultMaxInFlight() and a negative value disables it.
	MaxInFlight int
	// MaxRunnablePerCPU bounds the Go run queue: while more goroutines
	// per CPU than this wait to run, every new request gets 503 with
	// Retry-After at once, so that the requests accepted under overload
	// keep their usual latency (see cpuGate). Zero means
	// DefaultMaxRunnablePerCPU and a negative value disables it.
	MaxRunnablePerCPU float64
	// RatePerClient is the sustained request rate of one client IP
	// address, in requests per second, and RateBurst the requests it
	// may send at once; the excess gets 429 with Retry-After. Zero
	// means the defaults and a negative rate disables the limit.
	RatePerClient float64
	RateBurst     int
	// RateLimitLoopback applies the rate limit to clients on loopback
	// addresses too. They are exempt by default, because a reverse
	// proxy or a monitoring probe on the server's host sends the
	// requests of many users from one loopback address.
	RateLimitLoopback bool
	// MaxRateClients bounds the client addresses whose rate is tracked;
	// a new client beyond it gets 503. Default DefaultMaxRateClients.
	MaxRateClients int
}

// Defaults of Limits.
const (
	DefaultMaxBodyBytes = 1 << 20
	DefaultMaxPIDs      = 10000
	DefaultMaxEndpoints = 1000
)

func (l Limits) withDefaults() Limits {
	if l.MaxBodyBytes <= 0 {
		l.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if l.MaxPIDs <= 0 {
		l.MaxPIDs = DefaultMaxPIDs
	}
	if l.MaxEndpoints <= 0 {
		l.MaxEndpoints = DefaultMaxEndpoints
	}
	return l.withLoadDefaults()
}

// Handler is the HTTP handler of an ALTO server. The zero value is not
// usable; call New.
type Handler struct {
	snap   atomic.Pointer[snapshot.Snapshot]
	limits Limits
	logger *slog.Logger
	// observer is set by SetObserver before serving; nil for none.
	observer Observer
	// clock is set by SetClock before serving; nil for time.Now.
	clock func() time.Time

	// Set by Handle and HandlePrefix before serving; read-only after.
	services map[string]Service
	prefixes map[string]http.Handler

	limitLog limitLog
	guard    *guard
}

// Service serves the POST requests of a resource type that this package
// does not implement itself, such as update streams. body is the request
// body, already read within the size limit after the method, Content-Type
// and Accept checks.
type Service interface {
	ServeALTO(w http.ResponseWriter, r *http.Request, snap *snapshot.Snapshot, res *snapshot.Resource, body []byte)
}

// Handle registers the service of a resource type. It must be called
// before the handler serves requests.
func (h *Handler) Handle(resourceType string, s Service) {
	if h.services == nil {
		h.services = map[string]Service{}
	}
	h.services[resourceType] = s
}

// HandlePrefix serves every path under prefix (which ends in "/") that
// is not a resource path with hh, for URIs that services create, such as
// stream control URIs. It must be called before the handler serves
// requests.
func (h *Handler) HandlePrefix(prefix string, hh http.Handler) {
	if h.prefixes == nil {
		h.prefixes = map[string]http.Handler{}
	}
	h.prefixes[prefix] = hh
}

// WriteError writes an ALTO error response; for services.
func WriteError(w http.ResponseWriter, err error) { writeError(w, err) }

// PlainError writes an HTTP error with a one-line text body; for services.
func PlainError(w http.ResponseWriter, status int, msg string) { plainError(w, status, msg) }

// New returns a handler with the given limits; a nil logger means
// slog.Default(). It responds with 503 until the first Publish.
func New(limits Limits, logger *slog.Logger) *Handler {
	if logger == nil {
		logger = slog.Default()
	}
	limits = limits.withDefaults()
	return &Handler{limits: limits, logger: logger.With("component", "server"), guard: newGuard(limits)}
}

// Limits returns the limits of the handler with their defaults filled
// in, so that services registered on it apply the same bounds.
func (h *Handler) Limits() Limits { return h.limits }

// Publish makes s the snapshot served by every request that starts
// after it returns.
func (h *Handler) Publish(s *snapshot.Snapshot) { h.snap.Store(s) }

// Snapshot returns the published snapshot, or nil.
func (h *Handler) Snapshot() *snapshot.Snapshot { return h.snap.Load() }

// ServeHTTP dispatches a request to the resource at its path, and
// reports it to the observer if one is set.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !h.admitCPU(w) || !h.allowRate(w, r) {
		return
	}
	if h.observer != nil {
		h.serveObserved(w, r)
		return
	}
	h.serve(w, r)
}

func (h *Handler) serve(w http.ResponseWriter, r *http.Request) {
	defer h.recoverPanic(w, r)
	if r.ProtoMajor == 1 && len(r.TransferEncoding) > 0 {
		// RFC 9112, Section 6.3: a request with Transfer-Encoding and
		// Content-Length may be a smuggling attempt, and the server
		// must close the connection after responding. net/http drops
		// the Content-Length before the handler runs, so every request
		// with a transfer coding gets its connection closed.
		w.Header().Set("Connection", "close")
	}
	snap := h.snap.Load()
	if snap == nil {
		w.Header().Set("Retry-After", "1")
		plainError(w, http.StatusServiceUnavailable, "the ALTO server is starting; retry shortly")
		return
	}
	if r = h.authenticate(w, r, snap); r == nil {
		return
	}
	res, allowed := snap.LookupFor(r.URL.Path, IdentityOf(r.Context()))
	if res == nil {
		if hh := h.prefixHandler(r.URL.Path); hh != nil {
			if !prefixAllowed(hh, r, snap) {
				h.deny(w, r, snap)
				return
			}
			hh.ServeHTTP(w, r)
			return
		}
		plainError(w, http.StatusNotFound, "no ALTO resource at "+r.URL.Path+"; the directory at "+snap.Def.Directory+" lists them")
		return
	}
	if !allowed {
		h.deny(w, r, snap)
		return
	}
	if !longLived(res.Type) {
		w = h.setWriteDeadline(w, r)
	}
	if res.Accepts == "" {
		h.serveGet(w, r, res)
		return
	}
	h.servePost(w, r, snap, res)
}

// prefixHandler returns the handler of the longest registered prefix of
// path, or nil.
func (h *Handler) prefixHandler(path string) http.Handler {
	if best := h.longestPrefix(path); best != "" {
		return h.prefixes[best]
	}
	return nil
}

// recoverPanic turns a panic in a handler into a logged 500, so that one
// bad request cannot stop the server.
func (h *Handler) recoverPanic(w http.ResponseWriter, r *http.Request) {
	if v := recover(); v != nil {
		if v == http.ErrAbortHandler {
			panic(v)
		}
		h.logger.Error("handler panic", "path", r.URL.Path, "panic", fmt.Sprint(v))
		plainError(w, http.StatusInternalServerError, "internal error")
	}
}

func plainError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	io.WriteString(w, msg+"\n")
}

// writeError writes an ALTO error response, RFC 7285, Section 8.5. It is
// the one place that writes application/alto-error+json.
func writeError(w http.ResponseWriter, err error) {
	var ae *alto.Error
	if !errors.As(err, &ae) {
		ae = &alto.Error{Code: alto.ErrInvalidFieldValue, Message: err.Error()}
	}
	body, _ := ae.MarshalJSON()
	noteALTOCode(w, ae.Code.String())
	w.Header().Set("Content-Type", alto.MediaTypeError)
	w.Header().Set("Content-Length", fmt.Sprint(len(body)+1))
	w.WriteHeader(ae.HTTPStatus())
	w.Write(append(body, '\n'))
}

// serveGet writes a GET resource from its pre-encoded bytes, with
// conditional requests (ETag, If-None-Match) and gzip.
func (h *Handler) serveGet(w http.ResponseWriter, r *http.Request, res *snapshot.Resource) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		plainError(w, http.StatusMethodNotAllowed, r.Method+" is not allowed on "+r.URL.Path+"; use GET")
		return
	}
	if !Acceptable(r.Header.Values("Accept"), res.MediaType) {
		plainError(w, http.StatusNotAcceptable, "this resource is "+res.MediaType+"; the Accept header excludes it")
		return
	}
	// The gzip and identity encodings are different representations, so
	// they have different strong entity tags (RFC 9110, Section 8.8.3).
	// Either tag in If-None-Match proves the client holds this version.
	gz := acceptsGzip(r.Header.Values("Accept-Encoding"))
	etag, body := res.ETag, res.Body
	if gz {
		etag, body = res.GzipETag, res.Gzip
	}
	hdr := w.Header()
	hdr.Set("ETag", etag)
	hdr.Set("Vary", "Accept-Encoding")
	hdr.Set("Cache-Control", "no-cache")
	inm := r.Header.Get("If-None-Match")
	if etagMatch(inm, res.ETag) || etagMatch(inm, res.GzipETag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	hdr.Set("Content-Type", res.MediaType)
	if gz {
		hdr.Set("Content-Encoding", "gzip")
	}
	hdr.Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		w.Write(body)
	}
}

// servePost checks the method, media types and body size of a POST
// service and calls its handler.
func (h *Handler) servePost(w http.ResponseWriter, r *http.Request, snap *snapshot.Snapshot, res *snapshot.Resource) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		plainError(w, http.StatusMethodNotAllowed, r.Method+" is not allowed on "+r.URL.Path+"; use POST with "+res.Accepts)
		return
	}
	if !CheckRequestBody(w, r, res.Accepts) {
		return
	}
	if mt := negotiatedMediaType(res); !Acceptable(r.Header.Values("Accept"), mt) {
		plainError(w, http.StatusNotAcceptable, "this resource responds with "+mt+"; the Accept header excludes it")
		return
	}
	body, ok := h.readBody(w, r)
	if !ok {
		return
	}
	// The in-flight slot covers the work on the request, not the slow
	// parts that a client controls: reading the body, and writing the
	// response of the built-in services.
	release := func() {}
	if !longLived(res.Type) {
		if release, ok = h.acquire(w); !ok {
			return
		}
		defer release()
	}
	q := &query{h: h, snap: snap, res: res, r: r}
	var out []byte
	var err error
	switch res.Type {
	case netdef.TypeFilteredNetworkMap:
		out, err = q.filteredNetworkMap(body)
	case netdef.TypeFilteredCostMap:
		out, err = q.filteredCostMap(body)
	case netdef.TypeEndpointProperty:
		out, err = q.endpointProperties(body)
	case netdef.TypeEndpointCost:
		out, err = q.endpointCost(body)
	default:
		svc := h.services[res.Type]
		if svc == nil {
			plainError(w, http.StatusNotImplemented, "resource type "+res.Type+" is not available on this server")
			return
		}
		svc.ServeALTO(w, r, snap, res, body)
		return
	}
	release()
	if err != nil {
		h.NoteListLimit(err)
		writeError(w, err)
		return
	}
	writeBody(w, r, res.MediaType, out)
}

// readBody reads a POST body within the size limit and the body read
// timeout, and checks its JSON nesting depth. On failure it writes the
// response and returns false.
func (h *Handler) readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Now().Add(h.limits.BodyReadTimeout))
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.limits.MaxBodyBytes))
	if err == nil {
		// NOTE: on an error the deadline stays, because net/http then
		// discards the rest of the body, which must not wait forever.
		_ = rc.SetReadDeadline(time.Time{})
	}
	var tooLarge *http.MaxBytesError
	var netErr net.Error
	switch {
	case errors.As(err, &tooLarge):
		h.limitLog.log(h.logger, ReasonBodyTooLarge, "request rejected: body over the size limit")
		plainError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the request body exceeds %d bytes", h.limits.MaxBodyBytes))
		return nil, false
	case errors.As(err, &netErr) && netErr.Timeout():
		if r.ProtoMajor == 1 {
			// HTTP/2 and HTTP/3 forbid the Connection field (RFC 9113,
			// Section 8.2.2 and RFC 9114, Section 4.2), and there the
			// server stops reading the request's stream instead.
			w.Header().Set("Connection", "close")
		}
		h.limitLog.log(h.logger, ReasonBodyTimeout, "request rejected: body not received within the body read timeout")
		plainError(w, http.StatusRequestTimeout, fmt.Sprintf("the request body was not received within %s", h.limits.BodyReadTimeout))
		return nil, false
	case err != nil:
		h.logger.Debug("reading request body", "path", r.URL.Path, "err", err)
		plainError(w, http.StatusBadRequest, "the request body could not be read")
		return nil, false
	}
	if err := checkDepth(body, h.limits.MaxJSONDepth); err != nil {
		h.limitLog.log(h.logger, ReasonJSONDepth, "request rejected: JSON nested too deeply")
		writeError(w, err)
		return nil, false
	}
	return body, true
}
