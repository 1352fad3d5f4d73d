package bgpls

import (
	"net/netip"
	"testing"

	"github.com/osrg/gobgp/v4/pkg/apiutil"
	"github.com/osrg/gobgp/v4/pkg/packet/bgp"

	"github.com/goalto/goalto/internal/netdef"
	"github.com/goalto/goalto/internal/snapshot"
	"github.com/goalto/goalto/internal/topology"
)

func bgplsDefinition() *netdef.Definition {
	return &netdef.Definition{BGPLS: netdef.BGPLS{Enabled: true}}
}

// liveGraph returns the graph that the handler contributes to a build.
func liveGraph(h *Handler) *topology.Graph {
	var live snapshot.Live
	h.Contribute(&live)
	return live.Graph
}

func TestHandlerContributes(t *testing.T) {
	f := encodeZoo(t, "Abilene.graphml")
	h := NewHandler()
	paths := lsPaths(t, f.updates)
	if !h.Update(paths) {
		t.Fatal("Update reported no change")
	}
	if g := liveGraph(h); g != nil {
		t.Fatalf("an unconfigured handler contributed a graph of %d nodes", len(g.Nodes))
	}
	h.Configure(bgplsDefinition(), nil)
	first := liveGraph(h)
	if first == nil || len(first.Nodes) != len(f.graph.Nodes) {
		t.Fatalf("graph %v, want %d nodes", first, len(f.graph.Nodes))
	}
	if again := liveGraph(h); again != first {
		t.Error("the graph was built again without a change")
	}
	comparePaths(t, f.graph, first)

	withdrawn := *paths[len(paths)-1]
	withdrawn.Withdrawal = true
	if !h.Update([]*apiutil.Path{&withdrawn}) {
		t.Fatal("a withdrawal reported no change")
	}
	if after := liveGraph(h); after == first || len(after.Links) != len(first.Links)-1 {
		t.Errorf("after a withdrawal the graph has %d links, want %d in a new graph", len(after.Links), len(first.Links)-1)
	}
}

func TestHandlerSkipsBadPaths(t *testing.T) {
	h := NewHandler()
	nlri, err := bgp.NewIPAddrPrefix(netip.MustParsePrefix("192.0.2.0/24"))
	if err != nil {
		t.Fatal(err)
	}
	if h.Update([]*apiutil.Path{{Family: bgp.RF_IPv4_UC, Nlri: nlri}}) {
		t.Error("an IPv4 unicast path changed the database")
	}
	if h.errors != 1 {
		t.Errorf("%d paths counted as skipped, want 1", h.errors)
	}
}
