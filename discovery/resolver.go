package discovery

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/miekg/dns"
)

// DefaultTimeout bounds one DNS exchange (one UDP or TCP query) when
// Resolver.Timeout is zero.
const DefaultTimeout = 2 * time.Second

// DefaultResolvConf is the file from which a Resolver without a Server
// reads its name servers.
const DefaultResolvConf = "/etc/resolv.conf"

// ednsBufferSize is the UDP payload size advertised with EDNS(0). 1232
// bytes avoids IP fragmentation on common paths, which is why the DNS
// Flag Day 2020 proposed it as the default. A larger response comes back
// truncated and is asked again over TCP.
const ednsBufferSize = 1232

// maxFollow bounds the chain of non-terminal NAPTR records followed
// from one name, so that a loop in the DNS data cannot run forever.
const maxFollow = 5

// Resolver looks up ALTO server URIs in the DNS. Its zero value queries the
// name servers of /etc/resolv.conf for the "ALTO:https" service. A
// Resolver is safe for concurrent use once its fields are set.
type Resolver struct {
	// Server is the host:port of the DNS server to query. The port
	// defaults to 53. When empty, the name servers of /etc/resolv.conf
	// are queried in turn, moving to the next one when a server does not
	// respond or returns SERVFAIL.
	Server string

	// Timeout bounds each DNS exchange: the UDP query, and the TCP query
	// that follows a truncated UDP response. Zero means DefaultTimeout.
	// The context passed to a lookup bounds the whole lookup.
	Timeout time.Duration

	// Services lists the U-NAPTR service parameters whose records are
	// accepted, such as ServiceHTTPS. Nil means ServiceHTTPS only. Add
	// ServiceHTTP to also accept servers reached over plain HTTP, which
	// RFC 8686, Section 2 mentions for debugging. Any service parameter
	// can be given (RFC 8686, Section 3.1). The URI scheme is checked
	// against the protocol tag only for the "ALTO" service.
	Services []string
}

// services returns the requested service parameters.
func (r *Resolver) services() []string {
	if len(r.Services) == 0 {
		return []string{ServiceHTTPS}
	}
	return r.Services
}

func (r *Resolver) timeout() time.Duration {
	if r.Timeout <= 0 {
		return DefaultTimeout
	}
	return r.Timeout
}

// servers returns the host:port addresses to query, in order.
func (r *Resolver) servers() ([]string, error) {
	if r.Server != "" {
		return []string{withDefaultPort(r.Server)}, nil
	}
	return serversFromResolvConf(DefaultResolvConf)
}

// withDefaultPort adds port 53 to a server address without a port.
func withDefaultPort(server string) string {
	if _, _, err := net.SplitHostPort(server); err == nil {
		return server
	}
	return net.JoinHostPort(strings.Trim(server, "[]"), "53")
}

// serversFromResolvConf returns the name servers of a resolv.conf file
// as host:port addresses.
func serversFromResolvConf(path string) ([]string, error) {
	conf, err := dns.ClientConfigFromFile(path)
	if err != nil {
		return nil, fmt.Errorf("read DNS servers: %w", err)
	}
	if len(conf.Servers) == 0 {
		return nil, fmt.Errorf("read DNS servers: no nameserver line in %s", path)
	}
	addrs := make([]string, len(conf.Servers))
	for i, s := range conf.Servers {
		addrs[i] = net.JoinHostPort(s, conf.Port)
	}
	return addrs, nil
}

// answer is the outcome of one NAPTR query that got a response.
type answer struct {
	records  []*dns.NAPTR
	nxdomain bool
	tcp      bool // the UDP response was truncated and TCP was used
}

// query sends a NAPTR query for name to the resolver's servers. It
// returns a *DNSError when no server gave a usable response, and the
// context's error when ctx ended.
func (r *Resolver) query(ctx context.Context, name string) (answer, error) {
	servers, err := r.servers()
	if err != nil {
		return answer{}, err
	}
	return r.queryServers(ctx, name, servers)
}

// queryServers queries servers in turn until one gives a response other
// than SERVFAIL.
func (r *Resolver) queryServers(ctx context.Context, name string, servers []string) (answer, error) {
	var last *DNSError
	for _, server := range servers {
		ans, err := r.queryServer(ctx, name, server)
		if err == nil || contextErr(ctx) != nil {
			return ans, err
		}
		if !errors.As(err, &last) || !last.Temporary() {
			return ans, err
		}
	}
	return answer{}, last
}

// queryServer sends one NAPTR query over UDP and, when the response is
// truncated, again over TCP.
func (r *Resolver) queryServer(ctx context.Context, name, server string) (answer, error) {
	resp, err := r.exchange(ctx, name, server, "udp")
	if err != nil {
		return answer{}, err
	}
	tcp := false
	if resp.Truncated {
		tcp = true
		if resp, err = r.exchange(ctx, name, server, "tcp"); err != nil {
			return answer{}, err
		}
	}
	switch resp.Rcode {
	case dns.RcodeSuccess:
		return answer{records: naptrAnswers(resp, name), tcp: tcp}, nil
	case dns.RcodeNameError:
		return answer{nxdomain: true, tcp: tcp}, nil
	default:
		return answer{}, &DNSError{Name: name, Server: server, Rcode: resp.Rcode}
	}
}

// exchange sends one query and checks that the response matches the question.
func (r *Resolver) exchange(ctx context.Context, name, server, network string) (*dns.Msg, error) {
	req := new(dns.Msg)
	req.SetQuestion(name, dns.TypeNAPTR)
	req.SetEdns0(ednsBufferSize, false)
	client := &dns.Client{Net: network, Timeout: r.timeout()}

	qctx, cancel := context.WithTimeout(ctx, r.timeout())
	defer cancel()
	resp, _, err := client.ExchangeContext(qctx, req, server)
	if err := contextErr(ctx); err != nil {
		return nil, fmt.Errorf("NAPTR query for %s: %w", name, err)
	}
	if err != nil {
		return nil, &DNSError{Name: name, Server: server, Rcode: -1, Err: fmt.Errorf("%s: %w", network, err)}
	}
	if len(resp.Question) != 1 || !strings.EqualFold(resp.Question[0].Name, name) || resp.Question[0].Qtype != dns.TypeNAPTR {
		return nil, &DNSError{Name: name, Server: server, Rcode: -1, Err: fmt.Errorf("%s: response is for another question", network)}
	}
	return resp, nil
}

// contextErr returns ctx.Err(), or context.DeadlineExceeded once ctx's
// deadline has passed. The read deadline that the DNS client derives from
// ctx can expire a moment before ctx.Err() reports it.
func contextErr(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if deadline, ok := ctx.Deadline(); ok && !time.Now().Before(deadline) {
		return context.DeadlineExceeded
	}
	return nil
}

// naptrAnswers returns the NAPTR records of resp's answer section that
// belong to name, following CNAME records in the same section.
func naptrAnswers(resp *dns.Msg, name string) []*dns.NAPTR {
	owner := strings.ToLower(name)
	for range resp.Answer {
		next := ""
		for _, rr := range resp.Answer {
			if c, ok := rr.(*dns.CNAME); ok && strings.EqualFold(c.Hdr.Name, owner) {
				next = strings.ToLower(c.Target)
			}
		}
		if next == "" {
			break
		}
		owner = next
	}
	var records []*dns.NAPTR
	for _, rr := range resp.Answer {
		if n, ok := rr.(*dns.NAPTR); ok && strings.EqualFold(n.Hdr.Name, owner) {
			records = append(records, n)
		}
	}
	return records
}
