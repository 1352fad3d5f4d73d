package client

import (
	"log/slog"
)

// Deviation names a way in which a server's response breaks RFC 7285
// but can still be read.
type Deviation string

// Deviations that the client tolerates.
const (
	// DeviationUntypedEndpoint is an endpoint address without its
	// address type, such as "192.0.2.1" for "ipv4:192.0.2.1", as a key
	// of an endpoint cost or endpoint property response. The client
	// reads it as the typed address that the request spelled for the
	// same address, or else adds the address type.
	DeviationUntypedEndpoint Deviation = "endpoint address without address type"
	// DeviationStringCost is a cost sent as a JSON string, such as "5",
	// in a cost map or an endpoint cost response. The client reads the
	// number in the string.
	DeviationStringCost Deviation = "cost as a JSON string"
	// DeviationMissingVTag is a network map without "vtag" in its
	// "meta". The client reads the map, but cannot check that cost maps
	// depend on this version of it.
	DeviationMissingVTag Deviation = "network map without vtag"
	// DeviationMissingDependentVTags is a cost map without
	// "dependent-vtags" in its "meta". The client reads the map, but
	// cannot check which network map version its PIDs belong to.
	DeviationMissingDependentVTags Deviation = "cost map without dependent-vtags"
	// DeviationMediaTypeParameters is a Content-Type with parameters,
	// such as "; charset=UTF-8", on an ALTO media type, which has none.
	// The client ignores the parameters.
	DeviationMediaTypeParameters Deviation = "media type with parameters"
	// DeviationMediaTypeCase is an ALTO media type in a Content-Type
	// that is not in lower case. Media types match without regard to
	// case, so the client reads it as the lower-case type.
	DeviationMediaTypeCase Deviation = "media type not in lower case"
	// DeviationTrailingSlash is a resource that the server serves at its
	// IRD URI with a trailing slash added or removed. The client sends
	// the request again to the other URI.
	DeviationTrailingSlash Deviation = "resource URI differs by a trailing slash"
)

// Warning reports a deviation from RFC 7285 that the client tolerated
// in a response.
type Warning struct {
	// Resource is the URI of the request that got the response.
	Resource string
	// Deviation names what the client tolerated.
	Deviation Deviation
	// Detail shows one occurrence as sent and as read, and how many
	// there were in the response.
	Detail string
	// Rule is the rule that the response breaks, such as "RFC 7285,
	// Section 11.2.1.6: the meta of a network map MUST include vtag".
	Rule string
}

// String formats the warning on one line.
func (w Warning) String() string {
	s := w.Resource + ": " + string(w.Deviation)
	if w.Detail != "" {
		s += ": " + w.Detail
	}
	return s + " (" + w.Rule + ")"
}

// WithWarningHandler sets the function that receives a Warning for each
// response deviation that the client tolerated. It may be called from
// several goroutines at once. A nil handler discards warnings. Without
// this option, the client logs each deviation once per resource URI
// with slog.Default at level Warn.
func WithWarningHandler(handle func(Warning)) Option {
	return func(c *Client) {
		if handle == nil {
			handle = func(Warning) {}
		}
		c.ext.warn = handle
	}
}

// warningKey identifies a deviation of one resource for logging once.
type warningKey struct {
	resource  string
	deviation Deviation
}

// warning passes w to the handler of WithWarningHandler, or logs it
// unless the same deviation of the same resource was logged before.
func (c *Client) warning(w Warning) {
	if c.ext.warn != nil {
		c.ext.warn(w)
		return
	}
	key := warningKey{w.Resource, w.Deviation}
	c.ext.mu.Lock()
	if c.ext.logged == nil {
		c.ext.logged = make(map[warningKey]bool)
	}
	seen := c.ext.logged[key]
	c.ext.logged[key] = true
	c.ext.mu.Unlock()
	if !seen {
		slog.Warn("ALTO response deviates from the RFC; the client read it anyway",
			"resource", w.Resource, "deviation", string(w.Deviation), "detail", w.Detail, "rule", w.Rule)
	}
}
