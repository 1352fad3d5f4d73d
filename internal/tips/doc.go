// Package tips serves the ALTO Transport Information Publication Service
// (TIPS) of RFC 9569. A client opens a TIPS view of a resource. It then
// pulls the snapshots and incremental updates of the resource's updates
// graph, one HTTP request per edge, over HTTP/1.1, HTTP/2 or HTTP/3. The
// updates graphs come from the update engine of package updates, which
// the daemon feeds with every published snapshot.
//
// # URIs
//
// A resource of type "tips" (the TIPS frontend) takes a POST of
// application/alto-tipsparams+json and opens a view (Section 6). Views
// live under Config.ViewPrefix, "/tips/views/" by default:
//
//	<ViewPrefix><resource-id>/<token>                 the tips-view-uri
//	<ViewPrefix><resource-id>/<token>/ug/<i>/<j>      GET: update item from version i to j
//	<ViewPrefix><resource-id>/<token>/ug              POST: next edge recommendation (Section 7.4)
//
// The token is 128 random bits in base32, chosen when the view opens.
// The open response gives the view URI as an absolute URI, under the
// definition's base-url when it has one and else at the scheme and Host
// of the open request.
//
// # View sharing and lifetime
//
// All clients of a resource share one view (the second option of RFC
// 9569, Section 8.3), so the view URI depends only on the resource and
// the token. A view of a POST-mode resource is shared by the clients
// that send the same input. A view stays open while a TIPS resource of
// the published snapshot offers its resource and the engine keeps the
// same updates graph for it. It also needs a request or a pending long
// poll within Config.ViewIdleTimeout (10 minutes by default). Once it closes,
// requests for the view's URIs get 404 and the next open request creates
// a view with a new token (RFC 9569, Section 4.1 allows a server to
// close a view at any time).
//
// The service counts, per client IP address, the views that the client
// holds references to. An open request creates or refreshes the
// client's reference, and so does each request to the view's URIs. RFC
// 9569 defines no request to close a view, so the reference ends when
// the view closes or when the client has sent no request to the view for
// ViewIdleTimeout.
//
// # Update items and status codes
//
// GET <tips-view-uri>/ug/<i>/<j> serves the item of Graph.Edge: the full
// resource (in its own media type) for i = 0, else a JSON merge patch or
// JSON patch. Items never change, so they carry Cache-Control
// "max-age=31536000, immutable" and a weak ETag W/"<i>-<j>". Errors are
// application/alto-error+json, with the statuses of Section 7.2:
//
//   - 404: the view does not exist or was closed, i >= j, or the graph
//     does not offer the edge (a snapshot or shortcut whose full body is
//     no longer kept);
//   - 410: i (other than 0) or j is below start-seq;
//   - 415: the Accept header excludes the item's media type;
//   - 425: j is beyond the long polling window, or a long poll timed out;
//   - 429: a long poll would exceed a limit; Retry-After is set;
//   - 503: the server is shutting down while a long poll waits.
//
// A path under ViewPrefix that names no update item and no next edge
// service gets 404 in plain text, as unknown paths do elsewhere. One
// such path is the view URI itself, because RFC 9569 defines no request
// on it, DELETE included. Another is an item path whose i or j is not a
// decimal integer from 0 to 2^64-1 without sign or leading zeros.
//
// # Long polling
//
// A request for edge end-seq to end-seq+1, or for the snapshot 0 to
// end-seq+1, waits until that version is published (Section 7.2) and
// then gets the item. Every other edge beyond end-seq gets 425 at once.
// A wait ends after Config.LongPollTimeout with 425 and "Retry-After: 0",
// and the client sends the same request again. The default of 30 seconds
// stays below the 60-second default proxy_read_timeout of nginx, so a
// reverse proxy with default settings does not cut long polls.
// When the *http.Server that carries the request shuts down, pending long
// polls get 503 at once, so they do not hold up the shutdown. HTTP/3
// requests have no such hook and end at their timeout or when the
// shutdown deadline closes the connections.
//
// # Limits
//
// Each pending long poll holds a goroutine and an open request. The
// defaults bound them: DefaultMaxWaiters (4096) in total and
// DefaultMaxWaitersPerView (1024) per view, so that clients of one
// resource cannot take every slot. A request beyond a limit gets 429
// with "Retry-After: 1". DefaultMaxViews (1024) bounds the open views,
// and an open request that would create one more gets 429 with
// "Retry-After: 30". DefaultMaxViewsPerClient (16) bounds the views that
// one client IP address holds references to, because a client can
// create views at will with distinct inputs of a POST-mode resource. An
// open request over it gets 429 with a Retry-After of the seconds until
// the client's least recently used reference ends. RFC 9569, Sections
// 6.2, 7.2 and 9.1 recommend 429 (Too Many Requests) for these limits.
// The view limits are counted in alto_server_rejected_requests_total
// with reason "tips_views" and logged at most once per 10 seconds.
//
// # Open requests
//
// The "resource-id" must be in the "uses" of the TIPS resource, else
// the response is E_INVALID_FIELD_VALUE for field "resource-id"; a missing
// one is E_MISSING_FIELD. A request with "input" for a GET-mode resource
// gets E_INVALID_FIELD_VALUE for field "input". A POST-mode resource in
// "uses" needs "input": its view follows the response to that input,
// which the service computes for each served snapshot and publishes to
// a graph of the view's own (see derived.go). The optional "tag" is the
// vtag of a network map, or the entity tag without quotes of a cost map
// GET response; a tag of a version that the graph keeps gets the edge
// that Graph.RecommendEdge chooses from that version, and any other tag
// gets the edge of the latest snapshot.
package tips
