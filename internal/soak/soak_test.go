package soak_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/goalto/goalto/client"
	"github.com/goalto/goalto/internal/alttest"
	"github.com/goalto/goalto/internal/daemon"
)

const (
	// defaultDuration is the length of a run without GOALTO_SOAK_DURATION.
	defaultDuration = 10 * time.Second
	// workers is the number of goroutines that send requests at once.
	workers = 4
	// minDuration is the shortest run that reloads often enough for the
	// checks that both versions were served and that updates arrived.
	minDuration = 2 * time.Second
	// reloadEvery is the time between two rewrites of the input files.
	reloadEvery = 300 * time.Millisecond
	// goroutineSlack is how many goroutines above the baseline the
	// server may keep after every client has closed: the runtime and
	// net/http start a few on demand that outlive a connection.
	goroutineSlack = 5
	// heapSlack is how much the live heap may grow over the run. The
	// update engine keeps up to 64 versions of each resource for
	// incremental updates (package updates), which the reloads fill.
	heapSlack = 8 << 20
	// patience bounds every wait for the server.
	patience = time.Minute
)

// followed are the resources followed over the update stream and TIPS.
var followed = []string{"my-network-map", "num-routing-map"}

// soakDuration returns the run length from GOALTO_SOAK_DURATION.
func soakDuration(t *testing.T) time.Duration {
	t.Helper()
	s := os.Getenv("GOALTO_SOAK_DURATION")
	if s == "" {
		return defaultDuration
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < minDuration {
		t.Fatalf("GOALTO_SOAK_DURATION=%q: want a duration of at least %v, such as 10m", s, minDuration)
	}
	return d
}

func TestSoak(t *testing.T) {
	duration := soakDuration(t)
	dir := t.TempDir()
	def := filepath.Join(dir, "soak.yaml")
	writeVersion(t, dir, 0)
	d := alttest.StartConfig(t, daemon.Config{Definition: def})
	base := "http://" + d.Addr().String()

	tags := newTagLog()
	warm := newHTTPClient()
	for _, r := range requests() {
		checkRequest(t, warm, base, r, tags)
	}
	warm.CloseIdleConnections()
	goroutines0, heap0 := settle(t)
	t.Logf("baseline: %d goroutines, %d KiB live heap", goroutines0, heap0>>10)

	hc := newHTTPClient()
	run := runLoad(t, base, hc, d, dir, duration, tags)
	hc.CloseIdleConnections()
	tags.check(t)
	t.Logf("run of %v: %d requests, %d reloads, %d stream and %d TIPS updates", duration, run.requests, run.reloads, run.sseUpdates, run.tipsUpdates)
	for via, n := range map[string]int{"update stream": run.sseUpdates, "TIPS": run.tipsUpdates} {
		if run.reloads > 0 && n <= len(followed) {
			t.Errorf("%s: %d updates after %d reloads, want more than the %d initial states", via, n, run.reloads, len(followed))
		}
	}
	if t.Failed() {
		return
	}

	goroutines, heap := waitQuiet(t, goroutines0+goroutineSlack, heap0+heapSlack)
	t.Logf("after closing the clients: %d goroutines, %d KiB live heap", goroutines, heap>>10)
}

// settle returns the goroutine count and the live heap once the
// goroutine count has stopped falling between two polls, so that the
// goroutines of closed connections are gone from the baseline.
func settle(t *testing.T) (int, uint64) {
	t.Helper()
	prev := -1
	deadline := time.Now().Add(patience)
	for {
		n, heap := measure()
		if n == prev || time.Now().After(deadline) {
			return n, heap
		}
		prev = n
		time.Sleep(50 * time.Millisecond)
	}
}

// measure runs the garbage collector and returns the goroutine count
// and the live heap in bytes.
func measure() (int, uint64) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return runtime.NumGoroutine(), ms.HeapAlloc
}

// waitQuiet polls until the goroutine count is at most maxGoroutines
// and the live heap at most maxHeap, failing after patience with a dump
// of every goroutine. It returns the last values measured.
func waitQuiet(t *testing.T, maxGoroutines int, maxHeap uint64) (int, uint64) {
	t.Helper()
	deadline := time.Now().Add(patience)
	for {
		n, heap := measure()
		if n <= maxGoroutines && heap <= maxHeap {
			return n, heap
		}
		if time.Now().After(deadline) {
			stack := make([]byte, 1<<20)
			stack = stack[:runtime.Stack(stack, true)]
			t.Fatalf("after %v: %d goroutines (want at most %d), %d KiB live heap (want at most %d KiB); goroutines:\n%s",
				patience, n, maxGoroutines, heap>>10, maxHeap>>10, stack)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// newHTTPClient returns a client with its own connection pool, so that
// closing its idle connections closes every connection of the test.
func newHTTPClient() *http.Client {
	return &http.Client{
		Transport: &http.Transport{MaxIdleConnsPerHost: workers * 2},
		Timeout:   patience,
	}
}

// runStats counts what a run did.
type runStats struct {
	requests, reloads       int
	sseUpdates, tipsUpdates int
}

// runLoad sends the request mix from several workers, follows the
// network and cost maps over an update stream and TIPS, and rewrites
// the input files and reloads, until duration has passed.
func runLoad(t *testing.T, base string, hc *http.Client, d *daemon.Daemon, dir string, duration time.Duration, tags *tagLog) runStats {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), duration)
	defer cancel()

	var st runStats
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, via := range []client.Via{client.ViaSSE, client.ViaTIPS} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := follow(ctx, t, hc, base, via, followed, tags)
			mu.Lock()
			defer mu.Unlock()
			if via == client.ViaSSE {
				st.sseUpdates = n
			} else {
				st.tipsUpdates = n
			}
		}()
	}
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n := sendRequests(ctx, t, hc, base, tags)
			mu.Lock()
			defer mu.Unlock()
			st.requests += n
		}()
	}
	st.reloads = reloadLoop(ctx, t, hc, base, d, dir, tags)
	wg.Wait()
	return st
}

// sendRequests sends the request mix in a loop until ctx ends and
// returns how many requests it sent.
func sendRequests(ctx context.Context, t *testing.T, hc *http.Client, base string, tags *tagLog) int {
	n := 0
	for ctx.Err() == nil {
		for _, r := range requests() {
			if !checkRequest(t, hc, base, r, tags) {
				return n
			}
			n++
		}
	}
	return n
}

// reloadLoop alternates the two versions of the input files and
// reloads the daemon, as SIGHUP does, until ctx ends. After each reload
// it records the network map's version tag, so that every version the
// server published is known.
func reloadLoop(ctx context.Context, t *testing.T, hc *http.Client, base string, d *daemon.Daemon, dir string, tags *tagLog) int {
	tick := time.NewTicker(reloadEvery)
	defer tick.Stop()
	n := 0
	for {
		select {
		case <-ctx.Done():
			return n
		case <-tick.C:
		}
		n++
		writeVersion(t, dir, n%2)
		if err := d.Reload(); err != nil {
			t.Errorf("reload %d: %v", n, err)
			return n
		}
		checkRequest(t, hc, base, requests()[0], tags)
	}
}

// follow follows resources over an update stream or TIPS until ctx
// ends and returns the number of updates received. It fails the test
// when the follower stops early or has to resynchronise, since a
// correct server never makes it.
func follow(ctx context.Context, t *testing.T, hc *http.Client, base string, via client.Via, ids []string, tags *tagLog) int {
	c, err := client.New(base+"/directory", client.WithHTTPClient(&http.Client{Transport: hc.Transport}))
	if err != nil {
		t.Errorf("%s client: %v", via, err)
		return 0
	}
	warn := func(id, msg string) { t.Errorf("%s follower of %q: %s", via, id, msg) }
	f, err := c.Follow(ctx, via, ids, client.WithWarningFunc(warn))
	if err != nil {
		t.Errorf("follow over %s: %v", via, err)
		return 0
	}
	n := 0
	for u := range f.Updates() {
		n++
		if u.Vtag != "" {
			tags.depend(u.Vtag, string(via)+" update of "+u.ResourceID)
		}
		if u.Resync {
			t.Errorf("%s update of %s: resynchronised: %s", via, u.ResourceID, u.Reason)
		}
	}
	if err := f.Close(); err != nil && ctx.Err() == nil {
		t.Errorf("%s follower stopped before the end: %v", via, err)
	}
	return n
}
