package client_test

import (
	"context"
	"errors"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/netip"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/client"
	"github.com/goalto/goalto/internal/alttest"
	"github.com/goalto/goalto/internal/daemon"
	"github.com/goalto/goalto/internal/datadir"
)

// queriesPerCostType is how many random endpoint cost queries each cost
// type gets in TestLocalMapMatchesServer.
const queriesPerCostType = 200

// endpointQuery is one endpoint cost query of typed addresses.
type endpointQuery struct {
	srcs, dsts []string
}

// strictClient returns a client for irdURL that fails the test on any
// warning, because goalto's responses follow the RFC.
func strictClient(t *testing.T, irdURL string, opts ...client.Option) *client.Client {
	t.Helper()
	opts = append([]client.Option{client.WithWarningHandler(func(w client.Warning) {
		t.Errorf("unexpected warning: %v", w)
	})}, opts...)
	c, err := client.New(irdURL, opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

func TestLocalMapMatchesServer(t *testing.T) {
	tests := []struct {
		name       string
		definition func(t *testing.T) string
	}{
		{"built-in network", func(*testing.T) string { return "" }},
		{"pfx2as with AS topology", func(t *testing.T) string {
			return writeASNetwork(t, asNetworkSpec{
				table:       datadir.Path(t, "pfx2as-pyasn", "ipasn6_20151101.dat.gz"),
				graph:       datadir.Path(t, "topology-zoo", "DeutscheTelekom.graphml"),
				keepEvery:   400,
				varyMetrics: true,
			}).Definition
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := strictClient(t, alttest.Start(t, tt.definition(t)))
			ctx := context.Background()
			nm, err := c.NetworkMap(ctx, "")
			if err != nil {
				t.Fatalf("NetworkMap: %v", err)
			}
			costTypes := offeredCostTypes(t, c)
			r := rand.New(rand.NewPCG(7285, 11))
			for _, ct := range costTypes {
				t.Run(ct.Metric+"/"+ct.Mode, func(t *testing.T) {
					lm, err := c.LocalCostMap(ctx, ct)
					if err != nil {
						t.Fatalf("LocalCostMap: %v", err)
					}
					compareWithServer(t, c, lm, randomQueries(r, networkPrefixes(nm), queriesPerCostType))
				})
			}
		})
	}
}

// offeredCostTypes returns the cost types of the endpoint cost service,
// and fails the test when there are none.
func offeredCostTypes(t *testing.T, c *client.Client) []alto.CostType {
	t.Helper()
	ecs, err := c.EndpointCostResource(context.Background(), alto.CostType{}, false)
	if err != nil {
		t.Fatalf("EndpointCostResource: %v", err)
	}
	if len(ecs.CostTypes) == 0 {
		t.Fatal("the endpoint cost service offers no cost type")
	}
	return ecs.CostTypes
}

// compareWithServer sends each query to the server's endpoint cost
// service and to the local map, and checks that the results are equal.
// It fails the test when fewer than a quarter of the queries have a
// cost, or when no ordinal answer ranks above 1, since the comparison
// would then prove little.
func compareWithServer(t *testing.T, c *client.Client, lm *client.LocalMap, queries []endpointQuery) {
	t.Helper()
	ctx := context.Background()
	answered, topRank := 0, 0.0
	for _, q := range queries {
		want, err := c.EndpointCost(ctx, &alto.EndpointCostParams{
			CostType:  lm.CostType(),
			Endpoints: alto.EndpointFilter{Srcs: q.srcs, Dsts: q.dsts},
		})
		if err != nil {
			t.Fatalf("server EndpointCost(%v, %v): %v", q.srcs, q.dsts, err)
		}
		got, err := lm.EndpointCost(q.srcs, q.dsts)
		if err != nil {
			t.Fatalf("local EndpointCost(%v, %v): %v", q.srcs, q.dsts, err)
		}
		if !reflect.DeepEqual(got, want.EndpointCostMap) {
			t.Errorf("EndpointCost(%v, %v):\nlocal  %v\nserver %v", q.srcs, q.dsts, got, want.EndpointCostMap)
		}
		if len(got) > 0 {
			answered++
		}
		for _, row := range got {
			for _, v := range row {
				topRank = max(topRank, v)
			}
		}
	}
	if answered < len(queries)/4 {
		t.Errorf("only %d of %d queries have a cost", answered, len(queries))
	}
	if lm.CostType().Mode == alto.CostModeOrdinal && topRank < 2 {
		t.Errorf("no ordinal answer ranks above 1 in %d queries", len(queries))
	}
}

// networkPrefixes returns the prefixes of a network map in PID order.
func networkPrefixes(nm *alto.NetworkMap) []netip.Prefix {
	var out []netip.Prefix
	for _, pid := range sortedPIDs(nm) {
		for _, typ := range []string{alto.AddressTypeIPv4, alto.AddressTypeIPv6} {
			out = append(out, nm.NetworkMap[pid][typ]...)
		}
	}
	return out
}

// randomQueries returns n queries of 1 to 3 sources and 1 to 6
// destinations. Most addresses lie inside the given prefixes. The rest
// are random IPv4 addresses, random global IPv6 addresses, and repeats
// of an address of the same query. A third of the IPv6 addresses are
// spelled in upper case, which responses must echo.
func randomQueries(r *rand.Rand, within []netip.Prefix, n int) []endpointQuery {
	queries := make([]endpointQuery, n)
	for i := range queries {
		q := &queries[i]
		for range 1 + r.IntN(3) {
			q.srcs = append(q.srcs, randomEndpoint(r, within, q.srcs))
		}
		for range 1 + r.IntN(6) {
			q.dsts = append(q.dsts, randomEndpoint(r, within, q.dsts))
		}
	}
	return queries
}

func randomEndpoint(r *rand.Rand, within []netip.Prefix, earlier []string) string {
	var a netip.Addr
	switch x := r.IntN(100); {
	case x < 5 && len(earlier) > 0:
		return earlier[r.IntN(len(earlier))]
	case x < 15:
		a = netip.AddrFrom4([4]byte{byte(r.UintN(224)), byte(r.UintN(256)), byte(r.UintN(256)), byte(r.UintN(256))})
	case x < 25:
		a = randomAddrIn(r, netip.MustParsePrefix("2000::/3"))
	default:
		a = randomAddrIn(r, within[r.IntN(len(within))])
	}
	if a.Is4() {
		return "ipv4:" + a.String()
	}
	if r.IntN(3) == 0 {
		return "ipv6:" + strings.ToUpper(a.String())
	}
	return "ipv6:" + a.String()
}

// refreshDefinition is a small network whose costs the refresh test
// changes.
const refreshDefinition = `groups:
  - {pid: a, prefixes: [192.0.2.0/25]}
  - {pid: b, prefixes: [192.0.2.128/25, 2001:db8:b::/48]}
  - {pid: c, prefixes: [198.51.100.0/24, 2001:db8::/32]}
costs:
  routingcost:
    a: {a: 0, b: 5, c: 10}
    b: {a: 5, b: 0, c: 3}
    c: {a: 10, b: 3, c: 0}
`

func TestLocalMapRefresh(t *testing.T) {
	path := filepath.Join(t.TempDir(), "network.yaml")
	writeFile(t, path, refreshDefinition)
	d := alttest.StartConfig(t, daemon.Config{Definition: path})
	rec := &recorder{}
	c := strictClient(t, d.IRDURL(), client.WithHTTPClient(&http.Client{Transport: rec}))
	ctx := context.Background()
	ct := alto.CostType{Mode: alto.CostModeNumerical, Metric: alto.CostMetricRoutingCost}
	lm, err := c.LocalCostMap(ctx, ct)
	if err != nil {
		t.Fatalf("LocalCostMap: %v", err)
	}
	srcs := []string{"ipv4:192.0.2.1", "ipv6:2001:db8:b::1"}
	dsts := []string{"ipv4:192.0.2.200", "ipv4:198.51.100.7", "ipv6:2001:db8:1::1"}
	queries := []endpointQuery{{srcs, dsts}, {dsts, srcs}}
	compareAnswers(t, c, lm, queries)
	tag := lm.VersionTag()
	if tag.Tag == "" {
		t.Fatal("local map has no network map vtag")
	}

	changed, err := lm.Refresh(ctx)
	if err != nil {
		t.Fatalf("Refresh without change: %v", err)
	}
	if changed {
		t.Error("Refresh without change reported a change")
	}
	nmRes, err := c.NetworkMapResource(ctx)
	if err != nil {
		t.Fatalf("NetworkMapResource: %v", err)
	}
	if ex := rec.last(t, nmRes.URI); ex.status != http.StatusNotModified || ex.header.Get("If-None-Match") == "" {
		t.Errorf("network map revalidation: status %d, If-None-Match %q; want 304 after If-None-Match", ex.status, ex.header.Get("If-None-Match"))
	}

	writeFile(t, path, strings.Replace(refreshDefinition, "  - {pid: c, prefixes: [198.51.100.0/24, 2001:db8::/32]}",
		"  - {pid: c, prefixes: [198.51.100.0/25, 2001:db8::/32]}\n  - {pid: d, prefixes: [198.51.100.128/25]}", 1)+
		"    d: {a: 1, b: 2, c: 4, d: 0}\n")
	if err := d.Reload(); err != nil {
		t.Fatalf("Reload: %v", err)
	}
	changed, err = lm.Refresh(ctx)
	if err != nil {
		t.Fatalf("Refresh after a change: %v", err)
	}
	if !changed {
		t.Error("Refresh after a change reported no change")
	}
	if lm.VersionTag() == tag {
		t.Errorf("network map vtag %v did not change", tag)
	}
	if pid, ok := lm.PID(netip.MustParseAddr("198.51.100.200")); !ok || pid != "d" {
		t.Errorf("PID(198.51.100.200) = %q, %v after refresh; want d", pid, ok)
	}
	compareAnswers(t, c, lm, append(queries, endpointQuery{[]string{"ipv4:198.51.100.200"}, srcs}))
}

// compareAnswers checks that the local map and the server return equal
// non-empty costs.
func compareAnswers(t *testing.T, c *client.Client, lm *client.LocalMap, queries []endpointQuery) {
	t.Helper()
	for _, q := range queries {
		want, err := c.EndpointCost(context.Background(), &alto.EndpointCostParams{
			CostType: lm.CostType(), Endpoints: alto.EndpointFilter{Srcs: q.srcs, Dsts: q.dsts}})
		if err != nil {
			t.Fatalf("server EndpointCost: %v", err)
		}
		got, err := lm.EndpointCost(q.srcs, q.dsts)
		if err != nil {
			t.Fatalf("local EndpointCost: %v", err)
		}
		if len(want.EndpointCostMap) == 0 {
			t.Errorf("server has no costs for %v to %v", q.srcs, q.dsts)
		}
		if !reflect.DeepEqual(got, want.EndpointCostMap) {
			t.Errorf("EndpointCost(%v, %v):\nlocal  %v\nserver %v", q.srcs, q.dsts, got, want.EndpointCostMap)
		}
	}
}

func TestLocalMapReusesNetworkMap(t *testing.T) {
	rec := &recorder{}
	c := strictClient(t, alttest.Start(t, ""), client.WithHTTPClient(&http.Client{Transport: rec}))
	ctx := context.Background()
	costTypes := offeredCostTypes(t, c)
	if len(costTypes) < 2 {
		t.Fatalf("need 2 cost types, the server offers %d", len(costTypes))
	}
	nmRes, err := c.NetworkMapResource(ctx)
	if err != nil {
		t.Fatalf("NetworkMapResource: %v", err)
	}
	var tags []alto.VersionTag
	for i, ct := range costTypes[:2] {
		lm, err := c.LocalCostMap(ctx, ct)
		if err != nil {
			t.Fatalf("LocalCostMap(%v): %v", ct, err)
		}
		tags = append(tags, lm.VersionTag())
		wantStatus := http.StatusOK
		if i > 0 {
			wantStatus = http.StatusNotModified
		}
		if got := rec.last(t, nmRes.URI).status; got != wantStatus {
			t.Errorf("local map %d: network map status %d, want %d", i, got, wantStatus)
		}
	}
	if tags[0] != tags[1] || tags[0].ResourceID != nmRes.ID {
		t.Errorf("vtags %v, want two equal vtags of %q", tags, nmRes.ID)
	}
}

func TestLocalMapEndpointCostAddrs(t *testing.T) {
	c := strictClient(t, alttest.Start(t, ""))
	ct := alto.CostType{Mode: alto.CostModeOrdinal, Metric: alto.CostMetricRoutingCost}
	lm, err := c.LocalCostMap(context.Background(), ct)
	if err != nil {
		t.Fatalf("LocalCostMap: %v", err)
	}
	nm := fullNetworkMap(t, c)
	byPID := ipv4Endpoints(nm, 4)
	var addrs []netip.Addr
	var typed []string
	for _, pid := range slices.Sorted(maps.Keys(byPID)) {
		addrs = append(addrs, byPID[pid])
		typed = append(typed, "ipv4:"+byPID[pid].String())
		if got, ok := lm.PID(byPID[pid]); !ok || got != pid {
			t.Errorf("PID(%v) = %q, %v; want %q", byPID[pid], got, ok, pid)
		}
	}
	got, err := lm.EndpointCostAddrs(addrs[:1], addrs)
	if err != nil {
		t.Fatalf("EndpointCostAddrs: %v", err)
	}
	want, err := lm.EndpointCost(typed[:1], typed)
	if err != nil {
		t.Fatalf("EndpointCost: %v", err)
	}
	if len(want) == 0 || !reflect.DeepEqual(got, want) {
		t.Errorf("EndpointCostAddrs = %v, EndpointCost = %v; want equal and non-empty", got, want)
	}
}

func TestLocalMapRejectsInvalidEndpoints(t *testing.T) {
	c := strictClient(t, alttest.Start(t, ""))
	lm, err := c.LocalCostMap(context.Background(), alto.CostType{Mode: alto.CostModeNumerical, Metric: alto.CostMetricHopCount})
	if err != nil {
		t.Fatalf("LocalCostMap: %v", err)
	}
	valid := []string{"ipv4:192.0.2.1"}
	tests := []struct {
		name       string
		srcs, dsts []string
		want       string
	}{
		{"empty sources", nil, valid, "endpoints/srcs: empty list"},
		{"empty destinations", valid, []string{}, "endpoints/dsts: empty list"},
		{"untyped address", []string{"192.0.2.1"}, valid, `invalid typed endpoint address "192.0.2.1"`},
		{"wrong address type", valid, []string{"ipv4:2001:db8::1"}, `invalid typed endpoint address "ipv4:2001:db8::1"`},
		{"zone", valid, []string{"ipv6:fe80::1%eth0"}, `invalid typed endpoint address "ipv6:fe80::1%eth0"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := lm.EndpointCost(tt.srcs, tt.dsts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want one containing %q", err, tt.want)
			}
		})
	}
	t.Run("zone in netip.Addr", func(t *testing.T) {
		_, err := lm.EndpointCostAddrs([]netip.Addr{netip.MustParseAddr("fe80::1%eth0")}, []netip.Addr{netip.MustParseAddr("192.0.2.1")})
		if err == nil || !strings.Contains(err.Error(), "without zone") {
			t.Errorf("error = %v, want a zone error", err)
		}
	})
}

func TestLocalCostMapUnknownCostType(t *testing.T) {
	c := strictClient(t, alttest.Start(t, ""))
	_, err := c.LocalCostMap(context.Background(), alto.CostType{Mode: alto.CostModeNumerical, Metric: "delay-ow"})
	if !errors.Is(err, client.ErrNotFound) {
		t.Errorf("error = %v, want ErrNotFound", err)
	}
}

func TestLocalMapConcurrentRefresh(t *testing.T) {
	c := strictClient(t, alttest.Start(t, ""))
	ctx := context.Background()
	lm, err := c.LocalCostMap(ctx, alto.CostType{Mode: alto.CostModeOrdinal, Metric: alto.CostMetricHopCount})
	if err != nil {
		t.Fatalf("LocalCostMap: %v", err)
	}
	queries := randomQueries(rand.New(rand.NewPCG(1, 2)), networkPrefixes(fullNetworkMap(t, c)), 50)
	want := make([]map[string]map[string]float64, len(queries))
	for i, q := range queries {
		if want[i], err = lm.EndpointCost(q.srcs, q.dsts); err != nil {
			t.Fatalf("EndpointCost: %v", err)
		}
	}

	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for i, q := range queries {
				got, err := lm.EndpointCost(q.srcs, q.dsts)
				if err != nil || !reflect.DeepEqual(got, want[i]) {
					t.Errorf("EndpointCost(%v, %v) during refresh = %v, %v; want %v", q.srcs, q.dsts, got, err, want[i])
					return
				}
			}
		})
	}
	for range 10 {
		if _, err := lm.Refresh(ctx); err != nil {
			t.Errorf("Refresh: %v", err)
		}
	}
	wg.Wait()
}

func TestLocalMapFromFilteredCostMap(t *testing.T) {
	path := filepath.Join(t.TempDir(), "network.yaml")
	writeFile(t, path, refreshDefinition+`resources:
  - {id: default-network-map, type: network-map, path: /networkmap}
  - {id: filtered-cost-map, type: filtered-cost-map, path: /costmap/filtered, cost-types: [num-routing, ord-routing]}
  - {id: endpoint-cost, type: endpoint-cost, path: /endpointcost/lookup, cost-types: [num-routing, ord-routing]}
`)
	rec := &recorder{}
	c := strictClient(t, alttest.Start(t, path), client.WithHTTPClient(&http.Client{Transport: rec}))
	ctx := context.Background()
	filtered, err := c.FilteredCostMapResource(ctx, alto.CostType{}, false)
	if err != nil {
		t.Fatalf("FilteredCostMapResource: %v", err)
	}
	queries := []endpointQuery{
		{[]string{"ipv4:192.0.2.1"}, []string{"ipv4:192.0.2.200", "ipv4:198.51.100.7", "ipv4:192.0.2.2"}},
		{[]string{"ipv6:2001:db8::1", "ipv4:192.0.2.129"}, []string{"ipv4:192.0.2.1", "ipv6:2001:db8:b::9"}},
	}
	for _, mode := range []string{alto.CostModeNumerical, alto.CostModeOrdinal} {
		t.Run(mode, func(t *testing.T) {
			lm, err := c.LocalCostMap(ctx, alto.CostType{Mode: mode, Metric: alto.CostMetricRoutingCost})
			if err != nil {
				t.Fatalf("LocalCostMap: %v", err)
			}
			if ex := rec.last(t, filtered.URI); ex.method != http.MethodPost {
				t.Errorf("cost map fetched with %s, want POST to the filtered cost map service", ex.method)
			}
			compareAnswers(t, c, lm, queries)
			changed, err := lm.Refresh(ctx)
			if err != nil || changed {
				t.Errorf("Refresh = %v, %v; want no change", changed, err)
			}
		})
	}
}
