package tips

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/updates"
)

// tipsRequest is a decoded TIPSReq, RFC 9569, Section 6.1.
type tipsRequest struct {
	ResourceID string
	Tag        string // empty when absent
	// HasInput is set when the request has an "input" member, which
	// only POST-mode resources take, and Input holds it.
	HasInput bool
	Input    json.RawMessage
}

// decodeRequest decodes a TIPSReq. Unknown members are ignored, as
// RFC 7285, Section 8.3.7 requires.
func decodeRequest(body []byte) (tipsRequest, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		return tipsRequest{}, alto.SyntaxErrorOf(body, err)
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
	req.Input, req.HasInput = fields["input"]
	return req, nil
}

func isNull(raw json.RawMessage) bool {
	return bytes.Equal(bytes.TrimSpace(raw), []byte("null"))
}

// errInputNotSupported rejects the "input" member for a GET-mode
// resource, which takes no input.
func errInputNotSupported(resourceID string) *alto.Error {
	return &alto.Error{
		Code:    alto.ErrInvalidFieldValue,
		Field:   "input",
		Message: fmt.Sprintf("resource %q is a GET-mode resource, which takes no input; leave out \"input\"", resourceID),
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
