package netdef

import "slices"

// validateMultiCost checks the RFC 8189 options of a resource (RFC 8189,
// Section 4.1.1). Only filtered cost maps and endpoint cost services take
// them, and max-cost-types is between 0 and the number of cost types of
// the resource. testable-cost-types lists some of those cost types,
// needs max-cost-types, and excludes constraints.
func validateMultiCost(field string, r Resource) error {
	if r.MaxCostTypes == 0 && len(r.TestableCostTypes) == 0 {
		return nil
	}
	if IsPathVector(r.Type) {
		return validatePathVectorMultiCost(field, r)
	}
	if r.Type != TypeFilteredCostMap && r.Type != TypeEndpointCost {
		return fieldErr(field, "only filtered-cost-map, endpoint-cost and path vector resources have max-cost-types and testable-cost-types")
	}
	if r.MaxCostTypes < 0 || r.MaxCostTypes > len(r.CostTypes) {
		return fieldErr(field+".max-cost-types", "max-cost-types is %d; use 0 to %d, the number of cost types of the resource", r.MaxCostTypes, len(r.CostTypes))
	}
	if len(r.TestableCostTypes) == 0 {
		return nil
	}
	if r.MaxCostTypes == 0 {
		return fieldErr(field+".testable-cost-types", "testable-cost-types needs max-cost-types greater than 0")
	}
	if r.Constraints {
		return fieldErr(field+".testable-cost-types", "testable-cost-types and constraints: true exclude each other; drop constraints to limit tests to the testable cost types")
	}
	seen := map[string]bool{}
	for _, name := range r.TestableCostTypes {
		if !slices.Contains(r.CostTypes, name) {
			return fieldErr(field+".testable-cost-types", "%q is not one of the cost-types of the resource", name)
		}
		if seen[name] {
			return fieldErr(field+".testable-cost-types", "%q is listed twice", name)
		}
		seen[name] = true
	}
	return nil
}

// TestableCostTypeNames returns the cost types on which a resource
// accepts constraint tests: its testable cost types, or all its cost
// types when constraints are enabled, or none.
func (r *Resource) TestableCostTypeNames() []string {
	if len(r.TestableCostTypes) > 0 {
		return r.TestableCostTypes
	}
	if r.Constraints {
		return r.CostTypes
	}
	return nil
}

// validatePathVectorMultiCost checks the RFC 8189 options of a path
// vector resource (RFC 9275, Section 9.2): max-cost-types up to the
// number of its cost types. goalto offers no constraint tests on path
// vector resources, so testable-cost-types is rejected.
func validatePathVectorMultiCost(field string, r Resource) error {
	if len(r.TestableCostTypes) > 0 {
		return fieldErr(field+".testable-cost-types", "a path vector resource accepts no constraint tests, so it has no testable-cost-types")
	}
	if r.MaxCostTypes < 0 || r.MaxCostTypes > len(r.CostTypes) {
		return fieldErr(field+".max-cost-types", "max-cost-types is %d; use 0 to %d, the number of cost types of the resource", r.MaxCostTypes, len(r.CostTypes))
	}
	return nil
}
