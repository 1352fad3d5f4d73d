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
	return DecodePVCostMapFilterLimit(body, 0, 0)
}

// DecodePVCostMapFilterLimit is DecodePVCostMapFilter that rejects a
// pids/srcs or pids/dsts list of more than maxPIDs distinct entries, and
// an ane-property-names list of more than maxANEProperties, before it
// decodes any entry of that list. A limit <= 0 means no limit.
func DecodePVCostMapFilterLimit(body []byte, maxPIDs, maxANEProperties int) (*PVCostMapFilter, error) {
	req, err := DecodeCostMapFilterLimit(body, maxPIDs)
	if err != nil {
		return nil, err
	}
	names, err := decodeANEPropertyNames(body, maxANEProperties)
	if err != nil {
		return nil, err
	}
	return &PVCostMapFilter{CostMapFilter: *req, ANEPropertyNames: names}, nil
}

// DecodePVEndpointCostParams decodes a multipart endpoint cost request:
// an endpoint cost request with an optional list of ANE properties.
func DecodePVEndpointCostParams(body []byte) (*PVEndpointCostParams, error) {
	return DecodePVEndpointCostParamsLimit(body, 0, 0)
}

// DecodePVEndpointCostParamsLimit is DecodePVEndpointCostParams that
// rejects an endpoints/srcs or endpoints/dsts list of more than
// maxEndpoints distinct entries, and an ane-property-names list of more
// than maxANEProperties, before it decodes any entry of that list. A
// limit <= 0 means no limit.
func DecodePVEndpointCostParamsLimit(body []byte, maxEndpoints, maxANEProperties int) (*PVEndpointCostParams, error) {
	req, err := DecodeEndpointCostParamsLimit(body, maxEndpoints)
	if err != nil {
		return nil, err
	}
	names, err := decodeANEPropertyNames(body, maxANEProperties)
	if err != nil {
		return nil, err
	}
	return &PVEndpointCostParams{EndpointCostParams: *req, ANEPropertyNames: names}, nil
}

// decodeANEPropertyNames returns the "ane-property-names" list without
// repeated names, in request order. An absent list is an empty one (RFC
// 9275, Section 7.2.3), and each name must be an entity property name of
// RFC 9240, Section 5.2.2. A list of more than limit distinct names is
// rejected before its names are decoded; limit <= 0 means no limit.
func decodeANEPropertyNames(body []byte, limit int) ([]string, error) {
	o, err := decodeObject(body)
	if err != nil {
		return nil, err
	}
	if err := o.checkLength("ane-property-names", limit); err != nil {
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
	names = dedupe(names)
	if limit > 0 && len(names) > limit {
		// Only a list whose names use JSON escapes gets here: the
		// byte scan of checkLength cannot compare those.
		return nil, NewTooMany("ane-property-names", len(names), limit)
	}
	return names, nil
}
