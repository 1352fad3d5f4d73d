package pathvector

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/textproto"
	"strings"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/netdef"
	"github.com/goalto/goalto/internal/server"
	"github.com/goalto/goalto/internal/snapshot"
)

// Part resource IDs, RFC 9275, Section 6.6, as in the examples of
// Sections 7.2.6 and 7.3.6.
const (
	PartCostMap      = "costmap"
	PartEndpointCost = "ecs"
	PartPropertyMap  = "propmap"
)

// pathVectorMeta is the meta field of the path vector part.
type pathVectorMeta struct {
	VTag           alto.VersionTag   `json:"vtag"`
	DependentVTags []alto.VersionTag `json:"dependent-vtags"`
	CostType       *alto.CostType    `json:"cost-type,omitempty"`
	MultiCostTypes []alto.CostType   `json:"multi-cost-types,omitempty"`
}

// pathVectorPart is the path vector part: a cost map (RFC 7285,
// Section 11.2.3.6) or an endpoint cost map (Section 11.5.1.6) whose
// costs are arrays of ANE names.
type pathVectorPart struct {
	Meta            pathVectorMeta  `json:"meta"`
	CostMap         json.RawMessage `json:"cost-map,omitempty"`
	EndpointCostMap json.RawMessage `json:"endpoint-cost-map,omitempty"`
}

// propertyMapPart is the property map part, RFC 9240, Section 7.6.
type propertyMapPart struct {
	Meta struct {
		DependentVTags []alto.VersionTag `json:"dependent-vtags"`
	} `json:"meta"`
	PropertyMap map[string]map[string]any `json:"property-map"`
}

// pair is a source and destination of a request, by index.
type pair struct{ src, dst int }

// respond computes the ANE paths of a request and encodes the multipart
// response; it returns the body and its Content-Type.
func (s *Service) respond(r *http.Request, snap *snapshot.Snapshot, res *snapshot.Resource, topo *snapshot.PathTopology, req *request) ([]byte, string, error) {
	pairs, paths := collectPaths(topo, req)
	var values [][]float64
	if req.columns != nil {
		pairs, paths, values = multiCostValues(req, pairs, paths)
	}
	anePaths, anes := buildANEs(paths, res.MergeSharedLinks)
	if req.columns != nil && !hasPathColumn(req.columns) {
		anes = nil // no value names an ANE, so the property map part is empty
	}
	var names []string
	var err error
	if key := server.NameKey(r.Context()); key != nil {
		names, err = keyedNames(key, anes, s.persistentNames(topo))
	} else {
		names, err = ephemeralNames(len(anes))
	}
	if err != nil {
		return nil, "", err
	}

	root, partID := alto.MediaTypeCostMap, PartCostMap
	if res.Type == netdef.TypePathVectorEndpointCost {
		root, partID = alto.MediaTypeEndpointCost, PartEndpointCost
	}
	var entries any
	if req.columns != nil {
		entries = multiCostEntries(req, pairs, anePaths, names, values)
	} else {
		entries = costEntries(req, pairs, anePaths, names)
	}
	data, err := json.Marshal(entries)
	if err != nil {
		return nil, "", fmt.Errorf("encoding paths: %w", err)
	}
	sum := sha256.Sum256(data)
	body := pathVectorPart{Meta: pathVectorMeta{
		VTag:           alto.VersionTag{ResourceID: res.ID + "." + partID, Tag: hex.EncodeToString(sum[:16])},
		DependentVTags: []alto.VersionTag{snap.NetworkMap.VersionTag()},
	}}
	if req.columns != nil {
		body.Meta.MultiCostTypes = req.multi.MultiCostTypes
	} else {
		body.Meta.CostType = &req.costType
	}
	if res.Type == netdef.TypePathVectorEndpointCost {
		body.EndpointCostMap = data
	} else {
		body.CostMap = data
	}
	pvPart, err := json.Marshal(body)
	if err != nil {
		return nil, "", fmt.Errorf("encoding the path vector part: %w", err)
	}

	props := s.properties(snap, res, topo, req, anes, names, body.Meta.VTag)
	propPart, err := json.Marshal(props)
	if err != nil {
		return nil, "", fmt.Errorf("encoding the property map part: %w", err)
	}
	domain := s.domain(r)
	return writeMultipart(root, []Part{
		{ContentID: contentID(partID, domain), ContentType: root, Body: pvPart},
		{ContentID: contentID(PartPropertyMap, domain), ContentType: alto.MediaTypePropMap, Body: propPart},
	})
}

// collectPaths returns the pairs of a request that have a path, with the
// elements of each path. A pair without one is left out of the response,
// as an undefined cost is (RFC 7285, Section 11.2.3.6).
func collectPaths(topo *snapshot.PathTopology, req *request) ([]pair, [][]element) {
	var pairs []pair
	var paths [][]element
	for i, sp := range req.srcPIDs {
		for j, dp := range req.dstPIDs {
			if req.crossesFamilies(i, j) {
				continue
			}
			from, ok1 := topo.Node(sp)
			to, ok2 := topo.Node(dp)
			if !ok1 || !ok2 {
				continue
			}
			path, ok := pathElements(topo.Graph, topo.Paths, from, to)
			if !ok {
				continue
			}
			pairs, paths = append(pairs, pair{i, j}), append(paths, path)
		}
	}
	return pairs, paths
}

// costEntries returns the cost map data: the ANE names of each pair's
// path, by source and destination.
func costEntries(req *request, pairs []pair, anePaths [][]int, names []string) map[string]map[string][]string {
	costs := map[string]map[string][]string{}
	for k, p := range pairs {
		row := costs[req.srcs[p.src]]
		if row == nil {
			row = map[string][]string{}
			costs[req.srcs[p.src]] = row
		}
		seq := make([]string, len(anePaths[k]))
		for n, a := range anePaths[k] {
			seq[n] = names[a]
		}
		row[req.dsts[p.dst]] = seq
	}
	return costs
}

// properties returns the property map part: the requested properties of
// every ANE, keyed by its entity ID in the ".ane" domain (RFC 9275,
// Section 6.2.4). The part depends on the path vector part, and on the
// property map of persistent ANEs when their IDs are requested.
func (s *Service) properties(snap *snapshot.Snapshot, res *snapshot.Resource, topo *snapshot.PathTopology, req *request, anes []ane, names []string, vtag alto.VersionTag) *propertyMapPart {
	out := &propertyMapPart{PropertyMap: make(map[string]map[string]any, len(anes))}
	out.Meta.DependentVTags = []alto.VersionTag{vtag}
	wantBandwidth := contains(req.properties, alto.PropMaxReservableBandwidth)
	wantPersistent := contains(req.properties, alto.PropPersistentEntityID) && res.PersistentMap != ""
	if wantPersistent {
		if pm := snap.ResourceByID(res.PersistentMap); pm != nil {
			if t, ok := pm.VersionTag(); ok {
				out.Meta.DependentVTags = append(out.Meta.DependentVTags, t)
			}
			// NOTE: a filtered property map has no version tag of its
			// own, so its tag is left out of dependent-vtags.
		}
	}
	var persistent [][2]string
	if wantPersistent {
		persistent = s.persistentNames(topo)
	}
	for k, a := range anes {
		values := map[string]any{}
		if bps, ok := maxReservableBandwidth(topo.Graph, a); ok && wantBandwidth {
			values[alto.PropMaxReservableBandwidth] = bps
		}
		if wantPersistent && len(a.elems) == 1 {
			e := a.elems[0]
			name := persistent[e.link][0]
			if e.reverse {
				name = persistent[e.link][1]
			}
			values[alto.PropPersistentEntityID] = res.PersistentMap + "." + alto.DomainTypeANE + ":" + name
		}
		out.PropertyMap["."+alto.DomainTypeANE+":"+names[k]] = values
	}
	return out
}

func (s *Service) persistentNames(topo *snapshot.PathTopology) [][2]string {
	if v, ok := s.names.Load(topo); ok {
		return v.([][2]string)
	}
	names := persistentNames(topo.Graph)
	s.names.Store(topo, names)
	return names
}

// domain returns the domain name of the Content-ID of the parts.
func (s *Service) domain(r *http.Request) string {
	if s.cfg.Domain != "" {
		return s.cfg.Domain
	}
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if validDotAtom(host) {
		return host
	}
	return "localhost"
}

// contentID returns a Part Content ID, RFC 9275, Section 6.6.
func contentID(partID, domain string) string {
	return "<" + partID + "@" + domain + ">"
}

// validDotAtom reports whether s is a dot-atom-text of RFC 5322,
// Section 3.2.3: runs of atext separated by single dots.
func validDotAtom(s string) bool {
	if s == "" {
		return false
	}
	for _, atom := range strings.Split(s, ".") {
		if atom == "" {
			return false
		}
		for _, c := range atom {
			if !isAtext(c) {
				return false
			}
		}
	}
	return true
}

func isAtext(c rune) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("!#$%&'*+-/=?^_`{|}~", c)
}

// writeMultipart encodes the parts as a multipart/related body whose
// type parameter is root, RFC 2387 and RFC 9275, Section 7.2.6. The root
// part comes first, so the start parameter is left out.
func writeMultipart(root string, parts []Part) ([]byte, string, error) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range parts {
		// The map is filled directly to keep the spelling "Content-ID";
		// Set would write "Content-Id".
		h := textproto.MIMEHeader{"Content-ID": {p.ContentID}, "Content-Type": {p.ContentType}}
		w, err := mw.CreatePart(h)
		if err != nil {
			return nil, "", fmt.Errorf("multipart part %s: %w", p.ContentID, err)
		}
		if _, err := w.Write(p.Body); err != nil {
			return nil, "", fmt.Errorf("multipart part %s: %w", p.ContentID, err)
		}
	}
	if err := mw.Close(); err != nil {
		return nil, "", fmt.Errorf("multipart end: %w", err)
	}
	ct := mime.FormatMediaType(alto.MediaTypeMultipartRelated, map[string]string{"boundary": mw.Boundary(), "type": root})
	return buf.Bytes(), ct, nil
}
