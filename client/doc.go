// Package client is an ALTO client, RFC 7285, over net/http.
//
// A Client starts from the URI of a root information resource directory
// (IRD). It fetches that IRD, follows the secondary directories it lists
// (RFC 7285, Section 9.2.4) and merges their resources into one
// directory. Callers then look resources up by media type, cost type or
// resource ID without knowing which IRD lists them.
//
// Every request sends an Accept header with the expected media type and
// application/alto-error+json, and every response is checked against the
// expected media type (RFC 7285, Section 8.3.4.2). An ALTO error response
// is returned as an *alto.Error whose Status field is the HTTP status.
// GET responses are cached by ETag and revalidated with If-None-Match.
//
// The client reads responses that deviate from RFC 7285 in ways seen in
// deployed servers, such as costs sent as JSON strings or endpoint keys
// without address type, and reports each deviation as a Warning (see
// WithWarningHandler). LocalCostMap computes endpoint costs from maps
// held in memory. WithHTTP3 sends requests over HTTP/3. LoadTLSConfig,
// WithTLSConfig, WithBasicAuth, WithBearerToken and WithDigestAuth reach
// servers that use a private CA or authenticate their clients.
//
// FilteredMultiCostMap and EndpointMultiCost send multi-cost requests
// (RFC 8189), and FilteredCostMapCalendar and EndpointCostCalendar send
// calendared requests (RFC 8896). Each picks a resource whose
// capabilities allow the request.
package client
