package alto

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// Media types of the CDNI Advertisement resource and of the request of
// the filtered CDNI Advertisement resource, RFC 9241, Sections 7.1 and
// 7.2. Section 7 and the example of Section 5.7.1 also print the second
// one as "application/cdnifilter+json"; the registration is
// "application/alto-cdnifilter+json".
const (
	MediaTypeCDNI       = "application/alto-cdni+json"
	MediaTypeCDNIFilter = "application/alto-cdnifilter+json"
)

// CDNI footprint types: those of RFC 8006, Section 4.2.2.2, and
// "altopid" of RFC 9241, Section 4.1, whose values are PID names of the
// network map that the resource uses.
const (
	FootprintIPv4CIDR    = "ipv4cidr"
	FootprintIPv6CIDR    = "ipv6cidr"
	FootprintASN         = "asn"
	FootprintCountryCode = "countrycode"
	FootprintALTOPID     = "altopid"
)

// Entity domain types and the entity property type of RFC 9241, Section
// 6. An asn identifier is "as" and the AS number ("asn:as64496"), and a
// countrycode identifier a lowercase ISO 3166-1 alpha-2 code
// ("countrycode:us"). The cdni-capabilities property lists the
// capabilities that a CDNI Advertisement resource gives an entity.
const (
	DomainTypeASN            = "asn"
	DomainTypeCountryCode    = "countrycode"
	PropertyCDNICapabilities = "cdni-capabilities"
)

// CDNI capability types of RFC 8008, Section 5, whose capability value
// is an object with one mandatory member: an array of strings.
const (
	CapabilityDeliveryProtocol    = "FCI.DeliveryProtocol"
	CapabilityAcquisitionProtocol = "FCI.AcquisitionProtocol"
	CapabilityRedirectionMode     = "FCI.RedirectionMode"
)

// capabilityMembers gives the mandatory member of the capability value
// of each capability type that this package checks. NOTE: the protocol
// members are those of the examples of RFC 9241, but "redirection-modes"
// is unverified against the text of RFC 8008, Section 5.
var capabilityMembers = map[string]string{
	CapabilityDeliveryProtocol:    "delivery-protocols",
	CapabilityAcquisitionProtocol: "acquisition-protocols",
	CapabilityRedirectionMode:     "redirection-modes",
}

// CDNIAdvertisement is an InfoResourceCDNIAdvertisement, RFC 9241,
// Section 3.6: the response of a CDNI Advertisement resource and of a
// filtered one.
type CDNIAdvertisement struct {
	Meta ResponseMeta          `json:"meta"`
	Data CDNIAdvertisementData `json:"cdni-advertisement"`
}

// CDNIAdvertisementData is the data component of a CDNI Advertisement
// response. An empty list means that the downstream CDN provides no
// capability for any footprint.
type CDNIAdvertisementData struct {
	CapabilitiesWithFootprints []BaseAdvertisementObject `json:"capabilities-with-footprints"`
}

// BaseAdvertisementObject is a capability with the footprints where it
// applies, RFC 8008, Section 5.1. No footprints means every footprint
// (RFC 9241, Section 3.6).
type BaseAdvertisementObject struct {
	CapabilityType  string          `json:"capability-type"`
	CapabilityValue json.RawMessage `json:"capability-value"`
	Footprints      []Footprint     `json:"footprints,omitempty"`
}

// Footprint is a set of footprint values of one type, RFC 8006, Section
// 4.2.2.2.
type Footprint struct {
	FootprintType  string   `json:"footprint-type"`
	FootprintValue []string `json:"footprint-value"`
}

// CDNICapability is a capability in a filtered CDNI Advertisement
// request, RFC 9241, Section 5.3.
type CDNICapability struct {
	CapabilityType  string          `json:"capability-type"`
	CapabilityValue json.RawMessage `json:"capability-value"`
}

// CDNIFilterParams is a ReqFilteredCDNIAdvertisement, RFC 9241, Section
// 5.3. An empty list requests the full advertisement.
type CDNIFilterParams struct {
	Capabilities []CDNICapability `json:"cdni-capabilities"`
}

// CheckCapabilityValue checks that a capability value is consistent with
// its capability type. Every value must be a JSON object. For the types
// in capabilityMembers, the mandatory member must be an array of
// strings.
func CheckCapabilityValue(capabilityType string, value json.RawMessage) error {
	if JSONKind(value) != "object" {
		return fmt.Errorf("capability-value must be a JSON object, not %s", JSONKind(value))
	}
	member, known := capabilityMembers[capabilityType]
	if !known {
		return nil
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(value, &fields); err != nil {
		return fmt.Errorf("capability-value: %w", err)
	}
	raw, ok := fields[member]
	if !ok {
		return fmt.Errorf("capability-value of %s needs the member %q (RFC 8008, Section 5)", capabilityType, member)
	}
	var list []string
	if JSONKind(raw) != "array" || json.Unmarshal(raw, &list) != nil {
		return fmt.Errorf("capability-value member %q must be an array of strings", member)
	}
	return nil
}

// CheckFootprintValue checks one value of a footprint type and returns
// it in canonical form. That is a prefix without host bits for ipv4cidr
// and ipv6cidr, and "as" and the decimal number without leading zeros
// for asn (RFC 9241, Section 6.1.1.2). It is a lowercase ISO 3166-1
// alpha-2 code for countrycode, and a PID name for altopid.
func CheckFootprintValue(footprintType, value string) (string, error) {
	switch footprintType {
	case FootprintIPv4CIDR, FootprintIPv6CIDR:
		return checkCIDR(footprintType, value)
	case FootprintASN:
		digits, ok := strings.CutPrefix(value, "as")
		n, err := strconv.ParseUint(digits, 10, 32)
		if !ok || err != nil || strconv.FormatUint(n, 10) != digits {
			return "", fmt.Errorf("invalid asn footprint %q: use \"as\" and the AS number in decimal, such as as64496", value)
		}
		return value, nil
	case FootprintCountryCode:
		if len(value) != 2 || !isASCIILetter(value[0]) || !isASCIILetter(value[1]) {
			return "", fmt.Errorf("invalid countrycode footprint %q: use an ISO 3166-1 alpha-2 code such as us", value)
		}
		return strings.ToLower(value), nil
	case FootprintALTOPID:
		if !ValidPIDName(value) {
			return "", fmt.Errorf("invalid altopid footprint %q: not a PID name (RFC 7285, Section 10.1)", value)
		}
		return value, nil
	}
	return "", fmt.Errorf("unknown footprint type %q: use ipv4cidr, ipv6cidr, asn, countrycode or altopid", footprintType)
}

func checkCIDR(footprintType, value string) (string, error) {
	p, err := netip.ParsePrefix(value)
	if err != nil {
		return "", fmt.Errorf("invalid %s footprint %q: want a prefix such as 192.0.2.0/24", footprintType, value)
	}
	if p.Addr().Is4() != (footprintType == FootprintIPv4CIDR) || p.Addr().Is4In6() || p.Addr().Zone() != "" {
		return "", fmt.Errorf("invalid %s footprint %q: wrong address family", footprintType, value)
	}
	if p != p.Masked() {
		return "", fmt.Errorf("%s footprint %s has host bits set; use %s", footprintType, p, p.Masked())
	}
	return p.String(), nil
}

func isASCIILetter(c byte) bool { return ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') }

// DecodeCDNIFilterParams decodes and validates a filtered CDNI
// Advertisement request, RFC 9241, Section 5.3. "cdni-capabilities" must
// be present, and each capability must have a string type and a value
// consistent with it; Section 5.6 makes a null type or value, or an
// inconsistent value, an E_INVALID_FIELD_VALUE error whose value is the
// capability. Repeated capabilities are removed. Unknown fields are
// ignored (RFC 7285, Section 8.3.7).
func DecodeCDNIFilterParams(body []byte) (*CDNIFilterParams, error) {
	o, err := decodeObject(body)
	if err != nil {
		return nil, err
	}
	const field = "cdni-capabilities"
	raw, ok := o.fields[field]
	if !ok {
		return nil, NewMissingField(field)
	}
	if JSONKind(raw) != "array" {
		return nil, o.wrongType(field, "array", raw)
	}
	var elems []json.RawMessage
	if err := json.Unmarshal(raw, &elems); err != nil {
		return nil, SyntaxErrorOf(raw, err)
	}
	req := &CDNIFilterParams{Capabilities: []CDNICapability{}}
	seen := map[string]bool{}
	for _, e := range elems {
		c, err := decodeCDNICapability(e)
		if err != nil {
			return nil, err
		}
		key := c.CapabilityType + "\x00" + string(CanonicalJSON(c.CapabilityValue))
		if !seen[key] {
			seen[key] = true
			req.Capabilities = append(req.Capabilities, c)
		}
	}
	return req, nil
}

// decodeCDNICapability decodes one element of "cdni-capabilities".
func decodeCDNICapability(raw json.RawMessage) (CDNICapability, error) {
	const field = "cdni-capabilities"
	text := string(compactJSON(raw))
	if JSONKind(raw) != "object" {
		return CDNICapability{}, NewInvalidType(field, "elements must be CDNICapability objects, not "+JSONKind(raw))
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return CDNICapability{}, SyntaxErrorOf(raw, err)
	}
	typeRaw, ok := fields["capability-type"]
	if !ok {
		return CDNICapability{}, NewMissingField(field + "/capability-type")
	}
	value, ok := fields["capability-value"]
	if !ok {
		return CDNICapability{}, NewMissingField(field + "/capability-value")
	}
	if JSONKind(typeRaw) == "null" || JSONKind(value) == "null" {
		return CDNICapability{}, NewInvalidValue(field, text, "capability-type and capability-value must not be null (RFC 9241, Section 5.6)")
	}
	var c CDNICapability
	if JSONKind(typeRaw) != "string" || json.Unmarshal(typeRaw, &c.CapabilityType) != nil {
		return CDNICapability{}, NewInvalidType(field+"/capability-type", "must be a JSON string, not "+JSONKind(typeRaw))
	}
	if err := CheckCapabilityValue(c.CapabilityType, value); err != nil {
		return CDNICapability{}, NewInvalidValue(field, text, err.Error()+" (RFC 9241, Section 5.6)")
	}
	c.CapabilityValue = compactJSON(value)
	return c, nil
}

// CanonicalJSON re-encodes a JSON value with sorted object members and
// no white space, so that equal values have equal bytes. Invalid JSON is
// returned unchanged.
func CanonicalJSON(raw json.RawMessage) []byte {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return raw
	}
	out, err := json.Marshal(v)
	if err != nil {
		return raw
	}
	return out
}

func compactJSON(raw json.RawMessage) json.RawMessage {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return raw
	}
	return b.Bytes()
}
