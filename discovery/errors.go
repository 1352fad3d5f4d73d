package discovery

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/miekg/dns"
)

// ErrInvalidDomain is returned for a string that is not a domain name.
var ErrInvalidDomain = errors.New("discovery: invalid domain name")

// ErrUnsupportedPrefixLength is returned for an IPv4 prefix shorter than
// /8 or an IPv6 prefix shorter than /32, which cross-domain discovery
// does not look up (RFC 8686, Section 3.2).
var ErrUnsupportedPrefixLength = errors.New("discovery: unsupported prefix length")

// DNSError is a NAPTR query that got no usable response: no response at
// all, or a response code other than NOERROR and NXDOMAIN.
type DNSError struct {
	Name   string // query name, fully qualified
	Server string // host:port of the DNS server asked last
	Rcode  int    // response code, or -1 when no response arrived
	Err    error  // transport error when Rcode is -1
}

func (e *DNSError) Error() string {
	if e.Rcode >= 0 {
		return fmt.Sprintf("NAPTR query for %s at %s failed: %s", e.Name, e.Server, rcodeText(e.Rcode))
	}
	return fmt.Sprintf("NAPTR query for %s at %s failed: %v", e.Name, e.Server, e.Err)
}

func (e *DNSError) Unwrap() error { return e.Err }

// Timeout reports whether the query got no response in time.
func (e *DNSError) Timeout() bool {
	var netErr net.Error
	return errors.Is(e.Err, context.DeadlineExceeded) || (errors.As(e.Err, &netErr) && netErr.Timeout())
}

// Temporary reports whether a later retry of the query may succeed: the
// server returned SERVFAIL, or no response arrived.
func (e *DNSError) Temporary() bool {
	return e.Rcode == dns.RcodeServerFailure || e.Rcode < 0
}

// RecordError is a NAPTR record that matches the requested service but
// cannot be used.
type RecordError struct {
	Record string // the record in zone-file syntax, with its owner name
	Field  string // the field at fault: "flags", "service", "regexp" or "replacement"
	Reason string
}

func (e *RecordError) Error() string {
	return fmt.Sprintf("malformed NAPTR record (%s): invalid %s field: %s", e.Record, e.Field, e.Reason)
}

// NotFoundError reports a discovery run that found no usable URI. Errs
// contains the DNS failures (*DNSError) and the malformed records
// (*RecordError) met on the way. It is empty when every name queried was
// absent (NXDOMAIN) or had no NAPTR record for the requested services.
type NotFoundError struct {
	Services []string // the service parameters looked for, such as "ALTO:https"
	Names    []string // the names queried, in order
	Errs     []error
}

func (e *NotFoundError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "no %s NAPTR record found at %s", strings.Join(e.Services, " or "), strings.Join(e.Names, ", "))
	for i, err := range e.Errs {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(err.Error())
	}
	if e.Temporary() {
		b.WriteString(" (some queries failed with a temporary error: retrying later may find a server)")
	}
	return b.String()
}

func (e *NotFoundError) Unwrap() []error { return e.Errs }

// Temporary reports whether a query failed with a temporary error, so
// that retrying the discovery later may give a result (RFC 8686,
// Section 3.5).
func (e *NotFoundError) Temporary() bool {
	return anyTemporary(e.Errs)
}

func anyTemporary(errs []error) bool {
	for _, err := range errs {
		var dnsErr *DNSError
		if errors.As(err, &dnsErr) && dnsErr.Temporary() {
			return true
		}
	}
	return false
}

func rcodeText(rcode int) string {
	if s, ok := dns.RcodeToString[rcode]; ok {
		return s
	}
	return fmt.Sprintf("response code %d", rcode)
}
