package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/goalto/goalto/discovery"
)

// discoverFlags holds the flags of altoctl discover.
type discoverFlags struct {
	dns        string
	dnsTimeout time.Duration
	allowHTTP  bool
}

func newDiscoverCommand(a *app) *cobra.Command {
	var f discoverFlags
	cmd := &cobra.Command{
		Use:   "discover TARGET",
		Short: "Find the URI of an ALTO server in the DNS (RFC 7286, RFC 8686)",
		Long: `Find the URI of an ALTO server's information resource directory in the DNS.

TARGET is a domain name, an IP address or an IP prefix. For a domain name,
discover looks up its U-NAPTR records (RFC 7286). For an address or prefix,
it runs cross-domain discovery (RFC 8686): it looks up NAPTR records in the
reverse DNS tree, from the full address up to shorter prefixes, and stops at
the first name that has some. Failed and absent names do not stop the
search.

Records are accepted for the service "ALTO:https", and also "ALTO:http"
with --allow-http. The URIs are printed in the order in which the records
rank them: try them in turn. With --json, the output also lists each DNS
query and its outcome. The global flag --server does not apply.`,
		Example: `  altoctl discover example.net
  altoctl discover 192.0.2.7 --dns 192.0.2.53
  altoctl discover 2001:db8::/48 --json
  altoctl --server "$(altoctl discover example.net | awk 'NR==2 {print $1}')" ird`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			a.started = true
			return a.runDiscover(cmd.Context(), &f, args[0])
		},
	}
	flags := cmd.Flags()
	flags.StringVar(&f.dns, "dns", "", "DNS server to query, as host or host:port (default: the nameservers of /etc/resolv.conf)")
	flags.DurationVar(&f.dnsTimeout, "dns-timeout", discovery.DefaultTimeout, "time limit for each DNS query over UDP or TCP, such as 500ms")
	flags.BoolVar(&f.allowHTTP, "allow-http", false, "also accept servers published for plain HTTP (service ALTO:http)")
	return cmd
}

// discoverOutput is the JSON form of a discovery run.
type discoverOutput struct {
	Target  string             `json:"target"`
	Method  string             `json:"method"`
	Targets []discovery.Target `json:"targets"`
	Queries []discovery.Query  `json:"queries"`
}

func (a *app) runDiscover(ctx context.Context, f *discoverFlags, target string) error {
	if a.timeout <= 0 {
		return usagef("invalid --timeout %s: must be positive", a.timeout)
	}
	if f.dnsTimeout <= 0 {
		return usagef("invalid --dns-timeout %s: must be positive", f.dnsTimeout)
	}
	r := &discovery.Resolver{Server: f.dns, Timeout: f.dnsTimeout}
	if f.allowHTTP {
		r.Services = []string{discovery.ServiceHTTPS, discovery.ServiceHTTP}
	}
	ctx, cancel := context.WithTimeout(ctx, a.timeout)
	defer cancel()

	res, method, err := discover(ctx, r, target)
	if err != nil {
		return err
	}
	if res.Temporary() {
		fmt.Fprintf(a.stderr, "altoctl: warning: some DNS queries failed with a temporary error, so a more specific server may exist; retry later (%v)\n", errors.Join(res.Errs...))
	}
	if a.jsonOutput {
		body, err := json.Marshal(discoverOutput{Target: target, Method: method, Targets: res.Targets, Queries: res.Queries})
		if err != nil {
			return fmt.Errorf("encode result: %w", err)
		}
		return printJSON(a.stdout, body)
	}
	rows := make([][]string, 0, len(res.Targets))
	for _, t := range res.Targets {
		rows = append(rows, []string{t.URI, strconv.Itoa(int(t.Order)), strconv.Itoa(int(t.Preference)), t.Service, t.Name})
	}
	return printTable(a.stdout, []string{"URI", "ORDER", "PREFERENCE", "SERVICE", "NAME"}, rows)
}

// discover runs the discovery method that fits target: cross-domain
// discovery for an address or prefix, domain discovery otherwise.
func discover(ctx context.Context, r *discovery.Resolver, target string) (*discovery.Result, string, error) {
	prefix, isNet := parseTarget(target)
	if !isNet {
		res, err := r.DiscoverDomain(ctx, target)
		if errors.Is(err, discovery.ErrInvalidDomain) {
			return nil, "", usagef("invalid TARGET %q: want a domain name, an IP address or a prefix", target)
		}
		return res, "domain", err
	}
	res, err := r.DiscoverPrefix(ctx, prefix)
	if errors.Is(err, discovery.ErrUnsupportedPrefixLength) {
		return nil, "", usageError{err}
	}
	return res, "reverse-dns", err
}

// parseTarget parses target as an IP prefix or address, and reports
// whether it is one.
func parseTarget(target string) (netip.Prefix, bool) {
	if p, err := netip.ParsePrefix(target); err == nil {
		return p, true
	}
	if addr, err := netip.ParseAddr(target); err == nil {
		return netip.PrefixFrom(addr, addr.BitLen()), true
	}
	return netip.Prefix{}, false
}
