package alto

// The path vector cost type of RFC 9275, Section 6.5: the "array" cost
// mode, registered by RFC 9274 for this use, with the "ane-path" metric.
const (
	CostModeArray     = "array"
	CostMetricANEPath = "ane-path"
)

// PathVectorCostType is the only cost type of a path vector resource.
var PathVectorCostType = CostType{Mode: CostModeArray, Metric: CostMetricANEPath}

// DomainTypeANE is the entity domain type of abstract network elements,
// RFC 9275, Section 6.2.1.
const DomainTypeANE = "ane"

// ANE property types of RFC 9275, Section 6.4.
const (
	// PropMaxReservableBandwidth is the bandwidth in bits per second that
	// the traffic through an ANE may reserve, Section 6.4.1.
	PropMaxReservableBandwidth = "max-reservable-bandwidth"
	// PropPersistentEntityID is the entity ID of a persistent ANE in a
	// property map resource, Section 6.4.2.
	PropPersistentEntityID = "persistent-entity-id"
)

// MediaTypeMultipartRelated is the media type of path vector responses,
// RFC 9275, Sections 7.2.1 and 7.3.1, whose "type" parameter names the
// media type of the root part (RFC 2387).
const MediaTypeMultipartRelated = "multipart/related"

// PathVectorMediaType returns the media type of a path vector resource
// whose root part has the media type root, as a directory lists it.
func PathVectorMediaType(root string) string {
	return MediaTypeMultipartRelated + ";type=" + root
}

// PVCostMapFilter is a PVReqFilteredCostMap, RFC 9275, Section 7.2.3.
type PVCostMapFilter struct {
	CostMapFilter
	ANEPropertyNames []string `json:"ane-property-names,omitempty"`
}

// PVEndpointCostParams is a PVReqEndpointCostMap, RFC 9275,
// Section 7.3.3.
type PVEndpointCostParams struct {
	EndpointCostParams
	ANEPropertyNames []string `json:"ane-property-names,omitempty"`
}

// DecodePVCostMapFilter decodes a multipart filtered cost map request:
// a filtered cost map request with an optional list of ANE properties.
func DecodePVCostMapFilter(body []byte) (*PVCostMapFilter, error) {
	req, err := DecodeCostMapFilter(body)
	if err != nil {
		return nil, err
	}
	names, err := decodeANEPropertyNames(body)
	if err != nil {
		return nil, err
	}
	return &PVCostMapFilter{CostMapFilter: *req, ANEPropertyNames: names}, nil
}

// DecodePVEndpointCostParams decodes a multipart endpoint cost request:
// an endpoint cost request with an optional list of ANE properties.
func DecodePVEndpointCostParams(body []byte) (*PVEndpointCostParams, error) {
	req, err := DecodeEndpointCostParams(body)
	if err != nil {
		return nil, err
	}
	names, err := decodeANEPropertyNames(body)
	if err != nil {
		return nil, err
	}
	return &PVEndpointCostParams{EndpointCostParams: *req, ANEPropertyNames: names}, nil
}

// decodeANEPropertyNames returns the "ane-property-names" list without
// repeated names, in request order. An absent list is an empty one (RFC 9275, Section 7.2.3),
// and each name must be an entity property name of RFC 9240,
// Section 5.2.2.
func decodeANEPropertyNames(body []byte) ([]string, error) {
	o, err := decodeObject(body)
	if err != nil {
		return nil, err
	}
	names, _, err := o.stringArray("ane-property-names")
	if err != nil {
		return nil, err
	}
	for _, n := range names {
		if _, ok := ParseEntityPropertyName(n); !ok {
			return nil, NewInvalidValue("ane-property-names", n, "invalid entity property name (RFC 9240, Section 5.2.2)")
		}
	}
	return dedupe(names), nil
}
