package snapshot_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/measure"
	"github.com/goalto/goalto/internal/netdef"
	"github.com/goalto/goalto/internal/snapshot"
	"github.com/goalto/goalto/internal/topology"
)

// measuredCostTypes are the seven measured metrics of RFC 9439: every
// one that a link measurement gives.
const measuredCostTypes = `cost-types:
  num-routing: {cost-mode: numerical, cost-metric: routingcost}
  ow: {cost-mode: numerical, cost-metric: delay-ow}
  rt: {cost-mode: numerical, cost-metric: delay-rt}
  dv: {cost-mode: numerical, cost-metric: delay-variation}
  loss: {cost-mode: numerical, cost-metric: lossrate}
  tput: {cost-mode: numerical, cost-metric: tput}
  residual: {cost-mode: numerical, cost-metric: bw-residual}
  available: {cost-mode: numerical, cost-metric: bw-available}
resources:
  - {id: default-network-map, type: network-map, path: /networkmap}
  - {id: costs, type: filtered-cost-map, path: /costmap/filtered, cost-types: [num-routing, ow, rt, dv, loss, tput, residual, available]}
measurements:
  prometheus: http://127.0.0.1:9090
  links:
    delay: {query: d, unit: s}
    delay-variation: {query: v, unit: s}
    loss: {query: l, unit: ratio}
    throughput: {query: t, unit: bps}
    utilization: {query: u, unit: ratio}
    available-bandwidth: {query: a, unit: bps}
  cost-types: [ow, rt, dv, loss, tput, residual, available]
`

// kdlMeasuredDefinition returns a definition of one PID per Kdl node
// with the measured cost types, and the graph.
func kdlMeasuredDefinition(b *testing.B) (*netdef.Definition, *topology.Graph) {
	b.Helper()
	g, path := loadZoo(b, "Kdl.graphml")
	var text strings.Builder
	fmt.Fprintf(&text, "topology: %s\nnetwork-map:\n  pids: group\ngroups:\n", strconv.Quote(path))
	for i, n := range g.Nodes {
		fmt.Fprintf(&text, "  - {pid: node-%d, node: %s, prefixes: [%s]}\n", i, strconv.Quote(n.ID), nodePrefix(i))
	}
	text.WriteString(measuredCostTypes)
	file := filepath.Join(b.TempDir(), "definition.yaml")
	if err := os.WriteFile(file, []byte(text.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	def, err := netdef.Load(file)
	if err != nil {
		b.Fatal(err)
	}
	return def, g
}

// fullMeasurementSet returns a value of every series of the measured
// cost types for both directions of every link. Each round gives other
// values, as a new round of measurements does.
func fullMeasurementSet(def *netdef.Definition, g *topology.Graph, round int) *measure.Set {
	set := &measure.Set{UtilizationShare: true, Links: map[measure.SeriesKey]map[measure.Direction]measure.Value{}}
	for _, name := range def.Measurements.CostTypes {
		key, _ := measure.Needs(def.CostTypes[name].Metric)
		values := map[measure.Direction]measure.Value{}
		for l, link := range g.Links {
			from, to := g.Nodes[link.From].ID, g.Nodes[link.To].ID
			v := float64((l*7+round)%97+1) / 100 // in (0, 1]: valid for every kind
			values[measure.Direction{From: from, To: to}] = measure.Value{V: v}
			values[measure.Direction{From: to, To: from}] = measure.Value{V: v / 2}
		}
		set.Links[key] = values
	}
	return set
}

// BenchmarkRecomputeMeasuredKdl measures the rebuild after a new set of
// measurements for the largest Topology Zoo graph, Kdl (754 nodes, 899
// links). Each snapshot.BuildLive has every link direction measured and
// recomputes the seven measured cost maps of 568,516 node pairs each,
// besides routingcost. The "routing-only" case builds the same network
// map with routingcost alone, to show the share of the measured maps.
func BenchmarkRecomputeMeasuredKdl(b *testing.B) {
	def, g := kdlMeasuredDefinition(b)
	b.Run("measured-7", func(b *testing.B) {
		b.ReportAllocs()
		round := 0
		for b.Loop() {
			round++
			live := snapshot.Live{Measurements: fullMeasurementSet(def, g, round)}
			if _, err := snapshot.BuildLive(def, live); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("routing-only", func(b *testing.B) {
		routing := *def
		routing.CostTypes = map[string]alto.CostType{"num-routing": def.CostTypes["num-routing"]}
		routing.Resources = []netdef.Resource{def.Resources[0], {ID: "costs", Type: netdef.TypeFilteredCostMap, Path: "/costmap/filtered", CostTypes: []string{"num-routing"}}}
		routing.Measurements = netdef.Measurements{}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := snapshot.BuildLive(&routing, snapshot.Live{}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
