package conformance

import (
	"context"
	"net/http"
	"strings"
)

// service describes the resources of one kind for the checks that
// every resource of a kind shares.
type service struct {
	feature Feature
	kind    kind
	prefix  string // check ID prefix, such as "fcm"
	what    string // "filtered cost map service"
	// missing and wrongType build a body without a required field and
	// one with a required field of the wrong JSON type, for the RFC 7285
	// services.
	missing, wrongType func(s *session, ctx context.Context, r *resource) (map[string]any, error)
	// targets returns the resources to check; nil means those of kind.
	targets func(d *directory) []*resource
}

// eachTarget runs fn on the resources of a service as eachOf does.
func (s *session) eachTarget(sv service, fn func(r *resource) error) error {
	if sv.targets == nil {
		return s.eachResource(sv.kind, sv.what, fn)
	}
	return eachOf(sv.targets(s.dir), fn)
}

// Media types that no ALTO resource uses, for requests that must be
// rejected.
const (
	foreignMediaType = "text/html"
	foreignBodyType  = "text/plain"
)

// methodCheck: a request with another method gets 405 and an Allow
// header (RFC 9110, Section 15.5.6).
func methodCheck(sv service) Check {
	return Check{
		ID: sv.prefix + ".method", Section: "RFC 9110, Section 15.5.6", Feature: sv.feature,
		Title: "a request with the wrong method gets 405 with an Allow header that lists the right one",
		run: func(ctx context.Context, s *session) outcome {
			return outcomeOf(s.eachTarget(sv, func(r *resource) error {
				rq := get(r.URI, r.MediaType)
				allow := http.MethodPost
				if r.Accepts == "" {
					rq = post(r.URI, "application/json", r.MediaType, []byte("{}"))
					allow = http.MethodGet
				}
				x := s.do(ctx, rq)
				want := "405 with an Allow header that lists " + allow
				if x.err != nil || x.status != http.StatusMethodNotAllowed {
					return x.failure(want, x.describeResponse())
				}
				if !allowLists(x.header.Values("Allow"), allow) {
					return x.failuref(want, "405 with Allow %q", strings.Join(x.header.Values("Allow"), ", "))
				}
				return nil
			}))
		},
	}
}

func allowLists(values []string, method string) bool {
	for _, v := range values {
		for _, m := range strings.Split(v, ",") {
			if strings.TrimSpace(m) == method {
				return true
			}
		}
	}
	return false
}

// acceptCheck: a request whose Accept header excludes the resource's
// media type gets 406. RFC 9110, Section 12.5.1 also lets a server
// disregard the header, so a response in the resource's media type
// skips rather than fails.
func acceptCheck(sv service) Check {
	return Check{
		ID: sv.prefix + ".not-acceptable", Section: "RFC 9110, Section 12.5.1", Feature: sv.feature,
		Title: "a request whose Accept header excludes the media type gets 406",
		run: func(ctx context.Context, s *session) outcome {
			return outcomeOf(s.eachTarget(sv, func(r *resource) error {
				rq, err := s.validRequest(ctx, sv, r)
				if err != nil {
					return err
				}
				rq.accept = foreignMediaType
				x := s.do(ctx, rq)
				switch {
				case x.status == http.StatusNotAcceptable:
					return nil
				case x.status == http.StatusOK && x.mediaType() == r.MediaType:
					return skipf("%s: the server disregarded the Accept header and sent %s, which RFC 9110, Section 12.5.1 allows", x.describeRequest(), r.MediaType)
				}
				return x.failure("406", x.describeResponse())
			}))
		},
	}
}

// contentTypeCheck: a POST whose Content-Type is not the accepted
// input type gets 415 (RFC 9110, Section 15.5.16; RFC 7285, Section
// 8.3.2 requires the client to send the type that "accepts" names).
func contentTypeCheck(sv service) Check {
	return Check{
		ID: sv.prefix + ".unsupported-media-type", Section: "RFC 9110, Section 15.5.16", Feature: sv.feature,
		Title: "a POST whose Content-Type is not the accepted input media type gets 415",
		run: func(ctx context.Context, s *session) outcome {
			return outcomeOf(s.eachTarget(sv, func(r *resource) error {
				rq, err := s.validRequest(ctx, sv, r)
				if err != nil {
					return err
				}
				rq.contentType = foreignBodyType
				x := s.do(ctx, rq)
				if x.err != nil || x.status != http.StatusUnsupportedMediaType {
					return x.failure("415", x.describeResponse())
				}
				return nil
			}))
		},
	}
}

// etagCheck: a GET with If-None-Match of the entity tag the server
// sent gets 304 (RFC 9110, Sections 13.1.2 and 15.4.5). A server that
// sends no ETag skips.
func etagCheck(sv service) Check {
	return Check{
		ID: sv.prefix + ".etag", Section: "RFC 9110, Section 13.1.2", Feature: sv.feature,
		Title: "a GET with If-None-Match of the ETag that the server sent gets 304",
		run: func(ctx context.Context, s *session) outcome {
			return outcomeOf(s.eachTarget(sv, func(r *resource) error {
				first := s.do(ctx, get(r.URI, r.MediaType))
				if err := first.wantSuccess(r.MediaType); err != nil {
					return err
				}
				etag := first.header.Get("ETag")
				if etag == "" {
					return skipf("%s: the response has no ETag", first.describeRequest())
				}
				rq := get(r.URI, r.MediaType)
				rq.header = map[string]string{"If-None-Match": etag}
				x := s.do(ctx, rq)
				if x.err != nil || x.status != http.StatusNotModified {
					return x.failure("304", x.describeResponse())
				}
				return nil
			}))
		},
	}
}

// syntaxCheck: a body that is not JSON gets E_SYNTAX (RFC 7285,
// Section 8.5.2).
func syntaxCheck(sv service) Check {
	return Check{
		ID: sv.prefix + ".syntax-error", Section: "RFC 7285, Section 8.5.2", Feature: sv.feature,
		Title: "a body that is not valid JSON gets 400 with E_SYNTAX",
		run: func(ctx context.Context, s *session) outcome {
			return outcomeOf(s.eachTarget(sv, func(r *resource) error {
				x := s.do(ctx, post(r.URI, r.Accepts, r.MediaType, []byte(`{"conformance": [`)))
				_, err := x.wantError(http.StatusBadRequest, "E_SYNTAX")
				return err
			}))
		},
	}
}

// missingFieldCheck: a body without a required field gets
// E_MISSING_FIELD (RFC 7285, Section 8.5.2).
func missingFieldCheck(sv service) Check {
	return Check{
		ID: sv.prefix + ".missing-field", Section: "RFC 7285, Section 8.5.2", Feature: sv.feature,
		Title: "a body without a required field gets 400 with E_MISSING_FIELD",
		run: func(ctx context.Context, s *session) outcome {
			return outcomeOf(s.eachTarget(sv, func(r *resource) error {
				body, err := sv.missing(s, ctx, r)
				if err != nil {
					return err
				}
				x := s.do(ctx, post(r.URI, r.Accepts, r.MediaType, marshal(body)))
				_, err = x.wantError(http.StatusBadRequest, "E_MISSING_FIELD")
				return err
			}))
		},
	}
}

// wrongTypeCheck: a required field of the wrong JSON type gets
// E_INVALID_FIELD_TYPE (RFC 7285, Section 8.5.2).
func wrongTypeCheck(sv service) Check {
	return Check{
		ID: sv.prefix + ".invalid-field-type", Section: "RFC 7285, Section 8.5.2", Feature: sv.feature,
		Title: "a required field of the wrong JSON type gets 400 with E_INVALID_FIELD_TYPE",
		run: func(ctx context.Context, s *session) outcome {
			return outcomeOf(s.eachTarget(sv, func(r *resource) error {
				body, err := sv.wrongType(s, ctx, r)
				if err != nil {
					return err
				}
				x := s.do(ctx, post(r.URI, r.Accepts, r.MediaType, marshal(body)))
				_, err = x.wantError(http.StatusBadRequest, "E_INVALID_FIELD_TYPE")
				return err
			}))
		},
	}
}

// unknownFieldCheck: a valid request with an extra member succeeds,
// because RFC 7285, Section 8.3.7 makes implementations ignore unknown
// fields.
func unknownFieldCheck(sv service) Check {
	return Check{
		ID: sv.prefix + ".unknown-field", Section: "RFC 7285, Section 8.3.7", Feature: sv.feature,
		Title: "a valid request with an unknown extra field succeeds",
		run: func(ctx context.Context, s *session) outcome {
			return outcomeOf(s.eachTarget(sv, func(r *resource) error {
				body, err := s.validBody(ctx, r)
				if err != nil {
					return err
				}
				body["conformance-unknown-field"] = map[string]any{"ignored": true}
				x := s.do(ctx, post(r.URI, r.Accepts, r.MediaType, marshal(body)))
				return x.wantSuccess(r.MediaType)
			}))
		},
	}
}

// getChecks returns the shared checks of a GET resource kind.
func getChecks(sv service) []Check {
	return []Check{methodCheck(sv), acceptCheck(sv), etagCheck(sv)}
}

// postChecks returns the shared HTTP checks of a POST resource kind.
func postChecks(sv service) []Check {
	return []Check{methodCheck(sv), contentTypeCheck(sv), acceptCheck(sv)}
}

// errorChecks returns the shared error checks of an RFC 7285 POST
// service.
func errorChecks(sv service) []Check {
	return []Check{syntaxCheck(sv), missingFieldCheck(sv), wrongTypeCheck(sv), unknownFieldCheck(sv)}
}

// validRequest returns a valid request to a resource: a GET, or a POST
// of a valid body.
func (s *session) validRequest(ctx context.Context, sv service, r *resource) (request, error) {
	if r.Accepts == "" {
		return get(r.URI, r.MediaType), nil
	}
	body, err := s.validBody(ctx, r)
	if err != nil {
		return request{}, err
	}
	return post(r.URI, r.Accepts, r.MediaType, marshal(body)), nil
}

// validBody returns a small valid request body for a POST resource.
func (s *session) validBody(ctx context.Context, r *resource) (map[string]any, error) {
	switch r.kind() {
	case kindFilteredNetworkMap:
		pid, err := s.somePID(ctx, r)
		if err != nil {
			return nil, err
		}
		return map[string]any{"pids": []string{pid}}, nil
	case kindFilteredCostMap:
		if len(r.CostTypes) == 0 {
			return nil, skipf("resource %q lists no cost type that its IRD defines", r.ID)
		}
		pid, err := s.somePID(ctx, r)
		if err != nil {
			return nil, err
		}
		return map[string]any{"cost-type": costTypeJSON(r.CostTypes[0]), "pids": map[string]any{"srcs": []string{pid}, "dsts": []string{pid}}}, nil
	case kindEndpointProperty:
		if len(r.PropTypes) == 0 {
			return nil, skipf("resource %q lists no prop-types", r.ID)
		}
		return map[string]any{"properties": r.PropTypes[:1], "endpoints": []string{"ipv4:192.0.2.1"}}, nil
	case kindEndpointCost:
		if len(r.CostTypes) == 0 {
			return nil, skipf("resource %q lists no cost type that its IRD defines", r.ID)
		}
		return map[string]any{"cost-type": costTypeJSON(r.CostTypes[0]), "endpoints": map[string]any{"srcs": []string{"ipv4:192.0.2.1"}, "dsts": []string{"ipv4:198.51.100.1"}}}, nil
	case kindUpdateStream:
		if len(r.Uses) == 0 {
			return nil, skipf("update stream %q has no uses", r.ID)
		}
		return map[string]any{"add": map[string]any{"conformance": map[string]any{"resource-id": r.Uses[0]}}}, nil
	case kindTIPS:
		if len(r.Uses) == 0 {
			return nil, skipf("TIPS resource %q has no uses", r.ID)
		}
		return map[string]any{"resource-id": r.Uses[0]}, nil
	}
	return nil, skipf("resource %q is %s, which no check covers", r.ID, r.MediaType)
}

// somePID returns the first PID of the network map a resource uses.
func (s *session) somePID(ctx context.Context, r *resource) (string, error) {
	_, m, err := s.networkMapFor(ctx, r)
	if err != nil {
		return "", err
	}
	pids := sortedKeys(m.PIDs)
	if len(pids) == 0 {
		return "", skipf("the network map of %q has no PIDs", r.ID)
	}
	return pids[0], nil
}
