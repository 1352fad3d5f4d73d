// Package discoverytest runs a small authoritative DNS server on the
// loopback interface, for tests of ALTO server discovery. It serves
// records given in zone-file syntax over UDP and TCP on one port, and
// records every query. UDP responses that exceed the client's buffer are
// truncated. A name can be set to get an error code or no response.
package discoverytest

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"

	"github.com/miekg/dns"
)

// Query is one query that the server received.
type Query struct {
	Name string // query name, in lower case
	Type uint16 // query type, such as dns.TypeNAPTR
	Net  string // "udp" or "tcp"
}

// Server is a DNS server on 127.0.0.1. Its methods are safe for
// concurrent use.
type Server struct {
	// Addr is the host:port on which the server listens, for UDP and TCP.
	Addr string

	udp, tcp *dns.Server

	mu      sync.Mutex
	records map[string][]dns.RR // by lower-case owner name
	rcodes  map[string]int
	drop    map[string]bool
	queries []Query
}

// NewServer starts a server that serves records, each one line of
// zone-file syntax such as
//
//	example.net. 3600 IN NAPTR 100 10 "u" "ALTO:https" "!.*!https://alto.example.net/ird!" .
//
// A name without records but with records below it is an empty
// non-terminal and gets an empty NOERROR response. Any other unknown
// name gets NXDOMAIN. A CNAME record is returned together with the
// records of its target. Call Close when done.
func NewServer(records ...string) (*Server, error) {
	s := &Server{records: map[string][]dns.RR{}, rcodes: map[string]int{}, drop: map[string]bool{}}
	if err := s.Add(records...); err != nil {
		return nil, err
	}
	pc, ln, err := listenPair()
	if err != nil {
		return nil, err
	}
	s.Addr = pc.LocalAddr().String()
	s.udp = s.start(&dns.Server{PacketConn: pc, Handler: s})
	s.tcp = s.start(&dns.Server{Listener: ln, Handler: s})
	return s, nil
}

// listenPair opens a UDP socket and a TCP listener on the same loopback
// port, trying again when another program holds the TCP port.
func listenPair() (net.PacketConn, net.Listener, error) {
	var lastErr error
	for range 10 {
		pc, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			return nil, nil, fmt.Errorf("listen udp: %w", err)
		}
		ln, err := net.Listen("tcp", pc.LocalAddr().String())
		if err == nil {
			return pc, ln, nil
		}
		pc.Close()
		lastErr = err
	}
	return nil, nil, fmt.Errorf("listen tcp on the UDP port: %w", lastErr)
}

// start runs srv in the background and returns once it serves.
func (s *Server) start(srv *dns.Server) *dns.Server {
	started := make(chan struct{})
	srv.NotifyStartedFunc = func() { close(started) }
	go srv.ActivateAndServe()
	<-started
	return srv
}

// Close stops the server.
func (s *Server) Close() error {
	return errors.Join(s.udp.Shutdown(), s.tcp.Shutdown())
}

// Add adds records, each one line of zone-file syntax.
func (s *Server) Add(records ...string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, line := range records {
		rr, err := dns.NewRR(line)
		if err != nil {
			return fmt.Errorf("parse record %q: %w", line, err)
		}
		if rr == nil {
			continue // an empty line or a comment
		}
		name := strings.ToLower(rr.Header().Name)
		s.records[name] = append(s.records[name], rr)
	}
	return nil
}

// SetRcode makes the server respond to every query for name with rcode,
// such as dns.RcodeServerFailure.
func (s *Server) SetRcode(name string, rcode int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rcodes[strings.ToLower(dns.Fqdn(name))] = rcode
}

// Drop makes the server ignore every query for name, so that clients
// time out.
func (s *Server) Drop(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.drop[strings.ToLower(dns.Fqdn(name))] = true
}

// Queries returns the queries received so far, in order.
func (s *Server) Queries() []Query {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Query(nil), s.queries...)
}

// QueryNames returns the names of the queries received so far, in order.
func (s *Server) QueryNames() []string {
	var names []string
	for _, q := range s.Queries() {
		names = append(names, q.Name)
	}
	return names
}

// ServeDNS answers one query. It implements dns.Handler.
func (s *Server) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	if len(req.Question) != 1 {
		dns.HandleFailed(w, req)
		return
	}
	q := req.Question[0]
	name := strings.ToLower(q.Name)
	network := "udp"
	if _, ok := w.RemoteAddr().(*net.TCPAddr); ok {
		network = "tcp"
	}

	resp, ok := s.respond(Query{Name: name, Type: q.Qtype, Net: network}, req)
	if !ok {
		return
	}
	if network == "udp" {
		size := dns.MinMsgSize
		if opt := req.IsEdns0(); opt != nil {
			size = int(opt.UDPSize())
		}
		resp.Truncate(size)
	}
	w.WriteMsg(resp)
}

// respond records the query and builds the response. It returns false
// when the query is to be dropped.
func (s *Server) respond(q Query, req *dns.Msg) (*dns.Msg, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.queries = append(s.queries, q)
	if s.drop[q.Name] {
		return nil, false
	}
	resp := new(dns.Msg)
	resp.SetReply(req)
	resp.Authoritative = true
	if opt := req.IsEdns0(); opt != nil {
		resp.SetEdns0(opt.UDPSize(), false)
	}
	if rcode, ok := s.rcodes[q.Name]; ok {
		resp.Rcode = rcode
		return resp, true
	}
	name := q.Name
	for range maxCNAMEChain {
		target := s.answerLocked(resp, name, q.Type)
		if target == "" {
			break
		}
		name = target
	}
	if len(resp.Answer) == 0 && !s.existsLocked(q.Name) {
		resp.Rcode = dns.RcodeNameError
	}
	return resp, true
}

// maxCNAMEChain bounds the CNAME records followed in one response.
const maxCNAMEChain = 8

// answerLocked adds the records of name and type qtype to resp. When name
// owns a CNAME record instead, it adds that record and returns its
// target, as an authoritative server does for a target in its own zone.
func (s *Server) answerLocked(resp *dns.Msg, name string, qtype uint16) string {
	for _, rr := range s.records[name] {
		if c, ok := rr.(*dns.CNAME); ok && qtype != dns.TypeCNAME {
			resp.Answer = append(resp.Answer, dns.Copy(rr))
			return strings.ToLower(c.Target)
		}
	}
	for _, rr := range s.records[name] {
		if rr.Header().Rrtype == qtype {
			resp.Answer = append(resp.Answer, dns.Copy(rr))
		}
	}
	return ""
}

// existsLocked reports whether name owns records or has records below
// it (an empty non-terminal).
func (s *Server) existsLocked(name string) bool {
	for owner := range s.records {
		if owner == name || strings.HasSuffix(owner, "."+name) {
			return true
		}
	}
	return false
}
