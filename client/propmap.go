package client

import (
	"context"
	"fmt"

	"github.com/goalto/goalto/alto"
)

// PropertyMap fetches a full entity property map (RFC 9240, Section 7).
// An empty resourceID selects the first property map of the directory.
func (c *Client) PropertyMap(ctx context.Context, resourceID string) (*alto.PropertyMap, error) {
	r, err := c.PropertyMapResource(ctx, resourceID, "")
	if err != nil {
		return nil, err
	}
	var m alto.PropertyMap
	if err := c.getInto(ctx, r, &m); err != nil {
		return nil, err
	}
	return &m, nil
}

// FilteredPropertyMap sends a filtered property map request (RFC 9240,
// Section 8). An empty resourceID selects the first filtered property
// map of the directory.
func (c *Client) FilteredPropertyMap(ctx context.Context, resourceID string, req *alto.PropertyMapParams) (*alto.PropertyMap, error) {
	r, err := c.PropertyMapResource(ctx, resourceID, alto.MediaTypePropMapParams)
	if err != nil {
		return nil, err
	}
	var m alto.PropertyMap
	if err := c.postInto(ctx, r, req, &m); err != nil {
		return nil, err
	}
	return &m, nil
}

// PropertyMapResource returns the property map resource with the given
// ID, or, for an empty ID, the first one in the directory that accepts
// the given request media type: "" for the GET form, or
// alto.MediaTypePropMapParams for the filtered form.
func (c *Client) PropertyMapResource(ctx context.Context, resourceID, accepts string) (Resource, error) {
	if resourceID != "" {
		return c.ResourceOfType(ctx, resourceID, alto.MediaTypePropMap, accepts)
	}
	rs, err := c.Resources(ctx)
	if err != nil {
		return Resource{}, err
	}
	for _, r := range rs {
		if r.MediaType == alto.MediaTypePropMap && r.Accepts == accepts {
			return r, nil
		}
	}
	kind := "property map"
	if accepts != "" {
		kind = "filtered property map"
	}
	return Resource{}, fmt.Errorf("no %s in the directory: %w", kind, ErrNotFound)
}
