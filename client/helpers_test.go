package client_test

import (
	"context"
	"net/http"
	"net/netip"
	"slices"
	"sync"
	"testing"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/client"
	"github.com/goalto/goalto/internal/alttest"
)

// exchange is one HTTP request and response seen by a recorder.
type exchange struct {
	method       string
	url          string
	header       http.Header // request header as sent
	status       int
	uncompressed bool // the transport removed a gzip content coding
}

// recorder is a RoundTripper that passes requests to the default
// transport and records each exchange.
type recorder struct {
	mu        sync.Mutex
	exchanges []exchange
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	header := req.Header.Clone()
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	r.mu.Lock()
	r.exchanges = append(r.exchanges, exchange{
		method:       req.Method,
		url:          req.URL.String(),
		header:       header,
		status:       resp.StatusCode,
		uncompressed: resp.Uncompressed,
	})
	r.mu.Unlock()
	return resp, nil
}

// last returns the last recorded exchange for url.
func (r *recorder) last(t *testing.T, url string) exchange {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.exchanges) - 1; i >= 0; i-- {
		if r.exchanges[i].url == url {
			return r.exchanges[i]
		}
	}
	t.Fatalf("no request to %s recorded", url)
	return exchange{}
}

// startClient starts the goalto server on its built-in network and
// returns a client for it whose exchanges rec records.
func startClient(t *testing.T, opts ...client.Option) (*client.Client, *recorder) {
	t.Helper()
	rec := &recorder{}
	opts = append([]client.Option{client.WithHTTPClient(&http.Client{Transport: rec})}, opts...)
	c, err := client.New(alttest.Start(t, ""), opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c, rec
}

// fullNetworkMap fetches the default network map and fails the test
// when it has fewer than two PIDs, which the tests need.
func fullNetworkMap(t *testing.T, c *client.Client) *alto.NetworkMap {
	t.Helper()
	m, err := c.NetworkMap(context.Background(), "")
	if err != nil {
		t.Fatalf("NetworkMap: %v", err)
	}
	if len(m.NetworkMap) < 2 {
		t.Fatalf("default network map has %d PIDs, tests need at least 2", len(m.NetworkMap))
	}
	return m
}

// pidOf returns the PID whose longest prefix contains addr (RFC 7285,
// Section 11.2.2), or "" when no prefix contains it.
func pidOf(m *alto.NetworkMap, addr netip.Addr) string {
	best, bestBits := "", -1
	for pid, group := range m.NetworkMap {
		for _, prefixes := range group {
			for _, p := range prefixes {
				if p.Contains(addr) && p.Bits() > bestBits {
					best, bestBits = pid, p.Bits()
				}
			}
		}
	}
	return best
}

// ipv4Endpoints returns one IPv4 address for each of up to n PIDs that
// have IPv4 prefixes: the first address of the PID's first prefix that
// longest-prefix matching maps back to the same PID, keyed by PID.
func ipv4Endpoints(m *alto.NetworkMap, n int) map[string]netip.Addr {
	out := make(map[string]netip.Addr)
	for _, pid := range sortedPIDs(m) {
		for _, p := range m.NetworkMap[pid][alto.AddressTypeIPv4] {
			if addr := p.Masked().Addr(); pidOf(m, addr) == pid {
				out[pid] = addr
				break
			}
		}
		if len(out) == n {
			break
		}
	}
	return out
}

func sortedPIDs(m *alto.NetworkMap) []string {
	pids := make([]string, 0, len(m.NetworkMap))
	for pid := range m.NetworkMap {
		pids = append(pids, pid)
	}
	slices.Sort(pids)
	return pids
}
