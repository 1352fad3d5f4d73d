package hostile_test

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/alttest"
	"github.com/goalto/goalto/internal/daemon"
)

// soakVersions are two versions of the soak definition, swapped by the
// reloads.
var soakVersions = []string{
	"network-map: {pids: group}\ngroups:\n  - {pid: a, prefixes: [192.0.2.0/25]}\n  - {pid: b, prefixes: [192.0.2.128/25]}\n" +
		"costs:\n  routingcost: {a: {b: 1}, b: {a: 1}}\n  hopcount: {a: {b: 1}, b: {a: 1}}\n",
	"network-map: {pids: group}\ngroups:\n  - {pid: a, prefixes: [192.0.2.0/25]}\n  - {pid: b, prefixes: [192.0.2.128/25]}\n  - {pid: c, prefixes: [198.51.100.0/24]}\n" +
		"costs:\n  routingcost: {a: {b: 2, c: 4}, b: {a: 2}, c: {a: 4}}\n  hopcount: {a: {b: 1, c: 2}, b: {a: 1}, c: {a: 2}}\n",
}

// soakRequests are the requests of one round: every RFC 7285 service,
// an update stream read to its first event, and a TIPS view.
var soakRequests = []struct{ method, path, contentType, body string }{
	{"GET", "/directory", "", ""},
	{"GET", "/networkmap", "", ""},
	{"GET", "/costmap/num/routingcost", "", ""},
	{"POST", "/networkmap/filtered", alto.MediaTypeNetworkMapFilter, `{"pids":["a"]}`},
	{"POST", "/costmap/filtered", alto.MediaTypeCostMapFilter, `{"cost-type":{"cost-mode":"numerical","cost-metric":"routingcost"}}`},
	{"POST", "/endpointprop/lookup", alto.MediaTypeEndpointPropParams, `{"properties":["default-network-map.pid"],"endpoints":["ipv4:192.0.2.1"]}`},
	{"POST", "/endpointcost/lookup", alto.MediaTypeEndpointCostParams, `{"cost-type":{"cost-mode":"ordinal","cost-metric":"hopcount"},"endpoints":{"srcs":["ipv4:192.0.2.1"],"dsts":["ipv4:192.0.2.200"]}}`},
	{"POST", "/tips", alto.MediaTypeTIPSParams, `{"resource-id":"default-network-map"}`},
	{"POST", "/updates/stream", alto.MediaTypeUpdateStreamParams, `{"add":{"1":{"resource-id":"default-network-map"}}}`},
}

// soakRound sends every soak request once. An update stream is read to
// its first event and then dropped.
func soakRound(t *testing.T, c *http.Client, base string) {
	for _, r := range soakRequests {
		ctx, cancel := context.WithTimeout(context.Background(), patience)
		req, _ := http.NewRequestWithContext(ctx, r.method, base+r.path, strings.NewReader(r.body))
		if r.contentType != "" {
			req.Header.Set("Content-Type", r.contentType)
		}
		resp, err := c.Do(req)
		if err != nil {
			cancel()
			t.Errorf("%s %s: %v", r.method, r.path, err)
			return
		}
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s %s: status %d", r.method, r.path, resp.StatusCode)
		}
		if r.path == "/updates/stream" {
			buf := make([]byte, 256)
			_, _ = resp.Body.Read(buf)
		} else {
			_, _ = io.Copy(io.Discard, resp.Body)
		}
		resp.Body.Close()
		cancel()
	}
}

// soakDuration is GOALTO_SOAK_DURATION, or 2 s.
func soakDuration(t *testing.T) time.Duration {
	if v := os.Getenv("GOALTO_SOAK_DURATION"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("GOALTO_SOAK_DURATION: %v", err)
		}
		return d
	}
	return 2 * time.Second
}

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// TestSoak runs every service, update streams and reloads at once for
// GOALTO_SOAK_DURATION, then checks that goroutines and heap return to
// their level before the load.
func TestSoak(t *testing.T) {
	def := filepath.Join(t.TempDir(), "network.yaml")
	if err := os.WriteFile(def, []byte(soakVersions[0]), 0o644); err != nil {
		t.Fatal(err)
	}
	d := alttest.StartConfig(t, daemon.Config{Definition: def})
	base := "http://" + d.Addr().String()
	tr := &http.Transport{MaxIdleConnsPerHost: 8}
	c := &http.Client{Transport: tr}

	soakRound(t, c, base) // warm up caches and the views
	tr.CloseIdleConnections()
	time.Sleep(200 * time.Millisecond)
	goroutines, heap := runtime.NumGoroutine(), heapInUse()

	stop := time.Now().Add(soakDuration(t))
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for time.Now().Before(stop) && !t.Failed() {
				soakRound(t, c, base)
			}
		})
	}
	wg.Go(func() {
		for i := 1; time.Now().Before(stop); i++ {
			if err := os.WriteFile(def+".tmp", []byte(soakVersions[i%2]), 0o644); err != nil {
				t.Error(err)
				return
			}
			_ = os.Rename(def+".tmp", def)
			if err := d.Reload(); err != nil {
				t.Errorf("reload %d: %v", i, err)
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
	wg.Wait()
	tr.CloseIdleConnections()

	var now int
	for range 50 {
		if now = runtime.NumGoroutine(); now <= goroutines+2 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if now > goroutines+2 {
		t.Errorf("goroutines: %d after the soak, %d before", now, goroutines)
	}
	if after := heapInUse(); after > 2*heap+16<<20 {
		t.Errorf("heap in use: %d bytes after the soak, %d before", after, heap)
	}
}
