package client

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/goalto/goalto/alto"
)

// MultiCostMap is the response to a multi-cost request, RFC 8189,
// Sections 4.1.3 and 4.2.3: for each source and destination, one cost
// per requested cost type, in the order of MultiCostTypes. A nil entry
// is a cost the server does not define.
type MultiCostMap struct {
	DependentVTags []alto.VersionTag
	MultiCostTypes []alto.CostType
	Costs          map[string]map[string][]*float64
}

type multiCostWire struct {
	Meta struct {
		DependentVTags []alto.VersionTag `json:"dependent-vtags"`
		MultiCostTypes []alto.CostType   `json:"multi-cost-types"`
	} `json:"meta"`
	CostMap         map[string]map[string][]*float64 `json:"cost-map"`
	EndpointCostMap map[string]map[string][]*float64 `json:"endpoint-cost-map"`
}

// FilteredMultiCostMap sends a multi-cost filtered cost map request
// (RFC 8189, Section 4.1) to the resource with the given ID or, for an
// empty ID, to the first filtered cost map whose max-cost-types allows
// req.MultiCostTypes.
func (c *Client) FilteredMultiCostMap(ctx context.Context, resourceID string, req *alto.CostMapFilter) (*MultiCostMap, error) {
	r, err := c.multiCostResource(ctx, resourceID, alto.MediaTypeCostMapFilter, len(req.MultiCostTypes))
	if err != nil {
		return nil, err
	}
	return c.postMultiCost(ctx, r, normalizeCostMapFilter(req), len(req.MultiCostTypes))
}

// EndpointMultiCost sends a multi-cost endpoint cost request (RFC 8189,
// Section 4.2) to the resource with the given ID or, for an empty ID, to
// the first endpoint cost service whose max-cost-types allows
// req.MultiCostTypes.
func (c *Client) EndpointMultiCost(ctx context.Context, resourceID string, req *alto.EndpointCostParams) (*MultiCostMap, error) {
	r, err := c.multiCostResource(ctx, resourceID, alto.MediaTypeEndpointCostParams, len(req.MultiCostTypes))
	if err != nil {
		return nil, err
	}
	return c.postMultiCost(ctx, r, req, len(req.MultiCostTypes))
}

// multiCostResource finds a resource that accepts the request media type
// and at least n cost types per request.
func (c *Client) multiCostResource(ctx context.Context, resourceID, accepts string, n int) (Resource, error) {
	rs, err := c.Resources(ctx)
	if err != nil {
		return Resource{}, err
	}
	for _, r := range rs {
		if r.Accepts != accepts || (resourceID != "" && r.ID != resourceID) {
			continue
		}
		if r.Capabilities != nil && r.Capabilities.MaxCostTypes >= n {
			return r, nil
		}
		if resourceID != "" {
			return Resource{}, fmt.Errorf("resource %q accepts at most %d cost types per request, not %d (RFC 8189 max-cost-types)", resourceID, maxCostTypes(r), n)
		}
	}
	return Resource{}, fmt.Errorf("no resource accepting %s with %d cost types per request: %w", accepts, n, ErrNotFound)
}

func maxCostTypes(r Resource) int {
	if r.Capabilities == nil {
		return 0
	}
	return r.Capabilities.MaxCostTypes
}

// postMultiCost posts a multi-cost request and checks that every cost
// array has one entry per requested cost type.
func (c *Client) postMultiCost(ctx context.Context, r Resource, req any, n int) (*MultiCostMap, error) {
	resp, err := c.Post(ctx, r, req)
	if err != nil {
		return nil, err
	}
	var w multiCostWire
	if err := json.Unmarshal(resp.Body, &w); err != nil {
		return nil, fmt.Errorf("%s: decoding the multi-cost response: %w", r.ID, err)
	}
	costs := w.CostMap
	if costs == nil {
		costs = w.EndpointCostMap
	}
	for src, row := range costs {
		for dst, values := range row {
			if len(values) != n {
				return nil, fmt.Errorf("%s: %s to %s has %d costs, requested %d cost types (RFC 8189, Section 4.1.3)", r.ID, src, dst, len(values), n)
			}
		}
	}
	return &MultiCostMap{DependentVTags: w.Meta.DependentVTags, MultiCostTypes: w.Meta.MultiCostTypes, Costs: costs}, nil
}
