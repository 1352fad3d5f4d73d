package daemon_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/quic-go/quic-go"
	"github.com/quic-go/quic-go/http3"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/daemon"
	"github.com/goalto/goalto/internal/datadir"
	"github.com/goalto/goalto/internal/sse"
	"github.com/goalto/goalto/internal/testcert"
	"github.com/goalto/goalto/internal/tips"
	"github.com/goalto/goalto/internal/topology"
	"github.com/goalto/goalto/internal/updates"
)

// benchProtocols are the HTTP versions that every benchmark compares.
var benchProtocols = []string{"h1", "h2", "h3"}

// connCounter counts the connections of a client: those dialed and
// those open now.
type connCounter struct {
	dials, open atomic.Int64
}

// opened counts a new connection.
func (cc *connCounter) opened() {
	cc.dials.Add(1)
	cc.open.Add(1)
}

// countedConn is a TCP connection that the counter counts as open
// until its first Close.
type countedConn struct {
	net.Conn
	counter *connCounter
	once    sync.Once
}

func (c *countedConn) Close() error {
	c.once.Do(func() { c.counter.open.Add(-1) })
	return c.Conn.Close()
}

// countingClient is an HTTP client of one protocol that counts its
// connections.
type countingClient struct {
	http  *http.Client
	conns *connCounter
	major int // the expected Response.ProtoMajor
}

// newCountingClient returns a client of one protocol that trusts the
// daemon's certificate and never decompresses:
//
//   - h1: HTTP/1.1 with up to conns connections (0 for no limit), one
//     per request in flight;
//   - h2: HTTP/2 through ALPN, with up to conns connections (0 for no
//     limit). Go's client dials another connection when every one
//     carries as many streams as the server allows (Go's server allows
//     250 by default), unless conns forbids it;
//   - h3: HTTP/3 on one QUIC connection.
func newCountingClient(b *testing.B, td *tlsDaemon, proto string, conns int) *countingClient {
	b.Helper()
	counter := new(connCounter)
	tlsConf := testcert.TLSConfig(td.cert.Pool())
	if proto == "h3" {
		tr := &http3.Transport{
			TLSClientConfig:    tlsConf,
			DisableCompression: true,
			Dial: func(ctx context.Context, addr string, tlsConf *tls.Config, conf *quic.Config) (*quic.Conn, error) {
				conn, err := quic.DialAddrEarly(ctx, addr, tlsConf, conf)
				if err != nil {
					return nil, err
				}
				counter.opened()
				go func() {
					<-conn.Context().Done()
					counter.open.Add(-1)
				}()
				return conn, nil
			},
		}
		b.Cleanup(func() { tr.Close() })
		return &countingClient{http: &http.Client{Transport: tr}, conns: counter, major: 3}
	}
	var dialer net.Dialer
	tr := &http.Transport{
		Protocols:       new(http.Protocols),
		TLSClientConfig: tlsConf,
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			conn, err := dialer.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			counter.opened()
			return &countedConn{Conn: conn, counter: counter}, nil
		},
		MaxConnsPerHost:     conns,
		MaxIdleConnsPerHost: 1024,
		DisableCompression:  true,
	}
	major := 1
	switch proto {
	case "h1":
		tr.Protocols.SetHTTP1(true)
	case "h2":
		tr.Protocols.SetHTTP2(true)
		tr.ForceAttemptHTTP2 = true
		major = 2
	default:
		b.Fatalf("unknown protocol %q", proto)
	}
	b.Cleanup(tr.CloseIdleConnections)
	return &countingClient{http: &http.Client{Transport: tr}, conns: counter, major: major}
}

// benchRequest is one request of a benchmark.
type benchRequest struct {
	method, url string
	header      http.Header
	body        []byte
}

// send sends the request and returns the length of the response body,
// which it reads in full. Anything but a 200 response over the client's
// protocol is an error.
func (r benchRequest) send(ctx context.Context, c *countingClient) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, r.method, r.url, bytes.NewReader(r.body))
	if err != nil {
		return 0, err
	}
	req.Header = r.header
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
		return 0, fmt.Errorf("%s %s: %s: %s", r.method, r.url, resp.Status, msg)
	}
	if resp.ProtoMajor != c.major {
		return 0, fmt.Errorf("%s %s: response over %s, want HTTP/%d", r.method, r.url, resp.Proto, c.major)
	}
	return io.Copy(io.Discard, resp.Body)
}

// runConcurrent sends b.N requests from concurrency goroutines, the
// i-th request being requests[i % len(requests)]. It reports the request
// rate and the CPU time of the whole process (client and server) per
// request. It also reports the 50th and 99th percentile latency, the
// connections open when the measurement starts, and the connections
// dialed in the warm-up and the measurement together.
// Each response body must have wantBytes bytes unless wantBytes is
// negative.
func runConcurrent(b *testing.B, c *countingClient, concurrency int, requests []benchRequest, wantBytes int64) {
	b.Helper()
	ctx, cancel := context.WithTimeout(b.Context(), 5*time.Minute)
	defer cancel()
	// Warm up: one request per goroutine opens most connections before
	// the measurement. An HTTP/1.1 client may still dial a few while
	// measuring, when warm-up requests reused a connection.
	var warm sync.WaitGroup
	for i := range concurrency {
		warm.Go(func() {
			if _, err := requests[i%len(requests)].send(ctx, c); err != nil {
				b.Error(err)
			}
		})
	}
	warm.Wait()
	if b.Failed() {
		return
	}

	var next atomic.Int64
	latencies := make([][]time.Duration, concurrency)
	var wg sync.WaitGroup
	open := c.conns.open.Load()
	cpuBefore := processCPU()
	b.ResetTimer()
	for w := range concurrency {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(b.N) {
					return
				}
				start := time.Now()
				n, err := requests[i%int64(len(requests))].send(ctx, c)
				if err == nil && wantBytes >= 0 && n != wantBytes {
					err = fmt.Errorf("response body has %d bytes, want %d", n, wantBytes)
				}
				if err != nil {
					b.Error(err)
					return
				}
				latencies[w] = append(latencies[w], time.Since(start))
			}
		})
	}
	wg.Wait()
	b.StopTimer()

	all := slices.Concat(latencies...)
	if len(all) == 0 {
		return
	}
	slices.Sort(all)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	b.ReportMetric(float64((processCPU()-cpuBefore).Microseconds())/float64(b.N), "cpu-us/op")
	b.ReportMetric(float64(percentile(all, 0.50).Microseconds()), "p50-us")
	b.ReportMetric(float64(percentile(all, 0.99).Microseconds()), "p99-us")
	b.ReportMetric(float64(open), "conns")
	b.ReportMetric(float64(c.conns.dials.Load()), "dials")
}

// percentile returns the p-quantile of sorted durations by the
// nearest-rank method.
func percentile(sorted []time.Duration, p float64) time.Duration {
	return sorted[int(p*float64(len(sorted)-1))]
}

// processCPU returns the user and system CPU time of this process,
// client and server together.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchConcurrency are the numbers of requests in flight at once.
var benchConcurrency = []int{1, 16, 64}

// BenchmarkEndpointCostByProtocol sends endpoint cost requests with 1
// source and 5 destinations, numerical routing cost, to a TLS daemon
// serving the built-in LHCONE network, over HTTP/1.1, HTTP/2 and
// HTTP/3, with 1, 16 and 64 requests in flight. HTTP/1.1 uses one
// connection per request in flight; HTTP/2 and HTTP/3 carry them all
// as streams of one connection.
func BenchmarkEndpointCostByProtocol(b *testing.B) {
	td := startTLSDaemon(b, nil, nil)
	bodies := lhconeEndpointCostBodies(b, td, 256)
	requests := make([]benchRequest, len(bodies))
	for i, body := range bodies {
		requests[i] = benchRequest{
			method: http.MethodPost,
			url:    td.origin + "/endpointcost/lookup",
			header: http.Header{
				"Content-Type": {alto.MediaTypeEndpointCostParams},
				"Accept":       {alto.MediaTypeEndpointCost + "," + alto.MediaTypeError},
			},
			body: body,
		}
	}
	for _, proto := range benchProtocols {
		b.Run(proto, func(b *testing.B) {
			for _, concurrency := range benchConcurrency {
				b.Run("c="+strconv.Itoa(concurrency), func(b *testing.B) {
					conns := 1
					if proto == "h1" {
						conns = concurrency
					}
					c := newCountingClient(b, td, proto, conns)
					runConcurrent(b, c, concurrency, requests, -1)
				})
			}
		})
	}
}

// lhconeEndpointCostBodies returns n endpoint cost requests for
// numerical routing cost, each with 1 source and 5 destinations. The
// addresses are drawn with a fixed seed from inside the IPv4 prefixes
// of the network map that the daemon serves, leaving out the default
// PID, and the function checks that the first request returns costs.
func lhconeEndpointCostBodies(b *testing.B, td *tlsDaemon, n int) [][]byte {
	b.Helper()
	c := testcert.H1Client(b, td.cert.Pool())
	var nm alto.NetworkMap
	if err := json.Unmarshal(td.get(b, c, "/networkmap"), &nm); err != nil {
		b.Fatalf("decoding the network map: %v", err)
	}

	var within []netip.Prefix
	for _, pid := range slices.Sorted(maps.Keys(nm.NetworkMap)) {
		if pid == "default" {
			continue
		}
		within = append(within, nm.NetworkMap[pid]["ipv4"]...)
	}
	if len(within) < 2 {
		b.Fatalf("the network map has %d IPv4 prefixes outside the default PID, want 2 or more", len(within))
	}

	rng := rand.New(rand.NewPCG(7285, 9113))
	addr := func() string {
		return "ipv4:" + randomAddrIn(rng, within[rng.IntN(len(within))]).String()
	}
	bodies := make([][]byte, n)
	for i := range bodies {
		var err error
		bodies[i], err = json.Marshal(map[string]any{
			"cost-type": alto.CostType{Mode: alto.CostModeNumerical, Metric: alto.CostMetricRoutingCost},
			"endpoints": map[string][]string{"srcs": {addr()}, "dsts": {addr(), addr(), addr(), addr(), addr()}},
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	checkEndpointCosts(b, td, c, bodies[0])
	return bodies
}

// checkEndpointCosts sends one endpoint cost request and fails unless
// the response has costs.
func checkEndpointCosts(b *testing.B, td *tlsDaemon, c *http.Client, body []byte) {
	b.Helper()
	req, err := http.NewRequest(http.MethodPost, td.origin+"/endpointcost/lookup", bytes.NewReader(body))
	if err != nil {
		b.Fatal(err)
	}
	req.Header.Set("Content-Type", alto.MediaTypeEndpointCostParams)
	resp, err := c.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	var ecm alto.EndpointCostMap
	if err := json.NewDecoder(resp.Body).Decode(&ecm); err != nil || resp.StatusCode != http.StatusOK {
		b.Fatalf("endpoint cost request %s: status %d, decoding: %v", body, resp.StatusCode, err)
	}
	costs := 0
	for _, row := range ecm.EndpointCostMap {
		costs += len(row)
	}
	if costs == 0 {
		b.Fatalf("endpoint cost request %s returned no costs", body)
	}
}

// randomAddrIn returns a random address inside a masked prefix.
func randomAddrIn(rng *rand.Rand, p netip.Prefix) netip.Addr {
	raw := p.Addr().AsSlice()
	for i := range raw {
		hostBits := min(max((i+1)*8-p.Bits(), 0), 8)
		raw[i] |= byte(rng.UintN(256)) & byte(1<<hostBits-1)
	}
	a, _ := netip.AddrFromSlice(raw)
	return a
}

// costMapDefinition serves the network map and the full numerical
// routing cost map of ring.yaml, with the resource IDs and paths of the
// cost map benchmarks of package server, so that the bodies are the
// same.
const costMapDefinition = `topology: ring.yaml
network-map:
  pids: node
resources:
  - {id: default-network-map, type: network-map, path: /networkmap}
  - {id: num-routing-cost-map, type: cost-map, path: /costmap/num/routingcost, cost-types: [num-routing]}
`

// costMapGETConcurrency are the numbers of GETs in flight at once.
var costMapGETConcurrency = []int{1, 4}

// BenchmarkCostMapGETByProtocol fetches the full numerical routing
// cost map of a synthetic 1,000-node network (ringSpec: 1,000 PIDs,
// 1,000,000 entries) from a TLS daemon over HTTP/1.1, HTTP/2 and
// HTTP/3. It sends GETs without content coding (Accept-Encoding:
// identity) and with gzip, with 1 and 4 GETs in flight. HTTP/1.1 uses one connection per
// GET in flight; HTTP/2 and HTTP/3 use one connection. Bytes per
// operation are the body bytes on the wire.
func BenchmarkCostMapGETByProtocol(b *testing.B) {
	td := startTLSDaemon(b, map[string]string{
		"definition.yaml": costMapDefinition,
		"ring.yaml":       ringSpec{nodes: 1000, prefixed: 1000}.yaml(),
	}, nil)
	url := td.origin + "/costmap/num/routingcost"
	for _, proto := range benchProtocols {
		b.Run(proto, func(b *testing.B) {
			for _, coding := range []string{"identity", "gzip"} {
				b.Run(coding, func(b *testing.B) {
					req := benchRequest{method: http.MethodGet, url: url, header: http.Header{
						"Accept":          {alto.MediaTypeCostMap + "," + alto.MediaTypeError},
						"Accept-Encoding": {coding},
					}}
					size := costMapBodySize(b, td, req, coding)
					for _, concurrency := range costMapGETConcurrency {
						b.Run("c="+strconv.Itoa(concurrency), func(b *testing.B) {
							conns := 1
							if proto == "h1" {
								conns = concurrency
							}
							c := newCountingClient(b, td, proto, conns)
							b.SetBytes(size)
							runConcurrent(b, c, concurrency, []benchRequest{req}, size)
						})
					}
				})
			}
		})
	}
}

// costMapBodySize fetches the cost map once over HTTP/1.1 and returns
// the size of its body in the given content coding, checking that the
// response has that coding.
func costMapBodySize(b *testing.B, td *tlsDaemon, r benchRequest, coding string) int64 {
	b.Helper()
	req, err := http.NewRequest(r.method, r.url, nil)
	if err != nil {
		b.Fatal(err)
	}
	req.Header = r.header
	resp, err := testcert.H1Client(b, td.cert.Pool()).Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		b.Fatalf("GET %s: status %d, reading body: %v", r.url, resp.StatusCode, err)
	}
	got := resp.Header.Get("Content-Encoding")
	if (coding == "gzip") != (got == "gzip") {
		b.Fatalf("GET %s with Accept-Encoding %s: Content-Encoding %q", r.url, coding, got)
	}
	return n
}

// fanoutClients is the number of clients that follow one cost map in
// BenchmarkUpdateFanout.
const fanoutClients = 1000

// fanoutTimeout bounds the setup of all clients and each iteration.
const fanoutTimeout = 2 * time.Minute

// fanoutDefinition serves a network map and a routing cost map of
// abilene.yaml, an update stream and a TIPS resource.
const fanoutDefinition = `network-map:
  resource-id: abilene-network-map
topology: abilene.yaml
resources:
  - {id: abilene-network-map, type: network-map, path: /networkmap}
  - {id: routing-cost-map, type: cost-map, path: /costmap/routingcost, cost-types: [num-routing]}
  - {id: updates, type: update-stream, path: /updates/stream}
  - {id: tips, type: tips, path: /tips}
`

// abileneYAML returns the Topology Zoo graph g in goalto's YAML form,
// with the prefix 10.1.i.0/24 on node i. Every link has metric 1 except
// link hot mod len(g.Links), which has metric 5, so a new hot link
// changes the routing cost between the ends of both links.
func abileneYAML(g *topology.Graph, hot int) string {
	var b strings.Builder
	b.WriteString("name: Abilene\nnodes:\n")
	for i, n := range g.Nodes {
		fmt.Fprintf(&b, "  - {id: %s, prefixes: [10.1.%d.0/24]}\n", strconv.Quote(n.ID), i)
	}
	b.WriteString("links:\n")
	for i, l := range g.Links {
		metric := 1
		if i == hot%len(g.Links) {
			metric = 5
		}
		fmt.Fprintf(&b, "  - {from: %s, to: %s, metric: %d}\n", strconv.Quote(g.Nodes[l.From].ID), strconv.Quote(g.Nodes[l.To].ID), metric)
	}
	return b.String()
}

// fanoutStreamsPerConn is the number of clients that share one
// connection, by protocol. Over HTTP/1.1 an update stream or a long
// poll holds its connection. Go's HTTP/2 server allows 250 concurrent
// streams per connection by default, and Go's client dials another
// connection when one is full. quic-go v0.65.0 allows 100 concurrent
// request streams per QUIC connection by default, and its HTTP/3 client
// waits for a free stream instead of dialing, so the benchmark gives
// every 100 clients their own http3.Transport.
var fanoutStreamsPerConn = map[string]int{"h1": 1, "h2": 250, "h3": 100}

// fanoutFollower is one client of BenchmarkUpdateFanout: the cost map
// it holds, and when each update arrived.
type fanoutFollower struct {
	client   *countingClient
	doc      []byte
	arrivals []time.Time // by iteration
	err      error

	stream *bufio.Reader // the update stream; nil for TIPS
	view   *tipsFollower // the TIPS view; nil for update streams
}

// fanoutRun is one run of BenchmarkUpdateFanout: a daemon, its clients
// and the topology versions they follow.
type fanoutRun struct {
	td        *tlsDaemon
	graph     *topology.Graph
	tips      *tips.Service
	proto     string
	clients   []*countingClient
	followers []*fanoutFollower
	// ctx ends when the benchmark ends, and with it every stream and
	// long poll.
	ctx     context.Context
	arrived []sync.WaitGroup // by iteration
}

// BenchmarkUpdateFanout measures how long one change takes to reach
// 1,000 clients that follow the routing cost map of Abilene (11 PIDs).
// The clients follow it through update streams (sse) or long polls on
// the next edge of a TIPS view (tips), over HTTP/1.1, HTTP/2 and HTTP/3,
// and fanoutStreamsPerConn sets how they share connections. Each
// iteration makes another link the one of metric 5 and calls Reload.
// The latency of a client is the time from the Reload call to the moment
// its client has read the whole update. p50-ms, p99-ms and max-ms are
// taken over all clients and iterations, and reload-ms is the median
// duration of the Reload call, which rebuilds the maps and publishes
// the new versions. ns/op is the time from the Reload call to the
// arrival of the last update, and cpu-ms/op the CPU time of the whole
// process (daemon and clients) in that time. conns counts the
// connections open when the measurement starts, and dials those dialed
// in the whole run.
func BenchmarkUpdateFanout(b *testing.B) {
	graph, err := topology.Load(datadir.Path(b, "topology-zoo", "Abilene.graphml"))
	if err != nil {
		b.Fatal(err)
	}
	for _, service := range []string{"sse", "tips"} {
		b.Run(service, func(b *testing.B) {
			for _, proto := range benchProtocols {
				b.Run(proto, func(b *testing.B) {
					runFanout(b, graph, service, proto)
				})
			}
		})
	}
}

// runFanout runs one sub-benchmark of BenchmarkUpdateFanout.
func runFanout(b *testing.B, graph *topology.Graph, service, proto string) {
	ensureFileLimit(b, 2*fanoutClients+256)
	svc := tips.New(tips.Config{})
	sseConfig := sse.Config{MaxStreams: 2 * fanoutClients, MaxStreamsPerClient: 2 * fanoutClients}
	run := &fanoutRun{
		td: startTLSDaemon(b, map[string]string{"definition.yaml": fanoutDefinition, "abilene.yaml": abileneYAML(graph, 0)},
			[]daemon.Registrar{sse.NewRegistrar(sseConfig), svc.Register}),
		graph: graph,
		tips:  svc,
		proto: proto,
	}
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel) // runs before the daemon's shutdown, which was registered first
	run.ctx = ctx
	run.arrived = make([]sync.WaitGroup, b.N)
	for k := range run.arrived {
		run.arrived[k].Add(fanoutClients)
	}
	run.connect(b)

	follow := run.followStream
	if service == "tips" {
		follow = run.followView
	}
	run.setUp(b, follow)
	run.measure(b, service)
}

// connect makes the clients of the run, and assigns them to followers.
func (run *fanoutRun) connect(b *testing.B) {
	perConn := fanoutStreamsPerConn[run.proto]
	switch run.proto {
	case "h3":
		for range (fanoutClients + perConn - 1) / perConn {
			run.clients = append(run.clients, newCountingClient(b, run.td, run.proto, 0))
		}
	case "h2":
		// Without a limit, Go's client dials a connection for each
		// request that finds every connection full or still in its
		// handshake, which opened about a hundred connections here.
		conns := (fanoutClients + perConn - 1) / perConn
		run.clients = []*countingClient{newCountingClient(b, run.td, run.proto, conns)}
	default:
		run.clients = []*countingClient{newCountingClient(b, run.td, run.proto, 0)}
	}
	run.followers = make([]*fanoutFollower, fanoutClients)
	for i := range run.followers {
		run.followers[i] = &fanoutFollower{client: run.clients[i/perConn%len(run.clients)], arrivals: make([]time.Time, b.N)}
	}
}

// setUp starts a goroutine per follower, at most 32 setting up at a
// time, that calls follow with k = -1 to set the follower up and then
// with k = 0, 1, ... for each iteration. It returns when every follower
// is set up.
func (run *fanoutRun) setUp(b *testing.B, follow func(f *fanoutFollower, k int) error) {
	b.Helper()
	ready := make(chan error, fanoutClients)
	slots := make(chan struct{}, 32)
	go func() {
		for _, f := range run.followers {
			slots <- struct{}{}
			go func() {
				err := follow(f, -1)
				<-slots
				ready <- err
				if err != nil {
					run.fail(f, err, 0)
					return
				}
				for k := range len(f.arrivals) {
					if err := follow(f, k); err != nil {
						run.fail(f, err, k)
						return
					}
					run.arrived[k].Done()
				}
			}()
		}
	}()
	timeout := time.After(fanoutTimeout)
	for range fanoutClients {
		select {
		case err := <-ready:
			if err != nil {
				b.Fatalf("setting up a client: %v", err)
			}
		case <-timeout:
			b.Fatalf("not every client was set up within %v", fanoutTimeout)
		}
	}
}

// fail records a follower's error and counts it as arrived in
// iteration k and every later one, so that the benchmark does not wait
// for it.
func (run *fanoutRun) fail(f *fanoutFollower, err error, k int) {
	f.err = err
	for ; k < len(run.arrived); k++ {
		run.arrived[k].Done()
	}
}

// measure runs the iterations and reports the latencies.
func (run *fanoutRun) measure(b *testing.B, service string) {
	b.Helper()
	var open int64
	for _, c := range run.clients {
		open += c.conns.open.Load()
	}
	starts := make([]time.Time, b.N)
	reloads := make([]time.Duration, b.N)
	var cpu time.Duration
	b.ResetTimer()
	for k := range b.N {
		b.StopTimer()
		run.td.writeFile(b, "abilene.yaml", abileneYAML(run.graph, k+1))
		if service == "tips" {
			run.waitForLongPolls(b)
		}
		b.StartTimer()
		cpuBefore := processCPU()
		starts[k] = time.Now()
		if err := run.td.d.Reload(); err != nil {
			b.Fatalf("reload: %v", err)
		}
		reloads[k] = time.Since(starts[k])
		if !waitTimeout(&run.arrived[k], fanoutTimeout) {
			b.Fatalf("iteration %d: not every client received the update within %v", k, fanoutTimeout)
		}
		cpu += processCPU() - cpuBefore
	}
	b.StopTimer()
	b.ReportMetric(float64(cpu)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
	run.report(b, starts, reloads, open)
}

// waitForLongPolls waits until every TIPS follower has a long poll
// pending, so that the change is published while they all wait.
func (run *fanoutRun) waitForLongPolls(b *testing.B) {
	b.Helper()
	deadline := time.Now().Add(fanoutTimeout)
	for run.tips.Stats().Waiters < fanoutClients {
		if time.Now().After(deadline) {
			b.Fatalf("pending long polls: %d, want %d", run.tips.Stats().Waiters, fanoutClients)
		}
		time.Sleep(time.Millisecond)
	}
}

// report checks every follower's cost map against a GET and reports
// the latencies.
func (run *fanoutRun) report(b *testing.B, starts []time.Time, reloads []time.Duration, open int64) {
	b.Helper()
	want := run.td.get(b, testcert.H1Client(b, run.td.cert.Pool()), "/costmap/routingcost")
	var latencies []time.Duration
	for i, f := range run.followers {
		if f.err != nil {
			b.Fatalf("client %d: %v", i, f.err)
		}
		equal, err := updates.Equal(f.doc, want)
		if err != nil || !equal {
			b.Fatalf("client %d holds a cost map that differs from GET (%v):\n got: %s\nwant: %s", i, err, f.doc, want)
		}
		for k, t := range f.arrivals {
			latencies = append(latencies, t.Sub(starts[k]))
		}
	}
	slices.Sort(latencies)
	slices.Sort(reloads)
	var dials int64
	for _, c := range run.clients {
		dials += c.conns.dials.Load()
	}
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(ms(percentile(latencies, 0.50)), "p50-ms")
	b.ReportMetric(ms(percentile(latencies, 0.99)), "p99-ms")
	b.ReportMetric(ms(latencies[len(latencies)-1]), "max-ms")
	b.ReportMetric(ms(percentile(reloads, 0.50)), "reload-ms")
	b.ReportMetric(fanoutClients, "clients")
	b.ReportMetric(float64(open), "conns")
	b.ReportMetric(float64(dials), "dials")
}

// waitTimeout waits for wg and reports whether it finished within d.
func waitTimeout(wg *sync.WaitGroup, d time.Duration) bool {
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return true
	case <-time.After(d):
		return false
	}
}

// followStream opens an update stream of the routing cost map when k is
// negative, and reads its control event and first full replacement.
// Otherwise it reads the update of iteration k, records its arrival and
// applies it.
func (run *fanoutRun) followStream(f *fanoutFollower, k int) error {
	if k < 0 {
		return run.openStream(f)
	}
	ev, err := readSSEEvent(f.stream)
	if err != nil {
		return fmt.Errorf("reading the update of iteration %d: %w", k, err)
	}
	f.arrivals[k] = time.Now()
	return f.applyEvent(ev)
}

// openStream opens an update stream with one substream, "c", of the
// routing cost map. The stream lasts until run.ctx ends.
func (run *fanoutRun) openStream(f *fanoutFollower) error {
	body := `{"add": {"c": {"resource-id": "routing-cost-map"}}}`
	req, err := http.NewRequestWithContext(run.ctx, http.MethodPost, run.td.origin+"/updates/stream", strings.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", alto.MediaTypeUpdateStreamParams)
	req.Header.Set("Accept", alto.MediaTypeEventStream+","+alto.MediaTypeError)
	resp, err := f.client.http.Do(req)
	if err != nil {
		return fmt.Errorf("opening an update stream: %w", err)
	}
	if resp.StatusCode != http.StatusOK || resp.ProtoMajor != f.client.major {
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
		resp.Body.Close()
		return fmt.Errorf("opening an update stream: status %d over %s: %s", resp.StatusCode, resp.Proto, data)
	}
	f.stream = bufio.NewReader(resp.Body)
	ev, err := readSSEEvent(f.stream)
	if err != nil || ev.typ != alto.MediaTypeUpdateStreamControl {
		return fmt.Errorf("first event %q, want a control update message (%v)", ev.typ, err)
	}
	ev, err = readSSEEvent(f.stream)
	if err != nil {
		return fmt.Errorf("reading the full replacement: %w", err)
	}
	return f.applyEvent(ev)
}

// applyEvent applies a data update message of substream "c".
func (f *fanoutFollower) applyEvent(ev sseEvent) error {
	mediaType, id, _ := strings.Cut(ev.typ, ",")
	if id != "c" {
		return fmt.Errorf("event %q, want an update of substream c", ev.typ)
	}
	switch kind := updates.PatchKind(mediaType); kind {
	case updates.MergePatch, updates.JSONPatch:
		doc, err := updates.Apply(f.doc, kind, []byte(ev.data))
		if err != nil {
			return fmt.Errorf("applying %s: %w", mediaType, err)
		}
		f.doc = doc
	case alto.MediaTypeCostMap:
		f.doc = []byte(ev.data)
	default:
		return fmt.Errorf("update of media type %q", mediaType)
	}
	return nil
}

// followView opens a TIPS view of the routing cost map and fetches its
// latest snapshot when k is negative. Otherwise it long-polls the next
// edge, records the arrival of the item as that of iteration k and
// applies it. A long poll that times out (425) is sent again.
func (run *fanoutRun) followView(f *fanoutFollower, k int) error {
	pc := protocolClient{name: run.proto, major: f.client.major, http: f.client.http}
	ctx, cancel := context.WithTimeout(run.ctx, fanoutTimeout)
	defer cancel()
	if k < 0 {
		open, err := postTIPS(ctx, pc, run.td.origin+"/tips", "routing-cost-map", "", alto.MediaTypeTIPS)
		if err != nil {
			return err
		}
		f.view = &tipsFollower{client: pc, resourceID: "routing-cost-map", mediaType: alto.MediaTypeCostMap, view: open.TIPSViewURI}
		rec := open.TIPSViewSummary.UpdatesGraphSummary.StartEdgeRec
		item, err := f.view.getItem(ctx, rec.SeqI, rec.SeqJ)
		if err == nil {
			err = f.view.apply(rec.SeqJ, item)
		}
		f.doc = f.view.doc
		return err
	}
	for {
		item, err := f.view.getItem(ctx, f.view.seq, f.view.seq+1)
		var se *statusError
		if errors.As(err, &se) && se.status == http.StatusTooEarly {
			continue
		}
		if err != nil {
			return fmt.Errorf("long poll of iteration %d: %w", k, err)
		}
		f.arrivals[k] = time.Now()
		err = f.view.apply(f.view.seq+1, item)
		f.doc = f.view.doc
		return err
	}
}

// ensureFileLimit raises the soft limit on open files of this process
// to n when it is lower and the hard limit allows, and skips the
// benchmark otherwise.
func ensureFileLimit(b *testing.B, n uint64) {
	b.Helper()
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		b.Skipf("reading the open file limit: %v", err)
	}
	if lim.Cur >= n {
		return
	}
	if lim.Max < n {
		b.Skipf("the open file limit is %d (hard %d), and the benchmark needs %d", lim.Cur, lim.Max, n)
	}
	lim.Cur = n
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		b.Skipf("raising the open file limit to %d: %v", n, err)
	}
}
