package bgpls

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/osrg/gobgp/v4/api"
	"github.com/osrg/gobgp/v4/pkg/apiutil"
	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
	"github.com/osrg/gobgp/v4/pkg/server"
)

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startGoBGP starts a GoBGP server on 127.0.0.1; a listenPort of -1
// accepts no sessions.
func startGoBGP(t *testing.T, asn uint32, routerID string, listenPort int32) *server.BgpServer {
	t.Helper()
	level := &slog.LevelVar{}
	level.Set(slog.LevelError)
	s := server.NewBgpServer(server.LoggerOption(slog.New(slog.NewTextHandler(io.Discard, nil)), level))
	go s.Serve()
	global := &api.Global{Asn: asn, RouterId: routerID, ListenPort: listenPort}
	if listenPort > 0 {
		global.ListenAddresses = []string{"127.0.0.1"}
	}
	if err := s.StartBgp(context.Background(), &api.StartBgpRequest{Global: global}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}

// addLSPeer adds 127.0.0.1 as a BGP-LS peer: passive on the receiving
// side, connecting to port on the sending side.
func addLSPeer(t *testing.T, s *server.BgpServer, peerAS uint32, port int) {
	t.Helper()
	peer := &api.Peer{
		Conf:      &api.PeerConf{NeighborAddress: "127.0.0.1", PeerAsn: peerAS},
		Transport: &api.Transport{PassiveMode: port == 0, RemotePort: uint32(port)},
		Timers:    &api.Timers{Config: &api.TimersConfig{ConnectRetry: 1}},
		AfiSafis: []*api.AfiSafi{{Config: &api.AfiSafiConfig{
			Family: &api.Family{Afi: api.Family_AFI_LS, Safi: api.Family_SAFI_LS}, Enabled: true,
		}}},
		ApplyPolicy: &api.ApplyPolicy{
			ImportPolicy: &api.PolicyAssignment{DefaultAction: api.RouteAction_ROUTE_ACTION_ACCEPT},
			ExportPolicy: &api.PolicyAssignment{DefaultAction: api.RouteAction_ROUTE_ACTION_ACCEPT},
		},
	}
	if err := s.AddPeer(context.Background(), &api.AddPeerRequest{Peer: peer}); err != nil {
		t.Fatal(err)
	}
}

// lsPaths turns encoded UPDATE messages into the paths that GoBGP's
// AddPath takes: one per NLRI, with the message's attributes other than
// MP_REACH_NLRI.
func lsPaths(t *testing.T, msgs [][]byte) []*apiutil.Path {
	t.Helper()
	var paths []*apiutil.Path
	for _, m := range msgs {
		u := decodeUpdate(t, "encoded", m)
		var attrs []bgp.PathAttributeInterface
		var nlris []bgp.PathNLRI
		var nextHop netip.Addr
		for _, a := range u.PathAttributes {
			if r, ok := a.(*bgp.PathAttributeMpReachNLRI); ok {
				nlris, nextHop = r.Value, r.Nexthop
				continue
			}
			attrs = append(attrs, a)
		}
		for _, n := range nlris {
			reach, err := bgp.NewPathAttributeMpReachNLRI(bgp.RF_LS, []bgp.PathNLRI{n}, nextHop)
			if err != nil {
				t.Fatal(err)
			}
			paths = append(paths, &apiutil.Path{Family: bgp.RF_LS, Nlri: n.NLRI, Attrs: append([]bgp.PathAttributeInterface{reach}, attrs...)})
		}
	}
	return paths
}

// lsPair is a sending GoBGP peer and a receiving GoBGP server whose
// best BGP-LS paths go to a handler.
type lsPair struct {
	sender  *server.BgpServer
	handler *Handler
}

func newLSPair(t *testing.T) *lsPair {
	t.Helper()
	port := freePort(t)
	receiver := startGoBGP(t, 64500, "192.0.2.1", int32(port))
	addLSPeer(t, receiver, 64501, 0)
	h := NewHandler()
	err := receiver.WatchEvent(context.Background(), server.WatchEventMessageCallbacks{
		OnBestPath: func(paths []*apiutil.Path, _ time.Time) {
			var ls []*apiutil.Path
			for _, p := range paths {
				if p.Family == h.Family() {
					ls = append(ls, p)
				}
			}
			h.Update(ls)
		},
	}, server.WatchBestPath(true))
	if err != nil {
		t.Fatal(err)
	}
	sender := startGoBGP(t, 64501, "192.0.2.2", -1)
	addLSPeer(t, sender, 64500, port)
	return &lsPair{sender: sender, handler: h}
}

// waitContents polls the handler's database until ok accepts it; it
// fails the test after 30 seconds.
func (p *lsPair) waitContents(t *testing.T, what string, ok func(Contents) bool) Contents {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		c := p.handler.Database().Contents()
		if ok(c) {
			return c
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; database has %s", what, c)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestGoBGPPeerExaBGPSamples(t *testing.T) {
	samples := loadExaBGP(t)
	var msgs [][]byte
	for _, s := range samples {
		if !s.bare {
			msgs = append(msgs, s.raw)
		}
	}
	// The reference covers the UPDATE samples; the bare NLRI of the
	// first file has no message to send.
	want := refContents(t, samples[1:])
	pair := newLSPair(t)
	if _, err := pair.sender.AddPath(apiutil.AddPathRequest{Paths: lsPaths(t, updateBodies(t, msgs))}); err != nil {
		t.Fatal(err)
	}
	got := pair.waitContents(t, "the samples", func(c Contents) bool {
		return len(c.Nodes) == len(want.Nodes) && len(c.Links) == len(want.Links) && len(c.Prefixes) == len(want.Prefixes)
	})
	for _, w := range want.Links {
		if !containsLink(got.Links, w) {
			t.Errorf("link %s -> %s missing or different", w.Local, w.Remote)
		}
	}
	for _, w := range want.Nodes {
		if !containsNode(got.Nodes, w) {
			t.Errorf("node %+v missing", w)
		}
	}
}

// updateBodies makes whole messages of the samples that hold only an
// UPDATE body, so that decodeUpdate reads each the same way.
func updateBodies(t *testing.T, msgs [][]byte) [][]byte {
	t.Helper()
	out := make([][]byte, len(msgs))
	for i, m := range msgs {
		if len(m) >= 19 && m[0] == 0xff {
			out[i] = m
			continue
		}
		head := []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 2}
		n := len(head) + len(m)
		head[16], head[17] = byte(n>>8), byte(n)
		out[i] = append(head, m...)
	}
	return out
}

func TestGoBGPPeerZooTopology(t *testing.T) {
	f := encodeZoo(t, "Abilene.graphml")
	pair := newLSPair(t)
	paths := lsPaths(t, f.updates)
	if _, err := pair.sender.AddPath(apiutil.AddPathRequest{Paths: paths}); err != nil {
		t.Fatal(err)
	}
	n := len(f.graph.Nodes)
	pair.waitContents(t, "the Zoo topology", func(c Contents) bool {
		return len(c.Nodes) == n && len(c.Prefixes) == n && len(c.Links) == 2*len(f.graph.Links)
	})
	pair.handler.Configure(bgplsDefinition(), nil)
	comparePaths(t, f.graph, liveGraph(pair.handler))

	// Withdraw both directions of the first link.
	var gone []*apiutil.Path
	for _, p := range paths {
		if s := p.Nlri.String(); s == lsNLRIString(t, f.linkNLRI[0][0]) || s == lsNLRIString(t, f.linkNLRI[0][1]) {
			gone = append(gone, p)
		}
	}
	if len(gone) != 2 {
		t.Fatalf("found %d paths of the first link, want 2", len(gone))
	}
	if err := pair.sender.DeletePath(apiutil.DeletePathRequest{Paths: gone}); err != nil {
		t.Fatal(err)
	}
	pair.waitContents(t, "the withdrawal", func(c Contents) bool { return len(c.Links) == 2*len(f.graph.Links)-2 })
	ref := *f.graph
	ref.Links = f.graph.Links[1:]
	comparePaths(t, &ref, liveGraph(pair.handler))
}

func lsNLRIString(t *testing.T, wire []byte) string {
	t.Helper()
	n, err := bgp.NLRIFromSlice(bgp.RF_LS, wire)
	if err != nil {
		t.Fatal(err)
	}
	return n.String()
}
