package alto

// Media types of RFC 7285, Section 12 (IANA registrations), used in the
// Content-Type and Accept headers and in the "media-type" and "accepts"
// fields of an information resource directory.
const (
	MediaTypeDirectory          = "application/alto-directory+json"
	MediaTypeNetworkMap         = "application/alto-networkmap+json"
	MediaTypeNetworkMapFilter   = "application/alto-networkmapfilter+json"
	MediaTypeCostMap            = "application/alto-costmap+json"
	MediaTypeCostMapFilter      = "application/alto-costmapfilter+json"
	MediaTypeEndpointProp       = "application/alto-endpointprop+json"
	MediaTypeEndpointPropParams = "application/alto-endpointpropparams+json"
	MediaTypeEndpointCost       = "application/alto-endpointcost+json"
	MediaTypeEndpointCostParams = "application/alto-endpointcostparams+json"
	MediaTypeError              = "application/alto-error+json"
)
