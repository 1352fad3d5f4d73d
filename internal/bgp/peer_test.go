package bgp_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"testing"

	"github.com/osrg/gobgp/v4/api"
	"github.com/osrg/gobgp/v4/pkg/apiutil"
	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
	"github.com/osrg/gobgp/v4/pkg/server"
)

// testAS is the AS of the speaker and of the test peers: iBGP, so that
// the peers pass AS paths and next hops unchanged, as route reflectors do.
const testAS = 64512

// testPeer is a second GoBGP speaker in the test process. It listens on
// a loopback port and waits for altod's speaker to connect.
type testPeer struct {
	server *server.BgpServer
	addr   string
	port   int
	once   sync.Once
}

// startTestPeer starts a peer listening on addr (such as 127.0.0.1) at a
// free port, with the speaker at 127.0.0.1 as its passive neighbor.
func startTestPeer(t testing.TB, addr, routerID string) *testPeer {
	t.Helper()
	return startTestPeerAt(t, addr, freePort(t, addr), routerID)
}

func startTestPeerAt(t testing.TB, addr string, port int, routerID string) *testPeer {
	t.Helper()
	return startTestPeerWith(t, addr, port, routerID, "")
}

// startTestPeerWith starts a peer whose session needs TCP MD5 signatures
// with password, when it is not empty.
func startTestPeerWith(t testing.TB, addr string, port int, routerID, password string) *testPeer {
	t.Helper()
	level := &slog.LevelVar{}
	level.Set(slog.LevelError)
	s := server.NewBgpServer(server.LoggerOption(slog.New(slog.DiscardHandler), level))
	go s.Serve()
	ctx := context.Background()
	err := s.StartBgp(ctx, &api.StartBgpRequest{Global: &api.Global{
		Asn: testAS, RouterId: routerID, ListenPort: int32(port), ListenAddresses: []string{addr},
	}})
	if err != nil {
		t.Fatalf("start test peer: %v", err)
	}
	p := &testPeer{server: s, addr: addr, port: port}
	t.Cleanup(p.stop)
	p.addNeighbor(t, password)
	return p
}

// restartTestPeer starts a new peer on the address and port of a stopped
// one.
func restartTestPeer(t *testing.T, old *testPeer) *testPeer {
	t.Helper()
	return startTestPeerAt(t, old.addr, old.port, "10.255.0.9")
}

func (p *testPeer) addNeighbor(t testing.TB, password string) {
	t.Helper()
	err := p.server.AddPeer(context.Background(), &api.AddPeerRequest{Peer: &api.Peer{
		Conf:      &api.PeerConf{NeighborAddress: "127.0.0.1", PeerAsn: testAS, AuthPassword: password},
		Transport: &api.Transport{PassiveMode: true},
		AfiSafis: []*api.AfiSafi{
			{Config: &api.AfiSafiConfig{Family: &api.Family{Afi: api.Family_AFI_IP, Safi: api.Family_SAFI_UNICAST}, Enabled: true}},
			{Config: &api.AfiSafiConfig{Family: &api.Family{Afi: api.Family_AFI_IP6, Safi: api.Family_SAFI_UNICAST}, Enabled: true}},
		},
	}})
	if err != nil {
		t.Fatalf("add the speaker as neighbor of the test peer: %v", err)
	}
}

// stop stops the peer; calling it again does nothing.
func (p *testPeer) stop() { p.once.Do(p.server.Stop) }

// freePort returns a TCP port that is free on addr at the time of the
// call.
func freePort(t testing.TB, addr string) int {
	t.Helper()
	ln, err := net.Listen("tcp", net.JoinHostPort(addr, "0"))
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// announcement is a route that a test peer sends.
type announcement struct {
	prefix      netip.Prefix
	asPath      []uint32
	nextHop     netip.Addr
	communities []uint32
	large       []*bgp.LargeCommunity
}

func (a announcement) path() (*apiutil.Path, error) {
	nlri, err := bgp.NewIPAddrPrefix(a.prefix)
	if err != nil {
		return nil, err
	}
	attrs := []bgp.PathAttributeInterface{bgp.NewPathAttributeOrigin(bgp.BGP_ORIGIN_ATTR_TYPE_IGP)}
	if len(a.asPath) > 0 {
		attrs = append(attrs, bgp.NewPathAttributeAsPath([]bgp.AsPathParamInterface{bgp.NewAs4PathParam(bgp.BGP_ASPATH_ATTR_TYPE_SEQ, a.asPath)}))
	} else {
		attrs = append(attrs, bgp.NewPathAttributeAsPath(nil))
	}
	family := bgp.RF_IPv4_UC
	if a.prefix.Addr().Is4() {
		nh, err := bgp.NewPathAttributeNextHop(a.nextHop)
		if err != nil {
			return nil, err
		}
		attrs = append(attrs, nh)
	} else {
		family = bgp.RF_IPv6_UC
		mp, err := bgp.NewPathAttributeMpReachNLRI(family, []bgp.PathNLRI{{NLRI: nlri}}, a.nextHop)
		if err != nil {
			return nil, err
		}
		attrs = append(attrs, mp)
	}
	if len(a.communities) > 0 {
		attrs = append(attrs, bgp.NewPathAttributeCommunities(a.communities))
	}
	if len(a.large) > 0 {
		attrs = append(attrs, bgp.NewPathAttributeLargeCommunities(a.large))
	}
	return &apiutil.Path{Family: family, Nlri: nlri, Attrs: attrs}, nil
}

// announce sends routes, replacing earlier routes to the same prefixes.
func (p *testPeer) announce(t testing.TB, routes []announcement) {
	t.Helper()
	paths := make([]*apiutil.Path, 0, len(routes))
	for _, r := range routes {
		path, err := r.path()
		if err != nil {
			t.Fatalf("route to %s: %v", r.prefix, err)
		}
		paths = append(paths, path)
	}
	if _, err := p.server.AddPath(apiutil.AddPathRequest{Paths: paths}); err != nil {
		t.Fatalf("announce %d routes: %v", len(paths), err)
	}
}

// withdraw withdraws the routes to prefixes.
func (p *testPeer) withdraw(t testing.TB, routes []announcement) {
	t.Helper()
	paths := make([]*apiutil.Path, 0, len(routes))
	for _, r := range routes {
		path, err := r.path()
		if err != nil {
			t.Fatalf("route to %s: %v", r.prefix, err)
		}
		path.Withdrawal = true
		paths = append(paths, path)
	}
	if err := p.server.DeletePath(apiutil.DeletePathRequest{Paths: paths}); err != nil {
		t.Fatalf("withdraw %d routes: %v", len(paths), err)
	}
}

// community returns the RFC 1997 community AS:VALUE.
func community(as, value uint16) uint32 { return uint32(as)<<16 | uint32(value) }

func (p *testPeer) String() string { return fmt.Sprintf("test peer %s:%d", p.addr, p.port) }
