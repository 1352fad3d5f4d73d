package bgp

import (
	"net/netip"
	"slices"
	"time"

	"github.com/goalto/goalto/internal/prefixes"
)

// rib is the best path of each unicast prefix, and the withdrawn best
// paths of peers that went down, which stay in use until their hold time
// ends. It is not safe for concurrent use.
type rib struct {
	best map[netip.Prefix]*route
	held map[netip.Prefix]heldRoute
}

// heldRoute is the last best path of a prefix whose peer went down.
type heldRoute struct {
	*route
	until time.Time
}

func newRIB() *rib {
	return &rib{best: map[netip.Prefix]*route{}, held: map[netip.Prefix]heldRoute{}}
}

// set makes rt the best path of prefix.
func (r *rib) set(prefix netip.Prefix, rt *route) {
	r.best[prefix] = rt
	delete(r.held, prefix)
}

// withdraw removes the best path of prefix. With a non-zero until, the
// path stays in use as a held route until then.
func (r *rib) withdraw(prefix netip.Prefix, until time.Time) {
	rt, ok := r.best[prefix]
	if !ok {
		return
	}
	delete(r.best, prefix)
	if !until.IsZero() {
		r.held[prefix] = heldRoute{route: rt, until: until}
	}
}

// expire drops the held routes whose hold time ended at now, and returns
// how many it dropped per peer.
func (r *rib) expire(now time.Time) map[netip.Addr]int {
	dropped := map[netip.Addr]int{}
	for prefix, h := range r.held {
		if !h.until.After(now) {
			delete(r.held, prefix)
			dropped[h.peer]++
		}
	}
	return dropped
}

// nextExpiry returns the earliest end of a hold time, or the zero time
// when no route is held.
func (r *rib) nextExpiry() time.Time {
	var next time.Time
	for _, h := range r.held {
		if next.IsZero() || h.until.Before(next) {
			next = h.until
		}
	}
	return next
}

// heldBy counts the held routes of each peer.
func (r *rib) heldBy() map[netip.Addr]int {
	out := map[netip.Addr]int{}
	for _, h := range r.held {
		out[h.peer]++
	}
	return out
}

// routesOf counts the best and held routes of a peer.
func (r *rib) routesOf(peer netip.Addr) int {
	n := 0
	for _, rt := range r.best {
		if rt.peer == peer {
			n++
		}
	}
	for _, h := range r.held {
		if h.peer == peer {
			n++
		}
	}
	return n
}

// entries applies the rules to the best and held routes, in prefix
// order. A prefix that no rule matches goes to defaultPID, or, when that
// is empty, carries only its origin AS for the network map's own rule.
func (r *rib) entries(rules []rule, defaultPID string) []prefixes.Entry {
	out := make([]prefixes.Entry, 0, len(r.best)+len(r.held))
	add := func(prefix netip.Prefix, rt *route) {
		pid := pidOf(rules, prefix, rt)
		if pid == "" {
			pid = defaultPID
		}
		out = append(out, prefixes.Entry{Prefix: prefix, ASN: rt.originAS, PID: pid})
	}
	for prefix, rt := range r.best {
		add(prefix, rt)
	}
	for prefix, h := range r.held {
		add(prefix, h.route)
	}
	slices.SortFunc(out, func(a, b prefixes.Entry) int {
		if c := a.Prefix.Addr().Compare(b.Prefix.Addr()); c != 0 {
			return c
		}
		return a.Prefix.Bits() - b.Prefix.Bits()
	})
	return out
}
