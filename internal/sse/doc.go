// Package sse serves ALTO incremental updates over server-sent events,
// RFC 8895: the update stream service (Section 6) and the stream control
// service (Section 7).
//
// A client opens an update stream with a POST of an UpdateStreamReq
// (Section 6.5) to a resource of type "update-stream". The response is a
// text/event-stream that starts with a control update message carrying
// the stream's control URI (Section 6.7.1). Then, for each substream,
// the stream sends a full replacement, unless the client's tag names the
// current version, followed by incremental changes as the resource
// changes. Each data update message has the event field
// "<media-type>,<substream-id>" (Section 5.2). The client adds and
// removes substreams with POST requests to the control URI.
//
// # Reading the update engine
//
// Each stream is served by the goroutine of its POST request. The
// goroutine waits for the update engine ([updates.Engine.Wait]) and then
// reads each substream's [updates.Graph] from the version the client
// holds, so nothing is queued per client. A client that falls behind
// gets the patch from its version to the latest (a shortcut edge). When
// the engine no longer keeps the body of its version, it gets one
// version's patch at a time while those are smaller than a full body.
// When the engine no longer keeps its version, it gets a full
// replacement.
//
// The versions that a stream sends all belong to the snapshot that the
// server handler publishes, which it does before the engine publishes
// the same snapshot. A stream that finds a version of that snapshot
// still missing from the engine waits for the engine to finish. This way
// a cost map update never comes before the update of the network map it
// depends on (RFC 8895, Section 6.7.1).
//
// # POST-mode resources
//
// The update engine follows the resources that a snapshot serves by GET.
// An update stream may also offer POST-mode resources, such as a filtered
// CDNI advertisement or a path vector service, whose substreams carry the
// request in "input" (RFC 8895, Section 6.5). The stream computes the
// response to the input through the server handler (see [Evaluator]),
// once when the substream is added, which also validates the input, and
// again for each new snapshot, and sends the patch from the previous
// response. A multipart/related response gets one update per changed
// part, with the data-id "<substream-id>.<content-id>" (Section 6.7.3).
// Each substream evaluates with its own name key, so the ephemeral names
// of a response, such as ANE names, stay the same within the substream.
package sse
