package client

import (
	"bufio"
	"bytes"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/goalto/goalto/alto"
)

// readExample reads an example response of RFC 9275 from the test data
// of the server's path vector package.
func readExample(t *testing.T, name string) (contentType string, body []byte) {
	t.Helper()
	data, err := os.ReadFile("../internal/pathvector/testdata/rfc9275/" + name)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(data)), nil)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	defer resp.Body.Close()
	// The examples keep the Content-Length of the RFC, which does not
	// match the files, so the body is everything after the header.
	_, rest, ok := bytes.Cut(data, []byte("\n\n"))
	if !ok {
		t.Fatalf("%s: no blank line after the header", name)
	}
	return resp.Header.Get("Content-Type"), rest
}

func TestDecodePathVectorExamples(t *testing.T) {
	tests := []struct {
		file, resourceID, root string
		src, dst               string
		want                   []string
	}{
		{"E02.response.http", "filtered-cost-map-pv", alto.MediaTypeCostMap, "PID1", "PID2", []string{"ANE1"}},
		{"E04.response.http", "ecs-pv", alto.MediaTypeEndpointCost, "ipv4:192.0.2.2", "ipv4:192.0.2.18", []string{"ANE1"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			contentType, body := readExample(t, tt.file)
			if !strings.Contains(contentType, "type=application/") {
				t.Fatalf("Content-Type %q does not have the unquoted type parameter of the RFC", contentType)
			}
			m, err := decodePathVector(contentType, body, tt.root, tt.resourceID)
			if err != nil {
				t.Fatalf("decodePathVector: %v", err)
			}
			if got := m.Paths[tt.src][tt.dst]; !slices.Equal(got, tt.want) {
				t.Errorf("path %s->%s = %v, want %v", tt.src, tt.dst, got, tt.want)
			}
			if got := string(m.ANEProperties("ANE1")[alto.PropMaxReservableBandwidth]); got != "100000000" {
				t.Errorf("ANE1 bandwidth = %q, want 100000000", got)
			}
		})
	}
}

func TestDecodePathVectorJoinErrors(t *testing.T) {
	contentType, body := readExample(t, "E02.response.http")
	tests := []struct {
		name        string
		contentType string
		body        string
		resourceID  string
		wantErr     string
	}{
		{"other resource", contentType, string(body), "other-pv", `want "other-pv.costmap"`},
		{"start names no part", contentType + `; start="<x@alto.example.com>"`, string(body), "filtered-cost-map-pv", "names no part"},
		{"start names property map", contentType + `; start="<propmap@alto.example.com>"`, string(body), "filtered-cost-map-pv", "root part <propmap@alto.example.com>"},
		{"stale vtag in property map", contentType, strings.Replace(string(body), `"tag": "fb20b76204814e9db37a51151faaaef2"
      }
    ]`, `"tag": "0000"
      }
    ]`, 1), "filtered-cost-map-pv", "dependent-vtags lack"},
		{"invalid Content-ID", contentType, strings.Replace(string(body), "<costmap@alto.example.com>", "costmap", 1), "filtered-cost-map-pv", "not <part-resource-id@domain>"},
		{"same Content-ID", contentType, strings.Replace(string(body), "<propmap@", "<costmap@", 1), "filtered-cost-map-pv", "both parts"},
		{"endpoint type", strings.Replace(contentType, alto.MediaTypeCostMap, alto.MediaTypeEndpointCost, 1), string(body), "filtered-cost-map-pv", "type parameter"},
		{"one part", contentType, string(body[:bytes.Index(body, []byte("--example-1\nContent-ID: <propmap"))]) + "--example-1--\n", "filtered-cost-map-pv", "1 parts, want 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := decodePathVector(tt.contentType, []byte(tt.body), alto.MediaTypeCostMap, tt.resourceID)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestParseMultipartType(t *testing.T) {
	tests := []struct {
		in, wantType string
	}{
		{`multipart/related; boundary=b; type="application/alto-costmap+json"`, alto.MediaTypeCostMap},
		{"multipart/related;type=application/alto-endpointcost+json", alto.MediaTypeEndpointCost},
		{"Multipart/Related; TYPE=application/alto-costmap+json; boundary=x", alto.MediaTypeCostMap},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			mt, params, err := parseMultipartType(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if mt != alto.MediaTypeMultipartRelated || params["type"] != tt.wantType {
				t.Errorf("got %q %v, want %s with type %s", mt, params, alto.MediaTypeMultipartRelated, tt.wantType)
			}
		})
	}
	if _, _, err := parseMultipartType("multipart/related; type=a; type=b/c"); err == nil {
		t.Error("a repeated parameter was accepted")
	}
}
