package discovery

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/miekg/dns"
)

// Target is one URI found by discovery, usually that of an ALTO
// server's information resource directory.
type Target struct {
	URI        string `json:"uri"`
	Order      uint16 `json:"order"`
	Preference uint16 `json:"preference"`
	Service    string `json:"service"` // service field of the record
	Name       string `json:"name"`    // owner name of the record
}

// Outcome classifies the response to one NAPTR query.
type Outcome string

// Outcomes of a NAPTR query.
const (
	OutcomeFound     Outcome = "found"      // usable records for the requested services
	OutcomeNoRecords Outcome = "no-records" // the name exists but has no matching record
	OutcomeNXDomain  Outcome = "nxdomain"   // the name does not exist
	OutcomeMalformed Outcome = "malformed"  // matching records exist, none usable
	OutcomeFailed    Outcome = "failed"     // no usable response (see DNSError)
)

// Query is one NAPTR query of a discovery run.
type Query struct {
	Name    string  `json:"name"`
	Outcome Outcome `json:"outcome"`
	TCP     bool    `json:"tcp,omitempty"` // retried over TCP after a truncated UDP response
	Error   string  `json:"error,omitempty"`
}

// Result is the outcome of a discovery run that found at least one URI.
type Result struct {
	// Targets are the URIs found, in the order in which the NAPTR
	// records rank them: by order, then preference, with the targets of
	// a followed non-terminal record in its place. A client tries them
	// in turn, since a target of higher order is meant for use only
	// when those before it fail.
	Targets []Target `json:"targets"`

	// Queries lists every NAPTR query sent, in order.
	Queries []Query `json:"queries"`

	// Errs contains the DNS failures (*DNSError) and malformed records
	// (*RecordError) met before or beside the targets.
	Errs []error `json:"-"`
}

// URIs returns the URIs of the targets, in order.
func (r *Result) URIs() []string {
	uris := make([]string, len(r.Targets))
	for i, t := range r.Targets {
		uris[i] = t.URI
	}
	return uris
}

// Temporary reports whether a query failed with a temporary error. For
// cross-domain discovery, a more specific name may then have been
// skipped, and retrying later may find a more accurate server (RFC 8686,
// Section 3.5).
func (r *Result) Temporary() bool {
	return anyTemporary(r.Errs)
}

// LookupDomain returns the URIs that the NAPTR records of domain publish
// for the requested services, in order (RFC 7286, Section 3.2). The
// error is a *DNSError when the query got no usable response, and a
// *NotFoundError when the domain has no usable record.
func (r *Resolver) LookupDomain(ctx context.Context, domain string) ([]string, error) {
	res, err := r.DiscoverDomain(ctx, domain)
	if err != nil {
		return nil, err
	}
	return res.URIs(), nil
}

// LookupAddress runs cross-domain discovery (RFC 8686) for one address,
// as LookupPrefix does for the full-length prefix of ip.
func (r *Resolver) LookupAddress(ctx context.Context, ip netip.Addr) ([]string, error) {
	if !ip.IsValid() {
		return nil, fmt.Errorf("discovery: invalid IP address")
	}
	return r.LookupPrefix(ctx, netip.PrefixFrom(ip, ip.BitLen()))
}

// LookupPrefix runs cross-domain discovery (RFC 8686) for prefix p: it
// queries the names of ReverseNames(p) in order and returns the URIs of
// the first name with usable records. DNS failures and absent names do
// not stop the run (RFC 8686, Section 3.5). When no name has usable
// records, the error is a *NotFoundError whose Temporary method reports
// whether retrying later may help. LookupPrefix drops the hint that a
// found result followed a temporary failure; DiscoverPrefix keeps it.
func (r *Resolver) LookupPrefix(ctx context.Context, p netip.Prefix) ([]string, error) {
	res, err := r.DiscoverPrefix(ctx, p)
	if err != nil {
		return nil, err
	}
	return res.URIs(), nil
}

// DiscoverDomain is LookupDomain with the full result: the ranked
// targets, the queries sent and the problems met.
func (r *Resolver) DiscoverDomain(ctx context.Context, domain string) (*Result, error) {
	name, err := domainName(domain)
	if err != nil {
		return nil, err
	}
	run := r.newRun()
	targets, err := run.resolve(ctx, name)
	if err != nil {
		return nil, err
	}
	if len(targets) > 0 {
		return &Result{Targets: targets, Queries: run.queries, Errs: run.errs}, nil
	}
	if q := run.queries[0]; q.Outcome == OutcomeFailed {
		return nil, run.errs[0]
	}
	return nil, &NotFoundError{Services: r.services(), Names: []string{name}, Errs: run.errs}
}

// DiscoverPrefix is LookupPrefix with the full result: the targets of
// the first name that had some, every query sent, and the problems met
// on the way.
func (r *Resolver) DiscoverPrefix(ctx context.Context, p netip.Prefix) (*Result, error) {
	names, err := ReverseNames(p)
	if err != nil {
		return nil, err
	}
	run := r.newRun()
	for _, name := range names {
		targets, err := run.resolve(ctx, name)
		if err != nil {
			return nil, err
		}
		if len(targets) > 0 {
			return &Result{Targets: targets, Queries: run.queries, Errs: run.errs}, nil
		}
	}
	return nil, &NotFoundError{Services: r.services(), Names: names, Errs: run.errs}
}

// domainName checks domain and returns it fully qualified, in lower case.
func domainName(domain string) (string, error) {
	domain = strings.TrimSpace(domain)
	if _, ok := dns.IsDomainName(domain); !ok || domain == "" || domain == "." {
		return "", fmt.Errorf("%w %q", ErrInvalidDomain, domain)
	}
	return dns.Fqdn(strings.ToLower(domain)), nil
}

// run is the state of one discovery run: the queries sent and the
// problems met so far.
type run struct {
	r       *Resolver
	wanted  []serviceParam
	queries []Query
	errs    []error
}

func (r *Resolver) newRun() *run {
	wanted := make([]serviceParam, 0, len(r.services()))
	for _, s := range r.services() {
		wanted = append(wanted, parseServiceParam(s))
	}
	return &run{r: r, wanted: wanted}
}

// resolve runs U-NAPTR resolution (RFC 4848) for name: it queries the
// NAPTR records, keeps those whose service matches, takes the URI of
// each terminal record and follows each non-terminal one. A DNS failure
// or a malformed record is recorded in the run and yields no target. The
// error is non-nil only when the run must stop: the context ended or the
// resolver has no DNS server.
func (run *run) resolve(ctx context.Context, name string) ([]Target, error) {
	return run.resolveChain(ctx, name, map[string]bool{name: true})
}

func (run *run) resolveChain(ctx context.Context, name string, seen map[string]bool) ([]Target, error) {
	ans, err := run.r.query(ctx, name)
	var dnsErr *DNSError
	switch {
	case errors.As(err, &dnsErr):
		run.record(name, OutcomeFailed, false, err)
		return nil, nil
	case err != nil:
		return nil, err
	case ans.nxdomain:
		run.record(name, OutcomeNXDomain, ans.tcp, nil)
		return nil, nil
	}

	index := len(run.queries)
	run.record(name, OutcomeNoRecords, ans.tcp, nil)
	targets, malformed, err := run.evaluate(ctx, ans.records, seen)
	if err != nil {
		return nil, err
	}
	switch {
	case len(targets) > 0:
		run.queries[index].Outcome = OutcomeFound
	case len(malformed) > 0:
		run.queries[index].Outcome = OutcomeMalformed
		run.queries[index].Error = errors.Join(malformed...).Error()
	}
	return targets, nil
}

// evaluate walks the records in order and preference. It returns the
// targets and the errors of the malformed records among them, which it
// also adds to the run.
func (run *run) evaluate(ctx context.Context, records []*dns.NAPTR, seen map[string]bool) ([]Target, []error, error) {
	slices.SortStableFunc(records, func(a, b *dns.NAPTR) int {
		return cmp.Or(cmp.Compare(a.Order, b.Order), cmp.Compare(a.Preference, b.Preference))
	})
	var targets []Target
	var malformed []error
	for _, rr := range records {
		protocols, ok := matchService(rr.Service, run.wanted)
		flags := strings.ToLower(rr.Flags)
		switch {
		case flags == "u" && ok:
			uri, err := terminalURI(rr, protocols)
			if err != nil {
				malformed = append(malformed, err)
				continue
			}
			if uri != "" {
				targets = append(targets, Target{URI: uri, Order: rr.Order, Preference: rr.Preference, Service: rr.Service, Name: strings.ToLower(rr.Hdr.Name)})
			}
		case flags == "" && (ok || rr.Service == ""):
			next, err := run.nextName(rr, seen)
			if err != nil {
				malformed = append(malformed, err)
				continue
			}
			found, err := run.follow(ctx, next, seen)
			if err != nil {
				return nil, nil, err
			}
			targets = append(targets, found...)
		}
		// Other flags ("S" and "A" lead to SRV and address records, not
		// to a URI) and unknown flags are skipped (RFC 3403, Section 4.1).
	}
	run.errs = append(run.errs, malformed...)
	return targets, malformed, nil
}

// nextName returns the name in a non-terminal record's replacement
// field, unless the record is malformed or leads into a loop.
func (run *run) nextName(rr *dns.NAPTR, seen map[string]bool) (string, error) {
	next, err := nextName(rr)
	if err != nil {
		return "", err
	}
	if seen[next] || len(seen) > maxFollow {
		return "", recordError(rr, "replacement", fmt.Sprintf("%s would repeat a name or exceed %d non-terminal records in a chain", next, maxFollow))
	}
	return next, nil
}

// follow resolves the name that a non-terminal record leads to.
func (run *run) follow(ctx context.Context, next string, seen map[string]bool) ([]Target, error) {
	seen[next] = true
	defer delete(seen, next)
	return run.resolveChain(ctx, next, seen)
}

func (run *run) record(name string, outcome Outcome, tcp bool, err error) {
	q := Query{Name: name, Outcome: outcome, TCP: tcp}
	if err != nil {
		q.Error = err.Error()
		run.errs = append(run.errs, err)
	}
	run.queries = append(run.queries, q)
}
