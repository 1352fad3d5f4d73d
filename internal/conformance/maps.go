package conformance

import (
	"context"
	"errors"
	"fmt"

	"github.com/goalto/goalto/alto"
)

// networkMapResult is a GET of a network map: the exchange and the
// parsed map, or the error that makes it unusable.
type networkMapResult struct {
	x   *exchange
	m   *networkMap
	err error
}

// costMapResult is a GET of a cost map.
type costMapResult struct {
	x   *exchange
	m   *costMap
	err error
}

// networkMap returns the full network map of a resource, fetched once
// per run until Trigger runs.
func (s *session) networkMap(ctx context.Context, r *resource) (*networkMap, *exchange, error) {
	if res, ok := s.networkMaps[r.ID]; ok {
		return res.m, res.x, res.err
	}
	res := &networkMapResult{x: s.do(ctx, get(r.URI, alto.MediaTypeNetworkMap))}
	res.err = res.x.wantSuccess(alto.MediaTypeNetworkMap)
	if res.err == nil {
		if res.m, res.err = parseNetworkMap(res.x.body); res.err != nil {
			res.err = res.x.failuref("a network map (RFC 7285, Section 11.2.1.6)", "%v", res.err)
		}
	}
	s.networkMaps[r.ID] = res
	return res.m, res.x, res.err
}

// costMap returns the full cost map of a GET resource, fetched once per
// run until Trigger runs.
func (s *session) costMap(ctx context.Context, r *resource) (*costMap, *exchange, error) {
	if res, ok := s.costMaps[r.ID]; ok {
		return res.m, res.x, res.err
	}
	res := &costMapResult{x: s.do(ctx, get(r.URI, alto.MediaTypeCostMap))}
	res.err = res.x.wantSuccess(alto.MediaTypeCostMap)
	if res.err == nil {
		if res.m, res.err = parseCostMap(res.x.body, "cost-map"); res.err != nil {
			res.err = res.x.failuref("a cost map (RFC 7285, Section 11.2.3.6)", "%v", res.err)
		}
	}
	s.costMaps[r.ID] = res
	return res.m, res.x, res.err
}

// networkMapFor returns the network map that a resource uses, fetched,
// or a skip error when the directory lists none.
func (s *session) networkMapFor(ctx context.Context, r *resource) (*resource, *networkMap, error) {
	nm := s.dir.networkMapOf(r)
	if nm == nil {
		return nil, nil, skipf("resource %q uses no network map that the IRD lists", r.ID)
	}
	m, _, err := s.networkMap(ctx, nm)
	if err != nil {
		return nil, nil, fmt.Errorf("network map %q: %w", nm.ID, err)
	}
	return nm, m, nil
}

// fullCostMap returns the full cost map of a cost type over a network
// map: the GET cost map that offers it, or else the response of a filtered
// cost map service asked without a PID filter, which is the full map
// (RFC 7285, Section 11.3.2.3). It returns a skip error when the
// directory offers neither.
func (s *session) fullCostMap(ctx context.Context, ct alto.CostType, nmID string) (*costMap, string, error) {
	for _, r := range s.dir.ofKind(kindCostMap) {
		if nm := s.dir.networkMapOf(r); nm != nil && nm.ID == nmID && r.offers(ct) {
			m, _, err := s.costMap(ctx, r)
			if err != nil {
				return nil, "", fmt.Errorf("cost map %q: %w", r.ID, err)
			}
			return m, "cost map " + r.ID, nil
		}
	}
	for _, r := range s.dir.ofKind(kindFilteredCostMap) {
		if nm := s.dir.networkMapOf(r); nm != nil && nm.ID == nmID && r.offers(ct) {
			x := s.do(ctx, post(r.URI, alto.MediaTypeCostMapFilter, alto.MediaTypeCostMap, marshal(map[string]any{"cost-type": costTypeJSON(ct)})))
			if err := x.wantSuccess(alto.MediaTypeCostMap); err != nil {
				return nil, "", err
			}
			m, err := parseCostMap(x.body, "cost-map")
			if err != nil {
				return nil, "", x.failuref("a cost map", "%v", err)
			}
			return m, "filtered cost map " + r.ID + " without pids", nil
		}
	}
	return nil, "", skipf("no cost map or filtered cost map offers %s over network map %q", costTypeText(ct), nmID)
}

// forgetMaps drops the fetched maps, after the server changed.
func (s *session) forgetMaps() {
	s.networkMaps = map[string]*networkMapResult{}
	s.costMaps = map[string]*costMapResult{}
}

// eachResource runs fn on every resource of a kind. It returns the
// first failure; else nil when fn passed on at least one resource, and
// the first skip error when it skipped them all. A directory without
// resources of the kind gives a skip error.
func (s *session) eachResource(k kind, what string, fn func(r *resource) error) error {
	rs := s.dir.ofKind(k)
	if len(rs) == 0 {
		return skipf("the IRD lists no %s", what)
	}
	return eachOf(rs, fn)
}

// eachOf is eachResource over a list of items.
func eachOf[T any](items []T, fn func(T) error) error {
	if len(items) == 0 {
		return skipf("nothing to check")
	}
	var firstSkip error
	passed := false
	for _, item := range items {
		err := fn(item)
		var skip skipError
		switch {
		case err == nil:
			passed = true
		case errors.As(err, &skip):
			if firstSkip == nil {
				firstSkip = err
			}
		default:
			return err
		}
	}
	if passed {
		return nil
	}
	return firstSkip
}
