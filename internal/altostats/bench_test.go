package altostats_test

import (
	"testing"

	"github.com/goalto/goalto/internal/altostats"
	"github.com/goalto/goalto/internal/daemon"
)

// BenchmarkObserveRequest measures the statistics kept per request, from
// all cores at once, on the resources of the built-in network.
func BenchmarkObserveRequest(b *testing.B) {
	snap, err := daemon.Build("")
	if err != nil {
		b.Fatal(err)
	}
	c := altostats.New(altostats.Config{})
	c.ObservePublish(snap)
	ids := make([]string, 0, len(snap.Resources))
	for _, r := range snap.Resources {
		ids = append(ids, r.ID)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			c.ObserveRequest(ids[i%len(ids)], "GET", 200, "", 0, 100)
			i++
		}
	})
}
