package snapshot_test

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/goalto/goalto/internal/netdef"
	"github.com/goalto/goalto/internal/snapshot"
	"github.com/goalto/goalto/internal/topology"
)

// kdlPerfCostTypes are the cost types of the RFC 9439 metrics that a
// snapshot computes from the topology.
const kdlPerfCostTypes = `  num-hop: {cost-mode: numerical, cost-metric: hopcount}
  num-delay-ow: {cost-mode: numerical, cost-metric: delay-ow, cost-context: {cost-source: estimation}}
  num-delay-rt: {cost-mode: numerical, cost-metric: delay-rt, cost-context: {cost-source: estimation}}
  num-bw: {cost-mode: numerical, cost-metric: "bw-residual:max", cost-context: {cost-source: nominal}}
`

// kdlDefinition loads a definition that serves Kdl, the largest graph
// of the Topology Zoo (754 nodes), with one PID per node and the given
// cost types on one filtered cost map.
func kdlDefinition(b *testing.B, costTypes string, names []string) *netdef.Definition {
	b.Helper()
	path, err := filepath.Abs(filepath.Join(zooDir, "Kdl.graphml"))
	if err != nil {
		b.Fatal(err)
	}
	g, err := topology.Load(path)
	if err != nil {
		b.Skipf("topology not available: %v", err)
	}
	var text strings.Builder
	fmt.Fprintf(&text, "topology: %s\nnetwork-map:\n  pids: group\ngroups:\n", strconv.Quote(path))
	for i, n := range g.Nodes {
		fmt.Fprintf(&text, "  - {pid: node-%s, node: %s, prefixes: [%s]}\n", n.ID, strconv.Quote(n.ID), nodePrefix(i))
	}
	fmt.Fprintf(&text, "cost-types:\n  num-routing: {cost-mode: numerical, cost-metric: routingcost}\n%s", costTypes)
	fmt.Fprintf(&text, "resources:\n  - {id: default-network-map, type: network-map, path: /networkmap}\n")
	fmt.Fprintf(&text, "  - {id: filtered-cost-map, type: filtered-cost-map, path: /costmap/filtered, cost-types: [%s]}\n", strings.Join(names, ", "))
	return loadBenchDefinition(b, text.String())
}

// BenchmarkBuildKdlPerformanceMetrics measures snapshot.Build of Kdl with
// numerical routingcost only (routing) and with routingcost and the four
// RFC 9439 metrics computed from the topology (perf): hopcount, delay-ow,
// delay-rt and bw-residual:max. The difference is the time to rebuild
// all performance cost maps. Each map has 754 x 754 = 568,516 pairs.
func BenchmarkBuildKdlPerformanceMetrics(b *testing.B) {
	for _, tt := range []struct {
		name      string
		costTypes string
		names     []string
	}{
		{"routing", "", []string{"num-routing"}},
		{"perf", kdlPerfCostTypes, []string{"num-routing", "num-hop", "num-delay-ow", "num-delay-rt", "num-bw"}},
	} {
		b.Run(tt.name, func(b *testing.B) {
			def := kdlDefinition(b, tt.costTypes, tt.names)
			b.ReportAllocs()
			var s *snapshot.Snapshot
			for b.Loop() {
				var err error
				if s, err = snapshot.Build(def); err != nil {
					b.Fatalf("Build: %v", err)
				}
			}
			b.ReportMetric(float64(s.Stats.PIDs), "pids")
			b.ReportMetric(float64(len(tt.names)), "cost-maps")
		})
	}
}
