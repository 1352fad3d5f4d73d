package client

import (
	"context"
	"errors"
	"fmt"

	"github.com/goalto/goalto/alto"
)

// NetworkMap fetches a full network map (RFC 7285, Section 11.2.1). An
// empty resourceID selects the default network map.
func (c *Client) NetworkMap(ctx context.Context, resourceID string) (*alto.NetworkMap, error) {
	r, err := c.resourceOrDefault(ctx, resourceID, alto.MediaTypeNetworkMap)
	if err != nil {
		return nil, err
	}
	var m alto.NetworkMap
	if err := c.getInto(ctx, r, &m); err != nil {
		return nil, err
	}
	return &m, nil
}

// CostMap fetches the full cost map with the given resource ID (RFC
// 7285, Section 11.2.3).
func (c *Client) CostMap(ctx context.Context, resourceID string) (*alto.CostMap, error) {
	r, err := c.resourceOrDefault(ctx, resourceID, alto.MediaTypeCostMap)
	if err != nil {
		return nil, err
	}
	var m alto.CostMap
	if err := c.getInto(ctx, r, &m); err != nil {
		return nil, err
	}
	return &m, nil
}

// CostMapByType fetches the full cost map for a cost type from the
// source that FullCostMapRequest selects, and checks that the response
// has the requested cost type.
func (c *Client) CostMapByType(ctx context.Context, ct alto.CostType) (*alto.CostMap, error) {
	r, params, err := c.FullCostMapRequest(ctx, ct)
	if err != nil {
		return nil, err
	}
	resp, err := c.Fetch(ctx, r, params)
	if err != nil {
		return nil, err
	}
	var m alto.CostMap
	if err := resp.Decode(&m); err != nil {
		return nil, err
	}
	if err := checkCostType(m.Meta.CostType, ct); err != nil {
		return nil, fmt.Errorf("cost map %q: %w", r.ID, err)
	}
	return &m, nil
}

// FullCostMapRequest selects where to fetch the full cost map for a cost
// type. It prefers a cost map resource that offers the cost type, read
// with GET, and then params is nil. When there is none, it returns a
// filtered cost map service that offers the cost type and params
// without PID filter, which selects the full cost map (RFC 7285,
// Section 9.2.5.1). Pass both to Fetch.
func (c *Client) FullCostMapRequest(ctx context.Context, ct alto.CostType) (Resource, *alto.CostMapFilter, error) {
	r, err := c.CostMapResource(ctx, ct)
	if !errors.Is(err, ErrNotFound) {
		return r, nil, err
	}
	filtered, ferr := c.FilteredCostMapResource(ctx, ct, false)
	if ferr != nil && !errors.Is(ferr, ErrNotFound) {
		return Resource{}, nil, ferr
	}
	if ferr != nil || !filtered.Offers(ct) {
		return Resource{}, nil, err
	}
	return filtered, &alto.CostMapFilter{CostType: ct}, nil
}

// FilteredNetworkMap sends a filtered network map request (RFC 7285,
// Section 11.3.1) to the service that FilteredNetworkMapResource
// selects.
func (c *Client) FilteredNetworkMap(ctx context.Context, req *alto.NetworkMapFilter) (*alto.NetworkMap, error) {
	r, err := c.FilteredNetworkMapResource(ctx)
	if err != nil {
		return nil, err
	}
	var m alto.NetworkMap
	if err := c.postInto(ctx, r, normalizeNetworkMapFilter(req), &m); err != nil {
		return nil, err
	}
	return &m, nil
}

// FilteredCostMap sends a filtered cost map request (RFC 7285,
// Section 11.3.2) to the service that FilteredCostMapResource selects,
// and checks that the response has the requested cost type.
//
// A request with testable-cost-types, or-constraints or indexed
// constraints (RFC 8189, Section 5.4) goes to the first service that
// offers the cost type and allows those tests.
func (c *Client) FilteredCostMap(ctx context.Context, req *alto.CostMapFilter) (*alto.CostMap, error) {
	r, err := c.FilteredCostMapResource(ctx, req.CostType, len(req.Constraints) > 0)
	if alto.UsesExtensions(nil, req.TestableCostTypes, req.Constraints, req.OrConstraints) {
		r, err = c.costExtensionResource(ctx, "", filterQuery(req))
	}
	if err != nil {
		return nil, err
	}
	return c.postCostMap(ctx, r, normalizeCostMapFilter(req))
}

func (c *Client) postCostMap(ctx context.Context, r Resource, req *alto.CostMapFilter) (*alto.CostMap, error) {
	var m alto.CostMap
	if err := c.postInto(ctx, r, req, &m); err != nil {
		return nil, err
	}
	if err := checkCostType(m.Meta.CostType, req.CostType); err != nil {
		return nil, fmt.Errorf("filtered cost map %q: %w", r.ID, err)
	}
	return &m, nil
}

// EndpointProperties sends an endpoint property request (RFC 7285,
// Section 11.4.1) to the service that EndpointPropResource selects.
func (c *Client) EndpointProperties(ctx context.Context, req *alto.EndpointPropParams) (*alto.EndpointPropertyMap, error) {
	r, err := c.EndpointPropResource(ctx, req.Properties)
	if err != nil {
		return nil, err
	}
	var m alto.EndpointPropertyMap
	if err := c.postInto(ctx, r, req, &m); err != nil {
		return nil, err
	}
	return &m, nil
}

// EndpointCost sends an endpoint cost request (RFC 7285, Section 11.5.1)
// to the service that EndpointCostResource selects, and checks that the
// response has the requested cost type.
//
// A request with RFC 8189 members goes to a service chosen as
// FilteredCostMap chooses.
func (c *Client) EndpointCost(ctx context.Context, req *alto.EndpointCostParams) (*alto.EndpointCostMap, error) {
	r, err := c.EndpointCostResource(ctx, req.CostType, len(req.Constraints) > 0)
	if alto.UsesExtensions(nil, req.TestableCostTypes, req.Constraints, req.OrConstraints) {
		r, err = c.costExtensionResource(ctx, "", endpointQuery(req))
	}
	if err != nil {
		return nil, err
	}
	var m alto.EndpointCostMap
	if err := c.postInto(ctx, r, req, &m); err != nil {
		return nil, err
	}
	if err := checkCostType(m.Meta.CostType, req.CostType); err != nil {
		return nil, fmt.Errorf("endpoint cost service %q: %w", r.ID, err)
	}
	return &m, nil
}

// normalizeNetworkMapFilter returns req with an empty "pids" list in
// place of a nil one, which would be sent as JSON null.
func normalizeNetworkMapFilter(req *alto.NetworkMapFilter) *alto.NetworkMapFilter {
	if req.PIDs != nil {
		return req
	}
	out := *req
	out.PIDs = []string{}
	return &out
}

// normalizeCostMapFilter returns req with empty "srcs" and "dsts" lists
// in place of nil ones, which would be sent as JSON null.
func normalizeCostMapFilter(req *alto.CostMapFilter) *alto.CostMapFilter {
	if req.PIDs == nil || req.PIDs.Srcs != nil && req.PIDs.Dsts != nil {
		return req
	}
	out := *req
	pids := *req.PIDs
	if pids.Srcs == nil {
		pids.Srcs = []string{}
	}
	if pids.Dsts == nil {
		pids.Dsts = []string{}
	}
	out.PIDs = &pids
	return &out
}

// resourceOrDefault returns the resource with the given ID, checked to
// be read with GET and of the media type. An empty ID selects the
// default network map, and is an error for other media types.
func (c *Client) resourceOrDefault(ctx context.Context, id, mediaType string) (Resource, error) {
	if id == "" && mediaType == alto.MediaTypeNetworkMap {
		return c.NetworkMapResource(ctx)
	}
	if id == "" {
		return Resource{}, fmt.Errorf("missing resource ID of the %s resource", mediaType)
	}
	return c.ResourceOfType(ctx, id, mediaType, "")
}

func (c *Client) getInto(ctx context.Context, r Resource, v any) error {
	resp, err := c.Get(ctx, r)
	if err != nil {
		return err
	}
	return resp.Decode(v)
}

func (c *Client) postInto(ctx context.Context, r Resource, params, v any) error {
	resp, err := c.Post(ctx, r, params)
	if err != nil {
		return err
	}
	return resp.Decode(v)
}

// checkCostType compares the "cost-type" of a response's meta with the
// requested one. A response without it is accepted.
func checkCostType(got *alto.CostType, want alto.CostType) error {
	if got != nil && !got.Equal(want) {
		return fmt.Errorf("response has cost type %s, requested %s", costTypeText(*got), costTypeText(want))
	}
	return nil
}
