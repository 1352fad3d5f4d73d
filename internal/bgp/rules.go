package bgp

import (
	"net/netip"
	"slices"

	"github.com/goalto/goalto/internal/netdef"
)

// rule is a compiled netdef.BGPRule.
type rule struct {
	pid         string
	communities []uint32
	large       []netdef.LargeCommunity
	originAS    []uint32
	neighborAS  []uint32
	nextHop     []netip.Prefix
	prefixes    []netip.Prefix
}

// compileRules parses the communities of the rules. The definition has
// validated them already, so a parse error cannot happen here.
func compileRules(rules []netdef.BGPRule) []rule {
	out := make([]rule, 0, len(rules))
	for _, r := range rules {
		c := rule{pid: r.PID, originAS: r.OriginAS, neighborAS: r.NeighborAS}
		for _, s := range r.Communities {
			v, _ := netdef.ParseCommunity(s)
			c.communities = append(c.communities, v)
		}
		for _, s := range r.LargeCommunities {
			v, _ := netdef.ParseLargeCommunity(s)
			c.large = append(c.large, v)
		}
		for _, p := range r.NextHop {
			c.nextHop = append(c.nextHop, p.Prefix)
		}
		for _, p := range r.Prefixes {
			c.prefixes = append(c.prefixes, p.Prefix)
		}
		out = append(out, c)
	}
	return out
}

// matches reports whether the route to prefix meets every criterion
// that the rule sets.
func (r *rule) matches(prefix netip.Prefix, rt *route) bool {
	if len(r.communities) > 0 && !slices.ContainsFunc(rt.communities, func(c uint32) bool { return slices.Contains(r.communities, c) }) {
		return false
	}
	if len(r.large) > 0 && !slices.ContainsFunc(rt.large, func(c netdef.LargeCommunity) bool { return slices.Contains(r.large, c) }) {
		return false
	}
	if len(r.originAS) > 0 && !slices.Contains(r.originAS, rt.originAS) {
		return false
	}
	if len(r.neighborAS) > 0 && !slices.Contains(r.neighborAS, rt.neighborAS) {
		return false
	}
	if len(r.nextHop) > 0 && !slices.ContainsFunc(r.nextHop, func(p netip.Prefix) bool { return p.Contains(rt.nextHop) }) {
		return false
	}
	if len(r.prefixes) > 0 && !slices.ContainsFunc(r.prefixes, func(p netip.Prefix) bool { return covers(p, prefix) }) {
		return false
	}
	return true
}

// covers reports whether prefix p equals q or contains it.
func covers(p, q netip.Prefix) bool {
	return p.Bits() <= q.Bits() && p.Contains(q.Addr())
}

// pidOf returns the PID of the first rule that matches, or "" when none
// does.
func pidOf(rules []rule, prefix netip.Prefix, rt *route) string {
	for i := range rules {
		if rules[i].matches(prefix, rt) {
			return rules[i].pid
		}
	}
	return ""
}
