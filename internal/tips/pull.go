package tips

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/server"
	"github.com/goalto/goalto/internal/updates"
)

// Causes that end a long poll before a new version is published.
var (
	errPollTimeout    = errors.New("long poll timed out")
	errServerShutdown = errors.New("server is shutting down")
	errAccessRevoked  = errors.New("the client may no longer read the resource of the view")
)

// itemCacheControl is the Cache-Control of an update item. An item of
// a view never changes, because a version's content is path independent
// (RFC 9569, Section 3.1) and a view never reuses a sequence number. So
// caches may keep it for a year, the max-age limit of RFC 9111, Section
// 5.2.2.1, and need not revalidate it (RFC 8246).
const itemCacheControl = "max-age=31536000, immutable"

// serveView serves the URIs under ViewPrefix (RFC 9569, Section 4.2):
//
//	<ViewPrefix><resource-id>/<token>/ug          POST: next edge recommendation
//	<ViewPrefix><resource-id>/<token>/ug/<i>/<j>  GET, HEAD: update item
//
// Any other path, the view URI itself included, gets 404 in plain text
// as unknown paths do elsewhere on the server. RFC 9569 defines no
// request on the view URI itself: there is no request to read or to
// close (DELETE) a view, which the server closes when it is idle.
func (s *Service) serveView(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.TrimPrefix(r.URL.Path, s.cfg.ViewPrefix), "/")
	switch {
	case len(parts) == 3 && parts[2] == "ug":
		s.serveNextEdge(w, r, parts[0], parts[1])
	case len(parts) == 5 && parts[2] == "ug":
		s.serveItem(w, r, parts[0], parts[1], parts[3], parts[4])
	case len(parts) == 2 && parts[0] != "" && parts[1] != "":
		server.PlainError(w, http.StatusNotFound, "a TIPS view URI serves no request itself (RFC 9569, Section 4.2): "+
			"GET update items at <tips-view-uri>/ug/<i>/<j> and POST next edge requests to <tips-view-uri>/ug; "+
			"a view needs no closing, the server closes it when it has been idle for "+s.cfg.ViewIdleTimeout.String())
	default:
		server.PlainError(w, http.StatusNotFound,
			"no TIPS resource at this path; a view serves update items at <tips-view-uri>/ug/<i>/<j> and next edge recommendations at <tips-view-uri>/ug")
	}
}

// serveItem serves the update item on the edge from version i to j
// (RFC 9569, Section 7), waiting for it when it is the next edge.
func (s *Service) serveItem(w http.ResponseWriter, r *http.Request, resourceID, token, rawI, rawJ string) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		server.PlainError(w, http.StatusMethodNotAllowed, r.Method+" is not allowed on an update item; use GET")
		return
	}
	// A path with a malformed sequence number names no update item. The
	// request has no JSON body, so it gets 404 in plain text rather
	// than an ALTO E_SYNTAX error.
	i, ok := parseSeq(rawI)
	if !ok {
		server.PlainError(w, http.StatusNotFound, "no update item at this path: <i> in ug/<i>/<j> is invalid; "+seqSyntax)
		return
	}
	j, ok := parseSeq(rawJ)
	if !ok {
		server.PlainError(w, http.StatusNotFound, "no update item at this path: <j> in ug/<i>/<j> is invalid; "+seqSyntax)
		return
	}
	v := s.findFreshView(clientIP(r), resourceID, token)
	if v == nil {
		writeViewNotFound(w)
		return
	}
	for {
		item, err := v.graph.Edge(i, j)
		if err == nil {
			writeItem(w, r, item, i, j)
			return
		}
		if !errors.Is(err, updates.ErrNotYet) {
			s.writeEdgeError(w, v, i, j, err)
			return
		}
		_, end := v.graph.Range()
		if j <= end {
			continue // published since Edge looked
		}
		if j != end+1 || (i != 0 && i != end) {
			writeStatus(w, http.StatusTooEarly, fmt.Sprintf(
				"edge %d to %d is beyond the long polling window: end-seq is %d, and only ug/%d/%d and ug/0/%d wait for the next version",
				i, j, end, end, end+1, end+1))
			return
		}
		if !s.longPoll(w, r, v, end) {
			return
		}
		if !s.stillOpen(v) {
			writeViewNotFound(w)
			return
		}
	}
}

// longPoll waits for a version above end. It returns true when one
// exists; otherwise it has written the response, unless the client went
// away.
func (s *Service) longPoll(w http.ResponseWriter, r *http.Request, v *view, end uint64) bool {
	if err := s.acquireWaiter(v); err != nil {
		w.Header().Set("Retry-After", retryAfterWaiters)
		writeStatus(w, http.StatusTooManyRequests, err.Error()+"; retry shortly")
		return false
	}
	defer s.releaseWaiter(v)

	ctx, cancel := context.WithTimeoutCause(r.Context(), s.cfg.LongPollTimeout, errPollTimeout)
	defer cancel()
	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	unregister := context.AfterFunc(s.shutdownContext(r), func() { stop(errServerShutdown) })
	defer unregister()

	if v.derived != nil {
		go s.followReloads(ctx, v)
	}
	go s.watchAccess(ctx, r, v, s.engine.Generation(), stop)
	_, err := v.graph.Wait(ctx, end)
	if err == nil {
		if !s.mayRead(r, v) {
			s.denyRevoked(w)
			return false
		}
		return true
	}
	switch cause := context.Cause(ctx); {
	case errors.Is(cause, errAccessRevoked):
		s.denyRevoked(w)
	case errors.Is(err, updates.ErrRemoved):
		s.stillOpen(v) // closes the view
		writeViewNotFound(w)
	case errors.Is(cause, errServerShutdown):
		w.Header().Set("Retry-After", retryAfterShutdown)
		writeStatus(w, http.StatusServiceUnavailable, "the server is shutting down; send the request again")
	case errors.Is(cause, errPollTimeout):
		if !s.stillOpen(v) {
			writeViewNotFound(w)
			return false
		}
		w.Header().Set("Retry-After", "0")
		writeStatus(w, http.StatusTooEarly, fmt.Sprintf(
			"no version after end-seq %d was published within the long poll timeout of %s; send the request again",
			end, s.cfg.LongPollTimeout))
	default:
		// The client canceled the request, so no response is written.
	}
	return false
}

// watchAccess ends a long poll with errAccessRevoked when a reload after
// engine generation gen takes the view's resource from the client, so
// that the client gets 403 at once instead of the next version.
func (s *Service) watchAccess(ctx context.Context, r *http.Request, v *view, gen uint64, revoke context.CancelCauseFunc) {
	for {
		if !s.mayRead(r, v) {
			revoke(errAccessRevoked)
			return
		}
		next, err := s.engine.Wait(ctx, gen)
		if err != nil {
			return
		}
		gen = next
	}
}

// mayRead reports whether the client of r may still read the resource of
// a view under the access section of the served snapshot. The handler
// checked it against the snapshot of the request's start, but a long
// poll can outlive that snapshot.
func (s *Service) mayRead(r *http.Request, v *view) bool {
	snap := s.handler.Snapshot()
	if snap == nil || snap.Access == nil {
		return true
	}
	res := snap.ResourceByID(resourceOfKey(v.resourceID))
	return res == nil || snap.ReadableBy(server.IdentityOf(r.Context()), res)
}

// denyRevoked writes the 403 of a long poll whose client lost access to
// the view's resource while it waited. Like the handler's own denials,
// it is plain text and counted as an access_denied rejection.
func (s *Service) denyRevoked(w http.ResponseWriter) {
	s.handler.NoteRejection(server.ReasonAccessDenied, "long poll of a TIPS view whose resource the client may no longer read rejected")
	w.Header().Set("Cache-Control", "no-store")
	server.PlainError(w, http.StatusForbidden, "the client has no role that may read the resource of this view")
}

// writeItem writes an update item, or 415 when the Accept header
// excludes its media type (RFC 9569, Section 7.2). It returns 304 (Not
// Modified) to a client whose If-None-Match names the item.
func writeItem(w http.ResponseWriter, r *http.Request, item updates.Item, i, j uint64) {
	if !server.Acceptable(r.Header.Values("Accept"), item.MediaType) {
		writeStatus(w, http.StatusUnsupportedMediaType, fmt.Sprintf(
			"the item on edge %d to %d is %s, which the Accept header excludes; a client of a view accepts the resource's media type, %s and %s",
			i, j, item.MediaType, alto.MediaTypeMergePatch, alto.MediaTypeJSONPatch))
		return
	}
	h := w.Header()
	etag := fmt.Sprintf(`W/"%d-%d"`, i, j)
	h.Set("ETag", etag)
	h.Set("Cache-Control", itemCacheControl)
	if etagMatch(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", item.MediaType)
	h.Set("Content-Length", strconv.Itoa(len(item.Body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(item.Body)
	}
}

// writeEdgeError maps an error of Graph.Edge to the status codes of
// RFC 9569, Section 7.2.
func (s *Service) writeEdgeError(w http.ResponseWriter, v *view, i, j uint64, err error) {
	start, end := v.graph.Range()
	switch {
	case errors.Is(err, updates.ErrGone):
		writeStatus(w, http.StatusGone, fmt.Sprintf(
			"%v; fetch the snapshot ug/0/%d, or ask for a new edge with POST <tips-view-uri>/ug", err, end))
	case errors.Is(err, updates.ErrInvalid):
		writeStatus(w, http.StatusNotFound, fmt.Sprintf(
			"no edge from version %d to %d: an edge goes from a lower to a higher version", i, j))
	case errors.Is(err, updates.ErrNotFound):
		writeStatus(w, http.StatusNotFound, fmt.Sprintf(
			"%v; versions %d to %d are kept, with the snapshot ug/0/%d and every edge from one version to the next",
			err, start, end, end))
	default:
		s.logger.Warn("reading an update item", "resource_id", v.resourceID, "i", i, "j", j, "err", err)
		writeStatus(w, http.StatusInternalServerError, "the update item could not be read")
	}
}

// seqSyntax describes a valid sequence number in a URI.
const seqSyntax = "a sequence number is a decimal integer from 0 to 18446744073709551615, without sign or leading zeros"

// parseSeq parses a sequence number of a URI path. Leading zeros are
// rejected, so that each version has one URI and caches do not hold
// copies under aliases.
func parseSeq(s string) (uint64, bool) {
	if s == "" || (len(s) > 1 && s[0] == '0') {
		return 0, false
	}
	for k := 0; k < len(s); k++ {
		if s[k] < '0' || s[k] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseUint(s, 10, 64)
	return n, err == nil
}
