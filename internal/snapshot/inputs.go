package snapshot

import (
	"bytes"
	"fmt"
	"io/fs"
	"net/netip"
	"strconv"
	"strings"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/measure"
	"github.com/goalto/goalto/internal/mrt"
	"github.com/goalto/goalto/internal/netdef"
	"github.com/goalto/goalto/internal/networkmap"
	"github.com/goalto/goalto/internal/prefixes"
	"github.com/goalto/goalto/internal/topology"
)

// inputs are the source values a definition names.
type inputs struct {
	graph        *topology.Graph // nil without a topology
	paths        *topology.Paths
	tables       []*prefixes.Table
	prefixCount  int
	measurements *measure.Set
}

// Live holds the inputs that running sources supply besides the files
// of a definition. The zero value adds nothing. A snapshot keeps what
// Live refers to, so a source hands over values it no longer changes.
type Live struct {
	// Tables are prefix tables read after those of the definition's
	// prefixes files, such as the routes of BGP sessions. An entry that
	// names a PID goes to that PID under every rule.
	Tables []*prefixes.Table
	// Graph, when not nil, is the topology, in place of the definition's
	// topology file; a link-state feed such as BGP-LS supplies it.
	Graph *topology.Graph
	// Measurements, when not nil, are the link measurements of the
	// cost types and calendars that the definition's measurements
	// section configures.
	Measurements *measure.Set
}

func readInputs(def *netdef.Definition, live Live) (*inputs, error) {
	in := &inputs{measurements: live.Measurements}
	if live.Graph != nil {
		in.graph, in.paths = live.Graph, live.Graph.AllPairs()
	} else if def.Topology != "" {
		g, err := loadTopology(def)
		if err != nil {
			return nil, def.FieldError("topology", err)
		}
		in.graph, in.paths = g, g.AllPairs()
	} else if def.BGPLS.Enabled {
		// No BGP-LS routes yet: an empty graph, so that node names
		// resolve to errors rather than to a missing topology.
		in.graph = &topology.Graph{Name: "bgp-ls"}
		in.paths = in.graph.AllPairs()
	}
	for i, p := range def.Prefixes {
		t, err := loadPrefixSource(def.Path(p), mrtSelector(def, p))
		if err != nil {
			return nil, def.FieldError(fmt.Sprintf("prefixes[%d]", i), err)
		}
		in.tables = append(in.tables, t)
		in.prefixCount += len(t.Entries)
	}
	for _, t := range live.Tables {
		in.tables = append(in.tables, t)
		in.prefixCount += len(t.Entries)
	}
	return in, nil
}

// mrtSelector returns the selector of the definition's mrt-peers entry
// for a prefixes file; the definition has validated the address.
func mrtSelector(def *netdef.Definition, file string) mrt.Selector {
	p, ok := def.MRTPeerOf(file)
	if !ok {
		return mrt.Selector{}
	}
	sel := mrt.Selector{PeerAS: p.AS}
	if p.Address != "" {
		sel.PeerAddr = netip.MustParseAddr(p.Address)
	}
	return sel
}

// loadPrefixSource reads a prefix source. A file whose content is an MRT
// dump (see mrt.IsMRT) yields the origin AS of the path that sel picks
// for each prefix. Any other file goes to prefixes.Load. The MRT case
// sits here, not in prefixes.Load, because package mrt imports prefixes.
func loadPrefixSource(path string, sel mrt.Selector) (*prefixes.Table, error) {
	isMRT, err := mrt.IsMRT(path)
	if err != nil {
		return nil, err
	}
	if isMRT {
		return mrt.LoadTable(path, sel)
	}
	return prefixes.Load(path)
}

// assignment is the result of applying the PID rule.
type assignment struct {
	assignments []networkmap.Assignment
	pidNode     map[string]int // PID name to topology node index, for costs
	unmapped    int
	// noOrigin counts the unmapped prefixes that have neither a PID nor
	// a single origin AS, such as those whose path ends in an AS_SET.
	noOrigin int
}

// assignPIDs groups the prefixes of every source into PIDs by the rule of
// the definition. Prefixes that a source assigns to a named PID go there
// under every rule.
func assignPIDs(def *netdef.Definition, in *inputs) (*assignment, error) {
	a := &assignment{pidNode: map[string]int{}}
	rule := def.NetworkMap.Rule
	nodeByASN := map[uint32]int{}
	if g := in.graph; g != nil {
		for i, n := range g.Nodes {
			if _, dup := nodeByASN[n.ASN]; n.ASN != 0 && !dup {
				nodeByASN[n.ASN] = i
			}
			if len(n.Prefixes) == 0 || rule == netdef.PIDsByGroup {
				continue
			}
			pid := nodePID(n)
			if rule == netdef.PIDsByASN && n.ASN != 0 {
				pid = asnPID(n.ASN)
			}
			a.pidNode[pid] = i
			for _, p := range n.Prefixes {
				a.add(p, pid, "topology node "+n.ID)
			}
		}
	}
	for _, t := range in.tables {
		source := "prefix table " + t.File
		if t.File == BGPTableFile {
			source = "the BGP routes"
		}
		for _, e := range t.Entries {
			pid, ok := a.pidFor(e, rule, in, nodeByASN)
			if !ok {
				a.unmapped++
				if e.ASN == 0 {
					a.noOrigin++
				}
				continue
			}
			a.add(e.Prefix, pid, source)
		}
	}
	if err := a.addGroups(def, in); err != nil {
		return nil, err
	}
	if pid := def.NetworkMap.DefaultPID; pid != "" {
		a.add(netip.MustParsePrefix("0.0.0.0/0"), pid, "network-map.default-pid")
		a.add(netip.MustParsePrefix("::/0"), pid, "network-map.default-pid")
		if n := def.NetworkMap.DefaultNode; n != "" {
			i := in.graph.Index(n)
			switch {
			case i >= 0:
				a.pidNode[pid] = i
			case !def.BGPLS.Enabled: // a BGP-LS node may not be announced yet
				return nil, def.FieldError("network-map.default-node", fmt.Errorf("node %q is not in the topology; give a node ID", n))
			}
		}
	}
	a.attachByPrefix(in.graph, def.NetworkMap.DefaultPID)
	return a, nil
}

func (a *assignment) add(p netip.Prefix, pid, source string) {
	a.assignments = append(a.assignments, networkmap.Assignment{Prefix: p, PID: pid, Source: source})
}

// BGPTableFile is the File of the prefix table that the BGP speaker
// contributes to builds.
const BGPTableFile = "bgp"

// pidFor returns the PID of a prefix table entry.
func (a *assignment) pidFor(e prefixes.Entry, rule string, in *inputs, nodeByASN map[uint32]int) (string, bool) {
	if e.PID != "" {
		return e.PID, true
	}
	if e.ASN == 0 {
		return "", false
	}
	node, hasNode := nodeByASN[e.ASN]
	switch rule {
	case netdef.PIDsByASN:
		pid := asnPID(e.ASN)
		if hasNode {
			a.pidNode[pid] = node
		}
		return pid, true
	case netdef.PIDsByNode:
		if hasNode {
			pid := nodePID(in.graph.Nodes[node])
			a.pidNode[pid] = node
			return pid, true
		}
	}
	return "", false
}

func (a *assignment) addGroups(def *netdef.Definition, in *inputs) error {
	for i, g := range def.Groups {
		source := fmt.Sprintf("groups[%d]", i)
		for _, p := range g.Prefixes {
			a.add(p.Prefix, g.PID, source)
		}
		if g.Node == "" {
			continue
		}
		n := in.graph.Index(g.Node)
		if n < 0 && def.BGPLS.Enabled {
			continue // not announced yet, so the PID has no costs for now
		}
		if n < 0 {
			return def.FieldError(fmt.Sprintf("groups[%d].node", i), fmt.Errorf("node %q is not in the topology; give a node ID (the GraphML node id, not its label)", g.Node))
		}
		a.pidNode[g.PID] = n
	}
	return nil
}

func asnPID(asn uint32) string { return "as" + strconv.FormatUint(uint64(asn), 10) }

// nodePID names the PID of a topology node after its ID, replacing each
// character that a PID name may not contain (RFC 7285, Section 10.1) by '_'.
func nodePID(n topology.Node) string {
	id := strings.Map(func(r rune) rune {
		if alto.ValidPIDName(string(r)) {
			return r
		}
		return '_'
	}, n.ID)
	if len(id) > 64 {
		id = id[:64]
	}
	return id
}

// loadTopology reads the topology from the file system, or from the
// definition's FS when it has one.
func loadTopology(def *netdef.Definition) (*topology.Graph, error) {
	if def.FS == nil {
		return topology.Load(def.Path(def.Topology))
	}
	data, err := fs.ReadFile(def.FS, def.Topology)
	if err != nil {
		return nil, err
	}
	if strings.HasSuffix(def.Topology, ".graphml") {
		return topology.ParseGraphML(bytes.NewReader(data), def.Topology)
	}
	return topology.ParseYAML(data, def.Topology)
}
