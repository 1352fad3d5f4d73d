package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/goalto/goalto/alto"
)

func TestRequestBodyTypeAndEncoding(t *testing.T) {
	h := newHTTPHarness(t)
	const path, body = "/networkmap/filtered", `{"pids":[]}`
	tests := []struct {
		name       string
		header     []string
		wantStatus int
		wantText   string
	}{
		{"gzip label on plain body", []string{"Content-Encoding", "gzip"}, http.StatusUnsupportedMediaType, `Content-Encoding "gzip" is not supported`},
		{"identity then br", []string{"Content-Encoding", "identity, br"}, http.StatusUnsupportedMediaType, `Content-Encoding "br" is not supported`},
		{"latin-1 charset", []string{"Content-Type", alto.MediaTypeNetworkMapFilter + "; charset=iso-8859-1"}, http.StatusUnsupportedMediaType, `charset "iso-8859-1" is not supported`},
		{"wrong media type", []string{"Content-Type", "application/json"}, http.StatusUnsupportedMediaType, "the request body must be " + alto.MediaTypeNetworkMapFilter},
		{"identity encoding", []string{"Content-Encoding", "identity"}, http.StatusOK, ""},
		{"utf-8 charset", []string{"Content-Type", alto.MediaTypeNetworkMapFilter + "; charset=UTF-8"}, http.StatusOK, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, data := h.post(path, body, tc.header...)
			if resp.StatusCode != tc.wantStatus {
				t.Fatalf("status = %d, want %d: %s", resp.StatusCode, tc.wantStatus, data)
			}
			if tc.wantStatus == http.StatusOK {
				return
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
				t.Errorf("Content-Type = %q, want text/plain", ct)
			}
			if !strings.Contains(string(data), tc.wantText) {
				t.Errorf("body %q does not contain %q", data, tc.wantText)
			}
		})
	}
}

func TestGzipRequestNamesAcceptedEncoding(t *testing.T) {
	h := newHTTPHarness(t)
	resp, _ := h.post("/networkmap/filtered", `{"pids":[]}`, "Content-Encoding", "gzip")
	if got := resp.Header.Get("Accept-Encoding"); got != "identity" {
		t.Errorf("Accept-Encoding = %q, want identity (RFC 9110, Section 15.5.16)", got)
	}
}
