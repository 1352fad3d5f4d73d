package bgpls

import (
	"fmt"
	"math"
	"net/netip"
	"testing"

	"github.com/osrg/gobgp/v4/pkg/packet/bgp"

	"github.com/goalto/goalto/internal/bgpls/lswire"
	"github.com/goalto/goalto/internal/datadir"
	"github.com/goalto/goalto/internal/topology"
)

// zooFeed is a Topology Zoo graph encoded as BGP-LS UPDATE messages of
// an IS-IS Level 2 domain.
type zooFeed struct {
	graph    *topology.Graph // the Zoo graph with the announced metrics
	updates  [][]byte
	linkNLRI [][2][]byte // per Zoo link, the NLRIs of both directions
}

const zooASN = 64500

func zooNode(i int) lswire.Node {
	return lswire.Node{ASN: zooASN, RouterID: []byte{0, 0, 0, 0, byte((i + 1) >> 8), byte(i + 1)}}
}

// zooNodeID is the graph node ID that zooNode(i) gets.
func zooNodeID(i int) string {
	return fmt.Sprintf("%d:0:0000.0000.%04x", zooASN, i+1)
}

func zooPrefix(i int) netip.Prefix {
	return netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), 0}), 24)
}

// encodeZoo loads a Zoo graph and encodes it. Each link gets an IGP
// metric of its great-circle length in km plus 1, a TE metric of 10, a
// delay of the propagation delay in whole microseconds and its capacity
// (1 Gbit/s when the Zoo has none).
func encodeZoo(t testing.TB, file string) *zooFeed {
	t.Helper()
	g, err := topology.Load(datadir.Path(t, "topology-zoo", file))
	if err != nil {
		t.Fatal(err)
	}
	f := &zooFeed{graph: g}
	nh := netip.MustParseAddr("192.0.2.1")
	for i, n := range g.Nodes {
		f.updates = append(f.updates,
			lswire.Update(nh, [][]byte{lswire.NodeNLRI(lswire.ISISLevel2, 0, zooNode(i))}, nil, lswire.NodeName(n.Label)),
			lswire.Update(nh, [][]byte{lswire.PrefixNLRI(lswire.ISISLevel2, 0, zooNode(i), zooPrefix(i))}, nil))
		g.Nodes[i].Advertised = []netip.Prefix{zooPrefix(i)}
	}
	for k := range g.Links {
		l := &g.Links[k]
		ms, _ := g.LinkDelayMs(k) // 0 without coordinates
		metric := uint32(math.Round(ms*topology.FibreSpeedKmPerS/1000)) + 1
		delay := uint32(math.Round(ms * 1000))
		capacity := float32(l.Capacity / 8)
		if capacity == 0 {
			capacity = 125e6
		}
		l.Metric, l.Latency, l.Capacity = float64(metric), float64(delay)/1000, float64(capacity)*8
		tlvs := [][]byte{lswire.IGPMetric(metric), lswire.TEMetric(10), lswire.LinkDelay(delay), lswire.MaxBandwidth(capacity)}
		ab := lswire.LinkNLRI(lswire.ISISLevel2, 0, zooNode(l.From), zooNode(l.To), uint32(2*k), uint32(2*k+1))
		ba := lswire.LinkNLRI(lswire.ISISLevel2, 0, zooNode(l.To), zooNode(l.From), uint32(2*k+1), uint32(2*k))
		f.linkNLRI = append(f.linkNLRI, [2][]byte{ab, ba})
		f.updates = append(f.updates, lswire.Update(nh, [][]byte{ab}, nil, tlvs...), lswire.Update(nh, [][]byte{ba}, nil, tlvs...))
	}
	return f
}

func applyWire(t testing.TB, db *Database, msgs ...[]byte) {
	t.Helper()
	for _, m := range msgs {
		if _, err := db.ApplyUpdate(decodeUpdate(t, "encoded", m)); err != nil {
			t.Fatal(err)
		}
	}
}

// comparePaths checks that every pair of Zoo nodes has the same cost and
// hop count in the BGP-LS graph as in the reference graph.
func comparePaths(t *testing.T, ref, got *topology.Graph) {
	t.Helper()
	index := map[string]int{}
	for i, n := range got.Nodes {
		index[n.ID] = i
	}
	rp, gp := ref.AllPairs(), got.AllPairs()
	for i := range ref.Nodes {
		for j := range ref.Nodes {
			gi, gj := index[zooNodeID(i)], index[zooNodeID(j)]
			rc, rok := rp.Cost(i, j)
			gc, gok := gp.Cost(gi, gj)
			rh, _ := rp.Hops(i, j)
			gh, _ := gp.Hops(gi, gj)
			if rok != gok || rc != gc || rh != gh {
				t.Fatalf("%s to %s: cost %v (%v) hops %d, want %v (%v) hops %d",
					ref.Nodes[i].Label, ref.Nodes[j].Label, gc, gok, gh, rc, rok, rh)
			}
		}
	}
}

func TestZooTopologyCosts(t *testing.T) {
	for _, file := range []string{"Abilene.graphml", "Geant2012.graphml"} {
		t.Run(file, func(t *testing.T) {
			f := encodeZoo(t, file)
			db := NewDatabase()
			applyWire(t, db, f.updates...)
			g := db.Graph(Options{})
			if len(g.Nodes) != len(f.graph.Nodes) || len(g.Links) != 2*len(f.graph.Links) {
				t.Fatalf("graph has %d nodes and %d links, want %d and %d", len(g.Nodes), len(g.Links), len(f.graph.Nodes), 2*len(f.graph.Links))
			}
			for i, n := range f.graph.Nodes {
				got := g.Nodes[g.Index(zooNodeID(i))]
				if got.Label != n.Label || len(got.Advertised) != 1 || got.Advertised[0] != zooPrefix(i) {
					t.Errorf("node %s: label %q, advertised %v", zooNodeID(i), got.Label, got.Advertised)
				}
			}
			comparePaths(t, f.graph, g)
			checkLinkAttributes(t, f.graph, g)
		})
	}
}

// checkLinkAttributes checks the latency and capacity of each link
// against the reference link between the same nodes.
func checkLinkAttributes(t *testing.T, ref, got *topology.Graph) {
	t.Helper()
	type pair struct{ a, b string }
	want := map[pair]topology.Link{}
	for _, l := range ref.Links {
		want[pair{zooNodeID(l.From), zooNodeID(l.To)}] = l
		want[pair{zooNodeID(l.To), zooNodeID(l.From)}] = l
	}
	for _, l := range got.Links {
		w := want[pair{got.Nodes[l.From].ID, got.Nodes[l.To].ID}]
		if l.Latency != w.Latency || l.Capacity != w.Capacity || l.Metric != w.Metric || !l.Directed {
			t.Errorf("link %s -> %s: %+v, want metric %v latency %v capacity %v", got.Nodes[l.From].ID, got.Nodes[l.To].ID, l, w.Metric, w.Latency, w.Capacity)
		}
	}
}

func TestZooWithdrawAndChange(t *testing.T) {
	f := encodeZoo(t, "Abilene.graphml")
	db := NewDatabase()
	applyWire(t, db, f.updates...)
	nh := netip.MustParseAddr("192.0.2.1")

	// Withdraw both directions of link 0.
	applyWire(t, db, lswire.Update(nh, nil, f.linkNLRI[0][:]))
	ref := *f.graph
	ref.Links = append([]topology.Link(nil), f.graph.Links[1:]...)
	comparePaths(t, &ref, db.Graph(Options{}))

	// Announce link 1 again with a higher metric: the announcement
	// replaces the earlier one.
	ref.Links[0].Metric = 100000
	for _, nlri := range f.linkNLRI[1] {
		applyWire(t, db, lswire.Update(nh, [][]byte{nlri}, nil, lswire.IGPMetric(100000)))
	}
	ref.Links[0].Latency, ref.Links[0].Capacity = 0, 0
	comparePaths(t, &ref, db.Graph(Options{}))
	if c := db.Contents(); len(c.Links) != 2*len(ref.Links) {
		t.Errorf("%d links stored, want %d", len(c.Links), 2*len(ref.Links))
	}
}

func TestZooTEMetric(t *testing.T) {
	f := encodeZoo(t, "Abilene.graphml")
	db := NewDatabase()
	applyWire(t, db, f.updates...)
	ref := *f.graph
	ref.Links = append([]topology.Link(nil), f.graph.Links...)
	for i := range ref.Links {
		ref.Links[i].Metric = 10
	}
	comparePaths(t, &ref, db.Graph(Options{Metric: MetricTE}))
}

func TestAnnounceRejectsOtherFamilies(t *testing.T) {
	nlri, err := bgp.NewIPAddrPrefix(netip.MustParsePrefix("192.0.2.0/24"))
	if err != nil {
		t.Fatal(err)
	}
	if err := NewDatabase().Announce(nlri, nil); err == nil {
		t.Error("Announce accepted an IPv4 unicast NLRI")
	}
}
