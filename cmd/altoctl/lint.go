package main

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/netip"
	"slices"
	"sort"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/client"
)

// Severities of lint findings.
const (
	severityError   = "error"   // the map is wrong or ambiguous
	severityWarning = "warning" // the map is valid but likely not intended
)

// finding is one problem that lint found, at a JSON pointer (RFC 6901)
// in a source.
type finding struct {
	Severity string `json:"severity"`
	Source   string `json:"source"`
	Pointer  string `json:"pointer"`
	Message  string `json:"message"`
}

// lintInput is a network map and the cost maps that use it, each with
// its source.
type lintInput struct {
	netSource  string
	net        *alto.NetworkMap
	costSource []string
	costs      []*alto.CostMap
}

func newLintCommand(a *app) *cobra.Command {
	var netSrc string
	var costSrcs []string
	cmd := &cobra.Command{
		Use:   "lint",
		Short: "Check a network map and its cost maps for likely mistakes",
		Long: `Check a network map and cost maps (RFC 7285, Sections 11.2.1 and 11.2.3) for
mistakes: prefixes in more than one PID, nested prefixes across PIDs,
non-canonical prefixes, no default PID, PIDs without prefixes, cost maps
of another network map version, PIDs that cost maps do not know,
unreachable or isolated PIDs, non-positive and asymmetric costs.

Maps come from files or URLs (--network-map, --cost-map); without
--network-map, from the server (--server): its default network map and
every cost map that uses it. --cost-map needs --network-map. Each finding names its source and a JSON
pointer (RFC 6901) into it. The exit status is 1 when a finding is an
error, 0 when there are only warnings or none.`,
		Example: "  altoctl lint --network-map net.json --cost-map routing.json\n  altoctl lint --server http://127.0.0.1:8181/directory",
		Args:    cobra.NoArgs,
		RunE: a.action(func(ctx context.Context, c *client.Client) error {
			in, err := loadLintInput(ctx, c, a.access.httpClient(), netSrc, costSrcs)
			if err != nil {
				return err
			}
			findings := lintMaps(in)
			if err := a.printFindings(findings); err != nil {
				return err
			}
			for _, f := range findings {
				if f.Severity == severityError {
					return silentExit{exitFailure}
				}
			}
			return nil
		}),
	}
	cmd.Flags().StringVar(&netSrc, "network-map", "", "`file or URL` of the network map; default: the server's default network map")
	cmd.Flags().StringArrayVar(&costSrcs, "cost-map", nil, "`file or URL` of a cost map of the network map given with --network-map; repeat for more; without --network-map, every cost map of the server that uses its default network map")
	return cmd
}

// loadLintInput reads the maps from the sources or, without a network
// map source, from the server.
func loadLintInput(ctx context.Context, c *client.Client, hc *http.Client, netSrc string, costSrcs []string) (*lintInput, error) {
	if netSrc == "" {
		if len(costSrcs) > 0 {
			return nil, usagef("--cost-map needs --network-map")
		}
		return loadLintInputFromServer(ctx, c)
	}
	in := &lintInput{netSource: client.RedactURL(netSrc)}
	body, err := readSource(ctx, hc, netSrc, "--network-map")
	if err != nil {
		return nil, err
	}
	if in.net, err = decodeNetworkMap(in.netSource, body); err != nil {
		return nil, err
	}
	for _, src := range costSrcs {
		body, err := readSource(ctx, hc, src, "--cost-map")
		if err != nil {
			return nil, err
		}
		label := client.RedactURL(src)
		m, err := decodeCostMap(label, body)
		if err != nil {
			return nil, err
		}
		in.costSource, in.costs = append(in.costSource, label), append(in.costs, m)
	}
	return in, nil
}

func loadLintInputFromServer(ctx context.Context, c *client.Client) (*lintInput, error) {
	netRes, err := c.NetworkMapResource(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := c.Get(ctx, netRes)
	if err != nil {
		return nil, err
	}
	in := &lintInput{netSource: netRes.ID}
	if in.net, err = decodeNetworkMap(netRes.ID, resp.Body); err != nil {
		return nil, err
	}
	all, err := c.Resources(ctx)
	if err != nil {
		return nil, err
	}
	for _, r := range all {
		if r.MediaType != alto.MediaTypeCostMap || r.Accepts != "" || !slices.Contains(r.Uses, netRes.ID) {
			continue
		}
		resp, err := c.Get(ctx, r)
		if err != nil {
			return nil, err
		}
		m, err := decodeCostMap(r.ID, resp.Body)
		if err != nil {
			return nil, err
		}
		in.costSource, in.costs = append(in.costSource, r.ID), append(in.costs, m)
	}
	return in, nil
}

// lintMaps returns the findings of every check, in a stable order.
func lintMaps(in *lintInput) []finding {
	var out []finding
	out = append(out, lintPrefixes(in.netSource, in.net)...)
	for i, m := range in.costs {
		out = append(out, lintCostMap(in.costSource[i], m, in.net)...)
	}
	out = append(out, lintIsolated(in)...)
	return out
}

// prefixOwner is a prefix of a network map with the PID that lists it
// and its position.
type prefixOwner struct {
	pid, addrType string
	index         int
}

// lintPrefixes checks the prefixes of a network map: each in one PID
// only, canonical, a default PID for each address type, and every PID
// with prefixes. Nested prefixes across PIDs are valid (the longest
// match wins, RFC 7285, Section 11.2.1.6) but are warned about unless
// the covering prefix is a default route.
func lintPrefixes(src string, m *alto.NetworkMap) []finding {
	var out []finding
	owners := map[netip.Prefix]prefixOwner{}
	for _, pid := range sortedKeys(m.NetworkMap) {
		group := m.NetworkMap[pid]
		total := 0
		for _, addrType := range sortedKeys(group) {
			for i, p := range group[addrType] {
				total++
				at := pointer("network-map", pid, addrType, strconv.Itoa(i))
				if p != p.Masked() {
					out = append(out, finding{severityWarning, src, at, fmt.Sprintf("prefix %s has host bits set; it means %s", p, p.Masked())})
				}
				p = p.Masked()
				if o, dup := owners[p]; dup && o.pid != pid {
					out = append(out, finding{severityError, src, at, fmt.Sprintf("prefix %s is also in PID %q (%s): an address in it maps to either PID", p, o.pid, pointer("network-map", o.pid, o.addrType, strconv.Itoa(o.index)))})
					continue
				} else if dup {
					out = append(out, finding{severityWarning, src, at, fmt.Sprintf("prefix %s is listed twice in PID %q (%s)", p, pid, pointer("network-map", o.pid, o.addrType, strconv.Itoa(o.index)))})
					continue
				}
				owners[p] = prefixOwner{pid, addrType, i}
			}
		}
		if total == 0 {
			out = append(out, finding{severityWarning, src, pointer("network-map", pid), fmt.Sprintf("PID %q has no prefixes: no endpoint maps to it", pid)})
		}
	}
	out = append(out, lintNesting(src, owners)...)
	for _, def := range []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0")} {
		if _, ok := owners[def]; !ok && hasFamily(owners, def.Addr().Is4()) {
			out = append(out, finding{severityWarning, src, pointer("network-map"), fmt.Sprintf("no PID has %s: addresses outside every prefix map to no PID", def)})
		}
	}
	return out
}

// lintNesting warns about prefixes inside a more general prefix of
// another PID, a default route excepted.
func lintNesting(src string, owners map[netip.Prefix]prefixOwner) []finding {
	prefixes := make([]netip.Prefix, 0, len(owners))
	for p := range owners {
		prefixes = append(prefixes, p)
	}
	sort.Slice(prefixes, func(i, j int) bool { return prefixes[i].Compare(prefixes[j]) < 0 })
	var out []finding
	for _, p := range prefixes {
		o := owners[p]
		for bits := p.Bits() - 1; bits > 0; bits-- {
			super, _ := p.Addr().Prefix(bits)
			so, ok := owners[super]
			if !ok {
				continue
			}
			if so.pid != o.pid {
				out = append(out, finding{severityWarning, src, pointer("network-map", o.pid, o.addrType, strconv.Itoa(o.index)),
					fmt.Sprintf("prefix %s of PID %q lies inside %s of PID %q; the longer prefix wins", p, o.pid, super, so.pid)})
			}
			break
		}
	}
	return out
}

func hasFamily(owners map[netip.Prefix]prefixOwner, v4 bool) bool {
	for p := range owners {
		if p.Addr().Is4() == v4 {
			return true
		}
	}
	return false
}

// lintCostMap checks a cost map against its network map: the version it
// depends on, PIDs that the network map lacks, and costs that are not
// positive or not symmetric.
func lintCostMap(src string, m *alto.CostMap, net *alto.NetworkMap) []finding {
	var out []finding
	if tag := net.Meta.VTag; tag != nil && len(m.Meta.DependentVTags) > 0 {
		if dep := m.Meta.DependentVTags[0]; dep != *tag {
			out = append(out, finding{severityError, src, pointer("meta", "dependent-vtags", "0"),
				fmt.Sprintf("the cost map depends on %s version %s, not on the network map's %s version %s", dep.ResourceID, dep.Tag, tag.ResourceID, tag.Tag)})
		}
	}
	for _, srcPID := range sortedKeys(m.CostMap) {
		if _, ok := net.NetworkMap[srcPID]; !ok {
			out = append(out, finding{severityError, src, pointer("cost-map", srcPID), fmt.Sprintf("source PID %q is not in the network map", srcPID)})
		}
		row := m.CostMap[srcPID]
		for _, dst := range sortedKeys(row) {
			out = append(out, lintCost(src, m, srcPID, dst, net)...)
		}
	}
	return out
}

// lintCost checks one cost.
func lintCost(src string, m *alto.CostMap, from, to string, net *alto.NetworkMap) []finding {
	var out []finding
	at := pointer("cost-map", from, to)
	cost := m.CostMap[from][to]
	if _, ok := net.NetworkMap[to]; !ok {
		out = append(out, finding{severityError, src, at, fmt.Sprintf("destination PID %q is not in the network map", to)})
	}
	switch {
	case math.IsNaN(cost) || math.IsInf(cost, 0):
		out = append(out, finding{severityError, src, at, fmt.Sprintf("cost %v is not a finite number", cost)})
	case cost < 0:
		out = append(out, finding{severityError, src, at, fmt.Sprintf("cost %v is negative", cost)})
	case cost == 0 && from != to:
		out = append(out, finding{severityWarning, src, at, fmt.Sprintf("cost 0 between different PIDs %q and %q", from, to)})
	}
	if back, ok := m.CostMap[to][from]; ok && from < to && back != cost {
		out = append(out, finding{severityWarning, src, at, fmt.Sprintf("asymmetric cost: %v from %q to %q but %v back (%s)", cost, from, to, back, pointer("cost-map", to, from))})
	}
	return out
}

// lintIsolated warns about PIDs that no cost map gives a cost from or
// to another PID: unreachable ones have no costs to them, isolated ones
// none in either direction.
func lintIsolated(in *lintInput) []finding {
	if len(in.costs) == 0 {
		return nil
	}
	from, to := map[string]bool{}, map[string]bool{}
	for _, m := range in.costs {
		for s, row := range m.CostMap {
			for d := range row {
				if s != d {
					from[s], to[d] = true, true
				}
			}
		}
	}
	var out []finding
	for _, pid := range sortedKeys(in.net.NetworkMap) {
		at := pointer("network-map", pid)
		switch {
		case !from[pid] && !to[pid]:
			out = append(out, finding{severityWarning, in.netSource, at, fmt.Sprintf("PID %q is isolated: no cost map has a cost from or to it", pid)})
		case !to[pid]:
			out = append(out, finding{severityWarning, in.netSource, at, fmt.Sprintf("PID %q is unreachable: no cost map has a cost to it", pid)})
		}
	}
	return out
}

// printFindings prints the findings as a table or, with --json, as a
// JSON array.
func (a *app) printFindings(findings []finding) error {
	if a.jsonOutput {
		if findings == nil {
			findings = []finding{}
		}
		return writeJSONValue(a.stdout, findings)
	}
	if len(findings) == 0 {
		_, err := fmt.Fprintln(a.stdout, "no findings")
		return err
	}
	rows := make([][]string, len(findings))
	for i, f := range findings {
		rows[i] = []string{f.Severity, f.Source + ":" + f.Pointer, f.Message}
	}
	return printTable(a.stdout, []string{"SEVERITY", "LOCATION", "MESSAGE"}, rows)
}
