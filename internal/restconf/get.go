package restconf

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
)

// Values of the content query parameter (RFC 8040, Section 4.8.1).
const (
	contentAll       = "all"
	contentConfig    = "config"
	contentNonconfig = "nonconfig"
)

// Top-level nodes besides ietf-alto:alto.
const (
	libraryMember    = "ietf-yang-library:yang-library"
	monitoringMember = "ietf-restconf-monitoring:restconf-state"
)

// parseContent returns the content query parameter and refuses query
// parameters that the server does not support, with 400 and
// invalid-value (RFC 8040, Section 4.8).
func parseContent(q url.Values) (string, *restError) {
	for name := range q {
		if name != "content" {
			return "", protocolError(http.StatusBadRequest, "invalid-value", "unsupported query parameter "+name+": only content is supported")
		}
	}
	switch c := q.Get("content"); c {
	case "":
		return contentAll, nil
	case contentAll, contentConfig, contentNonconfig:
		return c, nil
	default:
		return "", protocolError(http.StatusBadRequest, "invalid-value", "invalid content "+c+": use config, nonconfig or all")
	}
}

// serveGet serves GET and HEAD of the data resource or a node below it
// (RFC 8040, Section 4.3). The entity tag is that of the node's
// configuration, whatever the content parameter, so that a client can
// send it back in If-Match with a change.
func (s *Server) serveGet(w http.ResponseWriter, r *http.Request, path string, segs []segment) {
	content, e := parseContent(r.URL.Query())
	if e != nil {
		writeErrors(w, e)
		return
	}
	body, e := s.render(r, path, segs, content)
	if e != nil {
		writeErrors(w, e)
		return
	}
	tag := entityTag(body)
	if content != contentConfig {
		if config, e := s.render(r, path, segs, contentConfig); e == nil {
			tag = entityTag(config)
		}
	}
	w.Header().Set("ETag", tag)
	writeBody(w, http.StatusOK, body)
}

// render returns the reply to a GET of segs with content.
func (s *Server) render(r *http.Request, path string, segs []segment, content string) ([]byte, *restError) {
	tree, err := s.topTree(r, segs, content)
	if err != nil {
		return nil, s.datastoreError(r, err)
	}
	out := map[string]any{"ietf-restconf:data": tree}
	if len(segs) > 0 {
		node, ok, err := selectNode(tree, segs)
		if err != nil {
			return nil, protocolError(http.StatusBadRequest, "invalid-value", "invalid resource path: "+err.Error())
		}
		if !ok {
			return nil, protocolError(http.StatusNotFound, "invalid-value", "no data node at /"+path)
		}
		out = node
	}
	body, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return nil, s.datastoreError(r, err)
	}
	return body, nil
}

// topTree returns the top-level node that segs starts at, or all of
// them when segs is empty, as an object of top-level members.
func (s *Server) topTree(r *http.Request, segs []segment, content string) (map[string]any, error) {
	top := ""
	if len(segs) > 0 {
		top = segs[0].Module + ":" + segs[0].Name
	}
	tree := map[string]any{}
	if top == "" || top == altoMember {
		alto, err := s.altoTree(r, content)
		if err != nil {
			return nil, err
		}
		for k, v := range alto {
			tree[k] = v
		}
	}
	if content == contentConfig {
		return tree, nil
	}
	if top == "" || top == libraryMember {
		var modules []Module
		if s.cfg.Modules != nil {
			modules = s.cfg.Modules()
		}
		tree[libraryMember] = yangLibrary(modules)
	}
	if top == "" || top == monitoringMember {
		tree[monitoringMember] = s.monitoring()
	}
	return tree, nil
}

// altoTree returns {"ietf-alto:alto": ...} with the configuration of the
// Datastore, the state of State, or both, as content selects. Without
// either it is empty.
func (s *Server) altoTree(r *http.Request, content string) (map[string]any, error) {
	tree := map[string]any{}
	if content != contentNonconfig && s.cfg.Datastore != nil {
		data, err := s.cfg.Datastore.Get(r.Context(), altoMember, content == contentConfig)
		switch {
		case errors.Is(err, ErrNotFound):
		case err != nil:
			return nil, err
		default:
			if tree, err = decodeTree(data); err != nil {
				return nil, err
			}
		}
	}
	if content != contentConfig && s.cfg.State != nil {
		mergeTrees(tree, stateTree(s.cfg.State))
	}
	return tree, nil
}

// monitoring returns the restconf-state container of
// ietf-restconf-monitoring (RFC 8040, Section 9): the capabilities and
// the event streams with their locations.
func (s *Server) monitoring() map[string]any {
	state := map[string]any{
		"capabilities": map[string]any{"capability": []string{
			"urn:ietf:params:restconf:capability:defaults:1.0?basic-mode=explicit",
		}},
	}
	if s.cfg.Events != nil {
		state["streams"] = map[string]any{"stream": []any{map[string]any{
			"name":        EventStreamName,
			"description": "ietf-alto notifications: alto-resource-event when a resource reaches a configured limit",
			"access":      []any{map[string]any{"encoding": "json", "location": StreamPath}},
		}}}
	}
	return state
}
