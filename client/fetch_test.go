package client_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/client"
)

func TestNewRejectsInvalidURL(t *testing.T) {
	tests := []struct {
		name string
		url  string
	}{
		{"empty", ""},
		{"relative", "/directory"},
		{"ftp scheme", "ftp://127.0.0.1/directory"},
		{"no host", "http:///directory"},
		{"unparsable", "http://[::1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := client.New(tt.url); err == nil {
				t.Errorf("New(%q) succeeded, want an error", tt.url)
			}
		})
	}
}

func TestNewRejectsInvalidOptions(t *testing.T) {
	tests := []struct {
		name string
		opt  client.Option
	}{
		{"nil HTTP client", client.WithHTTPClient(nil)},
		{"negative depth", client.WithMaxDirectoryDepth(-1)},
		{"zero body size", client.WithMaxBodySize(0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := client.New("http://127.0.0.1/directory", tt.opt); err == nil {
				t.Error("New succeeded, want an error")
			}
		})
	}
}

func TestGetSendsHeaders(t *testing.T) {
	c, rec := startClient(t, client.WithUserAgent("goalto-test/1"))
	ctx := context.Background()
	r, err := c.NetworkMapResource(ctx)
	if err != nil {
		t.Fatalf("NetworkMapResource: %v", err)
	}
	if _, err := c.Get(ctx, r); err != nil {
		t.Fatalf("Get: %v", err)
	}
	ex := rec.last(t, r.URI)
	if got, want := ex.header.Get("Accept"), alto.MediaTypeNetworkMap+","+alto.MediaTypeError; got != want {
		t.Errorf("Accept = %q, want %q", got, want)
	}
	if got := ex.header.Get("User-Agent"); got != "goalto-test/1" {
		t.Errorf("User-Agent = %q, want goalto-test/1", got)
	}
}

func TestPostSendsContentType(t *testing.T) {
	c, rec := startClient(t)
	ctx := context.Background()
	r, err := c.FilteredNetworkMapResource(ctx)
	if err != nil {
		t.Fatalf("FilteredNetworkMapResource: %v", err)
	}
	if _, err := c.Post(ctx, r, &alto.NetworkMapFilter{PIDs: []string{}}); err != nil {
		t.Fatalf("Post: %v", err)
	}
	ex := rec.last(t, r.URI)
	if ex.method != http.MethodPost {
		t.Errorf("method = %s, want POST", ex.method)
	}
	if got := ex.header.Get("Content-Type"); got != alto.MediaTypeNetworkMapFilter {
		t.Errorf("Content-Type = %q, want %q", got, alto.MediaTypeNetworkMapFilter)
	}
	if got, want := ex.header.Get("Accept"), alto.MediaTypeNetworkMap+","+alto.MediaTypeError; got != want {
		t.Errorf("Accept = %q, want %q", got, want)
	}
}

func TestGetRevalidatesByETag(t *testing.T) {
	c, rec := startClient(t)
	ctx := context.Background()
	r, err := c.NetworkMapResource(ctx)
	if err != nil {
		t.Fatalf("NetworkMapResource: %v", err)
	}

	first, err := c.Get(ctx, r)
	if err != nil {
		t.Fatalf("first Get: %v", err)
	}
	if first.ETag == "" {
		t.Fatal("server sent no ETag for the network map")
	}
	if first.Cached {
		t.Error("first response is marked cached")
	}
	if got := rec.last(t, r.URI).header.Get("If-None-Match"); got != "" {
		t.Errorf("first request sent If-None-Match %q", got)
	}

	second, err := c.Get(ctx, r)
	if err != nil {
		t.Fatalf("second Get: %v", err)
	}
	ex := rec.last(t, r.URI)
	if got := ex.header.Get("If-None-Match"); got != first.ETag {
		t.Errorf("second request If-None-Match = %q, want %q", got, first.ETag)
	}
	if ex.status != http.StatusNotModified {
		t.Errorf("second response status = %d, want 304", ex.status)
	}
	if !second.Cached {
		t.Error("second response is not marked cached")
	}
	if !bytes.Equal(second.Body, first.Body) {
		t.Error("cached body differs from the first body")
	}
	if second.MediaType != alto.MediaTypeNetworkMap {
		t.Errorf("cached media type = %q", second.MediaType)
	}
}

func TestGetDecompressesGzip(t *testing.T) {
	c, rec := startClient(t)
	ctx := context.Background()
	ct := alto.CostType{Mode: alto.CostModeNumerical, Metric: alto.CostMetricRoutingCost}
	r, err := c.CostMapResource(ctx, ct)
	if err != nil {
		t.Fatalf("CostMapResource: %v", err)
	}
	m, err := c.CostMap(ctx, r.ID)
	if err != nil {
		t.Fatalf("CostMap: %v", err)
	}
	if len(m.CostMap) == 0 {
		t.Error("cost map is empty")
	}
	if !rec.last(t, r.URI).uncompressed {
		t.Error("response was not gzip-compressed, so decompression was not exercised")
	}
}

func TestALTOErrorResponse(t *testing.T) {
	c, _ := startClient(t)
	ctx := context.Background()
	tests := []struct {
		name  string
		call  func() error
		field string
		value string
	}{
		{
			name: "filtered cost map unknown mode",
			call: func() error {
				_, err := c.FilteredCostMap(ctx, &alto.CostMapFilter{CostType: alto.CostType{Mode: "foo", Metric: alto.CostMetricRoutingCost}})
				return err
			},
			field: "cost-type/cost-mode",
			value: "foo",
		},
		{
			name: "endpoint cost invalid address",
			call: func() error {
				_, err := c.EndpointCost(ctx, &alto.EndpointCostParams{
					CostType:  alto.CostType{Mode: alto.CostModeNumerical, Metric: alto.CostMetricRoutingCost},
					Endpoints: alto.EndpointFilter{Srcs: []string{"ipv4:192.0.2"}, Dsts: []string{"ipv4:192.0.2.1"}},
				})
				return err
			},
			field: "endpoints/srcs",
			value: "ipv4:192.0.2",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			var altoErr *alto.Error
			if !errors.As(err, &altoErr) {
				t.Fatalf("error = %v (%T), want *alto.Error", err, err)
			}
			if altoErr.Code != alto.ErrInvalidFieldValue {
				t.Errorf("code = %v, want %v", altoErr.Code, alto.ErrInvalidFieldValue)
			}
			if altoErr.Field != tt.field {
				t.Errorf("field = %q, want %q", altoErr.Field, tt.field)
			}
			if altoErr.Value != tt.value {
				t.Errorf("value = %q, want %q", altoErr.Value, tt.value)
			}
			if altoErr.Status != http.StatusBadRequest {
				t.Errorf("status = %d, want 400", altoErr.Status)
			}
		})
	}
}

func TestHTTPErrorResponse(t *testing.T) {
	c, _ := startClient(t)
	ctx := context.Background()
	nm, err := c.NetworkMapResource(ctx)
	if err != nil {
		t.Fatalf("NetworkMapResource: %v", err)
	}
	missing := nm
	missing.URI = strings.TrimSuffix(c.IRDURL(), "/directory") + "/no-such-path"

	_, err = c.Get(ctx, missing)
	var httpErr *client.HTTPError
	if !errors.As(err, &httpErr) {
		t.Fatalf("error = %v (%T), want *client.HTTPError", err, err)
	}
	if httpErr.StatusCode != http.StatusNotFound {
		t.Errorf("status = %d, want 404", httpErr.StatusCode)
	}
	if httpErr.Excerpt == "" {
		t.Error("error has no body excerpt")
	}
	if !strings.Contains(err.Error(), "404") || !strings.Contains(err.Error(), httpErr.Excerpt) {
		t.Errorf("message %q lacks the status or the excerpt", err)
	}
}

func TestGetRejectsWrongMediaType(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte("<html>login page</html>"))
	}))
	t.Cleanup(srv.Close)
	c, err := client.New(srv.URL + "/directory")
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	_, err = c.Directory(context.Background())
	if !errors.Is(err, client.ErrUnexpectedMediaType) {
		t.Errorf("error = %v, want ErrUnexpectedMediaType", err)
	}
}

func TestGetRejectsLargeBody(t *testing.T) {
	c, _ := startClient(t, client.WithMaxBodySize(64))
	_, err := c.Directory(context.Background())
	if err == nil || !strings.Contains(err.Error(), "larger than 64 bytes") {
		t.Errorf("error = %v, want a body size error", err)
	}
}

func TestFetchChecksMethod(t *testing.T) {
	c, _ := startClient(t)
	ctx := context.Background()
	get, err := c.NetworkMapResource(ctx)
	if err != nil {
		t.Fatalf("NetworkMapResource: %v", err)
	}
	post, err := c.FilteredNetworkMapResource(ctx)
	if err != nil {
		t.Fatalf("FilteredNetworkMapResource: %v", err)
	}
	if _, err := c.Post(ctx, get, struct{}{}); err == nil {
		t.Error("Post to a GET resource succeeded")
	}
	if _, err := c.Get(ctx, post); err == nil {
		t.Error("Get of a POST resource succeeded")
	}
	resp, err := c.Fetch(ctx, post, &alto.NetworkMapFilter{PIDs: []string{}})
	if err != nil {
		t.Fatalf("Fetch of a POST resource: %v", err)
	}
	if resp.MediaType != alto.MediaTypeNetworkMap {
		t.Errorf("media type = %q", resp.MediaType)
	}
}
