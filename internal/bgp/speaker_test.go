package bgp_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/osrg/gobgp/v4/pkg/packet/bgp"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/alttest"
	bgpsrc "github.com/goalto/goalto/internal/bgp"
	"github.com/goalto/goalto/internal/daemon"
	"github.com/goalto/goalto/internal/datadir"
	"github.com/goalto/goalto/internal/metrics"
	"github.com/goalto/goalto/internal/mrt"
)

// PID rules of the tests, in the order of the definition. tableRoutes
// marks the routes so that every rule has prefixes.
var (
	fraCommunity = community(testAS, 1)
	amsLarge     = bgp.NewLargeCommunity(testAS, 2, 0)
	transitHop   = netip.MustParseAddr("198.51.100.7")
	popHop       = netip.MustParseAddr("192.0.2.1")
)

// ruleSet is what the definition's rules match on besides the fixed
// communities and next hops.
type ruleSet struct {
	explicit   netip.Prefix // the prefixes rule
	originAS   uint32
	neighborAS uint32
}

// expectedPID applies the rules of the test definition to an announced
// route, written out here independently of the speaker's code.
func (rs ruleSet) expectedPID(a announcement) string {
	switch {
	case rs.explicit.Bits() <= a.prefix.Bits() && rs.explicit.Contains(a.prefix.Addr()):
		return "explicit"
	case containsCommunity(a.communities, fraCommunity):
		return "pop-fra"
	case len(a.large) > 0 && *a.large[0] == *amsLarge:
		return "pop-ams"
	case a.nextHop == transitHop:
		return "transit"
	case len(a.asPath) > 0 && a.asPath[len(a.asPath)-1] == rs.originAS:
		return "origin-x"
	case len(a.asPath) > 0 && a.asPath[0] == rs.neighborAS:
		return "via-y"
	}
	return "other"
}

func containsCommunity(cs []uint32, c uint32) bool {
	for _, v := range cs {
		if v == c {
			return true
		}
	}
	return false
}

// definition returns the text of a definition with the speaker peering
// with the test peers and the rules of rs.
func (rs ruleSet) definition(holdTime string, peers ...*testPeer) string {
	var b strings.Builder
	fmt.Fprintf(&b, `network-map:
  pids: group
  default-pid: default
bgp:
  local-as: %d
  router-id: 10.255.0.1
  quiet-period: 300ms
  max-delay: 3s
  hold-time: %s
  default-pid: other
  peers:
`, testAS, holdTime)
	for _, p := range peers {
		fmt.Fprintf(&b, "    - {address: %s, port: %d, as: %d, connect-retry: 2s}\n", p.addr, p.port, testAS)
	}
	fmt.Fprintf(&b, `  rules:
    - {pid: explicit, prefixes: [%s]}
    - {pid: pop-fra, communities: ["%d:1"]}
    - {pid: pop-ams, large-communities: ["%d:2:0"]}
    - {pid: transit, next-hop: [198.51.100.0/24]}
    - {pid: origin-x, origin-as: [%d]}
    - {pid: via-y, neighbor-as: [%d]}
`, rs.explicit, testAS, testAS, rs.originAS, rs.neighborAS)
	return b.String()
}

// tableRoutes reads the best route of each prefix of a real MRT table
// and marks every fourth route with the Frankfurt community, every
// fourth with the Amsterdam large community and every fourth with the
// transit next hop. Default routes are left out, because the speaker
// does not map them.
func tableRoutes(t testing.TB, path string) []announcement {
	t.Helper()
	rib, err := mrt.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []announcement
	for i, prefix := range rib.Prefixes() {
		if prefix.Bits() == 0 {
			continue
		}
		route, ok := mrt.Selector{}.Choose(rib, rib.Routes(prefix))
		if !ok {
			continue
		}
		a := announcement{prefix: prefix, asPath: flatPath(route.ASPath), nextHop: popHop}
		if !prefix.Addr().Is4() {
			a.nextHop = netip.MustParseAddr("2001:db8::1")
		}
		switch i % 4 {
		case 0:
			a.communities = []uint32{community(65000, 7), fraCommunity}
		case 1:
			a.large = []*bgp.LargeCommunity{amsLarge}
		case 2:
			if prefix.Addr().Is4() {
				a.nextHop = transitHop
			}
		}
		out = append(out, a)
	}
	return out
}

// flatPath returns the ASes of the AS_SEQUENCE segments of a path.
func flatPath(path []mrt.Segment) []uint32 {
	var out []uint32
	for _, s := range path {
		if s.Type == mrt.SegmentSequence {
			out = append(out, s.ASNs...)
		}
	}
	return out
}

// chooseRules picks the rule values from the routes: the most common
// origin AS and neighbor AS, and the /8 of the hundredth prefix.
func chooseRules(routes []announcement) ruleSet {
	origins, neighbors := map[uint32]int{}, map[uint32]int{}
	for _, a := range routes {
		if len(a.asPath) > 0 {
			origins[a.asPath[len(a.asPath)-1]]++
			neighbors[a.asPath[0]]++
		}
	}
	first := routes[min(100, len(routes)-1)].prefix.Addr()
	return ruleSet{
		explicit:   netip.PrefixFrom(first, 8).Masked(),
		originAS:   mostCommon(origins),
		neighborAS: mostCommon(neighbors),
	}
}

func mostCommon(counts map[uint32]int) uint32 {
	var best uint32
	for as, n := range counts {
		if n > counts[best] || (n == counts[best] && as < best) {
			best = as
		}
	}
	return best
}

// altod is a daemon serving a definition with the BGP source.
type altod struct {
	d          *daemon.Daemon
	logs       *syncBuffer
	mapURL     string
	peerURL    string
	metricsURL string
}

// syncBuffer collects log output; it is safe for concurrent use.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// peers fetches the peer list of the management listener.
func (a *altod) peers(t testing.TB) []bgpsrc.PeerStatus {
	t.Helper()
	var body struct{ Peers []bgpsrc.PeerStatus }
	getJSON(t, a.peerURL, &body)
	return body.Peers
}

// metric returns the value of the series of a metric whose labels
// contain labels, such as `peer="127.0.0.1"`, from a scrape.
func (a *altod) metric(t testing.TB, name, labels string) string {
	t.Helper()
	resp, err := http.Get(a.metricsURL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(body), "\n") {
		series, value, ok := strings.Cut(line, " ")
		if ok && strings.HasPrefix(series, name) && strings.TrimPrefix(series, name) == "{"+labels+"}" || series == name && labels == "" {
			return value
		}
	}
	t.Fatalf("no series %s{%s} in the scrape", name, labels)
	return ""
}

func getJSON(t testing.TB, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %s", url, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: decode: %v", url, err)
	}
}

func startAltod(t testing.TB, definition string) *altod {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "network.yaml")
	if err := os.WriteFile(path, []byte(definition), 0o644); err != nil {
		t.Fatal(err)
	}
	reg := metrics.New()
	logs := &syncBuffer{}
	d := alttest.StartConfig(t, daemon.Config{
		Definition: path, Listen: "127.0.0.1:0", ManagementListen: "127.0.0.1:0", ReloadInterval: -1,
		Metrics: reg, Logger: slog.New(slog.NewTextHandler(logs, nil)),
		Sources: []daemon.SourceFactory{bgpsrc.Factory(bgpsrc.Options{OnStart: reg.WatchBGP})},
	})
	mgmt := "http://" + d.ManagementAddr().String()
	return &altod{d: d, logs: logs, mapURL: "http://" + d.Addr().String() + "/networkmap", peerURL: mgmt + bgpsrc.PeersPath, metricsURL: mgmt + daemon.MetricsPath}
}

// networkMap fetches the served network map and returns the PID of each
// prefix and the vtag.
func (a *altod) networkMap(t testing.TB) (map[netip.Prefix]string, string) {
	t.Helper()
	resp, err := http.Get(a.mapURL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %s", a.mapURL, resp.Status)
	}
	var nm alto.NetworkMap
	if err := json.NewDecoder(resp.Body).Decode(&nm); err != nil {
		t.Fatalf("decode the network map: %v", err)
	}
	out := map[netip.Prefix]string{}
	for pid, group := range nm.NetworkMap {
		for _, prefixes := range group {
			for _, p := range prefixes {
				out[p] = pid
			}
		}
	}
	return out, nm.Meta.VTag.Tag
}

// waitForMap polls the network map until it equals want or a minute
// passes, and returns its vtag.
func (a *altod) waitForMap(t testing.TB, want map[netip.Prefix]string) string {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		got, vtag := a.networkMap(t)
		diff := mapDiff(got, want)
		if diff == "" {
			return vtag
		}
		if time.Now().After(deadline) {
			t.Fatalf("the served network map differs from the announced routes: %s", diff)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// mapDiff describes the first differences between two prefix to PID
// maps, or returns "" when they are equal.
func mapDiff(got, want map[netip.Prefix]string) string {
	var diffs []string
	for p, pid := range want {
		if got[p] != pid {
			diffs = append(diffs, fmt.Sprintf("%s in %q, want %q", p, got[p], pid))
		}
	}
	for p, pid := range got {
		if _, ok := want[p]; !ok {
			diffs = append(diffs, fmt.Sprintf("%s in %q, want none", p, pid))
		}
	}
	if len(diffs) == 0 {
		return ""
	}
	return fmt.Sprintf("%d differences (%d prefixes served, %d announced), such as %s", len(diffs), len(got), len(want), strings.Join(diffs[:min(5, len(diffs))], "; "))
}

func expectedMap(rs ruleSet, routes map[netip.Prefix]announcement) map[netip.Prefix]string {
	out := make(map[netip.Prefix]string, len(routes)+2)
	for p, a := range routes {
		out[p] = rs.expectedPID(a)
	}
	out[netip.MustParsePrefix("0.0.0.0/0")] = "default"
	out[netip.MustParsePrefix("::/0")] = "default"
	return out
}

func byPrefix(routes []announcement) map[netip.Prefix]announcement {
	out := make(map[netip.Prefix]announcement, len(routes))
	for _, a := range routes {
		out[a.prefix] = a
	}
	return out
}

func TestSpeakerMapsRealTable(t *testing.T) {
	routes := tableRoutes(t, datadir.Path(t, "bgp-mrt-routeviews", "rib.20140523.0600.first9072prefixes.mrt.bz2"))
	rs := chooseRules(routes)
	peer := startTestPeer(t, "127.0.0.1", "10.255.0.2")
	a := startAltod(t, rs.definition("1h", peer))

	peer.announce(t, routes)
	announced := byPrefix(routes)
	vtag := a.waitForMap(t, expectedMap(rs, announced))

	pids := map[string]int{}
	for _, pid := range expectedMap(rs, announced) {
		pids[pid]++
	}
	for _, pid := range []string{"explicit", "pop-fra", "pop-ams", "transit", "origin-x", "via-y", "other"} {
		if pids[pid] == 0 {
			t.Errorf("no announced route falls in PID %s, so its rule is untested", pid)
		}
	}

	t.Run("peer state", func(t *testing.T) {
		peers := a.peers(t)
		if len(peers) != 1 {
			t.Fatalf("%d peers listed, want 1", len(peers))
		}
		if p := peers[0]; p.State != "established" || p.Received != uint64(len(routes)) || p.AS != testAS {
			t.Errorf("peer %+v, want established with %d prefixes received from AS %d", p, len(routes), testAS)
		}
		if got := a.metric(t, "alto_bgp_peer_up", `peer="127.0.0.1"`); got != "1" {
			t.Errorf("alto_bgp_peer_up = %s, want 1", got)
		}
		if got, want := a.metric(t, "alto_bgp_routes", `state="best"`), fmt.Sprint(len(routes)); got != want {
			t.Errorf("alto_bgp_routes{state=best} = %s, want %s", got, want)
		}
	})

	t.Run("withdraw and change", func(t *testing.T) {
		withdrawn := routes[:500]
		peer.withdraw(t, withdrawn)
		for _, w := range withdrawn {
			delete(announced, w.prefix)
		}
		changed := make([]announcement, 0, 500)
		for _, r := range routes[1000:1500] {
			r.communities = []uint32{fraCommunity}
			r.large = nil
			changed = append(changed, r)
			announced[r.prefix] = r
		}
		peer.announce(t, changed)
		if got := a.waitForMap(t, expectedMap(rs, announced)); got == vtag {
			t.Fatalf("the network map changed but kept vtag %q", vtag)
		}
	})
}
