package snapshot

import (
	"slices"
	"strings"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/netdef"
	"github.com/goalto/goalto/internal/topology"
)

// PathTopology is the topology behind the path vectors of RFC 9275: the
// graph, its shortest paths and the topology node of each PID of the
// main network map.
type PathTopology struct {
	Graph *topology.Graph
	Paths *topology.Paths
	// pidNode is the node index of each PID index, -1 for a PID without
	// a node.
	pidNode []int
}

// Node returns the topology node of a PID of the main network map, by
// index; ok is false for a PID without a node.
func (t *PathTopology) Node(pid int) (node int, ok bool) {
	if pid < 0 || pid >= len(t.pidNode) || t.pidNode[pid] < 0 {
		return 0, false
	}
	return t.pidNode[pid], true
}

// PathTopology returns the topology of the snapshot for path vectors,
// or nil when the definition has no topology.
func (s *Snapshot) PathTopology() *PathTopology { return s.pathTopology }

// keepPathTopology stores the topology for path vector resources; it
// keeps nothing when no resource needs it.
func (s *Snapshot) keepPathTopology(def *netdef.Definition, in *inputs, asg *assignment) {
	if in.graph == nil || !slices.ContainsFunc(def.Resources, func(r netdef.Resource) bool { return netdef.IsPathVector(r.Type) }) {
		return
	}
	nm := s.NetworkMap
	t := &PathTopology{Graph: in.graph, Paths: in.paths, pidNode: make([]int, nm.Len())}
	for i := range t.pidNode {
		t.pidNode[i] = -1
		if node, ok := asg.pidNode[nm.Name(i)]; ok {
			t.pidNode[i] = node
		}
	}
	s.pathTopology = t
}

// pathVectorEntry completes the directory entry of a path vector
// resource (RFC 9275, Sections 7.2.1 to 7.2.5). It sets the media type
// with the type parameter of the root part, the capabilities with the
// ANE properties, and the uses: the network map, and the property map
// of persistent ANEs when they are offered.
func (s *Snapshot) pathVectorEntry(r *Resource, entry *alto.ResourceEntry) {
	if !netdef.IsPathVector(r.Type) {
		return
	}
	root := alto.MediaTypeCostMap
	if r.Type == netdef.TypePathVectorEndpointCost {
		root = alto.MediaTypeEndpointCost
	}
	entry.MediaType = alto.PathVectorMediaType(root)
	entry.Capabilities = &alto.Capabilities{
		CostTypeNames:    slices.Clone(r.CostTypes),
		MaxCostTypes:     r.MaxCostTypes,
		ANEPropertyNames: slices.Clone(r.ANEProperties),
	}
	entry.Uses = []string{s.NetworkMap.ResourceID()}
	if r.PersistentMap != "" && slices.Contains(r.ANEProperties, alto.PropPersistentEntityID) {
		entry.Uses = append(entry.Uses, r.PersistentMap)
	}
}

// VersionTag returns the version tag of a GET resource, from its entity
// tag; ok is false for a POST resource, which has none.
func (r *Resource) VersionTag() (alto.VersionTag, bool) {
	if r.ETag == "" {
		return alto.VersionTag{}, false
	}
	return alto.VersionTag{ResourceID: r.ID, Tag: strings.Trim(r.ETag, `"`)}, true
}

// ResourceByID returns the resource with an ID, or nil.
func (s *Snapshot) ResourceByID(id string) *Resource {
	for _, r := range s.Resources {
		if r.ID == id {
			return r
		}
	}
	return nil
}
