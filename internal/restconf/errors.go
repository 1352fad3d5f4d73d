package restconf

import (
	"encoding/json"
	"net/http"
)

// MediaType is the media type of RESTCONF data in the JSON encoding
// (RFC 8040, Section 11.3.2).
const MediaType = "application/yang-data+json"

// Error types of RESTCONF errors (RFC 8040, Section 7.1).
const (
	errTypeProtocol    = "protocol"
	errTypeApplication = "application"
)

// restError is one entry of the "ietf-restconf:errors" error list
// (RFC 8040, Section 7.1), with the HTTP status it is sent with.
type restError struct {
	status  int
	Type    string `json:"error-type"`
	Tag     string `json:"error-tag"`
	Path    string `json:"error-path,omitempty"`
	Message string `json:"error-message,omitempty"`
}

// errorBody is the message body of a RESTCONF error response.
type errorBody struct {
	Errors struct {
		Error []restError `json:"error"`
	} `json:"ietf-restconf:errors"`
}

func protocolError(status int, tag, msg string) *restError {
	return &restError{status: status, Type: errTypeProtocol, Tag: tag, Message: msg}
}

// writeErrors sends errs with the status of the first one. The status
// follows the error-tag table of RFC 8040, Section 7.
func writeErrors(w http.ResponseWriter, errs ...*restError) {
	var body errorBody
	for _, e := range errs {
		body.Errors.Error = append(body.Errors.Error, *e)
	}
	if errs[0].status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="altod-restconf"`)
	}
	writeJSON(w, errs[0].status, body)
}

// tagStatus is the HTTP status of an error-tag, from the table of
// RFC 8040, Section 7. missing-element, which that table lacks, is an
// error in the request (RFC 6241, Appendix A). Of two statuses allowed,
// operation-not-supported takes 501, because the server does not implement
// the requested operation, and operation-failed takes 412.
var tagStatus = map[string]int{
	"in-use":                  http.StatusConflict,
	"lock-denied":             http.StatusConflict,
	"resource-denied":         http.StatusConflict,
	"data-exists":             http.StatusConflict,
	"data-missing":            http.StatusConflict,
	"operation-not-supported": http.StatusNotImplemented,
	"operation-failed":        http.StatusPreconditionFailed,
	"access-denied":           http.StatusForbidden,
	"too-big":                 http.StatusRequestEntityTooLarge,
}

// statusOf returns the status of an error-tag: the one in tagStatus, or
// 400 Bad Request for tags not listed there.
func statusOf(tag string) int {
	if st, ok := tagStatus[tag]; ok {
		return st
	}
	return http.StatusBadRequest
}

// validationErrors turns a refused change into one error entry per
// problem, each with the status of its tag; the response takes the
// status of the first.
func validationErrors(v *ValidationError) []*restError {
	errs := make([]*restError, 0, len(v.Problems))
	for _, p := range v.Problems {
		tag := p.Tag
		if tag == "" {
			tag = "invalid-value"
		}
		errs = append(errs, &restError{status: statusOf(tag), Type: errTypeApplication, Tag: tag, Path: p.Path, Message: p.Message})
	}
	if len(errs) == 0 {
		errs = append(errs, &restError{status: http.StatusBadRequest, Type: errTypeApplication, Tag: "invalid-value", Message: "the change was rejected"})
	}
	return errs
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		// Every value passed here is built from strings, numbers and maps.
		http.Error(w, "encoding the response failed", http.StatusInternalServerError)
		return
	}
	writeBody(w, status, body)
}

func writeBody(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", MediaType)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(body)
	w.Write([]byte("\n"))
}
