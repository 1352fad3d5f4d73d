package netdef

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/goalto/goalto/alto"
)

// Default cost type names, as in the examples of RFC 7285, Section 9.2.3.
const (
	CostTypeNumRouting = "num-routing"
	CostTypeNumHop     = "num-hop"
	CostTypeOrdRouting = "ord-routing"
	CostTypeOrdHop     = "ord-hop"
)

func (d *Definition) setDefaults() {
	if d.NetworkMap.ResourceID == "" {
		d.NetworkMap.ResourceID = DefaultNetworkMapID
	}
	if d.NetworkMap.Rule == "" {
		d.NetworkMap.Rule = PIDsByNode
		if !d.HasTopology() && len(d.Groups) > 0 {
			d.NetworkMap.Rule = PIDsByGroup
		}
	}
	if d.NetworkMap.MaxCostMapPIDs == 0 {
		d.NetworkMap.MaxCostMapPIDs = DefaultMaxCostMapPIDs
	}
	if d.Directory == "" {
		d.Directory = DefaultDirectory
	}
	if len(d.CostTypes) == 0 {
		d.CostTypes = map[string]alto.CostType{
			CostTypeNumRouting: {Mode: alto.CostModeNumerical, Metric: alto.CostMetricRoutingCost},
			CostTypeNumHop:     {Mode: alto.CostModeNumerical, Metric: alto.CostMetricHopCount},
			CostTypeOrdRouting: {Mode: alto.CostModeOrdinal, Metric: alto.CostMetricRoutingCost},
			CostTypeOrdHop:     {Mode: alto.CostModeOrdinal, Metric: alto.CostMetricHopCount},
		}
	}
	if len(d.Resources) == 0 {
		d.Resources = d.defaultResources()
	}
	d.setPathVectorDefaults()
	d.BGP.setDefaults()
	if d.Measurements.Enabled() {
		d.Measurements.setDefaults()
	}
}

// defaultResources returns one resource of each RFC 7285 service: the
// network map, a full cost map per cost type, both filtered maps and the
// two endpoint services, each filtered service offering every cost type.
// Extra network maps are served at /networkmap/<resource-id>.
func (d *Definition) defaultResources() []Resource {
	names := d.CostTypeNames()
	rs := []Resource{{ID: d.NetworkMap.ResourceID, Type: TypeNetworkMap, Path: "/networkmap"}}
	for _, m := range d.ExtraNetworkMaps {
		rs = append(rs, Resource{ID: m.ResourceID, Type: TypeNetworkMap, Path: "/networkmap/" + m.ResourceID})
	}
	for _, name := range names {
		ct := d.CostTypes[name]
		mode := "num"
		if ct.Mode == alto.CostModeOrdinal {
			mode = "ord"
		}
		rs = append(rs, Resource{
			ID:        sanitizeID(name + "-cost-map"),
			Type:      TypeCostMap,
			Path:      "/costmap/" + mode + "/" + ct.Metric,
			CostTypes: []string{name},
		})
	}
	rs = append(rs,
		Resource{ID: "filtered-network-map", Type: TypeFilteredNetworkMap, Path: "/networkmap/filtered"},
		Resource{ID: "filtered-cost-map", Type: TypeFilteredCostMap, Path: "/costmap/filtered", CostTypes: names, Constraints: true},
		Resource{ID: "endpoint-property", Type: TypeEndpointProperty, Path: "/endpointprop/lookup", Properties: d.propertyNames()},
		Resource{ID: "endpoint-cost", Type: TypeEndpointCost, Path: "/endpointcost/lookup", CostTypes: names, Constraints: true},
		Resource{ID: "update-stream", Type: TypeUpdateStream, Path: "/updates/stream"},
		Resource{ID: "tips", Type: TypeTIPS, Path: "/tips"},
	)
	for i := range rs {
		rs[i].defaulted = true
	}
	return rs
}

func sanitizeID(s string) string {
	return strings.Map(func(r rune) rune {
		if alto.ValidPIDName(string(r)) {
			return r
		}
		return '-'
	}, s)
}

// propertyNames returns the names of the configured endpoint properties.
func (d *Definition) propertyNames() []string {
	seen := map[string]bool{}
	var out []string
	add := func(name string) {
		if !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	for _, p := range d.Properties {
		for name := range p.Values {
			add(name)
		}
	}
	for _, g := range d.Groups {
		for name := range g.Properties {
			add(name)
		}
	}
	sortStrings(out)
	return out
}

// CostTypeNames returns the cost type names in sorted order.
func (d *Definition) CostTypeNames() []string {
	out := make([]string, 0, len(d.CostTypes))
	for name := range d.CostTypes {
		out = append(out, name)
	}
	sortStrings(out)
	return out
}

func fieldErr(field, format string, args ...any) error {
	return &Error{Field: field, Err: fmt.Errorf(format, args...)}
}

func (d *Definition) validate() error {
	for _, check := range []func() error{d.validateNetworkMap, d.validateExtraNetworkMaps, d.validateCostTypes, d.validateCosts, d.validateProperties, d.validateResources, d.validateAccess, d.validateBGP, d.validateMeasurements, d.validateBGPLS, d.validateMRTPeers} {
		if err := check(); err != nil {
			return err
		}
	}
	return nil
}

func (d *Definition) validateNetworkMap() error {
	nm := d.NetworkMap
	if !alto.ValidResourceID(nm.ResourceID) {
		return fieldErr("network-map.resource-id", "invalid resource ID %q: use at most 64 letters, digits, '-', ':', '@' or '_'", nm.ResourceID)
	}
	switch nm.Rule {
	case PIDsByNode, PIDsByASN, PIDsByGroup:
	default:
		return fieldErr("network-map.pids", "unknown PID rule %q: use node, asn or group", nm.Rule)
	}
	if nm.Rule == PIDsByNode && !d.HasTopology() {
		return fieldErr("network-map.pids", "the node rule needs a topology")
	}
	if nm.DefaultPID != "" && !alto.ValidPIDName(nm.DefaultPID) {
		return fieldErr("network-map.default-pid", "invalid PID name %q", nm.DefaultPID)
	}
	if nm.DefaultNode != "" && (!d.HasTopology() || nm.DefaultPID == "") {
		return fieldErr("network-map.default-node", "default-node needs a topology and a default-pid")
	}
	if nm.MaxCostMapPIDs < 0 {
		return fieldErr("network-map.max-cost-map-pids", "must not be negative")
	}
	for i, g := range d.Groups {
		if !alto.ValidPIDName(g.PID) {
			return fieldErr(fmt.Sprintf("groups[%d].pid", i), "invalid PID name %q", g.PID)
		}
		if g.Node != "" && !d.HasTopology() {
			return fieldErr(fmt.Sprintf("groups[%d].node", i), "a node needs a topology")
		}
		for name := range g.Properties {
			if !validGlobal(name) {
				return fieldErr(fmt.Sprintf("groups[%d].properties", i), "invalid endpoint property name %q (RFC 7285, Section 10.8.2)", name)
			}
		}
	}
	return nil
}

func (d *Definition) validateCostTypes() error {
	for name, ct := range d.CostTypes {
		field := "cost-types." + name
		if name == "" {
			return fieldErr("cost-types", "empty cost type name")
		}
		if err := validatePathVectorCostType(field, ct); err != nil {
			return err
		}
		if ct.Equal(alto.PathVectorCostType) {
			continue
		}
		if ct.Mode != alto.CostModeNumerical && ct.Mode != alto.CostModeOrdinal {
			return fieldErr(field+".cost-mode", "%s", alto.CostModeMessage(ct.Mode))
		}
		if err := d.validateCostMetric(field, name, ct); err != nil {
			return err
		}
	}
	return nil
}

func (d *Definition) validateCosts() error {
	for metric, rows := range d.Costs {
		if !knownCostMetric(metric) {
			return fieldErr("costs."+metric, "unknown cost metric %q", metric)
		}
		for src, row := range rows {
			for dst, v := range row {
				if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
					return fieldErr("costs."+metric+"."+src, "cost to %s must be a finite non-negative number, not %v", dst, v)
				}
			}
		}
	}
	return nil
}

func validGlobal(name string) bool {
	return alto.ValidPropertyName(name) && !strings.Contains(name, ".")
}

func (d *Definition) validateProperties() error {
	for i, p := range d.Properties {
		field := fmt.Sprintf("properties[%d]", i)
		if !p.Prefix.IsValid() {
			return fieldErr(field+".prefix", "missing prefix")
		}
		for name := range p.Values {
			if !validGlobal(name) {
				return fieldErr(field+".values", "invalid endpoint property name %q (RFC 7285, Section 10.8.2)", name)
			}
		}
	}
	return nil
}

func (d *Definition) validateResources() error {
	dirs := map[string]bool{}
	for _, r := range d.Resources {
		if r.Type == TypeDirectory {
			dirs[r.ID] = true
		}
	}
	ids := map[string]bool{}
	paths := map[string]bool{d.Directory: true}
	for i, r := range d.Resources {
		field := fmt.Sprintf("resources[%d]", i)
		if !alto.ValidResourceID(r.ID) {
			return fieldErr(field+".id", "invalid resource ID %q", r.ID)
		}
		if ids[r.ID] {
			return fieldErr(field+".id", "resource ID %q is used twice", r.ID)
		}
		ids[r.ID] = true
		if err := d.validateResource(field, r, dirs); err != nil {
			return err
		}
		if strings.HasPrefix(r.Path, "/") {
			if paths[r.Path] {
				return fieldErr(field+".path", "path %q is used twice", r.Path)
			}
			paths[r.Path] = true
		}
	}
	return nil
}

func (d *Definition) validateResource(field string, r Resource, dirs map[string]bool) error {
	switch r.Type {
	case TypeDirectory, TypeNetworkMap, TypeCostMap, TypeFilteredNetworkMap, TypeFilteredCostMap, TypeEndpointProperty, TypeEndpointCost, TypeUpdateStream, TypeTIPS,
		TypePropertyMap, TypeFilteredPropertyMap, TypePathVectorCostMap, TypePathVectorEndpointCost,
		TypeCDNI, TypeFilteredCDNI:
	default:
		return fieldErr(field+".type", "unknown resource type %q", r.Type)
	}
	if r.Path == "" || (!strings.HasPrefix(r.Path, "/") && !(r.Type == TypeDirectory && strings.Contains(r.Path, "://"))) {
		return fieldErr(field+".path", "path %q must start with / (a directory may give a full URI)", r.Path)
	}
	if r.Type == TypeNetworkMap && !slices.Contains(d.NetworkMapIDs(), r.ID) {
		return fieldErr(field+".id", "the network map resource must have the ID %q of network-map.resource-id, or that of an extra network map", d.NetworkMap.ResourceID)
	}
	wantCost := r.Type == TypeCostMap || r.Type == TypeFilteredCostMap || r.Type == TypeEndpointCost || IsPathVector(r.Type)
	if wantCost && len(r.CostTypes) == 0 {
		return fieldErr(field+".cost-types", "a %s needs at least one cost type", r.Type)
	}
	if !wantCost && len(r.CostTypes) > 0 {
		return fieldErr(field+".cost-types", "a %s has no cost types", r.Type)
	}
	if r.Type == TypeCostMap && len(r.CostTypes) != 1 {
		return fieldErr(field+".cost-types", "a cost map has exactly one cost type")
	}
	for _, name := range r.CostTypes {
		if _, ok := d.CostTypes[name]; !ok {
			return fieldErr(field+".cost-types", "undefined cost type %q", name)
		}
	}
	if err := d.validateResourceCostTypes(field, r); err != nil {
		return err
	}
	if err := d.validatePathVector(field, r); err != nil {
		return err
	}
	if err := validateMultiCost(field, r); err != nil {
		return err
	}
	if err := validateCalendar(field, r); err != nil {
		return err
	}
	if r.Directory != "" && !dirs[r.Directory] {
		return fieldErr(field+".directory", "no directory resource with ID %q", r.Directory)
	}
	if len(r.Uses) > 0 && r.Type != TypeUpdateStream && r.Type != TypeTIPS && !IsCDNI(r.Type) {
		return fieldErr(field+".uses", "only update-stream, tips, cdni and filtered-cdni resources list uses")
	}
	if IsCDNI(r.Type) {
		return d.validateCDNI(field, r)
	}
	if len(r.Advertisements) > 0 {
		return fieldErr(field+".advertisements", "only cdni and filtered-cdni resources have advertisements")
	}
	if IsPropertyMap(r.Type) {
		return d.validatePropertyMap(field, r)
	}
	if len(r.Mappings) > 0 || len(r.EntityDomains) > 0 || len(r.Entities) > 0 {
		return fieldErr(field, "only property-map and filtered-property-map resources have mappings, entity-domains and entities")
	}
	for _, p := range r.Properties {
		if !alto.ValidPropertyName(p) {
			return fieldErr(field+".properties", "invalid endpoint property name %q", p)
		}
	}
	return nil
}

func sortStrings(s []string) { slices.Sort(s) }
