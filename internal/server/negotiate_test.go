package server

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestAcceptable(t *testing.T) {
	tests := []struct {
		accept string
		want   bool
	}{
		{"", true},
		{"application/alto-costmap+json", true},
		{"Application/ALTO-CostMap+JSON", true},
		{"application/*", true},
		{"*/*", true},
		{"text/html", false},
		{"application/alto-costmap+json;q=0", false},
		{"*/*, application/alto-costmap+json;q=0", false},
		{"application/alto-costmap+json;q=0, */*", false},
		{"application/alto-costmap+json;type=application/x+json", true}, // unquoted parameter, as RFC 9275 sends
	}
	for _, tc := range tests {
		var values []string
		if tc.accept != "" {
			values = []string{tc.accept}
		}
		if got := Acceptable(values, "application/alto-costmap+json"); got != tc.want {
			t.Errorf("Acceptable(%q) = %v, want %v", tc.accept, got, tc.want)
		}
	}
}

func TestAcceptableTypeParameter(t *testing.T) {
	const pathVector = "multipart/related;type=application/alto-costmap+json"
	tests := []struct {
		name   string
		accept string
		want   bool
	}{
		{"quoted type", `multipart/related; type="application/alto-costmap+json"`, true},
		{"unquoted type", "multipart/related;type=application/alto-costmap+json", true},
		{"no type", "multipart/related", true},
		{"other type", `multipart/related; type="application/alto-endpointcost+json"`, false},
		{"other unquoted type", "multipart/related;type=application/alto-endpointcost+json", false},
		{"other type and wildcard", `multipart/related; type="application/alto-endpointcost+json", */*`, true},
		{"matching type excluded", `multipart/related, multipart/related;type="application/alto-costmap+json";q=0`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Acceptable([]string{tc.accept}, pathVector); got != tc.want {
				t.Errorf("Acceptable(%q) = %v, want %v", tc.accept, got, tc.want)
			}
		})
	}
}

func TestWriteBodyCompresses(t *testing.T) {
	big := bytes.Repeat([]byte(`{"a":1}`), 400)
	for _, tc := range []struct {
		name           string
		body           []byte
		acceptEncoding string
		wantGzip       bool
	}{
		{"large body, gzip accepted", big, "gzip", true},
		{"large body, gzip not accepted", big, "", false},
		{"small body", []byte(`{}`), "gzip", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/x", nil)
			if tc.acceptEncoding != "" {
				r.Header.Set("Accept-Encoding", tc.acceptEncoding)
			}
			w := httptest.NewRecorder()
			WriteBody(w, r, "application/alto-propmap+json", tc.body)
			gz := w.Header().Get("Content-Encoding") == "gzip"
			if gz != tc.wantGzip {
				t.Fatalf("Content-Encoding gzip = %v, want %v", gz, tc.wantGzip)
			}
			got := w.Body.Bytes()
			if gz {
				zr, err := gzip.NewReader(w.Body)
				if err != nil {
					t.Fatal(err)
				}
				if got, err = io.ReadAll(zr); err != nil {
					t.Fatal(err)
				}
			}
			if !bytes.Equal(got, tc.body) {
				t.Errorf("body differs from the one written")
			}
		})
	}
}
