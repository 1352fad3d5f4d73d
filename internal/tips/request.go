package tips

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/updates"
)

// tipsRequest is a decoded TIPSReq, RFC 9569, Section 6.1.
type tipsRequest struct {
	ResourceID string
	Tag        string // empty when absent
	// HasInput is set when the request has an "input" member, which
	// only POST-mode resources take.
	HasInput bool
}

// decodeRequest decodes a TIPSReq. Unknown members are ignored, as
// RFC 7285, Section 8.3.7 requires.
func decodeRequest(body []byte) (tipsRequest, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		return tipsRequest{}, syntaxError(body, err)
	}
	if fields == nil {
		return tipsRequest{}, alto.NewSyntaxError("request body must be a JSON object, not null")
	}
	var req tipsRequest
	raw, ok := fields["resource-id"]
	if !ok {
		return tipsRequest{}, alto.NewMissingField("resource-id")
	}
	if err := json.Unmarshal(raw, &req.ResourceID); err != nil || isNull(raw) {
		return tipsRequest{}, alto.NewInvalidType("resource-id", "must be a JSON string")
	}
	if raw, ok := fields["tag"]; ok {
		if err := json.Unmarshal(raw, &req.Tag); err != nil || isNull(raw) {
			return tipsRequest{}, alto.NewInvalidType("tag", "must be a JSON string")
		}
		if !alto.ValidTag(req.Tag) {
			return tipsRequest{}, alto.NewInvalidValue("tag", req.Tag,
				"a tag has 1 to 64 characters from U+0021 to U+007E (RFC 7285, Section 10.3)")
		}
	}
	_, req.HasInput = fields["input"]
	return req, nil
}

func isNull(raw json.RawMessage) bool {
	return bytes.Equal(bytes.TrimSpace(raw), []byte("null"))
}

// syntaxError turns an encoding/json failure into an E_SYNTAX error with
// a line and column, without echoing the client's bytes.
func syntaxError(body []byte, err error) *alto.Error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line, col := position(body, se.Offset)
		return alto.NewSyntaxError(fmt.Sprintf("line %d, column %d: %s", line, col, se.Error()))
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return alto.NewSyntaxError("request body must be a JSON object, not " + te.Value)
	}
	return alto.NewSyntaxError(err.Error())
}

// position returns the 1-based line and column of a byte offset.
func position(body []byte, offset int64) (line, col int) {
	offset = min(offset, int64(len(body)))
	before := body[:offset]
	line = bytes.Count(before, []byte{'\n'}) + 1
	col = max(int(offset)-(bytes.LastIndexByte(before, '\n')+1), 1)
	return line, col
}

// errInputNotSupported rejects the "input" member: every resource that a
// TIPS resource offers is a GET-mode resource (the network definition
// allows nothing else in "uses"), and those take no input.
func errInputNotSupported(resourceID string) *alto.Error {
	return &alto.Error{
		Code:  alto.ErrInvalidFieldValue,
		Field: "input",
		Message: fmt.Sprintf("resource %q is a GET-mode resource, which takes no input; "+
			"this server offers TIPS views only for GET-mode resources, so leave out \"input\"", resourceID),
	}
}

// addTIPSResponse and the types after it are the open response of
// RFC 9569, Section 6.2.
type addTIPSResponse struct {
	TIPSViewURI     string          `json:"tips-view-uri"`
	TIPSViewSummary tipsViewSummary `json:"tips-view-summary"`
}

type tipsViewSummary struct {
	UpdatesGraphSummary updatesGraphSummary `json:"updates-graph-summary"`
}

type updatesGraphSummary struct {
	StartSeq     uint64       `json:"start-seq"`
	EndSeq       uint64       `json:"end-seq"`
	StartEdgeRec startEdgeRec `json:"start-edge-rec"`
}

type startEdgeRec struct {
	SeqI uint64 `json:"seq-i"`
	SeqJ uint64 `json:"seq-j"`
}

// nextEdgeResponse is the response to a next edge request: a JSON merge
// patch to an AddTIPSResponse, RFC 9569, Section 7.4.2.
type nextEdgeResponse struct {
	TIPSViewSummary tipsViewSummary `json:"tips-view-summary"`
}

// summarize returns the summary of a graph with the edge recommended to
// a client that holds the version with the given tag (RFC 9569,
// Sections 6.2 and 7.4.2). An empty or unknown tag counts as version 0,
// which gets the edge of the latest snapshot. Range is read before and
// after the recommendation, so that a version published in between
// cannot leave the recommendation outside the summary's range.
func summarize(g *updates.Graph, tag string) updatesGraphSummary {
	var from uint64
	if seq, ok := g.Lookup(tag); ok {
		from = seq
	}
	for {
		start, end := g.Range()
		i, j := g.RecommendEdge(from)
		if s, e := g.Range(); s == start && e == end {
			return updatesGraphSummary{StartSeq: start, EndSeq: end, StartEdgeRec: startEdgeRec{SeqI: i, SeqJ: j}}
		}
	}
}
