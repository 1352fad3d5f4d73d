// Package snapshot builds the immutable set of ALTO information resources
// served at one moment: the network map, the cost maps, the endpoint
// properties and the encoded directories, each response pre-encoded and
// pre-compressed where it is served by GET. A new Snapshot is built beside
// the running one and published with one atomic pointer swap, so a
// request never sees a half-built or mixed-version answer.
//
// Build is pure: the same definition and input files give the same
// resources byte for byte, so version tags are content hashes.
package snapshot

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/netip"
	"time"

	"github.com/gaissmai/bart"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/access"
	"github.com/goalto/goalto/internal/cdni/advert"
	"github.com/goalto/goalto/internal/costmap"
	"github.com/goalto/goalto/internal/measure"
	"github.com/goalto/goalto/internal/netdef"
	"github.com/goalto/goalto/internal/networkmap"
	"github.com/goalto/goalto/internal/propmap/entity"
)

// Snapshot is one published version of every resource.
type Snapshot struct {
	Def        *netdef.Definition
	NetworkMap *networkmap.Map
	// CostMaps holds a map for every cost type name whose metric has costs.
	CostMaps map[string]*costmap.Map
	// Resources in the order of the definition, directories included.
	Resources []*Resource
	Built     time.Time
	// Stats describes the inputs, for logs.
	Stats Stats
	// Access authenticates clients and holds their roles; nil when the
	// definition has no access section, so that every client reads
	// every resource.
	Access *access.Policy

	byPath     map[string]*Resource
	properties bart.Table[map[string]string] // per prefix, supernet values merged in
	// extraNetworkMaps are the network maps besides NetworkMap, by
	// resource ID.
	extraNetworkMaps map[string]*networkmap.Map
	// propertyMaps hold the data of the property map resources, by
	// resource ID.
	propertyMaps map[string]*entity.Map
	// cdni holds the data of the CDNI resources, by resource ID.
	cdni map[string]*advert.Advertisement
	// pathTopology is the topology of path vector resources; nil when
	// none is served.
	pathTopology *PathTopology
	// directories holds, with Access, the directories by role key and
	// URI path, each listing what that role set may read.
	directories map[string]map[string]*Resource
	// measured holds the inputs of measured cost types and calendars.
	measured *measured
}

// Stats counts what a build read and produced.
type Stats struct {
	TopologyNodes, TopologyLinks int
	PrefixesRead                 int
	PrefixesUnmapped             int // prefixes that went to no PID
	// PrefixesNoOriginAS counts the unmapped prefixes that have no PID
	// and no single origin AS, such as those whose AS path ends in an
	// AS_SET (RFC 4271, Section 5.1.2) or is empty.
	PrefixesNoOriginAS int
	PIDs, Prefixes     int
	// PIDsWithoutCosts counts the PIDs that no cost map covers: PIDs
	// without a topology node, or all PIDs when no metric has costs. A
	// default PID without a default node is not counted.
	PIDsWithoutCosts int
	BuildTime        time.Duration
	// Measured counts the link directions with a fresh, a stale or no
	// value, per series that a measured cost type reads; nil without
	// measurements.
	Measured map[measure.SeriesKey]MeasureStats
}

// Resource is one information resource with its encoded response.
type Resource struct {
	netdef.Resource
	MediaType string
	Accepts   string // media type of POST bodies; empty for GET resources
	// Body and Gzip are the full response for GET resources, and ETag and
	// GzipETag their quoted entity tags; empty for POST resources.
	Body, Gzip     []byte
	ETag, GzipETag string
	// PropertyMap is the data of a property map or filtered property map
	// resource; nil for other types.
	PropertyMap *entity.Map
	// CDNI is the data of a CDNI Advertisement or filtered CDNI
	// Advertisement resource; nil for other types.
	CDNI *advert.Advertisement
	// Calendars are the cost calendars of a filtered cost map or
	// endpoint cost resource by cost type name (RFC 8896); nil without
	// a calendar option.
	Calendars map[string]*costmap.Calendar
}

// Lookup returns the resource served at a URI path, or nil.
func (s *Snapshot) Lookup(path string) *Resource { return s.byPath[path] }

// CostMap returns the cost map of a cost type, ignoring its description,
// among the named cost types, or nil.
func (s *Snapshot) CostMap(names []string, ct alto.CostType) (*costmap.Map, string) {
	for _, name := range names {
		if m := s.CostMaps[name]; m != nil && m.CostType.Equal(ct) {
			return m, name
		}
	}
	return nil, ""
}

// EndpointPropertyEntries returns the number of prefixes that the
// endpoint property service answers from: the prefixes of the network
// map, which give the PID property, plus the prefixes that configure
// other properties. A prefix in both counts twice.
func (s *Snapshot) EndpointPropertyEntries() int {
	return s.Stats.Prefixes + s.properties.Size()
}

// Properties returns the endpoint properties configured for an address:
// the values of the most specific prefix that sets each property.
func (s *Snapshot) Properties(addr netip.Addr) map[string]string {
	v, _ := s.properties.Lookup(addr)
	return v
}

// Build reads the inputs of a definition and builds a snapshot.
func Build(def *netdef.Definition) (*Snapshot, error) {
	return BuildLive(def, Live{})
}

// BuildLive builds a snapshot from the inputs of a definition and the
// values of running sources, such as the routes of BGP sessions.
func BuildLive(def *netdef.Definition, live Live) (*Snapshot, error) {
	start := time.Now()
	in, err := readInputs(def, live)
	if err != nil {
		return nil, err
	}
	s := &Snapshot{Def: def, byPath: map[string]*Resource{}, CostMaps: map[string]*costmap.Map{}}
	asg, err := assignPIDs(def, in)
	if err != nil {
		return nil, err
	}
	if s.NetworkMap, err = networkmap.Build(def.NetworkMap.ResourceID, asg.assignments); err != nil {
		return nil, fmt.Errorf("%s: network map: %w", def.File, err)
	}
	if err := s.buildExtraNetworkMaps(def); err != nil {
		return nil, err
	}
	if err := s.buildCosts(def, in, asg); err != nil {
		return nil, err
	}
	s.buildProperties(def)
	s.keepPathTopology(def, in, asg)
	if err := s.buildPropertyMaps(def, in); err != nil {
		return nil, err
	}
	if err := s.buildAccess(def); err != nil {
		return nil, err
	}
	if err := s.buildResources(def); err != nil {
		return nil, err
	}
	s.Stats = Stats{
		PrefixesRead:       in.prefixCount,
		PrefixesUnmapped:   asg.unmapped,
		PrefixesNoOriginAS: asg.noOrigin,
		PIDs:               s.NetworkMap.Len(),
		Prefixes:           s.NetworkMap.PrefixCount(),
		PIDsWithoutCosts:   s.pidsWithoutCosts(),
		Measured:           s.measureStats(def),
	}
	if in.graph != nil {
		s.Stats.TopologyNodes, s.Stats.TopologyLinks = len(in.graph.Nodes), len(in.graph.Links)
	}
	s.Built = time.Now()
	s.Stats.BuildTime = s.Built.Sub(start)
	return s, nil
}

// buildCosts fills CostMaps: per metric of a cost type, from the
// definition's costs given per PID, or else from shortest paths over the
// topology (topologyMetricCosts).
func (s *Snapshot) buildCosts(def *netdef.Definition, in *inputs, asg *assignment) error {
	nm := s.NetworkMap
	byMetric := map[string]struct {
		m    *costmap.Matrix
		rows []int32
	}{}
	for _, metric := range def.CostMetrics() {
		if given, ok := def.Costs[metric]; ok {
			m, err := explicitCosts(nm, metric, given)
			if err != nil {
				return def.FieldError("costs."+metric, err)
			}
			rows := make([]int32, nm.Len())
			for i := range rows {
				rows[i] = int32(i)
			}
			byMetric[metric] = struct {
				m    *costmap.Matrix
				rows []int32
			}{m, rows}
			continue
		}
		if in.paths == nil || onlyMeasured(def, metric) {
			continue
		}
		costs := topologyMetricCosts(in, metric)
		if costs == nil {
			continue
		}
		rows := make([]int32, nm.Len())
		for i := range rows {
			rows[i] = -1
			if node, ok := asg.pidNode[nm.Name(i)]; ok {
				rows[i] = int32(node)
			}
		}
		byMetric[metric] = struct {
			m    *costmap.Matrix
			rows []int32
		}{costs, rows}
	}
	s.keepMeasured(in, asg)
	for name, ct := range def.CostTypes {
		if def.Measurements.Measures(name) {
			m, rows := s.measuredCosts(ct.Metric)
			s.CostMaps[name] = costmap.New(name, ct, nm, m, rows)
			continue
		}
		c, ok := byMetric[ct.Metric]
		if !ok {
			continue
		}
		s.CostMaps[name] = costmap.New(name, ct, nm, c.m, c.rows)
	}
	return nil
}

func (s *Snapshot) pidsWithoutCosts() int {
	n := s.NetworkMap.Len()
	covered := make([]bool, n)
	for _, m := range s.CostMaps {
		for i := range n {
			covered[i] = covered[i] || m.HasCosts(i)
		}
	}
	if nm := s.Def.NetworkMap; nm.DefaultPID != "" && nm.DefaultNode == "" {
		if i, ok := s.NetworkMap.Index(nm.DefaultPID); ok {
			covered[i] = true
		}
	}
	missing := 0
	for _, c := range covered {
		if !c {
			missing++
		}
	}
	return missing
}

func explicitCosts(nm *networkmap.Map, metric string, given map[string]map[string]float64) (*costmap.Matrix, error) {
	m := costmap.NewMatrix(nm.Len())
	for src, row := range given {
		si, ok := nm.Index(src)
		if !ok {
			return nil, fmt.Errorf("source PID %q is not in the network map", src)
		}
		for dst, v := range row {
			di, ok := nm.Index(dst)
			if !ok {
				return nil, fmt.Errorf("destination PID %q of source %q is not in the network map", dst, src)
			}
			m.Set(si, di, v)
		}
	}
	return m, nil
}

// topologyCosts returns the node-by-node matrix of a metric: the sum of
// link metrics along the shortest path for routingcost, and the number
// of links of that path for hopcount. Unreachable pairs stay undefined.
func topologyCosts(in *inputs, metric string) *costmap.Matrix {
	n := len(in.graph.Nodes)
	m := costmap.NewMatrix(n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			if metric == alto.CostMetricHopCount {
				if h, ok := in.paths.Hops(i, j); ok {
					m.Set(i, j, float64(h))
				}
			} else if c, ok := in.paths.Cost(i, j); ok {
				m.Set(i, j, c)
			}
		}
	}
	return m
}

// buildProperties indexes the endpoint properties per prefix. Each entry
// carries the values of its less specific prefixes too, with the most
// specific prefix winning, so one longest-prefix match finds them all. A
// property set to null on a prefix has no value there and hides the
// values of less specific prefixes (RFC 9240, Section 6.1.3).
func (s *Snapshot) buildProperties(def *netdef.Definition) {
	hidden := map[netip.Prefix]map[string]bool{} // properties set to null, per prefix
	set := func(p netip.Prefix, name string, value *string) {
		p = p.Masked()
		merged, _ := s.properties.Get(p)
		if merged == nil {
			merged = map[string]string{}
			s.properties.Insert(p, merged)
		}
		if value == nil {
			delete(merged, name)
			if hidden[p] == nil {
				hidden[p] = map[string]bool{}
			}
			hidden[p][name] = true
			return
		}
		merged[name] = *value
		delete(hidden[p], name)
	}
	for _, g := range def.Groups {
		for _, p := range g.Prefixes {
			for name, v := range g.Properties {
				set(p.Prefix, name, &v)
			}
		}
	}
	for _, pp := range def.Properties {
		for name, v := range pp.Values {
			set(pp.Prefix.Prefix, name, v)
		}
	}
	for p, values := range s.properties.All() {
		resolved := map[string]bool{}
		for name := range hidden[p] {
			resolved[name] = true
		}
		// Supernets yields the longest prefix first, so the most specific
		// prefix that sets or hides a property decides it.
		for sup, supValues := range s.properties.Supernets(p) {
			if sup == p {
				continue
			}
			for name, v := range supValues {
				if _, ok := values[name]; !ok && !resolved[name] {
					values[name] = v
				}
			}
			for name := range hidden[sup] {
				resolved[name] = true
			}
		}
	}
}

// newGetResource encodes a GET resource: the body, its gzip form and an
// entity tag from the content.
func newGetResource(r netdef.Resource, mediaType string, body []byte) (*Resource, error) {
	var z bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&z, gzip.BestSpeed)
	if _, err := zw.Write(body); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(body)
	tag := hex.EncodeToString(sum[:16])
	return &Resource{
		Resource:  r,
		MediaType: mediaType,
		Body:      body,
		Gzip:      z.Bytes(),
		ETag:      `"` + tag + `"`,
		GzipETag:  `"` + tag + `-gzip"`,
	}, nil
}
