package client

import (
	"context"
	"crypto/sha256"
	"fmt"
	"math"
	"net/netip"
	"slices"

	"github.com/gaissmai/bart"

	"github.com/goalto/goalto/alto"
)

// localNetwork is a decoded network map with a longest-prefix-match
// index. It is immutable once built.
type localNetwork struct {
	etag string            // ETag of the response, or "" for none
	sum  [sha256.Size]byte // SHA-256 of the response body
	vtag *alto.VersionTag  // nil when the server sent none
	pids []string          // PID names by index
	lpm  *bart.Table[int32]
}

// lookup returns the index of the PID of addr.
func (n *localNetwork) lookup(addr netip.Addr) (int32, bool) {
	return n.lpm.Lookup(addr)
}

// lookupIndex returns the index of the PID of addr, -1 for none.
func (n *localNetwork) lookupIndex(addr netip.Addr) int32 {
	if i, ok := n.lpm.Lookup(addr); ok {
		return i
	}
	return -1
}

// localCosts holds the costs between the PIDs of one network map that
// appear in a cost map: a dense matrix when most pairs have a cost, and
// otherwise a sorted row per source.
type localCosts struct {
	slot  []int32   // compact index of each network map PID, or -1 for none
	k     int       // number of compact indices
	dense []float64 // k*k costs with NaN for none, or nil when sparse
	rows  []sparseRow
}

// sparseRow is the costs of one source, by compact destination index.
type sparseRow struct {
	dsts   []int32 // sorted
	values []float64
}

// cost returns the cost between two network map PIDs, NaN for none.
func (c *localCosts) cost(src, dst int32) float64 {
	if src < 0 || dst < 0 {
		return math.NaN()
	}
	a, b := c.slot[src], c.slot[dst]
	if a < 0 || b < 0 {
		return math.NaN()
	}
	if c.dense != nil {
		return c.dense[int(a)*c.k+int(b)]
	}
	row := c.rows[a]
	i, ok := slices.BinarySearch(row.dsts, b)
	if !ok {
		return math.NaN()
	}
	return row.values[i]
}

// load fetches the maps of m. It returns prev when neither map changed.
func (m *LocalMap) load(ctx context.Context, prev *localState) (*localState, error) {
	network, err := m.client.localNetwork(ctx, m.netRes)
	if err != nil {
		return nil, err
	}
	resp, err := m.client.Fetch(ctx, m.costRes, m.costReq)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(resp.Body)
	if prev != nil && prev.network == network && prev.costSum == sum {
		return prev, nil
	}
	var cm alto.CostMap
	if err := resp.Decode(&cm); err != nil {
		return nil, err
	}
	if err := checkCostType(cm.Meta.CostType, m.costType); err != nil {
		return nil, fmt.Errorf("cost map %q: %w", m.costRes.ID, err)
	}
	if checkDependentVTags(network, cm.Meta.DependentVTags) != nil {
		// The server may have published new maps between the requests.
		if network, err = m.client.localNetwork(ctx, m.netRes); err != nil {
			return nil, err
		}
		if err := checkDependentVTags(network, cm.Meta.DependentVTags); err != nil {
			return nil, fmt.Errorf("cost map %q and network map %q: %w", m.costRes.ID, m.netRes.ID, err)
		}
	}
	return &localState{network: network, costs: buildCosts(network, cm.CostMap), costSum: sum}, nil
}

// checkDependentVTags checks that a cost map's dependent-vtags name the
// vtag of the network map. It passes when either is missing, a deviation
// that the tolerant transport has reported.
func checkDependentVTags(n *localNetwork, deps []alto.VersionTag) error {
	if n.vtag == nil || len(deps) == 0 {
		return nil
	}
	for _, d := range deps {
		if d.ResourceID != n.vtag.ResourceID {
			continue
		}
		if d.Tag != n.vtag.Tag {
			return fmt.Errorf("%w: the cost map depends on tag %q of %q, the network map has tag %q", ErrVersionMismatch, d.Tag, d.ResourceID, n.vtag.Tag)
		}
		return nil
	}
	return fmt.Errorf("%w: the cost map depends on %v, not on network map %q", ErrVersionMismatch, deps, n.vtag.ResourceID)
}

// localNetwork fetches a network map, revalidating by ETag, and returns
// the decoded map that the client holds for its URI when the server
// responds with 304 Not Modified, or sends the same body or the same
// vtag.
func (c *Client) localNetwork(ctx context.Context, r Resource) (*localNetwork, error) {
	resp, err := c.Get(ctx, r)
	if err != nil {
		return nil, err
	}

	sum := sha256.Sum256(resp.Body)
	c.ext.mu.Lock()
	held := c.ext.networks[r.URI]
	c.ext.mu.Unlock()
	if held != nil && (resp.Cached && resp.ETag == held.etag || sum == held.sum) {
		return held, nil
	}

	var head struct {
		Meta alto.ResponseMeta `json:"meta"`
	}
	if err := resp.Decode(&head); err != nil {
		return nil, err
	}
	var n *localNetwork
	if held != nil && head.Meta.VTag != nil && held.vtag != nil && *head.Meta.VTag == *held.vtag {
		same := *held
		n = &same
	} else {
		var nm alto.NetworkMap
		if err := resp.Decode(&nm); err != nil {
			return nil, err
		}
		n = buildNetwork(&nm)
	}
	n.etag, n.sum = resp.ETag, sum

	c.ext.mu.Lock()
	if c.ext.networks == nil {
		c.ext.networks = make(map[string]*localNetwork)
	}
	c.ext.networks[r.URI] = n
	c.ext.mu.Unlock()
	return n, nil
}

// buildNetwork indexes the prefixes of a network map by PID. PIDs are
// numbered in name order. A prefix listed under two PIDs, which a valid
// map does not have, goes to the later PID in that order.
func buildNetwork(nm *alto.NetworkMap) *localNetwork {
	n := &localNetwork{vtag: nm.Meta.VTag, lpm: new(bart.Table[int32])}
	n.pids = sortedKeys(nm.NetworkMap)
	for i, pid := range n.pids {
		for _, prefixes := range nm.NetworkMap[pid] {
			for _, p := range prefixes {
				n.lpm.Insert(p.Masked(), int32(i))
			}
		}
	}
	return n
}

// buildCosts indexes the costs of a cost map by the PIDs of a network
// map. PIDs that the network map lacks are left out.
func buildCosts(n *localNetwork, costMap map[string]map[string]float64) *localCosts {
	index := make(map[string]int32, len(n.pids))
	for i, pid := range n.pids {
		index[pid] = int32(i)
	}
	c := &localCosts{slot: make([]int32, len(n.pids))}
	for i := range c.slot {
		c.slot[i] = -1
	}
	assign := func(pid string) (int32, bool) {
		i, ok := index[pid]
		if !ok {
			return -1, false
		}
		if c.slot[i] < 0 {
			c.slot[i] = int32(c.k)
			c.k++
		}
		return c.slot[i], true
	}
	entries := 0
	for src, row := range costMap {
		if _, ok := assign(src); ok {
			for dst := range row {
				if _, ok := assign(dst); ok {
					entries++
				}
			}
		}
	}
	if c.k*c.k <= max(4*entries, 1<<12) {
		c.fillDense(index, costMap)
	} else {
		c.fillSparse(index, costMap)
	}
	return c
}

func (c *localCosts) fillDense(index map[string]int32, costMap map[string]map[string]float64) {
	c.dense = make([]float64, c.k*c.k)
	for i := range c.dense {
		c.dense[i] = math.NaN()
	}
	for src, row := range costMap {
		s, ok := index[src]
		if !ok {
			continue
		}
		for dst, v := range row {
			if d, ok := index[dst]; ok {
				c.dense[int(c.slot[s])*c.k+int(c.slot[d])] = v
			}
		}
	}
}

func (c *localCosts) fillSparse(index map[string]int32, costMap map[string]map[string]float64) {
	c.rows = make([]sparseRow, c.k)
	for src, row := range costMap {
		s, ok := index[src]
		if !ok {
			continue
		}
		r := &c.rows[c.slot[s]]
		for dst := range row {
			if d, ok := index[dst]; ok {
				r.dsts = append(r.dsts, c.slot[d])
			}
		}
		slices.Sort(r.dsts)
		r.values = make([]float64, len(r.dsts))
		for dst, v := range row {
			if d, ok := index[dst]; ok {
				i, _ := slices.BinarySearch(r.dsts, c.slot[d])
				r.values[i] = v
			}
		}
	}
}
