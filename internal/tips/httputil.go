package tips

import (
	"net/http"
	"strings"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/server"
)

// writeStatus writes an application/alto-error+json response with an
// HTTP status of RFC 9569, Sections 6.2, 7.2 and 7.4.2. RFC 7285 defines
// no ALTO error code for a missing view or an edge out of range. So the
// code is E_INVALID_FIELD_VALUE, the message states what failed, and
// clients act on the HTTP status. Caches must not store the response,
// because the same URI may succeed later.
func writeStatus(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Cache-Control", "no-store")
	server.WriteError(w, &alto.Error{Code: alto.ErrInvalidFieldValue, Status: status, Message: msg})
}

// writeViewNotFound writes the 404 of a view that does not exist or that
// the server closed (RFC 9569, Sections 4.1 and 7.2).
func writeViewNotFound(w http.ResponseWriter) {
	writeStatus(w, http.StatusNotFound,
		"no such TIPS view: it does not exist or the server closed it; open a new view with a POST to the TIPS resource")
}

// etagMatch reports whether an If-None-Match value matches an entity
// tag, with the weak comparison of RFC 9110, Section 13.1.2.
func etagMatch(header, etag string) bool {
	if header == "" {
		return false
	}
	etag = strings.TrimPrefix(etag, "W/")
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}
