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

// Media types of incremental updates: the update stream service of
// RFC 8895, Section 10, TIPS of RFC 9569, Section 10, and the patch
// formats of RFC 7396 and RFC 6902.
const (
	MediaTypeEventStream         = "text/event-stream"
	MediaTypeUpdateStreamParams  = "application/alto-updatestreamparams+json"
	MediaTypeUpdateStreamControl = "application/alto-updatestreamcontrol+json"
	MediaTypeTIPS                = "application/alto-tips+json"
	MediaTypeTIPSParams          = "application/alto-tipsparams+json"
	MediaTypeMergePatch          = "application/merge-patch+json"
	MediaTypeJSONPatch           = "application/json-patch+json"
)
