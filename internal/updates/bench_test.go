package updates

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkDiffCostMap measures Diff on the numerical routingcost map of
// 300 PIDs from the Kdl Topology Zoo graph (the first 300 nodes of a
// breadth-first walk, one prefix each) when five link metrics change.
func BenchmarkDiffCostMap(b *testing.B) {
	net := loadZoo(b, "Kdl.graphml", 300)
	const id = "num-routing-cost-map"
	old := FromSnapshot(net.build(b))[id].Body
	rng := rand.New(rand.NewPCG(300, 1))
	for range 5 {
		l := &net.links[rng.IntN(len(net.links))]
		l.metric = float64(2 + rng.IntN(20))
	}
	new := FromSnapshot(net.build(b))[id].Body
	if old == nil || new == nil {
		b.Fatalf("snapshot has no resource %s", id)
	}

	var patch []byte
	b.SetBytes(int64(len(old) + len(new)))
	for b.Loop() {
		var err error
		if _, patch, err = Diff(old, new); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(new)), "body-bytes")
	b.ReportMetric(float64(len(patch)), "patch-bytes")
}
