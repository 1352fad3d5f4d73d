package client

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/goalto/goalto/alto"
)

// costQuery describes the capabilities that a cost request with RFC
// 8189 or RFC 8896 members needs of a resource.
type costQuery struct {
	accepts   string
	types     []alto.CostType // requested cost types, in order
	multi     bool            // types come from multi-cost-types
	testable  []alto.CostType
	tests     bool // the request has constraints or or-constraints
	extended  bool // the request has an RFC 8189 member or predicate form
	calendars bool // the request has calendared true for a cost type
}

// FilteredCostMapResourceFor returns the filtered cost map resource for
// req. A resource named by ID is checked to accept the number of cost
// types of req and its calendars. For an empty ID, it returns the first
// filtered cost map in discovery order whose capabilities allow every
// member of req: its cost types in one request (RFC 8189
// max-cost-types), the cost types that its constraints test, and
// calendars (RFC 8896 calendar-attributes).
func (c *Client) FilteredCostMapResourceFor(ctx context.Context, resourceID string, req *alto.CostMapFilter) (Resource, error) {
	return c.costExtensionResource(ctx, resourceID, filterQuery(req))
}

// EndpointCostResourceFor returns the endpoint cost service for req, as
// FilteredCostMapResourceFor returns a filtered cost map.
func (c *Client) EndpointCostResourceFor(ctx context.Context, resourceID string, req *alto.EndpointCostParams) (Resource, error) {
	return c.costExtensionResource(ctx, resourceID, endpointQuery(req))
}

// costExtensionResource returns the resource with the given ID after
// checking that it can take q, or, for an empty ID, the first resource in
// discovery order that can.
func (c *Client) costExtensionResource(ctx context.Context, resourceID string, q costQuery) (Resource, error) {
	cl, err := c.closure(ctx)
	if err != nil {
		return Resource{}, err
	}
	if resourceID != "" {
		r, err := cl.resource(resourceID)
		if err != nil {
			return Resource{}, err
		}
		if r.Accepts != q.accepts {
			return Resource{}, fmt.Errorf("resource %q accepts %q, not %s", r.ID, r.Accepts, q.accepts)
		}
		if err := q.checkCapacity(r); err != nil {
			return Resource{}, fmt.Errorf("resource %q: %w", r.ID, err)
		}
		return r, nil
	}
	var reasons []string
	for _, r := range cl.list {
		if r.Accepts != q.accepts {
			continue
		}
		err := q.checkCapacity(r)
		if err == nil {
			err = q.checkOffers(r)
		}
		if err == nil {
			return r, nil
		}
		reasons = append(reasons, fmt.Sprintf("resource %q %v", r.ID, err))
	}
	err = cl.notFound(q.describe())
	if len(reasons) > 0 {
		err = fmt.Errorf("%w: %s", err, strings.Join(reasons, "; "))
	}
	return Resource{}, err
}

// checkCapacity returns why r cannot take a request of this form, or
// nil. A resource named by ID is checked only for this, and the server
// decides on the cost types.
func (q costQuery) checkCapacity(r Resource) error {
	caps := capabilities(r)
	if q.multi && caps.MaxCostTypes < len(q.types) {
		return fmt.Errorf("accepts at most %d cost types per request, not %d (RFC 8189 max-cost-types)", caps.MaxCostTypes, len(q.types))
	}
	if q.extended && caps.MaxCostTypes == 0 {
		return fmt.Errorf("does not take RFC 8189 members or indexed constraints because it has no max-cost-types (RFC 8189, Section 4.1.1)")
	}
	if q.calendars && len(caps.CalendarAttributes) == 0 {
		return fmt.Errorf("has no calendar-attributes (RFC 8896, Section 4.1)")
	}
	return nil
}

// checkOffers returns why r does not serve the cost types of the
// request, or nil.
func (q costQuery) checkOffers(r Resource) error {
	caps := capabilities(r)
	for _, ct := range q.types {
		if !r.Offers(ct) {
			return fmt.Errorf("does not offer cost type %s", costTypeText(ct))
		}
	}
	for _, ct := range q.testable {
		if !canTest(r, ct) {
			return fmt.Errorf("does not allow constraints on cost type %s", costTypeText(ct))
		}
	}
	if q.tests && len(q.testable) == 0 && !caps.CostConstraints && len(r.TestableCostTypes) == 0 {
		return fmt.Errorf("does not allow constraints")
	}
	return nil
}

func capabilities(r Resource) *alto.Capabilities {
	if r.Capabilities == nil {
		return &alto.Capabilities{}
	}
	return r.Capabilities
}

// canTest reports whether constraints may test ct on r: the cost type is
// among testable-cost-type-names or, when that list is absent, r offers
// it and sets cost-constraints (RFC 8189, Section 4.1.1).
func canTest(r Resource, ct alto.CostType) bool {
	if r.Capabilities != nil && r.Capabilities.TestableCostTypeNames != nil {
		return slices.ContainsFunc(r.TestableCostTypes, ct.Equal)
	}
	return r.Capabilities != nil && r.Capabilities.CostConstraints && r.Offers(ct)
}

func (q costQuery) describe() string {
	s := fmt.Sprintf("resource accepting %s with %d cost types", q.accepts, len(q.types))
	if len(q.testable) > 0 || q.tests {
		s += " and constraints"
	}
	if q.calendars {
		s += " and calendars"
	}
	return s
}
