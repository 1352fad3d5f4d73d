package client

import (
	"context"
	"fmt"

	"github.com/goalto/goalto/alto"
)

// CDNI fetches a CDNI Advertisement (RFC 9241, Section 3.5). An empty
// resourceID selects the first CDNI Advertisement resource of the
// directory that is read with GET.
func (c *Client) CDNI(ctx context.Context, resourceID string) (*alto.CDNIAdvertisement, error) {
	r, err := c.CDNIResource(ctx, resourceID, "")
	if err != nil {
		return nil, err
	}
	var a alto.CDNIAdvertisement
	if err := c.getInto(ctx, r, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// FilteredCDNI sends a filtered CDNI Advertisement request (RFC 9241,
// Section 5). An empty resourceID selects the first filtered CDNI
// Advertisement resource of the directory. A nil req, or one without
// capabilities, requests every advertisement (Section 5.3).
func (c *Client) FilteredCDNI(ctx context.Context, resourceID string, req *alto.CDNIFilterParams) (*alto.CDNIAdvertisement, error) {
	r, err := c.CDNIResource(ctx, resourceID, alto.MediaTypeCDNIFilter)
	if err != nil {
		return nil, err
	}
	var a alto.CDNIAdvertisement
	if err := c.postInto(ctx, r, normalizeCDNIFilter(req), &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// CDNIResource returns the CDNI Advertisement resource with the given
// ID, or, for an empty ID, the first one in the directory that accepts
// the given request media type: "" for the GET form, or
// alto.MediaTypeCDNIFilter for the filtered form.
func (c *Client) CDNIResource(ctx context.Context, resourceID, accepts string) (Resource, error) {
	if resourceID != "" {
		return c.ResourceOfType(ctx, resourceID, alto.MediaTypeCDNI, accepts)
	}
	rs, err := c.Resources(ctx)
	if err != nil {
		return Resource{}, err
	}
	for _, r := range rs {
		if r.MediaType == alto.MediaTypeCDNI && r.Accepts == accepts {
			return r, nil
		}
	}
	kind := "CDNI Advertisement resource"
	if accepts != "" {
		kind = "filtered CDNI Advertisement resource"
	}
	return Resource{}, fmt.Errorf("no %s in the directory: %w", kind, ErrNotFound)
}

// normalizeCDNIFilter returns req with an empty "cdni-capabilities"
// list in place of a nil one, which would be sent as JSON null, or a
// missing request.
func normalizeCDNIFilter(req *alto.CDNIFilterParams) *alto.CDNIFilterParams {
	if req != nil && req.Capabilities != nil {
		return req
	}
	return &alto.CDNIFilterParams{Capabilities: []alto.CDNICapability{}}
}
