package pathvector

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"strings"

	"github.com/goalto/goalto/alto"
)

// maxPartBytes bounds each part that Decode reads.
const maxPartBytes = 64 << 20

// Message is a decoded path vector response, RFC 9275, Sections 7.2.6
// and 7.3.6.
type Message struct {
	// Type is the media type of the root part, from the type parameter.
	Type string
	// Start is the start parameter, the Content-ID of the root part;
	// empty when absent, which makes the first part the root.
	Start string
	// Parts in the order of the body.
	Parts []Part
}

// Part is one body part.
type Part struct {
	ContentID   string
	ContentType string
	Body        []byte
}

// Root returns the path vector part: the part whose media type is
// Message.Type.
func (m *Message) Root() *Part { return m.find(m.Type) }

// PropertyMap returns the property map part.
func (m *Message) PropertyMap() *Part { return m.find(alto.MediaTypePropMap) }

func (m *Message) find(mediaType string) *Part {
	for i := range m.Parts {
		if m.Parts[i].ContentType == mediaType {
			return &m.Parts[i]
		}
	}
	return nil
}

// Decode reads a path vector response from its Content-Type and body.
// It checks what RFC 9275 requires of the message: multipart/related
// with a boundary and a type parameter naming the cost map or endpoint
// cost media type, exactly two parts (the path vector part of that type
// and a property map part), each with a Content-Type and a Content-ID
// in the form <id@domain>, and a start parameter, if any, naming the
// path vector part.
func Decode(contentType string, body io.Reader) (*Message, error) {
	mt, params, err := parseMediaType(contentType)
	if err != nil {
		return nil, fmt.Errorf("content type %q: %w", contentType, err)
	}
	if mt != alto.MediaTypeMultipartRelated {
		return nil, fmt.Errorf("content type %q is not %s", mt, alto.MediaTypeMultipartRelated)
	}
	m := &Message{Type: params["type"], Start: params["start"]}
	if m.Type != alto.MediaTypeCostMap && m.Type != alto.MediaTypeEndpointCost {
		return nil, fmt.Errorf("type parameter %q is neither %s nor %s", m.Type, alto.MediaTypeCostMap, alto.MediaTypeEndpointCost)
	}
	if params["boundary"] == "" {
		return nil, errors.New("missing boundary parameter")
	}
	mr := multipart.NewReader(body, params["boundary"])
	for {
		p, err := mr.NextRawPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("part %d: %w", len(m.Parts)+1, err)
		}
		if len(m.Parts) == 2 {
			return nil, errors.New("more than two parts")
		}
		part, err := readPart(p)
		if err != nil {
			return nil, fmt.Errorf("part %d: %w", len(m.Parts)+1, err)
		}
		m.Parts = append(m.Parts, part)
	}
	return m, m.check()
}

func readPart(p *multipart.Part) (Part, error) {
	out := Part{ContentID: p.Header.Get("Content-ID"), ContentType: p.Header.Get("Content-Type")}
	if !validContentID(out.ContentID) {
		return Part{}, fmt.Errorf("Content-ID %q is not <part-resource-id@domain>", out.ContentID)
	}
	mt, _, err := mime.ParseMediaType(out.ContentType)
	if err != nil {
		return Part{}, fmt.Errorf("Content-Type %q: %w", out.ContentType, err)
	}
	out.ContentType = mt
	body, err := io.ReadAll(io.LimitReader(p, maxPartBytes+1))
	if err != nil {
		return Part{}, fmt.Errorf("body: %w", err)
	}
	if len(body) > maxPartBytes {
		return Part{}, fmt.Errorf("body exceeds %d bytes", maxPartBytes)
	}
	out.Body = body
	return out, nil
}

// check checks the parts of a decoded message.
func (m *Message) check() error {
	if len(m.Parts) != 2 {
		return fmt.Errorf("the message has %d parts; a path vector response has 2", len(m.Parts))
	}
	root, props := m.Root(), m.PropertyMap()
	if root == nil {
		return fmt.Errorf("no part of type %s", m.Type)
	}
	if props == nil {
		return fmt.Errorf("no part of type %s", alto.MediaTypePropMap)
	}
	if root.ContentID == props.ContentID {
		return fmt.Errorf("both parts have Content-ID %s", root.ContentID)
	}
	if m.Start != "" && m.Start != root.ContentID {
		return fmt.Errorf("start parameter %s is not the Content-ID %s of the root part", m.Start, root.ContentID)
	}
	return nil
}

// validContentID reports whether s is a Part Content ID, RFC 9275,
// Section 6.6: "<" part-resource-id "@" dot-atom-text ">".
func validContentID(s string) bool {
	inner, ok := strings.CutPrefix(s, "<")
	if !ok {
		return false
	}
	if inner, ok = strings.CutSuffix(inner, ">"); !ok {
		return false
	}
	id, domain, ok := strings.Cut(inner, "@")
	return ok && alto.ValidResourceID(id) && validDotAtom(domain)
}

// parseMediaType parses a media type with its parameters. It accepts a
// parameter value with '/' left unquoted, as in
// "type=application/alto-costmap+json": RFC 9275, Section 7.2.6 allows
// it, though RFC 2045 requires quotes there and mime.ParseMediaType
// rejects it.
func parseMediaType(v string) (string, map[string]string, error) {
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
