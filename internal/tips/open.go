package tips

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/server"
	"github.com/goalto/goalto/internal/snapshot"
)

// ServeALTO opens a TIPS view, RFC 9569, Sections 6.1 and 6.2: res is
// the TIPS resource, and body a TIPSReq whose Content-Type and size the
// handler has checked. The response is the view's URI and summary.
func (s *Service) ServeALTO(w http.ResponseWriter, r *http.Request, snap *snapshot.Snapshot, res *snapshot.Resource, body []byte) {
	req, err := decodeRequest(body)
	if err != nil {
		server.WriteError(w, err)
		return
	}
	if !slices.Contains(res.Uses, req.ResourceID) {
		server.WriteError(w, alto.NewInvalidValue("resource-id", req.ResourceID,
			fmt.Sprintf("TIPS resource %q offers views of %s only", res.ID, strings.Join(res.Uses, ", "))))
		return
	}
	if target := snap.ResourceByID(req.ResourceID); target != nil && target.Body == nil {
		s.openPOSTView(w, r, snap, target, req)
		return
	}
	if req.HasInput {
		server.WriteError(w, errInputNotSupported(req.ResourceID))
		return
	}
	g := s.engine.Graph(req.ResourceID)
	if g == nil || g.Removed() {
		// The handler publishes a snapshot just before the engine, so a
		// resource that a reload adds may lack its graph for a moment.
		w.Header().Set("Retry-After", retryAfterNoGraph)
		server.WriteError(w, &alto.Error{Code: alto.ErrInvalidFieldValue, Status: http.StatusServiceUnavailable,
			Message: "the updates graph of this resource is not ready; retry shortly"})
		return
	}
	client := clientIP(r)
	v, err := s.openView(client, req.ResourceID, g)
	if s.writeViewLimit(w, client, err) {
		return
	}
	out := addTIPSResponse{
		TIPSViewURI:     viewURI(r, snap.Def.BaseURL, v.path),
		TIPSViewSummary: tipsViewSummary{UpdatesGraphSummary: summarize(g, req.Tag)},
	}
	writeJSON(w, alto.MediaTypeTIPS, out)
}

// writeViewLimit writes the 429 response with an ALTO error and
// Retry-After (RFC 9569, Section 6.2) when err is the error of a view
// limit, and reports whether it did.
func (s *Service) writeViewLimit(w http.ResponseWriter, client string, err error) bool {
	var msg, retryAfter string
	switch {
	case errors.Is(err, errTooManyViews):
		msg = errTooManyViews.Error() + fmt.Sprintf(" (%d); retry later", s.cfg.MaxViews)
		retryAfter = retryAfterViews
	case errors.Is(err, errTooManyClientViews):
		seconds := s.clientRetryAfter(client)
		msg = errTooManyClientViews.Error() + fmt.Sprintf(" (%d); a view this client has not used for %s is released, so retry in %d s",
			s.cfg.MaxViewsPerClient, s.cfg.ViewIdleTimeout, seconds)
		retryAfter = strconv.Itoa(seconds)
	default:
		return false
	}
	w.Header().Set("Retry-After", retryAfter)
	server.WriteError(w, &alto.Error{Code: alto.ErrInvalidFieldValue, Status: http.StatusTooManyRequests, Message: msg})
	return true
}

// viewURI returns the absolute URI of a view path, which RFC 9569,
// Section 6.2 requires: under the definition's base URL when it has one,
// else at the scheme and host that the client used. url.URL.String
// percent-encodes a host that is not ASCII, as that section requires.
func viewURI(r *http.Request, baseURL, path string) string {
	if baseURL != "" {
		return strings.TrimSuffix(baseURL, "/") + path
	}
	u := url.URL{Scheme: "http", Host: r.Host, Path: path}
	if r.TLS != nil {
		u.Scheme = "https"
	}
	if u.Host == "" {
		// An HTTP/1.0 request may lack a Host header.
		if addr, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
			u.Host = addr.String()
		}
	}
	return u.String()
}

// writeJSON writes a 200 response that caches must not store, because
// a summary changes with every new version.
func writeJSON(w http.ResponseWriter, mediaType string, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		// The response types hold only strings and numbers.
		panic(fmt.Sprintf("tips: encoding a response: %v", err))
	}
	body = append(body, '\n')
	h := w.Header()
	h.Set("Content-Type", mediaType)
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}

// openPOSTView opens the view of a POST-mode resource for the input of
// the request (RFC 9569, Section 6.1), whose versions are the responses
// of the resource to the input in successive snapshots.
func (s *Service) openPOSTView(w http.ResponseWriter, r *http.Request, snap *snapshot.Snapshot, res *snapshot.Resource, req tipsRequest) {
	if !req.HasInput || isNull(req.Input) {
		server.WriteError(w, &alto.Error{Code: alto.ErrMissingField, Field: "input",
			Message: fmt.Sprintf("resource %q is a POST-mode resource: input holds its request", res.ID)})
		return
	}
	v, err := s.openDerived(r, snap, res, req.Input)
	if s.writeViewLimit(w, clientIP(r), err) {
		return
	}
	if err != nil {
		server.WriteError(w, err)
		return
	}
	out := addTIPSResponse{
		TIPSViewURI:     viewURI(r, snap.Def.BaseURL, v.path),
		TIPSViewSummary: tipsViewSummary{UpdatesGraphSummary: summarize(v.graph, req.Tag)},
	}
	writeJSON(w, alto.MediaTypeTIPS, out)
}
