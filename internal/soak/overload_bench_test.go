package soak_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/goalto/goalto/internal/alttest"
	"github.com/goalto/goalto/internal/daemon"
	"github.com/goalto/goalto/internal/server"
)

// maxOutstanding bounds the connections of overloadClient.
const maxOutstanding = 4096

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

// overloadClient returns a keep-alive client without a bound on its
// connections, so that requests wait in the server and not in the
// client's connection pool.
func overloadClient(b *testing.B) *http.Client {
	b.Helper()
	tr := &http.Transport{MaxIdleConnsPerHost: maxOutstanding}
	b.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
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
	endpoints := make([]string, server.DefaultMaxEndpoints+1)
	for i := range endpoints {
		endpoints[i] = fmt.Sprintf(`"ipv4:10.%d.%d.1"`, i/256, i%256)
	}
	cases := []rejectCase{
		{"accepted", base + "/endpointcost/lookup", "", ecs, http.StatusOK},
		{"body-too-large", base + "/endpointcost/lookup", "", ecs + strings.Repeat(" ", server.DefaultMaxBodyBytes), http.StatusRequestEntityTooLarge},
		{"too-many-pids", base + "/costmap/filtered", "application/alto-costmapfilter+json",
			`{"cost-type":{"cost-mode":"numerical","cost-metric":"routingcost"},"pids":{"srcs":[` + pids + `],"dsts":[]}}`, http.StatusBadRequest},
		{"too-many-endpoints", base + "/endpointcost/lookup", "",
			`{"cost-type":{"cost-mode":"numerical","cost-metric":"routingcost"},"endpoints":{"srcs":[` + strings.Join(endpoints, ",") + `],"dsts":["ipv4:10.0.0.1"]}}`, http.StatusBadRequest},
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
