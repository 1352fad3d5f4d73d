package server

import (
	"fmt"
	"mime"
	"net/http"
	"strings"

	"github.com/goalto/goalto/alto"
)

// CheckRequestBody checks the Content-Type and Content-Encoding of a
// request body. The media type must be one of mediaTypes, and a charset
// parameter, when present, must be utf-8, because ALTO messages are JSON
// text in UTF-8 (RFC 8259, Section 8.1). A content coding other than
// identity is rejected, since the server decodes none (RFC 9110, Section
// 8.4.1). On failure it writes 415 Unsupported Media Type with a
// plain-text message (RFC 9110, Section 15.5.16) and returns false.
func CheckRequestBody(w http.ResponseWriter, r *http.Request, mediaTypes ...string) bool {
	if coding := contentCoding(r.Header.Values("Content-Encoding")); coding != "" {
		// RFC 9110, Section 15.5.16: Accept-Encoding names the codings
		// that the request could have used.
		w.Header().Set("Accept-Encoding", "identity")
		plainError(w, http.StatusUnsupportedMediaType, fmt.Sprintf(
			"Content-Encoding %q is not supported; send the request body uncompressed, without Content-Encoding",
			alto.Truncate(coding, alto.MaxEchoBytes)))
		return false
	}
	ct, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || !oneOf(ct, mediaTypes) {
		plainError(w, http.StatusUnsupportedMediaType, "the request body must be "+mediaTypes[0])
		return false
	}
	if cs, ok := params["charset"]; ok && !strings.EqualFold(cs, "utf-8") {
		plainError(w, http.StatusUnsupportedMediaType, fmt.Sprintf(
			"charset %q is not supported: ALTO messages are JSON in UTF-8 (RFC 8259, Section 8.1); send charset=utf-8 or no charset",
			alto.Truncate(cs, alto.MaxEchoBytes)))
		return false
	}
	return true
}

// contentCoding returns the first content coding of Content-Encoding
// header values other than identity, or "" when there is none.
func contentCoding(values []string) string {
	for _, v := range values {
		for _, coding := range strings.Split(v, ",") {
			coding = strings.TrimSpace(coding)
			if coding != "" && !strings.EqualFold(coding, "identity") {
				return coding
			}
		}
	}
	return ""
}

// oneOf reports whether a media type is one of want, ignoring case.
func oneOf(mediaType string, want []string) bool {
	for _, m := range want {
		if strings.EqualFold(mediaType, m) {
			return true
		}
	}
	return false
}
