package bgpls

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/osrg/gobgp/v4/api"
	"github.com/osrg/gobgp/v4/pkg/apiutil"
	"github.com/osrg/gobgp/v4/pkg/packet/bgp"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/alttest"
	bgpsrc "github.com/goalto/goalto/internal/bgp"
	"github.com/goalto/goalto/internal/daemon"
	"github.com/goalto/goalto/internal/topology"
)

var _ bgpsrc.FamilyHandler = (*Handler)(nil)

// e2eAS is the AS of altod's speaker and of the test peer: iBGP, as with
// a route reflector.
const e2eAS = 64512

// popRoute is the BGP route of the PoP of Zoo node i: a /25 inside the
// node's advertised /24, with the community e2eAS:i.
func popRoute(t *testing.T, i int) *apiutil.Path {
	t.Helper()
	p := zooPrefix(i)
	nlri, err := bgp.NewIPAddrPrefix(netip.PrefixFrom(p.Addr().Next().Prev(), 25))
	if err != nil {
		t.Fatal(err)
	}
	nh, err := bgp.NewPathAttributeNextHop(netip.MustParseAddr("192.0.2.1"))
	if err != nil {
		t.Fatal(err)
	}
	attrs := []bgp.PathAttributeInterface{
		bgp.NewPathAttributeOrigin(bgp.BGP_ORIGIN_ATTR_TYPE_IGP),
		bgp.NewPathAttributeAsPath(nil),
		nh,
		bgp.NewPathAttributeCommunities([]uint32{e2eAS<<16 | uint32(i)}),
	}
	return &apiutil.Path{Family: bgp.RF_IPv4_UC, Nlri: nlri, Attrs: attrs}
}

func popPID(i int) string { return fmt.Sprintf("pop%d", i) }

// e2eDefinition peers altod's speaker with the test peer at port and
// forms one PID per Zoo node from the communities.
func e2eDefinition(port, nodes int) string {
	var b strings.Builder
	fmt.Fprintf(&b, `network-map: {pids: group}
bgp-ls: {enabled: true}
cost-types:
  num-routing: {cost-mode: numerical, cost-metric: routingcost}
  num-hop: {cost-mode: numerical, cost-metric: hopcount}
  num-delay: {cost-mode: numerical, cost-metric: delay-ow, cost-context: {cost-source: estimation}}
  num-bw: {cost-mode: numerical, cost-metric: "bw-residual:max", cost-context: {cost-source: nominal}}
bgp:
  local-as: %d
  router-id: 10.255.0.1
  quiet-period: 300ms
  max-delay: 3s
  default-pid: other
  peers:
    - {address: 127.0.0.1, port: %d, as: %d, connect-retry: 2s, families: [ipv4-unicast, ls]}
  rules:
`, e2eAS, port, e2eAS)
	for i := range nodes {
		fmt.Fprintf(&b, "    - {pid: %s, communities: [\"%d:%d\"]}\n", popPID(i), e2eAS, i)
	}
	return b.String()
}

// startE2EPeer starts the test peer, listening on 127.0.0.1 for altod's
// speaker, with IPv4 unicast and BGP-LS.
func startE2EPeer(t *testing.T) (*lsPair, int) {
	t.Helper()
	port := freePort(t)
	peer := startGoBGP(t, e2eAS, "10.255.0.2", int32(port))
	err := peer.AddPeer(context.Background(), &api.AddPeerRequest{Peer: &api.Peer{
		Conf:      &api.PeerConf{NeighborAddress: "127.0.0.1", PeerAsn: e2eAS},
		Transport: &api.Transport{PassiveMode: true},
		AfiSafis: []*api.AfiSafi{
			{Config: &api.AfiSafiConfig{Family: &api.Family{Afi: api.Family_AFI_IP, Safi: api.Family_SAFI_UNICAST}, Enabled: true}},
			{Config: &api.AfiSafiConfig{Family: &api.Family{Afi: api.Family_AFI_LS, Safi: api.Family_SAFI_LS}, Enabled: true}},
		},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return &lsPair{sender: peer}, port
}

// servedCosts fetches a full cost map; a missing entry is absent.
func servedCosts(t *testing.T, url string) map[string]map[string]float64 {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %s", url, resp.Status)
	}
	var cm alto.CostMap
	if err := json.NewDecoder(resp.Body).Decode(&cm); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return cm.CostMap
}

// expectedCosts computes the four metrics between the Zoo nodes on the
// reference graph, along the path that routingcost chooses.
func expectedCosts(g *topology.Graph) map[string]map[string]map[string]float64 {
	paths := g.AllPairs()
	out := map[string]map[string]map[string]float64{}
	set := func(metric string, i, j int, v float64) {
		if out[metric] == nil {
			out[metric] = map[string]map[string]float64{}
		}
		if out[metric][popPID(i)] == nil {
			out[metric][popPID(i)] = map[string]float64{}
		}
		out[metric][popPID(i)][popPID(j)] = v
	}
	for i := range g.Nodes {
		for j := range g.Nodes {
			cost, ok := paths.Cost(i, j)
			if !ok {
				continue
			}
			hops, _ := paths.Hops(i, j)
			set("routingcost", i, j, cost)
			set("hopcount", i, j, float64(hops))
			links, _ := paths.Path(i, j)
			delay, bw := 0.0, math.Inf(1)
			for _, l := range links {
				delay += g.Links[l].Latency * 1000
				bw = min(bw, g.Links[l].Capacity/8)
			}
			// A PID to itself has delay 0 but no bottleneck bandwidth.
			if i == j || delay > 0 {
				set("delay-ow", i, j, delay)
			}
			if i != j {
				set("bw-residual:max", i, j, bw)
			}
		}
	}
	return out
}

func TestAltodServesBGPLSCosts(t *testing.T) {
	f := encodeZoo(t, "Abilene.graphml")
	peer, port := startE2EPeer(t)
	n := len(f.graph.Nodes)

	dir := t.TempDir()
	path := filepath.Join(dir, "network.yaml")
	if err := os.WriteFile(path, []byte(e2eDefinition(port, n)), 0o644); err != nil {
		t.Fatal(err)
	}
	handler := NewHandler()
	d := alttest.StartConfig(t, daemon.Config{
		Definition: path, ReloadInterval: -1,
		Sources: []daemon.SourceFactory{handler.Factory(), bgpsrc.Factory(bgpsrc.Options{Families: []bgpsrc.FamilyHandler{handler}})},
	})
	base := "http://" + d.Addr().String()

	paths := lsPaths(t, f.updates)
	for i := range n {
		paths = append(paths, popRoute(t, i))
	}
	if _, err := peer.sender.AddPath(apiutil.AddPathRequest{Paths: paths}); err != nil {
		t.Fatal(err)
	}

	want := expectedCosts(f.graph)
	urls := map[string]string{
		"routingcost":     base + "/costmap/num/routingcost",
		"hopcount":        base + "/costmap/num/hopcount",
		"delay-ow":        base + "/costmap/num/delay-ow",
		"bw-residual:max": base + "/costmap/num/bw-residual:max",
	}
	// Each metric is waited for, because the paths can arrive over more
	// than one build. Where two paths have equal routingcost, a link that
	// comes after the routingcost map matches can still change the path
	// that delay-ow and bw-residual:max follow.
	for metric, url := range urls {
		t.Run(metric, func(t *testing.T) {
			waitForCosts(t, url, want[metric])
		})
	}

	// Withdrawing both directions of a link reaches the served map.
	if err := peer.sender.DeletePath(apiutil.DeletePathRequest{Paths: linkPaths(t, paths, f.linkNLRI[0])}); err != nil {
		t.Fatal(err)
	}
	ref := *f.graph
	ref.Links = f.graph.Links[1:]
	waitForCosts(t, urls["routingcost"], expectedCosts(&ref)["routingcost"])
}

// linkPaths returns the paths of the two directions of a link.
func linkPaths(t *testing.T, paths []*apiutil.Path, link [2][]byte) []*apiutil.Path {
	t.Helper()
	var out []*apiutil.Path
	for _, p := range paths {
		if s := p.Nlri.String(); s == lsNLRIString(t, link[0]) || s == lsNLRIString(t, link[1]) {
			out = append(out, p)
		}
	}
	if len(out) != 2 {
		t.Fatalf("found %d paths of the link, want 2", len(out))
	}
	return out
}

// waitForCosts polls a cost map until it equals want, for at most a
// minute.
func waitForCosts(t *testing.T, url string, want map[string]map[string]float64) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		diff := costDiff(servedCosts(t, url), want)
		if diff == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("served cost map differs: %s", diff)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// costDiff describes how got differs from want, with a relative
// tolerance of 1e-9 for sums of floating-point link values; it returns
// "" when they agree. PIDs other than the PoPs are ignored.
func costDiff(got, want map[string]map[string]float64) string {
	var diffs []string
	for src, row := range want {
		for dst, w := range row {
			g, ok := got[src][dst]
			if !ok || math.Abs(g-w) > 1e-9*math.Max(1, math.Abs(w)) {
				diffs = append(diffs, fmt.Sprintf("%s->%s = %v (present %v), want %v", src, dst, g, ok, w))
			}
		}
	}
	for src, row := range got {
		for dst := range row {
			if _, ok := want[src][dst]; !ok && strings.HasPrefix(src, "pop") && strings.HasPrefix(dst, "pop") {
				diffs = append(diffs, fmt.Sprintf("%s->%s served, want none", src, dst))
			}
		}
	}
	if len(diffs) == 0 {
		return ""
	}
	return fmt.Sprintf("%d differences, such as %s", len(diffs), strings.Join(diffs[:min(5, len(diffs))], "; "))
}

// sampleExpectations lists the routers of the reference contents, one
// PID each, and the costs between them. The samples contain no two links
// that chain, so every path is a single link; the function checks that.
func sampleExpectations(t *testing.T, c Contents) ([]NodeID, map[string]map[string]map[string]float64) {
	t.Helper()
	index := map[NodeID]int{}
	var routers []NodeID
	add := func(id NodeID) {
		if _, ok := index[id]; !ok && !id.Pseudo {
			index[id] = len(routers)
			routers = append(routers, id)
		}
	}
	for _, n := range c.Nodes {
		add(n.ID)
	}
	for _, l := range c.Links {
		add(l.Local)
		add(l.Remote)
	}
	for _, p := range c.Prefixes {
		add(p.Node)
	}
	want := map[string]map[string]map[string]float64{}
	set := func(metric string, i, j int, v float64) {
		if want[metric] == nil {
			want[metric] = map[string]map[string]float64{}
		}
		if want[metric][popPID(i)] == nil {
			want[metric][popPID(i)] = map[string]float64{}
		}
		want[metric][popPID(i)][popPID(j)] = v
	}
	for i := range routers {
		set("routingcost", i, i, 0)
		set("hopcount", i, i, 0)
		set("delay-ow", i, i, 0)
	}
	starts := map[NodeID]bool{}
	for _, l := range c.Links {
		starts[l.Local] = true
	}
	for _, l := range c.Links {
		if l.Local.Pseudo || l.Remote.Pseudo {
			continue
		}
		if starts[l.Remote] {
			t.Fatalf("link %s -> %s continues from its remote end; the expectations assume single links", l.Local, l.Remote)
		}
		i, j := index[l.Local], index[l.Remote]
		metric := 1.0
		if l.IGPMetric != nil {
			metric = float64(*l.IGPMetric)
		}
		set("routingcost", i, j, metric)
		set("hopcount", i, j, 1)
		if l.DelayMicros != nil {
			set("delay-ow", i, j, float64(*l.DelayMicros))
		}
		if l.MaxBandwidth != nil {
			set("bw-residual:max", i, j, float64(*l.MaxBandwidth))
		}
	}
	return routers, want
}

func TestAltodServesExaBGPSampleCosts(t *testing.T) {
	samples := loadExaBGP(t)
	var msgs [][]byte
	for _, s := range samples[1:] { // the first file is a bare NLRI
		msgs = append(msgs, s.raw)
	}
	routers, want := sampleExpectations(t, refContents(t, samples[1:]))
	peer, port := startE2EPeer(t)

	var def strings.Builder
	def.WriteString(strings.Replace(e2eDefinition(port, 0), "  rules:\n", "", 1))
	def.WriteString("groups:\n")
	for i, id := range routers {
		fmt.Fprintf(&def, "  - {pid: %s, node: %q, prefixes: [198.18.%d.0/24]}\n", popPID(i), id.String(), i)
	}
	path := filepath.Join(t.TempDir(), "network.yaml")
	if err := os.WriteFile(path, []byte(def.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	handler := NewHandler()
	d := alttest.StartConfig(t, daemon.Config{
		Definition: path, ReloadInterval: -1,
		Sources: []daemon.SourceFactory{handler.Factory(), bgpsrc.Factory(bgpsrc.Options{Families: []bgpsrc.FamilyHandler{handler}})},
	})
	base := "http://" + d.Addr().String()
	if _, err := peer.sender.AddPath(apiutil.AddPathRequest{Paths: lsPaths(t, updateBodies(t, msgs))}); err != nil {
		t.Fatal(err)
	}
	waitForCosts(t, base+"/costmap/num/routingcost", want["routingcost"])
	for metric, url := range map[string]string{
		"hopcount":        base + "/costmap/num/hopcount",
		"delay-ow":        base + "/costmap/num/delay-ow",
		"bw-residual:max": base + "/costmap/num/bw-residual:max",
	} {
		t.Run(metric, func(t *testing.T) {
			if diff := costDiff(servedCosts(t, url), want[metric]); diff != "" {
				t.Error(diff)
			}
		})
	}
}
