package tips

import (
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/server"
)

// serveNextEdge serves a next edge request, RFC 9569, Section 7.4: a
// POST of a TIPSReq to <tips-view-uri>/ug. The response is a JSON merge
// patch to the open response, with the current summary and the edge
// recommended for the client's tag.
func (s *Service) serveNextEdge(w http.ResponseWriter, r *http.Request, resourceID, token string) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", "POST")
		server.PlainError(w, http.StatusMethodNotAllowed, r.Method+" is not allowed on <tips-view-uri>/ug; use POST with "+alto.MediaTypeTIPSParams)
		return
	}
	v := s.findFreshView(clientIP(r), resourceID, token)
	if v == nil {
		writeViewNotFound(w)
		return
	}
	body, ok := s.readParams(w, r)
	if !ok {
		return
	}

	req, err := decodeRequest(body)
	if err != nil {
		server.WriteError(w, err)
		return
	}
	if want := resourceOfKey(v.resourceID); req.ResourceID != want {
		server.WriteError(w, alto.NewInvalidValue("resource-id", req.ResourceID,
			fmt.Sprintf("this TIPS view is of resource %q; a next edge request names the resource of its view", want)))
		return
	}
	if req.HasInput {
		server.WriteError(w, &alto.Error{Code: alto.ErrInvalidFieldValue, Field: "input",
			Message: "a next edge request must not have \"input\" (RFC 9569, Section 7.4.1)"})
		return
	}
	writeJSON(w, alto.MediaTypeMergePatch, nextEdgeResponse{
		TIPSViewSummary: tipsViewSummary{UpdatesGraphSummary: summarize(v.graph, req.Tag)},
	})
}

// readParams checks the Content-Type and Accept headers of a next edge
// request and reads its body, at most maxParamsBytes. On failure it
// writes the response and returns false.
func (s *Service) readParams(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	if !server.CheckRequestBody(w, r, alto.MediaTypeTIPSParams) {
		return nil, false
	}
	if !server.Acceptable(r.Header.Values("Accept"), alto.MediaTypeMergePatch) {
		server.PlainError(w, http.StatusNotAcceptable, "a next edge response is "+alto.MediaTypeMergePatch+"; the Accept header excludes it")
		return nil, false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxParamsBytes))
	if err == nil {
		return body, true
	}
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		s.handler.NoteRejection(server.ReasonBodyTooLarge, "next edge request rejected: body over the size limit")
		server.PlainError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the request body exceeds %d bytes", maxParamsBytes))
		return nil, false
	}
	server.PlainError(w, http.StatusBadRequest, "the request body could not be read")
	return nil, false
}
