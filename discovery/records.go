package discovery

import (
	"fmt"
	"math/big"
	"net/netip"
	"net/url"
	"strings"

	"github.com/miekg/dns"
)

// MaxNamesPerPrefix caps the reverse names that Records publishes for one
// prefix whose length falls between two lookup levels.
const MaxNamesPerPrefix = 1 << maxExtraBits

// maxExtraBits is the most bits by which a published prefix may fall
// short of the next lookup level.
const maxExtraBits = 8

// Order and preference of the generated records. With one URI per name
// any values work; these are the ones of the RFC examples.
const (
	recordOrder      = 100
	recordPreference = 10
)

// regexpDelimiters are tried in turn as the delimiter of the generated
// regexp field, so that the delimiter never occurs in the URI.
const regexpDelimiters = "!|~^%"

// Records returns the NAPTR records, in zone-file syntax, that let both
// discovery methods find the ALTO server whose IRD is at uri. The first
// record is at domain, for RFC 7286, unless domain is empty. Each prefix
// then gets the reverse DNS records that RFC 8686 lookups of its
// addresses reach. The service is "ALTO:https" or "ALTO:http" after the
// scheme of uri.
//
// A prefix whose length is a lookup level (IPv4 /8, /16, /24, /32; IPv6
// /32, /40, /48, /56, /64, /128) gets one record. Any other length gets
// one record for each name at the next longer level inside it, such as
// 16 names at /24 for an IPv4 /20, because a record at the shorter level
// would also claim addresses outside the prefix. An error is returned
// when that takes more than MaxNamesPerPrefix names (as for an IPv6 /96,
// which lies between /64 and /128), for a prefix too short to be looked
// up, and for an invalid domain or URI. Duplicate names are written once.
func Records(domain, uri string, prefixes []netip.Prefix, ttl uint32) ([]string, error) {
	naptr, err := newRecordTemplate(uri, ttl)
	if err != nil {
		return nil, err
	}
	if domain == "" && len(prefixes) == 0 {
		return nil, fmt.Errorf("discovery records: give a domain, a prefix or both")
	}
	var names []string
	if domain != "" {
		name, err := domainName(domain)
		if err != nil {
			return nil, fmt.Errorf("discovery records: %w", err)
		}
		names = append(names, name)
	}
	for _, p := range prefixes {
		pnames, err := publishNames(p)
		if err != nil {
			return nil, fmt.Errorf("discovery records: %w", err)
		}
		names = append(names, pnames...)
	}

	lines := make([]string, 0, len(names))
	seen := make(map[string]bool, len(names))
	for _, name := range names {
		if seen[name] {
			continue
		}
		seen[name] = true
		naptr.Hdr.Name = name
		// The rdata contains no tab, so only the header separators change.
		lines = append(lines, strings.ReplaceAll(naptr.String(), "\t", " "))
	}
	return lines, nil
}

// newRecordTemplate checks uri and returns the NAPTR record that points
// to it, without an owner name.
func newRecordTemplate(uri string, ttl uint32) (*dns.NAPTR, error) {
	u, err := url.Parse(uri)
	if err != nil {
		return nil, fmt.Errorf("discovery records: invalid URI %q: %w", uri, err)
	}
	scheme := strings.ToLower(u.Scheme)
	if (scheme != "https" && scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("discovery records: invalid URI %q: want an absolute http or https URI of the server's IRD", uri)
	}
	for _, r := range uri {
		if r <= ' ' || r > '~' || r == '"' || r == '\\' {
			return nil, fmt.Errorf("discovery records: invalid URI %q: character %q is not allowed; percent-encode it", uri, r)
		}
	}
	delim := strings.IndexFunc(regexpDelimiters, func(r rune) bool { return !strings.ContainsRune(uri, r) })
	if delim < 0 {
		return nil, fmt.Errorf("discovery records: invalid URI %q: it contains every candidate regexp delimiter %q", uri, regexpDelimiters)
	}
	d := string(regexpDelimiters[delim])
	return &dns.NAPTR{
		Hdr:         dns.RR_Header{Rrtype: dns.TypeNAPTR, Class: dns.ClassINET, Ttl: ttl},
		Order:       recordOrder,
		Preference:  recordPreference,
		Flags:       "u",
		Service:     "ALTO:" + scheme,
		Regexp:      d + ".*" + d + uri + d,
		Replacement: ".",
	}, nil
}

// publishNames returns the reverse names that cover prefix p exactly: the
// name at p's length when that is a lookup level, otherwise every name
// at the next longer level inside p.
func publishNames(p netip.Prefix) ([]string, error) {
	p, err := normalizePrefix(p)
	if err != nil {
		return nil, err
	}
	p = p.Masked()
	levels := levels6
	if p.Addr().Is4() {
		levels = levels4
	}
	level := levels[0]
	for _, l := range levels {
		if l >= p.Bits() {
			level = l
		}
	}
	extra := level - p.Bits()
	if extra > maxExtraBits {
		return nil, fmt.Errorf("prefix %s needs 2^%d reverse names at /%d, more than %d: publish prefixes of a lookup length instead", p, extra, level, MaxNamesPerPrefix)
	}

	names := make([]string, 0, 1<<extra)
	base := new(big.Int).SetBytes(p.Addr().AsSlice())
	step := new(big.Int).Lsh(big.NewInt(1), uint(p.Addr().BitLen()-level))
	for i := 0; i < 1<<extra; i++ {
		buf := make([]byte, p.Addr().BitLen()/8)
		addr, _ := netip.AddrFromSlice(base.FillBytes(buf))
		names = append(names, reverseName(addr, level))
		base.Add(base, step)
	}
	return names, nil
}
