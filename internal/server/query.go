package server

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/costmap"
	"github.com/goalto/goalto/internal/jsonenc"
	"github.com/goalto/goalto/internal/snapshot"
)

// query is one POST request against one snapshot.
type query struct {
	h    *Handler
	snap *snapshot.Snapshot
	res  *snapshot.Resource
	r    *http.Request
}

func (q *query) tooMany(field string, n, max int) error {
	return alto.NewTooMany(field, n, max)
}

// pidIndices returns the network map indices of the named PIDs, all PIDs
// for an empty list, and leaves out names the map does not define, as
// RFC 7285, Sections 11.3.1.6 and 11.3.2.6 require.
func (q *query) pidIndices(field string, names []string) ([]int, error) {
	nm := q.snap.NetworkMap
	if len(names) > q.h.limits.MaxPIDs {
		return nil, q.tooMany(field, len(names), q.h.limits.MaxPIDs)
	}
	if len(names) == 0 {
		all := make([]int, nm.Len())
		for i := range all {
			all[i] = i
		}
		return all, nil
	}
	out := make([]int, 0, len(names))
	for _, n := range names {
		if i, ok := nm.Index(n); ok {
			out = append(out, i)
		}
	}
	return out, nil
}

// filteredNetworkMap serves RFC 7285, Section 11.3.1.
func (q *query) filteredNetworkMap(body []byte) ([]byte, error) {
	req, err := alto.DecodeNetworkMapFilterLimit(body, q.h.limits.MaxPIDs)
	if err != nil {
		return nil, err
	}
	pids, err := q.pidIndices("pids", req.PIDs)
	if err != nil {
		return nil, err
	}
	v4, v6 := len(req.AddressTypes) == 0, len(req.AddressTypes) == 0
	for _, t := range req.AddressTypes {
		v4 = v4 || t == alto.AddressTypeIPv4
		v6 = v6 || t == alto.AddressTypeIPv6
	}
	return q.snap.NetworkMap.Encode(nil, pids, v4, v6), nil
}

// costMapFor returns the cost map of a requested cost type among those
// of the resource; an unsupported type is an invalid value of the
// cost-type field (RFC 7285, Section 11.3.2.3).
func (q *query) costMapFor(ct alto.CostType) (*costmap.Map, error) {
	m, _ := q.snap.CostMap(q.res.CostTypes, ct)
	if m != nil {
		return m, nil
	}
	field, value := "cost-type/cost-metric", ct.Metric
	msg := fmt.Sprintf("cost type %s/%s is not offered by this resource; its directory entry lists the cost types it offers", ct.Metric, ct.Mode)
	if ct.Mode != alto.CostModeNumerical && ct.Mode != alto.CostModeOrdinal {
		field, value, msg = "cost-type/cost-mode", ct.Mode, alto.CostModeMessage(ct.Mode)
	} else if modes := q.modesOf(ct.Metric); len(modes) > 0 {
		field, value = "cost-type/cost-mode", ct.Mode
		msg = fmt.Sprintf("cost metric %s is offered in cost mode %s on this resource, not in cost mode %s", ct.Metric, strings.Join(modes, " and "), ct.Mode)
	}
	return nil, &alto.Error{Code: alto.ErrInvalidFieldValue, Field: field, Value: value, Message: msg}
}

// modesOf returns the cost modes in which the resource offers a metric.
func (q *query) modesOf(metric string) []string {
	var modes []string
	for _, name := range q.res.CostTypes {
		if m := q.snap.CostMaps[name]; m != nil && m.CostType.Metric == metric && !slices.Contains(modes, m.CostType.Mode) {
			modes = append(modes, m.CostType.Mode)
		}
	}
	return modes
}

func (q *query) checkConstraints(cs []alto.Constraint) error {
	if len(cs) > 0 && !q.res.Constraints {
		return &alto.Error{Code: alto.ErrInvalidFieldValue, Field: "constraints", Value: cs[0].String(),
			Message: "this resource does not support constraints (cost-constraints is false)"}
	}
	return nil
}

// filteredCostMap serves RFC 7285, Section 11.3.2.
func (q *query) filteredCostMap(body []byte) ([]byte, error) {
	req, err := alto.DecodeCostMapFilterLimit(body, q.h.limits.MaxPIDs)
	if err != nil {
		return nil, err
	}
	if err := q.checkCostCounts(req.MultiCostTypes, req.TestableCostTypes, req.Constraints, req.OrConstraints); err != nil {
		return nil, err
	}
	if cal, err := q.checkCalendared(req.Calendared, requestedTypes(req.CostType, req.MultiCostTypes)); err != nil || cal {
		if err != nil {
			return nil, err
		}
		return q.filteredCalendarCostMap(req)
	}
	if q.extended(req.MultiCostTypes, req.TestableCostTypes, req.Constraints, req.OrConstraints) {
		return q.filteredMultiCostMap(req)
	}
	m, err := q.costMapFor(req.CostType)
	if err != nil {
		return nil, err
	}
	if err := q.checkConstraints(req.Constraints); err != nil {
		return nil, err
	}
	var srcNames, dstNames []string
	if req.PIDs != nil {
		srcNames, dstNames = req.PIDs.Srcs, req.PIDs.Dsts
	}
	srcs, err := q.pidIndices("pids/srcs", srcNames)
	if err != nil {
		return nil, err
	}
	dsts, err := q.pidIndices("pids/dsts", dstNames)
	if err != nil {
		return nil, err
	}
	sel := m.Select(srcs, dsts, req.CostType.Mode)
	return m.Encode(nil, sel, req.Constraints...), nil
}

// endpointProperties serves RFC 7285, Section 11.4.1.
func (q *query) endpointProperties(body []byte) ([]byte, error) {
	req, err := alto.DecodeEndpointPropParamsLimit(body, q.h.limits.MaxEndpoints)
	if err != nil {
		return nil, err
	}
	if len(req.Endpoints) > q.h.limits.MaxEndpoints {
		return nil, q.tooMany("endpoints", len(req.Endpoints), q.h.limits.MaxEndpoints)
	}
	nm := q.snap.NetworkMap
	pidProp := nm.ResourceID() + ".pid"
	offered := q.snap.PropTypes(q.res)
	wantPID := false
	for _, p := range req.Properties {
		if !contains(offered, p) {
			return nil, &alto.Error{Code: alto.ErrInvalidFieldValue, Field: "properties", Value: p,
				Message: "this resource does not offer the property; its directory entry lists prop-types"}
		}
		wantPID = wantPID || p == pidProp
	}
	b := []byte(`{"meta":{`)
	if wantPID {
		b = append(b, `"dependent-vtags":[{"resource-id":`...)
		b = jsonenc.String(b, nm.ResourceID())
		b = append(b, `,"tag":"`...)
		b = append(b, nm.Tag()...)
		b = append(b, `"}]`...)
	}
	b = append(b, `},"endpoint-properties":{`...)
	for i, ep := range req.Endpoints {
		addr, _ := alto.ParseTypedAddr(ep)
		if i > 0 {
			b = append(b, ',')
		}
		b = jsonenc.String(b, ep)
		b = append(b, ":{"...)
		props := q.snap.Properties(addr.Addr)
		n := 0
		for _, p := range req.Properties {
			var v string
			var ok bool
			if p == pidProp {
				var idx int
				if idx, ok = nm.Lookup(addr.Addr); ok {
					v = nm.Name(idx)
				}
			} else {
				v, ok = props[p]
			}
			if !ok {
				continue // RFC 7285, Section 11.4.1.6: omit undefined values
			}
			if n > 0 {
				b = append(b, ',')
			}
			n++
			b = jsonenc.String(b, p)
			b = append(b, ':')
			b = jsonenc.String(b, v)
		}
		b = append(b, '}')
	}
	return append(b, "}}\n"...), nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// endpointCost serves RFC 7285, Section 11.5.1: each endpoint maps to its
// PID by longest-prefix match, and the cost between two endpoints is the
// cost between their PIDs. Ordinal costs rank the returned entries.
func (q *query) endpointCost(body []byte) ([]byte, error) {
	req, err := alto.DecodeEndpointCostParamsLimit(body, q.h.limits.MaxEndpoints)
	if err != nil {
		return nil, err
	}
	if err := q.checkCostCounts(req.MultiCostTypes, req.TestableCostTypes, req.Constraints, req.OrConstraints); err != nil {
		return nil, err
	}
	if cal, err := q.checkCalendared(req.Calendared, requestedTypes(req.CostType, req.MultiCostTypes)); err != nil || cal {
		if err != nil {
			return nil, err
		}
		return q.endpointCalendarCost(req)
	}
	if q.extended(req.MultiCostTypes, req.TestableCostTypes, req.Constraints, req.OrConstraints) {
		return q.endpointMultiCost(req)
	}
	m, err := q.costMapFor(req.CostType)
	if err != nil {
		return nil, err
	}
	if err := q.checkConstraints(req.Constraints); err != nil {
		return nil, err
	}
	srcs, dsts, err := q.endpointLists(req.Endpoints)
	if err != nil {
		return nil, err
	}
	srcPIDs, dstPIDs := q.lookupAll(srcs), q.lookupAll(dsts)
	values := make([]float64, len(srcs)*len(dsts))
	for i, s := range srcPIDs {
		for j, d := range dstPIDs {
			values[i*len(dsts)+j] = pairCost(m, s, d)
		}
	}
	if req.CostType.Mode == alto.CostModeOrdinal {
		costmap.Rank(values)
	}
	return encodeEndpointCosts(req.CostType, srcs, dsts, values, req.Constraints), nil
}

// endpointLists returns the source and destination endpoints of a
// request, with the client's address standing in for an empty list.
func (q *query) endpointLists(eps alto.EndpointFilter) (srcs, dsts []string, err error) {
	srcs, dsts = eps.Srcs, eps.Dsts
	for _, side := range []struct {
		field string
		list  *[]string
	}{{"endpoints/srcs", &srcs}, {"endpoints/dsts", &dsts}} {
		if len(*side.list) > q.h.limits.MaxEndpoints {
			return nil, nil, q.tooMany(side.field, len(*side.list), q.h.limits.MaxEndpoints)
		}
		if len(*side.list) == 0 {
			self, ok := clientAddr(q.r)
			if !ok {
				return nil, nil, alto.NewInvalidValue(side.field, "[]", "the client address is unknown; list the endpoints")
			}
			*side.list = []string{self}
		}
	}
	return srcs, dsts, nil
}

func pairCost(m *costmap.Map, s, d int) float64 {
	if s < 0 || d < 0 {
		return nan
	}
	v, _ := m.Cost(s, d)
	return v
}

// lookupAll maps typed addresses to PID indices, -1 where none matches.
func (q *query) lookupAll(addrs []string) []int {
	out := make([]int, len(addrs))
	for i, a := range addrs {
		out[i] = -1
		if ta, ok := alto.ParseTypedAddr(a); ok {
			if idx, ok := q.snap.NetworkMap.Lookup(ta.Addr); ok {
				out[i] = idx
			}
		}
	}
	return out
}

// clientAddr returns the typed address of the client, which stands in
// for an empty endpoint list (RFC 7285, Section 11.5.1.3).
func clientAddr(r *http.Request) (string, bool) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return "", false
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return "", false
	}
	addr = addr.Unmap().WithZone("")
	typ := alto.AddressTypeIPv6
	if addr.Is4() {
		typ = alto.AddressTypeIPv4
	}
	return alto.TypedAddr{Type: typ, Addr: addr}.String(), true
}

// extended reports whether a cost request takes the RFC 8189 path. It
// does when it uses an RFC 8189 member or an indexed predicate. It also
// does when it has constraints for a resource with the max-cost-types
// capability, because there constraints are extended predicates limited
// to the testable cost types (RFC 8189, Section 4.1.2). Every other
// request gets the RFC 7285 response.
func (q *query) extended(multi, testable []alto.CostType, cs []alto.Constraint, or [][]alto.Constraint) bool {
	return alto.UsesExtensions(multi, testable, cs, or) || (q.res.MaxCostTypes > 0 && len(cs) > 0)
}

// costPlan is a cost request checked against the capabilities of the
// resource: the cost maps of the returned and of the tested cost types,
// and the constraints as an OR of ANDs.
type costPlan struct {
	types      []alto.CostType
	maps       []*costmap.Map
	arrays     bool
	testTypes  []alto.CostType
	testMaps   []*costmap.Map
	or         [][]alto.Constraint
	constField string // "constraints" or "or-constraints"
}

// planCosts checks an RFC 8189 cost request against the resource, in
// this order:
//   - the resource supports RFC 8189;
//   - the returned cost types are offered, at most max-cost-types;
//   - the resource allows constraint tests, if the request has any;
//   - each testable cost type is offered and testable;
//   - each predicate index is in range and names a testable cost type.
func (q *query) planCosts(single alto.CostType, multi, testable []alto.CostType, cs []alto.Constraint, or [][]alto.Constraint) (*costPlan, error) {
	if err := q.checkMultiCostSupport(multi, testable, cs, or); err != nil {
		return nil, err
	}
	p := &costPlan{or: or, constField: "or-constraints"}
	if or == nil && len(cs) > 0 {
		p.or, p.constField = [][]alto.Constraint{cs}, "constraints"
	}
	if err := p.returnedTypes(q, single, multi); err != nil {
		return nil, err
	}
	if err := p.testedTypes(q, testable); err != nil {
		return nil, err
	}
	return p, p.checkPredicates(q, testable != nil)
}

// checkMultiCostSupport rejects RFC 8189 members and indexed predicates
// for a resource without the max-cost-types capability (RFC 8189,
// Section 4.1.2: the client must not send them there).
func (q *query) checkMultiCostSupport(multi, testable []alto.CostType, cs []alto.Constraint, or [][]alto.Constraint) error {
	if q.res.MaxCostTypes > 0 {
		return nil
	}
	field, value := "", ""
	switch {
	case len(multi) > 0:
		field, value = "multi-cost-types", strconv.Itoa(len(multi))
	case len(testable) > 0:
		field = "testable-cost-types"
	case or != nil:
		field, value = "or-constraints", or[0][0].String()
	default:
		for _, c := range cs {
			if c.Indexed {
				field, value = "constraints", c.String()
				break
			}
		}
	}
	return &alto.Error{Code: alto.ErrInvalidFieldValue, Field: field, Value: value,
		Message: "this resource serves RFC 7285 requests only: its directory entry has no max-cost-types capability (RFC 8189, Section 4.1.1)"}
}

func (p *costPlan) returnedTypes(q *query, single alto.CostType, multi []alto.CostType) error {
	if len(multi) == 0 {
		m, err := q.costMapFor(single)
		if err != nil {
			return err
		}
		p.types, p.maps = []alto.CostType{single}, []*costmap.Map{m}
		return nil
	}
	if len(multi) > q.res.MaxCostTypes {
		q.h.limitLog.log(q.h.logger, ReasonCostTypes, "request rejected: more cost types than the resource's max-cost-types")
		return &alto.Error{Code: alto.ErrInvalidFieldValue, Field: "multi-cost-types", Value: strconv.Itoa(len(multi)),
			Message: fmt.Sprintf("the request has %d cost types; this resource returns at most %d (max-cost-types)", len(multi), q.res.MaxCostTypes)}
	}
	p.arrays = true
	for i, ct := range multi {
		m, _, err := q.offeredMap(fmt.Sprintf("multi-cost-types[%d]", i), ct)
		if err != nil {
			return err
		}
		p.types, p.maps = append(p.types, ct), append(p.maps, m)
	}
	return nil
}

// testedTypes sets the cost types that predicates index: testable, or
// else the returned ones. Each testable cost type must be in the
// testable-cost-type-names capability or, when cost-constraints is true,
// in cost-type-names (RFC 8189, Section 4.1.2).
func (p *costPlan) testedTypes(q *query, testable []alto.CostType) error {
	if p.or != nil && !q.res.Constraints && len(q.res.TestableCostTypes) == 0 {
		return &alto.Error{Code: alto.ErrInvalidFieldValue, Field: p.constField, Value: p.or[0][0].String(),
			Message: "this resource does not support constraints (cost-constraints is false and testable-cost-type-names is absent)"}
	}
	if testable == nil {
		p.testTypes, p.testMaps = p.types, p.maps
		return nil
	}
	names := q.res.TestableCostTypeNames()
	for i, ct := range testable {
		field := fmt.Sprintf("testable-cost-types[%d]", i)
		m, name, err := q.offeredMap(field, ct)
		if err != nil {
			return err
		}
		if !contains(names, name) {
			return &alto.Error{Code: alto.ErrInvalidFieldValue, Field: field + "/cost-metric", Value: ct.Metric,
				Message: fmt.Sprintf("cost type %s/%s is not testable on this resource; its directory entry lists the testable cost types", ct.Metric, ct.Mode)}
		}
		p.testTypes, p.testMaps = append(p.testTypes, ct), append(p.testMaps, m)
	}
	return nil
}

// indexRangeMessage explains a constraint index beyond the n cost types
// that constraints test: those of testable-cost-types when the request
// gives it, else the requested ones (RFC 8189, Section 4.1.2).
func indexRangeMessage(index, n int, explicit bool) string {
	types := "requested cost types"
	if n == 1 {
		types = "requested cost type"
	}
	if explicit {
		types = "cost types of testable-cost-types"
		if n == 1 {
			types = "cost type of testable-cost-types"
		}
	}
	return fmt.Sprintf("cost type index %d is out of range of the %d %s, indexed from 0", index, n, types)
}

// checkPredicates checks that each predicate indexes a tested cost type
// (index 0 only for a single cost-type request without
// testable-cost-types) and, when the tested types are the returned ones,
// that the indexed type is testable (RFC 8189, Section 4.1.2).
func (p *costPlan) checkPredicates(q *query, explicit bool) error {
	names := q.res.TestableCostTypeNames()
	for _, and := range p.or {
		for _, c := range and {
			if c.Index >= len(p.testTypes) {
				return &alto.Error{Code: alto.ErrInvalidFieldValue, Field: p.constField, Value: c.String(),
					Message: indexRangeMessage(c.Index, len(p.testTypes), explicit)}
			}
			if explicit {
				continue
			}
			ct := p.testTypes[c.Index]
			if _, name := q.snap.CostMap(q.res.CostTypes, ct); !contains(names, name) {
				return &alto.Error{Code: alto.ErrInvalidFieldValue, Field: p.constField, Value: c.String(),
					Message: fmt.Sprintf("cost type %s/%s at index %d is not testable on this resource; its directory entry lists the testable cost types", ct.Metric, ct.Mode, c.Index)}
			}
		}
	}
	return nil
}

// offeredMap returns the cost map and name of a cost type the resource
// offers, or the error of costMapFor on the given field prefix.
func (q *query) offeredMap(prefix string, ct alto.CostType) (*costmap.Map, string, error) {
	if m, name := q.snap.CostMap(q.res.CostTypes, ct); m != nil {
		return m, name, nil
	}
	_, err := q.costMapFor(ct)
	if e, ok := err.(*alto.Error); ok {
		moved := *e
		moved.Field = prefix + "/" + e.Field[len("cost-type/"):]
		return nil, "", &moved
	}
	return nil, "", err
}

// costs builds the response costs of a plan from a grid per cost map and
// mode. It builds the grid of each map and mode once.
func (p *costPlan) costs(grid func(*costmap.Map, string) costmap.Grid) *costmap.Costs {
	type key struct {
		m    *costmap.Map
		mode string
	}
	built := map[key]costmap.Grid{}
	get := func(m *costmap.Map, mode string) costmap.Grid {
		k := key{m, mode}
		if g, ok := built[k]; ok {
			return g
		}
		g := grid(m, mode)
		built[k] = g
		return g
	}
	c := &costmap.Costs{Types: p.types, Arrays: p.arrays, Filter: costmap.Filter{Or: p.or}}
	for i, m := range p.maps {
		c.Grids = append(c.Grids, get(m, p.types[i].Mode))
	}
	if p.or != nil {
		for i, m := range p.testMaps {
			c.Filter.Tested = append(c.Filter.Tested, get(m, p.testTypes[i].Mode))
		}
	}
	return c
}

// filteredMultiCostMap serves a filtered cost map request with RFC 8189
// members (RFC 8189, Section 4.1). Ordinal costs rank each cost type over
// the selected pairs, as RFC 7285 requests are ranked.
func (q *query) filteredMultiCostMap(req *alto.CostMapFilter) ([]byte, error) {
	plan, err := q.planCosts(req.CostType, req.MultiCostTypes, req.TestableCostTypes, req.Constraints, req.OrConstraints)
	if err != nil {
		return nil, err
	}
	var srcNames, dstNames []string
	if req.PIDs != nil {
		srcNames, dstNames = req.PIDs.Srcs, req.PIDs.Dsts
	}
	srcs, err := q.pidIndices("pids/srcs", srcNames)
	if err != nil {
		return nil, err
	}
	dsts, err := q.pidIndices("pids/dsts", dstNames)
	if err != nil {
		return nil, err
	}
	costs := plan.costs(func(m *costmap.Map, mode string) costmap.Grid {
		sel := m.Select(srcs, dsts, mode)
		return sel.Dense()
	})
	return costmap.EncodeCosts(nil, q.snap.NetworkMap, srcs, dsts, costs), nil
}

// endpointGrid returns the costs between the PIDs of the endpoints, by
// network map index (-1 for none), in a cost type's mode; ordinal costs
// are ranked over the returned entries, as for single-cost requests.
func endpointGrid(srcPIDs, dstPIDs []int) func(*costmap.Map, string) costmap.Grid {
	return func(m *costmap.Map, mode string) costmap.Grid {
		values := make([]float64, len(srcPIDs)*len(dstPIDs))
		for i, s := range srcPIDs {
			for j, d := range dstPIDs {
				values[i*len(dstPIDs)+j] = pairCost(m, s, d)
			}
		}
		if mode == alto.CostModeOrdinal {
			costmap.Rank(values)
		}
		return costmap.Dense{Cols: len(dstPIDs), Values: values}
	}
}

// endpointMultiCost serves an endpoint cost request with RFC 8189
// members (RFC 8189, Section 4.2).
func (q *query) endpointMultiCost(req *alto.EndpointCostParams) ([]byte, error) {
	plan, err := q.planCosts(req.CostType, req.MultiCostTypes, req.TestableCostTypes, req.Constraints, req.OrConstraints)
	if err != nil {
		return nil, err
	}
	srcs, dsts, err := q.endpointLists(req.Endpoints)
	if err != nil {
		return nil, err
	}
	srcPIDs, dstPIDs := q.lookupAll(srcs), q.lookupAll(dsts)
	costs := plan.costs(endpointGrid(srcPIDs, dstPIDs))
	return encodeEndpointMultiCosts(srcs, dsts, costs), nil
}
