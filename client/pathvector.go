package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"

	"github.com/goalto/goalto/alto"
)

// PathVectorMap is a decoded path vector response, RFC 9275, Sections
// 7.2.6 and 7.3.6: the path vector part joined with the property map
// part that describes its ANEs.
type PathVectorMap struct {
	// Meta is the meta of the path vector part: its vtag, the network map
	// in "dependent-vtags", and the cost type.
	Meta alto.ResponseMeta
	// Paths maps each source and destination to the names of the ANEs
	// that the path traverses, in order. Sources and destinations are
	// PIDs for a cost map and typed endpoint addresses for an endpoint
	// cost map. A pair without a path is absent.
	Paths map[string]map[string][]string
	// Properties is the property map part. Its entity IDs are ".ane:"
	// followed by an ANE name of Paths (RFC 9275, Section 6.2.1).
	Properties alto.PropertyMap
	// ContentIDs are the Content-ID headers of the path vector part and
	// of the property map part, such as "<costmap@alto.example.com>".
	ContentIDs [2]string
}

// ANEProperties returns the properties of the ANE with the given name
// from the property map part, or nil when the part has no entry for it.
func (m *PathVectorMap) ANEProperties(ane string) map[string]json.RawMessage {
	return m.Properties.PropertyMap["."+alto.DomainTypeANE+":"+ane]
}

// PathVector sends a path vector request to a multipart filtered cost
// map resource (RFC 9275, Section 7.2). An empty resourceID selects the
// first such resource of the directory. A zero cost type in req is
// replaced with alto.PathVectorCostType, and a nil req requests every
// path of the resource.
func (c *Client) PathVector(ctx context.Context, resourceID string, req *alto.PVCostMapFilter) (*PathVectorMap, error) {
	r, err := c.PathVectorResource(ctx, resourceID, alto.MediaTypeCostMap)
	if err != nil {
		return nil, err
	}
	params := alto.PVCostMapFilter{}
	if req != nil {
		params = *req
	}
	if params.CostType == (alto.CostType{}) {
		params.CostType = alto.PathVectorCostType
	}
	if params.PIDs != nil {
		params.CostMapFilter = *normalizeCostMapFilter(&params.CostMapFilter)
	}
	return c.postPathVector(ctx, r, alto.MediaTypeCostMap, &params)
}

// PathVectorEndpoints sends a path vector request to a multipart
// endpoint cost resource (RFC 9275, Section 7.3). An empty resourceID
// selects the first such resource of the directory. A zero cost type in
// req is replaced with alto.PathVectorCostType.
func (c *Client) PathVectorEndpoints(ctx context.Context, resourceID string, req *alto.PVEndpointCostParams) (*PathVectorMap, error) {
	if req == nil {
		return nil, errors.New("missing path vector endpoint cost request")
	}
	r, err := c.PathVectorResource(ctx, resourceID, alto.MediaTypeEndpointCost)
	if err != nil {
		return nil, err
	}
	params := *req
	if params.CostType == (alto.CostType{}) {
		params.CostType = alto.PathVectorCostType
	}
	return c.postPathVector(ctx, r, alto.MediaTypeEndpointCost, &params)
}

// PathVectorResource returns the path vector resource with the given ID,
// or, for an empty ID, the first one in the directory of the requested
// form. Root is the media type of the root part: alto.MediaTypeCostMap
// for the cost map form or alto.MediaTypeEndpointCost for the endpoint
// form.
func (c *Client) PathVectorResource(ctx context.Context, resourceID, root string) (Resource, error) {
	accepts, kind, err := pathVectorKind(root)
	if err != nil {
		return Resource{}, err
	}
	if resourceID != "" {
		r, err := c.Resource(ctx, resourceID)
		if err != nil {
			return Resource{}, err
		}
		if !isPathVectorResource(r, root, accepts) {
			return Resource{}, fmt.Errorf("resource %q is %s, want a %s (%s accepting %s)", resourceID, describeEntry(r.MediaType, r.Accepts), kind, alto.PathVectorMediaType(root), accepts)
		}
		return r, nil
	}
	rs, err := c.Resources(ctx)
	if err != nil {
		return Resource{}, err
	}
	for _, r := range rs {
		if isPathVectorResource(r, root, accepts) {
			return r, nil
		}
	}
	return Resource{}, fmt.Errorf("no %s in the directory: %w", kind, ErrNotFound)
}

// pathVectorKind returns the request media type and a description of
// the path vector resources whose root part has the media type root.
func pathVectorKind(root string) (accepts, kind string, err error) {
	switch root {
	case alto.MediaTypeCostMap:
		return alto.MediaTypeCostMapFilter, "multipart filtered cost map", nil
	case alto.MediaTypeEndpointCost:
		return alto.MediaTypeEndpointCostParams, "multipart endpoint cost resource", nil
	}
	return "", "", fmt.Errorf("invalid path vector root media type %q: use %s or %s", root, alto.MediaTypeCostMap, alto.MediaTypeEndpointCost)
}

// isPathVectorResource reports whether r is a multipart/related
// resource whose type parameter is root and which accepts the request
// media type. The type parameter may be unquoted, as in the IRD
// examples of RFC 9275.
func isPathVectorResource(r Resource, root, accepts string) bool {
	if r.Accepts != accepts {
		return false
	}
	mt, params, err := parseMultipartType(r.MediaType)
	return err == nil && mt == alto.MediaTypeMultipartRelated && params["type"] == root
}

// postPathVector sends a path vector request and decodes the multipart
// response. The Accept header quotes the type parameter, which RFC 2045
// requires for a value with '/'.
func (c *Client) postPathVector(ctx context.Context, r Resource, root string, params any) (*PathVectorMap, error) {
	body, err := json.Marshal(params)
	if err != nil {
		return nil, fmt.Errorf("encode %s request: %w", r.Accepts, err)
	}
	req, err := c.newRequest(ctx, http.MethodPost, r.URI, root, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	accept := mime.FormatMediaType(alto.MediaTypeMultipartRelated, map[string]string{"type": root})
	req.Header.Set("Accept", accept+", "+alto.MediaTypeError)
	req.Header.Set("Content-Type", r.Accepts)

	resp, err := c.httpClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	finalURL := resp.Request.URL.String()
	data, err := c.readBody(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("POST %s: read response: %w", finalURL, err)
	}
	contentType := resp.Header.Get("Content-Type")
	if responseMediaType(contentType) == alto.MediaTypeError {
		return nil, decodeALTOError(http.MethodPost, finalURL, resp, data)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, newHTTPError(http.MethodPost, finalURL, resp, data)
	}
	m, err := decodePathVector(contentType, data, root, r.ID)
	if err != nil {
		return nil, fmt.Errorf("POST %s: path vector response: %w", finalURL, err)
	}
	return m, nil
}

// decodePathVector decodes a path vector response of the resource with
// the given ID and joins its parts. The vtag of the path vector part
// must be the resource ID, '.' and the part resource ID of its
// Content-ID. The property map part must list that vtag in its
// "dependent-vtags" (RFC 9275, Sections 6.6 and 7.2.6).
func decodePathVector(contentType string, body []byte, root, resourceID string) (*PathVectorMap, error) {
	msg, err := readMultipartRelated(contentType, body)
	if err != nil {
		return nil, err
	}
	if msg.rootType != root {
		return nil, fmt.Errorf("%w: type parameter %q, want %q", ErrUnexpectedMediaType, msg.rootType, root)
	}
	pvPart, propPart, err := msg.split(root)
	if err != nil {
		return nil, err
	}
	m := &PathVectorMap{ContentIDs: [2]string{pvPart.contentID, propPart.contentID}}
	if err := decodePathVectorPart(pvPart, root, m); err != nil {
		return nil, err
	}
	if err := checkPathVectorVTag(m.Meta.VTag, resourceID, pvPart.contentID); err != nil {
		return nil, err
	}
	if err := json.Unmarshal(propPart.body, &m.Properties); err != nil {
		return nil, fmt.Errorf("property map part %s: %w", propPart.contentID, err)
	}
	if !slices.Contains(m.Properties.Meta.DependentVTags, *m.Meta.VTag) {
		return nil, fmt.Errorf("property map part %s: dependent-vtags lack the vtag %s/%s of the path vector part", propPart.contentID, m.Meta.VTag.ResourceID, m.Meta.VTag.Tag)
	}
	return m, nil
}

// decodePathVectorPart decodes the path vector part into m: a cost map
// for the root media type alto.MediaTypeCostMap, or else an endpoint
// cost map, whose costs are arrays of ANE names.
func decodePathVectorPart(p *bodyPart, root string, m *PathVectorMap) error {
	var doc struct {
		Meta            alto.ResponseMeta              `json:"meta"`
		CostMap         map[string]map[string][]string `json:"cost-map"`
		EndpointCostMap map[string]map[string][]string `json:"endpoint-cost-map"`
	}
	if err := json.Unmarshal(p.body, &doc); err != nil {
		return fmt.Errorf("path vector part %s: %w", p.contentID, err)
	}
	field, paths := "endpoint-cost-map", doc.EndpointCostMap
	if root == alto.MediaTypeCostMap {
		field, paths = "cost-map", doc.CostMap
	}
	if paths == nil {
		return fmt.Errorf("path vector part %s: missing %q", p.contentID, field)
	}
	if err := checkCostType(doc.Meta.CostType, alto.PathVectorCostType); err != nil {
		return fmt.Errorf("path vector part %s: %w", p.contentID, err)
	}
	m.Meta, m.Paths = doc.Meta, paths
	return nil
}

// checkPathVectorVTag checks the vtag of the path vector part against
// the resource ID and the part's Content-ID.
func checkPathVectorVTag(vtag *alto.VersionTag, resourceID, contentID string) error {
	if vtag == nil {
		return fmt.Errorf("path vector part %s: missing vtag in meta", contentID)
	}
	partID, _, _ := splitContentID(contentID)
	if want := resourceID + "." + partID; vtag.ResourceID != want {
		return fmt.Errorf("path vector part %s: vtag resource-id %q, want %q", contentID, vtag.ResourceID, want)
	}
	return nil
}

// multipartMessage is a multipart/related body read in full (RFC 2387).
type multipartMessage struct {
	rootType string // the type parameter
	start    string // the start parameter; empty when absent
	parts    []bodyPart
}

// bodyPart is one part of a multipartMessage.
type bodyPart struct {
	contentID   string
	contentType string // media type without parameters
	body        []byte
}

// maxPathVectorParts bounds the parts read from a response, which has
// two (RFC 9275, Section 7.2.6).
const maxPathVectorParts = 2

// readMultipartRelated reads a multipart/related body with a boundary
// and a type parameter. Each part needs a Content-ID of the form
// <part-resource-id@domain> (RFC 9275, Section 6.6) and a Content-Type.
func readMultipartRelated(contentType string, body []byte) (*multipartMessage, error) {
	mt, params, err := parseMultipartType(contentType)
	if err != nil {
		return nil, fmt.Errorf("Content-Type %q: %w", contentType, err)
	}
	if mt != alto.MediaTypeMultipartRelated {
		return nil, fmt.Errorf("%w %q, want %s", ErrUnexpectedMediaType, mt, alto.MediaTypeMultipartRelated)
	}
	if params["boundary"] == "" {
		return nil, fmt.Errorf("Content-Type %q: missing boundary parameter", contentType)
	}
	if params["type"] == "" {
		return nil, fmt.Errorf("Content-Type %q: missing type parameter (RFC 2387, Section 3.1)", contentType)
	}
	msg := &multipartMessage{rootType: params["type"], start: params["start"]}
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	for {
		p, err := mr.NextRawPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("part %d: %w", len(msg.parts)+1, err)
		}
		if len(msg.parts) == maxPathVectorParts {
			return nil, fmt.Errorf("more than %d parts", maxPathVectorParts)
		}
		part, err := readBodyPart(p)
		if err != nil {
			return nil, fmt.Errorf("part %d: %w", len(msg.parts)+1, err)
		}
		msg.parts = append(msg.parts, part)
	}
	return msg, nil
}

func readBodyPart(p *multipart.Part) (bodyPart, error) {
	out := bodyPart{contentID: p.Header.Get("Content-ID")}
	if _, _, ok := splitContentID(out.contentID); !ok {
		return bodyPart{}, fmt.Errorf("Content-ID %q is not <part-resource-id@domain> (RFC 9275, Section 6.6)", out.contentID)
	}
	raw := p.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(raw)
	if err != nil {
		return bodyPart{}, fmt.Errorf("Content-Type %q: %w", raw, err)
	}
	out.contentType = mt
	// The whole body is already in memory and bounded by WithMaxBodySize.
	if out.body, err = io.ReadAll(p); err != nil {
		return bodyPart{}, fmt.Errorf("body of %s: %w", out.contentID, err)
	}
	return out, nil
}

// split returns the path vector part and the property map part. The
// path vector part is the one that the start parameter names or, without
// it, the first part, which must have the media type root (RFC 2387,
// Section 3.2). The other part must be a property map.
func (m *multipartMessage) split(root string) (pv, props *bodyPart, err error) {
	if len(m.parts) != maxPathVectorParts {
		return nil, nil, fmt.Errorf("%d parts, want %d", len(m.parts), maxPathVectorParts)
	}
	first, second := &m.parts[0], &m.parts[1]
	if first.contentID == second.contentID {
		return nil, nil, fmt.Errorf("both parts have Content-ID %s", first.contentID)
	}
	switch m.start {
	case "", first.contentID:
	case second.contentID:
		first, second = second, first
	default:
		return nil, nil, fmt.Errorf("start parameter %s names no part", m.start)
	}
	if first.contentType != root {
		return nil, nil, fmt.Errorf("root part %s has Content-Type %s, want %s", first.contentID, first.contentType, root)
	}
	if second.contentType != alto.MediaTypePropMap {
		return nil, nil, fmt.Errorf("part %s has Content-Type %s, want %s", second.contentID, second.contentType, alto.MediaTypePropMap)
	}
	return first, second, nil
}

// splitContentID splits a Part Content ID, "<" part-resource-id "@"
// domain ">" (RFC 9275, Section 6.6), and checks both halves: the part
// resource ID has the form of a resource ID, and the domain that of an
// RFC 5322 dot-atom-text.
func splitContentID(s string) (partID, domain string, ok bool) {
	inner, ok := strings.CutPrefix(s, "<")
	if !ok {
		return "", "", false
	}
	if inner, ok = strings.CutSuffix(inner, ">"); !ok {
		return "", "", false
	}
	partID, domain, ok = strings.Cut(inner, "@")
	if !ok || !alto.ValidResourceID(partID) || !validDotAtom(domain) {
		return "", "", false
	}
	return partID, domain, true
}

// validDotAtom reports whether s is a dot-atom-text of RFC 5322,
// Section 3.2.3: atoms of atext joined by single dots.
func validDotAtom(s string) bool {
	for atom := range strings.SplitSeq(s, ".") {
		if atom == "" {
			return false
		}
		for _, r := range atom {
			isAlnum := 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
			if !isAlnum && !strings.ContainsRune("!#$%&'*+-/=?^_`{|}~", r) {
				return false
			}
		}
	}
	return true
}

// parseMultipartType parses a media type with its parameters, lowering
// the case of the type and of the parameter names. It also accepts
// parameter values with '/' left unquoted, as in
// "multipart/related; type=application/alto-costmap+json": RFC 9275,
// Section 7.2.6 allows that form, which RFC 2045 forbids and
// mime.ParseMediaType rejects.
func parseMultipartType(v string) (string, map[string]string, error) {
	mt, params, err := mime.ParseMediaType(v)
	if !errors.Is(err, mime.ErrInvalidMediaParameter) {
		return mt, params, err
	}
	fields := strings.Split(v, ";")
	params = map[string]string{}
	for _, f := range fields[1:] {
		key, value, ok := strings.Cut(strings.TrimSpace(f), "=")
		key = strings.ToLower(strings.TrimSpace(key))
		if !ok || key == "" {
			return "", nil, mime.ErrInvalidMediaParameter
		}
		if _, dup := params[key]; dup {
			return "", nil, fmt.Errorf("parameter %q given twice", key)
		}
		params[key] = strings.Trim(strings.TrimSpace(value), `"`)
	}
	return mt, params, nil
}
