package netdef

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/goalto/goalto/alto"
)

// BGP address families that a peer can carry, as written in a definition.
const (
	FamilyIPv4Unicast = "ipv4-unicast"
	FamilyIPv6Unicast = "ipv6-unicast"
	// FamilyLinkState is BGP-LS (RFC 9552), the source of a topology.
	FamilyLinkState = "ls"
)

// Defaults of the bgp section.
const (
	DefaultBGPHoldTime    = 5 * time.Minute
	DefaultBGPQuietPeriod = 2 * time.Second
	DefaultBGPMaxDelay    = 30 * time.Second
	DefaultBGPPort        = 179
)

// BGP configures the embedded BGP speaker, whose best routes feed the
// network map. The zero value configures no speaker.
type BGP struct {
	// LocalAS is the AS number of the speaker.
	LocalAS uint32 `yaml:"local-as"`
	// RouterID is the BGP identifier of the speaker, an IPv4 address.
	RouterID string `yaml:"router-id"`
	// ListenAddress is the address that the speaker accepts sessions on;
	// it takes effect only with a ListenPort.
	ListenAddress string `yaml:"listen-address"`
	// ListenPort is the TCP port that the speaker accepts sessions on; 0,
	// the default, accepts none, so that the speaker only connects out.
	ListenPort int `yaml:"listen-port"`
	// Peers are the BGP neighbors, usually route reflectors.
	Peers []BGPPeer `yaml:"peers"`
	// HoldTime is how long the routes of a peer whose session went down
	// stay in use; default DefaultBGPHoldTime.
	HoldTime Duration `yaml:"hold-time"`
	// QuietPeriod is how long the routes must stay unchanged before a new
	// network map version is built; default DefaultBGPQuietPeriod.
	QuietPeriod Duration `yaml:"quiet-period"`
	// MaxDelay bounds the time from a route change to the new version
	// under a constant stream of changes; default DefaultBGPMaxDelay.
	MaxDelay Duration `yaml:"max-delay"`
	// Rules form PIDs from the best path of each prefix; the first rule
	// that matches wins.
	Rules []BGPRule `yaml:"rules"`
	// DefaultPID is the PID of the prefixes that no rule matches; empty
	// leaves them to the network-map rule (asn: one PID per origin AS).
	DefaultPID string `yaml:"default-pid"`
}

// Enabled reports whether the definition configures a BGP speaker.
func (b *BGP) Enabled() bool { return b.LocalAS != 0 || len(b.Peers) > 0 }

// BGPPeer is one BGP neighbor of the speaker.
type BGPPeer struct {
	Address string `yaml:"address"`
	// Port is the TCP port of the peer; default DefaultBGPPort.
	Port int    `yaml:"port"`
	AS   uint32 `yaml:"as"`
	// Password, when set, enables TCP MD5 signatures (RFC 2385).
	Password string `yaml:"password"`
	// Families are the address families of the session; default
	// ipv4-unicast and ipv6-unicast.
	Families []string `yaml:"families"`
	// Passive makes the speaker wait for the peer to connect.
	Passive bool `yaml:"passive"`
	// ConnectRetry is the time between connection attempts, in whole
	// seconds of at least 2; 0 takes GoBGP's default of 120 seconds.
	ConnectRetry Duration `yaml:"connect-retry"`
}

// BGPRule assigns a PID to the prefixes whose best path matches every
// criterion that the rule sets. Within one criterion, any listed value
// matches.
type BGPRule struct {
	PID string `yaml:"pid"`
	// Communities are RFC 1997 communities written "AS:VALUE".
	Communities []string `yaml:"communities"`
	// LargeCommunities are RFC 8092 large communities written
	// "GLOBAL:DATA1:DATA2".
	LargeCommunities []string `yaml:"large-communities"`
	// OriginAS matches the last AS of the AS path.
	OriginAS []uint32 `yaml:"origin-as"`
	// NeighborAS matches the first AS of the AS path, the neighboring AS
	// that the route was learned from.
	NeighborAS []uint32 `yaml:"neighbor-as"`
	// NextHop matches a next hop address inside one of these prefixes.
	NextHop []Prefix `yaml:"next-hop"`
	// Prefixes matches a route whose prefix is one of these or inside one.
	Prefixes []Prefix `yaml:"prefixes"`
}

// Duration is a time.Duration written as a Go duration string, such as
// "1m30s".
type Duration time.Duration

// UnmarshalYAML parses a duration, reporting the line of an invalid one.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: invalid duration %q: use a number with a unit, such as 2s or 5m", n.Line, n.Value)
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML writes the duration string.
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

// ParseCommunity parses an RFC 1997 community "AS:VALUE" into its 32-bit
// form.
func ParseCommunity(s string) (uint32, error) {
	parts := strings.Split(s, ":")
	if len(parts) != 2 {
		return 0, fmt.Errorf("invalid community %q: write AS:VALUE, such as 64500:100", s)
	}
	hi, err1 := strconv.ParseUint(parts[0], 10, 16)
	lo, err2 := strconv.ParseUint(parts[1], 10, 16)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("invalid community %q: both parts are numbers from 0 to 65535", s)
	}
	return uint32(hi)<<16 | uint32(lo), nil
}

// LargeCommunity is an RFC 8092 large community.
type LargeCommunity struct{ Global, Data1, Data2 uint32 }

// ParseLargeCommunity parses "GLOBAL:DATA1:DATA2".
func ParseLargeCommunity(s string) (LargeCommunity, error) {
	parts := strings.Split(s, ":")
	if len(parts) != 3 {
		return LargeCommunity{}, fmt.Errorf("invalid large community %q: write GLOBAL:DATA1:DATA2, such as 64500:1:2", s)
	}
	var v [3]uint32
	for i, p := range parts {
		n, err := strconv.ParseUint(p, 10, 32)
		if err != nil {
			return LargeCommunity{}, fmt.Errorf("invalid large community %q: each part is a number from 0 to 4294967295", s)
		}
		v[i] = uint32(n)
	}
	return LargeCommunity{v[0], v[1], v[2]}, nil
}

func (b *BGP) setDefaults() {
	if !b.Enabled() {
		return
	}
	if b.HoldTime == 0 {
		b.HoldTime = Duration(DefaultBGPHoldTime)
	}
	if b.QuietPeriod == 0 {
		b.QuietPeriod = Duration(DefaultBGPQuietPeriod)
	}
	if b.MaxDelay == 0 {
		b.MaxDelay = Duration(DefaultBGPMaxDelay)
	}
	for i := range b.Peers {
		p := &b.Peers[i]
		if p.Port == 0 {
			p.Port = DefaultBGPPort
		}
		if len(p.Families) == 0 {
			p.Families = []string{FamilyIPv4Unicast, FamilyIPv6Unicast}
		}
	}
}

func (d *Definition) validateBGP() error {
	b := &d.BGP
	if !b.Enabled() {
		return nil
	}
	if b.LocalAS == 0 {
		return fieldErr("bgp.local-as", "missing local AS number")
	}
	if a, err := netip.ParseAddr(b.RouterID); err != nil || !a.Is4() {
		return fieldErr("bgp.router-id", "invalid router ID %q: give an IPv4 address", b.RouterID)
	}
	if b.ListenPort < 0 || b.ListenPort > 65535 {
		return fieldErr("bgp.listen-port", "port %d is out of range 0 to 65535", b.ListenPort)
	}
	if b.ListenAddress != "" {
		if _, err := netip.ParseAddr(b.ListenAddress); err != nil {
			return fieldErr("bgp.listen-address", "invalid address %q", b.ListenAddress)
		}
	}
	if b.QuietPeriod < 0 || b.MaxDelay < b.QuietPeriod || b.HoldTime < 0 {
		return fieldErr("bgp.max-delay", "durations must not be negative, and max-delay (%s) must be at least quiet-period (%s)", time.Duration(b.MaxDelay), time.Duration(b.QuietPeriod))
	}
	if len(b.Peers) == 0 {
		return fieldErr("bgp.peers", "no peers: list at least one")
	}
	if err := b.validatePeers(); err != nil {
		return err
	}
	if b.DefaultPID != "" && !alto.ValidPIDName(b.DefaultPID) {
		return fieldErr("bgp.default-pid", "invalid PID name %q", b.DefaultPID)
	}
	if b.DefaultPID == "" && d.NetworkMap.Rule != PIDsByASN {
		return fieldErr("bgp.default-pid", "prefixes that match no rule need a default-pid, or network-map pids: asn")
	}
	return b.validateRules()
}

func (b *BGP) validatePeers() error {
	seen := map[netip.Addr]bool{}
	for i, p := range b.Peers {
		field := fmt.Sprintf("bgp.peers[%d]", i)
		addr, err := netip.ParseAddr(p.Address)
		if err != nil {
			return fieldErr(field+".address", "invalid address %q", p.Address)
		}
		if seen[addr] {
			return fieldErr(field+".address", "peer %s is listed twice", addr)
		}
		seen[addr] = true
		if p.AS == 0 {
			return fieldErr(field+".as", "missing peer AS number")
		}
		if p.Port < 1 || p.Port > 65535 {
			return fieldErr(field+".port", "port %d is out of range 1 to 65535", p.Port)
		}
		if p.ConnectRetry != 0 && p.ConnectRetry < Duration(2*time.Second) {
			return fieldErr(field+".connect-retry", "%s is shorter than the minimum of 2s", time.Duration(p.ConnectRetry))
		}
		for j, f := range p.Families {
			switch f {
			case FamilyIPv4Unicast, FamilyIPv6Unicast, FamilyLinkState:
			default:
				return fieldErr(fmt.Sprintf("%s.families[%d]", field, j), "unknown address family %q: use ipv4-unicast, ipv6-unicast or ls", f)
			}
		}
	}
	return nil
}

func (b *BGP) validateRules() error {
	for i, r := range b.Rules {
		field := fmt.Sprintf("bgp.rules[%d]", i)
		if !alto.ValidPIDName(r.PID) {
			return fieldErr(field+".pid", "invalid PID name %q", r.PID)
		}
		for j, c := range r.Communities {
			if _, err := ParseCommunity(c); err != nil {
				return fieldErr(fmt.Sprintf("%s.communities[%d]", field, j), "%v", err)
			}
		}
		for j, c := range r.LargeCommunities {
			if _, err := ParseLargeCommunity(c); err != nil {
				return fieldErr(fmt.Sprintf("%s.large-communities[%d]", field, j), "%v", err)
			}
		}
		if len(r.Communities)+len(r.LargeCommunities)+len(r.OriginAS)+len(r.NeighborAS)+len(r.NextHop)+len(r.Prefixes) == 0 {
			return fieldErr(field, "the rule sets no criterion: give communities, large-communities, origin-as, neighbor-as, next-hop or prefixes")
		}
	}
	return nil
}

// MRTPeer chooses, for an MRT dump listed under prefixes, the routes of
// one collector peer instead of the best route of each prefix.
type MRTPeer struct {
	// File is the dump, written as in prefixes.
	File string `yaml:"file"`
	// Address, when set, takes the routes of the peer with this address.
	Address string `yaml:"address"`
	// AS, when set, takes the routes of peers of this AS.
	AS uint32 `yaml:"as"`
}

// MRTPeerOf returns the peer choice for a file of prefixes, and false
// when the definition makes none.
func (d *Definition) MRTPeerOf(file string) (MRTPeer, bool) {
	for _, p := range d.MRTPeers {
		if p.File == file {
			return p, true
		}
	}
	return MRTPeer{}, false
}

func (d *Definition) validateMRTPeers() error {
	seen := map[string]bool{}
	for i, p := range d.MRTPeers {
		field := fmt.Sprintf("mrt-peers[%d]", i)
		if !slices.Contains(d.Prefixes, p.File) {
			return fieldErr(field+".file", "%q is not listed under prefixes; give the file as written there", p.File)
		}
		if seen[p.File] {
			return fieldErr(field+".file", "%q has two peer choices", p.File)
		}
		seen[p.File] = true
		if p.Address == "" && p.AS == 0 {
			return fieldErr(field, "choose a peer by address, as, or both")
		}
		if p.Address != "" {
			if _, err := netip.ParseAddr(p.Address); err != nil {
				return fieldErr(field+".address", "invalid address %q", p.Address)
			}
		}
	}
	return nil
}
