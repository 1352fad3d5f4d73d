// Package prefixes reads prefix tables: pyasn prefix-to-origin-AS files
// (plain or gzip) and prefix lists in CSV or YAML.
//
// Every parser returns prefixes in source order and rejects a prefix whose
// host bits are set (such as 192.0.2.1/24), because masking it silently could
// hide a typo in the address or the length. Duplicate prefixes are rejected
// in CSV and YAML lists but not checked in pyasn files.
//
// Invalid content is reported as a *ParseError that names the file, line and
// field.
package prefixes

import (
	"fmt"
	"math"
	"net/netip"
	"strconv"
)

// Entry is one prefix from a source.
type Entry struct {
	Prefix netip.Prefix // masked: host bits are zero
	ASN    uint32       // origin AS, or 0 when the source gives none
	PID    string       // PID named by a CSV or YAML list, or "" when none is named
}

// Table is the content of one source file.
type Table struct {
	File    string
	Entries []Entry
}

// checkPrefix parses text as a prefix and rejects host bits. The returned
// reason is "" on success.
func checkPrefix(text string) (netip.Prefix, string, error) {
	p, err := netip.ParsePrefix(text)
	if err != nil {
		return netip.Prefix{}, err.Error(), err
	}
	if masked := p.Masked(); masked != p {
		return netip.Prefix{}, hostBitsReason(p), nil
	}
	return p, "", nil
}

func hostBitsReason(p netip.Prefix) string {
	return fmt.Sprintf("prefix %s has host bits set; use %s", p, p.Masked())
}

// asnRangeReason explains the accepted ASN values. AS 0 is excluded because
// it is reserved and never a route's origin, and Entry uses 0 for "no ASN".
var asnRangeReason = fmt.Sprintf("want an AS number from 1 to %d", uint32(math.MaxUint32))

// parseASN parses a decimal AS number from 1 to 2^32-1. The returned reason
// is "" on success.
func parseASN(text string) (uint32, string, error) {
	n, err := strconv.ParseUint(text, 10, 32)
	if err != nil {
		return 0, fmt.Sprintf("invalid AS number %q; %s", text, asnRangeReason), err
	}
	if n == 0 {
		return 0, fmt.Sprintf("invalid AS number 0; %s", asnRangeReason), nil
	}
	return uint32(n), "", nil
}

// pidReason explains why name is not a valid PID name.
func pidReason(name string) string {
	return fmt.Sprintf("invalid PID name %q; want 1 to 64 characters from A-Z, a-z, 0-9, '-', ':', '@' and '_' (RFC 7285, Section 10.1)",
		name)
}
