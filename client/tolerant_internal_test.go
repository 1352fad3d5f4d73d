package client

import (
	"math"
	"net/http"
	"net/url"
	"testing"
)

func TestHasStringValue(t *testing.T) {
	tests := []struct {
		name string
		json string
		want bool
	}{
		{"numbers", `{"a": {"b": 1, "c": 2.5}}`, false},
		{"string cost", `{"a": {"b": "1"}}`, true},
		{"string after white space", "{\"a\":{\"b\" :\n\t \"1\"}}", true},
		{"colon inside a key", `{"a:b": {"c": 1}}`, false},
		{"escaped quote inside a key", `{"a\":": {"c": 1}}`, false},
		{"escaped backslash before the closing quote", `{"a\\": {"c": 1}}`, false},
		{"string in an array", `{"a": [1, "x"]}`, false},
		{"empty", `{}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := hasStringValue([]byte(tt.json)); got != tt.want {
				t.Errorf("hasStringValue(%s) = %v, want %v", tt.json, got, tt.want)
			}
		})
	}
}

func TestToggleSlash(t *testing.T) {
	tests := []struct {
		url, want string
	}{
		{"http://127.0.0.1/alto/networkmap", "http://127.0.0.1/alto/networkmap/"},
		{"http://127.0.0.1/alto/networkmap/", "http://127.0.0.1/alto/networkmap"},
		{"http://127.0.0.1/costmap?x=1", "http://127.0.0.1/costmap/?x=1"},
		{"http://127.0.0.1/", ""},
		{"http://127.0.0.1", ""},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			u, err := url.Parse(tt.url)
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if out := toggleSlash(u); out != nil {
				got = out.String()
			}
			if got != tt.want {
				t.Errorf("toggleSlash(%s) = %q, want %q", tt.url, got, tt.want)
			}
		})
	}
}

func TestCheckContentType(t *testing.T) {
	tests := []struct {
		name           string
		contentType    string
		wantHeader     string
		wantDeviations []Deviation
	}{
		{"clean", "application/alto-costmap+json", "application/alto-costmap+json", nil},
		{"charset", "application/alto-costmap+json; charset=UTF-8", "application/alto-costmap+json; charset=UTF-8", []Deviation{DeviationMediaTypeParameters}},
		{"capitals", "Application/ALTO-CostMap+JSON", "Application/ALTO-CostMap+JSON", []Deviation{DeviationMediaTypeCase}},
		{"capitals and charset", "Application/ALTO-CostMap+JSON;charset=utf-8", "Application/ALTO-CostMap+JSON;charset=utf-8", []Deviation{DeviationMediaTypeParameters, DeviationMediaTypeCase}},
		{"malformed parameter", "application/alto-costmap+json; charset", "application/alto-costmap+json", []Deviation{DeviationMediaTypeParameters}},
		{"not ALTO", "text/html; charset=utf-8", "text/html; charset=utf-8", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []Deviation
			tr := &tolerantTransport{warn: func(w Warning) { got = append(got, w.Deviation) }}
			req, err := http.NewRequest(http.MethodGet, "http://127.0.0.1/costmap", nil)
			if err != nil {
				t.Fatal(err)
			}
			resp := &http.Response{Header: http.Header{"Content-Type": {tt.contentType}}, Request: req}
			tr.checkContentType(resp)
			if h := resp.Header.Get("Content-Type"); h != tt.wantHeader {
				t.Errorf("Content-Type after the check = %q, want %q", h, tt.wantHeader)
			}
			if len(got) != len(tt.wantDeviations) {
				t.Fatalf("warnings %v, want %v", got, tt.wantDeviations)
			}
			for i := range got {
				if got[i] != tt.wantDeviations[i] {
					t.Errorf("warning %d is %q, want %q", i, got[i], tt.wantDeviations[i])
				}
			}
		})
	}
}

func TestRankDense(t *testing.T) {
	values := []float64{5, math.NaN(), 0.2, 5, 7, 0.2}
	rankDense(values)
	want := []float64{2, 0, 1, 2, 3, 1}
	for i, v := range values {
		if i == 1 {
			if !math.IsNaN(v) {
				t.Errorf("value 1 = %v, want NaN left as it is", v)
			}
			continue
		}
		if v != want[i] {
			t.Errorf("value %d = %v, want %v", i, v, want[i])
		}
	}
}
