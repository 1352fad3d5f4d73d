package snapshot

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/netdef"
)

// mediaTypes gives the media type and accepted request type of each
// resource type, RFC 7285, Sections 9 and 11, and RFC 9240, Sections 7
// and 8.
var mediaTypes = map[string][2]string{
	netdef.TypeDirectory:           {alto.MediaTypeDirectory, ""},
	netdef.TypeNetworkMap:          {alto.MediaTypeNetworkMap, ""},
	netdef.TypeCostMap:             {alto.MediaTypeCostMap, ""},
	netdef.TypeFilteredNetworkMap:  {alto.MediaTypeNetworkMap, alto.MediaTypeNetworkMapFilter},
	netdef.TypeFilteredCostMap:     {alto.MediaTypeCostMap, alto.MediaTypeCostMapFilter},
	netdef.TypeEndpointProperty:    {alto.MediaTypeEndpointProp, alto.MediaTypeEndpointPropParams},
	netdef.TypeEndpointCost:        {alto.MediaTypeEndpointCost, alto.MediaTypeEndpointCostParams},
	netdef.TypeUpdateStream:        {alto.MediaTypeEventStream, alto.MediaTypeUpdateStreamParams},
	netdef.TypeTIPS:                {alto.MediaTypeTIPS, alto.MediaTypeTIPSParams},
	netdef.TypePropertyMap:         {alto.MediaTypePropMap, ""},
	netdef.TypeFilteredPropertyMap: {alto.MediaTypePropMap, alto.MediaTypePropMapParams},
	netdef.TypeCDNI:                {alto.MediaTypeCDNI, ""},
	netdef.TypeFilteredCDNI:        {alto.MediaTypeCDNI, alto.MediaTypeCDNIFilter},
	// RFC 9275, Sections 7.2.1 and 7.3.1: the directory adds the type
	// parameter (pathVectorEntry), which Accept headers need not repeat.
	netdef.TypePathVectorCostMap:      {alto.MediaTypeMultipartRelated, alto.MediaTypeCostMapFilter},
	netdef.TypePathVectorEndpointCost: {alto.MediaTypeMultipartRelated, alto.MediaTypeEndpointCostParams},
}

// patchMediaTypes are the incremental change formats offered for every
// resource: the update engine sends a JSON merge patch when it is exact
// and a JSON patch otherwise (RFC 8895, Section 6.3).
const patchMediaTypes = alto.MediaTypeMergePatch + "," + alto.MediaTypeJSONPatch

// buildResources makes the resources of the definition, skipping default
// full cost maps that would be too large or have no costs, and encodes
// the directories last since they list the others.
func (s *Snapshot) buildResources(def *netdef.Definition) error {
	for i, r := range def.Resources {
		if r.Type == netdef.TypeCostMap || r.Type == netdef.TypeFilteredCostMap || r.Type == netdef.TypeEndpointCost {
			names, err := s.availableCostTypes(def, i, r)
			if err != nil {
				return err
			}
			if len(names) == 0 {
				continue
			}
			r.CostTypes = names
		}
		res, err := s.buildResource(def, i, r)
		if err != nil {
			return err
		}
		if res == nil {
			continue
		}
		s.Resources = append(s.Resources, res)
	}
	if err := s.resolveUses(def); err != nil {
		return err
	}
	root := netdef.Resource{ID: "", Type: netdef.TypeDirectory, Path: def.Directory}
	dirs := []netdef.Resource{root}
	for _, r := range s.Resources {
		if r.Type == netdef.TypeDirectory {
			dirs = append(dirs, r.Resource)
		}
	}
	for _, d := range dirs {
		if d.Path[0] != '/' {
			continue // a directory served elsewhere
		}
		body, err := s.encodeDirectory(def, d.ID)
		if err != nil {
			return err
		}
		res, err := newGetResource(d, alto.MediaTypeDirectory, body)
		if err != nil {
			return err
		}
		s.byPath[d.Path] = res
	}
	for _, r := range s.Resources {
		if r.Type != netdef.TypeDirectory {
			s.byPath[r.Path] = r
		}
	}
	if s.Access != nil {
		return s.encodeRoleDirectories(def, dirs)
	}
	return nil
}

// resolveUses fills the uses list of update stream and TIPS resources:
// the configured resources, or by default every GET resource: the
// network maps, full cost maps, property maps and CDNI advertisements.
// Both may also list POST resources, whose substreams and views carry an
// input (RFC 8895, Section 6.5, and RFC 9569, Section 6.1).
func (s *Snapshot) resolveUses(def *netdef.Definition) error {
	get := map[string]bool{}
	post := map[string]bool{}
	var all []string
	for _, r := range s.Resources {
		switch {
		case r.Body != nil:
			get[r.ID] = true
			all = append(all, r.ID)
		case r.Accepts != "" && r.Type != netdef.TypeUpdateStream && r.Type != netdef.TypeTIPS:
			post[r.ID] = true
		}
	}
	for _, r := range s.Resources {
		if r.Type != netdef.TypeUpdateStream && r.Type != netdef.TypeTIPS {
			continue
		}
		if len(r.Uses) == 0 {
			r.Uses = s.readableBy(r, all)
			continue
		}
		for _, id := range r.Uses {
			switch {
			case get[id]:
			case post[id]:
			default:
				return def.FieldError(resourceField(def, r.ID, "uses"), fmt.Errorf("%q is not a resource of this server that an update stream can offer", id))
			}
			u := s.resource(id)
			if r.Type == netdef.TypeTIPS && strings.HasPrefix(u.MediaType, alto.MediaTypeMultipartRelated) {
				return def.FieldError(resourceField(def, r.ID, "uses"), fmt.Errorf("%q has media type %s: TIPS offers views only of resources with one JSON media type (RFC 9569, Section 7.2), so offer it through an update-stream resource instead", id, alto.MediaTypeMultipartRelated))
			}
			if !rolesCover(r.AcceptedRoles, u.AcceptedRoles) {
				return def.FieldError(resourceField(def, r.ID, "uses"), fmt.Errorf("%q accepts fewer roles than %q, so some clients of %q could not read it: give %q the accepted roles of %q or more", id, r.ID, r.ID, id, r.ID))
			}
		}
	}
	return nil
}

// readableBy returns the resources among ids that every client of r may
// read, the default uses of an update stream or TIPS resource.
func (s *Snapshot) readableBy(r *Resource, ids []string) []string {
	var out []string
	for _, id := range ids {
		if rolesCover(r.AcceptedRoles, s.resource(id).AcceptedRoles) {
			out = append(out, id)
		}
	}
	return out
}

// resource returns the resource with an ID, or nil.
func (s *Snapshot) resource(id string) *Resource {
	for _, r := range s.Resources {
		if r.ID == id {
			return r
		}
	}
	return nil
}

// resourceField returns the field path of a resource of the definition
// by ID, such as "resources[3].uses".
func resourceField(def *netdef.Definition, id, field string) string {
	for i, r := range def.Resources {
		if r.ID == id {
			return fmt.Sprintf("resources[%d].%s", i, field)
		}
	}
	return "resources"
}

// availableCostTypes returns the cost types of a resource that have
// costs. A configured resource with a cost type lacking costs is an
// error; a default one just drops it.
func (s *Snapshot) availableCostTypes(def *netdef.Definition, i int, r netdef.Resource) ([]string, error) {
	var names []string
	for _, name := range r.CostTypes {
		if s.CostMaps[name] != nil {
			names = append(names, name)
			continue
		}
		if !r.Defaulted() {
			return nil, def.FieldError(fmt.Sprintf("resources[%d].cost-types", i),
				fmt.Errorf("cost type %q has no costs: give a topology or costs for metric %q", name, def.CostTypes[name].Metric))
		}
	}
	return names, nil
}

func (s *Snapshot) buildResource(def *netdef.Definition, i int, r netdef.Resource) (*Resource, error) {
	mt := mediaTypes[r.Type]
	res := &Resource{Resource: r, MediaType: mt[0], Accepts: mt[1]}
	switch r.Type {
	case netdef.TypeNetworkMap:
		return newGetResource(r, mt[0], s.NetworkMapByID(r.ID).Body())
	case netdef.TypePropertyMap:
		full, err := newGetResource(r, mt[0], s.propertyMaps[r.ID].EncodeFull())
		if err != nil {
			return nil, err
		}
		full.PropertyMap = s.propertyMaps[r.ID]
		return full, nil
	case netdef.TypeFilteredPropertyMap:
		res.PropertyMap = s.propertyMaps[r.ID]
	case netdef.TypeCDNI, netdef.TypeFilteredCDNI:
		return s.buildCDNI(def, i, res)
	case netdef.TypeCostMap:
		if n := s.NetworkMap.Len(); n > def.NetworkMap.MaxCostMapPIDs {
			if r.Defaulted() {
				return nil, nil
			}
			return nil, def.FieldError(fmt.Sprintf("resources[%d]", i),
				fmt.Errorf("a full cost map of %d PIDs has %d entries, more than network-map.max-cost-map-pids (%d) allows; raise it or serve only filtered cost maps",
					n, n*n, def.NetworkMap.MaxCostMapPIDs))
		}
		m := s.CostMaps[r.CostTypes[0]]
		m.Prepare()
		return newGetResource(r, mt[0], m.Body())
	}
	if len(r.Calendar) > 0 {
		if err := s.buildCalendars(def, i, res); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// encodeDirectory encodes the directory with the given ID ("" for the
// root): RFC 7285, Section 9.2.2. The root lists the default network map
// and every resource without a directory; a secondary directory lists the
// resources that name it (Section 9.2.4).
func (s *Snapshot) encodeDirectory(def *netdef.Definition, id string) ([]byte, error) {
	return s.encodeDirectoryFor(def, id, func(string) bool { return true })
}

// encodeDirectoryFor encodes a directory that lists only the resources
// whose ID is visible. A visible resource that uses an invisible one is
// an error, because the client could not follow the reference.
func (s *Snapshot) encodeDirectoryFor(def *netdef.Definition, id string, visible func(string) bool) ([]byte, error) {
	dir := alto.Directory{
		Meta:      alto.DirectoryMeta{CostTypes: map[string]alto.CostType{}},
		Resources: map[string]alto.ResourceEntry{},
	}
	if id == "" {
		dir.Meta.DefaultNetworkMap = s.defaultNetworkMapFor(visible)
	}
	for _, r := range s.Resources {
		if r.Directory != id || (r.Type == netdef.TypeDirectory && r.ID == id) || !visible(r.ID) {
			continue
		}
		entry := alto.ResourceEntry{URI: def.BaseURL + r.Path, MediaType: r.MediaType, Accepts: r.Accepts}
		switch r.Type {
		case netdef.TypeCostMap, netdef.TypeFilteredNetworkMap, netdef.TypeFilteredCostMap:
			entry.Uses = []string{s.NetworkMap.ResourceID()}
		case netdef.TypeUpdateStream, netdef.TypeTIPS:
			entry.Uses = slices.Clone(r.Uses)
		case netdef.TypePropertyMap, netdef.TypeFilteredPropertyMap:
			entry.Uses = r.PropertyMap.Uses()
		}
		entry.Capabilities = s.capabilities(r)
		s.pathVectorEntry(r, &entry)
		if r.CDNI != nil {
			entry.Uses = r.CDNI.Uses() // RFC 9241, Section 3.5
		}
		for _, name := range r.CostTypes {
			dir.Meta.CostTypes[name] = def.CostTypes[name]
		}
		for _, u := range entry.Uses {
			if !visible(u) {
				return nil, def.FieldError(resourceField(def, r.ID, "accepted-roles"), s.hiddenUseError(r, u))
			}
		}
		dir.Resources[r.ID] = entry
	}
	if len(dir.Meta.CostTypes) == 0 {
		dir.Meta.CostTypes = nil
	}
	body, err := json.MarshalIndent(dir, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(body, '\n'), nil
}

// hiddenUseError returns the error for a resource r that uses the
// resource named used, which some clients of r may not read. The
// message names the change to the definition that fixes it.
func (s *Snapshot) hiddenUseError(r *Resource, used string) error {
	var usedRoles []string
	if u := s.resource(used); u != nil {
		usedRoles = u.AcceptedRoles
	}
	only := fmt.Sprintf("it uses %s, which only roles [%s] may read", used, strings.Join(usedRoles, ", "))
	if len(r.AcceptedRoles) == 0 {
		return fmt.Errorf("without accepted-roles, %s is public, but %s; give %s accepted-roles or make %s public", r.ID, only, r.ID, used)
	}
	return fmt.Errorf("%s accepts roles [%s], but %s; give %s the accepted-roles of %s or more", r.ID, strings.Join(r.AcceptedRoles, ", "), only, used, r.ID)
}

// defaultNetworkMapFor returns the default-alto-network-map of a root
// directory that lists only the visible resources. RFC 7285, Section
// 9.2.2 requires the member in every root directory, so a client that
// may not read the main network map gets the first visible network map
// of the root directory, in definition order. It returns "" when the
// client may read no network map there.
func (s *Snapshot) defaultNetworkMapFor(visible func(string) bool) string {
	if id := s.NetworkMap.ResourceID(); visible(id) {
		return id
	}
	for _, r := range s.Resources {
		if r.Type == netdef.TypeNetworkMap && r.Directory == "" && visible(r.ID) {
			return r.ID
		}
	}
	return ""
}

func (s *Snapshot) capabilities(r *Resource) *alto.Capabilities {
	switch r.Type {
	case netdef.TypeCostMap, netdef.TypeFilteredCostMap, netdef.TypeEndpointCost:
		return &alto.Capabilities{
			CostTypeNames:         slices.Clone(r.CostTypes),
			CostConstraints:       r.Constraints && r.Type != netdef.TypeCostMap,
			MaxCostTypes:          r.MaxCostTypes,
			TestableCostTypeNames: slices.Clone(r.TestableCostTypes),
			CalendarAttributes:    calendarAttributes(r),
		}
	case netdef.TypeEndpointProperty:
		return &alto.Capabilities{PropTypes: s.PropTypes(r)}
	case netdef.TypePropertyMap, netdef.TypeFilteredPropertyMap:
		return &alto.Capabilities{Mappings: r.PropertyMap.Mappings()}
	case netdef.TypeUpdateStream, netdef.TypeTIPS:
		types := map[string]string{}
		for _, id := range r.Uses {
			types[id] = patchMediaTypes
		}
		return &alto.Capabilities{
			IncrementalChangeMediaTypes: types,
			SupportStreamControl:        r.Type == netdef.TypeUpdateStream,
		}
	}
	return nil
}

// PropTypes returns the endpoint properties an endpoint property
// resource offers: the PID in the network map (RFC 7285, Section 11.4.1.4
// requires it) and the configured properties.
func (s *Snapshot) PropTypes(r *Resource) []string {
	return append([]string{s.NetworkMap.ResourceID() + ".pid"}, r.Properties...)
}
