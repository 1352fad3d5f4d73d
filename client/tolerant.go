package client

import (
	"bytes"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/goalto/goalto/alto"
)

// Rules that tolerated deviations break, quoted in warnings.
const (
	ruleTrailingSlash       = "RFC 7285, Section 9.2.2: the server provides a resource at the uri of its IRD entry"
	ruleMediaTypeParameters = "RFC 7285, Section 12: the ALTO media types have no parameters"
	ruleMediaTypeCase       = "RFC 7285, Section 12 registers the ALTO media types in lower case, though RFC 9110, Section 8.3.1 compares media types without regard to case"
)

// tolerantTransport reads responses of servers that deviate from
// RFC 7285 in known ways, reports each deviation as a Warning, and hands
// the client a response that follows the RFC.
type tolerantTransport struct {
	next    http.RoundTripper
	warn    func(Warning)
	maxBody int64 // bodies larger than this are passed on unread
}

// RoundTrip sends the request, retries it once at the URI with the
// trailing slash toggled when the server has the resource there, checks
// the Content-Type and rewrites a body that deviates from the RFC.
func (t *tolerantTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	resp = t.retryWithSlash(req, resp)
	t.checkContentType(resp)
	return t.normalize(resp)
}

// CloseIdleConnections closes the idle connections of the transport
// below, when it has a CloseIdleConnections method.
func (t *tolerantTransport) CloseIdleConnections() {
	if c, ok := t.next.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// retryWithSlash handles a server that serves a resource at its IRD URI
// with a trailing slash added or removed, as web frameworks that append
// slashes do. It returns a successful response from the other URI after
// a 404 Not Found that is not an ALTO error. After a redirect that only
// toggles the slash, it re-sends a POST that net/http would turn into a
// GET, and warns for every such redirect.
func (t *tolerantTransport) retryWithSlash(req *http.Request, resp *http.Response) *http.Response {
	var target *url.URL
	switch resp.StatusCode {
	case http.StatusNotFound:
		if lenientMediaType(resp.Header.Get("Content-Type")) == alto.MediaTypeError {
			return resp
		}
		target = toggleSlash(req.URL)
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		other := toggleSlash(req.URL)
		loc, err := req.URL.Parse(resp.Header.Get("Location"))
		if err != nil || other == nil || loc.String() != other.String() {
			return resp
		}
		if followsWithBody(req.Method, resp.StatusCode) {
			t.warnSlash(req, resp, req.URL.String(), loc.String())
			return resp
		}
		target = loc
	default:
		return resp
	}
	if target == nil {
		return resp
	}
	second := t.sendTo(req, target)
	if second == nil {
		return resp
	}
	if second.StatusCode/100 != 2 && second.StatusCode != http.StatusNotModified {
		second.Body.Close()
		return resp
	}
	t.warnSlash(req, resp, req.URL.String(), target.String())
	drainAndClose(resp.Body)
	return second
}

// followsWithBody reports whether net/http follows the redirect with the
// same method and body, so that the client reaches the resource itself.
func followsWithBody(method string, status int) bool {
	return method == http.MethodGet || method == http.MethodHead ||
		status == http.StatusTemporaryRedirect || status == http.StatusPermanentRedirect
}

func (t *tolerantTransport) warnSlash(req *http.Request, first *http.Response, from, to string) {
	t.warn(Warning{
		Resource:  from,
		Deviation: DeviationTrailingSlash,
		Detail:    fmt.Sprintf("%s %s got HTTP %d, so the client used %s", req.Method, from, first.StatusCode, to),
		Rule:      ruleTrailingSlash,
	})
}

// sendTo sends a copy of req to target, or returns nil when the body
// cannot be sent again or the request fails.
func (t *tolerantTransport) sendTo(req *http.Request, target *url.URL) *http.Response {
	retry := req.Clone(req.Context())
	retry.URL = target
	retry.Host = ""
	if req.Body != nil && req.Body != http.NoBody {
		if req.GetBody == nil {
			return nil
		}
		body, err := req.GetBody()
		if err != nil {
			return nil
		}
		retry.Body = body
	}
	resp, err := t.next.RoundTrip(retry)
	if err != nil {
		return nil
	}
	return resp
}

// toggleSlash returns u with a trailing slash removed from its path, or
// added to it. It returns nil for the root path, which has no other
// form.
func toggleSlash(u *url.URL) *url.URL {
	if u.Path == "" || u.Path == "/" {
		return nil
	}
	out := *u
	if strings.HasSuffix(u.Path, "/") {
		out.Path = strings.TrimSuffix(u.Path, "/")
	} else {
		out.Path = u.Path + "/"
	}
	out.RawPath = ""
	return &out
}

func drainAndClose(body io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(body, 4<<10))
	body.Close()
}

// checkContentType warns about an ALTO media type with parameters or in
// another case. It replaces a header that mime.ParseMediaType rejects,
// such as one with a parameter without value, by the bare media type.
func (t *tolerantTransport) checkContentType(resp *http.Response) {
	raw := resp.Header.Get("Content-Type")
	mt := lenientMediaType(raw)
	if !strings.HasPrefix(mt, "application/alto-") {
		return
	}
	resource := responseURL(resp)
	base, _, hasParams := strings.Cut(raw, ";")
	if hasParams {
		t.warn(Warning{Resource: resource, Deviation: DeviationMediaTypeParameters,
			Detail: fmt.Sprintf("Content-Type %q read as %q", raw, mt), Rule: ruleMediaTypeParameters})
	}
	if strings.TrimSpace(base) != mt {
		t.warn(Warning{Resource: resource, Deviation: DeviationMediaTypeCase,
			Detail: fmt.Sprintf("Content-Type %q read as %q", raw, mt), Rule: ruleMediaTypeCase})
	}
	if _, _, err := mime.ParseMediaType(raw); err != nil {
		resp.Header.Set("Content-Type", mt)
	}
}

// lenientMediaType returns the media type of a Content-Type header in
// lower case, without parameters, even when the parameters are
// malformed.
func lenientMediaType(contentType string) string {
	base, _, _ := strings.Cut(contentType, ";")
	return strings.ToLower(strings.TrimSpace(base))
}

// responseURL returns the URL of the request that got resp.
func responseURL(resp *http.Response) string {
	if resp.Request == nil || resp.Request.URL == nil {
		return ""
	}
	return resp.Request.URL.String()
}

// normalize reads the body of a successful response whose media type
// may carry a deviation, reports each deviation found, and replaces the
// body by one that follows the RFC. A compressed body, or one larger
// than maxBody, is passed on unread, so that the client reports it.
func (t *tolerantTransport) normalize(resp *http.Response) (*http.Response, error) {
	fix := bodyFixers[lenientMediaType(resp.Header.Get("Content-Type"))]
	if fix == nil || resp.StatusCode/100 != 2 || resp.Header.Get("Content-Encoding") != "" {
		return resp, nil
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, t.maxBody+1))
	if err != nil {
		resp.Body.Close()
		return nil, fmt.Errorf("read response: %w", err)
	}
	if int64(len(body)) > t.maxBody {
		resp.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(body), resp.Body), resp.Body}
		return resp, nil
	}
	resp.Body.Close()

	fixed, warnings := fix(body, resp.Request)
	resource := responseURL(resp)
	for _, w := range warnings {
		w.Resource = resource
		t.warn(w)
	}
	resp.Body = io.NopCloser(bytes.NewReader(fixed))
	resp.ContentLength = int64(len(fixed))
	return resp, nil
}
