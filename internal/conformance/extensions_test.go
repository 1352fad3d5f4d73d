package conformance

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
)

// extensionDirectory advertises one resource or cost type of each
// extension that the survey reports without checks.
const extensionDirectory = `{
  "meta": {
    "default-alto-network-map": "nm",
    "cost-types": {
      "num-routing": {"cost-mode": "numerical", "cost-metric": "routingcost"},
      "num-hop": {"cost-mode": "numerical", "cost-metric": "hopcount"},
      "path-vector": {"cost-mode": "array", "cost-metric": "ane-path"},
      "delay": {"cost-mode": "numerical", "cost-metric": "delay-ow:p99"}
    }
  },
  "resources": {
    "nm": {"uri": "/networkmap", "media-type": "application/alto-networkmap+json"},
    "multi-cost": {"uri": "/mc", "media-type": "application/alto-costmap+json", "accepts": "application/alto-costmapfilter+json",
      "capabilities": {"cost-type-names": ["num-routing"], "max-cost-types": 2}, "uses": ["nm"]},
    "calendar": {"uri": "/calendar", "media-type": "application/alto-endpointcost+json", "accepts": "application/alto-endpointcostparams+json",
      "capabilities": {"cost-type-names": ["num-routing"], "calendar-attributes": [{"cost-type-names": ["num-routing"], "time-interval-size": "1 hour", "number-of-intervals": 24}]}},
    "property-map": {"uri": "/propmap", "media-type": "application/alto-propmap+json", "accepts": "application/alto-propmapparams+json"},
    "cdni": {"uri": "/cdni", "media-type": "application/alto-cdni+json"},
    "path-vector": {"uri": "/pv", "media-type": "application/alto-costmap+json", "accepts": "application/alto-costmapfilter+json",
      "capabilities": {"cost-type-names": ["path-vector"]}, "uses": ["nm"]}
  }
}`

func serveDirectory(t *testing.T, body string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/directory" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/alto-directory+json")
		w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/directory"
}

func TestExtensionsAdvertised(t *testing.T) {
	url := serveDirectory(t, extensionDirectory)
	r, err := Run(context.Background(), Config{URL: url, Only: []string{"ird.schema"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"MC", "CC", "UP", "PV", "PM", "CDNI"}
	if !slices.Equal(r.Extensions, want) {
		t.Errorf("extensions %v, want %v", r.Extensions, want)
	}
	cells := r.Survey()
	for i, col := range SurveyColumns {
		if slices.Contains(want, col) && cells[i] != "advertised, not checked" {
			t.Errorf("column %s is %q, want advertised, not checked", col, cells[i])
		}
	}
}

func TestExtensionsHopcountIsNotPM(t *testing.T) {
	url := serveDirectory(t, `{"meta": {"cost-types": {"num-hop": {"cost-mode": "numerical", "cost-metric": "hopcount"}}}, "resources": {}}`)
	r, err := Run(context.Background(), Config{URL: url, Only: []string{"ird.schema"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Extensions) != 0 {
		t.Errorf("extensions %v, want none", r.Extensions)
	}
}

// TestExtensionCostModesNotChecked shows that a service offering only
// an extension's cost mode (path vector's "array") is left to no
// check, while one with RFC 7285 cost types keeps its kind.
func TestExtensionCostModesNotChecked(t *testing.T) {
	s, err := newSession(Config{URL: serveDirectory(t, extensionDirectory)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	d := s.discover(context.Background())
	tests := []struct {
		id   string
		want kind
	}{
		{"path-vector", kindOther},
		{"multi-cost", kindFilteredCostMap},
		{"calendar", kindEndpointCost},
		{"property-map", kindOther},
		{"nm", kindNetworkMap},
	}
	for _, tt := range tests {
		r, ok := d.byID[tt.id]
		if !ok {
			t.Fatalf("resource %s not discovered", tt.id)
		}
		if got := r.kind(); got != tt.want {
			t.Errorf("%s: kind %d, want %d", tt.id, got, tt.want)
		}
	}
}
