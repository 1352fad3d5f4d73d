package alto

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// costTypeRequest holds the members that RFC 8189, Sections 4.1.2 and
// 4.2.2 add to filtered cost map and endpoint cost requests, decoded
// before the server checks them against the capabilities of a resource.
type costTypeRequest struct {
	CostType          CostType
	MultiCostTypes    []CostType
	TestableCostTypes []CostType
	Constraints       []Constraint
	OrConstraints     [][]Constraint
	Calendared        []bool // RFC 8896, Section 5.1.1
}

// decodeCostTypes decodes "cost-type", "multi-cost-types",
// "testable-cost-types", "constraints" and "or-constraints", enforcing the
// rules of RFC 8189 that need no knowledge of the resource:
//   - exactly one of "cost-type" and "multi-cost-types";
//   - "multi-cost-types", "testable-cost-types", "or-constraints" and
//     each array in "or-constraints" have at least one element;
//   - at most one of "constraints" and "or-constraints";
//   - each predicate is "[index] op value" with an optional index.
//
// A request with "cost-type" only and no RFC 8189 member is decoded with
// the same errors, in the same order, as RFC 7285 requires.
func (o object) decodeCostTypes() (costTypeRequest, error) {
	var req costTypeRequest
	_, hasSingle := o.fields["cost-type"]
	_, hasMulti := o.fields["multi-cost-types"]
	if hasSingle && hasMulti {
		return req, NewInvalidValue("multi-cost-types", "", "give either cost-type or multi-cost-types, not both (RFC 8189, Section 4.1.2)")
	}
	var err error
	if hasMulti {
		if req.MultiCostTypes, err = o.costTypeArray("multi-cost-types"); err != nil {
			return req, err
		}
	} else if req.CostType, err = o.costType(); err != nil {
		return req, err
	}
	if _, ok := o.fields["testable-cost-types"]; ok {
		if req.TestableCostTypes, err = o.costTypeArray("testable-cost-types"); err != nil {
			return req, err
		}
	}
	if req.Constraints, err = o.constraints(); err != nil {
		return req, err
	}
	if _, ok := o.fields["or-constraints"]; ok {
		if _, both := o.fields["constraints"]; both {
			return req, NewInvalidValue("or-constraints", "", "give either constraints or or-constraints, not both (RFC 8189, Section 4.1.2)")
		}
		if req.OrConstraints, err = o.orConstraints(); err != nil {
			return req, err
		}
	}
	if req.Calendared, err = o.calendared(req.requestedCostTypes()); err != nil {
		return req, err
	}
	return req, nil
}

// checkEmptyCostType rejects a cost type whose mode and metric are both
// empty strings, which a server offers under no name. It runs after the
// rest of the request is decoded so that other errors keep their RFC 7285
// order, and it gives the error a server gives for a mode it does not
// offer.
func checkEmptyCostType(ct CostType, multi bool) error {
	if !multi && ct.Mode == "" && ct.Metric == "" {
		return NewInvalidValue("cost-type/cost-mode", "", "the cost mode must be numerical or ordinal")
	}
	return nil
}

// costTypeArray returns a member that must be a non-empty array of cost
// type objects, each with a cost-mode and a cost-metric string.
func (o object) costTypeArray(name string) ([]CostType, error) {
	raw := o.fields[name]
	if JSONKind(raw) != "array" {
		return nil, o.wrongType(name, "array", raw)
	}
	var elems []json.RawMessage
	if err := json.Unmarshal(raw, &elems); err != nil {
		return nil, SyntaxErrorOf(raw, err)
	}
	if len(elems) == 0 {
		return nil, NewInvalidValue(o.fieldPath(name), "[]", "at least one cost type is required (RFC 8189, Section 4.1.2)")
	}
	out := make([]CostType, len(elems))
	for i, e := range elems {
		elem := object{fields: map[string]json.RawMessage{"cost-type": e}}
		path := fmt.Sprintf("%s[%d]", o.fieldPath(name), i)
		ct, err := elem.costTypeAt(path)
		if err != nil {
			return nil, err
		}
		if ct.Mode == "" && ct.Metric == "" {
			return nil, NewInvalidValue(path+"/cost-mode", "", "the cost mode must be numerical or ordinal")
		}
		out[i] = ct
	}
	return out, nil
}

// costTypeAt decodes the "cost-type" member of o, naming it path in
// errors.
func (o object) costTypeAt(path string) (CostType, error) {
	raw := o.fields["cost-type"]
	if JSONKind(raw) != "object" {
		return CostType{}, NewInvalidType(path, "must be a JSON object, not "+JSONKind(raw))
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return CostType{}, SyntaxErrorOf(raw, err)
	}
	ct := object{path: path, fields: fields}
	var t CostType
	for _, f := range []struct {
		name string
		dst  *string
	}{{"cost-mode", &t.Mode}, {"cost-metric", &t.Metric}} {
		s, ok, err := ct.str(f.name)
		if err != nil {
			return CostType{}, err
		}
		if !ok {
			return CostType{}, NewMissingField(ct.fieldPath(f.name))
		}
		*f.dst = s
	}
	return t, nil
}

// orConstraints returns "or-constraints": a non-empty array of non-empty
// arrays of predicates (RFC 8189, Section 4.1.2).
func (o object) orConstraints() ([][]Constraint, error) {
	raw := o.fields["or-constraints"]
	if JSONKind(raw) != "array" {
		return nil, o.wrongType("or-constraints", "array", raw)
	}
	var groups []json.RawMessage
	if err := json.Unmarshal(raw, &groups); err != nil {
		return nil, SyntaxErrorOf(raw, err)
	}
	if len(groups) == 0 {
		return nil, NewInvalidValue("or-constraints", "[]", "at least one array of predicates is required (RFC 8189, Section 4.1.2)")
	}
	out := make([][]Constraint, len(groups))
	for i, g := range groups {
		path := fmt.Sprintf("or-constraints[%d]", i)
		holder := object{fields: map[string]json.RawMessage{path: g}}
		list, _, err := holder.stringArray(path)
		if err != nil {
			return nil, err
		}
		if len(list) == 0 {
			return nil, NewInvalidValue("or-constraints", "[]", "an empty array of predicates is always true and is not allowed (RFC 8189, Section 4.1.2)")
		}
		out[i] = make([]Constraint, len(list))
		for j, s := range list {
			if out[i][j], err = ParsePredicate("or-constraints", s); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// ParsePredicate parses an extended constraint predicate of RFC 8189,
// Section 4.1.2: an optional cost type index "[i]", an operator and a
// target cost, separated by whitespace. Without an index the predicate
// tests index 0 and is also an RFC 7285 constraint. A malformed
// predicate is an ErrInvalidFieldValue on field.
func ParsePredicate(field, s string) (Constraint, error) {
	parts := strings.Fields(s)
	if len(parts) != 3 {
		c, err := ParseConstraint(s)
		if err != nil {
			return Constraint{}, retarget(err, field, s)
		}
		return c, nil
	}
	index, ok := parseIndex(parts[0])
	if !ok {
		return Constraint{}, NewInvalidValue(field, s, "a cost type index is a non-negative integer in brackets, such as \"[1] le 20\"")
	}
	c, err := ParseConstraint(parts[1] + " " + parts[2])
	if err != nil {
		return Constraint{}, retarget(err, field, s)
	}
	c.Index, c.Indexed = index, true
	return c, nil
}

// retarget moves an *Error from ParseConstraint to another field, with
// the predicate as the client wrote it as its value.
func retarget(err error, field, value string) error {
	if e, ok := err.(*Error); ok {
		moved := *e
		moved.Field, moved.Value = field, value
		return &moved
	}
	return err
}

// parseIndex parses "[i]" with i a decimal integer of at most 9 digits.
func parseIndex(s string) (int, bool) {
	if len(s) < 3 || s[0] != '[' || s[len(s)-1] != ']' {
		return 0, false
	}
	digits := s[1 : len(s)-1]
	if len(digits) > 9 || strings.TrimLeft(digits, "0123456789") != "" {
		return 0, false
	}
	i, err := strconv.Atoi(digits)
	return i, err == nil
}

// hasCostTypeExtensions reports whether body may contain an RFC 8189
// member, which the fast endpoint cost decoder leaves to the detailed
// one.
func hasCostTypeExtensions(body []byte) bool {
	return bytes.Contains(body, []byte("cost-types")) || bytes.Contains(body, []byte("or-constraints")) ||
		bytes.Contains(body, []byte("calendared"))
}

// IsMultiCost reports whether a request has multi-cost-types, which
// makes the costs of the response arrays (RFC 8189, Section 4.1.3).
func (f *CostMapFilter) IsMultiCost() bool { return len(f.MultiCostTypes) > 0 }

// IsMultiCost reports whether a request has multi-cost-types, which
// makes the costs of the response arrays (RFC 8189, Section 4.2.3).
func (p *EndpointCostParams) IsMultiCost() bool { return len(p.MultiCostTypes) > 0 }

// UsesExtensions reports whether a request uses any member or predicate
// form of RFC 8189, which a resource without the max-cost-types
// capability rejects.
func UsesExtensions(multi, testable []CostType, cs []Constraint, or [][]Constraint) bool {
	if len(multi) > 0 || len(testable) > 0 || or != nil {
		return true
	}
	for _, c := range cs {
		if c.Indexed {
			return true
		}
	}
	return false
}
