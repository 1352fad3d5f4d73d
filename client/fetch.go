package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/goalto/goalto/alto"
)

// excerptSize is the maximum number of body bytes quoted in an HTTPError.
const excerptSize = 200

// ErrUnexpectedMediaType is wrapped by the error for a successful
// response whose Content-Type is not the expected media type.
var ErrUnexpectedMediaType = errors.New("unexpected media type")

// HTTPError is a response with a non-2xx status that is not an ALTO
// error object.
type HTTPError struct {
	Method      string
	URL         string
	StatusCode  int
	Status      string // status line text, such as "503 Service Unavailable"
	ContentType string
	Excerpt     string // start of the body, control characters removed
	// Challenges contains the WWW-Authenticate values of the response,
	// which a 401 response has (RFC 9110, Section 11.6.1).
	Challenges []string
}

// Error formats the status and the body excerpt.
func (e *HTTPError) Error() string {
	s := fmt.Sprintf("%s %s: HTTP %s", e.Method, e.URL, e.Status)
	if e.Excerpt != "" {
		s += ": " + e.Excerpt
	}
	return s
}

// Response is a successful ALTO response.
type Response struct {
	URL       string // URL of the final request, after redirects
	MediaType string // media type of the Content-Type header, without parameters
	// Body is the JSON body. It may be shared with the client's ETag
	// cache, so callers must not modify it.
	Body []byte
	ETag string
	// Cached is true when the server returned 304 Not Modified and Body
	// is the cached body of an earlier response.
	Cached bool
}

// Decode unmarshals the JSON body into v.
func (r *Response) Decode(v any) error {
	if err := json.Unmarshal(r.Body, v); err != nil {
		return fmt.Errorf("decode %s from %s: %w", r.MediaType, r.URL, err)
	}
	return nil
}

type cacheEntry struct {
	etag      string
	mediaType string
	body      []byte
}

// Fetch reads a resource: with GET when its IRD entry has no "accepts"
// field, and otherwise with POST and params as the request body. Params
// is ignored for a GET resource.
func (c *Client) Fetch(ctx context.Context, r Resource, params any) (*Response, error) {
	if r.Accepts == "" {
		return c.Get(ctx, r)
	}
	return c.Post(ctx, r, params)
}

// Get fetches a resource that is read with GET, one whose IRD entry has
// no "accepts" field (RFC 7285, Section 9.2.2).
func (c *Client) Get(ctx context.Context, r Resource) (*Response, error) {
	if r.Accepts != "" {
		return nil, fmt.Errorf("resource %q accepts %s input and must be read with POST", r.ID, r.Accepts)
	}
	return c.get(ctx, r.URI, r.MediaType)
}

// Post sends params, encoded as JSON with the resource's "accepts" media
// type, to a resource that is read with POST (RFC 7285, Section 8.3.2).
func (c *Client) Post(ctx context.Context, r Resource, params any) (*Response, error) {
	if r.Accepts == "" {
		return nil, fmt.Errorf("resource %q takes no input and must be read with GET", r.ID)
	}
	body, err := json.Marshal(params)
	if err != nil {
		return nil, fmt.Errorf("encode %s request: %w", r.Accepts, err)
	}
	req, err := c.newRequest(ctx, http.MethodPost, r.URI, r.MediaType, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", r.Accepts)
	return c.do(req, r.MediaType)
}

// get sends a GET request with If-None-Match when a cached response for
// the URL has an ETag, and reuses the cached body on 304 Not Modified.
func (c *Client) get(ctx context.Context, rawURL, mediaType string) (*Response, error) {
	req, err := c.newRequest(ctx, http.MethodGet, rawURL, mediaType, nil)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	cached, ok := c.cache[rawURL]
	c.mu.Unlock()
	if ok {
		req.Header.Set("If-None-Match", cached.etag)
	}
	resp, err := c.do(req, mediaType)
	var nm *notModified
	switch {
	case errors.As(err, &nm) && ok:
		return &Response{URL: nm.url, MediaType: cached.mediaType, Body: cached.body, ETag: cached.etag, Cached: true}, nil
	case errors.As(err, &nm):
		return nil, fmt.Errorf("GET %s: HTTP 304 Not Modified to a request without If-None-Match", rawURL)
	case err != nil:
		return nil, err
	}
	c.store(rawURL, resp)
	return resp, nil
}

// store caches a GET response that has an ETag, and drops the cached
// entry of a response without one.
func (c *Client) store(rawURL string, resp *Response) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if resp.ETag == "" {
		delete(c.cache, rawURL)
		return
	}
	c.cache[rawURL] = cacheEntry{etag: resp.ETag, mediaType: resp.MediaType, body: resp.Body}
}

func (c *Client) newRequest(ctx context.Context, method, rawURL, mediaType string, body io.Reader) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, rawURL, body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, rawURL, err)
	}
	req.Header.Set("Accept", mediaType+","+alto.MediaTypeError)
	req.Header.Set("User-Agent", c.userAgent)
	return req, nil
}

// notModified is the internal result of a 304 response.
type notModified struct{ url string }

func (e *notModified) Error() string { return "HTTP 304 Not Modified from " + e.url }

// do sends the request and checks the status and the media type of the
// response. An ALTO error body becomes an *alto.Error with the HTTP
// status, whatever that status is.
func (c *Client) do(req *http.Request, mediaType string) (*Response, error) {
	resp, err := c.httpClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()

	finalURL := resp.Request.URL.String()
	if resp.StatusCode == http.StatusNotModified {
		return nil, &notModified{url: finalURL}
	}
	body, err := c.readBody(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: read response: %w", req.Method, finalURL, err)
	}
	got := responseMediaType(resp.Header.Get("Content-Type"))
	if got == alto.MediaTypeError {
		return nil, decodeALTOError(req.Method, finalURL, resp, body)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, newHTTPError(req.Method, finalURL, resp, body)
	}
	if got != mediaType {
		return nil, fmt.Errorf("%s %s: %w %q, want %q", req.Method, finalURL, ErrUnexpectedMediaType, got, mediaType)
	}
	return &Response{URL: finalURL, MediaType: got, Body: body, ETag: resp.Header.Get("ETag")}, nil
}

func (c *Client) readBody(r io.Reader) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r, c.maxBodySize+1))
	if err != nil {
		return nil, err
	}
	if int64(len(body)) > c.maxBodySize {
		return nil, fmt.Errorf("body larger than %d bytes (see WithMaxBodySize)", c.maxBodySize)
	}
	return body, nil
}

// responseMediaType returns the lower-case media type of a Content-Type
// header without its parameters, or "" when the header is missing or
// malformed.
func responseMediaType(contentType string) string {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return ""
	}
	return mt
}

func decodeALTOError(method, url string, resp *http.Response, body []byte) error {
	var e alto.Error
	if err := json.Unmarshal(body, &e); err != nil {
		herr := newHTTPError(method, url, resp, body)
		return fmt.Errorf("invalid %s body: %w (%w)", alto.MediaTypeError, err, herr)
	}
	e.Status = resp.StatusCode
	return &e
}

func newHTTPError(method, url string, resp *http.Response, body []byte) *HTTPError {
	return &HTTPError{
		Method:      method,
		URL:         url,
		StatusCode:  resp.StatusCode,
		Status:      resp.Status,
		ContentType: resp.Header.Get("Content-Type"),
		Excerpt:     excerpt(body, excerptSize),
		Challenges:  resp.Header.Values("WWW-Authenticate"),
	}
}

// excerpt returns the first max bytes of body as one line of text, with
// runs of white space and control characters shown as one space.
func excerpt(body []byte, max int) string {
	cut := len(body) > max
	if cut {
		body = body[:max]
	}
	valid := strings.ToValidUTF8(string(body), string(utf8.RuneError))
	text := strings.Join(strings.FieldsFunc(valid, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r)
	}), " ")
	if cut {
		text += "..."
	}
	return text
}
