package client

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/goalto/goalto/alto"
)

// ErrNotFound is wrapped by the lookup errors when the merged directory
// lists no resource that fits the request.
var ErrNotFound = errors.New("not found")

// Resource returns the resource with the given ID.
func (c *Client) Resource(ctx context.Context, id string) (Resource, error) {
	cl, err := c.closure(ctx)
	if err != nil {
		return Resource{}, err
	}
	return cl.resource(id)
}

// ResourceOfType returns the resource with the given ID after checking
// that it has the media type and the "accepts" field, which is "" for a
// resource read with GET.
func (c *Client) ResourceOfType(ctx context.Context, id, mediaType, accepts string) (Resource, error) {
	cl, err := c.closure(ctx)
	if err != nil {
		return Resource{}, err
	}
	return cl.resourceOfType(id, mediaType, accepts)
}

// CostType returns the cost type that the merged directory names name
// in its "cost-types" (RFC 7285, Section 9.2.2).
func (c *Client) CostType(ctx context.Context, name string) (alto.CostType, error) {
	cl, err := c.closure(ctx)
	if err != nil {
		return alto.CostType{}, err
	}
	ct, ok := cl.dir.Meta.CostTypes[name]
	if !ok {
		return alto.CostType{}, cl.notFound(fmt.Sprintf("cost type name %q", name))
	}
	return ct, nil
}

// NetworkMapResource returns the default network map, which the root
// IRD names in "default-alto-network-map" (RFC 7285, Section 9.2.2).
// Without that field it returns the first network map read with GET.
func (c *Client) NetworkMapResource(ctx context.Context) (Resource, error) {
	cl, err := c.closure(ctx)
	if err != nil {
		return Resource{}, err
	}
	if id := cl.dir.Meta.DefaultNetworkMap; id != "" {
		return cl.resourceOfType(id, alto.MediaTypeNetworkMap, "")
	}
	r, ok := cl.best(alto.MediaTypeNetworkMap, "", nil)
	if !ok {
		return Resource{}, cl.notFound("network map")
	}
	return r, nil
}

// CostMapResource returns a cost map read with GET that offers the cost
// type, preferring one that uses the default network map.
func (c *Client) CostMapResource(ctx context.Context, ct alto.CostType) (Resource, error) {
	cl, err := c.closure(ctx)
	if err != nil {
		return Resource{}, err
	}
	r, ok := cl.best(alto.MediaTypeCostMap, "", func(r Resource) int {
		if !r.Offers(ct) {
			return -1
		}
		return cl.usesDefaultScore(r)
	})
	if !ok {
		return Resource{}, cl.notFound("cost map for cost type " + costTypeText(ct))
	}
	return r, nil
}

// FilteredNetworkMapResource returns a filtered network map service
// (RFC 7285, Section 11.3.1), preferring one that uses the default
// network map.
func (c *Client) FilteredNetworkMapResource(ctx context.Context) (Resource, error) {
	cl, err := c.closure(ctx)
	if err != nil {
		return Resource{}, err
	}
	r, ok := cl.best(alto.MediaTypeNetworkMap, alto.MediaTypeNetworkMapFilter, cl.usesDefaultScore)
	if !ok {
		return Resource{}, cl.notFound("filtered network map service")
	}
	return r, nil
}

// FilteredCostMapResource returns a filtered cost map service (RFC 7285,
// Section 11.3.2). It prefers, in this order, a service that offers the
// cost type, one that supports constraints when withConstraints is set,
// and one that uses the default network map. A service that does not
// offer the cost type is still returned when no other exists, so that
// the server decides on the request.
func (c *Client) FilteredCostMapResource(ctx context.Context, ct alto.CostType, withConstraints bool) (Resource, error) {
	cl, err := c.closure(ctx)
	if err != nil {
		return Resource{}, err
	}
	r, ok := cl.best(alto.MediaTypeCostMap, alto.MediaTypeCostMapFilter, cl.costServiceScore(ct, withConstraints))
	if !ok {
		return Resource{}, cl.notFound("filtered cost map service")
	}
	return r, nil
}

// EndpointPropResource returns an endpoint property service (RFC 7285,
// Section 11.4.1), preferring the one whose "prop-types" lists the most
// of the requested properties.
func (c *Client) EndpointPropResource(ctx context.Context, properties []string) (Resource, error) {
	cl, err := c.closure(ctx)
	if err != nil {
		return Resource{}, err
	}
	r, ok := cl.best(alto.MediaTypeEndpointProp, alto.MediaTypeEndpointPropParams, func(r Resource) int {
		n := 0
		for _, p := range properties {
			if r.Capabilities != nil && slices.Contains(r.Capabilities.PropTypes, p) {
				n++
			}
		}
		return n
	})
	if !ok {
		return Resource{}, cl.notFound("endpoint property service")
	}
	return r, nil
}

// EndpointCostResource returns an endpoint cost service (RFC 7285,
// Section 11.5.1), chosen as FilteredCostMapResource chooses.
func (c *Client) EndpointCostResource(ctx context.Context, ct alto.CostType, withConstraints bool) (Resource, error) {
	cl, err := c.closure(ctx)
	if err != nil {
		return Resource{}, err
	}
	r, ok := cl.best(alto.MediaTypeEndpointCost, alto.MediaTypeEndpointCostParams, cl.costServiceScore(ct, withConstraints))
	if !ok {
		return Resource{}, cl.notFound("endpoint cost service")
	}
	return r, nil
}

func (cl *closure) resource(id string) (Resource, error) {
	i, ok := cl.index[id]
	if !ok {
		return Resource{}, cl.notFound(fmt.Sprintf("resource %q", id))
	}
	return cl.list[i], nil
}

// resourceOfType returns the resource with the given ID after checking
// its media type and "accepts" field.
func (cl *closure) resourceOfType(id, mediaType, accepts string) (Resource, error) {
	r, err := cl.resource(id)
	if err != nil {
		return Resource{}, err
	}
	if r.MediaType != mediaType || r.Accepts != accepts {
		return Resource{}, fmt.Errorf("resource %q is %s, want %s", id, describeEntry(r.MediaType, r.Accepts), describeEntry(mediaType, accepts))
	}
	return r, nil
}

// best returns the resource with the media type and "accepts" field
// that has the highest score, the first in discovery order on a tie.
// A nil score ranks all resources equal, and a negative score excludes
// the resource.
func (cl *closure) best(mediaType, accepts string, score func(Resource) int) (Resource, bool) {
	var found Resource
	top := -1
	for _, r := range cl.list {
		if r.MediaType != mediaType || r.Accepts != accepts {
			continue
		}
		s := 0
		if score != nil {
			s = score(r)
		}
		if s > top {
			found, top = r, s
		}
	}
	return found, top >= 0
}

func (cl *closure) usesDefaultScore(r Resource) int {
	if cl.dir.Meta.DefaultNetworkMap != "" && r.UsesResource(cl.dir.Meta.DefaultNetworkMap) {
		return 1
	}
	return 0
}

// costServiceScore ranks cost services: offering the cost type counts
// most, then constraint support when requested, then the default
// network map.
func (cl *closure) costServiceScore(ct alto.CostType, withConstraints bool) func(Resource) int {
	return func(r Resource) int {
		s := cl.usesDefaultScore(r)
		if r.Offers(ct) {
			s += 4
		}
		if withConstraints && r.Capabilities != nil && r.Capabilities.CostConstraints {
			s += 2
		}
		return s
	}
}

func (cl *closure) notFound(subject string) error {
	return fmt.Errorf("%s: %w in the IRD at %s", subject, ErrNotFound, cl.irdURL)
}

// costTypeText formats a cost type as its metric and mode, such as
// "routingcost/numerical".
func costTypeText(ct alto.CostType) string {
	return ct.Metric + "/" + ct.Mode
}

func describeEntry(mediaType, accepts string) string {
	if accepts == "" {
		return mediaType + " read with GET"
	}
	return mediaType + " accepting " + accepts
}
