package netdef

import "slices"

// BGP-LS link metrics, as written in a definition.
const (
	BGPLSMetricIGP = "igp" // the IGP Metric TLV (RFC 9552, Section 5.3.2.4)
	BGPLSMetricTE  = "te"  // the TE Default Metric TLV (RFC 5305, Section 3.7)
)

// BGPLS takes the topology from the BGP-LS routes (RFC 9552) that the
// embedded BGP speaker receives, in place of a topology file; see
// docs/bgp-ls.md. The zero value leaves it off.
type BGPLS struct {
	// Enabled makes the BGP-LS topology the topology of the definition.
	Enabled bool `yaml:"enabled"`
	// Metric is the link attribute that routingcost adds up: igp (the
	// default) or te, which falls back to the IGP metric on links
	// without a TE metric.
	Metric string `yaml:"metric"`
	// PrefixPIDs forms one PID per router from the prefixes it
	// advertises, under the node rule. By default the advertised
	// prefixes only attach PIDs to routers.
	PrefixPIDs bool `yaml:"prefix-pids"`
}

// HasTopology reports whether the definition has a topology: a
// topology file or BGP-LS.
func (d *Definition) HasTopology() bool { return d.Topology != "" || d.BGPLS.Enabled }

func (d *Definition) validateBGPLS() error {
	b := d.BGPLS
	if !b.Enabled {
		if b.Metric != "" || b.PrefixPIDs {
			return fieldErr("bgp-ls", "bgp-ls settings are given but enabled is not true: add enabled: true")
		}
		return nil
	}
	if d.Topology != "" {
		return fieldErr("bgp-ls.enabled", "the topology comes from either a file or BGP-LS: remove topology or bgp-ls")
	}
	if !d.BGP.carries(FamilyLinkState) {
		return fieldErr("bgp-ls.enabled", "no BGP peer carries the %s family: add %s to the families of a peer under bgp.peers", FamilyLinkState, FamilyLinkState)
	}
	switch b.Metric {
	case "", BGPLSMetricIGP, BGPLSMetricTE:
	default:
		return fieldErr("bgp-ls.metric", "unknown metric %q: use %s or %s", b.Metric, BGPLSMetricIGP, BGPLSMetricTE)
	}
	return nil
}

// carries reports whether a peer of the speaker has the address family.
func (b *BGP) carries(family string) bool {
	for _, p := range b.Peers {
		if slices.Contains(p.Families, family) {
			return true
		}
	}
	return false
}
