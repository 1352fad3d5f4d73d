package conformance

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/goalto/goalto/alto"
)

// maxDirectoryDepth is how many levels of secondary directories are
// read below the root IRD.
const maxDirectoryDepth = 3

// kind is the service of a resource, known from its media type and
// accepted input (RFC 7285, Section 9.1).
type kind int

const (
	kindOther kind = iota
	kindDirectory
	kindNetworkMap
	kindFilteredNetworkMap
	kindCostMap
	kindFilteredCostMap
	kindEndpointProperty
	kindEndpointCost
	kindUpdateStream
	kindTIPS
)

// resource is one entry of an IRD, with its URI resolved.
type resource struct {
	ID        string
	URI       string // absolute
	MediaType string
	Accepts   string
	Uses      []string
	// CostTypeNames are the names of the capability "cost-type-names",
	// and CostTypes the cost types their IRD defines for them, in order,
	// less those of cost modes other than numerical and ordinal, which
	// extensions such as path vector (RFC 9275) define.
	CostTypeNames []string
	CostTypes     []alto.CostType
	// extensionCostTypes counts the cost types left out of CostTypes.
	extensionCostTypes int
	CostConstraints    bool
	PropTypes          []string
	// IncrementalTypes is the capability
	// "incremental-change-media-types" of RFC 8895 and RFC 9569.
	IncrementalTypes map[string]string
	StreamControl    bool
	capabilities     map[string]any
	ird              *ird
}

func (r *resource) kind() kind {
	if len(r.CostTypes) == 0 && r.extensionCostTypes > 0 {
		return kindOther // a service of an extension's cost modes only
	}
	switch {
	case r.MediaType == alto.MediaTypeDirectory && r.Accepts == "":
		return kindDirectory
	case r.MediaType == alto.MediaTypeNetworkMap && r.Accepts == "":
		return kindNetworkMap
	case r.MediaType == alto.MediaTypeNetworkMap && r.Accepts == alto.MediaTypeNetworkMapFilter:
		return kindFilteredNetworkMap
	case r.MediaType == alto.MediaTypeCostMap && r.Accepts == "":
		return kindCostMap
	case r.MediaType == alto.MediaTypeCostMap && r.Accepts == alto.MediaTypeCostMapFilter:
		return kindFilteredCostMap
	case r.MediaType == alto.MediaTypeEndpointProp && r.Accepts == alto.MediaTypeEndpointPropParams:
		return kindEndpointProperty
	case r.MediaType == alto.MediaTypeEndpointCost && r.Accepts == alto.MediaTypeEndpointCostParams:
		return kindEndpointCost
	case r.MediaType == alto.MediaTypeEventStream && r.Accepts == alto.MediaTypeUpdateStreamParams:
		return kindUpdateStream
	case r.MediaType == alto.MediaTypeTIPS && r.Accepts == alto.MediaTypeTIPSParams:
		return kindTIPS
	}
	return kindOther
}

// offers reports whether the resource lists the cost type.
func (r *resource) offers(ct alto.CostType) bool {
	return slices.ContainsFunc(r.CostTypes, ct.Equal)
}

// ird is one information resource directory that was read.
type ird struct {
	// ID is the resource ID of the directory entry; "" for the root.
	ID  string
	URL string
	x   *exchange
	err error // the reason the IRD could not be used
	// problems are the schema violations found while parsing.
	problems []string
	// costTypes are the named cost types of its meta (Section 9.2.2).
	costTypes         map[string]alto.CostType
	defaultNetworkMap string
	hasDefault        bool
	rawCostTypes      map[string]any
	resources         []*resource
}

// directory is the closure of the root IRD and its secondary IRDs.
type directory struct {
	root      *ird
	irds      []*ird
	resources []*resource // discovery order: root first, sorted by ID
	byID      map[string]*resource
	// conflicts lists resource IDs that two IRDs define differently.
	conflicts []string
}

// discover reads the root IRD and its secondary directories.
func (s *session) discover(ctx context.Context) *directory {
	d := &directory{byID: map[string]*resource{}}
	type pending struct {
		id, url string
		depth   int
	}
	queue := []pending{{url: s.cfg.URL}}
	visited := map[string]bool{s.cfg.URL: true}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		irdDoc := s.readIRD(ctx, p.id, p.url)
		d.irds = append(d.irds, irdDoc)
		if p.id == "" {
			d.root = irdDoc
		}
		for _, r := range irdDoc.resources {
			if d.add(r) && r.kind() == kindDirectory && p.depth < maxDirectoryDepth && !visited[r.URI] {
				visited[r.URI] = true
				queue = append(queue, pending{id: r.ID, url: r.URI, depth: p.depth + 1})
			}
		}
	}
	return d
}

// add adds a resource unless an earlier IRD lists its ID, and reports
// whether it was added. An ID listed twice with another URI or media
// type is recorded as a conflict, because a resource ID identifies one
// resource within a server (RFC 7285, Section 10.2).
func (d *directory) add(r *resource) bool {
	if have, ok := d.byID[r.ID]; ok {
		if have.URI != r.URI || have.MediaType != r.MediaType || have.Accepts != r.Accepts {
			d.conflicts = append(d.conflicts, fmt.Sprintf("resource %q is %s at %s in %s but %s at %s in %s",
				r.ID, have.MediaType, have.URI, have.ird.URL, r.MediaType, r.URI, r.ird.URL))
		}
		return false
	}
	d.byID[r.ID] = r
	d.resources = append(d.resources, r)
	return true
}

// ofKind returns the resources of a kind in discovery order.
func (d *directory) ofKind(k kind) []*resource {
	var out []*resource
	for _, r := range d.resources {
		if r.kind() == k {
			out = append(out, r)
		}
	}
	return out
}

// networkMapOf returns the network map that a resource uses: the first
// network map of its "uses", else the default network map.
func (d *directory) networkMapOf(r *resource) *resource {
	for _, id := range r.Uses {
		if u, ok := d.byID[id]; ok && u.kind() == kindNetworkMap {
			return u
		}
	}
	return d.defaultNetworkMap()
}

// defaultNetworkMap returns the root IRD's default network map, or the
// first network map when the IRD names none.
func (d *directory) defaultNetworkMap() *resource {
	if d.root != nil && d.root.hasDefault {
		if r, ok := d.byID[d.root.defaultNetworkMap]; ok && r.kind() == kindNetworkMap {
			return r
		}
	}
	maps := d.ofKind(kindNetworkMap)
	if len(maps) == 0 {
		return nil
	}
	return maps[0]
}

// readIRD fetches and parses one IRD. A response that is not JSON, or
// has no resources, leaves the IRD without resources; the IRD checks
// report why.
func (s *session) readIRD(ctx context.Context, id, rawURL string) *ird {
	d := &ird{ID: id, URL: rawURL, costTypes: map[string]alto.CostType{}}
	d.x = s.do(ctx, get(rawURL, alto.MediaTypeDirectory))
	if d.x.err != nil || d.x.status != 200 {
		d.err = d.x.failure("200 "+alto.MediaTypeDirectory, d.x.describeResponse())
		return d
	}
	o, err := decodeObject(d.x.body)
	if err != nil {
		d.err = d.x.failuref("an IRD JSON object", "%v", err)
		return d
	}
	d.parse(o)
	return d
}

func (d *ird) problem(format string, args ...any) {
	d.problems = append(d.problems, fmt.Sprintf(format, args...))
}

// parse reads the meta and the resource entries of an IRD, RFC 7285,
// Section 9.2.2, recording every schema violation and keeping the
// entries that can be used.
func (d *ird) parse(o map[string]any) {
	base, err := url.Parse(d.URL)
	if err != nil {
		d.err = fmt.Errorf("IRD URL %q: %w", d.URL, err)
		return
	}
	d.parseMeta(o)
	entries, err := member[map[string]any](o, "resources", "resources")
	if err != nil {
		d.problem("%v", err)
		return
	}
	for _, id := range sortedKeys(entries) {
		if r := d.parseEntry(id, entries[id], base); r != nil {
			d.resources = append(d.resources, r)
		}
	}
}

func (d *ird) parseMeta(o map[string]any) {
	meta, err := member[map[string]any](o, "meta", "meta")
	if err != nil {
		d.problem("%v", err)
		return
	}
	if v, ok := meta["default-alto-network-map"]; ok {
		id, ok := v.(string)
		if !ok {
			d.problem(`"meta/default-alto-network-map" is a JSON %s, not a resource ID`, jsonKind(v))
		}
		d.defaultNetworkMap, d.hasDefault = id, ok
	}
	v, ok := meta["cost-types"]
	if !ok {
		return
	}
	types, ok := v.(map[string]any)
	if !ok {
		d.problem(`"meta/cost-types" is a JSON %s, not an object`, jsonKind(v))
		return
	}
	d.rawCostTypes = types
	for _, name := range sortedKeys(types) {
		ct, err := parseCostType(types[name], "meta/cost-types/"+name)
		if err != nil {
			d.problem("%v", err)
			continue
		}
		d.costTypes[name] = ct
	}
}

// parseEntry parses an IRDResourceEntry; it returns nil for an entry
// without a usable URI or media type.
func (d *ird) parseEntry(id string, v any, base *url.URL) *resource {
	path := "resources/" + id
	if !alto.ValidResourceID(id) {
		d.problem("resource ID %q is not 1 to 64 characters from letters, digits, '-', ':', '@' and '_' (RFC 7285, Section 10.2)", id)
	}
	e, ok := v.(map[string]any)
	if !ok {
		d.problem("%q is a JSON %s, not an object", path, jsonKind(v))
		return nil
	}
	uri, err := member[string](e, "uri", path+"/uri")
	if err != nil {
		d.problem("%v", err)
		return nil
	}
	ref, err := url.Parse(uri)
	if err != nil {
		d.problem("%q is not a URI: %v", path+"/uri", err)
		return nil
	}
	mediaType, err := member[string](e, "media-type", path+"/media-type")
	if err != nil {
		d.problem("%v", err)
		return nil
	}

	r := &resource{ID: id, URI: base.ResolveReference(ref).String(), MediaType: strings.ToLower(mediaType), ird: d}
	if v, ok := e["accepts"]; ok {
		if r.Accepts, ok = v.(string); !ok {
			d.problem("%q is a JSON %s, not a string", path+"/accepts", jsonKind(v))
		}
		r.Accepts = strings.ToLower(r.Accepts)
	}
	if v, ok := e["uses"]; ok {
		r.Uses = d.stringList(v, path+"/uses")
	}
	if v, ok := e["capabilities"]; ok {
		caps, ok := v.(map[string]any)
		if !ok {
			d.problem("%q is a JSON %s, not an object", path+"/capabilities", jsonKind(v))
		} else {
			d.parseCapabilities(r, caps, path+"/capabilities")
		}
	}
	return r
}

// parseCapabilities reads the capabilities of RFC 7285, Sections
// 11.2.3.4, 11.3.2.4 and 11.4.1.4, RFC 8895, Section 6.3, and RFC 9569,
// Section 5.2.
func (d *ird) parseCapabilities(r *resource, caps map[string]any, path string) {
	r.capabilities = caps
	if v, ok := caps["cost-type-names"]; ok {
		r.CostTypeNames = d.stringList(v, path+"/cost-type-names")
		for _, name := range r.CostTypeNames {
			ct, ok := d.costTypes[name]
			switch {
			case !ok:
			case ct.Mode == alto.CostModeNumerical || ct.Mode == alto.CostModeOrdinal:
				r.CostTypes = append(r.CostTypes, ct)
			default:
				r.extensionCostTypes++
			}
		}
	}
	if v, ok := caps["cost-constraints"]; ok {
		if r.CostConstraints, ok = v.(bool); !ok {
			d.problem("%q is a JSON %s, not a boolean", path+"/cost-constraints", jsonKind(v))
		}
	}
	if v, ok := caps["prop-types"]; ok {
		r.PropTypes = d.stringList(v, path+"/prop-types")
	}
	if v, ok := caps["support-stream-control"]; ok {
		if r.StreamControl, ok = v.(bool); !ok {
			d.problem("%q is a JSON %s, not a boolean", path+"/support-stream-control", jsonKind(v))
		}
	}
	if v, ok := caps["incremental-change-media-types"]; ok {
		types, ok := v.(map[string]any)
		if !ok {
			d.problem("%q is a JSON %s, not an object", path+"/incremental-change-media-types", jsonKind(v))
			return
		}
		r.IncrementalTypes = map[string]string{}
		for id, t := range types {
			s, ok := t.(string)
			if !ok {
				d.problem("%q is a JSON %s, not a string", path+"/incremental-change-media-types/"+id, jsonKind(t))
				continue
			}
			r.IncrementalTypes[id] = s
		}
	}
}

func (d *ird) stringList(v any, path string) []string {
	list, ok := v.([]any)
	if !ok {
		d.problem("%q is a JSON %s, not an array", path, jsonKind(v))
		return nil
	}
	out := make([]string, 0, len(list))
	for _, item := range list {
		s, ok := item.(string)
		if !ok {
			d.problem("%q has a JSON %s, not a string", path, jsonKind(item))
			continue
		}
		out = append(out, s)
	}
	return out
}
