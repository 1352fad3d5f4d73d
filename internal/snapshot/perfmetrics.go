package snapshot

import (
	"math"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/costmap"
	"github.com/goalto/goalto/internal/topology"
)

// metricBWResidualMax is the bw-residual metric with the max statistical
// operator: the minimum link capacity along the path (RFC 9439,
// Section 5.2.3).
const metricBWResidualMax = alto.CostMetricBWResidual + ":max"

// Unit conversions to the units of RFC 9439: delays in microseconds
// (Sections 4.1.2 and 4.2.2), bandwidths in bytes per second
// (Section 5.2.2). Link latencies are in milliseconds and capacities in
// bits per second.
const (
	microsecondsPerMs = 1000
	bitsPerByte       = 8
)

// topologyMetricCosts returns the node-by-node matrix of a metric of
// netdef.Metrics computed over the topology, or nil for other metrics.
// Every metric describes the path that routingcost chooses
// (topology.Paths.Path), so the metrics of one pair agree with each other.
func topologyMetricCosts(in *inputs, metric string) *costmap.Matrix {
	switch metric {
	case alto.CostMetricRoutingCost, alto.CostMetricHopCount:
		return topologyCosts(in, metric)
	case alto.CostMetricDelayOW:
		return oneWayDelays(in.graph, in.paths)
	case alto.CostMetricDelayRT:
		return roundTripDelays(oneWayDelays(in.graph, in.paths))
	case metricBWResidualMax:
		return bottleneckCapacities(in.graph, in.paths)
	}
	return nil
}

// oneWayDelays returns the delay-ow matrix in microseconds: the sum of
// the link delays along the chosen path (RFC 9439, Sections 4.1.4 and
// 6.4.2), each link's latency or else its propagation delay from the
// node coordinates (Graph.LinkDelayMs). A pair whose path has a link of
// unknown delay stays undefined. A node to itself has delay 0.
//
// NOTE: each pair walks its path, so the work is N² times the mean hop
// count, with one allocation per pair.
func oneWayDelays(g *topology.Graph, p *topology.Paths) *costmap.Matrix {
	linkUs := make([]float64, len(g.Links)) // NaN when unknown
	for l := range g.Links {
		linkUs[l] = math.NaN()
		if ms, ok := g.LinkDelayMs(l); ok {
			linkUs[l] = ms * microsecondsPerMs
		}
	}
	n := len(g.Nodes)
	m := costmap.NewMatrix(n)
	for i := range n {
		for j := range n {
			path, ok := p.Path(i, j)
			if !ok {
				continue
			}
			sum := 0.0
			for _, l := range path {
				sum += linkUs[l] // NaN makes the sum NaN, which is undefined
			}
			m.Set(i, j, sum)
		}
	}
	return m
}

// roundTripDelays returns the delay-rt matrix from the delay-ow matrix:
// the delay from i to j plus the delay back from j to i, each along its
// own chosen path. On an undirected graph both paths are usually the same
// links, and the round trip is twice the one-way delay. A pair is
// undefined when either direction is.
func roundTripDelays(ow *costmap.Matrix) *costmap.Matrix {
	m := costmap.NewMatrix(ow.N)
	for i := range ow.N {
		for j := range ow.N {
			there, ok1 := ow.At(i, j)
			back, ok2 := ow.At(j, i)
			if ok1 && ok2 {
				m.Set(i, j, there+back)
			}
		}
	}
	return m
}

// bottleneckCapacities returns the bw-residual:max matrix in bytes per
// second: the minimum link capacity along the chosen path. A pair stays
// undefined when a link of its path has no capacity, and so does a node
// to itself, whose empty path has no bottleneck.
func bottleneckCapacities(g *topology.Graph, p *topology.Paths) *costmap.Matrix {
	n := len(g.Nodes)
	m := costmap.NewMatrix(n)
	for i := range n {
		for j := range n {
			path, ok := p.Path(i, j)
			if !ok || len(path) == 0 {
				continue
			}
			bottleneck := math.Inf(1)
			for _, l := range path {
				c := g.Links[l].Capacity
				if c <= 0 { // 0 is unknown
					bottleneck = math.NaN()
					break
				}
				bottleneck = min(bottleneck, c)
			}
			if !math.IsNaN(bottleneck) {
				m.Set(i, j, bottleneck/bitsPerByte)
			}
		}
	}
	return m
}
