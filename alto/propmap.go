package alto

import (
	"bytes"
	"encoding/json"
	"strings"
)

// Media types of the property map and filtered property map, RFC 9240,
// Sections 7.1 and 8.3.
const (
	MediaTypePropMap       = "application/alto-propmap+json"
	MediaTypePropMapParams = "application/alto-propmapparams+json"
)

// Entity domain types of RFC 9240, Section 6.
const (
	DomainTypeIPv4 = "ipv4"
	DomainTypeIPv6 = "ipv6"
	DomainTypePID  = "pid"
)

// PropertyMap is an InfoResourceProperties, RFC 9240, Section 7.6: the
// response of a property map and of a filtered property map. A value is
// any JSON value, though RFC 9240, Section 7.6 expects a string or null
// unless an extension defines other types.
type PropertyMap struct {
	Meta        ResponseMeta                          `json:"meta"`
	PropertyMap map[string]map[string]json.RawMessage `json:"property-map"`
}

// PropertyMapParams is a ReqFilteredPropertyMap, RFC 9240, Section 8.3.
// An empty Entities list stands for every entity of the resource. A nil
// Properties requests only which entities have properties, and the
// response gives each of them an empty object. An empty, non-nil
// Properties stands for every property of the resource.
type PropertyMapParams struct {
	Entities   []string
	Properties []string
}

// MarshalJSON encodes the request, writing "properties" only when
// Properties is not nil.
func (p PropertyMapParams) MarshalJSON() ([]byte, error) {
	type wire struct {
		Entities   []string  `json:"entities"`
		Properties *[]string `json:"properties,omitempty"`
	}
	w := wire{Entities: p.Entities}
	if w.Entities == nil {
		w.Entities = []string{}
	}
	if p.Properties != nil {
		w.Properties = &p.Properties
	}
	return json.Marshal(w)
}

// ValidEntityDomainType reports whether s is an entity domain type, RFC
// 9240, Section 5.1.1: at most 64 characters from the US-ASCII
// alphanumerics, '-', ':' and '_', where a colon appears only in a
// leading "priv:" that more characters follow.
func ValidEntityDomainType(s string) bool {
	if !validName(s, 64, "-:_") {
		return false
	}
	rest, private := strings.CutPrefix(s, "priv:")
	if private && rest == "" {
		return false
	}
	return !strings.Contains(rest, ":")
}

// EntityDomainName is a parsed entity domain name, RFC 9240, Section
// 5.1.2.
type EntityDomainName struct {
	// Resource is the ID of the defining resource of a resource-specific
	// domain, such as "default-network-map" in
	// "default-network-map.pid"; empty for other domains.
	Resource string
	// SelfDefined marks a domain defined by the property map itself,
	// whose name is '.' and the type (Section 5.1.2.3).
	SelfDefined bool
	// Type is the entity domain type.
	Type string
}

// ParseEntityDomainName parses an entity domain name: an entity domain
// type, optionally after a resource ID and '.' (resource-specific) or
// after a bare '.' (self-defined).
func ParseEntityDomainName(s string) (EntityDomainName, bool) {
	rid, typ, specific := strings.Cut(s, ".")
	if !specific {
		return EntityDomainName{Type: s}, ValidEntityDomainType(s)
	}
	n := EntityDomainName{Resource: rid, SelfDefined: rid == "", Type: typ}
	return n, (rid == "" || ValidResourceID(rid)) && ValidEntityDomainType(typ)
}

// String returns the entity domain name in its wire form.
func (n EntityDomainName) String() string {
	if n.Resource != "" || n.SelfDefined {
		return n.Resource + "." + n.Type
	}
	return n.Type
}

// ValidEntityDomainName reports whether s is an entity domain name, RFC
// 9240, Section 5.1.2.
func ValidEntityDomainName(s string) bool {
	_, ok := ParseEntityDomainName(s)
	return ok
}

// ValidEntityPropertyType reports whether s is an entity property type,
// RFC 9240, Section 5.2.1: at most 32 characters from the US-ASCII
// alphanumerics, '-', ':' and '_', and not the bare "priv:" prefix.
func ValidEntityPropertyType(s string) bool {
	return validGlobalProperty(s)
}

// EntityPropertyName is a parsed entity property name, RFC 9240,
// Section 5.2.2.
type EntityPropertyName struct {
	// Resource is the ID of the defining resource of a resource-specific
	// property, such as "default-network-map" in
	// "default-network-map.pid"; empty for other properties.
	Resource string
	// SelfDefined marks a property written as '.' and the type, which
	// the property map itself defines.
	SelfDefined bool
	// Type is the entity property type.
	Type string
}

// ParseEntityPropertyName parses an entity property name: an entity
// property type, optionally after a resource ID and '.'
// (resource-specific) or after a bare '.' (self-defined).
func ParseEntityPropertyName(s string) (EntityPropertyName, bool) {
	rid, typ, specific := strings.Cut(s, ".")
	if !specific {
		return EntityPropertyName{Type: s}, ValidEntityPropertyType(s)
	}
	n := EntityPropertyName{Resource: rid, SelfDefined: rid == "", Type: typ}
	return n, (rid == "" || ValidResourceID(rid)) && ValidEntityPropertyType(typ)
}

// ValidEntityPropertyName reports whether s is an entity property name,
// RFC 9240, Section 5.2.2.
func ValidEntityPropertyName(s string) bool {
	_, ok := ParseEntityPropertyName(s)
	return ok
}

// DecodePropertyMapParams decodes and validates a filtered property map
// request, RFC 9240, Section 8.3. "entities" must be present, and each
// property name must be well formed. Whether the resource offers the
// entities and properties is for the server to decide. Repeated entries
// are removed. Unknown fields are ignored (RFC 7285, Section 8.3.7).
func DecodePropertyMapParams(body []byte) (*PropertyMapParams, error) {
	return DecodePropertyMapParamsLimit(body, 0)
}

// DecodePropertyMapParamsLimit is DecodePropertyMapParams that rejects an
// entities list of more than maxEntities distinct entries (no limit when
// maxEntities <= 0) before it decodes any entry.
func DecodePropertyMapParamsLimit(body []byte, maxEntities int) (*PropertyMapParams, error) {
	if err := checkListLimit(body, maxEntities, "entities"); err != nil {
		return nil, err
	}
	if req, ok := decodePropertyMapFast(body); ok {
		return checkPropertyMapParams(req)
	}
	return decodePropertyMapDetailed(body)
}

// decodePropertyMapDetailed decodes member by member, finding the
// precise error of any malformed request.
func decodePropertyMapDetailed(body []byte) (*PropertyMapParams, error) {
	o, err := decodeObject(body)
	if err != nil {
		return nil, err
	}
	entities, ok, err := o.stringArray("entities")
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, NewMissingField("entities")
	}
	req := &PropertyMapParams{Entities: entities}
	props, ok, err := o.stringArray("properties")
	if err != nil {
		return nil, err
	}
	if ok {
		req.Properties = props
		if req.Properties == nil {
			req.Properties = []string{}
		}
	}
	return checkPropertyMapParams(req)
}

// decodePropertyMapFast decodes a well-formed request in one
// encoding/json pass. It reports false when the detailed decoder must
// find the precise error or meaning. That is so on any decoding error,
// when the body contains null, which encoding/json treats as absent, and
// when a member matched a key that is not spelled exactly, because
// encoding/json ignores case but RFC 9240 names are exact.
func decodePropertyMapFast(body []byte) (*PropertyMapParams, bool) {
	if bytes.Contains(body, []byte("null")) {
		return nil, false
	}
	var w struct {
		Entities   *[]string `json:"entities"`
		Properties *[]string `json:"properties"`
	}
	if json.Unmarshal(body, &w) != nil || w.Entities == nil {
		return nil, false
	}
	if !exactKeys(body, true, `"entities"`) || !exactKeys(body, w.Properties != nil, `"properties"`) {
		return nil, false
	}
	req := &PropertyMapParams{Entities: *w.Entities}
	if w.Properties != nil {
		req.Properties = *w.Properties
	}
	return req, true
}

// checkPropertyMapParams validates the property names and removes
// repeated entries.
func checkPropertyMapParams(req *PropertyMapParams) (*PropertyMapParams, error) {
	for _, p := range req.Properties {
		if !ValidEntityPropertyName(p) {
			return nil, NewInvalidValue("properties", p, "invalid entity property name (RFC 9240, Section 5.2.2)")
		}
	}
	req.Entities = dedupe(req.Entities)
	if req.Properties != nil {
		req.Properties = dedupe(req.Properties)
	}
	return req, nil
}
