package client_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/client"
	"github.com/goalto/goalto/internal/alttest"
)

// directoryServer serves IRDs from memory. In each document, "{{real}}"
// is replaced by the IRD URL of a real goalto server.
type directoryServer struct {
	*httptest.Server
	mu    sync.Mutex
	count map[string]int // requests per path
}

func newDirectoryServer(t *testing.T, docs, redirects map[string]string, realIRD string) *directoryServer {
	t.Helper()
	ds := &directoryServer{count: make(map[string]int)}
	ds.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ds.mu.Lock()
		ds.count[r.URL.Path]++
		ds.mu.Unlock()
		if to, ok := redirects[r.URL.Path]; ok {
			http.Redirect(w, r, to, http.StatusFound)
			return
		}
		doc, ok := docs[r.URL.Path]
		if !ok {
			http.Error(w, "no directory at "+r.URL.Path, http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", alto.MediaTypeDirectory)
		w.Write([]byte(strings.ReplaceAll(doc, "{{real}}", realIRD)))
	}))
	t.Cleanup(ds.Close)
	return ds
}

func (ds *directoryServer) requests(path string) int {
	ds.mu.Lock()
	defer ds.mu.Unlock()
	return ds.count[path]
}

// delegationDocs is a tree of IRDs. The root lists a secondary IRD behind
// a redirect, a real goalto server and itself. The secondary IRD lists a
// chain of two more levels. The root and the secondary both define
// "num-routing" as numerical hopcount, unlike the real server.
var delegationDocs = map[string]string{
	"/directory": `{
  "meta": {
    "cost-types": {
      "num-routing": {"cost-mode": "numerical", "cost-metric": "hopcount"},
      "shared": {"cost-mode": "ordinal", "cost-metric": "routingcost"}
    },
    "default-alto-network-map": "local-map"
  },
  "resources": {
    "local-map": {"uri": "networkmap", "media-type": "application/alto-networkmap+json"},
    "local-cost": {
      "uri": "costs", "media-type": "application/alto-costmap+json",
      "capabilities": {"cost-type-names": ["num-routing"]}, "uses": ["local-map"]
    },
    "sub": {"uri": "/r/sub", "media-type": "application/alto-directory+json"},
    "real": {"uri": "{{real}}", "media-type": "application/alto-directory+json"},
    "self": {"uri": "./directory", "media-type": "application/alto-directory+json"}
  }
}`,
	"/sub/maps": `{
  "meta": {
    "cost-types": {
      "shared": {"cost-mode": "ordinal", "cost-metric": "routingcost"},
      "num-routing": {"cost-mode": "numerical", "cost-metric": "hopcount"}
    }
  },
  "resources": {
    "local-map": {"uri": "dup", "media-type": "application/alto-networkmap+json"},
    "sub-filtered": {
      "uri": "filtered", "media-type": "application/alto-costmap+json",
      "accepts": "application/alto-costmapfilter+json",
      "capabilities": {"cost-type-names": ["shared", "undefined-name"]}
    },
    "deeper": {"uri": "../d2", "media-type": "application/alto-directory+json"}
  }
}`,
	"/d2": `{"resources": {
  "d2-map": {"uri": "map", "media-type": "application/alto-networkmap+json"},
  "d3": {"uri": "d3", "media-type": "application/alto-directory+json"}
}}`,
	"/d3": `{"resources": {"d3-map": {"uri": "map3", "media-type": "application/alto-networkmap+json"}}}`,
}

var delegationRedirects = map[string]string{"/r/sub": "/sub/maps"}

func TestDirectoryMergesSecondaries(t *testing.T) {
	realIRD := alttest.Start(t, "")
	ds := newDirectoryServer(t, delegationDocs, delegationRedirects, realIRD)
	c, err := client.New(ds.URL + "/directory")
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ctx := context.Background()
	dir, err := c.Directory(ctx)
	if err != nil {
		t.Fatalf("Directory: %v", err)
	}
	if dir.Meta.DefaultNetworkMap != "local-map" {
		t.Errorf("default network map = %q, want the root's local-map", dir.Meta.DefaultNetworkMap)
	}
	if got := ds.requests("/directory"); got != 1 {
		t.Errorf("root IRD fetched %d times, want 1 despite the self entry", got)
	}

	uris := []struct {
		id, uri string
	}{
		{"local-map", ds.URL + "/networkmap"},
		{"sub", ds.URL + "/r/sub"},
		{"self", ds.URL + "/directory"},
		{"real", realIRD},
		{"sub-filtered", ds.URL + "/sub/filtered"},
		{"deeper", ds.URL + "/d2"},
		{"d2-map", ds.URL + "/map"},
		{"d3-map", ds.URL + "/map3"},
	}
	for _, u := range uris {
		t.Run("uri "+u.id, func(t *testing.T) {
			entry, ok := dir.Resources[u.id]
			if !ok {
				t.Fatalf("resource %q missing from the merged directory", u.id)
			}
			if entry.URI != u.uri {
				t.Errorf("uri = %q, want %q", entry.URI, u.uri)
			}
		})
	}

	t.Run("cost type renamed", func(t *testing.T) {
		if got := dir.Meta.CostTypes["num-routing"]; got.Metric != alto.CostMetricHopCount {
			t.Errorf("num-routing = %+v, want the root's numerical hopcount", got)
		}
		routing := alto.CostType{Mode: alto.CostModeNumerical, Metric: alto.CostMetricRoutingCost}
		renamed := dir.Meta.CostTypes["num-routing-2"]
		if !renamed.Equal(routing) {
			t.Fatalf("num-routing-2 = %+v, want the real server's numerical routingcost", renamed)
		}
		r, err := c.CostMapResource(ctx, routing)
		if err != nil {
			t.Fatalf("CostMapResource: %v", err)
		}
		if r.Directory != realIRD {
			t.Errorf("cost map listed by %q, want %q", r.Directory, realIRD)
		}
		if !slices.Equal(r.Capabilities.CostTypeNames, []string{"num-routing-2"}) {
			t.Errorf("cost-type-names = %v, want [num-routing-2]", r.Capabilities.CostTypeNames)
		}
		m, err := c.CostMap(ctx, r.ID)
		if err != nil {
			t.Fatalf("CostMap through the secondary IRD: %v", err)
		}
		if len(m.CostMap) == 0 {
			t.Error("cost map through the secondary IRD is empty")
		}
	})

	t.Run("default map preferred", func(t *testing.T) {
		r, err := c.CostMapResource(ctx, alto.CostType{Mode: alto.CostModeNumerical, Metric: alto.CostMetricHopCount})
		if err != nil {
			t.Fatalf("CostMapResource: %v", err)
		}
		if r.ID != "local-cost" {
			t.Errorf("chose %q, want local-cost, which uses the default network map", r.ID)
		}
	})

	t.Run("undefined cost type name", func(t *testing.T) {
		r, err := c.Resource(ctx, "sub-filtered")
		if err != nil {
			t.Fatalf("Resource: %v", err)
		}
		want := []alto.CostType{{Mode: alto.CostModeOrdinal, Metric: alto.CostMetricRoutingCost}}
		if !slices.Equal(r.CostTypes, want) {
			t.Errorf("cost types = %v, want %v", r.CostTypes, want)
		}
		if r.Directory != ds.URL+"/sub/maps" {
			t.Errorf("listed by %q, want the redirect target %s/sub/maps", r.Directory, ds.URL)
		}
	})

	t.Run("discovery order", func(t *testing.T) {
		resources, err := c.Resources(ctx)
		if err != nil {
			t.Fatalf("Resources: %v", err)
		}
		var ids []string
		for _, r := range resources[:5] {
			ids = append(ids, r.ID)
		}
		want := []string{"local-cost", "local-map", "real", "self", "sub"}
		if !slices.Equal(ids, want) {
			t.Errorf("first IDs = %v, want the root's %v", ids, want)
		}
	})
}

func TestDirectoryDepthLimit(t *testing.T) {
	realIRD := alttest.Start(t, "")
	tests := []struct {
		depth   int
		present []string
		absent  []string
	}{
		{0, []string{"local-map", "sub"}, []string{"sub-filtered", "d2-map", "d3-map"}},
		{1, []string{"sub-filtered", "deeper"}, []string{"d2-map", "d3-map"}},
		{2, []string{"d2-map", "d3"}, []string{"d3-map"}},
		{3, []string{"d3-map"}, nil},
	}
	for _, tt := range tests {
		t.Run("depth "+strconv.Itoa(tt.depth), func(t *testing.T) {
			ds := newDirectoryServer(t, delegationDocs, delegationRedirects, realIRD)
			c, err := client.New(ds.URL+"/directory", client.WithMaxDirectoryDepth(tt.depth))
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			dir, err := c.Directory(context.Background())
			if err != nil {
				t.Fatalf("Directory: %v", err)
			}
			for _, id := range tt.present {
				if _, ok := dir.Resources[id]; !ok {
					t.Errorf("resource %q missing", id)
				}
			}
			for _, id := range tt.absent {
				if _, ok := dir.Resources[id]; ok {
					t.Errorf("resource %q present beyond the depth limit", id)
				}
			}
		})
	}
}

func TestDirectorySecondaryFailure(t *testing.T) {
	docs := map[string]string{"/directory": `{
  "meta": {"default-alto-network-map": "m"},
  "resources": {
    "m": {"uri": "/networkmap", "media-type": "application/alto-networkmap+json"},
    "broken": {"uri": "/broken", "media-type": "application/alto-directory+json"}
  }
}`}
	ds := newDirectoryServer(t, docs, nil, "")
	c, err := client.New(ds.URL + "/directory")
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	_, err = c.Directory(context.Background())
	if err == nil || !strings.Contains(err.Error(), `secondary directory "broken"`) {
		t.Fatalf("error = %v, want one naming the secondary directory", err)
	}
	var httpErr *client.HTTPError
	if !errors.As(err, &httpErr) || httpErr.StatusCode != http.StatusInternalServerError {
		t.Errorf("error = %v, want an HTTP 500 *client.HTTPError", err)
	}
}
