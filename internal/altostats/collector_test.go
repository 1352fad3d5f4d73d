package altostats_test

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/goalto/goalto/internal/altostats"
	"github.com/goalto/goalto/internal/daemon"
	"github.com/goalto/goalto/internal/snapshot"
)

// clock is a settable time source.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestWindow(t *testing.T) {
	clk := &clock{t: time.Unix(1_000_000, 0)}
	c := altostats.New(altostats.Config{Window: 300 * time.Second, Now: clk.now})
	c.ObserveRequest("x", "GET", 200, "", 0, 0) // at 0 s
	clk.t = clk.t.Add(200 * time.Second)
	c.ObserveRequest("x", "GET", 500, "", 0, 0) // at 200 s
	c.ObserveRequest("x", "GET", 304, "", 0, 0)

	tests := []struct {
		name                  string
		at                    time.Duration
		wantReq, succ, failed string
	}{
		{"both in window", 250 * time.Second, "3", "2", "1"},
		{"first left", 310 * time.Second, "2", "1", "1"},
		{"all left", 600 * time.Second, "0", "0", "0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clk.t = time.Unix(1_000_000, 0).Add(tc.at)
			s := c.ServerStats()
			if s["num-total-last-req"] != tc.wantReq || s["num-total-last-succ"] != tc.succ || s["num-total-last-fail"] != tc.failed {
				t.Errorf("window counts %v/%v/%v, want %s/%s/%s", s["num-total-last-req"], s["num-total-last-succ"], s["num-total-last-fail"], tc.wantReq, tc.succ, tc.failed)
			}
			if s["num-total-req"] != "3" {
				t.Errorf("num-total-req %v, want 3", s["num-total-req"])
			}
			if want := uint32(tc.at / (10 * time.Millisecond)); s["last-report-time"] != want {
				t.Errorf("last-report-time %v, want %d", s["last-report-time"], want)
			}
		})
	}
}

// buildWithMetric builds a snapshot of a two-node network whose one link
// has metric.
func buildWithMetric(t *testing.T, dir string, metric int) *snapshot.Snapshot {
	t.Helper()
	topo := "nodes:\n  - {id: a, prefixes: [192.0.2.0/25]}\n  - {id: b, prefixes: [192.0.2.128/25]}\nlinks:\n  - {from: a, to: b, metric: " + strconv.Itoa(metric) + "}\n"
	def := "network-map:\n  resource-id: net\ntopology: topology.yaml\n"
	for name, text := range map[string]string{"topology.yaml": topo, "network.yaml": def} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s, err := daemon.Build(filepath.Join(dir, "network.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestVersionsCountChanges(t *testing.T) {
	dir := t.TempDir()
	c := altostats.New(altostats.Config{})
	first := buildWithMetric(t, dir, 10)
	c.ObservePublish(first)
	c.ObservePublish(buildWithMetric(t, dir, 10)) // same content
	changed := buildWithMetric(t, dir, 20)
	c.ObservePublish(changed)

	stats := c.ResourceStats()
	changedCount := 0
	for _, res := range changed.Resources {
		t.Run(res.ID, func(t *testing.T) {
			want := "0"
			if old := first.ResourceByID(res.ID); old != nil && old.ETag != res.ETag {
				want = "1"
				changedCount++
			}
			if got := stats[res.ID]["num-res-upd"]; got != want {
				t.Errorf("num-res-upd %v, want %s", got, want)
			}
		})
	}
	if changedCount == 0 {
		t.Error("no resource changed with the link metric; the test network is wrong")
	}
	if stats["net"]["num-res-upd"] != "0" {
		t.Errorf("the network map did not change, but num-res-upd is %v", stats["net"]["num-res-upd"])
	}
}

func TestMemLimitEvents(t *testing.T) {
	snap, err := daemon.Build("")
	if err != nil {
		t.Fatal(err)
	}
	net := snap.ResourceByID("lhcone-network-map")
	size := uint64(len(net.Body) + len(net.Gzip))
	var events []string
	c := altostats.New(altostats.Config{OnMemLimit: func(id string, limit uint64) {
		events = append(events, id+"="+strconv.FormatUint(limit, 10))
	}})
	c.ObservePublish(snap)

	steps := []struct {
		name    string
		limits  map[string]uint64
		publish bool
		want    int // events so far
	}{
		{"limit above size", map[string]uint64{"lhcone-network-map": size + 1}, false, 0},
		{"limit reached", map[string]uint64{"lhcone-network-map": size}, false, 1},
		{"publish while over", nil, true, 1},
		{"limit removed", map[string]uint64{}, false, 1},
		{"limit again", map[string]uint64{"lhcone-network-map": 100}, false, 2},
		{"resource without encoding", map[string]uint64{"lhcone-network-map": 100, "endpoint-cost": 1}, false, 2},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			if st.publish {
				c.ObservePublish(snap)
			} else {
				c.SetMemLimits(st.limits)
			}
			if len(events) != st.want {
				t.Errorf("events %v, want %d", events, st.want)
			}
		})
	}
	if want := "lhcone-network-map=" + strconv.FormatUint(size, 10); len(events) == 0 || events[0] != want {
		t.Errorf("first event %v, want %s", events, want)
	}
}
