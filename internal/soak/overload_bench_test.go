package soak_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/goalto/goalto/internal/alttest"
	"github.com/goalto/goalto/internal/daemon"
	"github.com/goalto/goalto/internal/server"
)

const (
	// phase is the length of each load phase of BenchmarkOverload.
	phase = 3 * time.Second
	// saturators is the number of closed-loop clients that find the
	// saturating rate: enough to keep both cores of the test machine
	// busy with requests in flight.
	saturators = 32
	// maxOutstanding bounds the requests that the open-loop load has in
	// flight. A request it cannot start is counted as dropped by the
	// client, never sent.
	maxOutstanding = 4096
	// overloadEndpoints is the number of sources and of destinations of
	// the endpoint cost request of BenchmarkOverload.
	overloadEndpoints = 40
)

// heavyECSBody returns an endpoint cost request of the built-in network
// with n sources and n destinations, one address of each PID.
func heavyECSBody(b *testing.B, base string, n int) string {
	b.Helper()
	resp, err := http.Get(base + "/networkmap")
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	var nm struct {
		Map map[string]map[string][]string `json:"network-map"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&nm); err != nil {
		b.Fatal(err)
	}
	var addrs []string
	for _, families := range nm.Map {
		for _, p := range families["ipv4"] {
			if pfx, err := netip.ParsePrefix(p); err == nil && pfx.Bits() > 0 && len(addrs) < n {
				addrs = append(addrs, `"ipv4:`+pfx.Addr().Next().String()+`"`)
				break
			}
		}
	}
	if len(addrs) < n {
		b.Fatalf("network map has %d PIDs with IPv4 prefixes, want %d", len(addrs), n)
	}
	list := strings.Join(addrs, ",")
	return `{"cost-type":{"cost-mode":"numerical","cost-metric":"routingcost"},"endpoints":{"srcs":[` + list + `],"dsts":[` + list + `]}}`
}

// loadResult counts the responses of one load phase.
type loadResult struct {
	accepted latencies // latencies of 200 responses
	shed     atomic.Int64
	limited  atomic.Int64
	dropped  atomic.Int64 // not sent: maxOutstanding reached
	failed   atomic.Int64 // transport errors and other statuses
	sent     atomic.Int64
	elapsed  time.Duration // from the first request to the end of the last
}

func (r *loadResult) count(status int, err error, took time.Duration) {
	r.sent.Add(1)
	switch {
	case err != nil:
		r.failed.Add(1)
	case status == http.StatusOK:
		r.accepted.add([]time.Duration{took})
	case status == http.StatusServiceUnavailable:
		r.shed.Add(1)
	case status == http.StatusTooManyRequests:
		r.limited.Add(1)
	default:
		r.failed.Add(1)
	}
}

// share returns n as a percentage of the requests sent.
func (r *loadResult) share(n int64) float64 {
	if s := r.sent.Load(); s > 0 {
		return 100 * float64(n) / float64(s)
	}
	return 0
}

// timed sends one request and counts its result.
func timed(c *http.Client, url, body string, r *loadResult) {
	t0 := time.Now()
	status, err := postECS(c, url, "", body)
	r.count(status, err, time.Since(t0))
}

// closedLoop runs saturators clients that each send the next request as
// soon as the last one is answered, for phase, and returns the results.
func closedLoop(c *http.Client, url, body string) *loadResult {
	var r loadResult
	deadline := time.Now().Add(phase)
	var wg sync.WaitGroup
	for range saturators {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				timed(c, url, body, &r)
			}
		})
	}
	wg.Wait()
	return &r
}

// openLoop offers rate requests per second for phase, each started on
// schedule whether or not the earlier ones got their responses, and returns
// the results once every request has ended.
func openLoop(c *http.Client, url, body string, rate float64) *loadResult {
	var r loadResult
	var wg sync.WaitGroup
	slots := make(chan struct{}, maxOutstanding)
	interval := time.Duration(float64(time.Second) / rate)
	start := time.Now()
	for i := 0; ; i++ {
		at := start.Add(time.Duration(i) * interval)
		if at.Sub(start) >= phase {
			break
		}
		time.Sleep(time.Until(at))
		select {
		case slots <- struct{}{}:
		default:
			r.dropped.Add(1)
			r.sent.Add(1)
			continue
		}
		wg.Go(func() {
			defer func() { <-slots }()
			timed(c, url, body, &r)
		})
	}
	wg.Wait()
	r.elapsed = time.Since(start)
	return &r
}

// overloadClient returns a keep-alive client without a bound on its
// connections, so that requests wait in the server and not in the
// client's connection pool.
func overloadClient(b *testing.B) *http.Client {
	b.Helper()
	tr := &http.Transport{MaxIdleConnsPerHost: maxOutstanding}
	b.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

// BenchmarkOverload finds the saturating rate of an endpoint cost
// request of the built-in network with closed-loop clients. Then it
// offers half that rate in an open loop ("light"), for the latency of a
// lightly loaded server. Last it offers twice that rate to a server
// with the default limits on work in flight and connections per client
// address ("shed") and to one with both turned off ("noshed"). Run it once:
// -benchtime 1x. Each phase lasts 3 s; the metrics are those of the
// last iteration.
func BenchmarkOverload(b *testing.B) {
	shedding := alttest.StartConfig(b, daemon.Config{})
	unlimited := daemon.Config{Limits: server.Limits{MaxInFlight: -1}}
	unlimited.Transport.MaxConns, unlimited.Transport.MaxConnsPerIP = -1, -1
	queueing := alttest.StartConfig(b, unlimited)
	base := "http://" + queueing.Addr().String()
	body := heavyECSBody(b, base, overloadEndpoints)
	c := overloadClient(b)
	for range b.N {
		sat := closedLoop(c, base+"/endpointcost/lookup", body)
		if sat.failed.Load() > 0 || sat.shed.Load() > 0 {
			b.Fatalf("saturation phase: %d failed, %d shed", sat.failed.Load(), sat.shed.Load())
		}
		rate := float64(len(sat.accepted.all)) / phase.Seconds()
		b.ReportMetric(rate, "saturating-req/s")
		b.ReportMetric(float64(sat.accepted.percentile(50).Microseconds()), "sat-p50-µs")
		b.ReportMetric(float64(sat.accepted.percentile(99).Microseconds()), "sat-p99-µs")

		phases := []struct {
			name   string
			d      *daemon.Daemon
			factor float64
		}{{"light", shedding, 0.5}, {"shed", shedding, 2}, {"noshed", queueing, 2}}
		for _, ph := range phases {
			url := "http://" + ph.d.Addr().String() + "/endpointcost/lookup"
			r := openLoop(c, url, body, ph.factor*rate)
			reportOverload(b, ph.name, r)
		}
	}
}

// reportOverload adds the results of one open-loop phase.
func reportOverload(b *testing.B, name string, r *loadResult) {
	b.ReportMetric(float64(len(r.accepted.all))/r.elapsed.Seconds(), name+"-ok/s")
	b.ReportMetric(float64(r.accepted.percentile(50).Microseconds()), name+"-p50-µs")
	b.ReportMetric(float64(r.accepted.percentile(99).Microseconds()), name+"-p99-µs")
	b.ReportMetric(r.share(r.shed.Load()), name+"-503-%")
	b.ReportMetric(r.share(r.limited.Load()), name+"-429-%")
	b.ReportMetric(r.share(r.dropped.Load()), name+"-unsent-%")
	b.ReportMetric(r.share(r.failed.Load()), name+"-failed-%")
}

// rejectCase is one request over a limit and its expected status.
type rejectCase struct {
	name, path, contentType, body string
	status                        int
}

// BenchmarkReject measures the time from sending a request over a limit
// to receiving its rejection, one request at a time over a keep-alive
// connection, with an accepted request for comparison.
func BenchmarkReject(b *testing.B) {
	d := alttest.StartConfig(b, daemon.Config{})
	limited := alttest.StartConfig(b, daemon.Config{Limits: server.Limits{RatePerClient: 1, RateBurst: 1, RateLimitLoopback: true}})
	base := "http://" + d.Addr().String()
	ecs := heavyECSBody(b, base, 2)
	many := make([]string, server.DefaultMaxPIDs+1)
	for i := range many {
		many[i] = fmt.Sprintf(`"pid%d"`, i)
	}
	pids := strings.Join(many, ",")
	cases := []rejectCase{
		{"accepted", base + "/endpointcost/lookup", "", ecs, http.StatusOK},
		{"body-too-large", base + "/endpointcost/lookup", "", ecs + strings.Repeat(" ", server.DefaultMaxBodyBytes), http.StatusRequestEntityTooLarge},
		{"too-many-pids", base + "/costmap/filtered", "application/alto-costmapfilter+json",
			`{"cost-type":{"cost-mode":"numerical","cost-metric":"routingcost"},"pids":{"srcs":[` + pids + `],"dsts":[]}}`, http.StatusBadRequest},
		{"rate-limited", "http://" + limited.Addr().String() + "/endpointcost/lookup", "", ecs, http.StatusTooManyRequests},
	}
	c := overloadClient(b)
	for _, rc := range cases {
		b.Run(rc.name, func(b *testing.B) {
			b.SetBytes(int64(len(rc.body)))
			send(b, c, rc) // the rate limiter's burst
			for b.Loop() {
				send(b, c, rc)
			}
		})
	}
}

// send posts the request of rc and fails unless it gets rc.status.
func send(b *testing.B, c *http.Client, rc rejectCase) {
	req, err := http.NewRequest("POST", rc.path, strings.NewReader(rc.body))
	if err != nil {
		b.Fatal(err)
	}
	ct := rc.contentType
	if ct == "" {
		ct = "application/alto-endpointcostparams+json"
	}
	req.Header.Set("Content-Type", ct)
	resp, err := c.Do(req)
	if err != nil {
		b.Fatalf("%s: %v", rc.name, err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != rc.status && !(rc.status == http.StatusTooManyRequests && resp.StatusCode == http.StatusOK) {
		b.Fatalf("%s: status %d, want %d", rc.name, resp.StatusCode, rc.status)
	}
}
