package topology

import (
	"bytes"
	"fmt"
	"math"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Graph is a network topology: nodes and the links between them.
type Graph struct {
	Name  string
	Nodes []Node
	Links []Link
}

// Node is a network node (a PoP, a router or a whole network).
type Node struct {
	ID        string         // unique id: GraphML node id, YAML node key
	Label     string         // human name (GraphML "label", LHCONE "name"); may equal ID
	ASN       uint32         // origin AS number, 0 when unknown
	Lat, Lon  float64        // degrees, valid only when HasCoords
	HasCoords bool           // Lat and Lon are set
	Prefixes  []netip.Prefix // prefixes attached to the node, masked (Prefix.Masked())
	// Advertised are prefixes that the node originates into its routing
	// protocol, masked, such as those of BGP-LS Prefix NLRIs. Unlike
	// Prefixes they form no PIDs: a PID without a node attaches to the
	// node that advertises the longest match of its prefixes.
	Advertised []netip.Prefix
}

// Link connects two nodes.
type Link struct {
	From, To int     // indices into Graph.Nodes
	Directed bool    // false: usable in both directions
	Metric   float64 // routing metric (> 0); 1 when the source gives none
	Capacity float64 // bits per second; 0 when unknown
	Latency  float64 // one-way milliseconds; 0 when unknown
}

// ParseError reports invalid input. Line is 1-based, 0 if unknown; Field
// names the offending element, e.g. "links[3].metric" or
// "nodes.AGLT2.ip-prefixes[1]"; Err is the underlying error, if any.
type ParseError struct {
	File   string
	Line   int
	Field  string
	Reason string
	Err    error
}

// Error formats the error as "FILE:LINE: FIELD: REASON", leaving out
// ":LINE" when the line is unknown and "FIELD: " when there is no field.
func (e *ParseError) Error() string {
	var b strings.Builder
	if e.File != "" {
		b.WriteString(e.File)
	} else {
		b.WriteString("<input>")
	}
	if e.Line > 0 {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(e.Line))
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	switch {
	case e.Reason != "":
		b.WriteString(e.Reason)
	case e.Err != nil:
		b.WriteString(e.Err.Error())
	default:
		b.WriteString("invalid input")
	}
	return b.String()
}

// Unwrap returns the underlying error.
func (e *ParseError) Unwrap() error { return e.Err }

// Load reads a file, choosing the parser by extension: .graphml (GraphML),
// .yaml/.yml/.json (goalto form or LHCONE form, detected by content).
// Errors name the file.
func Load(path string) (*Graph, error) {
	ext := strings.ToLower(filepath.Ext(path))
	switch ext {
	case ".graphml", ".yaml", ".yml", ".json":
	default:
		return nil, fmt.Errorf("%s: unsupported file extension %q (want .graphml, .yaml, .yml or .json)", path, ext)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err // *fs.PathError names the file
	}
	if ext == ".graphml" {
		return ParseGraphML(bytes.NewReader(data), path)
	}
	return ParseYAML(data, path)
}

// Index returns the node index for an ID, or -1. It scans the nodes, so it
// costs O(len(g.Nodes)); build a map for many look-ups in big graphs.
func (g *Graph) Index(id string) int {
	for i := range g.Nodes {
		if g.Nodes[i].ID == id {
			return i
		}
	}
	return -1
}

// Validate checks the invariants the parsers guarantee: node ids non-empty
// and unique, coordinates in range, link endpoints in range, metrics finite
// and > 0, capacities and latencies finite and >= 0, prefixes valid and
// masked.
func (g *Graph) Validate() error {
	seen := make(map[string]int, len(g.Nodes))
	for i, n := range g.Nodes {
		if n.ID == "" {
			return fmt.Errorf("topology: node %d: empty id", i)
		}
		if j, dup := seen[n.ID]; dup {
			return fmt.Errorf("topology: node %d: id %q already used by node %d", i, n.ID, j)
		}
		seen[n.ID] = i
		if n.HasCoords && !(n.Lat >= -90 && n.Lat <= 90 && n.Lon >= -180 && n.Lon <= 180) {
			return fmt.Errorf("topology: node %q: coordinates (%v, %v) out of range", n.ID, n.Lat, n.Lon)
		}
		for _, p := range n.Prefixes {
			if !p.IsValid() || p != p.Masked() {
				return fmt.Errorf("topology: node %q: prefix %v is not a valid masked prefix", n.ID, p)
			}
		}
	}
	for i, l := range g.Links {
		if l.From < 0 || l.From >= len(g.Nodes) || l.To < 0 || l.To >= len(g.Nodes) {
			return fmt.Errorf("topology: link %d: endpoint index out of range (%d, %d; %d nodes)", i, l.From, l.To, len(g.Nodes))
		}
		if !(l.Metric > 0) || math.IsInf(l.Metric, 0) {
			return fmt.Errorf("topology: link %d: metric %v is not finite and > 0", i, l.Metric)
		}
		if !(l.Capacity >= 0) || math.IsInf(l.Capacity, 0) {
			return fmt.Errorf("topology: link %d: capacity %v is not finite and >= 0", i, l.Capacity)
		}
		if !(l.Latency >= 0) || math.IsInf(l.Latency, 0) {
			return fmt.Errorf("topology: link %d: latency %v is not finite and >= 0", i, l.Latency)
		}
	}
	return nil
}

// baseName is the default graph name for a file: its base name without the
// extension.
func baseName(file string) string {
	if file == "" {
		return ""
	}
	b := filepath.Base(file)
	return strings.TrimSuffix(b, filepath.Ext(b))
}

// prefixList collects a node's prefixes masked, in input order, without
// duplicates.
type prefixList struct {
	list []netip.Prefix
	seen map[netip.Prefix]struct{}
}

func (pl *prefixList) add(p netip.Prefix) {
	p = p.Masked()
	if pl.seen == nil {
		pl.seen = make(map[netip.Prefix]struct{})
	}
	if _, dup := pl.seen[p]; dup {
		return
	}
	pl.seen[p] = struct{}{}
	pl.list = append(pl.list, p)
}
