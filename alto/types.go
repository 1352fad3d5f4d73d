package alto

import (
	"net/netip"
)

// Cost modes of RFC 7285, Section 10.5, as registered in the ALTO Cost
// Mode registry of RFC 9274.
const (
	CostModeNumerical = "numerical"
	CostModeOrdinal   = "ordinal"
)

// Cost metrics of RFC 7285, Section 10.6, and RFC 9439.
const (
	CostMetricRoutingCost = "routingcost"
	CostMetricHopCount    = "hopcount"
)

// Address types of RFC 7285, Section 10.4.2.
const (
	AddressTypeIPv4 = "ipv4"
	AddressTypeIPv6 = "ipv6"
)

// CostType is a cost metric in a cost mode, RFC 7285, Section 10.7.
type CostType struct {
	Mode   string `json:"cost-mode" yaml:"cost-mode"`
	Metric string `json:"cost-metric" yaml:"cost-metric"`
	// Context is the RFC 9439 cost context; nil for the cost types of
	// RFC 7285, which then encode as before.
	Context     *CostContext `json:"cost-context,omitempty" yaml:"cost-context,omitempty"`
	Description string       `json:"description,omitempty" yaml:"description,omitempty"`
}

// Equal reports whether c and o name the same metric and mode. The
// description is ignored, as RFC 7285, Section 11.3.2.3 requires, and so
// is the cost context, which RFC 9439, Section 3.1 does not use as a key.
func (c CostType) Equal(o CostType) bool {
	return c.Mode == o.Mode && c.Metric == o.Metric
}

// VersionTag identifies one version of an information resource, RFC 7285,
// Section 10.3.
type VersionTag struct {
	ResourceID string `json:"resource-id"`
	Tag        string `json:"tag"`
}

// ResponseMeta is the "meta" field of a response, RFC 7285, Section 8.4.1
// and the Response subsections of Section 11.
type ResponseMeta struct {
	VTag           *VersionTag  `json:"vtag,omitempty"`
	DependentVTags []VersionTag `json:"dependent-vtags,omitempty"`
	CostType       *CostType    `json:"cost-type,omitempty"`
}

// EndpointAddrGroup maps an address type to prefixes, RFC 7285,
// Section 10.4.5.
type EndpointAddrGroup map[string][]netip.Prefix

// NetworkMap is an InfoResourceNetworkMap, RFC 7285, Section 11.2.1.6.
type NetworkMap struct {
	Meta       ResponseMeta                 `json:"meta"`
	NetworkMap map[string]EndpointAddrGroup `json:"network-map"`
}

// CostMap is an InfoResourceCostMap, RFC 7285, Section 11.2.3.6. Costs
// are JSON numbers in both cost modes.
type CostMap struct {
	Meta    ResponseMeta                  `json:"meta"`
	CostMap map[string]map[string]float64 `json:"cost-map"`
}

// EndpointPropertyMap is an InfoResourceEndpointProperties, RFC 7285,
// Section 11.4.1.6.
type EndpointPropertyMap struct {
	Meta               ResponseMeta                 `json:"meta"`
	EndpointProperties map[string]map[string]string `json:"endpoint-properties"`
}

// EndpointCostMap is an InfoResourceEndpointCostMap, RFC 7285,
// Section 11.5.1.6.
type EndpointCostMap struct {
	Meta            ResponseMeta                  `json:"meta"`
	EndpointCostMap map[string]map[string]float64 `json:"endpoint-cost-map"`
}

// Directory is an information resource directory, RFC 7285, Section 9.2.
type Directory struct {
	Meta      DirectoryMeta            `json:"meta"`
	Resources map[string]ResourceEntry `json:"resources"`
}

// DirectoryMeta is the "meta" field of a directory, RFC 7285,
// Section 9.2.2.
type DirectoryMeta struct {
	CostTypes         map[string]CostType `json:"cost-types,omitempty"`
	DefaultNetworkMap string              `json:"default-alto-network-map,omitempty"`
}

// ResourceEntry is an IRDResourceEntry, RFC 7285, Section 9.2.2.
type ResourceEntry struct {
	URI          string        `json:"uri"`
	MediaType    string        `json:"media-type"`
	Accepts      string        `json:"accepts,omitempty"`
	Capabilities *Capabilities `json:"capabilities,omitempty"`
	Uses         []string      `json:"uses,omitempty"`
}

// Capabilities is the "capabilities" member of a directory entry. It
// covers the RFC 7285 services (Sections 11.2.3.4, 11.3.2.4, 11.4.1.4
// and 11.5.1.4), the update stream service (RFC 8895, Section 6.3), TIPS
// (RFC 9569, Section 5.2), property maps (RFC 9240, Section 7.4) and the
// other extensions named at each field.
type Capabilities struct {
	CostConstraints bool     `json:"cost-constraints,omitempty"`
	CostTypeNames   []string `json:"cost-type-names,omitempty"`
	// MaxCostTypes is the max number of cost types of one multi-cost
	// request, and TestableCostTypeNames the cost types that constraints
	// may test when not all can be (RFC 8189, Section 4.1.1).
	MaxCostTypes          int      `json:"max-cost-types,omitempty"`
	TestableCostTypeNames []string `json:"testable-cost-type-names,omitempty"`
	// CalendarAttributes lists the cost calendars of a filtered cost map
	// or endpoint cost resource (RFC 8896, Section 4.1).
	CalendarAttributes []CalendarAttributes `json:"calendar-attributes,omitempty"`

	PropTypes []string `json:"prop-types,omitempty"`
	// Mappings maps each entity domain name of a property map to the
	// entity properties it offers there (RFC 9240, Section 7.4).
	Mappings map[string][]string `json:"mappings,omitempty"`
	// IncrementalChangeMediaTypes maps a resource ID to the patch media
	// types, separated by commas, used for its incremental changes.
	IncrementalChangeMediaTypes map[string]string `json:"incremental-change-media-types,omitempty"`
	SupportStreamControl        bool              `json:"support-stream-control,omitempty"`
	// ANEPropertyNames are the ANE properties that a path vector resource
	// returns (RFC 9275, Section 7.2.4).
	ANEPropertyNames []string `json:"ane-property-names,omitempty"`
}
