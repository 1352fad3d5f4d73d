// Package pathvector serves the path vector extension of ALTO, RFC 9275:
// the multipart filtered cost map (resource type path-vector-cost-map)
// and the multipart endpoint cost service (path-vector-endpoint-cost).
// Each source and destination pair maps to the array of abstract network
// elements (ANEs) on the shortest path of the topology, and a second
// part, a property map over the ".ane" entity domain, gives their
// properties. docs/pathvector.md describes the configuration.
//
// Every link direction on a path is one ANE, whose max-reservable-bandwidth
// is the link capacity. With merge-shared-links, the links that every
// path of a response traverses become one ANE, whose bandwidth is their
// minimum. ANE names are random for every response. The
// persistent-entity-id property names a link by the IDs of the nodes it
// joins, so it stays the same across requests.
package pathvector

import (
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"sync"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/netdef"
	"github.com/goalto/goalto/internal/server"
	"github.com/goalto/goalto/internal/snapshot"
	"github.com/goalto/goalto/internal/updates"
)

// Defaults of Config. MaxPIDs, MaxEndpoints, MaxCostTypes and
// MaxConstraints match the core filtered cost map and endpoint cost
// services, and Register takes them from the handler instead.
// DefaultMaxPairs bounds the paths one request walks. It is an estimate
// of a reasonable request, not a measured limit.
// DefaultMaxANEPropertyNames bounds the ane-property-names list: RFC
// 9275, Section 6.4 defines two ANE properties, and every name must be
// one that the resource offers, so a longer list cannot succeed.
const (
	DefaultMaxPIDs             = server.DefaultMaxPIDs
	DefaultMaxEndpoints        = server.DefaultMaxEndpoints
	DefaultMaxCostTypes        = server.DefaultMaxCostTypes
	DefaultMaxConstraints      = server.DefaultMaxConstraints
	DefaultMaxPairs            = 100000
	DefaultMaxANEPropertyNames = 64
)

// Config bounds the requests of a Service. A zero or negative limit
// takes its default.
type Config struct {
	// MaxPIDs is the maximum number of PIDs in one list of a request.
	MaxPIDs int
	// MaxEndpoints is the maximum number of endpoints in one list.
	MaxEndpoints int
	// MaxCostTypes is the maximum number of cost types in the
	// multi-cost-types or testable-cost-types of a request.
	MaxCostTypes int
	// MaxConstraints is the maximum number of constraints of a request,
	// counted over every list of or-constraints.
	MaxConstraints int
	// MaxANEPropertyNames is the maximum number of distinct names in the
	// ane-property-names of a request.
	MaxANEPropertyNames int
	// MaxPairs is the maximum number of source and destination pairs.
	MaxPairs int
	// Domain is the domain name in the Content-ID of the parts
	// (RFC 9275, Section 6.6). Empty means the host of the request, or
	// "localhost" when that host is not a domain name or IPv4 address.
	Domain string
	// Logger receives the errors of the server; nil means slog.Default().
	Logger *slog.Logger
}

func (c Config) withDefaults() Config {
	setDefault(&c.MaxPIDs, DefaultMaxPIDs)
	setDefault(&c.MaxEndpoints, DefaultMaxEndpoints)
	setDefault(&c.MaxCostTypes, DefaultMaxCostTypes)
	setDefault(&c.MaxConstraints, DefaultMaxConstraints)
	setDefault(&c.MaxANEPropertyNames, DefaultMaxANEPropertyNames)
	setDefault(&c.MaxPairs, DefaultMaxPairs)
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}

func setDefault(v *int, def int) {
	if *v <= 0 {
		*v = def
	}
}

// Service serves the two path vector resource types.
type Service struct {
	cfg    Config
	logger *slog.Logger
	// handler counts and logs the rejections of the server-wide limits;
	// nil for a service that Register did not attach.
	handler *server.Handler
	// names caches the persistent link names of each topology.
	names sync.Map // *snapshot.PathTopology -> [][2]string
}

// New returns a service with the given limits.
func New(cfg Config) *Service {
	cfg = cfg.withDefaults()
	return &Service{cfg: cfg, logger: cfg.Logger.With("component", "pathvector")}
}

// Register registers a service for both path vector resource types,
// with the PID, endpoint, cost type and constraint limits of h; it is a
// daemon.Registrar.
func Register(h *server.Handler, _ *updates.Engine, logger *slog.Logger) {
	l := h.Limits()
	s := New(Config{MaxPIDs: l.MaxPIDs, MaxEndpoints: l.MaxEndpoints,
		MaxCostTypes: l.MaxCostTypes, MaxConstraints: l.MaxConstraints, Logger: logger})
	s.handler = h
	h.Handle(netdef.TypePathVectorCostMap, s)
	h.Handle(netdef.TypePathVectorEndpointCost, s)
}

// request is a decoded path vector request: the keys of the response
// rows and columns and the PID index of each, -1 for none.
type request struct {
	costType alto.CostType
	// multi holds the RFC 8189 members of the request, and columns the
	// cost type of each value of a multi-cost response; nil for a
	// request with cost-type.
	multi      *multiCostRequest
	columns    []costColumn
	properties []string
	// constraints holds the constraints member, which the service
	// counts and then rejects (RFC 9275, Section 7.2.4).
	constraints []alto.Constraint
	srcs, dsts  []string
	srcPIDs     []int
	dstPIDs     []int
	// srcAddrs and dstAddrs are the addresses of an endpoint cost
	// request; nil for a cost map request.
	srcAddrs, dstAddrs []netip.Addr
}

// crossesFamilies reports whether a pair of an endpoint cost request
// joins an IPv4 and an IPv6 address, between which no packet flows.
func (r *request) crossesFamilies(i, j int) bool {
	if r.srcAddrs == nil || r.dstAddrs == nil {
		return false
	}
	return r.srcAddrs[i].Is4() != r.dstAddrs[j].Is4()
}

// ServeALTO serves one path vector request. The handler has checked the
// method, the media types and the body size.
func (s *Service) ServeALTO(w http.ResponseWriter, r *http.Request, snap *snapshot.Snapshot, res *snapshot.Resource, body []byte) {
	topo := snap.PathTopology()
	if topo == nil {
		s.logger.Error("path vector resource without a topology", "resource", res.ID, "path", r.URL.Path)
		server.PlainError(w, http.StatusInternalServerError, "internal error: resource "+res.ID+" has no topology")
		return
	}
	req, err := s.decode(r, snap, res, body)
	if err != nil {
		if s.handler != nil {
			s.handler.NoteListLimit(err)
		}
		server.WriteError(w, err)
		return
	}
	out, contentType, err := s.respond(r, snap, res, topo, req)
	if err != nil {
		s.logger.Error("path vector response", "resource", res.ID, "err", err)
		server.PlainError(w, http.StatusInternalServerError, "internal error")
		return
	}
	server.WriteBody(w, r, contentType, out)
}

// decode decodes and checks a request of either resource type.
func (s *Service) decode(r *http.Request, snap *snapshot.Snapshot, res *snapshot.Resource, body []byte) (*request, error) {
	var req *request
	var err error
	if res.Type == netdef.TypePathVectorEndpointCost {
		req, err = s.decodeEndpointCost(r, snap, body)
	} else {
		req, err = s.decodeCostMap(snap, body)
	}
	if err != nil {
		return nil, err
	}
	if err := s.checkCostCounts(req); err != nil {
		return nil, err
	}
	if len(req.constraints) > 0 {
		return nil, constraintsError(req.constraints)
	}
	if err := s.checkCostTypes(snap, res, req); err != nil {
		return nil, err
	}
	for _, p := range req.properties {
		if !contains(res.ANEProperties, p) {
			return nil, alto.NewInvalidValue("ane-property-names", p, "this resource does not offer the ANE property; its directory entry lists ane-property-names")
		}
	}
	if n := len(req.srcs) * len(req.dsts); n > s.cfg.MaxPairs {
		if s.handler != nil {
			s.handler.NoteRejection(server.ReasonPairs, "request rejected: more source and destination pairs than the server accepts")
		}
		return nil, alto.NewInvalidValue("", strconv.Itoa(n), fmt.Sprintf("the request has %d source and destination pairs; this server accepts at most %d", n, s.cfg.MaxPairs))
	}
	return req, nil
}

// checkCostCounts applies the server-wide limits on cost types and
// constraints, before the checks that this resource accepts them.
func (s *Service) checkCostCounts(req *request) error {
	m := req.multi
	err := alto.CheckCostCounts(s.cfg.MaxCostTypes, s.cfg.MaxConstraints, m.MultiCostTypes, m.TestableCostTypes, req.constraints, m.OrConstraints)
	if err == nil {
		return nil
	}
	if s.handler != nil {
		s.handler.NoteRejection(server.ReasonCostTypes, "request rejected: too many cost types or constraints")
	}
	return err
}

// checkCostTypes checks the cost-type of a request, or its
// multi-cost-types, and sets the cost columns of a multi-cost request.
func (s *Service) checkCostTypes(snap *snapshot.Snapshot, res *snapshot.Resource, req *request) error {
	if req.multi == nil || len(req.multi.MultiCostTypes) == 0 {
		return checkCostType(req.costType)
	}
	columns, err := checkMultiCost(snap, res, *req.multi)
	if err != nil {
		if s.handler != nil && tooManyCostTypes(res, *req.multi) {
			s.handler.NoteRejection(server.ReasonCostTypes, "request rejected: more cost types than the resource's max-cost-types")
		}
		return err
	}
	req.columns = columns
	return nil
}

// checkCostType accepts only the path vector cost type: the array mode
// is defined only with the ane-path metric, and the reverse (RFC 9274,
// Section 3.1, and RFC 9275, Section 6.5).
func checkCostType(ct alto.CostType) error {
	if ct.Equal(alto.PathVectorCostType) {
		return nil
	}
	field, value := "cost-type/cost-metric", ct.Metric
	if ct.Mode != alto.CostModeArray {
		field, value = "cost-type/cost-mode", ct.Mode
	}
	return alto.NewInvalidValue(field, value, "this resource offers only cost mode array with cost metric ane-path (RFC 9275, Section 6.5)")
}

func (s *Service) decodeCostMap(snap *snapshot.Snapshot, body []byte) (*request, error) {
	pv, err := alto.DecodePVCostMapFilterLimit(body, s.cfg.MaxPIDs, s.cfg.MaxANEPropertyNames)
	if err != nil {
		return nil, err
	}
	req := &request{costType: pv.CostType, properties: pv.ANEPropertyNames, constraints: pv.Constraints,
		multi: &multiCostRequest{pv.MultiCostTypes, pv.TestableCostTypes, pv.OrConstraints}}
	var srcNames, dstNames []string
	if pv.PIDs != nil {
		srcNames, dstNames = pv.PIDs.Srcs, pv.PIDs.Dsts
	}
	if req.srcs, req.srcPIDs, err = s.pids(snap, "pids/srcs", srcNames); err != nil {
		return nil, err
	}
	if req.dsts, req.dstPIDs, err = s.pids(snap, "pids/dsts", dstNames); err != nil {
		return nil, err
	}
	return req, nil
}

func constraintsError(cs []alto.Constraint) error {
	return alto.NewInvalidValue("constraints", cs[0].String(), "a path vector resource does not support constraints (RFC 9275, Section 7.2.4)")
}

// pids returns the PIDs of a list with their indices: all PIDs for an
// empty list, leaving out the names the network map does not define
// (RFC 7285, Section 11.3.2.3).
func (s *Service) pids(snap *snapshot.Snapshot, field string, names []string) ([]string, []int, error) {
	nm := snap.NetworkMap
	if len(names) > s.cfg.MaxPIDs {
		return nil, nil, tooMany(field, len(names), s.cfg.MaxPIDs)
	}
	var keys []string
	var idx []int
	if len(names) == 0 {
		for i := range nm.Len() {
			keys, idx = append(keys, nm.Name(i)), append(idx, i)
		}
		return keys, idx, nil
	}
	for _, n := range names {
		if i, ok := nm.Index(n); ok && !contains(keys, n) {
			keys, idx = append(keys, n), append(idx, i)
		}
	}
	return keys, idx, nil
}

func tooMany(field string, n, limit int) error {
	return alto.NewTooMany(field, n, limit)
}

func (s *Service) decodeEndpointCost(r *http.Request, snap *snapshot.Snapshot, body []byte) (*request, error) {
	pv, err := alto.DecodePVEndpointCostParamsLimit(body, s.cfg.MaxEndpoints, s.cfg.MaxANEPropertyNames)
	if err != nil {
		return nil, err
	}
	req := &request{costType: pv.CostType, properties: pv.ANEPropertyNames, constraints: pv.Constraints,
		multi: &multiCostRequest{pv.MultiCostTypes, pv.TestableCostTypes, pv.OrConstraints}}
	if req.srcs, req.srcPIDs, req.srcAddrs, err = s.endpoints(r, snap, "endpoints/srcs", pv.Endpoints.Srcs); err != nil {
		return nil, err
	}
	if req.dsts, req.dstPIDs, req.dstAddrs, err = s.endpoints(r, snap, "endpoints/dsts", pv.Endpoints.Dsts); err != nil {
		return nil, err
	}
	return req, nil
}

// endpoints returns the typed addresses of a list with the index of the
// PID of each, -1 where none matches, and the parsed addresses. An empty
// list stands for the client's address (RFC 7285, Section 11.5.1.3).
func (s *Service) endpoints(r *http.Request, snap *snapshot.Snapshot, field string, typed []string) ([]string, []int, []netip.Addr, error) {
	if len(typed) > s.cfg.MaxEndpoints {
		return nil, nil, nil, tooMany(field, len(typed), s.cfg.MaxEndpoints)
	}
	if len(typed) == 0 {
		self, ok := clientAddr(r)
		if !ok {
			return nil, nil, nil, alto.NewInvalidValue(field, "[]", "the client address is unknown; list the endpoints")
		}
		typed = []string{self}
	}
	idx := make([]int, len(typed))
	addrs := make([]netip.Addr, len(typed))
	for i, a := range typed {
		idx[i] = -1
		if ta, ok := alto.ParseTypedAddr(a); ok {
			addrs[i] = ta.Addr
			if pid, ok := snap.NetworkMap.Lookup(ta.Addr); ok {
				idx[i] = pid
			}
		}
	}
	return typed, idx, addrs, nil
}

// clientAddr returns the typed address of the client.
func clientAddr(r *http.Request) (string, bool) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return "", false
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return "", false
	}
	addr = addr.Unmap().WithZone("")
	typ := alto.AddressTypeIPv6
	if addr.Is4() {
		typ = alto.AddressTypeIPv4
	}
	return alto.TypedAddr{Type: typ, Addr: addr}.String(), true
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
