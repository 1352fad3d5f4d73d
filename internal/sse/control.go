package sse

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/server"
	"github.com/goalto/goalto/internal/snapshot"
)

// ControlHandler returns the handler of the stream control URIs, RFC
// 8895, Section 7, for the paths under Config.ControlPrefix.
func (s *Service) ControlHandler() http.Handler {
	return controlHandler{s}
}

// controlHandler serves the stream control URIs, and names the update
// stream resource of a control URI so that the server checks the
// client may read it.
type controlHandler struct{ s *Service }

func (c controlHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) { c.s.serveControl(w, r) }

// OwnerOf returns the update stream resource of the stream whose
// control URI is path, or "" when no open stream has it.
func (c controlHandler) OwnerOf(path string) string {
	id, _ := strings.CutPrefix(path, c.s.cfg.ControlPrefix)
	if st := c.s.lookup(id); st != nil {
		return st.resourceID
	}
	return ""
}

// serveControl serves one stream control request. It responds with 204
// No Content once the stream has processed the request and written the
// resulting events (RFC 8895, Section 7.6), 400 with an ALTO error for
// an invalid request, and 404 when no open stream has the URI.
func (s *Service) serveControl(w http.ResponseWriter, r *http.Request) {
	id, _ := strings.CutPrefix(r.URL.Path, s.cfg.ControlPrefix)
	if id == "" || strings.Contains(id, "/") {
		s.notFound(w)
		return
	}

	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		server.PlainError(w, http.StatusMethodNotAllowed, r.Method+" is not allowed on a stream control URI; use POST with "+alto.MediaTypeUpdateStreamParams)
		return
	}
	// RFC 8895, Section 7.5 makes the control request type the update
	// stream request type. The control event type is accepted as well,
	// because clients may take it for the control service's own type.
	if !server.CheckRequestBody(w, r, alto.MediaTypeUpdateStreamParams, alto.MediaTypeUpdateStreamControl) {
		return
	}
	body, ok := s.readBody(w, r)
	if !ok {
		return
	}
	req, err := decodeControlRequest(body)
	if err != nil {
		server.WriteError(w, err)
		return
	}

	st := s.lookup(id)
	if st == nil {
		s.notFound(w)
		return
	}
	switch err := st.submit(r.Context(), req); {
	case err == nil:
		w.WriteHeader(http.StatusNoContent)
	case errors.Is(err, errStreamClosed):
		// RFC 8895, Section 7.6: a valid request for a closed stream.
		s.notFound(w)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		// The client went away, so no response is needed.
	default:
		server.WriteError(w, err)
	}
}

// readBody reads a request body of at most server.DefaultMaxBodyBytes.
// On failure it writes the error response and returns false.
func (s *Service) readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, server.DefaultMaxBodyBytes))
	if err == nil {
		return body, true
	}
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		if s.noteRejection != nil {
			s.noteRejection(server.ReasonBodyTooLarge, "stream control request rejected: body over the size limit")
		}
		server.PlainError(w, http.StatusRequestEntityTooLarge, "the request body exceeds "+strconv.Itoa(server.DefaultMaxBodyBytes)+" bytes")
	} else {
		server.PlainError(w, http.StatusBadRequest, "the request body could not be read")
	}
	return nil, false
}

// notFound responds to a request for a control URI that no open stream
// has. It counts them and logs the first and every hundredth, because
// many may be guesses at control URIs (RFC 8895, Section 7.1).
func (s *Service) notFound(w http.ResponseWriter) {
	if n := s.failures.Add(1); n == 1 || n%100 == 0 {
		s.logger.Warn("stream control request for no open update stream", "count", n)
	}
	server.PlainError(w, http.StatusNotFound, "no open update stream has this control URI")
}

// submit hands a control request to the stream's goroutine and returns
// its verdict: nil once processed, an ALTO error for an invalid request,
// errStreamClosed when the stream ended first, or the context's error.
func (st *stream) submit(ctx context.Context, req *updateRequest) error {
	cr := &controlRequest{req: req, reply: make(chan error, 1)}
	select {
	case st.control <- cr:
	case <-st.done:
		return errStreamClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-cr.reply:
		return err
	case <-st.done:
		select {
		case err := <-cr.reply:
			return err
		default:
			return errStreamClosed
		}
	case <-ctx.Done():
		return ctx.Err()
	}
}

// handleControl validates and applies a control request in the stream's
// goroutine and replies to it. It returns only errors of writing events.
func (st *stream) handleControl(cr *controlRequest) error {
	snap := st.svc.snapshots()
	if err := st.checkControl(cr.req, snap); err != nil {
		cr.reply <- err
		return nil
	}
	err := st.applyControl(cr.req, snap)
	if err != nil {
		cr.reply <- errStreamClosed
		return err
	}
	cr.reply <- nil
	return nil
}

// checkControl checks a control request against the stream (RFC 8895,
// Section 7.6), so that an invalid request changes nothing.
func (st *stream) checkControl(req *updateRequest, snap *snapshot.Snapshot) error {
	res := findResource(snap, st.resourceID)
	if snap != nil && res == nil {
		return errStreamClosed // the next refresh stops the stream
	}
	if err := st.svc.checkAdds(st.req, req, snap, res); err != nil {
		return err
	}
	var reused []string
	for _, id := range req.addIDs() {
		if st.used[id] {
			reused = append(reused, id)
		}
	}
	if len(reused) > 0 {
		return alto.NewInvalidValue("add", reused[0],
			"substream IDs must be new to the stream, and these were used before: "+strings.Join(reused, ", "))
	}
	if err := st.checkRemove(req); err != nil {
		return err
	}
	if n := st.activeAfter(req); n > st.svc.cfg.MaxSubstreams {
		st.svc.noteSubstreams()
		return alto.NewInvalidValue("add", strconv.Itoa(n),
			fmt.Sprintf("a stream has at most %d substreams", st.svc.cfg.MaxSubstreams))
	}
	return nil
}

// checkRemove checks that the remove list names substreams added by
// earlier requests. Removing a stopped substream again is allowed.
func (st *stream) checkRemove(req *updateRequest) error {
	if !req.hasRemove {
		return nil
	}
	if len(req.remove) == 0 && len(req.add) > 0 {
		return alto.NewInvalidValue("remove", "[]",
			"an empty remove list stands for every substream and cannot come with add; list the substream IDs to remove")
	}
	var unknown []string
	for _, id := range req.remove {
		if !st.used[id] {
			unknown = append(unknown, id)
		}
	}
	if len(unknown) > 0 {
		return alto.NewInvalidValue("remove", unknown[0],
			"these substream IDs were never added to the stream: "+strings.Join(unknown, ", "))
	}
	return nil
}

// activeAfter returns the number of active substreams after a request.
func (st *stream) activeAfter(req *updateRequest) int {
	if req.hasRemove && len(req.remove) == 0 {
		return 0
	}
	n := len(st.subs) + len(req.add)
	for _, sub := range st.subs {
		if slices.Contains(req.remove, sub.id) {
			n--
		}
	}
	return n
}

// applyControl applies a valid control request: add first, then remove
// (RFC 8895, Section 7.6). Added substreams are announced in a "started"
// control update message before their first data, and removed ones in a
// "stopped" message. An empty remove list removes every substream, which
// ends the stream.
func (st *stream) applyControl(req *updateRequest, snap *snapshot.Snapshot) error {
	if len(req.add) > 0 {
		ids := st.addSubstreams(req, snap)
		if err := st.ew.control(controlEvent{Started: ids}); err != nil {
			return err
		}
		if err := st.refresh(); err != nil {
			return err
		}
	}
	if !req.hasRemove {
		return nil
	}
	var removed []*substream
	for _, sub := range st.subs {
		if len(req.remove) == 0 || slices.Contains(req.remove, sub.id) {
			removed = append(removed, sub)
		}
	}
	return st.stop(removed, "removed by a stream control request")
}

// noteSubstreams counts a request rejected because the stream would
// exceed its limit on substreams.
func (s *Service) noteSubstreams() {
	if s.noteRejection != nil {
		s.noteRejection(server.ReasonSubstreams, "update stream request rejected: more substreams than a stream may have")
	}
}
