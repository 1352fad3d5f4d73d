package bgpls

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/goalto/goalto/internal/topology"
)

// Metric selects the link attribute that becomes the routing metric.
type Metric string

// Link metrics.
const (
	// MetricIGP takes the IGP Metric TLV (RFC 9552, Section 5.3.2.4).
	MetricIGP Metric = "igp"
	// MetricTE takes the TE Default Metric TLV (RFC 5305, Section 3.7)
	// and falls back to the IGP metric on links without one.
	MetricTE Metric = "te"
)

// Options control how [BuildGraph] turns a database into a graph. The
// zero value uses IGP metrics and forms no PIDs from prefixes.
type Options struct {
	Name   string // Graph.Name
	Metric Metric // "" means MetricIGP
	// PrefixPIDs lists the advertised prefixes of each router in
	// Node.Prefixes as well, so that the node PID rule forms one PID per
	// router. A prefix advertised by several routers goes to the first
	// of them in node order.
	PrefixPIDs bool
}

// defaultMetric is the metric of a link between routers without the
// chosen metric TLV, the default of topology.Link.
const defaultMetric = 1

// halfLink is a link with one end at a pseudonode.
type halfLink struct {
	router   int // the end that is a router
	metric   float64
	latency  float64 // milliseconds, 0 when unknown
	capacity float64 // bits per second, 0 when unknown
}

// Graph builds the topology graph of the current contents.
func (db *Database) Graph(opts Options) *topology.Graph {
	return BuildGraph(db.Contents(), opts)
}

// BuildGraph builds the topology graph of database contents; the package
// documentation describes the rules. The graph has one node per router,
// sorted by ID, and directed links.
func BuildGraph(c Contents, opts Options) *topology.Graph {
	g := &topology.Graph{Name: opts.Name}
	index := addRouters(g, c)
	into := map[NodeID][]halfLink{}  // router to pseudonode
	outOf := map[NodeID][]halfLink{} // pseudonode to router
	for _, l := range c.Links {
		from, fromRouter := index[l.Local]
		to, toRouter := index[l.Remote]
		switch {
		case fromRouter && toRouter:
			h := makeHalf(l, opts.Metric, defaultMetric)
			g.Links = append(g.Links, topology.Link{From: from, To: to, Directed: true, Metric: h.metric, Latency: h.latency, Capacity: h.capacity})
		case fromRouter && l.Remote.Pseudo:
			h := makeHalf(l, opts.Metric, defaultMetric)
			h.router = from
			into[l.Remote] = append(into[l.Remote], h)
		case toRouter && l.Local.Pseudo:
			// IS-IS and OSPF give the pseudonode's links a metric of 0.
			h := makeHalf(l, opts.Metric, 0)
			h.router = to
			outOf[l.Local] = append(outOf[l.Local], h)
		}
	}
	joinPseudonodes(g, into, outOf)
	attachPrefixes(g, c.Prefixes, index, into, outOf, opts.PrefixPIDs)
	return g
}

// addRouters adds a node for every router that the contents name and
// returns the node index of each router.
func addRouters(g *topology.Graph, c Contents) map[NodeID]int {
	names := map[NodeID]string{}
	add := func(id NodeID) {
		if _, ok := names[id]; !ok && !id.Pseudo {
			names[id] = ""
		}
	}
	for _, n := range c.Nodes { // sorted, so a name found first wins
		add(n.ID)
		if names[n.ID] == "" && !n.ID.Pseudo {
			names[n.ID] = n.Name
		}
	}
	for _, l := range c.Links {
		add(l.Local)
		add(l.Remote)
	}
	for _, p := range c.Prefixes {
		add(p.Node)
	}
	ids := make([]NodeID, 0, len(names))
	for id := range names {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, compareNodeID)
	index := make(map[NodeID]int, len(ids))
	for i, id := range ids {
		index[id] = i
		label := names[id]
		if label == "" {
			label = id.RouterID
		}
		g.Nodes = append(g.Nodes, topology.Node{ID: id.String(), Label: label, ASN: id.ASN})
	}
	return index
}

// makeHalf converts the attributes of a link; missing is the metric of
// a link without the metric TLV.
func makeHalf(l Link, metric Metric, missing float64) halfLink {
	h := halfLink{metric: missing}
	switch {
	case metric == MetricTE && l.TEMetric != nil:
		h.metric = float64(*l.TEMetric)
	case l.IGPMetric != nil:
		h.metric = float64(*l.IGPMetric)
	}
	if l.DelayMicros != nil {
		h.latency = float64(*l.DelayMicros) / 1000
	}
	if l.MaxBandwidth != nil && *l.MaxBandwidth > 0 {
		h.capacity = float64(*l.MaxBandwidth) * 8
	}
	return h
}

// joinPseudonodes adds a link A to B for every pair of links A to P and
// P to B through a pseudonode P, with A and B different routers.
func joinPseudonodes(g *topology.Graph, into, outOf map[NodeID][]halfLink) {
	pseudo := make([]NodeID, 0, len(into))
	for p := range into {
		pseudo = append(pseudo, p)
	}
	slices.SortFunc(pseudo, compareNodeID)
	for _, p := range pseudo {
		for _, a := range into[p] {
			for _, b := range outOf[p] {
				if a.router == b.router {
					continue
				}
				g.Links = append(g.Links, topology.Link{
					From: a.router, To: b.router, Directed: true,
					Metric:   a.metric + b.metric,
					Latency:  joinLatency(a.latency, b.latency),
					Capacity: joinCapacity(a.capacity, b.capacity),
				})
			}
		}
	}
}

// joinLatency adds the delays of the two halves. The delay is unknown
// when the router's half has none; a pseudonode's half without a delay
// adds nothing.
func joinLatency(a, b float64) float64 {
	if a == 0 {
		return 0
	}
	return a + b
}

// joinCapacity returns the smaller known capacity.
func joinCapacity(a, b float64) float64 {
	switch {
	case a == 0:
		return b
	case b == 0:
		return a
	}
	return min(a, b)
}

// attachPrefixes adds each prefix to Node.Advertised of the router that
// advertises it, or of every router on the LAN of a pseudonode.
func attachPrefixes(g *topology.Graph, prefixes []Prefix, index map[NodeID]int, into, outOf map[NodeID][]halfLink, pids bool) {
	seen := make([]map[netip.Prefix]bool, len(g.Nodes))
	listed := map[netip.Prefix]bool{}
	add := func(node int, p netip.Prefix) {
		if seen[node] == nil {
			seen[node] = map[netip.Prefix]bool{}
		}
		if seen[node][p] {
			return
		}
		seen[node][p] = true
		n := &g.Nodes[node]
		n.Advertised = append(n.Advertised, p)
		if pids && !listed[p] {
			listed[p] = true
			n.Prefixes = append(n.Prefixes, p)
		}
	}
	for _, p := range prefixes {
		if i, ok := index[p.Node]; ok {
			add(i, p.Prefix)
			continue
		}
		for _, r := range lanRouters(p.Node, into, outOf) {
			add(r, p.Prefix)
		}
	}
}

// lanRouters returns the routers linked with a pseudonode, sorted.
func lanRouters(p NodeID, into, outOf map[NodeID][]halfLink) []int {
	var rs []int
	for _, h := range into[p] {
		rs = append(rs, h.router)
	}
	for _, h := range outOf[p] {
		rs = append(rs, h.router)
	}
	slices.Sort(rs)
	return slices.Compact(rs)
}

// String returns a short description of the contents, for logs.
func (c Contents) String() string {
	return fmt.Sprintf("%d nodes, %d links, %d prefixes, %d ignored", len(c.Nodes), len(c.Links), len(c.Prefixes), c.Ignored)
}
