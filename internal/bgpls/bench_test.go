package bgpls

import (
	"testing"

	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
)

// benchmarkZoo is the largest graph of the Topology Zoo files: 754 nodes
// and 899 edges, so 3,306 BGP-LS messages (a node and a prefix message
// per node, a link message per edge and direction).
const benchmarkZoo = "Kdl.graphml"

// BenchmarkApplyUpdates measures decoding the messages of a whole
// topology with gobgp's parser and applying them to a database.
func BenchmarkApplyUpdates(b *testing.B) {
	f := encodeZoo(b, benchmarkZoo)
	for b.Loop() {
		db := NewDatabase()
		for _, m := range f.updates {
			msg, err := bgp.ParseBGPMessage(m)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := db.ApplyUpdate(msg.Body.(*bgp.BGPUpdate)); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(len(f.updates)), "messages/op")
}

// BenchmarkGraph measures building the graph of a whole topology from
// its database, which the handler does once per change.
func BenchmarkGraph(b *testing.B) {
	f := encodeZoo(b, benchmarkZoo)
	db := NewDatabase()
	applyWire(b, db, f.updates...)
	for b.Loop() {
		db.Graph(Options{})
	}
}
