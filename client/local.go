package client

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"slices"
	"sync"

	"github.com/goalto/goalto/alto"
)

// ErrVersionMismatch is wrapped by the error of LocalCostMap and
// Refresh when the cost map depends on another version of the network
// map than the one the server sent.
var ErrVersionMismatch = errors.New("cost map and network map versions differ")

// LocalMap computes endpoint costs from a network map and a full cost
// map held in memory, as the server's endpoint cost service (RFC 7285,
// Section 11.5.1) would, without sending a request. It is safe for
// concurrent use, and Refresh replaces its maps atomically.
type LocalMap struct {
	client   *Client
	costType alto.CostType
	costRes  Resource            // cost map, or filtered cost map service
	costReq  *alto.CostMapFilter // request for costRes, nil for GET
	netRes   Resource            // network map that costRes uses

	mu    sync.RWMutex
	state *localState
}

// localState is one consistent version of the maps of a LocalMap.
type localState struct {
	network *localNetwork
	costs   *localCosts
	costSum [sha256.Size]byte // SHA-256 of the cost map response body
}

// LocalCostMap fetches the full cost map for the cost type, from the
// source that FullCostMapRequest selects, and the network map that it
// uses, and returns them as a LocalMap. A network map that the client
// decoded before is reused when the server responds to the revalidation
// with 304 Not Modified, or sends the same vtag. The cost map's
// "dependent-vtags" must name the network map's vtag (RFC 7285,
// Section 11.2.3.6). When it does not, the network map is fetched again
// once, in case the server changed its maps between the two requests,
// and then the error wraps ErrVersionMismatch.
//
// The client keeps each decoded network map, by URI, for as long as the
// client lives.
func (c *Client) LocalCostMap(ctx context.Context, ct alto.CostType) (*LocalMap, error) {
	r, params, err := c.FullCostMapRequest(ctx, ct)
	if err != nil {
		return nil, err
	}
	netRes, err := c.networkMapOf(ctx, r)
	if err != nil {
		return nil, err
	}
	m := &LocalMap{client: c, costType: ct, costRes: r, costReq: params, netRes: netRes}
	if m.state, err = m.load(ctx, nil); err != nil {
		return nil, err
	}
	return m, nil
}

// networkMapOf returns the network map that a cost resource lists in its
// "uses", or the default network map when it lists none.
func (c *Client) networkMapOf(ctx context.Context, r Resource) (Resource, error) {
	for _, id := range r.Uses {
		if nm, err := c.ResourceOfType(ctx, id, alto.MediaTypeNetworkMap, ""); err == nil {
			return nm, nil
		}
	}
	return c.NetworkMapResource(ctx)
}

// Refresh revalidates both maps by ETag, or fetches them again when the
// server sent no ETag, and checks the versions as LocalCostMap does. It
// reports whether either map changed. On error the LocalMap keeps its
// previous maps.
func (m *LocalMap) Refresh(ctx context.Context) (bool, error) {
	prev := m.current()
	st, err := m.load(ctx, prev)
	if err != nil {
		return false, err
	}
	m.mu.Lock()
	m.state = st
	m.mu.Unlock()
	return st.network != prev.network || st.costs != prev.costs, nil
}

// CostType returns the cost type of the costs that m computes.
func (m *LocalMap) CostType() alto.CostType { return m.costType }

// VersionTag returns the vtag of the network map in use, or the zero
// value when the server sent none.
func (m *LocalMap) VersionTag() alto.VersionTag {
	if vt := m.current().network.vtag; vt != nil {
		return *vt
	}
	return alto.VersionTag{}
}

// PID returns the PID whose prefix is the longest match for addr (RFC
// 7285, Section 11.2.2), and false when no prefix contains it.
func (m *LocalMap) PID(addr netip.Addr) (string, bool) {
	n := m.current().network
	i, ok := n.lookup(addr)
	if !ok {
		return "", false
	}
	return n.pids[i], true
}

// EndpointCost returns the costs between typed endpoint addresses, such
// as "ipv4:192.0.2.1", keyed by source and then destination as the
// request spells them, as the endpoint cost service returns them (RFC
// 7285, Section 11.5.1.6). Each address maps to the PID of its longest
// matching prefix, and its cost is the cost between the PIDs. Pairs
// without a cost are left out, and so are sources left with none. Both
// lists must be non-empty: the server would substitute the client's own
// address for an empty list (Section 11.5.1.3), which a local map
// cannot know. Repeated addresses count once.
//
// For an ordinal cost type, the costs are dense ranks from 1 of the
// returned costs, because ordinal costs are relative to the entries of
// one response (Section 6.2).
func (m *LocalMap) EndpointCost(srcs, dsts []string) (map[string]map[string]float64, error) {
	src, err := parseEndpoints("srcs", srcs)
	if err != nil {
		return nil, err
	}
	dst, err := parseEndpoints("dsts", dsts)
	if err != nil {
		return nil, err
	}
	st := m.current()
	values := st.pairCosts(src, dst)
	if m.costType.Mode == alto.CostModeOrdinal {
		rankDense(values)
	}
	return costTable(src, dst, values), nil
}

// EndpointCostAddrs is EndpointCost for addresses, which it types as
// ipv4 or ipv6 by netip.Addr.Is4. An IPv4-mapped IPv6 address is an ipv6
// address. The keys of the result are the typed addresses.
func (m *LocalMap) EndpointCostAddrs(srcs, dsts []netip.Addr) (map[string]map[string]float64, error) {
	s, err := typedAddrs("srcs", srcs)
	if err != nil {
		return nil, err
	}
	d, err := typedAddrs("dsts", dsts)
	if err != nil {
		return nil, err
	}
	return m.EndpointCost(s, d)
}

func (m *LocalMap) current() *localState {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.state
}

// endpoint is a typed address of a query, as spelled and as parsed.
type endpoint struct {
	text string
	addr netip.Addr
}

// parseEndpoints checks the typed addresses of one side of a query and
// removes repeats, keeping the first of each.
func parseEndpoints(side string, list []string) ([]endpoint, error) {
	if len(list) == 0 {
		return nil, fmt.Errorf("endpoints/%s: empty list, but a local map cannot substitute the client's own address, so list the endpoints", side)
	}
	out := make([]endpoint, 0, len(list))
	for _, s := range list {
		ta, ok := alto.ParseTypedAddr(s)
		if !ok {
			return nil, fmt.Errorf("endpoints/%s: invalid typed endpoint address %q, want ipv4:ADDRESS or ipv6:ADDRESS", side, s)
		}
		if !slices.ContainsFunc(out, func(e endpoint) bool { return e.text == s }) {
			out = append(out, endpoint{text: s, addr: ta.Addr})
		}
	}
	return out, nil
}

func typedAddrs(side string, addrs []netip.Addr) ([]string, error) {
	out := make([]string, len(addrs))
	for i, a := range addrs {
		if !a.IsValid() || a.Zone() != "" {
			return nil, fmt.Errorf("endpoints/%s: invalid address %q: want an IPv4 or IPv6 address without zone", side, a)
		}
		out[i] = typedAddr(a)
	}
	return out, nil
}

// pairCosts returns the costs from each source to each destination,
// row by row, with NaN for a pair without a cost.
func (st *localState) pairCosts(srcs, dsts []endpoint) []float64 {
	dstPIDs := make([]int32, len(dsts))
	for j, d := range dsts {
		dstPIDs[j] = st.network.lookupIndex(d.addr)
	}
	values := make([]float64, len(srcs)*len(dsts))
	for i, s := range srcs {
		sp := st.network.lookupIndex(s.addr)
		for j, dp := range dstPIDs {
			values[i*len(dsts)+j] = st.costs.cost(sp, dp)
		}
	}
	return values
}

// costTable builds the endpoint cost map of a query from its values,
// leaving out undefined costs and sources without any.
func costTable(srcs, dsts []endpoint, values []float64) map[string]map[string]float64 {
	out := make(map[string]map[string]float64, len(srcs))
	for i, s := range srcs {
		var row map[string]float64
		for j, d := range dsts {
			v := values[i*len(dsts)+j]
			if math.IsNaN(v) {
				continue
			}
			if row == nil {
				row = make(map[string]float64, len(dsts))
			}
			row[d.text] = v
		}
		if row != nil {
			out[s.text] = row
		}
	}
	return out
}

// rankDense replaces each value that is not NaN by its dense rank among
// them, 1 for the lowest, so that equal values share a rank.
func rankDense(values []float64) {
	sorted := make([]float64, 0, len(values))
	for _, v := range values {
		if !math.IsNaN(v) {
			sorted = append(sorted, v)
		}
	}
	slices.Sort(sorted)
	sorted = slices.Compact(sorted)
	for i, v := range values {
		if !math.IsNaN(v) {
			r, _ := slices.BinarySearch(sorted, v)
			values[i] = float64(r + 1)
		}
	}
}
