package netdef

import (
	"slices"

	"github.com/goalto/goalto/alto"
)

// CostTypePathVector is the name given to the path vector cost type when
// a path vector resource names no cost type and the definition has none.
const CostTypePathVector = "path-vector"

// ANEPropertyTypes are the ANE properties a path vector resource can
// offer, RFC 9275, Section 6.4.
var ANEPropertyTypes = []string{alto.PropMaxReservableBandwidth, alto.PropPersistentEntityID}

// IsPathVector reports whether a resource type is one of the RFC 9275
// path vector services.
func IsPathVector(typ string) bool {
	return typ == TypePathVectorCostMap || typ == TypePathVectorEndpointCost
}

// setPathVectorDefaults gives each path vector resource without cost
// types the path vector cost type, defining it when no cost type name
// has it, and the default ANE properties.
func (d *Definition) setPathVectorDefaults() {
	for i := range d.Resources {
		r := &d.Resources[i]
		if !IsPathVector(r.Type) {
			continue
		}
		if len(r.CostTypes) == 0 {
			r.CostTypes = []string{d.pathVectorCostTypeName()}
		}
		if len(r.ANEProperties) == 0 {
			r.ANEProperties = []string{alto.PropMaxReservableBandwidth}
			if r.PersistentMap != "" {
				r.ANEProperties = append(r.ANEProperties, alto.PropPersistentEntityID)
			}
		}
	}
}

// pathVectorCostTypeName returns the first name of the path vector cost
// type in sorted order, after adding it as CostTypePathVector if no name
// has it.
func (d *Definition) pathVectorCostTypeName() string {
	for _, name := range d.CostTypeNames() {
		if d.CostTypes[name].Equal(alto.PathVectorCostType) {
			return name
		}
	}
	name := CostTypePathVector
	for {
		if _, taken := d.CostTypes[name]; !taken {
			break
		}
		name += "-ane"
	}
	d.CostTypes[name] = alto.PathVectorCostType
	return name
}

// validatePathVectorCostType rejects the array cost mode with another
// metric than ane-path, and the reverse: RFC 9275, Section 6.5.2 defines
// the array mode only for that metric.
func validatePathVectorCostType(field string, ct alto.CostType) error {
	if ct.Mode == alto.CostModeArray && ct.Metric != alto.CostMetricANEPath {
		return fieldErr(field+".cost-metric", "cost mode array is defined only with metric ane-path (RFC 9275, Section 6.5.2), not %q", ct.Metric)
	}
	if ct.Metric == alto.CostMetricANEPath && ct.Mode != alto.CostModeArray {
		return fieldErr(field+".cost-mode", "cost metric ane-path needs cost mode array (RFC 9275, Section 6.5), not %q", ct.Mode)
	}
	return nil
}

// validatePathVector checks the path vector options of a resource. A
// path vector resource has the path vector cost type, no
// constraints (RFC 9275, Section 7.2.4), known ANE properties, and a
// persistent map that is a property map of the definition. Any other
// resource has neither the path vector cost type nor these options.
func (d *Definition) validatePathVector(field string, r Resource) error {
	if !IsPathVector(r.Type) {
		for _, name := range r.CostTypes {
			if d.CostTypes[name].Equal(alto.PathVectorCostType) {
				return fieldErr(field+".cost-types", "cost type %q (array, ane-path) is served only by %s and %s resources", name, TypePathVectorCostMap, TypePathVectorEndpointCost)
			}
		}
		if len(r.ANEProperties) > 0 || r.MergeSharedLinks || r.PersistentMap != "" {
			return fieldErr(field, "only path vector resources have ane-properties, merge-shared-links and persistent-map")
		}
		return nil
	}
	if !d.HasTopology() {
		return fieldErr(field+".type", "a %s needs a topology: its ANEs are the links of the shortest paths", r.Type)
	}
	if err := d.validatePathVectorCostTypes(field, r); err != nil {
		return err
	}
	if r.Constraints {
		return fieldErr(field+".constraints", "a path vector resource does not support constraints (RFC 9275, Section 7.2.4)")
	}
	for _, p := range r.ANEProperties {
		if !slices.Contains(ANEPropertyTypes, p) {
			return fieldErr(field+".ane-properties", "unknown ANE property %q: use %s or %s", p, ANEPropertyTypes[0], ANEPropertyTypes[1])
		}
	}
	return d.validatePersistentMap(field, r)
}

func (d *Definition) validatePersistentMap(field string, r Resource) error {
	if r.PersistentMap == "" {
		if slices.Contains(r.ANEProperties, alto.PropPersistentEntityID) {
			return fieldErr(field+".persistent-map", "ANE property %s needs the resource ID of the property map that defines persistent ANEs", alto.PropPersistentEntityID)
		}
		return nil
	}
	for _, other := range d.Resources {
		if other.ID == r.PersistentMap && IsPropertyMap(other.Type) {
			return nil
		}
	}
	return fieldErr(field+".persistent-map", "no property-map or filtered-property-map resource with ID %q", r.PersistentMap)
}

// validatePathVectorCostTypes checks the cost types of a path vector
// resource: the path vector cost type first, and after it, for RFC 8189
// multi-cost requests (RFC 9275, Section 9.2), only cost types in the
// numerical or ordinal mode.
func (d *Definition) validatePathVectorCostTypes(field string, r Resource) error {
	if len(r.CostTypes) == 0 || !d.CostTypes[r.CostTypes[0]].Equal(alto.PathVectorCostType) {
		return fieldErr(field+".cost-types", "the first cost type of a %s has cost-mode array and cost-metric ane-path", r.Type)
	}
	for _, name := range r.CostTypes[1:] {
		ct, ok := d.CostTypes[name]
		if !ok {
			return fieldErr(field+".cost-types", "cost type %q is not defined in cost-types", name)
		}
		if ct.Mode != alto.CostModeNumerical && ct.Mode != alto.CostModeOrdinal {
			return fieldErr(field+".cost-types", "cost type %q: a %s has one path vector cost type, and numerical or ordinal cost types after it", name, r.Type)
		}
	}
	return nil
}
