package client_test

import (
	"context"
	"math/rand/v2"
	"net/netip"
	"reflect"
	"testing"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/client"
	"github.com/goalto/goalto/internal/alttest"
	"github.com/goalto/goalto/internal/datadir"
)

// benchQueryCount is how many distinct queries the endpoint cost
// benchmark cycles through.
const benchQueryCount = 1024

// benchResources serves the full numerical routing cost map of the
// full-table network, which has more PIDs than the default limit for
// full cost maps, and an endpoint cost service to check local costs
// against.
const benchResources = `resources:
  - {id: default-network-map, type: network-map, path: /networkmap}
  - {id: num-routing-cost-map, type: cost-map, path: /costmap/num/routingcost, cost-types: [num-routing]}
  - {id: endpoint-cost, type: endpoint-cost, path: /endpointcost/lookup, cost-types: [num-routing]}
`

// localBench is the fixture of the client benchmarks: a server of the
// full table and a client with a local map of it.
type localBench struct {
	irdURL  string
	client  *client.Client
	local   *client.LocalMap
	queries []endpointQuery
}

// loadLocalBench starts a goalto server of the whole RouteViews table
// of 2015-11-01 (pids: asn, 52,015 PIDs with the default PID). Its costs
// come from the Kentucky Datalink topology of Topology Zoo (754 nodes),
// whose i-th node carries the AS with the i-th most prefixes. It builds a
// local map of numerical routing cost and draws queries of 1 source
// and 5 destinations with a fixed seed from the prefixes of those ASes.
// It checks 32 of the queries against the server's endpoint cost
// service before returning.
func loadLocalBench(b *testing.B) *localBench {
	b.Helper()
	net := writeASNetwork(b, asNetworkSpec{
		table:      datadir.Path(b, "pfx2as-pyasn", "ipasn6_20151101.dat.gz"),
		graph:      datadir.Path(b, "topology-zoo", "Kdl.graphml"),
		keepEvery:  1,
		networkMap: "  max-cost-map-pids: 60000\n",
		resources:  benchResources,
	})
	f := &localBench{irdURL: alttest.Start(b, net.Definition)}
	var err error
	if f.client, err = client.New(f.irdURL, client.WithWarningHandler(func(w client.Warning) { b.Errorf("warning: %v", w) })); err != nil {
		b.Fatalf("New: %v", err)
	}
	ct := alto.CostType{Mode: alto.CostModeNumerical, Metric: alto.CostMetricRoutingCost}
	if f.local, err = f.client.LocalCostMap(context.Background(), ct); err != nil {
		b.Fatalf("LocalCostMap: %v", err)
	}
	f.queries = oneToFiveQueries(rand.New(rand.NewPCG(7285, 1151)), net.Attached, benchQueryCount)
	for _, q := range f.queries[:32] {
		want, err := f.client.EndpointCost(context.Background(), &alto.EndpointCostParams{
			CostType: ct, Endpoints: alto.EndpointFilter{Srcs: q.srcs, Dsts: q.dsts}})
		if err != nil {
			b.Fatalf("server EndpointCost: %v", err)
		}
		got, err := f.local.EndpointCost(q.srcs, q.dsts)
		if err != nil {
			b.Fatalf("local EndpointCost: %v", err)
		}
		if !reflect.DeepEqual(got, want.EndpointCostMap) {
			b.Fatalf("EndpointCost(%v, %v): local %v, server %v", q.srcs, q.dsts, got, want.EndpointCostMap)
		}
	}
	return f
}

// oneToFiveQueries returns n queries of 1 source and 5 destinations,
// each address drawn from inside a random prefix.
func oneToFiveQueries(r *rand.Rand, within []netip.Prefix, n int) []endpointQuery {
	addr := func() string {
		a := randomAddrIn(r, within[r.IntN(len(within))])
		if a.Is4() {
			return "ipv4:" + a.String()
		}
		return "ipv6:" + a.String()
	}
	queries := make([]endpointQuery, n)
	for i := range queries {
		queries[i] = endpointQuery{srcs: []string{addr()}, dsts: []string{addr(), addr(), addr(), addr(), addr()}}
	}
	return queries
}

// BenchmarkLocalEndpointCost computes endpoint costs for queries of 1
// source and 5 destinations from a local map of the full table, without
// HTTP.
func BenchmarkLocalEndpointCost(b *testing.B) {
	f := loadLocalBench(b)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		q := f.queries[i%len(f.queries)]
		if _, err := f.local.EndpointCost(q.srcs, q.dsts); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "queries/s")
}

// BenchmarkLocalCostMapFullTable builds a local map of the full table
// with a new client, and so an empty cache, each time: a GET of the
// network map and of the cost map, decoding both, and indexing the
// prefixes and costs. It reports the sizes of the two response bodies.
func BenchmarkLocalCostMapFullTable(b *testing.B) {
	f := loadLocalBench(b)
	ctx := context.Background()
	ct := f.local.CostType()
	b.ReportAllocs()
	for b.Loop() {
		c, err := client.New(f.irdURL)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.LocalCostMap(ctx, ct); err != nil {
			b.Fatal(err)
		}
	}
	for _, get := range []struct {
		unit string
		find func() (client.Resource, error)
	}{
		{"networkmap-MiB", func() (client.Resource, error) { return f.client.NetworkMapResource(ctx) }},
		{"costmap-MiB", func() (client.Resource, error) { return f.client.CostMapResource(ctx, ct) }},
	} {
		r, err := get.find()
		if err != nil {
			b.Fatal(err)
		}
		resp, err := f.client.Get(ctx, r)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(len(resp.Body))/(1<<20), get.unit)
	}
}
