package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/client"
)

// maxMapBytes bounds a map that lint or diff reads from a file or URL.
const maxMapBytes = 512 << 20

// isURL reports whether a map source is an http or https URL rather
// than a file name.
func isURL(src string) bool {
	return strings.HasPrefix(src, "http://") || strings.HasPrefix(src, "https://")
}

// readSource reads a map from a file or, for an http or https URL, with
// a GET request of hc that accepts network maps, cost maps and ALTO
// errors. User information in the URL is sent as Basic credentials and
// left out of error messages. origin names the flag or argument that
// gave src, such as "--network-map", for the error of an unreachable URL.
func readSource(ctx context.Context, hc *http.Client, src, origin string) ([]byte, error) {
	if !isURL(src) {
		b, err := os.ReadFile(src)
		if err != nil {
			return nil, fmt.Errorf("reading map: %w", err)
		}
		return b, nil
	}
	label := client.RedactURL(src)
	u, err := url.Parse(src)
	if err != nil {
		return nil, usagef("invalid map URL %q", label)
	}
	user := u.User
	u.User = nil
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, usagef("invalid map URL %q", label)
	}
	if user != nil {
		password, _ := user.Password()
		req.SetBasicAuth(user.Username(), password)
	}
	req.Header.Set("Accept", strings.Join([]string{alto.MediaTypeNetworkMap, alto.MediaTypeCostMap, alto.MediaTypeError}, ","))
	resp, err := hc.Do(req)
	if err != nil {
		return nil, &mapUnreachableError{origin: origin, err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxMapBytes))
	if err != nil {
		return nil, fmt.Errorf("fetching map %s: %w", label, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetching map %s: HTTP %d: %s", label, resp.StatusCode, bodyExcerpt(body))
	}
	return body, nil
}

// maxExcerptBytes is the number of body bytes that an error message
// quotes.
const maxExcerptBytes = 200

// bodyExcerpt returns the start of a response body as one line, with
// each run of white space replaced by one space.
func bodyExcerpt(body []byte) string {
	cut := len(body) > maxExcerptBytes
	if cut {
		body = body[:maxExcerptBytes]
	}
	text := strings.Join(strings.Fields(strings.ToValidUTF8(string(body), "\uFFFD")), " ")
	if cut {
		text += "..."
	}
	return text
}

// mapUnreachableError is a map URL of lint or diff that got no response.
// Its message names the flag or argument of the URL, so describe adds
// no hint about --server to it.
type mapUnreachableError struct {
	origin string // such as "--network-map" or "argument OLD"
	err    error
}

func (e *mapUnreachableError) Error() string {
	return fmt.Sprintf("cannot reach the map URL of %s (check the URL): %v", e.origin, e.err)
}

func (e *mapUnreachableError) Unwrap() error { return e.err }

// mapKind returns "network-map" or "cost-map" for an encoded map, by its
// data member (RFC 7285, Sections 11.2.1.6 and 11.2.3.6).
func mapKind(src string, body []byte) (string, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		return "", fmt.Errorf("%s: not a JSON object: %w", src, err)
	}
	for _, kind := range []string{"network-map", "cost-map"} {
		if _, ok := top[kind]; ok {
			return kind, nil
		}
	}
	return "", fmt.Errorf("%s: neither a network map nor a cost map: no \"network-map\" or \"cost-map\" member", src)
}

// decodeMap decodes a network map or cost map of kind ("network-map" or
// "cost-map"); present reports whether its data member was there.
func decodeMap[T any](src, kind string, body []byte, present func(*T) bool) (*T, error) {
	var m T
	if err := json.NewDecoder(bytes.NewReader(body)).Decode(&m); err != nil {
		return nil, fmt.Errorf("%s: invalid %s: %w", src, kind, err)
	}
	if !present(&m) {
		return nil, fmt.Errorf("%s: invalid %s: missing %q", src, kind, kind)
	}
	return &m, nil
}

func decodeNetworkMap(src string, body []byte) (*alto.NetworkMap, error) {
	return decodeMap(src, "network-map", body, func(m *alto.NetworkMap) bool { return m.NetworkMap != nil })
}

func decodeCostMap(src string, body []byte) (*alto.CostMap, error) {
	return decodeMap(src, "cost-map", body, func(m *alto.CostMap) bool { return m.CostMap != nil })
}

// pointer returns a JSON pointer (RFC 6901) of reference tokens.
func pointer(tokens ...string) string {
	var b strings.Builder
	for _, t := range tokens {
		b.WriteByte('/')
		b.WriteString(strings.NewReplacer("~", "~0", "/", "~1").Replace(t))
	}
	return b.String()
}
