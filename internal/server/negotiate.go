package server

import (
	"compress/gzip"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/netdef"
	"github.com/goalto/goalto/internal/snapshot"
)

// Acceptable reports whether the Accept header values allow mediaType
// (RFC 9110, Section 12.5.1). No Accept header accepts everything, a
// range with q=0 excludes, and the most specific matching range decides.
// When mediaType has a "type" parameter, as the multipart/related
// responses of RFC 9275, Section 5.3.1 do, a range with another "type"
// does not match, while a range without one does.
func Acceptable(values []string, mediaType string) bool {
	if len(values) == 0 {
		return true
	}
	mediaType, rootType := splitTypeParameter(mediaType)
	typ, _, _ := strings.Cut(mediaType, "/")
	best := -1.0
	bestSpecificity := -1
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			mr, params, err := mime.ParseMediaType(part)
			if err != nil && !errors.Is(err, mime.ErrInvalidMediaParameter) {
				continue
			}
			// A parameter that is not a valid token, such as the unquoted
			// "type=application/alto-costmap+json" that RFC 9275's
			// examples send, leaves the media type itself usable.
			specificity := -1
			switch {
			case strings.EqualFold(mr, mediaType):
				specificity = 2
				if _, t := splitTypeParameter(part); rootType != "" && t != "" {
					if !strings.EqualFold(t, rootType) {
						continue
					}
					specificity = 3
				}
			case strings.EqualFold(mr, typ+"/*"):
				specificity = 1
			case mr == "*/*":
				specificity = 0
			}
			if specificity < bestSpecificity || specificity < 0 {
				continue
			}
			q := 1.0
			if qs, ok := params["q"]; ok {
				if f, err := strconv.ParseFloat(qs, 64); err == nil {
					q = f
				}
			}
			best, bestSpecificity = q, specificity
		}
	}
	return best > 0
}

// negotiatedMediaType returns the media type that an Accept header must
// allow for a resource: for a path vector resource, multipart/related
// with the "type" of its root part (RFC 9275, Section 5.3.1).
func negotiatedMediaType(res *snapshot.Resource) string {
	switch res.Type {
	case netdef.TypePathVectorCostMap:
		return alto.PathVectorMediaType(alto.MediaTypeCostMap)
	case netdef.TypePathVectorEndpointCost:
		return alto.PathVectorMediaType(alto.MediaTypeEndpointCost)
	}
	return res.MediaType
}

// splitTypeParameter returns the media type without parameters and the
// value of its "type" parameter, quoted or not, or "" without one.
// mime.ParseMediaType rejects the unquoted form that RFC 9275 uses in
// its examples, such as "multipart/related;type=application/alto-costmap+json".
func splitTypeParameter(mediaType string) (base, rootType string) {
	base, params, _ := strings.Cut(mediaType, ";")
	for _, param := range strings.Split(params, ";") {
		name, value, ok := strings.Cut(param, "=")
		if ok && strings.EqualFold(strings.TrimSpace(name), "type") {
			rootType = strings.Trim(strings.TrimSpace(value), `"`)
		}
	}
	return strings.TrimSpace(base), rootType
}

// acceptsGzip reports whether Accept-Encoding allows gzip.
func acceptsGzip(values []string) bool {
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			if !strings.EqualFold(strings.TrimSpace(coding), "gzip") {
				continue
			}
			if q, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
				f, err := strconv.ParseFloat(q, 64)
				return err == nil && f > 0
			}
			return true
		}
	}
	return false
}

// etagMatch reports whether an If-None-Match value matches an entity tag,
// with the weak comparison of RFC 9110, Section 13.1.2.
func etagMatch(header, etag string) bool {
	if header == "" {
		return false
	}
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == etag {
			return true
		}
	}
	return false
}

// gzipThreshold is the smallest response body worth compressing.
const gzipThreshold = 1024

var gzipWriters = sync.Pool{New: func() any {
	zw, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed)
	return zw
}}

// WriteBody writes a computed response body with status 200, compressed
// when the client accepts gzip and the body is large enough to gain from
// it; for services.
func WriteBody(w http.ResponseWriter, r *http.Request, mediaType string, body []byte) {
	writeBody(w, r, mediaType, body)
}

// writeBody writes a computed response, compressed when the client
// accepts gzip and the body is large enough to gain from it.
func writeBody(w http.ResponseWriter, r *http.Request, mediaType string, body []byte) {
	hdr := w.Header()
	hdr.Set("Content-Type", mediaType)
	hdr.Set("Vary", "Accept-Encoding")
	if len(body) < gzipThreshold || !acceptsGzip(r.Header.Values("Accept-Encoding")) {
		hdr.Set("Content-Length", fmt.Sprint(len(body)))
		w.WriteHeader(http.StatusOK)
		w.Write(body)
		return
	}
	hdr.Set("Content-Encoding", "gzip")
	w.WriteHeader(http.StatusOK)
	zw := gzipWriters.Get().(*gzip.Writer)
	zw.Reset(w)
	zw.Write(body)
	zw.Close()
	gzipWriters.Put(zw)
}
