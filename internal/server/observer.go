package server

import (
	"bufio"
	"net"
	"net/http"
	"strings"
	"time"
)

// Observer receives one call per request that the handler has finished,
// for metrics. It must be safe for concurrent use and fast, because it
// runs on every request.
//
// Every argument is a value that the server defines, never text from the
// request, so that an observer can use them as metric labels:
//   - resourceID is the ID of the resource at the request's path. It is
//     the path of the root directory, which has no resource ID, and the
//     registered prefix (such as "/updates/control/") for a URI that a
//     service created. Resource IDs contain no "/" (RFC 7285, Sections
//     10.1 and 10.2), so these cannot be mistaken for one. Any other
//     path, and every request served before the first snapshot, gets
//     ResourceUnknown.
//   - method is one of the methods of RFC 9110, Section 9.3 (and PATCH),
//     or MethodOther.
//   - status is the final HTTP status code sent.
//   - altoCode is the ALTO error code of an RFC 7285, Section 8.5 error
//     response ("E_SYNTAX" and so on), or "" for any other response.
//   - dur is the time from the start of ServeHTTP until it returns. For
//     update streams and TIPS long polls this is the life of the stream
//     or the wait.
//   - bytes is the number of body bytes written.
type Observer interface {
	ObserveRequest(resourceID, method string, status int, altoCode string, dur time.Duration, bytes int)
}

// Label values of Observer for requests outside the server's names.
const (
	// ResourceUnknown is the resourceID of requests for paths that are
	// no resource, and of requests before the first snapshot.
	ResourceUnknown = "unknown"
	// MethodOther is the method of requests with a method that RFC 9110
	// does not define.
	MethodOther = "other"
)

// SetObserver makes the handler report every request to o; nil reports
// none. It must be called before the handler serves requests.
func (h *Handler) SetObserver(o Observer) { h.observer = o }

// serveObserved serves a request through an observedWriter and reports
// it to the observer when it ends.
func (h *Handler) serveObserved(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	ow, rw := newObservedWriter(w)
	defer h.report(ow, r, start)
	h.serve(rw, r)
}

func (h *Handler) report(ow *observedWriter, r *http.Request, start time.Time) {
	status := ow.status
	if status == 0 {
		// A handler that writes nothing gets 200 from net/http.
		status = http.StatusOK
	}
	h.observer.ObserveRequest(h.resourceLabel(r.URL.Path), methodLabel(r.Method), status, ow.altoCode, time.Since(start), ow.bytes)
}

// resourceLabel returns the resourceID of Observer for a path. It looks
// the path up in the snapshot published when the request ends, which is
// the one that served it unless a reload happened meanwhile.
func (h *Handler) resourceLabel(path string) string {
	snap := h.snap.Load()
	if snap == nil {
		return ResourceUnknown
	}
	if res := snap.Lookup(path); res != nil {
		if res.ID == "" {
			return res.Path
		}
		return res.ID
	}
	if p := h.longestPrefix(path); p != "" {
		return p
	}
	return ResourceUnknown
}

// longestPrefix returns the longest registered prefix of path, or "".
func (h *Handler) longestPrefix(path string) string {
	var best string
	for p := range h.prefixes {
		if strings.HasPrefix(path, p) && len(p) > len(best) {
			best = p
		}
	}
	return best
}

// methodLabel returns the method of Observer for a request method.
func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
		http.MethodPatch, http.MethodDelete, http.MethodConnect,
		http.MethodOptions, http.MethodTrace:
		return m
	}
	return MethodOther
}

// observedWriter records the status, body size and ALTO error code of a
// response. It implements http.Flusher, and Unwrap lets
// http.ResponseController reach the methods of the writer it wraps, such
// as SetWriteDeadline, which update streams use. hijackableWriter adds
// http.Hijacker when the wrapped writer has it.
type observedWriter struct {
	http.ResponseWriter
	status   int
	bytes    int
	altoCode string
}

type hijackableWriter struct{ observedWriter }

// newObservedWriter wraps w with one allocation. It returns the recorder
// and the writer to serve through, which is the recorder or its
// hijackable form.
func newObservedWriter(w http.ResponseWriter) (*observedWriter, http.ResponseWriter) {
	if _, ok := w.(http.Hijacker); ok {
		hw := &hijackableWriter{observedWriter{ResponseWriter: w}}
		return &hw.observedWriter, hw
	}
	ow := &observedWriter{ResponseWriter: w}
	return ow, ow
}

// WriteHeader records the status; informational (1xx) statuses are
// replaced by the final one.
func (w *observedWriter) WriteHeader(status int) {
	if w.status < 200 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

// Write counts the body bytes written.
func (w *observedWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(p)
	w.bytes += n
	return n, err
}

// FlushError flushes the wrapped writer; http.ResponseController.Flush
// calls it.
func (w *observedWriter) FlushError() error {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return http.NewResponseController(w.ResponseWriter).Flush()
}

// Flush implements http.Flusher.
func (w *observedWriter) Flush() { _ = w.FlushError() }

// Unwrap returns the wrapped writer, for http.ResponseController.
func (w *observedWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *observedWriter) observed() *observedWriter { return w }

// Hijack implements http.Hijacker. A hijacked connection without a
// status written is reported with 101 Switching Protocols, because the
// connection has left HTTP.
func (w *hijackableWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, rw, err := w.ResponseWriter.(http.Hijacker).Hijack()
	if err == nil && w.status == 0 {
		w.status = http.StatusSwitchingProtocols
	}
	return conn, rw, err
}

// noteALTOCode records the ALTO error code of a response on the
// observedWriter that w is or wraps, if any.
func noteALTOCode(w http.ResponseWriter, code string) {
	for {
		switch v := w.(type) {
		case interface{ observed() *observedWriter }:
			v.observed().altoCode = code
			return
		case interface{ Unwrap() http.ResponseWriter }:
			w = v.Unwrap()
		default:
			return
		}
	}
}
