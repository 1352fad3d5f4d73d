package server_test

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gaissmai/bart"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/netdef"
	"github.com/goalto/goalto/internal/prefixes"
	"github.com/goalto/goalto/internal/server"
	"github.com/goalto/goalto/internal/snapshot"
	"github.com/goalto/goalto/internal/topology"
)

// Data files of the benchmarks, relative to this package.
var (
	// benchTableFile is a RouteViews table of 2015-11-01 in pyasn format:
	// 606,138 IPv4 and 27,693 IPv6 prefixes from 52,014 origin ASes.
	benchTableFile = filepath.Join("..", "..", "..", "shared", "data", "pfx2as-pyasn", "ipasn6_20151101.dat.gz")
	// benchKdlFile is the Topology Zoo map of Kentucky Datalink: 754
	// nodes, 899 links, one connected component.
	benchKdlFile = filepath.Join("..", "..", "..", "shared", "data", "topology-zoo", "Kdl.graphml")
)

// benchClientsPerCPU sets b.SetParallelism for every request benchmark:
// with GOMAXPROCS 2 it gives 4 client goroutines, enough to keep the
// server busy while client and server share the CPUs.
const benchClientsPerCPU = 2

// benchFullTable is the full-table fixture, built once per test binary
// because a build takes seconds.
type benchFullTable struct {
	snap *snapshot.Snapshot
	// Baseline data from the same inputs: the Kdl node of the origin AS
	// of each prefix (-1 for an AS without a node), and the routing cost
	// between Kdl nodes.
	nodeOf bart.Table[int32]
	costs  [][]float64
	// ecsBodies are endpoint cost requests of 1 source and 5
	// destinations, all addresses inside prefixes of ASes with a node.
	ecsBodies [][]byte
}

var (
	fullTableOnce    sync.Once
	fullTableFixture *benchFullTable
	fullTableErr     error
)

// loadBenchFullTable returns the full-table fixture, skipping when the
// data files are absent.
func loadBenchFullTable(b *testing.B) *benchFullTable {
	b.Helper()
	for _, f := range []string{benchTableFile, benchKdlFile} {
		if _, err := os.Stat(f); err != nil {
			b.Skipf("benchmark data not available: %v", err)
		}
	}
	fullTableOnce.Do(func() {
		dir, err := os.MkdirTemp("", "goalto-bench-")
		if err != nil {
			fullTableErr = err
			return
		}
		defer os.RemoveAll(dir)
		fullTableFixture, fullTableErr = buildBenchFullTable(dir)
	})
	if fullTableErr != nil {
		b.Fatalf("full-table fixture: %v", fullTableErr)
	}
	return fullTableFixture
}

// buildBenchFullTable builds the full-table snapshot with costs from Kdl.
//
// Construction: the origin ASes of the table are ranked by prefix count
// (more first, then lower AS number), and the i-th of the 754 first is
// attached to the i-th Kdl node in file order. The Kdl graph is written
// as a goalto YAML topology whose node i has "asn: <AS i>" and whose
// links are Kdl's (metric 1). The definition names that topology and the
// table, forms one PID per origin AS (pids: asn), which attaches an AS's
// PID to the node with that ASN, and adds a default PID. The network map
// is the same as BenchmarkBuildFullTable's in package snapshot: 52,015
// PIDs, of which 754 have costs.
func buildBenchFullTable(dir string) (*benchFullTable, error) {
	table, err := prefixes.Load(benchTableFile)
	if err != nil {
		return nil, err
	}
	g, err := topology.Load(benchKdlFile)
	if err != nil {
		return nil, err
	}
	ases := rankASes(table)[:len(g.Nodes)]
	nodeOfAS := make(map[uint32]int32, len(ases))
	for i, asn := range ases {
		nodeOfAS[asn] = int32(i)
	}

	var topo strings.Builder
	topo.WriteString("name: Kdl-with-ASNs\nnodes:\n")
	for i, n := range g.Nodes {
		fmt.Fprintf(&topo, "  - {id: %s, asn: %d}\n", strconv.Quote(n.ID), ases[i])
	}
	topo.WriteString("links:\n")
	for _, l := range g.Links {
		fmt.Fprintf(&topo, "  - {from: %s, to: %s, metric: %v}\n", strconv.Quote(g.Nodes[l.From].ID), strconv.Quote(g.Nodes[l.To].ID), l.Metric)
	}
	tablePath, err := filepath.Abs(benchTableFile)
	if err != nil {
		return nil, err
	}
	definition := fmt.Sprintf(`topology: kdl.yaml
prefixes: [%s]
network-map:
  pids: asn
  default-pid: default
resources:
  - {id: default-network-map, type: network-map, path: /networkmap}
  - {id: filtered-network-map, type: filtered-network-map, path: /networkmap/filtered}
  - {id: endpoint-property, type: endpoint-property, path: /endpointprop/lookup}
  - {id: endpoint-cost, type: endpoint-cost, path: /endpointcost/lookup, cost-types: [num-routing, num-hop]}
`, strconv.Quote(tablePath))
	s, err := buildBenchSnapshot(dir, map[string]string{"kdl.yaml": topo.String(), "definition.yaml": definition})
	if err != nil {
		return nil, err
	}

	f := &benchFullTable{snap: s}
	var attached []netip.Prefix
	for _, e := range table.Entries {
		node, ok := nodeOfAS[e.ASN]
		if !ok {
			node = -1
		} else {
			attached = append(attached, e.Prefix)
		}
		f.nodeOf.Insert(e.Prefix, node)
	}
	f.nodeOf.Insert(netip.MustParsePrefix("0.0.0.0/0"), -1)
	f.nodeOf.Insert(netip.MustParsePrefix("::/0"), -1)
	paths := g.AllPairs()
	f.costs = make([][]float64, len(g.Nodes))
	for i := range f.costs {
		f.costs[i] = make([]float64, len(g.Nodes))
		for j := range f.costs[i] {
			c, ok := paths.Cost(i, j)
			if !ok {
				c = math.NaN()
			}
			f.costs[i][j] = c
		}
	}
	f.ecsBodies = endpointCostBodies(attached, 1024)
	return f, nil
}

// rankASes returns the origin ASes of a table, those with more prefixes
// first and then by AS number.
func rankASes(table *prefixes.Table) []uint32 {
	count := map[uint32]int{}
	for _, e := range table.Entries {
		count[e.ASN]++
	}
	ases := make([]uint32, 0, len(count))
	for asn := range count {
		ases = append(ases, asn)
	}
	slices.SortFunc(ases, func(a, b uint32) int {
		if c := cmp.Compare(count[b], count[a]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	return ases
}

// endpointCostBodies returns n endpoint cost requests for numerical
// routing cost, each with 1 source and 5 destinations drawn with a fixed
// seed from inside the given prefixes. An address may still fall into a
// more specific prefix of an AS without a node, which then has no cost,
// in goalto and the baseline alike.
func endpointCostBodies(within []netip.Prefix, n int) [][]byte {
	r := rand.New(rand.NewPCG(7285, 1151))
	addr := func() string {
		p := within[r.IntN(len(within))]
		a := randomAddrIn(r, p)
		if a.Is4() {
			return "ipv4:" + a.String()
		}
		return "ipv6:" + a.String()
	}
	bodies := make([][]byte, n)
	for i := range bodies {
		srcs := []string{addr()}
		dsts := []string{addr(), addr(), addr(), addr(), addr()}
		bodies[i], _ = json.Marshal(map[string]any{
			"cost-type": alto.CostType{Mode: alto.CostModeNumerical, Metric: alto.CostMetricRoutingCost},
			"endpoints": map[string][]string{"srcs": srcs, "dsts": dsts},
		})
	}
	return bodies
}

// randomAddrIn returns a random address inside a masked prefix.
func randomAddrIn(r *rand.Rand, p netip.Prefix) netip.Addr {
	b := p.Addr().AsSlice()
	for i := range b {
		hostBits := min(max((i+1)*8-p.Bits(), 0), 8)
		b[i] |= byte(r.UintN(256)) & byte(1<<hostBits-1)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// buildBenchSnapshot writes files into dir and builds the snapshot of
// dir/definition.yaml.
func buildBenchSnapshot(dir string, files map[string]string) (*snapshot.Snapshot, error) {
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			return nil, err
		}
	}
	def, err := netdef.Load(filepath.Join(dir, "definition.yaml"))
	if err != nil {
		return nil, err
	}
	return snapshot.Build(def)
}

// serveBench serves h on 127.0.0.1:0 until the benchmark ends and
// returns its base URL. goalto and the baseline run on servers made here,
// with the same settings.
func serveBench(b *testing.B, h http.Handler) string {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	b.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

// serveGoalto serves a snapshot with goalto's handler and default limits.
func serveGoalto(b *testing.B, s *snapshot.Snapshot) string {
	h := server.New(server.Limits{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	h.Publish(s)
	return serveBench(b, h)
}

// newBenchClient returns a keep-alive HTTP/1.1 client with enough idle
// connections for every client goroutine. It never decompresses, so a
// gzip response is read as sent.
func newBenchClient(b *testing.B) *http.Client {
	tr := &http.Transport{
		MaxIdleConns:        64,
		MaxIdleConnsPerHost: 64,
		DisableCompression:  true,
	}
	b.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

// benchRequest is one request of a benchmark: a method, URL, headers and
// an optional body.
type benchRequest struct {
	method, url string
	header      http.Header
	body        []byte
}

// do sends the request and returns the response body; it is an error
// unless the status is 200 OK.
func (r benchRequest) do(client *http.Client) ([]byte, error) {
	var body bytes.Buffer
	err := r.send(client, &body)
	return body.Bytes(), err
}

// send sends the request and copies the response body to w.
func (r benchRequest) send(client *http.Client, w io.Writer) error {
	req, err := http.NewRequest(r.method, r.url, bytes.NewReader(r.body))
	if err != nil {
		return err
	}
	req.Header = r.header
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
		return fmt.Errorf("%s %s: %s: %s", r.method, r.url, resp.Status, msg)
	}
	_, err = io.Copy(w, resp.Body)
	return err
}

// runBenchRequests sends b.N requests from parallel client goroutines,
// the i-th request being requests[i % len(requests)], and reports the
// request rate, the CPU time of the whole process per request, and the
// 50th and 99th percentile latency of those requests. The client discards response bodies unread. Allocations
// count client and server together, as both run in this process.
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
			if err := r.send(client, io.Discard); err != nil {
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

// processCPU returns the user and system CPU time of this process, client
// and server together.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// getRequest returns a GET of an ALTO resource, asking for gzip or not.
func getRequest(url, mediaType string, gzip bool) benchRequest {
	h := http.Header{"Accept": {mediaType + "," + alto.MediaTypeError}}
	if gzip {
		h.Set("Accept-Encoding", "gzip")
	}
	return benchRequest{method: http.MethodGet, url: url, header: h}
}

// postRequest returns a POST to an ALTO service.
func postRequest(url, contentType, accept string, body []byte) benchRequest {
	h := http.Header{
		"Content-Type": {contentType},
		"Accept":       {accept + "," + alto.MediaTypeError},
	}
	return benchRequest{method: http.MethodPost, url: url, header: h, body: body}
}

// BenchmarkNetworkMapFullTableGET fetches the full network map of the
// full table (52,015 PIDs, 633,833 prefixes) from a real server, with
// and without gzip. Bytes per operation are those sent on the wire.
func BenchmarkNetworkMapFullTableGET(b *testing.B) {
	f := loadBenchFullTable(b)
	res := f.snap.Lookup("/networkmap")
	for _, tt := range []struct {
		name string
		gzip bool
		size int
	}{
		{"plain", false, len(res.Body)},
		{"gzip", true, len(res.Gzip)},
	} {
		b.Run(tt.name, func(b *testing.B) {
			url := serveGoalto(b, f.snap)
			client := newBenchClient(b)
			req := getRequest(url+"/networkmap", alto.MediaTypeNetworkMap, tt.gzip)
			body, err := req.do(client)
			if err != nil {
				b.Fatal(err)
			}
			if len(body) != tt.size {
				b.Fatalf("response has %d bytes, want %d", len(body), tt.size)
			}
			b.SetBytes(int64(tt.size))
			runBenchRequests(b, client, []benchRequest{req})
		})
	}
}

var (
	ecsCheckOnce sync.Once
	ecsCheckErr  error
)

// ecsRequests returns the endpoint cost requests of the fixture for the
// server at url. The first call checks that goalto and the baseline give
// the same costs for the first 32 requests, so that both do the same work.
func ecsRequests(b *testing.B, f *benchFullTable, url string) []benchRequest {
	b.Helper()
	ecsCheckOnce.Do(func() {
		client := newBenchClient(b)
		ecsCheckErr = compareECS(client, f.ecsBodies[:32], serveGoalto(b, f.snap), serveBench(b, baselineECS(f)))
	})
	if ecsCheckErr != nil {
		b.Fatal(ecsCheckErr)
	}
	requests := make([]benchRequest, len(f.ecsBodies))
	for i, body := range f.ecsBodies {
		requests[i] = postRequest(url+"/endpointcost/lookup", alto.MediaTypeEndpointCostParams, alto.MediaTypeEndpointCost, body)
	}
	return requests
}

// compareECS sends each request body to goalto and to the baseline and
// returns an error unless both give the same costs, and most are defined.
func compareECS(client *http.Client, bodies [][]byte, goalto, baseline string) error {
	costs := 0
	for _, body := range bodies {
		var got [2]alto.EndpointCostMap
		for k, base := range []string{goalto, baseline} {
			out, err := postRequest(base+"/endpointcost/lookup", alto.MediaTypeEndpointCostParams, alto.MediaTypeEndpointCost, body).do(client)
			if err != nil {
				return err
			}
			if err := json.Unmarshal(out, &got[k]); err != nil {
				return fmt.Errorf("decoding %s: %w", out, err)
			}
		}
		if fmt.Sprint(got[0].EndpointCostMap) != fmt.Sprint(got[1].EndpointCostMap) {
			return fmt.Errorf("request %s: goalto returns %v, the baseline %v", body, got[0].EndpointCostMap, got[1].EndpointCostMap)
		}
		for _, row := range got[0].EndpointCostMap {
			costs += len(row)
		}
	}
	if costs < len(bodies)*4 {
		return fmt.Errorf("%d requests returned %d costs; the addresses miss the ASes with nodes", len(bodies), costs)
	}
	return nil
}

// BenchmarkEndpointCost1x5 sends endpoint cost requests of 1 source and
// 5 destinations to goalto serving the full table with costs from Kdl
// (see buildBenchFullTable for how ASes are attached to Kdl nodes). The
// addresses cycle through 1,024 requests drawn with a fixed seed.
func BenchmarkEndpointCost1x5(b *testing.B) {
	f := loadBenchFullTable(b)
	url := serveGoalto(b, f.snap)
	requests := ecsRequests(b, f, url)
	runBenchRequests(b, newBenchClient(b), requests)
}

// BenchmarkBaselineEndpointCost1x5 is BenchmarkEndpointCost1x5 against a
// plain net/http handler with no ALTO logic (baselineECS), served and
// called the same way. The ratio of the two request rates measures what
// goalto's request handling costs beyond the unavoidable work.
func BenchmarkBaselineEndpointCost1x5(b *testing.B) {
	f := loadBenchFullTable(b)
	url := serveBench(b, baselineECS(f))
	requests := ecsRequests(b, f, url)
	runBenchRequests(b, newBenchClient(b), requests)
}

// BenchmarkEndpointCost1x5Handler calls the goalto and baseline handlers
// of the two benchmarks above directly, without HTTP or a client, so that
// the ratio of their times compares the handlers alone.
func BenchmarkEndpointCost1x5Handler(b *testing.B) {
	f := loadBenchFullTable(b)
	goalto := server.New(server.Limits{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	goalto.Publish(f.snap)
	for _, tt := range []struct {
		name    string
		handler http.Handler
	}{
		{"goalto", goalto},
		{"baseline", baselineECS(f)},
	} {
		b.Run(tt.name, func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				r := httptest.NewRequest(http.MethodPost, "/endpointcost/lookup", bytes.NewReader(f.ecsBodies[i%len(f.ecsBodies)]))
				r.Header.Set("Content-Type", alto.MediaTypeEndpointCostParams)
				r.Header.Set("Accept", alto.MediaTypeEndpointCost+","+alto.MediaTypeError)
				w := httptest.NewRecorder()
				tt.handler.ServeHTTP(w, r)
				if w.Code != http.StatusOK {
					b.Fatalf("status %d: %s", w.Code, w.Body)
				}
				i++
			}
		})
	}
}

// baselineECSRequest is the part of an endpoint cost request the
// baseline reads.
type baselineECSRequest struct {
	CostType struct {
		Mode   string `json:"cost-mode"`
		Metric string `json:"cost-metric"`
	} `json:"cost-type"`
	Endpoints struct {
		Srcs []string `json:"srcs"`
		Dsts []string `json:"dsts"`
	} `json:"endpoints"`
}

// baselineECS returns the baseline endpoint cost handler. It decodes the
// request with encoding/json, maps each address to a Kdl node with one
// bart lookup, reads the costs from a [][]float64 and encodes the
// response as a map with encoding/json. It checks nothing else.
func baselineECS(f *benchFullTable) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		data, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var req baselineECSRequest
		if err := json.Unmarshal(data, &req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		node := func(typed string) int32 {
			_, text, _ := strings.Cut(typed, ":")
			addr, err := netip.ParseAddr(text)
			if err != nil {
				return -1
			}
			n, ok := f.nodeOf.Lookup(addr)
			if !ok {
				return -1
			}
			return n
		}
		costs := make(map[string]map[string]float64, len(req.Endpoints.Srcs))
		for _, src := range req.Endpoints.Srcs {
			s := node(src)
			row := map[string]float64{}
			for _, dst := range req.Endpoints.Dsts {
				d := node(dst)
				if s < 0 || d < 0 || math.IsNaN(f.costs[s][d]) {
					continue
				}
				row[dst] = f.costs[s][d]
			}
			if len(row) > 0 {
				costs[src] = row
			}
		}
		out, err := json.Marshal(map[string]any{
			"meta":              map[string]any{"cost-type": map[string]string{"cost-mode": req.CostType.Mode, "cost-metric": req.CostType.Metric}},
			"endpoint-cost-map": costs,
		})
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", alto.MediaTypeEndpointCost)
		w.Write(out)
	}
}

// benchCostMapNodes is the size of the synthetic cost map topology.
const benchCostMapNodes = 1000

// onceFixture builds a benchmark snapshot at most once per test binary,
// in a temporary folder that is removed after the build.
type onceFixture struct {
	name  string
	build func(dir string) (*snapshot.Snapshot, error)
	once  sync.Once
	snap  *snapshot.Snapshot
	err   error
}

// load returns the snapshot, building it on the first call.
func (f *onceFixture) load(b *testing.B) *snapshot.Snapshot {
	b.Helper()
	f.once.Do(func() {
		dir, err := os.MkdirTemp("", "goalto-bench-")
		if err != nil {
			f.err = err
			return
		}
		defer os.RemoveAll(dir)
		f.snap, f.err = f.build(dir)
	})
	if f.err != nil {
		b.Fatalf("%s fixture: %v", f.name, f.err)
	}
	return f.snap
}

// costMapFixture is the synthetic 1,000-node network of buildBenchCostMap.
var costMapFixture = &onceFixture{name: "cost map", build: buildBenchCostMap}

// loadBenchCostMap returns a snapshot of a synthetic 1,000-node network
// (see buildBenchCostMap), built once per test binary.
func loadBenchCostMap(b *testing.B) *snapshot.Snapshot {
	b.Helper()
	return costMapFixture.load(b)
}

// benchRing returns the topology of buildBenchCostMap as a goalto YAML
// topology. With perf, every link also has a latency (1 to 11 ms) and a
// capacity (1 to 10 Gbit/s).
func benchRing(perf bool) string {
	var topo strings.Builder
	topo.WriteString("name: ring-with-chords\nnodes:\n")
	for i := range benchCostMapNodes {
		fmt.Fprintf(&topo, "  - {id: n%d, prefixes: [10.%d.%d.0/24]}\n", i, i>>8, i&0xff)
	}
	topo.WriteString("links:\n")
	link := func(from, to, metric, latency, capacity int) {
		fmt.Fprintf(&topo, "  - {from: n%d, to: n%d, metric: %d", from, to, metric)
		if perf {
			fmt.Fprintf(&topo, ", latency: %d, capacity: %d", latency, capacity)
		}
		topo.WriteString("}\n")
	}
	for i := range benchCostMapNodes {
		link(i, (i+1)%benchCostMapNodes, 1+i%4, 1+i%7, 1_000_000_000*(1+i%3))
		if i%3 == 0 {
			link(i, (7*i+13)%benchCostMapNodes, 2+i%5, 3+i%11, 10_000_000_000)
		}
	}
	return topo.String()
}

// buildBenchCostMap builds a synthetic network, not a real one. Its 1,000
// nodes n0 to n999 form a ring, where link i to i+1 has metric 1 + i mod 4.
// Every third node i has a chord to node 7i+13 mod 1,000 of metric
// 2 + i mod 5. Node i has the prefix 10.x.y.0/24 with x.y = i, and the
// node rule makes it one PID, so the full numerical routing cost map has
// 1,000,000 entries.
func buildBenchCostMap(dir string) (*snapshot.Snapshot, error) {
	topo := benchRing(false)
	definition := `topology: ring.yaml
network-map:
  pids: node
resources:
  - {id: default-network-map, type: network-map, path: /networkmap}
  - {id: num-routing-cost-map, type: cost-map, path: /costmap/num/routingcost, cost-types: [num-routing]}
  - {id: filtered-cost-map, type: filtered-cost-map, path: /costmap/filtered, cost-types: [num-routing, num-hop]}
`
	return buildBenchSnapshot(dir, map[string]string{"ring.yaml": topo, "definition.yaml": definition})
}

// BenchmarkCostMap1000GET fetches the full numerical routing cost map of
// the synthetic 1,000-PID network (1,000,000 entries) from a real
// server, with and without gzip.
func BenchmarkCostMap1000GET(b *testing.B) {
	s := loadBenchCostMap(b)
	res := s.Lookup("/costmap/num/routingcost")
	if res == nil {
		b.Fatal("no full cost map at /costmap/num/routingcost")
	}
	for _, tt := range []struct {
		name string
		gzip bool
		size int
	}{
		{"plain", false, len(res.Body)},
		{"gzip", true, len(res.Gzip)},
	} {
		b.Run(tt.name, func(b *testing.B) {
			url := serveGoalto(b, s)
			client := newBenchClient(b)
			req := getRequest(url+"/costmap/num/routingcost", alto.MediaTypeCostMap, tt.gzip)
			body, err := req.do(client)
			if err != nil {
				b.Fatal(err)
			}
			if len(body) != tt.size {
				b.Fatalf("response has %d bytes, want %d", len(body), tt.size)
			}
			b.SetBytes(int64(tt.size))
			runBenchRequests(b, client, []benchRequest{req})
		})
	}
}

// BenchmarkFilteredCostMap10x10 requests from the synthetic 1,000-PID
// network the numerical routing costs between 10 source and 10 destination PIDs,
// cycling through 256 requests drawn with a fixed seed.
func BenchmarkFilteredCostMap10x10(b *testing.B) {
	s := loadBenchCostMap(b)
	url := serveGoalto(b, s)
	client := newBenchClient(b)
	r := rand.New(rand.NewPCG(1000, 10))
	pids := func() []string {
		out := make([]string, 10)
		for i := range out {
			out[i] = "n" + strconv.Itoa(r.IntN(benchCostMapNodes))
		}
		return out
	}

	requests := make([]benchRequest, 256)
	for i := range requests {
		body, _ := json.Marshal(alto.CostMapFilter{
			CostType: alto.CostType{Mode: alto.CostModeNumerical, Metric: alto.CostMetricRoutingCost},
			PIDs:     &alto.PIDFilter{Srcs: pids(), Dsts: pids()},
		})
		requests[i] = postRequest(url+"/costmap/filtered", alto.MediaTypeCostMapFilter, alto.MediaTypeCostMap, body)
	}

	out, err := requests[0].do(client)
	if err != nil {
		b.Fatal(err)
	}
	var cm alto.CostMap
	if err := json.Unmarshal(out, &cm); err != nil {
		b.Fatalf("decoding %s: %v", out, err)
	}
	if len(cm.CostMap) == 0 {
		b.Fatalf("filtered cost map has no costs: %s", out)
	}
	runBenchRequests(b, client, requests)
}
