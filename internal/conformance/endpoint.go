package conformance

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"slices"
	"strings"

	"github.com/goalto/goalto/alto"
)

// unknownProperty is a valid private endpoint property (RFC 7285,
// Section 10.8.2) that no server is expected to offer.
const unknownProperty = "priv:conformance-unknown"

// invalidAddresses are typed endpoint addresses that break RFC 7285,
// Sections 10.4.1 and 10.4.3.
var invalidAddresses = []string{"ipv4:192.0.2.256", "ipv6:2001:db8:::1", "ipv4-192.0.2.1"}

var (
	endpointPropertyService = service{
		feature: FeatureEndpointProperty, kind: kindEndpointProperty, prefix: "eps", what: "endpoint property service",
		missing: func(_ *session, _ context.Context, r *resource) (map[string]any, error) {
			if len(r.PropTypes) == 0 {
				return nil, skipf("resource %q lists no prop-types", r.ID)
			}
			return map[string]any{"properties": r.PropTypes[:1]}, nil
		},
		wrongType: func(_ *session, _ context.Context, r *resource) (map[string]any, error) {
			if len(r.PropTypes) == 0 {
				return nil, skipf("resource %q lists no prop-types", r.ID)
			}
			return map[string]any{"properties": r.PropTypes[:1], "endpoints": "ipv4:192.0.2.1"}, nil
		},
	}

	endpointCostService = service{
		feature: FeatureEndpointCost, kind: kindEndpointCost, prefix: "ecs", what: "endpoint cost service",
		missing: func(_ *session, _ context.Context, _ *resource) (map[string]any, error) {
			return map[string]any{"endpoints": map[string]any{"srcs": []string{"ipv4:192.0.2.1"}, "dsts": []string{"ipv4:198.51.100.1"}}}, nil
		},
		wrongType: func(_ *session, _ context.Context, r *resource) (map[string]any, error) {
			if len(r.CostTypes) == 0 {
				return nil, skipf("resource %q lists no cost type that its IRD defines", r.ID)
			}
			return map[string]any{"cost-type": costTypeJSON(r.CostTypes[0]), "endpoints": "ipv4:192.0.2.1"}, nil
		},
	}
)

func endpointPropertyChecks() []Check {
	checks := []Check{
		{
			ID: "eps.response", Section: "RFC 7285, Section 11.4.1.6", Feature: FeatureEndpointProperty,
			Title: "an endpoint property response has 200, its media type, and one object per requested endpoint with string values of requested properties",
			run: func(ctx context.Context, s *session) outcome {
				return outcomeOf(s.eachEndpointProperty(ctx, func(e *endpointPropertyCase) error {
					_, _, err := e.post(ctx, s, e.r.PropTypes)
					return err
				}))
			},
		},
		{
			ID: "eps.pid", Section: "RFC 7285, Section 11.4.1.6", Feature: FeatureEndpointProperty,
			Title: "the pid property of every network map is offered, equals its longest-prefix match, and its vtag is among the dependent vtags",
			run:   checkPIDProperty,
		},
		{
			ID: "eps.unknown-property", Section: "RFC 7285, Section 11.4.1.3", Feature: FeatureEndpointProperty,
			Title: "a property that the resource does not offer gets 400 with E_INVALID_FIELD_VALUE",
			run: func(ctx context.Context, s *session) outcome {
				return outcomeOf(s.eachResource(kindEndpointProperty, "endpoint property service", func(r *resource) error {
					body := map[string]any{"properties": []string{unknownProperty}, "endpoints": []string{"ipv4:192.0.2.1"}}
					x := s.do(ctx, post(r.URI, r.Accepts, r.MediaType, marshal(body)))
					_, err := x.wantError(http.StatusBadRequest, "E_INVALID_FIELD_VALUE")
					return err
				}))
			},
		},
		{
			ID: "eps.invalid-address", Section: "RFC 7285, Section 10.4.1", Feature: FeatureEndpointProperty,
			Title: "a malformed typed endpoint address gets 400 with E_INVALID_FIELD_VALUE or E_SYNTAX",
			run: func(ctx context.Context, s *session) outcome {
				return outcomeOf(s.eachResource(kindEndpointProperty, "endpoint property service", func(r *resource) error {
					if len(r.PropTypes) == 0 {
						return skipf("resource %q lists no prop-types", r.ID)
					}
					return checkInvalidAddresses(ctx, s, r, func(addr string) map[string]any {
						return map[string]any{"properties": r.PropTypes[:1], "endpoints": []string{addr}}
					})
				}))
			},
		},
	}
	checks = append(checks, postChecks(endpointPropertyService)...)
	return append(checks, errorChecks(endpointPropertyService)...)
}

// checkInvalidAddresses sends each of invalidAddresses in a body that
// build makes. RFC 7285 names no code for them, so both
// E_INVALID_FIELD_VALUE and E_SYNTAX (a parsing error of identifiers,
// Section 8.5.2) pass.
func checkInvalidAddresses(ctx context.Context, s *session, r *resource, build func(string) map[string]any) error {
	for _, addr := range invalidAddresses {
		x := s.do(ctx, post(r.URI, r.Accepts, r.MediaType, marshal(build(addr))))
		if _, err := x.wantError(http.StatusBadRequest, "E_INVALID_FIELD_VALUE", "E_SYNTAX"); err != nil {
			return err
		}
	}
	return nil
}

// endpointPropertyCase is an endpoint property service with addresses
// to ask about.
type endpointPropertyCase struct {
	r         *resource
	endpoints []string
}

// eachEndpointProperty runs fn for every endpoint property service,
// with addresses from the default network map.
func (s *session) eachEndpointProperty(ctx context.Context, fn func(e *endpointPropertyCase) error) error {
	return s.eachResource(kindEndpointProperty, "endpoint property service", func(r *resource) error {
		if len(r.PropTypes) == 0 {
			return skipf("resource %q lists no prop-types", r.ID)
		}
		endpoints, err := s.sampleEndpoints(ctx)
		if err != nil {
			return err
		}
		return fn(&endpointPropertyCase{r: r, endpoints: endpoints})
	})
}

// sampleEndpoints returns addresses spread over the PIDs of the default
// network map.
func (s *session) sampleEndpoints(ctx context.Context) ([]string, error) {
	nm := s.dir.defaultNetworkMap()
	if nm == nil {
		return nil, skipf("the IRD lists no network map to take endpoint addresses from")
	}
	m, _, err := s.networkMap(ctx, nm)
	if err != nil {
		return nil, skipf("network map %q cannot be read: %v", nm.ID, err)
	}
	endpoints := m.sampleAddresses(6)
	if len(endpoints) == 0 {
		return nil, skipf("network map %q has no ipv4 or ipv6 prefixes", nm.ID)
	}
	return endpoints, nil
}

// endpointProperties is a parsed InfoResourceEndpointProperties, RFC
// 7285, Section 11.4.1.6.
type endpointProperties struct {
	DependentVTags []versionTag
	Values         map[string]map[string]string
}

// post requests properties of the case's endpoints and checks the
// structure of the response.
func (e *endpointPropertyCase) post(ctx context.Context, s *session, properties []string) (*endpointProperties, *exchange, error) {
	body := map[string]any{"properties": properties, "endpoints": e.endpoints}
	x := s.do(ctx, post(e.r.URI, alto.MediaTypeEndpointPropParams, alto.MediaTypeEndpointProp, marshal(body)))
	if err := x.wantSuccess(alto.MediaTypeEndpointProp); err != nil {
		return nil, x, err
	}
	p, err := parseEndpointProperties(x.body, e.endpoints, properties)
	if err != nil {
		return nil, x, x.failuref("an endpoint property map (RFC 7285, Section 11.4.1.6)", "%v", err)
	}
	return p, x, nil
}

func parseEndpointProperties(body []byte, endpoints, properties []string) (*endpointProperties, error) {
	o, err := decodeObject(body)
	if err != nil {
		return nil, err
	}
	meta, err := member[map[string]any](o, "meta", "meta")
	if err != nil {
		return nil, err
	}
	p := &endpointProperties{Values: map[string]map[string]string{}}
	if v, ok := meta["dependent-vtags"]; ok {
		if p.DependentVTags, err = parseVersionTags(v, "meta/dependent-vtags"); err != nil {
			return nil, err
		}
	}
	data, err := member[map[string]any](o, "endpoint-properties", "endpoint-properties")
	if err != nil {
		return nil, err
	}
	for _, ep := range sortedKeys(data) {
		if !slices.Contains(endpoints, ep) {
			return nil, fmt.Errorf("endpoint %q was not requested", ep)
		}
		props, ok := data[ep].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%q is a JSON %s, not an object", "endpoint-properties/"+ep, jsonKind(data[ep]))
		}
		p.Values[ep] = map[string]string{}
		for _, name := range sortedKeys(props) {
			if !slices.Contains(properties, name) {
				return nil, fmt.Errorf("property %q of %s was not requested", name, ep)
			}
			v, ok := props[name].(string)
			if !ok {
				return nil, fmt.Errorf("property %q of %s is a JSON %s, not a string", name, ep, jsonKind(props[name]))
			}
			p.Values[ep][name] = v
		}
	}
	for _, ep := range endpoints {
		if _, ok := p.Values[ep]; !ok {
			return nil, fmt.Errorf("no member for endpoint %q, which was requested", ep)
		}
	}
	return p, nil
}

// checkPIDProperty checks the "pid" property of every network map
// (RFC 7285, Sections 7.1.1, 11.4.1.4 and 11.4.1.6). Some endpoint
// property service must offer it, and its values must equal the
// longest-prefix match on the network map (Section 11.2.2). The
// response must list the map's vtag among its dependent vtags.
func checkPIDProperty(ctx context.Context, s *session) outcome {
	services := s.dir.ofKind(kindEndpointProperty)
	if len(services) == 0 {
		return skipped("the IRD lists no endpoint property service")
	}
	offered := map[string]*resource{}
	for _, r := range services {
		for _, p := range r.PropTypes {
			if id, ok := strings.CutSuffix(p, ".pid"); ok {
				if _, seen := offered[id]; !seen {
					offered[id] = r
				}
			}
		}
	}
	return outcomeOf(s.eachResource(kindNetworkMap, "network map", func(nm *resource) error {
		r, ok := offered[nm.ID]
		if !ok {
			return fmt.Errorf("expected an endpoint property service to offer %q for network map %q (RFC 7285, Section 11.4.1.4); the IRD lists none", nm.ID+".pid", nm.ID)
		}
		full, _, err := s.networkMap(ctx, nm)
		if err != nil {
			return skipf("network map %q cannot be read: %v", nm.ID, err)
		}
		e := &endpointPropertyCase{r: r, endpoints: full.sampleAddresses(8)}
		if len(e.endpoints) == 0 {
			return skipf("network map %q has no ipv4 or ipv6 prefixes", nm.ID)
		}
		prop := nm.ID + ".pid"
		p, x, err := e.post(ctx, s, []string{prop})
		if err != nil {
			return err
		}
		for _, ep := range e.endpoints {
			addr, _ := alto.ParseTypedAddr(ep)
			want := full.lookupPID(addr.Addr)
			if got := p.Values[ep][prop]; got != want {
				return x.failuref(fmt.Sprintf("%s of %s to be %q, its longest-prefix match", prop, ep, want), "%q", got)
			}
		}
		if full.HasVTag && !slices.Contains(p.DependentVTags, full.VTag) {
			return x.failuref("dependent vtag "+full.VTag.String(), "%s", describeVTags(p.DependentVTags))
		}
		return nil
	}))
}

func endpointCostChecks() []Check {
	checks := []Check{
		{
			ID: "ecs.response", Section: "RFC 7285, Section 11.5.1.6", Feature: FeatureEndpointCost,
			Title: "an endpoint cost response has 200, its media type, the requested cost type, and costs between requested endpoints only",
			run: func(ctx context.Context, s *session) outcome {
				return outcomeOf(s.eachEndpointCost(ctx, func(e *endpointCostCase) error {
					_, _, err := e.post(ctx, s, e.body())
					return err
				}))
			},
		},
		{
			ID: "ecs.cost-values", Section: "RFC 7285, Section 11.5.1.6", Feature: FeatureEndpointCost,
			Title: "every endpoint cost is a JSON number, and every ordinal cost a non-negative integer",
			run: func(ctx context.Context, s *session) outcome {
				return outcomeOf(s.eachEndpointCost(ctx, func(e *endpointCostCase) error {
					m, x, err := e.post(ctx, s, e.body())
					if err != nil {
						return skipf("%v", err)
					}
					return checkCostValues(x, m)
				}))
			},
		},
		{
			ID: "ecs.pid-costs", Section: "RFC 7285, Section 11.5.1.5", Feature: FeatureEndpointCost,
			Title: "endpoint costs are the costs between the endpoints' PIDs in the default network map (the same order for ordinal costs)",
			run: func(ctx context.Context, s *session) outcome {
				return outcomeOf(s.eachEndpointCost(ctx, func(e *endpointCostCase) error {
					return s.checkPIDCosts(ctx, e)
				}))
			},
		},
		{
			ID: "ecs.unknown-cost-type", Section: "RFC 7285, Section 11.5.1.3", Feature: FeatureEndpointCost,
			Title: "a cost metric or cost mode that the resource does not offer gets 400 with E_INVALID_FIELD_VALUE",
			run: func(ctx context.Context, s *session) outcome {
				return outcomeOf(s.eachResource(kindEndpointCost, "endpoint cost service", func(r *resource) error {
					return s.checkUnknownCostTypes(ctx, r, func(ct map[string]any) map[string]any {
						return map[string]any{"cost-type": ct, "endpoints": map[string]any{"srcs": []string{"ipv4:192.0.2.1"}, "dsts": []string{"ipv4:198.51.100.1"}}}
					})
				}))
			},
		},
		{
			ID: "ecs.invalid-address", Section: "RFC 7285, Section 10.4.1", Feature: FeatureEndpointCost,
			Title: "a malformed typed endpoint address gets 400 with E_INVALID_FIELD_VALUE or E_SYNTAX",
			run: func(ctx context.Context, s *session) outcome {
				return outcomeOf(s.eachResource(kindEndpointCost, "endpoint cost service", func(r *resource) error {
					if len(r.CostTypes) == 0 {
						return skipf("resource %q lists no cost type that its IRD defines", r.ID)
					}
					return checkInvalidAddresses(ctx, s, r, func(addr string) map[string]any {
						return map[string]any{"cost-type": costTypeJSON(r.CostTypes[0]), "endpoints": map[string]any{"srcs": []string{addr}, "dsts": []string{"ipv4:192.0.2.1"}}}
					})
				}))
			},
		},
		{
			ID: "ecs.constraints", Section: "RFC 7285, Section 11.5.1.3", Feature: FeatureEndpointCost,
			Title: "constraints return exactly the endpoint pairs whose costs meet all of them",
			run: func(ctx context.Context, s *session) outcome {
				return outcomeOf(s.eachEndpointCost(ctx, func(e *endpointCostCase) error {
					if !e.r.CostConstraints {
						return skipf("resource %q does not support constraints", e.r.ID)
					}
					if e.ct.Mode == alto.CostModeOrdinal {
						return skipf("constraints are checked on numerical costs only")
					}
					return checkConstraints(ctx, s, e.r, func(constraints []string) map[string]any {
						body := e.body()
						if constraints != nil {
							body["constraints"] = constraints
						}
						return body
					}, alto.MediaTypeEndpointCost, "endpoint-cost-map")
				}))
			},
		},
		{
			ID: "ecs.invalid-constraint", Section: "RFC 7285, Section 11.3.2.3", Feature: FeatureEndpointCost,
			Title: "a constraint with an unknown operator or a target that is not a number gets 400 with E_INVALID_FIELD_VALUE or E_SYNTAX",
			run: func(ctx context.Context, s *session) outcome {
				return outcomeOf(s.eachEndpointCost(ctx, func(e *endpointCostCase) error {
					if !e.r.CostConstraints {
						return skipf("resource %q does not support constraints", e.r.ID)
					}
					return checkInvalidConstraints(ctx, s, e.r, func(c string) map[string]any {
						body := e.body()
						body["constraints"] = []string{c}
						return body
					})
				}))
			},
		},
	}
	checks = append(checks, postChecks(endpointCostService)...)
	return append(checks, errorChecks(endpointCostService)...)
}

// endpointCostCase is one cost type of an endpoint cost service with
// the endpoints to ask about.
type endpointCostCase struct {
	r          *resource
	ct         alto.CostType
	srcs, dsts []string
}

func (e *endpointCostCase) body() map[string]any {
	return map[string]any{"cost-type": costTypeJSON(e.ct), "endpoints": map[string]any{"srcs": e.srcs, "dsts": e.dsts}}
}

// post sends an endpoint cost request and checks the structure of the
// response: the cost type and that sources and destinations were
// requested (RFC 7285, Section 11.5.1.6).
func (e *endpointCostCase) post(ctx context.Context, s *session, body map[string]any) (*costMap, *exchange, error) {
	x := s.do(ctx, post(e.r.URI, alto.MediaTypeEndpointCostParams, alto.MediaTypeEndpointCost, marshal(body)))
	if err := x.wantSuccess(alto.MediaTypeEndpointCost); err != nil {
		return nil, x, err
	}
	m, err := parseCostMap(x.body, "endpoint-cost-map")
	if err != nil {
		return nil, x, x.failuref("an endpoint cost map (RFC 7285, Section 11.5.1.6)", "%v", err)
	}
	if m.CostType == nil || !m.CostType.Equal(e.ct) {
		got := "none"
		if m.CostType != nil {
			got = costTypeText(*m.CostType)
		}
		return nil, x, x.failuref(`"meta/cost-type" `+costTypeText(e.ct), "%s", got)
	}
	for _, src := range sortedKeys(m.Costs) {
		if !slices.Contains(e.srcs, src) {
			return nil, x, x.failuref("requested sources only", "source %q", src)
		}
		for _, dst := range sortedKeys(m.Costs[src]) {
			if !slices.Contains(e.dsts, dst) {
				return nil, x, x.failuref("requested destinations only", "destination %q of %s", dst, src)
			}
		}
	}
	return m, x, nil
}

// eachEndpointCost runs fn for every cost type of every endpoint cost
// service, with endpoints from the default network map.
func (s *session) eachEndpointCost(ctx context.Context, fn func(e *endpointCostCase) error) error {
	return s.eachResource(kindEndpointCost, "endpoint cost service", func(r *resource) error {
		if len(r.CostTypes) == 0 {
			return skipf("resource %q lists no cost type that its IRD defines", r.ID)
		}
		endpoints, err := s.sampleEndpoints(ctx)
		if err != nil {
			return err
		}
		srcs := endpoints[:min(2, len(endpoints))]
		return eachOf(r.CostTypes, func(ct alto.CostType) error {
			return fn(&endpointCostCase{r: r, ct: ct, srcs: srcs, dsts: endpoints})
		})
	})
}

// checkPIDCosts compares endpoint costs with the costs between the
// endpoints' PIDs, which RFC 7285, Section 11.5.1.5 describes as the
// simple implementation. The RFC lets a server compute finer costs, so
// such a server fails this check, and the reason shows the first pair.
func (s *session) checkPIDCosts(ctx context.Context, e *endpointCostCase) error {
	m, x, err := e.post(ctx, s, e.body())
	if err != nil {
		return skipf("%v", err)
	}

	nm := s.dir.defaultNetworkMap()
	full, _, err := s.networkMap(ctx, nm)
	if err != nil {
		return skipf("network map %q cannot be read: %v", nm.ID, err)
	}
	ref, source, err := s.fullCostMap(ctx, alto.CostType{Mode: alto.CostModeNumerical, Metric: e.ct.Metric}, nm.ID)
	if err != nil {
		if ref, source, err = s.fullCostMap(ctx, e.ct, nm.ID); err != nil {
			return err
		}
	}

	want := &costMap{Costs: map[string]map[string]float64{}}
	for _, src := range e.srcs {
		srcPID := full.lookupPID(mustParseAddr(src))
		want.Costs[src] = map[string]float64{}
		for _, dst := range e.dsts {
			if v, ok := ref.Costs[srcPID][full.lookupPID(mustParseAddr(dst))]; ok {
				want.Costs[src][dst] = v
			}
		}
	}
	if costsInScope(want, nil, nil) == 0 {
		return skipf("%s has no costs between the PIDs of the sample endpoints", source)
	}
	if d := compareCosts(want, m, nil, nil, e.ct.Mode == alto.CostModeOrdinal); d != "" {
		return x.failuref("the costs between the endpoints' PIDs in "+source, "%s", d)
	}
	return nil
}

// mustParseAddr parses a typed address that sampleAddresses made.
func mustParseAddr(s string) netip.Addr {
	ta, ok := alto.ParseTypedAddr(s)
	if !ok {
		panic("invalid sample address " + s)
	}
	return ta.Addr
}
