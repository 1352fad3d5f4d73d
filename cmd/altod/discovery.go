package main

import (
	"flag"
	"fmt"
	"io"
	"math"
	"net/netip"
	"strings"

	"github.com/goalto/goalto/discovery"
)

// defaultDiscoveryTTL is the TTL, in seconds, of the printed discovery
// records unless --discovery-ttl sets another.
const defaultDiscoveryTTL = 3600

// discoveryFlags holds the flags of --print-discovery-records.
type discoveryFlags struct {
	print    bool
	domain   string
	uri      string
	prefixes prefixFlag
	ttl      uint
}

// prefixFlag is a repeatable flag of IP prefixes.
type prefixFlag []netip.Prefix

func (p *prefixFlag) String() string {
	if p == nil {
		return ""
	}
	s := make([]string, len(*p))
	for i, prefix := range *p {
		s[i] = prefix.String()
	}
	return strings.Join(s, ",")
}

// Set parses one prefix, or an address taken as a full-length prefix.
func (p *prefixFlag) Set(v string) error {
	prefix, err := netip.ParsePrefix(v)
	if err != nil {
		addr, addrErr := netip.ParseAddr(v)
		if addrErr != nil {
			return fmt.Errorf("want an IP prefix such as 192.0.2.0/24, or an address")
		}
		prefix = netip.PrefixFrom(addr, addr.BitLen())
	}
	*p = append(*p, prefix)
	return nil
}

// addDiscoveryFlags registers --print-discovery-records and the flags
// it reads on fs.
func addDiscoveryFlags(fs *flag.FlagSet) *discoveryFlags {
	f := &discoveryFlags{}
	fs.BoolVar(&f.print, "print-discovery-records", false, "print the DNS NAPTR records that let ALTO clients discover this server (RFC 7286, RFC 8686), then exit; needs --uri and --domain or --prefix")
	fs.StringVar(&f.domain, "domain", "", "`domain` name that clients look up for RFC 7286 discovery, such as example.net")
	fs.StringVar(&f.uri, "uri", "", "public `URL` of this server's IRD that the records point to, such as https://alto.example.net/directory")
	fs.Var(&f.prefixes, "prefix", "IP `prefix` whose reverse DNS names get a record for RFC 8686 discovery; repeat for more prefixes")
	fs.UintVar(&f.ttl, "discovery-ttl", defaultDiscoveryTTL, "TTL of the printed records, in seconds")
	return f
}

// printDiscoveryRecords writes the zone-file lines for the discovery
// flags to w, preceded by comment lines. It returns an error, for the
// caller to print with exit status 2, when the flags are incomplete or
// invalid.
func printDiscoveryRecords(w io.Writer, f *discoveryFlags) error {
	if f.uri == "" {
		return fmt.Errorf("--print-discovery-records needs --uri, the public URL of this server's IRD")
	}
	if f.domain == "" && len(f.prefixes) == 0 {
		return fmt.Errorf("--print-discovery-records needs --domain, --prefix or both")
	}
	if f.ttl > math.MaxInt32 {
		return fmt.Errorf("invalid --discovery-ttl %d: at most %d seconds", f.ttl, math.MaxInt32)
	}
	lines, err := discovery.Records(f.domain, f.uri, f.prefixes, uint32(f.ttl))
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "; ALTO server discovery records for %s (RFC 7286, RFC 8686).\n", f.uri)
	fmt.Fprintln(w, "; Add each line to the DNS zone that contains its owner name.")
	for _, line := range lines {
		fmt.Fprintln(w, line)
	}
	return nil
}
