package server

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strconv"

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
	return &alto.Error{
		Code:    alto.ErrInvalidFieldValue,
		Field:   field,
		Value:   strconv.Itoa(n),
		Message: fmt.Sprintf("the list has %d entries; this server accepts at most %d", n, max),
	}
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
	req, err := alto.DecodeNetworkMapFilter(body)
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
	if ct.Mode != alto.CostModeNumerical && ct.Mode != alto.CostModeOrdinal {
		field, value = "cost-type/cost-mode", ct.Mode
	}
	return nil, &alto.Error{
		Code: alto.ErrInvalidFieldValue, Field: field, Value: value,
		Message: fmt.Sprintf("cost type %s/%s is not offered by this resource; its directory entry lists the cost types it offers", ct.Metric, ct.Mode),
	}
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
	req, err := alto.DecodeCostMapFilter(body)
	if err != nil {
		return nil, err
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
	req, err := alto.DecodeEndpointPropParams(body)
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
	req, err := alto.DecodeEndpointCostParams(body)
	if err != nil {
		return nil, err
	}
	m, err := q.costMapFor(req.CostType)
	if err != nil {
		return nil, err
	}
	if err := q.checkConstraints(req.Constraints); err != nil {
		return nil, err
	}
	srcs, dsts := req.Endpoints.Srcs, req.Endpoints.Dsts
	for _, side := range []struct {
		field string
		list  *[]string
	}{{"endpoints/srcs", &srcs}, {"endpoints/dsts", &dsts}} {
		if len(*side.list) > q.h.limits.MaxEndpoints {
			return nil, q.tooMany(side.field, len(*side.list), q.h.limits.MaxEndpoints)
		}
		if len(*side.list) == 0 {
			self, ok := clientAddr(q.r)
			if !ok {
				return nil, alto.NewInvalidValue(side.field, "[]", "the client address is unknown; list the endpoints")
			}
			*side.list = []string{self}
		}
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
