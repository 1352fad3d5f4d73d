package restconf

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"sync"
)

// Paths of the RESTCONF resources (RFC 8040, Section 3).
const (
	HostMetaPath = "/.well-known/host-meta"
	RootPath     = "/restconf"
	DataPath     = "/restconf/data"
	StreamPath   = "/restconf/streams/" + EventStreamName
)

// maxBodyBytes bounds the message body of a PUT or PATCH request.
const maxBodyBytes = 4 << 20

// Config configures a RESTCONF server.
type Config struct {
	// Datastore holds the ietf-alto configuration; nil serves state only
	// and refuses changes.
	Datastore Datastore
	// State adds the ietf-alto-stats operational state; nil adds none.
	State State
	// Modules returns the modules of the YANG library; nil lists none.
	Modules func() []Module
	// Operators may use the interface. Without any, everyone on the
	// listener may read and no one may write.
	Operators []Operator
	// Events is the hub of the event stream; nil serves no stream.
	Events *Events
	// Logger receives changes and refusals; nil means slog.Default().
	Logger *slog.Logger
}

// Server is the http.Handler of the RESTCONF resources: root resource
// discovery, the data resource, the YANG library and the event stream.
type Server struct {
	cfg    Config
	logger *slog.Logger
	mux    *http.ServeMux
	// writeMu serializes changes, so that an If-Match precondition holds
	// until the change it guards is applied.
	writeMu sync.Mutex
}

// New returns a RESTCONF server.
func New(cfg Config) *Server {
	s := &Server{cfg: cfg, logger: cfg.Logger}
	if s.logger == nil {
		s.logger = slog.Default()
	}
	s.logger = s.logger.With("component", "restconf")
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+HostMetaPath, serveHostMeta)
	mux.HandleFunc(RootPath, s.guard(s.serveRoot))
	mux.HandleFunc(RootPath+"/", s.guard(s.serveRoot))
	mux.HandleFunc(DataPath, s.guard(s.serveData))
	mux.HandleFunc(DataPath+"/", s.guard(s.serveData))
	if cfg.Events != nil {
		mux.HandleFunc(StreamPath, s.guard(s.serveStream))
	}
	s.mux = mux
	return s
}

// Patterns returns the path patterns that New's handler serves, for
// mounting it on another mux.
func Patterns() []string {
	return []string{HostMetaPath, RootPath, RootPath + "/"}
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// guard checks the operator of a request before h serves it.
func (s *Server) guard(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if e := s.authorize(r); e != nil {
			writeErrors(w, e)
			return
		}
		h(w, r)
	}
}

// serveHostMeta serves root resource discovery (RFC 8040, Section 3.1).
func serveHostMeta(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/xrd+xml")
	io.WriteString(w, "<XRD xmlns='http://docs.oasis-open.org/ns/xri/xrd-1.0'>\n  <Link rel='restconf' href='"+RootPath+"'/>\n</XRD>\n")
}

// serveRoot serves the API resource (RFC 8040, Section 3.3), its
// yang-library-version and operations children, and 404 for the rest.
func (s *Server) serveRoot(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeErrors(w, protocolError(http.StatusMethodNotAllowed, "operation-not-supported", r.Method+" is not supported on this resource"))
		return
	}
	switch strings.TrimSuffix(r.URL.Path, "/") {
	case RootPath:
		writeJSON(w, http.StatusOK, map[string]any{"ietf-restconf:restconf": map[string]any{
			"data": map[string]any{}, "operations": map[string]any{}, "yang-library-version": libraryRevision,
		}})
	case RootPath + "/yang-library-version":
		writeJSON(w, http.StatusOK, map[string]any{"ietf-restconf:yang-library-version": libraryRevision})
	case RootPath + "/operations":
		writeJSON(w, http.StatusOK, map[string]any{"ietf-restconf:operations": map[string]any{}})
	default:
		writeErrors(w, protocolError(http.StatusNotFound, "invalid-value", "no RESTCONF resource at this path"))
	}
}

// serveData dispatches a request for the data resource or a node below
// it (RFC 8040, Sections 3.3.1 and 4).
func (s *Server) serveData(w http.ResponseWriter, r *http.Request) {
	escaped := strings.Trim(strings.TrimPrefix(r.URL.EscapedPath(), DataPath), "/")
	segs, err := parsePath(escaped)
	if err != nil {
		writeErrors(w, protocolError(http.StatusBadRequest, "invalid-value", "invalid resource path: "+err.Error()))
		return
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		s.serveGet(w, r, escaped, segs)
	case http.MethodPut, http.MethodPatch, http.MethodDelete:
		s.serveChange(w, r, escaped, segs)
	default:
		w.Header().Set("Allow", "GET, HEAD, PUT, PATCH, DELETE")
		writeErrors(w, protocolError(http.StatusMethodNotAllowed, "operation-not-supported", r.Method+" is not supported on data resources: use PUT to create or replace"))
	}
}

// serveStream opens the event stream (RFC 8040, Section 6.3).
func (s *Server) serveStream(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", "GET")
		writeErrors(w, protocolError(http.StatusMethodNotAllowed, "operation-not-supported", "the event stream supports GET only"))
		return
	}
	s.cfg.Events.serveStream(w, r)
}

// readBody reads and checks the JSON body of a PUT or PATCH: its media
// type and that it is one object whose one member is the target node
// (RFC 8040, Sections 4.5 and 4.6.1).
func readBody(r *http.Request, segs []segment) ([]byte, *restError) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || (mt != MediaType && mt != "application/json") {
		return nil, protocolError(http.StatusUnsupportedMediaType, "invalid-value", "the message body must be "+MediaType)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodyBytes+1))
	if err != nil {
		return nil, protocolError(http.StatusBadRequest, "malformed-message", "reading the message body failed")
	}
	if len(body) > maxBodyBytes {
		return nil, protocolError(http.StatusRequestEntityTooLarge, "too-big", fmt.Sprintf("the message body is larger than %d bytes", maxBodyBytes))
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		return nil, protocolError(http.StatusBadRequest, "malformed-message", "the message body is not a JSON object: "+err.Error())
	}
	want := memberName(segs)
	if _, ok := top[want]; len(top) != 1 || !ok {
		return nil, protocolError(http.StatusBadRequest, "invalid-value", fmt.Sprintf("the message body must be an object with the one member %q, the target node", want))
	}
	return body, nil
}

// serveChange applies a PUT, PATCH or DELETE to the Datastore.
func (s *Server) serveChange(w http.ResponseWriter, r *http.Request, path string, segs []segment) {
	if e := checkWritable(s.cfg.Datastore, segs); e != nil {
		writeErrors(w, e)
		return
	}
	var body []byte
	if r.Method != http.MethodDelete {
		var e *restError
		if body, e = readBody(r, segs); e != nil {
			writeErrors(w, e)
			return
		}
	}

	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	ctx := r.Context()
	current, e := s.render(r, path, segs, contentConfig)
	exists := e == nil
	if e != nil && e.status != http.StatusNotFound {
		writeErrors(w, e)
		return
	}
	if e := checkPrecondition(r, current, exists); e != nil {
		writeErrors(w, e)
		return
	}
	if !exists && r.Method != http.MethodPut {
		// Plain PATCH does not create (RFC 8040, Section 4.6.1), and
		// DELETE needs a node to delete.
		writeErrors(w, &restError{status: http.StatusConflict, Type: errTypeApplication, Tag: "data-missing", Path: instanceID(segs), Message: "the target node does not exist"})
		return
	}

	if err := s.apply(ctx, r.Method, path, body); err != nil {
		s.fail(w, r, err)
		return
	}
	s.logger.Info("configuration changed", "method", r.Method, "path", "/"+path)
	status := http.StatusNoContent
	if !exists {
		status = http.StatusCreated
		w.Header().Set("Location", DataPath+"/"+path)
	}
	w.WriteHeader(status)
}

func (s *Server) apply(ctx context.Context, method, path string, body []byte) error {
	switch method {
	case http.MethodPut:
		return s.cfg.Datastore.Replace(ctx, path, body)
	case http.MethodPatch:
		return s.cfg.Datastore.Merge(ctx, path, body)
	default:
		return s.cfg.Datastore.Delete(ctx, path)
	}
}

// checkWritable refuses changes without a Datastore and changes outside
// ietf-alto:alto, such as to the YANG library.
func checkWritable(ds Datastore, segs []segment) *restError {
	if ds == nil {
		return protocolError(http.StatusMethodNotAllowed, "operation-not-supported", "this server has no configuration datastore: its configuration comes from a file")
	}
	if len(segs) == 0 || segs[0].Module != "ietf-alto" || segs[0].Name != "alto" {
		return protocolError(http.StatusMethodNotAllowed, "operation-not-supported", "only nodes under ietf-alto:alto can be changed")
	}
	if len(segs) > 1 && containsState(segs) {
		return protocolError(http.StatusMethodNotAllowed, "operation-not-supported", "statistics are operational state and cannot be changed")
	}
	return nil
}

func containsState(segs []segment) bool {
	for _, seg := range segs {
		if seg.Module == "ietf-alto-stats" && strings.HasSuffix(seg.Name, "-stats") {
			return true
		}
	}
	return false
}

// checkPrecondition applies If-Match (RFC 9110, Section 13.1.1) against
// the entity tag of the node's current configuration.
func checkPrecondition(r *http.Request, current []byte, exists bool) *restError {
	ifMatch := r.Header.Get("If-Match")
	if ifMatch == "" {
		return nil
	}
	if ifMatch == "*" && exists {
		return nil
	}
	if exists {
		tag := entityTag(current)
		for _, t := range strings.Split(ifMatch, ",") {
			if strings.TrimSpace(t) == tag {
				return nil
			}
		}
	}
	return protocolError(http.StatusPreconditionFailed, "operation-failed", "the node changed since it was read (If-Match does not match its entity tag)")
}

// entityTag returns a strong entity tag of a representation.
func entityTag(body []byte) string {
	sum := sha256.Sum256(body)
	return `"` + hex.EncodeToString(sum[:12]) + `"`
}

// fail sends the error response for a Datastore error.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	var verr *ValidationError
	if errors.As(err, &verr) {
		s.logger.Warn("configuration change rejected", "method", r.Method, "path", r.URL.Path, "err", err)
		writeErrors(w, validationErrors(verr)...)
		return
	}
	writeErrors(w, s.datastoreError(r, err))
}

// datastoreError returns the error entry of a Datastore error other than
// a ValidationError: 404 for ErrNotFound, 500 for anything else.
func (s *Server) datastoreError(r *http.Request, err error) *restError {
	if errors.Is(err, ErrNotFound) {
		return protocolError(http.StatusNotFound, "invalid-value", "no data node at this path")
	}
	s.logger.Error("restconf datastore failed", "method", r.Method, "path", r.URL.Path, "err", err)
	return &restError{status: http.StatusInternalServerError, Type: errTypeApplication, Tag: "operation-failed", Message: "the datastore failed; see the server log"}
}
