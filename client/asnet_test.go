package client_test

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/goalto/goalto/internal/prefixes"
	topo "github.com/goalto/goalto/internal/topology"
)

// asNetwork is a network definition made of a pyasn prefix table and a
// topology whose nodes carry the AS numbers of the table.
type asNetwork struct {
	// Definition is the path of the definition file.
	Definition string
	// Attached are the prefixes of the ASes that have a node.
	Attached []netip.Prefix
}

// asNetworkSpec selects what writeASNetwork writes.
type asNetworkSpec struct {
	table, graph string // pyasn table and topology to read
	// keepEvery keeps every keepEvery-th table entry of the ASes that
	// have no node; 1 keeps the whole table.
	keepEvery int
	// varyMetrics sets link metrics 1, 2 and 3 in turn, so that routing
	// cost and hop count differ.
	varyMetrics bool
	// networkMap and resources are YAML lines added to the definition's
	// network-map section and after it.
	networkMap, resources string
}

// writeASNetwork writes a topology, a prefix table and a definition
// into a temporary directory. The origin ASes of the table are ranked by
// prefix count (more first, then lower AS number), and the i-th is
// attached to the i-th node of the graph. The definition forms one PID
// per origin AS (pids: asn) and a default PID, so that the PID of an AS
// with a node takes the costs of that node.
func writeASNetwork(t testing.TB, spec asNetworkSpec) asNetwork {
	t.Helper()
	table, err := prefixes.Load(spec.table)
	if err != nil {
		t.Fatalf("prefix table: %v", err)
	}
	g, err := topo.Load(spec.graph)
	if err != nil {
		t.Fatalf("topology: %v", err)
	}
	ases := rankASes(table)
	if len(ases) < len(g.Nodes) {
		t.Fatalf("table has %d ASes for %d nodes", len(ases), len(g.Nodes))
	}
	attached := make(map[uint32]bool, len(g.Nodes))
	for _, asn := range ases[:len(g.Nodes)] {
		attached[asn] = true
	}

	dir := t.TempDir()
	var net asNetwork
	var lines strings.Builder
	for i, e := range table.Entries {
		if attached[e.ASN] {
			net.Attached = append(net.Attached, e.Prefix)
		}
		if attached[e.ASN] || i%spec.keepEvery == 0 {
			fmt.Fprintf(&lines, "%s\t%d\n", e.Prefix, e.ASN)
		}
	}
	writeFile(t, filepath.Join(dir, "table.dat"), lines.String())
	writeFile(t, filepath.Join(dir, "topology.yaml"), topologyYAML(g, ases, spec.varyMetrics))
	definition := fmt.Sprintf(`topology: topology.yaml
prefixes: [table.dat]
network-map:
  pids: asn
  default-pid: default
  default-node: %s
%s%s`, strconv.Quote(g.Nodes[0].ID), spec.networkMap, spec.resources)
	net.Definition = filepath.Join(dir, "definition.yaml")
	writeFile(t, net.Definition, definition)
	return net
}

// topologyYAML writes g in goalto's YAML topology form, node i with the
// AS number ases[i].
func topologyYAML(g *topo.Graph, ases []uint32, varyMetrics bool) string {
	var b strings.Builder
	b.WriteString("name: with-asns\nnodes:\n")
	for i, n := range g.Nodes {
		fmt.Fprintf(&b, "  - {id: %s, asn: %d}\n", strconv.Quote(n.ID), ases[i])
	}
	b.WriteString("links:\n")
	for i, l := range g.Links {
		metric := l.Metric
		if varyMetrics {
			metric = float64(1 + i%3)
		}
		fmt.Fprintf(&b, "  - {from: %s, to: %s, metric: %v}\n", strconv.Quote(g.Nodes[l.From].ID), strconv.Quote(g.Nodes[l.To].ID), metric)
	}
	return b.String()
}

// rankASes returns the origin ASes of a table, those with more prefixes
// first and then by AS number.
func rankASes(table *prefixes.Table) []uint32 {
	count := map[uint32]int{}
	for _, e := range table.Entries {
		count[e.ASN]++
	}
	ases := make([]uint32, 0, len(count))
	for asn := range count {
		ases = append(ases, asn)
	}
	slices.SortFunc(ases, func(a, b uint32) int {
		if c := cmp.Compare(count[b], count[a]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	return ases
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// randomAddrIn returns a random address inside a prefix.
func randomAddrIn(r *rand.Rand, p netip.Prefix) netip.Addr {
	p = p.Masked()
	b := p.Addr().AsSlice()
	for i := range b {
		hostBits := min(max((i+1)*8-p.Bits(), 0), 8)
		b[i] |= byte(r.UintN(256)) & byte(1<<hostBits-1)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}
