package pathvector_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/alttest"
	"github.com/goalto/goalto/internal/daemon"
	"github.com/goalto/goalto/internal/datadir"
	"github.com/goalto/goalto/internal/pathvector"
	"github.com/goalto/goalto/internal/topology"
)

// Shape of the benchmark requests: 1 source and 50 destinations, drawn
// with a fixed seed into benchBodies request bodies that the clients
// cycle through.
const (
	benchDsts   = 50
	benchBodies = 256
	// benchChecked is the number of bodies whose two responses are
	// compared before measuring.
	benchChecked = 16
	// benchClientsPerCPU sets b.SetParallelism: with GOMAXPROCS 2 it
	// gives 4 client goroutines, as the server benchmarks use.
	benchClientsPerCPU = 2
)

// benchPVAccept is the Accept header of a path vector endpoint cost
// request. The type parameter is quoted, because server.Acceptable skips
// an Accept value that mime.ParseMediaType rejects.
const benchPVAccept = `multipart/related; type="` + alto.MediaTypeEndpointCost + `",` + alto.MediaTypeError

// BenchmarkPathVectorECS1x50 sends path vector endpoint cost requests
// (RFC 9275, Section 7.3) with 1 source and 50 destinations to a real
// server, and the same endpoints to the RFC 7285 endpoint cost service
// of that server with the numerical routing cost. The networks are
// Topology Zoo graphs where node i has the PID "n<i>" with the prefix
// 10.x.y.0/24 (x.y = i). Kdl (754 nodes, 899 links) is the largest
// graph and gives no link capacities, so its ANEs have no
// max-reservable-bandwidth. Uninett2010 (74 nodes) gives capacities,
// so its property map part has values. Both services find the same
// shortest paths. The path vector service also names one ANE per link
// and writes a multipart response with the property map.
func BenchmarkPathVectorECS1x50(b *testing.B) {
	for _, name := range []string{"Kdl.graphml", "Uninett2010.graphml"} {
		b.Run(strings.TrimSuffix(name, ".graphml"), func(b *testing.B) {
			n := startBenchNetwork(b, name)
			pv, ecs := n.requests()
			client := newBenchClient(b)
			pvBytes, ecsBytes, err := n.compare(client, pv, ecs)
			if err != nil {
				b.Fatal(err)
			}
			b.Run("pathvector", func(b *testing.B) {
				runBenchRequests(b, client, pv)
				b.ReportMetric(pvBytes, "body-B")
			})
			b.Run("endpointcost", func(b *testing.B) {
				runBenchRequests(b, client, ecs)
				b.ReportMetric(ecsBytes, "body-B")
			})
		})
	}
}

// benchNetwork is a served Topology Zoo graph.
type benchNetwork struct {
	graph  *topology.Graph
	origin string // scheme and host of the server
	// prefixes are the /24 of each node.
	prefixes []netip.Prefix
}

// startBenchNetwork serves a Topology Zoo graph with one PID and one /24
// per node, a path vector endpoint cost resource and an endpoint cost
// resource.
func startBenchNetwork(b *testing.B, name string) *benchNetwork {
	b.Helper()
	file := datadir.Path(b, "topology-zoo", name)
	g, err := topology.Load(file)
	if err != nil {
		b.Fatal(err)
	}
	if len(g.Nodes) > 1<<16 {
		b.Fatalf("%s has %d nodes; the benchmark gives each a /24 of 10.0.0.0/8", name, len(g.Nodes))
	}
	for i, l := range g.Links {
		// The checks compare path lengths with routing costs.
		if l.Metric != 1 {
			b.Fatalf("%s: link %d has metric %v; the benchmark expects metric 1 on every link", name, i, l.Metric)
		}
	}

	n := &benchNetwork{graph: g, prefixes: make([]netip.Prefix, len(g.Nodes))}
	var def strings.Builder
	fmt.Fprintf(&def, "network-map: {pids: group}\ntopology: %q\ngroups:\n", file)
	for i, node := range g.Nodes {
		n.prefixes[i] = netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), 0}), 24)
		fmt.Fprintf(&def, "  - {pid: n%d, node: %q, prefixes: [%s]}\n", i, node.ID, n.prefixes[i])
	}
	def.WriteString(`resources:
  - {id: default-network-map, type: network-map, path: /networkmap}
  - {id: endpoint-cost, type: endpoint-cost, path: /endpointcost/lookup, cost-types: [num-routing]}
  - {id: pv-ecs, type: path-vector-endpoint-cost, path: /endpointcost/pv}
`)
	path := filepath.Join(b.TempDir(), "network.yaml")
	if err := os.WriteFile(path, []byte(def.String()), 0o644); err != nil {
		b.Fatal(err)
	}

	d := alttest.StartConfig(b, daemon.Config{Definition: path})
	u, err := url.Parse(d.IRDURL())
	if err != nil {
		b.Fatal(err)
	}
	n.origin = u.Scheme + "://" + u.Host
	return n
}

// requests returns benchBodies path vector requests and the endpoint
// cost requests with the same endpoints. Each source and destination is
// a random address in the /24 of a random node.
func (n *benchNetwork) requests() (pv, ecs []benchRequest) {
	r := rand.New(rand.NewPCG(uint64(len(n.graph.Nodes)), benchDsts))
	addr := func() string {
		p := n.prefixes[r.IntN(len(n.prefixes))].Addr().As4()
		p[3] = byte(1 + r.IntN(254))
		return alto.TypedAddr{Type: alto.AddressTypeIPv4, Addr: netip.AddrFrom4(p)}.String()
	}
	for range benchBodies {
		endpoints := alto.EndpointFilter{Srcs: []string{addr()}}
		for range benchDsts {
			endpoints.Dsts = append(endpoints.Dsts, addr())
		}
		pvBody, _ := json.Marshal(alto.PVEndpointCostParams{
			EndpointCostParams: alto.EndpointCostParams{CostType: alto.PathVectorCostType, Endpoints: endpoints},
			ANEPropertyNames:   []string{alto.PropMaxReservableBandwidth},
		})
		ecsBody, _ := json.Marshal(alto.EndpointCostParams{
			CostType:  alto.CostType{Mode: alto.CostModeNumerical, Metric: alto.CostMetricRoutingCost},
			Endpoints: endpoints,
		})
		pv = append(pv, postRequest(n.origin+"/endpointcost/pv", alto.MediaTypeEndpointCostParams, benchPVAccept, pvBody))
		ecs = append(ecs, postRequest(n.origin+"/endpointcost/lookup", alto.MediaTypeEndpointCostParams, alto.MediaTypeEndpointCost+","+alto.MediaTypeError, ecsBody))
	}
	return pv, ecs
}

// compare checks the responses to the first benchChecked pairs of
// requests. Both responses have the same source and destination pairs,
// and every path has as many ANEs as the routing cost, because every
// link has metric 1. ANEs have a max-reservable-bandwidth only when the
// graph gives link capacities. It returns the mean body size of the
// checked path vector and endpoint cost responses in bytes.
func (n *benchNetwork) compare(client *http.Client, pv, ecs []benchRequest) (pvBytes, ecsBytes float64, err error) {
	hasCapacity := slices.ContainsFunc(n.graph.Links, func(l topology.Link) bool { return l.Capacity > 0 })
	withBandwidth, pvTotal, ecsTotal := 0, 0, 0
	for i := range benchChecked {
		paths, bandwidths, size, err := pathVectors(client, pv[i])
		if err != nil {
			return 0, 0, fmt.Errorf("path vector request %d: %w", i, err)
		}
		withBandwidth += bandwidths
		pvTotal += size
		body, err := ecs[i].do(client)
		if err != nil {
			return 0, 0, fmt.Errorf("endpoint cost request %d: %w", i, err)
		}
		ecsTotal += len(body)
		var costs alto.EndpointCostMap
		if err := json.Unmarshal(body, &costs); err != nil {
			return 0, 0, fmt.Errorf("endpoint cost response %d: %w", i, err)
		}
		if err := samePairs(paths, costs.EndpointCostMap); err != nil {
			return 0, 0, fmt.Errorf("request %d: %w", i, err)
		}
	}
	if hasCapacity && withBandwidth == 0 {
		return 0, 0, fmt.Errorf("no ANE has a max-reservable-bandwidth, but the graph gives link capacities")
	}
	if !hasCapacity && withBandwidth > 0 {
		return 0, 0, fmt.Errorf("%d ANEs have a max-reservable-bandwidth, but the graph gives no link capacities", withBandwidth)
	}
	return float64(pvTotal) / benchChecked, float64(ecsTotal) / benchChecked, nil
}

// pathVectors sends a path vector request and returns its paths, the
// number of ANEs with a max-reservable-bandwidth and the body size.
func pathVectors(client *http.Client, r benchRequest) (map[string]map[string]anePath, int, int, error) {
	body, header, err := r.doWithHeader(client)
	if err != nil {
		return nil, 0, 0, err
	}
	m, err := pathvector.Decode(header.Get("Content-Type"), bytes.NewReader(body))
	if err != nil {
		return nil, 0, 0, err
	}
	var paths pvPart
	if err := json.Unmarshal(m.Root().Body, &paths); err != nil {
		return nil, 0, 0, fmt.Errorf("path vector part: %w", err)
	}
	var props propPart
	if err := json.Unmarshal(m.PropertyMap().Body, &props); err != nil {
		return nil, 0, 0, fmt.Errorf("property map part: %w", err)
	}
	withBandwidth := 0
	for _, values := range props.PropertyMap {
		if _, ok := values[alto.PropMaxReservableBandwidth]; ok {
			withBandwidth++
		}
	}
	return paths.EndpointCostMap, withBandwidth, len(body), nil
}

// samePairs checks that paths and costs have the same pairs, and that
// each path has as many ANEs as its routing cost.
func samePairs(paths map[string]map[string]anePath, costs map[string]map[string]float64) error {
	pairs := 0
	for src, row := range costs {
		for dst, cost := range row {
			path, ok := paths[src][dst]
			if !ok {
				return fmt.Errorf("%s to %s: routing cost %v but no path", src, dst, cost)
			}
			if float64(len(path)) != cost {
				return fmt.Errorf("%s to %s: path of %d ANEs, routing cost %v", src, dst, len(path), cost)
			}
			pairs++
		}
	}
	total := 0
	for _, row := range paths {
		total += len(row)
	}
	if total != pairs {
		return fmt.Errorf("%d paths, %d routing costs", total, pairs)
	}
	if pairs == 0 {
		return fmt.Errorf("no pairs in either response")
	}
	return nil
}

// newBenchClient returns a keep-alive HTTP/1.1 client with enough idle
// connections for every client goroutine. It never decompresses.
func newBenchClient(b *testing.B) *http.Client {
	tr := &http.Transport{
		MaxIdleConns:        64,
		MaxIdleConnsPerHost: 64,
		DisableCompression:  true,
	}
	b.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

// benchRequest is one POST of a benchmark.
type benchRequest struct {
	url    string
	header http.Header
	body   []byte
}

// postRequest returns a POST to an ALTO service.
func postRequest(url, contentType, accept string, body []byte) benchRequest {
	h := http.Header{"Content-Type": {contentType}, "Accept": {accept}}
	return benchRequest{url: url, header: h, body: body}
}

// do sends the request and returns the body of a 200 response.
func (r benchRequest) do(client *http.Client) ([]byte, error) {
	body, _, err := r.doWithHeader(client)
	return body, err
}

// doWithHeader sends the request and returns the body and header of a
// 200 response.
func (r benchRequest) doWithHeader(client *http.Client) ([]byte, http.Header, error) {
	var body bytes.Buffer
	header, err := r.send(client, &body)
	return body.Bytes(), header, err
}

// send sends the request, copies the response body to w and returns
// the response header; it is an error unless the status is 200 OK.
func (r benchRequest) send(client *http.Client, w io.Writer) (http.Header, error) {
	req, err := http.NewRequest(http.MethodPost, r.url, bytes.NewReader(r.body))
	if err != nil {
		return nil, err
	}
	req.Header = r.header
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
		return nil, fmt.Errorf("POST %s: %s: %s", r.url, resp.Status, msg)
	}
	_, err = io.Copy(w, resp.Body)
	return resp.Header, err
}

// runBenchRequests sends b.N requests from parallel client goroutines,
// the i-th request being requests[i % len(requests)]. It reports the
// request rate, the CPU time of the whole process per request, and the
// 50th and 99th percentile latency in microseconds. Client and server
// share the process, so CPU time and allocations count both.
func runBenchRequests(b *testing.B, client *http.Client, requests []benchRequest) {
	b.Helper()
	b.ReportAllocs()
	b.SetParallelism(benchClientsPerCPU)
	var next atomic.Uint64
	var mu sync.Mutex
	var latencies []time.Duration
	cpuBefore := processCPU()

	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var own []time.Duration
		for pb.Next() {
			r := requests[(next.Add(1)-1)%uint64(len(requests))]
			start := time.Now()
			if _, err := r.send(client, io.Discard); err != nil {
				b.Error(err)
				return
			}
			own = append(own, time.Since(start))
		}
		mu.Lock()
		latencies = append(latencies, own...)
		mu.Unlock()
	})
	b.StopTimer()

	if len(latencies) == 0 {
		return
	}
	slices.Sort(latencies)
	percentile := func(p float64) float64 {
		return float64(latencies[int(p*float64(len(latencies)-1))].Microseconds())
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	b.ReportMetric(float64((processCPU()-cpuBefore).Microseconds())/float64(b.N), "cpu-us/op")
	b.ReportMetric(percentile(0.50), "p50-us")
	b.ReportMetric(percentile(0.99), "p99-us")
}

// processCPU returns the user and system CPU time of this process.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
