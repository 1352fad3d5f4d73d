package client_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/client"
)

// deviantPIDs and deviantCosts are the maps of deviantServer, in the
// shape of OpenALTO's demo maps with documentation prefixes.
var (
	deviantPIDs = map[string][]netip.Prefix{
		"RUCIO": {netip.MustParsePrefix("192.0.2.250/32")},
		"XRD1":  {netip.MustParsePrefix("192.0.2.251/32")},
		"XRD2":  {netip.MustParsePrefix("198.51.100.0/24"), netip.MustParsePrefix("2001:db8:2::/48")},
		"PID0":  {netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0")},
	}
	deviantCosts = map[string]map[string]float64{
		"RUCIO": {"RUCIO": 0, "XRD1": 1, "XRD2": 0.2, "PID0": 0.5},
		"XRD1":  {"RUCIO": 1, "XRD1": 0, "XRD2": 1, "PID0": 1},
		"XRD2":  {"RUCIO": 0.2, "XRD1": 1, "XRD2": 0},
		"PID0":  {"RUCIO": 0.5, "XRD1": 1, "PID0": 0},
	}
)

// deviantServer is an ALTO server on 127.0.0.1 that deviates from RFC
// 7285 the way deployed servers do. Like a web framework that appends
// slashes, it serves its resources at paths ending in "/" while its IRD
// lists them without. It redirects the bare paths with 301 Moved
// Permanently, POST included. The bare path of the endpoint property
// service is 404 Not Found instead. Like Java servers, it adds charset
// parameters and capitals to media types. Its network map has no vtag
// and its cost map no dependent-vtags unless vtag and dependentTag are
// set, its costs are JSON strings, and its endpoint cost and property
// responses key endpoints by bare addresses.
type deviantServer struct {
	*httptest.Server
	vtag, dependentTag string

	mu   sync.Mutex
	hits map[string]int // requests by method and path
}

func newDeviantServer(t *testing.T, vtag, dependentTag string) *deviantServer {
	t.Helper()
	s := &deviantServer{vtag: vtag, dependentTag: dependentTag, hits: make(map[string]int)}
	s.Server = httptest.NewServer(s)
	t.Cleanup(s.Close)
	return s
}

func (s *deviantServer) requests(methodPath string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[methodPath]
}

func (s *deviantServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.hits[r.Method+" "+r.URL.Path]++
	s.mu.Unlock()
	switch r.URL.Path {
	case "/alto/ird", "/alto/networkmap", "/alto/costmap/routingcost", "/alto/endpointcost":
		http.Redirect(w, r, r.URL.Path+"/", http.StatusMovedPermanently)
	case "/alto/ird/":
		s.reply(w, "application/alto-directory+json", s.directory(r.Host))
	case "/alto/networkmap/":
		s.reply(w, "application/alto-networkmap+json; charset=UTF-8", s.networkMap())
	case "/alto/costmap/routingcost/":
		s.reply(w, "Application/ALTO-CostMap+JSON", s.costMap())
	case "/alto/endpointcost/":
		s.endpointCost(w, r)
	case "/alto/endpointprop/":
		s.endpointProp(w, r)
	default:
		http.NotFound(w, r)
	}
}

func (s *deviantServer) reply(w http.ResponseWriter, contentType string, body any) {
	w.Header().Set("Content-Type", contentType)
	json.NewEncoder(w).Encode(body)
}

func (s *deviantServer) directory(host string) map[string]any {
	uri := func(path string) string { return "http://" + host + path }
	return map[string]any{
		"meta": map[string]any{
			"default-alto-network-map": "networkmap",
			"cost-types":               map[string]any{"num-routingcost": map[string]string{"cost-mode": "numerical", "cost-metric": "routingcost"}},
		},
		"resources": map[string]any{
			"networkmap": map[string]any{"uri": uri("/alto/networkmap"), "media-type": alto.MediaTypeNetworkMap},
			"costmap-routingcost": map[string]any{"uri": uri("/alto/costmap/routingcost"), "media-type": alto.MediaTypeCostMap,
				"capabilities": map[string]any{"cost-type-names": []string{"num-routingcost"}}, "uses": []string{"networkmap"}},
			"endpointcost": map[string]any{"uri": uri("/alto/endpointcost"), "media-type": alto.MediaTypeEndpointCost,
				"accepts": alto.MediaTypeEndpointCostParams, "capabilities": map[string]any{"cost-type-names": []string{"num-routingcost"}}},
			"endpointprop": map[string]any{"uri": uri("/alto/endpointprop"), "media-type": alto.MediaTypeEndpointProp,
				"accepts": alto.MediaTypeEndpointPropParams, "capabilities": map[string]any{"prop-types": []string{"networkmap.pid"}}, "uses": []string{"networkmap"}},
		},
	}
}

func (s *deviantServer) networkMap() map[string]any {
	meta := map[string]any{}
	if s.vtag != "" {
		meta["vtag"] = alto.VersionTag{ResourceID: "networkmap", Tag: s.vtag}
	}
	groups := map[string]alto.EndpointAddrGroup{}
	for pid, prefixes := range deviantPIDs {
		groups[pid] = alto.EndpointAddrGroup{}
		for _, p := range prefixes {
			groups[pid][alto.AddressTypeOf(p)] = append(groups[pid][alto.AddressTypeOf(p)], p)
		}
	}
	return map[string]any{"meta": meta, "network-map": groups}
}

func (s *deviantServer) costMap() map[string]any {
	meta := map[string]any{"cost-type": alto.CostType{Mode: alto.CostModeNumerical, Metric: alto.CostMetricRoutingCost}}
	if s.dependentTag != "" {
		meta["dependent-vtags"] = []alto.VersionTag{{ResourceID: "networkmap", Tag: s.dependentTag}}
	}
	costs := map[string]map[string]string{}
	for src, row := range deviantCosts {
		costs[src] = map[string]string{}
		for dst, v := range row {
			costs[src][dst] = strconv.FormatFloat(v, 'g', -1, 64)
		}
	}
	return map[string]any{"meta": meta, "cost-map": costs}
}

// endpointCost responds with bare addresses as keys and costs as strings.
func (s *deviantServer) endpointCost(w http.ResponseWriter, r *http.Request) {
	var req alto.EndpointCostParams
	if r.Method != http.MethodPost || json.NewDecoder(r.Body).Decode(&req) != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	costs := map[string]map[string]string{}
	for _, src := range req.Endpoints.Srcs {
		for _, dst := range req.Endpoints.Dsts {
			v, ok := deviantCosts[deviantPID(src)][deviantPID(dst)]
			if !ok {
				continue
			}
			key := bareAddr(src)
			if costs[key] == nil {
				costs[key] = map[string]string{}
			}
			costs[key][bareAddr(dst)] = strconv.FormatFloat(v, 'g', -1, 64)
		}
	}
	s.reply(w, "application/alto-endpointcost+json;charset=utf-8", map[string]any{
		"meta":              map[string]any{"cost-type": req.CostType},
		"endpoint-cost-map": costs,
	})
}

// endpointProp responds with bare addresses as keys.
func (s *deviantServer) endpointProp(w http.ResponseWriter, r *http.Request) {
	var req alto.EndpointPropParams
	if r.Method != http.MethodPost || json.NewDecoder(r.Body).Decode(&req) != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	props := map[string]map[string]string{}
	for _, ep := range req.Endpoints {
		props[bareAddr(ep)] = map[string]string{"networkmap.pid": deviantPID(ep)}
	}
	s.reply(w, alto.MediaTypeEndpointProp, map[string]any{"meta": map[string]any{}, "endpoint-properties": props})
}

// bareAddr returns a typed address without its type, in the server's
// own spelling.
func bareAddr(typed string) string {
	ta, _ := alto.ParseTypedAddr(typed)
	return ta.Addr.String()
}

// deviantPID returns the PID of a typed address by longest prefix.
func deviantPID(typed string) string {
	ta, _ := alto.ParseTypedAddr(typed)
	best, bits := "", -1
	for pid, prefixes := range deviantPIDs {
		for _, p := range prefixes {
			if p.Contains(ta.Addr) && p.Bits() > bits {
				best, bits = pid, p.Bits()
			}
		}
	}
	return best
}

// warningLog collects warnings.
type warningLog struct {
	mu   sync.Mutex
	list []client.Warning
}

func (l *warningLog) add(w client.Warning) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.list = append(l.list, w)
}

// find returns the warnings of a deviation whose resource path is path.
func (l *warningLog) find(deviation client.Deviation, path string) []client.Warning {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []client.Warning
	for _, w := range l.list {
		if w.Deviation == deviation && strings.HasSuffix(w.Resource, path) {
			out = append(out, w)
		}
	}
	return out
}

func TestDeviantServerValues(t *testing.T) {
	srv := newDeviantServer(t, "", "")
	log := &warningLog{}
	c, err := client.New(srv.URL+"/alto/ird", client.WithWarningHandler(log.add))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	ctx := context.Background()
	ct := alto.CostType{Mode: alto.CostModeNumerical, Metric: alto.CostMetricRoutingCost}

	t.Run("network map", func(t *testing.T) {
		nm, err := c.NetworkMap(ctx, "")
		if err != nil {
			t.Fatalf("NetworkMap: %v", err)
		}
		if len(nm.NetworkMap) != len(deviantPIDs) {
			t.Errorf("network map has %d PIDs, want %d", len(nm.NetworkMap), len(deviantPIDs))
		}
		for pid, prefixes := range deviantPIDs {
			var got []netip.Prefix
			for _, typ := range []string{alto.AddressTypeIPv4, alto.AddressTypeIPv6} {
				got = append(got, nm.NetworkMap[pid][typ]...)
			}
			if !reflect.DeepEqual(got, prefixes) {
				t.Errorf("PID %s: prefixes %v, want %v", pid, got, prefixes)
			}
		}
	})
	t.Run("cost map", func(t *testing.T) {
		cm, err := c.CostMap(ctx, "costmap-routingcost")
		if err != nil {
			t.Fatalf("CostMap: %v", err)
		}
		if !reflect.DeepEqual(cm.CostMap, deviantCosts) {
			t.Errorf("costs %v, want %v", cm.CostMap, deviantCosts)
		}
	})

	srcs := []string{"ipv4:192.0.2.250", "ipv6:2001:DB8:2::1"}
	dsts := []string{"ipv4:192.0.2.251", "ipv6:2001:DB8:2::1", "ipv4:203.0.113.9"}
	want := map[string]map[string]float64{
		"ipv4:192.0.2.250":   {"ipv4:192.0.2.251": 1, "ipv6:2001:DB8:2::1": 0.2, "ipv4:203.0.113.9": 0.5},
		"ipv6:2001:DB8:2::1": {"ipv4:192.0.2.251": 1, "ipv6:2001:DB8:2::1": 0},
	}
	t.Run("endpoint cost", func(t *testing.T) {
		ecm, err := c.EndpointCost(ctx, &alto.EndpointCostParams{CostType: ct, Endpoints: alto.EndpointFilter{Srcs: srcs, Dsts: dsts}})
		if err != nil {
			t.Fatalf("EndpointCost: %v", err)
		}
		if !reflect.DeepEqual(ecm.EndpointCostMap, want) {
			t.Errorf("costs %v, want %v", ecm.EndpointCostMap, want)
		}
		if n := srv.requests("GET /alto/endpointcost/"); n != 0 {
			t.Errorf("the POST redirect reached the server as %d GET requests", n)
		}
	})
	t.Run("endpoint properties", func(t *testing.T) {
		eps, err := c.EndpointProperties(ctx, &alto.EndpointPropParams{Properties: []string{"networkmap.pid"}, Endpoints: []string{"ipv4:192.0.2.251", "ipv6:2001:DB8:2::5"}})
		if err != nil {
			t.Fatalf("EndpointProperties: %v", err)
		}
		wantProps := map[string]map[string]string{
			"ipv4:192.0.2.251":   {"networkmap.pid": "XRD1"},
			"ipv6:2001:DB8:2::5": {"networkmap.pid": "XRD2"},
		}
		if !reflect.DeepEqual(eps.EndpointProperties, wantProps) {
			t.Errorf("properties %v, want %v", eps.EndpointProperties, wantProps)
		}
	})
	t.Run("local map", func(t *testing.T) {
		lm, err := c.LocalCostMap(ctx, ct)
		if err != nil {
			t.Fatalf("LocalCostMap: %v", err)
		}
		got, err := lm.EndpointCost(srcs, dsts)
		if err != nil {
			t.Fatalf("EndpointCost: %v", err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("local costs %v, want %v", got, want)
		}
	})

	t.Run("warnings", func(t *testing.T) {
		checkDeviantWarnings(t, log)
	})
}

// checkDeviantWarnings checks that every deviation of deviantServer was
// reported for the resource that has it, with a rule and a detail.
func checkDeviantWarnings(t *testing.T, log *warningLog) {
	expected := []struct {
		deviation client.Deviation
		path      string
	}{
		{client.DeviationTrailingSlash, "/alto/ird"},
		{client.DeviationTrailingSlash, "/alto/networkmap"},
		{client.DeviationTrailingSlash, "/alto/costmap/routingcost"},
		{client.DeviationTrailingSlash, "/alto/endpointcost"},
		{client.DeviationTrailingSlash, "/alto/endpointprop"},
		{client.DeviationMissingVTag, "/alto/networkmap/"},
		{client.DeviationMediaTypeParameters, "/alto/networkmap/"},
		{client.DeviationMediaTypeCase, "/alto/costmap/routingcost/"},
		{client.DeviationStringCost, "/alto/costmap/routingcost/"},
		{client.DeviationMissingDependentVTags, "/alto/costmap/routingcost/"},
		{client.DeviationUntypedEndpoint, "/alto/endpointcost/"},
		{client.DeviationStringCost, "/alto/endpointcost/"},
		{client.DeviationMediaTypeParameters, "/alto/endpointcost/"},
		{client.DeviationUntypedEndpoint, "/alto/endpointprop/"},
	}
	for _, e := range expected {
		t.Run(string(e.deviation)+" "+e.path, func(t *testing.T) {
			found := log.find(e.deviation, e.path)
			if len(found) == 0 {
				t.Fatalf("no warning; got %v", log.list)
			}
			for _, w := range found {
				if !strings.HasPrefix(w.Rule, "RFC ") || w.Detail == "" {
					t.Errorf("warning %v lacks a rule or a detail", w)
				}
			}
		})
	}
	for _, deviation := range []client.Deviation{client.DeviationMediaTypeParameters, client.DeviationMediaTypeCase} {
		if found := log.find(deviation, "/alto/ird/"); len(found) > 0 {
			t.Errorf("warnings for the IRD, which has a clean Content-Type: %v", found)
		}
	}
}

func TestDeviantServerWarningDetails(t *testing.T) {
	srv := newDeviantServer(t, "", "")
	log := &warningLog{}
	c, err := client.New(srv.URL+"/alto/ird/", client.WithWarningHandler(log.add))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	_, err = c.EndpointCost(context.Background(), &alto.EndpointCostParams{
		CostType:  alto.CostType{Mode: alto.CostModeNumerical, Metric: alto.CostMetricRoutingCost},
		Endpoints: alto.EndpointFilter{Srcs: []string{"ipv6:2001:DB8:2::1"}, Dsts: []string{"ipv4:192.0.2.250"}},
	})
	if err != nil {
		t.Fatalf("EndpointCost: %v", err)
	}
	tests := []struct {
		deviation client.Deviation
		detail    string
		rule      string
	}{
		{client.DeviationUntypedEndpoint, `"192.0.2.250" read as "ipv4:192.0.2.250", and 1 more key`, "Sections 10.4.1 and 11.5.1.6"},
		{client.DeviationStringCost, `"0.2" read as 0.2`, "Section 11.5.1.6"},
		{client.DeviationMediaTypeParameters, `"application/alto-endpointcost+json;charset=utf-8" read as "application/alto-endpointcost+json"`, "Section 12"},
		{client.DeviationTrailingSlash, "POST " + srv.URL + "/alto/endpointcost got HTTP 301", "Section 9.2.2"},
	}
	for _, tt := range tests {
		t.Run(string(tt.deviation), func(t *testing.T) {
			found := log.find(tt.deviation, "")
			if len(found) != 1 {
				t.Fatalf("%d warnings, want 1: %v", len(found), found)
			}
			if !strings.Contains(found[0].Detail, tt.detail) {
				t.Errorf("detail %q, want one containing %q", found[0].Detail, tt.detail)
			}
			if !strings.Contains(found[0].Rule, tt.rule) {
				t.Errorf("rule %q, want one citing %q", found[0].Rule, tt.rule)
			}
		})
	}
	if n := len(log.list); n != len(tests) {
		t.Errorf("%d warnings, want %d: %v", n, len(tests), log.list)
	}
}

func TestDeviantServerVersions(t *testing.T) {
	tests := []struct {
		name               string
		vtag, dependentTag string
		wantErr            error
		networkMapFetches  int
	}{
		{"tags equal", "v1", "v1", nil, 1},
		{"both missing", "", "", nil, 1},
		{"tags differ", "v2", "v1", client.ErrVersionMismatch, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newDeviantServer(t, tt.vtag, tt.dependentTag)
			log := &warningLog{}
			c, err := client.New(srv.URL+"/alto/ird/", client.WithWarningHandler(log.add))
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			lm, err := c.LocalCostMap(context.Background(), alto.CostType{Mode: alto.CostModeNumerical, Metric: alto.CostMetricRoutingCost})
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("LocalCostMap error = %v, want %v", err, tt.wantErr)
			}
			if got := srv.requests("GET /alto/networkmap/"); got != tt.networkMapFetches {
				t.Errorf("network map fetched %d times, want %d", got, tt.networkMapFetches)
			}
			missing := len(log.find(client.DeviationMissingVTag, "")) + len(log.find(client.DeviationMissingDependentVTags, ""))
			if (tt.vtag == "") != (missing > 0) {
				t.Errorf("vtag %q: %d warnings about missing version tags", tt.vtag, missing)
			}
			if err == nil && lm.VersionTag().Tag != tt.vtag {
				t.Errorf("VersionTag = %v, want tag %q", lm.VersionTag(), tt.vtag)
			}
		})
	}
}

func TestDefaultWarningsLoggedOnce(t *testing.T) {
	var buf bytes.Buffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, nil)))
	t.Cleanup(func() { slog.SetDefault(prev) })

	srv := newDeviantServer(t, "", "")
	c, err := client.New(srv.URL + "/alto/ird/")
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	for i := range 3 {
		if _, err := c.NetworkMap(context.Background(), ""); err != nil {
			t.Fatalf("NetworkMap %d: %v", i, err)
		}
	}
	for _, deviation := range []client.Deviation{client.DeviationMissingVTag, client.DeviationMediaTypeParameters} {
		if n := strings.Count(buf.String(), fmt.Sprintf("deviation=%q", string(deviation))); n != 1 {
			t.Errorf("%q logged %d times in 3 responses, want once:\n%s", deviation, n, buf.String())
		}
	}
}

func TestDeviantServerBodyLimit(t *testing.T) {
	srv := newDeviantServer(t, "", "")
	c, err := client.New(srv.URL+"/alto/ird/", client.WithMaxBodySize(200), client.WithWarningHandler(nil))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	r := client.Resource{ID: "networkmap", ResourceEntry: alto.ResourceEntry{URI: srv.URL + "/alto/networkmap/", MediaType: alto.MediaTypeNetworkMap}}
	_, err = c.Get(context.Background(), r)
	if err == nil || !strings.Contains(err.Error(), "larger than 200 bytes") {
		t.Errorf("error = %v, want a body size error", err)
	}
}
