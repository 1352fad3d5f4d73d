package client

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/goalto/goalto/alto"
)

// MultiCostMap is the response to a multi-cost request, RFC 8189,
// Sections 4.1.3 and 4.2.3: for each source and destination, one cost
// per requested cost type, in the order of MultiCostTypes. A nil entry
// is a cost the server does not define.
type MultiCostMap struct {
	// Response is the HTTP response that the map was decoded from.
	Response       *Response
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
// empty ID, to the first filtered cost map that offers
// req.MultiCostTypes in one request and allows the constraints of req.
func (c *Client) FilteredMultiCostMap(ctx context.Context, resourceID string, req *alto.CostMapFilter) (*MultiCostMap, error) {
	q := filterQuery(req)
	r, err := c.costExtensionResource(ctx, resourceID, q)
	if err != nil {
		return nil, err
	}
	return c.postMultiCost(ctx, r, normalizeCostMapFilter(req), len(req.MultiCostTypes))
}

// EndpointMultiCost sends a multi-cost endpoint cost request (RFC 8189,
// Section 4.2) to the resource with the given ID or, for an empty ID, to
// the first endpoint cost service that offers req.MultiCostTypes in one
// request and allows the constraints of req.
func (c *Client) EndpointMultiCost(ctx context.Context, resourceID string, req *alto.EndpointCostParams) (*MultiCostMap, error) {
	r, err := c.costExtensionResource(ctx, resourceID, endpointQuery(req))
	if err != nil {
		return nil, err
	}
	return c.postMultiCost(ctx, r, req, len(req.MultiCostTypes))
}

// filterQuery describes what a filtered cost map request needs.
func filterQuery(req *alto.CostMapFilter) costQuery {
	q := newCostQuery(alto.MediaTypeCostMapFilter, req.CostType, req.MultiCostTypes, req.TestableCostTypes,
		len(req.Constraints) > 0 || len(req.OrConstraints) > 0, req.Calendared)
	q.extended = alto.UsesExtensions(req.MultiCostTypes, req.TestableCostTypes, req.Constraints, req.OrConstraints)
	return q
}

// endpointQuery describes what an endpoint cost request needs.
func endpointQuery(req *alto.EndpointCostParams) costQuery {
	q := newCostQuery(alto.MediaTypeEndpointCostParams, req.CostType, req.MultiCostTypes, req.TestableCostTypes,
		len(req.Constraints) > 0 || len(req.OrConstraints) > 0, req.Calendared)
	q.extended = alto.UsesExtensions(req.MultiCostTypes, req.TestableCostTypes, req.Constraints, req.OrConstraints)
	return q
}

func newCostQuery(accepts string, ct alto.CostType, multi, testable []alto.CostType, tests bool, calendared []bool) costQuery {
	q := costQuery{accepts: accepts, types: multi, multi: len(multi) > 0, testable: testable, tests: tests}
	if !q.multi {
		q.types = []alto.CostType{ct}
	}
	q.calendars = slices.Contains(calendared, true)
	return q
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
	return &MultiCostMap{Response: resp, DependentVTags: w.Meta.DependentVTags, MultiCostTypes: w.Meta.MultiCostTypes, Costs: costs}, nil
}
