package conformance

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/goalto/goalto/alto"
)

// maxBodyBytes is the largest response body a check reads.
const maxBodyBytes = 64 << 20

// excerptBytes is how much of a body a failure reason quotes.
const excerptBytes = 160

// session is the state of one run: the HTTP client, the discovered
// directory and the full maps fetched so far.
type session struct {
	cfg  Config
	http *http.Client
	dir  *directory

	// Parsed GET responses by resource ID, dropped when Trigger runs.
	networkMaps map[string]*networkMapResult
	costMaps    map[string]*costMapResult
}

func newSession(cfg Config) (*session, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("invalid IRD URL %q: want an absolute http or https URL such as http://127.0.0.1:8181/directory", cfg.URL)
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	if cfg.UpdateTimeout <= 0 {
		cfg.UpdateTimeout = DefaultUpdateTimeout
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if cfg.TLSConfig != nil {
		tr.TLSClientConfig = cfg.TLSConfig.Clone()
	}
	return &session{
		cfg:         cfg,
		http:        &http.Client{Transport: cfg.wrap(tr)},
		networkMaps: map[string]*networkMapResult{},
		costMaps:    map[string]*costMapResult{},
	}, nil
}

// wrap returns rt wrapped by WrapTransport, or rt without it.
func (cfg *Config) wrap(rt http.RoundTripper) http.RoundTripper {
	if cfg.WrapTransport == nil {
		return rt
	}
	return cfg.WrapTransport(rt)
}

func (s *session) close() {
	s.http.CloseIdleConnections()
}

// request is one HTTP request of a check.
type request struct {
	method      string
	url         string
	contentType string // Content-Type of the body; none when empty
	// accept is the Accept header; empty sends none.
	accept string
	body   []byte
	header map[string]string
}

// exchange is a request with its response, or the error that replaced
// the response.
type exchange struct {
	req    request
	status int
	header http.Header
	body   []byte
	proto  int // HTTP major version
	err    error
}

// get returns a GET request for a resource of the given media type,
// accepting it and ALTO errors.
func get(rawURL, mediaType string) request {
	return request{method: http.MethodGet, url: rawURL, accept: acceptWithErrors(mediaType)}
}

// post returns a POST request of a JSON body.
func post(rawURL, contentType, mediaType string, body []byte) request {
	return request{method: http.MethodPost, url: rawURL, contentType: contentType, accept: acceptWithErrors(mediaType), body: body}
}

func acceptWithErrors(mediaType string) string {
	if mediaType == "" {
		return ""
	}
	return mediaType + "," + alto.MediaTypeError
}

// do sends a request under the request timeout and reads the response.
// It does not read the body of an event stream, so that a request that
// unexpectedly opens an update stream returns at once.
func (s *session) do(ctx context.Context, rq request) *exchange {
	return s.send(ctx, s.http, rq, s.cfg.RequestTimeout)
}

// doWith is do with another HTTP client.
func (s *session) doWith(ctx context.Context, hc *http.Client, rq request) *exchange {
	return s.send(ctx, hc, rq, s.cfg.RequestTimeout)
}

// doWithTimeout is do with another timeout, for long polls.
func (s *session) doWithTimeout(ctx context.Context, rq request, timeout time.Duration) *exchange {
	return s.send(ctx, s.http, rq, timeout)
}

// send sends a request under a timeout and reads the response.
func (s *session) send(ctx context.Context, hc *http.Client, rq request, timeout time.Duration) *exchange {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	x := &exchange{req: rq}
	req, err := newHTTPRequest(ctx, rq)
	if err != nil {
		x.err = err
		return x
	}

	resp, err := hc.Do(req)
	if err != nil {
		x.err = err
		return x
	}
	defer resp.Body.Close()
	x.status, x.header, x.proto = resp.StatusCode, resp.Header, resp.ProtoMajor
	if x.mediaType() == alto.MediaTypeEventStream {
		return x // an update stream, which the caller did not expect to read
	}

	x.body, err = io.ReadAll(io.LimitReader(resp.Body, maxBodyBytes+1))
	if err == nil && len(x.body) > maxBodyBytes {
		err = fmt.Errorf("response body exceeds %d bytes", maxBodyBytes)
	}
	x.err = err
	return x
}

// newHTTPRequest builds the HTTP request of a check's request.
func newHTTPRequest(ctx context.Context, rq request) (*http.Request, error) {
	var body io.Reader = http.NoBody
	if rq.body != nil {
		body = bytes.NewReader(rq.body)
	}
	req, err := http.NewRequestWithContext(ctx, rq.method, rq.url, body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", "altoctl-check")
	if rq.contentType != "" {
		req.Header.Set("Content-Type", rq.contentType)
	}
	if rq.accept != "" {
		req.Header.Set("Accept", rq.accept)
	}
	for k, v := range rq.header {
		req.Header.Set(k, v)
	}
	return req, nil
}

// mediaType returns the media type of the Content-Type header without
// parameters, in lower case.
func (x *exchange) mediaType() string {
	mt, _, err := mime.ParseMediaType(x.header.Get("Content-Type"))
	if err != nil {
		return strings.ToLower(strings.TrimSpace(x.header.Get("Content-Type")))
	}
	return mt
}

// describeRequest formats the request as its method, path and body
// excerpt, with the header that matters for the check.
func (x *exchange) describeRequest() string {
	target := x.req.url
	if u, err := url.Parse(x.req.url); err == nil {
		target = u.RequestURI()
	}
	s := x.req.method + " " + target
	for _, h := range []string{"If-None-Match"} {
		if v, ok := x.req.header[h]; ok {
			s += fmt.Sprintf(" (%s: %s)", h, v)
		}
	}
	if x.req.contentType != "" && !strings.HasPrefix(x.req.contentType, "application/alto-") {
		s += " (Content-Type: " + x.req.contentType + ")"
	}
	if x.req.accept != "" && !strings.Contains(x.req.accept, alto.MediaTypeError) {
		s += " (Accept: " + x.req.accept + ")"
	}
	if len(x.req.body) > 0 {
		s += " " + excerpt(x.req.body)
	}
	return s
}

// describeResponse formats the status, the media type and, for an
// unexpected response, the start of the body.
func (x *exchange) describeResponse() string {
	if x.err != nil && x.status == 0 {
		return "no response: " + x.err.Error()
	}
	s := fmt.Sprintf("%d %s", x.status, x.mediaType())
	if x.mediaType() == "" {
		s = fmt.Sprintf("%d without Content-Type", x.status)
	}
	if x.err != nil {
		return s + ", then " + x.err.Error()
	}
	if len(x.body) > 0 && (x.status >= 300 || x.mediaType() != x.expectedType()) {
		s += " " + excerpt(x.body)
	}
	return s
}

// expectedType returns the first media type of the Accept header.
func (x *exchange) expectedType() string {
	first, _, _ := strings.Cut(x.req.accept, ",")
	return strings.TrimSpace(first)
}

// failure returns a failure of this exchange.
func (x *exchange) failure(expected, got string) error {
	return &failure{request: x.describeRequest(), expected: expected, got: got}
}

// failuref returns a failure whose received part is formatted.
func (x *exchange) failuref(expected, format string, args ...any) error {
	return x.failure(expected, fmt.Sprintf(format, args...))
}

// wantSuccess checks for status 200 with the media type.
func (x *exchange) wantSuccess(mediaType string) error {
	want := "200 " + mediaType
	if x.err != nil || x.status != http.StatusOK || x.mediaType() != mediaType {
		return x.failure(want, x.describeResponse())
	}
	return nil
}

// wantError checks for an ALTO error response (RFC 7285, Section 8.5):
// the status, the media type application/alto-error+json and one of
// the codes. Section 8.5.2 requires "field" whenever "value" is given.
func (x *exchange) wantError(status int, codes ...string) (*errorMeta, error) {
	want := fmt.Sprintf("%d %s with code %s", status, alto.MediaTypeError, strings.Join(codes, " or "))
	if x.err != nil || x.status != status || x.mediaType() != alto.MediaTypeError {
		return nil, x.failure(want, x.describeResponse())
	}
	meta, err := parseErrorMeta(x.body)
	if err != nil {
		return nil, x.failuref(want, "an invalid error body: %v", err)
	}
	if !slices.Contains(codes, meta.Code) {
		return nil, x.failuref(want, "code %q", meta.Code)
	}
	if meta.hasValue && !meta.hasField {
		return nil, x.failuref(`"field" with "value" (RFC 7285, Section 8.5.2)`, "value %q without field", meta.Value)
	}
	return meta, nil
}

// excerpt quotes the start of a body on one line.
func excerpt(b []byte) string {
	s := string(b)
	if len(s) > excerptBytes {
		s = s[:excerptBytes]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
		s += "…"
	}
	return strings.Join(strings.Fields(s), " ")
}
