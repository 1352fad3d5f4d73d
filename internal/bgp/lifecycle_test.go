package bgp_test

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/goalto/goalto/internal/datadir"
)

// smallTable returns the first n routes of the Route Views table with
// their rules.
func smallTable(t *testing.T, n int) ([]announcement, ruleSet) {
	t.Helper()
	routes := tableRoutes(t, datadir.Path(t, "bgp-mrt-routeviews", "rib.20140523.0600.first9072prefixes.mrt.bz2"))
	return routes[:n], chooseRules(routes)
}

// waitForPeer polls /bgp/peers until the first peer is established
// (up) or not (down), or a minute passes.
func (a *altod) waitForPeer(t *testing.T, up bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		peers := a.peers(t)
		if len(peers) > 0 && (peers[0].State == "established") == up {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("peers %+v, want the first established: %t", peers, up)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitForLog polls the log until it has a line containing each of
// wants, or a minute passes. The speaker writes a line after it records
// the change that the line reports, so a state seen through the
// management API does not mean that its line is in the log yet.
func (a *altod) waitForLog(t *testing.T, wants ...string) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for _, want := range wants {
		for !strings.Contains(a.logs.String(), want) {
			if time.Now().After(deadline) {
				t.Fatalf("the log has no line with %q:\n%s", want, a.logs.String())
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
}

func TestPeerLossPastHoldTime(t *testing.T) {
	routes, rs := smallTable(t, 300)
	peer := startTestPeer(t, "127.0.0.1", "10.255.0.2")
	// The checks within the hold time must finish before it ends, so the
	// hold time is 15 s, which leaves room for a loaded machine.
	a := startAltod(t, rs.definition("15s", peer))
	peer.announce(t, routes)
	full := expectedMap(rs, byPrefix(routes))
	a.waitForMap(t, full)

	peer.stop()
	a.waitForPeer(t, false)
	if got := a.peers(t)[0].Held; got != len(routes) {
		t.Errorf("peer holds %d routes after going down, want %d", got, len(routes))
	}
	if diff := mapDiff(mustMap(t, a), full); diff != "" {
		t.Errorf("within the hold time, the map lost routes: %s", diff)
	}

	a.waitForMap(t, expectedMap(rs, nil))
	a.waitForLog(t, "BGP session down", "hold time ended", "prefixes=300")
	if got := a.metric(t, "alto_bgp_held_routes_expired_total", ""); got != "300" {
		t.Errorf("alto_bgp_held_routes_expired_total = %s, want 300", got)
	}
}

func TestPeerLossWithoutRoutes(t *testing.T) {
	_, rs := smallTable(t, 1) // the peer announces nothing
	peer := startTestPeer(t, "127.0.0.1", "10.255.0.2")
	a := startAltod(t, rs.definition("5s", peer))
	a.waitForPeer(t, true)
	peer.stop()
	a.waitForPeer(t, false)
	a.waitForLog(t, "BGP session down; the peer had no routes")
	if strings.Contains(a.logs.String(), "stay in use") {
		t.Errorf("the log says the routes of a peer without routes stay in use:\n%s", a.logs.String())
	}
}

func mustMap(t *testing.T, a *altod) map[netip.Prefix]string {
	t.Helper()
	m, _ := a.networkMap(t)
	return m
}

func TestPeerFlapKeepsRoutes(t *testing.T) {
	routes, rs := smallTable(t, 400)
	peer := startTestPeer(t, "127.0.0.1", "10.255.0.2")
	a := startAltod(t, rs.definition("1h", peer))
	peer.announce(t, routes)
	a.waitForMap(t, expectedMap(rs, byPrefix(routes)))

	peer.stop()
	a.waitForPeer(t, false)

	// The peer comes back on the same port with half of its routes, a
	// hundred of them with a new community.
	back := restartTestPeer(t, peer)
	again := append([]announcement(nil), routes[:200]...)
	for i := range again[:100] {
		again[i].communities = []uint32{fraCommunity}
		again[i].large = nil
	}
	back.announce(t, again)
	a.waitForPeer(t, true)

	want := byPrefix(routes) // the other half stays held
	for _, r := range again {
		want[r.prefix] = r
	}
	a.waitForMap(t, expectedMap(rs, want))
	// Routes announced again with unchanged attributes leave the map as
	// it was. So the map can match before the last of them has left the
	// held set, and the test waits for the count too.
	deadline := time.Now().Add(time.Minute)
	peers := a.peers(t)
	for peers[0].Held != 200 {
		if time.Now().After(deadline) {
			t.Fatalf("peer holds %d routes, want the 200 not announced again", peers[0].Held)
		}
		time.Sleep(50 * time.Millisecond)
		peers = a.peers(t)
	}
	if peers[0].Transitions < 2 {
		t.Errorf("peer made %d state transitions, want at least 2 for the flap", peers[0].Transitions)
	}
}

func TestPasswordSession(t *testing.T) {
	routes, rs := smallTable(t, 50)
	peer := startTestPeerWith(t, "127.0.0.1", freePort(t, "127.0.0.1"), "10.255.0.2", "s3cret")
	def := strings.Replace(rs.definition("1h", peer), "connect-retry: 2s}", "connect-retry: 2s, password: s3cret}", 1)
	a := startAltod(t, def)
	peer.announce(t, routes)
	a.waitForMap(t, expectedMap(rs, byPrefix(routes)))
}

func TestPasswordMismatch(t *testing.T) {
	_, rs := smallTable(t, 1)
	peer := startTestPeerWith(t, "127.0.0.1", freePort(t, "127.0.0.1"), "10.255.0.2", "s3cret")
	def := strings.Replace(rs.definition("1h", peer), "connect-retry: 2s}", "connect-retry: 2s, password: other}", 1)
	a := startAltod(t, def)
	// The first connection attempt comes within 2 s, and each further
	// one 2 s later; TCP MD5 drops every segment with a wrong signature,
	// so none can succeed.
	deadline := time.Now().Add(6 * time.Second)
	for time.Now().Before(deadline) {
		if p := a.peers(t)[0]; p.State == "established" {
			t.Fatalf("the session came up with a wrong password: %+v", p)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
