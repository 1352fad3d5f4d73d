package main

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"slices"
	"sort"

	"github.com/spf13/cobra"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/client"
)

// Kinds of map changes.
const (
	changeAdded   = "added"
	changeRemoved = "removed"
	changeMoved   = "moved"   // a prefix now in another PID
	changeChanged = "changed" // a cost or the cost type
)

// mapChange is one difference between two versions of a map. For a
// network map, Key is a PID or a prefix; for a cost map, a source and
// destination PID pair or "cost-type".
type mapChange struct {
	Change string `json:"change"`
	Kind   string `json:"kind"` // "pid", "prefix", "cost" or "cost-type"
	Key    string `json:"key"`
	Old    string `json:"old,omitempty"`
	New    string `json:"new,omitempty"`
}

func newDiffCommand(a *app) *cobra.Command {
	var exitCode bool
	cmd := &cobra.Command{
		Use:   "diff OLD NEW",
		Short: "Show the differences between two versions of a network map or cost map",
		Long: `Compare two versions of a network map or of a cost map (RFC 7285, Sections
11.2.1 and 11.2.3), each a file or an http(s) URL, to review a change
before it goes live. For network maps, list PIDs added or removed and
prefixes added, removed or moved to another PID; for cost maps, the cost
type if it changed and every cost added, removed or changed. Version tags
are not compared. With --exit-code, exit 1 when the maps differ.`,
		Example: "  altoctl diff old-net.json new-net.json\n  altoctl diff http://127.0.0.1:8181/networkmap new-net.json",
		Args:    cobra.ExactArgs(2),
		RunE: a.action0(func(ctx context.Context, args []string) error {
			access, err := a.serverAccess(a.server)
			if err != nil {
				return err
			}
			changes, err := diffSources(ctx, access.httpClient(), args[0], args[1])
			if err != nil {
				return err
			}
			if err := a.printChanges(changes); err != nil {
				return err
			}
			if exitCode && len(changes) > 0 {
				return silentExit{exitFailure}
			}
			return nil
		}),
	}
	cmd.Flags().BoolVar(&exitCode, "exit-code", false, "exit with status 1 when the maps differ, as diff(1) does")
	return cmd
}

// action0 is action for commands that do not talk to --server: it only
// applies --timeout.
func (a *app) action0(body func(ctx context.Context, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		a.started = true
		if a.timeout <= 0 {
			return usagef("invalid --timeout %s: must be positive", a.timeout)
		}
		ctx, cancel := context.WithTimeout(cmd.Context(), a.timeout)
		defer cancel()
		return body(ctx, args)
	}
}

// diffSources reads two maps of the same kind and compares them.
func diffSources(ctx context.Context, hc *http.Client, oldSrc, newSrc string) ([]mapChange, error) {
	oldBody, err := readSource(ctx, hc, oldSrc, "argument OLD")
	if err != nil {
		return nil, err
	}
	newBody, err := readSource(ctx, hc, newSrc, "argument NEW")
	if err != nil {
		return nil, err
	}
	// The sources name the maps in messages from here on.
	oldSrc, newSrc = client.RedactURL(oldSrc), client.RedactURL(newSrc)
	oldKind, err := mapKind(oldSrc, oldBody)
	if err != nil {
		return nil, err
	}
	newKind, err := mapKind(newSrc, newBody)
	if err != nil {
		return nil, err
	}
	if oldKind != newKind {
		return nil, fmt.Errorf("cannot compare a %s (%s) with a %s (%s)", oldKind, oldSrc, newKind, newSrc)
	}

	if oldKind == "network-map" {
		return comparePair(oldSrc, newSrc, oldBody, newBody, decodeNetworkMap, compareNetworkMaps)
	}
	return comparePair(oldSrc, newSrc, oldBody, newBody, decodeCostMap, compareCostMaps)
}

// comparePair decodes two maps of one kind and compares them.
func comparePair[T any](oldSrc, newSrc string, oldBody, newBody []byte, decode func(string, []byte) (*T, error), compare func(o, n *T) []mapChange) ([]mapChange, error) {
	o, err := decode(oldSrc, oldBody)
	if err != nil {
		return nil, err
	}
	n, err := decode(newSrc, newBody)
	if err != nil {
		return nil, err
	}
	return compare(o, n), nil
}

// compareNetworkMaps lists the PIDs and then the prefixes that differ,
// each sorted.
func compareNetworkMaps(o, n *alto.NetworkMap) []mapChange {
	var out []mapChange
	for _, pid := range sortedKeys(o.NetworkMap) {
		if _, ok := n.NetworkMap[pid]; !ok {
			out = append(out, mapChange{Change: changeRemoved, Kind: "pid", Key: pid})
		}
	}
	for _, pid := range sortedKeys(n.NetworkMap) {
		if _, ok := o.NetworkMap[pid]; !ok {
			out = append(out, mapChange{Change: changeAdded, Kind: "pid", Key: pid})
		}
	}

	oldPIDs, newPIDs := prefixPIDs(o), prefixPIDs(n)
	all := map[netip.Prefix]bool{}
	for p := range oldPIDs {
		all[p] = true
	}
	for p := range newPIDs {
		all[p] = true
	}
	prefixes := make([]netip.Prefix, 0, len(all))
	for p := range all {
		prefixes = append(prefixes, p)
	}
	sort.Slice(prefixes, func(i, j int) bool { return prefixes[i].Compare(prefixes[j]) < 0 })
	for _, p := range prefixes {
		was, is := oldPIDs[p], newPIDs[p]
		if len(was) == 1 && len(is) == 1 && was[0] != is[0] {
			out = append(out, mapChange{Change: changeMoved, Kind: "prefix", Key: p.String(), Old: was[0], New: is[0]})
			continue
		}
		for _, pid := range was {
			if !slices.Contains(is, pid) {
				out = append(out, mapChange{Change: changeRemoved, Kind: "prefix", Key: p.String(), Old: pid})
			}
		}
		for _, pid := range is {
			if !slices.Contains(was, pid) {
				out = append(out, mapChange{Change: changeAdded, Kind: "prefix", Key: p.String(), New: pid})
			}
		}
	}
	return out
}

// prefixPIDs maps each canonical prefix of a network map to its PIDs, in
// sorted order. A prefix in two PIDs, which lint reports, has both, so
// that a change to either is listed.
func prefixPIDs(m *alto.NetworkMap) map[netip.Prefix][]string {
	out := map[netip.Prefix][]string{}
	for _, pid := range sortedKeys(m.NetworkMap) {
		for _, prefixes := range m.NetworkMap[pid] {
			for _, p := range prefixes {
				if !slices.Contains(out[p.Masked()], pid) {
					out[p.Masked()] = append(out[p.Masked()], pid)
				}
			}
		}
	}
	return out
}

// compareCostMaps lists a changed cost type and then the costs that differ,
// sorted by source and destination PID.
func compareCostMaps(o, n *alto.CostMap) []mapChange {
	var out []mapChange
	if ot, nt := costTypeText(o.Meta.CostType), costTypeText(n.Meta.CostType); ot != nt {
		out = append(out, mapChange{Change: changeChanged, Kind: "cost-type", Key: "cost-type", Old: ot, New: nt})
	}
	sources := map[string]bool{}
	for s := range o.CostMap {
		sources[s] = true
	}
	for s := range n.CostMap {
		sources[s] = true
	}
	for _, src := range sortedKeys(sources) {
		dsts := map[string]bool{}
		for d := range o.CostMap[src] {
			dsts[d] = true
		}
		for d := range n.CostMap[src] {
			dsts[d] = true
		}
		for _, dst := range sortedKeys(dsts) {
			if c, ok := compareCost(o, n, src, dst); ok {
				out = append(out, c)
			}
		}
	}
	return out
}

func compareCost(o, n *alto.CostMap, src, dst string) (mapChange, bool) {
	was, inOld := o.CostMap[src][dst]
	is, inNew := n.CostMap[src][dst]
	key := src + " -> " + dst
	switch {
	case !inNew:
		return mapChange{Change: changeRemoved, Kind: "cost", Key: key, Old: formatCost(was)}, true
	case !inOld:
		return mapChange{Change: changeAdded, Kind: "cost", Key: key, New: formatCost(is)}, true
	case was != is:
		return mapChange{Change: changeChanged, Kind: "cost", Key: key, Old: formatCost(was), New: formatCost(is)}, true
	}
	return mapChange{}, false
}

func costTypeText(ct *alto.CostType) string {
	if ct == nil {
		return ""
	}
	return ct.Mode + " " + ct.Metric
}

// printChanges prints the changes as a table or, with --json, as a JSON
// array.
func (a *app) printChanges(changes []mapChange) error {
	if a.jsonOutput {
		if changes == nil {
			changes = []mapChange{}
		}
		return writeJSONValue(a.stdout, changes)
	}
	if len(changes) == 0 {
		_, err := fmt.Fprintln(a.stdout, "no differences")
		return err
	}
	rows := make([][]string, len(changes))
	for i, c := range changes {
		rows[i] = []string{c.Change, c.Kind, c.Key, c.Old, c.New}
	}
	return printTable(a.stdout, []string{"CHANGE", "KIND", "KEY", "OLD", "NEW"}, rows)
}
