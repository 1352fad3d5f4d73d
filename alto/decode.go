package alto

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// NetworkMapFilter is a ReqFilteredNetworkMap, RFC 7285, Section 11.3.1.3.
// An empty PIDs list stands for all PIDs, and empty AddressTypes for all
// address types.
type NetworkMapFilter struct {
	PIDs         []string `json:"pids"`
	AddressTypes []string `json:"address-types,omitempty"`
}

// CostMapFilter is a ReqFilteredCostMap, RFC 7285, Section 11.3.2.3,
// with the members of RFC 8189, Section 4.1.2. Exactly one of CostType
// and MultiCostTypes is set, and at most one of Constraints and
// OrConstraints.
type CostMapFilter struct {
	CostType          CostType       `json:"cost-type,omitzero"`
	MultiCostTypes    []CostType     `json:"multi-cost-types,omitempty"`
	TestableCostTypes []CostType     `json:"testable-cost-types,omitempty"`
	Constraints       []Constraint   `json:"constraints,omitempty"`
	OrConstraints     [][]Constraint `json:"or-constraints,omitempty"`
	Calendared        []bool         `json:"calendared,omitempty"`
	PIDs              *PIDFilter     `json:"pids,omitempty"`
}

// PIDFilter selects source and destination PIDs; an empty list stands
// for all PIDs.
type PIDFilter struct {
	Srcs []string `json:"srcs"`
	Dsts []string `json:"dsts"`
}

// EndpointPropParams is a ReqEndpointProp, RFC 7285, Section 11.4.1.3.
type EndpointPropParams struct {
	Properties []string `json:"properties"`
	Endpoints  []string `json:"endpoints"`
}

// EndpointCostParams is a ReqEndpointCostMap, RFC 7285, Section 11.5.1.3,
// with the members of RFC 8189, Section 4.2.2. Srcs and Dsts keep the
// client's spelling of each typed address, which the response uses as
// keys.
type EndpointCostParams struct {
	CostType          CostType       `json:"cost-type,omitzero"`
	MultiCostTypes    []CostType     `json:"multi-cost-types,omitempty"`
	TestableCostTypes []CostType     `json:"testable-cost-types,omitempty"`
	Constraints       []Constraint   `json:"constraints,omitempty"`
	OrConstraints     [][]Constraint `json:"or-constraints,omitempty"`
	Calendared        []bool         `json:"calendared,omitempty"`
	Endpoints         EndpointFilter `json:"endpoints"`
}

// EndpointFilter lists source and destination typed endpoint addresses.
type EndpointFilter struct {
	Srcs []string `json:"srcs,omitempty"`
	Dsts []string `json:"dsts,omitempty"`
}

// DecodeNetworkMapFilter decodes and validates a filtered network map
// request. Unknown fields are ignored (RFC 7285, Section 8.3.7).
func DecodeNetworkMapFilter(body []byte) (*NetworkMapFilter, error) {
	return DecodeNetworkMapFilterLimit(body, 0)
}

// DecodeNetworkMapFilterLimit is DecodeNetworkMapFilter that rejects a
// pids list of more than maxPIDs entries (no limit when maxPIDs <= 0)
// before it decodes any entry.
func DecodeNetworkMapFilterLimit(body []byte, maxPIDs int) (*NetworkMapFilter, error) {
	o, err := decodeObject(body)
	if err != nil {
		return nil, err
	}
	if err := o.checkLength("pids", maxPIDs); err != nil {
		return nil, err
	}
	var req NetworkMapFilter
	pids, ok, err := o.stringArray("pids")
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, NewMissingField("pids")
	}
	if req.PIDs, err = checkPIDNames("pids", pids); err != nil {
		return nil, err
	}
	if req.PIDs == nil {
		req.PIDs = []string{} // encodes as [] rather than null
	}
	types, _, err := o.stringArray("address-types")
	if err != nil {
		return nil, err
	}
	// RFC 7285, Section 11.3.1.6: an address type the server does not
	// know is treated as absent, so a list of only unknown types is
	// empty and stands for all types.
	known := types[:0]
	for _, t := range types {
		if t == AddressTypeIPv4 || t == AddressTypeIPv6 {
			known = append(known, t)
		}
	}
	req.AddressTypes = dedupe(known)
	return &req, nil
}

// DecodeCostMapFilter decodes and validates a filtered cost map request.
// The cost type is checked for presence and form only: whether the
// resource offers it is for the server to decide.
func DecodeCostMapFilter(body []byte) (*CostMapFilter, error) {
	return DecodeCostMapFilterLimit(body, 0)
}

// DecodeCostMapFilterLimit is DecodeCostMapFilter that rejects a srcs or
// dsts list of more than maxPIDs entries (no limit when maxPIDs <= 0)
// before it decodes any entry.
func DecodeCostMapFilterLimit(body []byte, maxPIDs int) (*CostMapFilter, error) {
	o, err := decodeObject(body)
	if err != nil {
		return nil, err
	}
	ctr, err := o.decodeCostTypes()
	if err != nil {
		return nil, err
	}
	req := CostMapFilter{
		CostType: ctr.CostType, MultiCostTypes: ctr.MultiCostTypes, TestableCostTypes: ctr.TestableCostTypes,
		Constraints: ctr.Constraints, OrConstraints: ctr.OrConstraints, Calendared: ctr.Calendared,
	}
	pids, ok, err := o.object("pids")
	if err != nil {
		return nil, err
	}
	if !ok {
		if err := checkEmptyCostType(req.CostType, req.IsMultiCost()); err != nil {
			return nil, err
		}
		return &req, nil
	}
	for _, name := range []string{"srcs", "dsts"} {
		if err := pids.checkLength(name, maxPIDs); err != nil {
			return nil, err
		}
	}
	req.PIDs = &PIDFilter{}
	for _, side := range []struct {
		name string
		dst  *[]string
	}{{"srcs", &req.PIDs.Srcs}, {"dsts", &req.PIDs.Dsts}} {
		list, ok, err := pids.stringArray(side.name)
		if err != nil {
			return nil, err
		}
		if !ok {
			// RFC 7285, Section 11.3.2.3: srcs and dsts are not optional
			// in a PIDFilter, though either may be empty.
			return nil, NewMissingField("pids/" + side.name)
		}
		if *side.dst, err = checkPIDNames("pids/"+side.name, list); err != nil {
			return nil, err
		}
		if *side.dst == nil {
			*side.dst = []string{} // encodes as [] rather than null
		}
	}
	if err := checkEmptyCostType(req.CostType, req.IsMultiCost()); err != nil {
		return nil, err
	}
	return &req, nil
}

// DecodeEndpointPropParams decodes and validates an endpoint property
// request. Both lists must be present and non-empty.
func DecodeEndpointPropParams(body []byte) (*EndpointPropParams, error) {
	return DecodeEndpointPropParamsLimit(body, 0)
}

// DecodeEndpointPropParamsLimit is DecodeEndpointPropParams that rejects
// an endpoints list of more than maxEndpoints distinct entries (no limit
// when maxEndpoints <= 0) before it decodes any entry.
func DecodeEndpointPropParamsLimit(body []byte, maxEndpoints int) (*EndpointPropParams, error) {
	if err := checkListLimit(body, maxEndpoints, "endpoints"); err != nil {
		return nil, err
	}
	o, err := decodeObject(body)
	if err != nil {
		return nil, err
	}
	var req EndpointPropParams
	props, ok, err := o.stringArray("properties")
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, NewMissingField("properties")
	}
	if len(props) == 0 {
		return nil, NewInvalidValue("properties", "[]", "at least one property is required")
	}
	for _, p := range props {
		if !ValidPropertyName(p) {
			return nil, NewInvalidValue("properties", p, "invalid endpoint property name (RFC 7285, Section 10.8)")
		}
	}
	req.Properties = dedupe(props)
	eps, ok, err := o.stringArray("endpoints")
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, NewMissingField("endpoints")
	}
	if len(eps) == 0 {
		return nil, NewInvalidValue("endpoints", "[]", "at least one endpoint is required")
	}
	if req.Endpoints, err = checkAddrs("endpoints", eps); err != nil {
		return nil, err
	}
	return &req, nil
}

// DecodeEndpointCostParams decodes and validates an endpoint cost
// request. One of the two endpoint lists may be empty or absent, because
// the server then substitutes the client's address (RFC 7285,
// Section 11.5.1.3). Both may not.
func DecodeEndpointCostParams(body []byte) (*EndpointCostParams, error) {
	return DecodeEndpointCostParamsLimit(body, 0)
}

// DecodeEndpointCostParamsLimit is DecodeEndpointCostParams that rejects
// an endpoints/srcs or endpoints/dsts list of more than maxEndpoints
// distinct entries (no limit when maxEndpoints <= 0) before it decodes
// any entry, on the one-pass path as on the detailed one.
func DecodeEndpointCostParamsLimit(body []byte, maxEndpoints int) (*EndpointCostParams, error) {
	if err := checkListLimit(body, maxEndpoints, "endpoints/srcs", "endpoints/dsts"); err != nil {
		return nil, err
	}
	if req, ok, err := decodeEndpointCostFast(body); ok {
		return req, err
	}
	return decodeEndpointCostDetailed(body)
}

// decodeEndpointCostDetailed decodes member by member, finding the
// precise error of any malformed request.
func decodeEndpointCostDetailed(body []byte) (*EndpointCostParams, error) {
	o, err := decodeObject(body)
	if err != nil {
		return nil, err
	}
	ctr, err := o.decodeCostTypes()
	if err != nil {
		return nil, err
	}
	req := EndpointCostParams{
		CostType: ctr.CostType, MultiCostTypes: ctr.MultiCostTypes, TestableCostTypes: ctr.TestableCostTypes,
		Constraints: ctr.Constraints, OrConstraints: ctr.OrConstraints, Calendared: ctr.Calendared,
	}
	eps, ok, err := o.object("endpoints")
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, NewMissingField("endpoints")
	}
	for _, side := range []struct {
		name string
		dst  *[]string
	}{{"srcs", &req.Endpoints.Srcs}, {"dsts", &req.Endpoints.Dsts}} {
		list, _, err := eps.stringArray(side.name)
		if err != nil {
			return nil, err
		}
		if *side.dst, err = checkAddrs("endpoints/"+side.name, list); err != nil {
			return nil, err
		}
	}
	if len(req.Endpoints.Srcs) == 0 && len(req.Endpoints.Dsts) == 0 {
		return nil, NewInvalidValue("endpoints", "{}", "srcs and dsts must not both be empty")
	}
	if err := checkEmptyCostType(req.CostType, req.IsMultiCost()); err != nil {
		return nil, err
	}
	return &req, nil
}

// object is a decoded JSON object whose members are still raw, so that
// each field can be checked for type and value with its full path.
type object struct {
	path   string
	fields map[string]json.RawMessage
}

func decodeObject(body []byte) (object, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		return object{}, SyntaxErrorOf(body, err)
	}
	if fields == nil {
		return object{}, NewSyntaxError("request body must be a JSON object, not null")
	}
	return object{fields: fields}, nil
}

// SyntaxErrorOf turns an encoding/json failure on body into an E_SYNTAX
// error with a line and column, without echoing the client's bytes.
func SyntaxErrorOf(body []byte, err error) *Error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line, col := position(body, se.Offset)
		return NewSyntaxError(fmt.Sprintf("line %d, column %d: %s", line, col, se.Error()))
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return NewSyntaxError("request body must be a JSON object, not " + te.Value)
	}
	return NewSyntaxError(err.Error())
}

func position(body []byte, offset int64) (line, col int) {
	if offset > int64(len(body)) {
		offset = int64(len(body))
	}
	before := body[:offset]
	line = bytes.Count(before, []byte{'\n'}) + 1
	col = max(int(offset)-(bytes.LastIndexByte(before, '\n')+1), 1)
	return line, col
}

func (o object) fieldPath(name string) string {
	if o.path == "" {
		return name
	}
	return o.path + "/" + name
}

// JSONKind returns the JSON type of a raw value by its first byte:
// "object", "array", "string", "boolean", "null", "number", or "empty".
func JSONKind(raw json.RawMessage) string {
	raw = bytes.TrimLeft(raw, " \t\r\n")
	if len(raw) == 0 {
		return "empty"
	}
	switch raw[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	default:
		return "number"
	}
}

func (o object) wrongType(name, want string, raw json.RawMessage) *Error {
	return NewInvalidType(o.fieldPath(name), fmt.Sprintf("must be a JSON %s, not %s", want, JSONKind(raw)))
}

// object returns a member that must be a JSON object.
func (o object) object(name string) (object, bool, error) {
	raw, ok := o.fields[name]
	if !ok {
		return object{}, false, nil
	}
	if JSONKind(raw) != "object" {
		return object{}, true, o.wrongType(name, "object", raw)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return object{}, true, SyntaxErrorOf(raw, err)
	}
	return object{path: o.fieldPath(name), fields: fields}, true, nil
}

// str returns a member that must be a JSON string.
func (o object) str(name string) (string, bool, error) {
	raw, ok := o.fields[name]
	if !ok {
		return "", false, nil
	}
	var s string
	if JSONKind(raw) != "string" || json.Unmarshal(raw, &s) != nil {
		return "", true, o.wrongType(name, "string", raw)
	}
	return s, true, nil
}

// stringArray returns a member that must be an array of strings. An
// element of another type makes the member's value of the wrong type,
// E_INVALID_FIELD_TYPE (RFC 7285, Section 8.5.2).
func (o object) stringArray(name string) ([]string, bool, error) {
	raw, ok := o.fields[name]
	if !ok {
		return nil, false, nil
	}
	if JSONKind(raw) != "array" {
		return nil, true, o.wrongType(name, "array", raw)
	}
	var elems []json.RawMessage
	if err := json.Unmarshal(raw, &elems); err != nil {
		return nil, true, SyntaxErrorOf(raw, err)
	}
	out := make([]string, len(elems))
	for i, e := range elems {
		if JSONKind(e) != "string" || json.Unmarshal(e, &out[i]) != nil {
			return nil, true, NewInvalidType(o.fieldPath(name), fmt.Sprintf("element %d must be a JSON string, not %s", i, JSONKind(e)))
		}
	}
	return out, true, nil
}

func (o object) costType() (CostType, error) {
	ct, ok, err := o.object("cost-type")
	if err != nil {
		return CostType{}, err
	}
	if !ok {
		return CostType{}, NewMissingField("cost-type")
	}
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

func (o object) constraints() ([]Constraint, error) {
	list, _, err := o.stringArray("constraints")
	if err != nil {
		return nil, err
	}
	out := make([]Constraint, 0, len(list))
	for _, s := range list {
		c, err := ParsePredicate("constraints", s)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

func checkPIDNames(field string, names []string) ([]string, error) {
	for _, n := range names {
		if !ValidPIDName(n) {
			return nil, NewInvalidValue(field, n, "invalid PID name (RFC 7285, Section 10.1)")
		}
	}
	return dedupe(names), nil
}

func checkAddrs(field string, addrs []string) ([]string, error) {
	for _, a := range addrs {
		if _, ok := ParseTypedAddr(a); !ok {
			return nil, NewInvalidValue(field, a, "invalid typed endpoint address, want ipv4:ADDRESS or ipv6:ADDRESS")
		}
	}
	return dedupe(addrs), nil
}

// dedupe removes repeated entries, keeping the first of each, as RFC
// 7285 requires of every list in a request.
func dedupe(list []string) []string {
	if len(list) < 2 {
		return list
	}
	seen := make(map[string]struct{}, len(list))
	out := list[:0]
	for _, s := range list {
		if _, dup := seen[s]; !dup {
			seen[s] = struct{}{}
			out = append(out, s)
		}
	}
	return out
}

// Constraint is a cost constraint such as "le 20", RFC 7285,
// Section 11.3.2.3, or an extended predicate such as "[1] le 20" of
// RFC 8189, Section 4.1.2.
type Constraint struct {
	Op    string // one of "lt", "le", "gt", "ge", "eq"
	Value float64
	// Index is the position of the tested cost type among the testable
	// cost types of the request; Indexed reports whether the predicate
	// wrote it, which RFC 7285 resources do not allow.
	Index   int
	Indexed bool
}

// ParseConstraint parses an operator and a target cost separated by
// whitespace. A malformed constraint is an ErrInvalidFieldValue on the
// "constraints" field.
func ParseConstraint(s string) (Constraint, error) {
	parts := strings.Fields(s)
	bad := func(msg string) (Constraint, error) {
		return Constraint{}, NewInvalidValue("constraints", s, msg)
	}
	if len(parts) != 2 {
		return bad("a constraint is an operator and a number separated by whitespace, such as \"le 20\"")
	}
	switch parts[0] {
	case "lt", "le", "gt", "ge", "eq":
	default:
		return bad("unknown operator, want lt, le, gt, ge or eq")
	}
	v, err := strconv.ParseFloat(parts[1], 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return bad("the target cost must be a finite number")
	}
	return Constraint{Op: parts[0], Value: v}, nil
}

// Match reports whether cost satisfies the constraint.
func (c Constraint) Match(cost float64) bool {
	switch c.Op {
	case "lt":
		return cost < c.Value
	case "le":
		return cost <= c.Value
	case "gt":
		return cost > c.Value
	case "ge":
		return cost >= c.Value
	default:
		return cost == c.Value
	}
}

// String returns the constraint in its wire form.
func (c Constraint) String() string {
	s := c.Op + " " + strconv.FormatFloat(c.Value, 'g', -1, 64)
	if c.Indexed {
		s = "[" + strconv.Itoa(c.Index) + "] " + s
	}
	return s
}

// MarshalText encodes the constraint in its wire form.
func (c Constraint) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// UnmarshalText parses the wire form of a constraint or an extended
// predicate.
func (c *Constraint) UnmarshalText(b []byte) error {
	v, err := ParsePredicate("constraints", string(b))
	if err != nil {
		return err
	}
	*c = v
	return nil
}
