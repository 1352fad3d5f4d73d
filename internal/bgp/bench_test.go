package bgp_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	bgpsrc "github.com/goalto/goalto/internal/bgp"
	"github.com/goalto/goalto/internal/datadir"
	"github.com/goalto/goalto/internal/updates"
)

// residentBytes returns the resident set size of the test process, from
// /proc/self/status, or 0 where that file does not exist.
func residentBytes() float64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb * 1024
		}
	}
	return 0
}

// BenchmarkFullTableOverBGP receives the full 2002 RIPE RIS table over a
// loopback BGP session. It reports the time from altod's start until the
// served network map has every prefix, and the memory of the test
// process, which holds the sending peer too.
func BenchmarkFullTableOverBGP(b *testing.B) {
	routes := tableRoutes(b, datadir.Path(b, "bgp-mrt-ripe-ris", "bview.20020722.2337.gz"))
	rs := chooseRules(routes)
	want := expectedMap(rs, byPrefix(routes))
	for range b.N {
		peer := startTestPeer(b, "127.0.0.1", "10.255.0.2")
		start := time.Now()
		peer.announce(b, routes)
		announced := time.Since(start)

		start = time.Now()
		a := startAltod(b, rs.definition("1h", peer))
		a.waitForMap(b, want)
		served := time.Since(start)

		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		b.ReportMetric(float64(len(routes)), "prefixes")
		b.ReportMetric(announced.Seconds(), "s-peer-load")
		b.ReportMetric(served.Seconds(), "s-to-map")
		b.ReportMetric(residentBytes()/(1<<20), "MiB-rss")
		b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "MiB-heap")
		peer.stop()
	}
}

// mapVersion is a network map version as a poller saw it.
type mapVersion struct {
	seen time.Time
	body []byte
}

// pollVersions fetches the network map every interval until stop is
// closed, and returns each new version with the time it was first seen.
func pollVersions(url string, interval time.Duration, stop <-chan struct{}) []mapVersion {
	var out []mapVersion
	for {
		select {
		case <-stop:
			return out
		case <-time.After(interval):
		}
		resp, err := http.Get(url)
		if err != nil {
			continue
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			continue
		}
		if len(out) == 0 || string(out[len(out)-1].body) != string(body) {
			out = append(out, mapVersion{seen: time.Now(), body: body})
		}
	}
}

// BenchmarkReplayUpdates100x replays the RIPE RIS update file 100 times
// faster than recorded. It reports the network map versions and the time
// from the last update before each version to that version. It also
// reports the patch size of each version beside the full map size.
func BenchmarkReplayUpdates100x(b *testing.B) {
	file := datadir.Path(b, "bgp-mrt-ripe-ris", "updates.20160811.1600.gz")
	for range b.N {
		listen := fmt.Sprintf("127.0.0.1:%d", freePort(b, "127.0.0.1"))
		replayer, err := bgpsrc.StartReplayer(bgpsrc.ReplayConfig{File: file, Speed: 100, Listen: listen, AS: testAS, RouterID: "10.255.0.7", Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			b.Fatal(err)
		}
		a := startAltod(b, fmt.Sprintf(`network-map:
  pids: asn
  default-pid: default
bgp:
  local-as: %d
  router-id: 10.255.0.1
  quiet-period: 200ms
  max-delay: 1s
  peers:
    - {address: 127.0.0.1, port: %s, as: %d, connect-retry: 2s}
`, testAS, listen[len("127.0.0.1:"):], testAS))
		ctx := context.Background()
		if err := replayer.WaitEstablished(ctx); err != nil {
			b.Fatal(err)
		}
		stop := make(chan struct{})
		polled := make(chan []mapVersion)
		go func() { polled <- pollVersions(a.mapURL, 5*time.Millisecond, stop) }()
		var sent []time.Time
		st, err := replayer.Run(ctx, func(_ int, at time.Time) { sent = append(sent, at) })
		if err != nil {
			b.Fatal(err)
		}
		time.Sleep(2 * time.Second) // longer than the max delay, so the last version is out
		close(stop)
		versions := <-polled
		replayer.Close()
		reportVersions(b, versions, sent, st)
	}
}

func reportVersions(b *testing.B, versions []mapVersion, sent []time.Time, st bgpsrc.ReplayStats) {
	var delays []time.Duration
	var patchBytes, fullBytes []int
	for i, v := range versions {
		if i == 0 {
			continue // the map before the replay
		}
		last := sent[0]
		for _, s := range sent {
			if s.Before(v.seen) {
				last = s
			}
		}
		delays = append(delays, v.seen.Sub(last))
		_, patch, err := updates.DiffFor("application/alto-networkmap+json", versions[i-1].body, v.body)
		if err != nil {
			b.Fatal(err)
		}
		patchBytes = append(patchBytes, len(patch))
		fullBytes = append(fullBytes, len(v.body))
	}
	final := versions[len(versions)-1].seen.Sub(sent[len(sent)-1])
	slices.Sort(delays)
	b.ReportMetric(float64(st.Updates), "updates")
	b.ReportMetric(st.Elapsed.Seconds(), "s-replay")
	b.ReportMetric(float64(len(versions)-1), "versions")
	b.ReportMetric(float64(final.Milliseconds()), "ms-final-delay")
	if len(delays) > 0 {
		b.ReportMetric(float64(delays[len(delays)/2].Milliseconds()), "ms-median-delay")
		b.ReportMetric(float64(delays[len(delays)-1].Milliseconds()), "ms-max-delay")
		b.ReportMetric(mean(patchBytes), "B-mean-patch")
		b.ReportMetric(mean(fullBytes), "B-mean-full-map")
	}
}

func mean(v []int) float64 {
	sum := 0
	for _, x := range v {
		sum += x
	}
	return float64(sum) / float64(len(v))
}
