package sse

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/server"
	"github.com/goalto/goalto/internal/snapshot"
)

// addRequest is one AddUpdateReq, RFC 8895, Section 6.5.
type addRequest struct {
	resourceID string
	// tag is the version tag the client holds, or empty.
	tag string
	// incremental is false when the client declined incremental changes.
	incremental bool
	// input is the input member, or nil when it is absent or null.
	input json.RawMessage

	// The response to input that checkAdds computed, which becomes the
	// substream's full replacement: its media type, its body and the
	// snapshot it was computed from.
	docType string
	doc     []byte
	docSnap *snapshot.Snapshot
	// nameKey keeps the names that the resource makes up, such as
	// ephemeral ANE names, the same in every response of the substream.
	nameKey []byte
}

// updateRequest is an UpdateStreamReq, RFC 8895, Sections 6.5 and 7.5.
type updateRequest struct {
	add map[string]addRequest // by substream ID
	// remove lists the substream IDs to stop. hasRemove is set when the
	// member is present, because an empty list stands for every active
	// substream.
	remove    []string
	hasRemove bool
}

// addIDs returns the substream IDs of the add member, sorted, so that
// the same request always reports the same error first.
func (req *updateRequest) addIDs() []string {
	return slices.Sorted(maps.Keys(req.add))
}

// decodeStreamRequest decodes the body of a request that opens an update
// stream. The add member must list at least one substream. A remove
// member is ignored, as RFC 8895, Section 6.5 recommends.
func decodeStreamRequest(body []byte) (*updateRequest, error) {
	fields, err := decodeObject(body)
	if err != nil {
		return nil, err
	}
	req := &updateRequest{}
	if req.add, err = decodeAdd(fields["add"]); err != nil {
		return nil, err
	}
	if len(req.add) == 0 {
		return nil, &alto.Error{Code: alto.ErrMissingField, Field: "add",
			Message: "an update stream request must add at least one substream"}
	}
	return req, nil
}

// decodeControlRequest decodes the body of a stream control request
// (RFC 8895, Section 7.5), which has add, remove or both.
func decodeControlRequest(body []byte) (*updateRequest, error) {
	fields, err := decodeObject(body)
	if err != nil {
		return nil, err
	}
	req := &updateRequest{}
	if req.add, err = decodeAdd(fields["add"]); err != nil {
		return nil, err
	}
	if raw, ok := fields["remove"]; ok && alto.JSONKind(raw) != "null" {
		req.hasRemove = true
		if req.remove, err = decodeRemove(raw); err != nil {
			return nil, err
		}
	}
	if len(req.add) == 0 && !req.hasRemove {
		return nil, &alto.Error{Code: alto.ErrMissingField, Field: "add",
			Message: "a stream control request must add or remove substreams"}
	}
	return req, nil
}

// decodeAdd decodes an AddUpdatesReq. A missing or null member gives an
// empty map.
func decodeAdd(raw json.RawMessage) (map[string]addRequest, error) {
	if raw == nil || alto.JSONKind(raw) == "null" {
		return nil, nil
	}
	if alto.JSONKind(raw) != "object" {
		return nil, wrongType("add", "object", raw)
	}
	var entries map[string]json.RawMessage
	if err := json.Unmarshal(raw, &entries); err != nil {
		return nil, alto.SyntaxErrorOf(raw, err)
	}
	out := make(map[string]addRequest, len(entries))
	for _, id := range slices.Sorted(maps.Keys(entries)) {
		if !alto.ValidResourceID(id) {
			return nil, alto.NewInvalidValue("add", id,
				"a substream ID has the format of a resource ID: 1 to 64 letters, digits, '-', ':', '@' or '_' (RFC 7285, Section 10.2)")
		}
		a, err := decodeAddEntry("add/"+id, entries[id])
		if err != nil {
			return nil, err
		}
		out[id] = a
	}
	return out, nil
}

// decodeAddEntry decodes one AddUpdateReq at a field path such as
// "add/net".
func decodeAddEntry(path string, raw json.RawMessage) (addRequest, error) {
	a := addRequest{incremental: true}
	if alto.JSONKind(raw) != "object" {
		return a, wrongType(path, "object", raw)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return a, alto.SyntaxErrorOf(raw, err)
	}
	rid, ok := fields["resource-id"]
	if !ok {
		return a, alto.NewMissingField(path + "/resource-id")
	}
	if err := decodeString(path+"/resource-id", rid, &a.resourceID); err != nil {
		return a, err
	}
	if raw, ok := fields["tag"]; ok && alto.JSONKind(raw) != "null" {
		if err := decodeString(path+"/tag", raw, &a.tag); err != nil {
			return a, err
		}
		if !alto.ValidTag(a.tag) {
			return a, alto.NewInvalidValue(path+"/tag", a.tag,
				"a version tag has 1 to 64 characters from U+0021 to U+007E (RFC 7285, Section 10.3)")
		}
	}
	if raw, ok := fields["incremental-changes"]; ok && alto.JSONKind(raw) != "null" {
		if alto.JSONKind(raw) != "boolean" {
			return a, wrongType(path+"/incremental-changes", "boolean", raw)
		}
		a.incremental = bytes.HasPrefix(bytes.TrimSpace(raw), []byte("true"))
	}
	if raw, ok := fields["input"]; ok && alto.JSONKind(raw) != "null" {
		a.input = raw
	}
	return a, nil
}

// decodeRemove decodes the remove member: an array of substream IDs.
// An element that is not a string makes the value of remove of the
// wrong type, E_INVALID_FIELD_TYPE (RFC 7285, Section 8.5.2).
func decodeRemove(raw json.RawMessage) ([]string, error) {
	if alto.JSONKind(raw) != "array" {
		return nil, wrongType("remove", "array", raw)
	}
	var elems []json.RawMessage
	if err := json.Unmarshal(raw, &elems); err != nil {
		return nil, alto.SyntaxErrorOf(raw, err)
	}
	out := make([]string, 0, len(elems))
	for i, e := range elems {
		var id string
		if alto.JSONKind(e) != "string" || json.Unmarshal(e, &id) != nil {
			return nil, alto.NewInvalidType("remove", fmt.Sprintf("element %d must be a JSON string, a substream ID, not %s", i, alto.JSONKind(e)))
		}
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out, nil
}

// checkAdds checks that every added resource is in the uses list of the
// update stream resource res (RFC 8895, Section 6.6) and that its input
// fits the resource, and stores the response to each input in req. When
// several entries are invalid, it reports the first in substream ID
// order. A nil res skips the uses check. r is the request that opened
// the stream, on whose behalf inputs are evaluated.
func (s *Service) checkAdds(r *http.Request, req *updateRequest, snap *snapshot.Snapshot, res *snapshot.Resource) error {
	for _, id := range req.addIDs() {
		a := req.add[id]
		if res != nil && !slices.Contains(res.Uses, a.resourceID) {
			return alto.NewInvalidValue("add/"+id+"/resource-id", a.resourceID,
				fmt.Sprintf("update stream %q offers updates only for the resources in its uses list", res.ID))
		}
		if err := s.checkInput(r, id, &a, snap); err != nil {
			return err
		}
		req.add[id] = a
	}
	return nil
}

// checkInput checks the input of one AddUpdateReq (RFC 8895, Section
// 6.5): a GET-mode resource takes none, and a POST-mode resource needs
// one that its service accepts. It stores the response to the input in a.
func (s *Service) checkInput(r *http.Request, id string, a *addRequest, snap *snapshot.Snapshot) error {
	field := "add/" + id + "/input"
	target := findResource(snap, a.resourceID)
	if target == nil || target.Body != nil {
		if a.input != nil {
			return alto.NewInvalidValue(field, "",
				fmt.Sprintf("resource %q is served by GET and takes no input", a.resourceID))
		}
		return nil
	}
	if s.evaluate == nil {
		return alto.NewInvalidValue(field, "", "this server offers update streams of GET-mode resources only")
	}
	if a.input == nil {
		return &alto.Error{Code: alto.ErrMissingField, Field: field,
			Message: fmt.Sprintf("resource %q is a POST-mode resource: input holds its request", a.resourceID)}
	}
	a.nameKey = make([]byte, 32)
	rand.Read(a.nameKey)
	mediaType, doc, err := s.evaluate(withNameKey(r, a.nameKey), snap, target, a.input)
	if err != nil {
		return inputError(field, err)
	}
	a.docType, a.doc, a.docSnap = mediaType, doc, snap
	return nil
}

// withNameKey returns r with a context that carries the name key of a
// substream (see server.WithNameKey).
func withNameKey(r *http.Request, key []byte) *http.Request {
	return r.WithContext(server.WithNameKey(r.Context(), key))
}

// inputError returns the error of an input that the resource rejected,
// with the field path under the input member, such as
// "add/fci/input/cdni-capabilities".
func inputError(field string, err error) error {
	var ae *alto.Error
	if !errors.As(err, &ae) {
		return alto.NewInvalidValue(field, "", "the resource rejected the input: "+err.Error())
	}
	out := *ae
	out.Status = 0
	out.Field = field
	if ae.Field != "" {
		out.Field += "/" + ae.Field
	}
	return &out
}

// decodeObject decodes a request body that must be a JSON object.
func decodeObject(body []byte) (map[string]json.RawMessage, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		return nil, alto.SyntaxErrorOf(body, err)
	}
	if fields == nil {
		return nil, alto.NewSyntaxError("the request body must be a JSON object, not null")
	}
	return fields, nil
}

func decodeString(path string, raw json.RawMessage, dst *string) error {
	if alto.JSONKind(raw) != "string" || json.Unmarshal(raw, dst) != nil {
		return wrongType(path, "string", raw)
	}
	return nil
}

func wrongType(path, want string, raw json.RawMessage) *alto.Error {
	return alto.NewInvalidType(path, fmt.Sprintf("must be a JSON %s, not %s", want, alto.JSONKind(raw)))
}
