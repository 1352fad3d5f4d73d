package bgp_test

import (
	"context"
	"fmt"
	"log/slog"
	"maps"
	"net/netip"
	"testing"
	"time"

	bgpsrc "github.com/goalto/goalto/internal/bgp"
	"github.com/goalto/goalto/internal/datadir"
	"github.com/goalto/goalto/internal/mrt"
)

// modelRoute is a collector peer's route in the test's own model of an
// update file.
type modelRoute struct {
	length     int
	originAS   uint32
	neighborAS uint32
}

// updateModel replays an update file in memory: per prefix, the route of
// each collector peer, and the best by shortest AS path, then lowest
// peer address.
type updateModel struct {
	routes map[netip.Prefix]map[mrt.Peer]modelRoute
}

func (m *updateModel) apply(u mrt.Update) {
	if u.PeerDown {
		for _, byPeer := range m.routes {
			delete(byPeer, u.Peer)
		}
	}
	for _, p := range u.Withdrawn {
		delete(m.routes[p], u.Peer)
	}
	if len(u.Announced) == 0 {
		return
	}
	// A route whose next hop is of the other family cannot be
	// re-announced, and the replayer skips it.
	if !u.NextHop.IsValid() {
		return
	}
	r := modelRoute{length: mrt.PathLength(u.ASPath), originAS: mrt.OriginAS(u.ASPath)}
	if len(u.ASPath) > 0 && u.ASPath[0].Type == mrt.SegmentSequence {
		r.neighborAS = u.ASPath[0].ASNs[0]
	}
	for _, p := range u.Announced {
		if p.Bits() == 0 || u.NextHop.Is4() != p.Addr().Is4() {
			continue
		}
		if m.routes[p] == nil {
			m.routes[p] = map[mrt.Peer]modelRoute{}
		}
		m.routes[p][u.Peer] = r
	}
}

// best returns the best route of each prefix that has one.
func (m *updateModel) best() map[netip.Prefix]modelRoute {
	out := map[netip.Prefix]modelRoute{}
	for p, byPeer := range m.routes {
		var bestPeer mrt.Peer
		found := false
		for peer, r := range byPeer {
			b := byPeer[bestPeer]
			if !found || r.length < b.length || r.length == b.length && peer.Addr.Compare(bestPeer.Addr) < 0 {
				bestPeer, found = peer, true
			}
		}
		if found {
			out[p] = byPeer[bestPeer]
		}
	}
	return out
}

// expectedReplayMap applies the replay test's rules to the best routes.
func expectedReplayMap(best map[netip.Prefix]modelRoute, originAS, neighborAS uint32) map[netip.Prefix]string {
	out := map[netip.Prefix]string{
		netip.MustParsePrefix("0.0.0.0/0"): "default",
		netip.MustParsePrefix("::/0"):      "default",
	}
	for p, r := range best {
		switch {
		case r.originAS == originAS:
			out[p] = "origin-x"
		case r.neighborAS == neighborAS:
			out[p] = "via-y"
		default:
			out[p] = "other"
		}
	}
	return out
}

func TestReplayUpdateFile(t *testing.T) {
	file := datadir.Path(t, "bgp-mrt-ripe-ris", "updates.20160811.1600.gz")
	const step = 5000 // records replayed before the first check

	model := &updateModel{routes: map[netip.Prefix]map[mrt.Peer]modelRoute{}}
	var atStep map[netip.Prefix]modelRoute
	records := 0
	err := mrt.ReadUpdates(file, func(u mrt.Update) error {
		model.apply(u)
		records++
		if records == step {
			atStep = maps.Clone(model.best())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	final := model.best()
	origins, neighbors := map[uint32]int{}, map[uint32]int{}
	for _, r := range final {
		origins[r.originAS]++
		neighbors[r.neighborAS]++
	}
	originAS, neighborAS := mostCommon(origins), mostCommon(neighbors)

	listen := fmt.Sprintf("127.0.0.1:%d", freePort(t, "127.0.0.1"))
	replayer, err := bgpsrc.StartReplayer(bgpsrc.ReplayConfig{File: file, Listen: listen, AS: testAS, RouterID: "10.255.0.7", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { replayer.Close() })
	a := startAltod(t, fmt.Sprintf(`network-map:
  pids: group
  default-pid: default
bgp:
  local-as: %d
  router-id: 10.255.0.1
  quiet-period: 300ms
  max-delay: 3s
  default-pid: other
  peers:
    - {address: 127.0.0.1, port: %s, as: %d, connect-retry: 2s}
  rules:
    - {pid: origin-x, origin-as: [%d]}
    - {pid: via-y, neighbor-as: [%d]}
`, testAS, listen[len("127.0.0.1:"):], testAS, originAS, neighborAS))

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := replayer.WaitEstablished(ctx); err != nil {
		t.Fatal(err)
	}
	var stepVTag string
	st, err := replayer.Run(ctx, func(n int, _ time.Time) {
		if n == step {
			stepVTag = a.waitForMap(t, expectedReplayMap(atStep, originAS, neighborAS))
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if st.Updates != records {
		t.Errorf("replayed %d update records, the file has %d", st.Updates, records)
	}
	if st.Withdrawn == 0 || st.Announced == 0 {
		t.Errorf("replay stats %+v, want announcements and withdrawals", st)
	}
	if got := a.waitForMap(t, expectedReplayMap(final, originAS, neighborAS)); got == stepVTag {
		t.Errorf("the map after the whole file kept the vtag %s of the first %d records", got, step)
	}
	t.Logf("%d prefixes at record %d, %d at the end; %+v", len(atStep), step, len(final), st)
}
