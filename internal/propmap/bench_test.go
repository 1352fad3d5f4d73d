package propmap_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/alttest"
	"github.com/goalto/goalto/internal/daemon"
	"github.com/goalto/goalto/internal/datadir"
	"github.com/goalto/goalto/internal/prefixes"
	"github.com/goalto/goalto/internal/server"
)

// benchAddresses is the number of addresses of each benchmark request.
const benchAddresses = 10000

// benchClientsPerCPU sets b.SetParallelism: with GOMAXPROCS 2 it gives 4
// client goroutines, as the server benchmarks use.
const benchClientsPerCPU = 2

// BenchmarkFilteredPropertyMap10k requests the origin AS of 10,000
// addresses from a real server in one request. The server reads the
// full RouteViews table of 2015-11-01 (606,138 IPv4 and 27,693 IPv6
// prefixes). The "propmap" case asks the filtered property map for
// "priv:asn", whose values come from that table. For comparison, the
// "endpointprop" case asks the RFC 7285 endpoint property service for
// "default-network-map.pid", whose PIDs under the asn rule are the
// origin ASes of the same table. Both find each address with one
// longest-prefix match. Responses are not compressed, so that both
// services do the same work on the wire.
func BenchmarkFilteredPropertyMap10k(b *testing.B) {
	tableFile := datadir.Path(b, "pfx2as-pyasn", "ipasn6_20151101.dat.gz")
	d := alttest.StartConfig(b, daemon.Config{
		Definition: writeDefinition(b, fmt.Sprintf(`
network-map: {pids: asn}
prefixes: [%q]
resources:
  - {id: default-network-map, type: network-map, path: /networkmap}
  - {id: asn, type: filtered-property-map, path: /propmap/asn, entity-domains: [ipv4, ipv6], properties: [priv:asn]}
  - {id: endpoint-property, type: endpoint-property, path: /endpointprop/lookup}
`, tableFile)),
		Limits: server.Limits{MaxEndpoints: benchAddresses},
	})
	u, err := url.Parse(d.IRDURL())
	if err != nil {
		b.Fatal(err)
	}
	origin := u.Scheme + "://" + u.Host
	addrs := benchAddressList(b, tableFile)
	client := &http.Client{Transport: &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 16}}

	propBody := mustJSON(b, alto.PropertyMapParams{Entities: addrs, Properties: []string{"priv:asn"}})
	epsBody := mustJSON(b, alto.EndpointPropParams{Properties: []string{"default-network-map.pid"}, Endpoints: addrs})
	cases := []struct {
		name, path, contentType string
		body                    []byte
		count                   func([]byte) (int, error)
	}{
		{"propmap", "/propmap/asn", alto.MediaTypePropMapParams, propBody, func(body []byte) (int, error) {
			var pm alto.PropertyMap
			err := json.Unmarshal(body, &pm)
			return len(pm.PropertyMap), err
		}},
		{"endpointprop", "/endpointprop/lookup", alto.MediaTypeEndpointPropParams, epsBody, func(body []byte) (int, error) {
			var ep alto.EndpointPropertyMap
			err := json.Unmarshal(body, &ep)
			return len(ep.EndpointProperties), err
		}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			send := func() ([]byte, error) { return benchPost(client, origin+c.path, c.contentType, c.body) }
			body, err := send()
			if err != nil {
				b.Fatal(err)
			}
			if n, err := c.count(body); err != nil || n != benchAddresses {
				b.Fatalf("response has %d addresses (%v), want %d", n, err, benchAddresses)
			}
			b.SetBytes(int64(len(body)))
			runParallel(b, send)
		})
	}
}

// benchAddressList returns the first addresses of benchAddresses table
// prefixes spread evenly over the table, as typed addresses.
func benchAddressList(b *testing.B, tableFile string) []string {
	b.Helper()
	table, err := prefixes.Load(tableFile)
	if err != nil {
		b.Fatal(err)
	}
	step := len(table.Entries) / benchAddresses
	var out []string
	for i := 0; len(out) < benchAddresses; i += step {
		out = append(out, typedAddr(table.Entries[i].Prefix.Addr()))
	}
	return out
}

// benchPost sends one POST and returns the body of a 200 response.
func benchPost(client *http.Client, url, contentType string, body []byte) ([]byte, error) {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", contentType)
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("POST %s: %s: %.200s", url, resp.Status, data)
	}
	return data, nil
}

// runParallel sends b.N requests from parallel client goroutines and
// reports the request rate and the 50th and 99th percentile latency in
// milliseconds. Client and server share the process, so allocations
// count both.
func runParallel(b *testing.B, send func() ([]byte, error)) {
	b.ReportAllocs()
	b.SetParallelism(benchClientsPerCPU)
	var mu sync.Mutex
	var latencies []time.Duration

	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		var own []time.Duration
		for pb.Next() {
			start := time.Now()
			if _, err := send(); err != nil {
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
		return float64(latencies[int(p*float64(len(latencies)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	b.ReportMetric(percentile(0.50), "p50-ms")
	b.ReportMetric(percentile(0.99), "p99-ms")
}
