package entity

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/goalto/goalto/alto"
)

// Limits bound the work of one filtered property map request.
type Limits struct {
	// MaxEntities is the maximum number of entities in a request.
	MaxEntities int
	// MaxExpandedPrefixes is the maximum number of prefixes with values
	// that a request may visit inside the prefixes it names. RFC 9240,
	// Section 8.6 requires a response to include the longer prefixes
	// inside a requested prefix that have other values, so a request for
	// a short prefix visits every prefix with values inside it. A request
	// with an empty entity list is not counted: its response is the whole
	// map, which is as large as the full property map.
	MaxExpandedPrefixes int
}

// filterQuery is one filtered property map request.
type filterQuery struct {
	m   *Map
	lim Limits
	out *output
	// idsOnly is set when the request has no "properties": the response
	// gives an empty object to each entity that has a value.
	idsOnly bool
	// props gives, per domain, the indices of the requested properties,
	// and want the tree keys they hold, for address domains.
	props    map[*domain][]int
	want     map[*domain][]bool
	visited  int
	needs    map[string]bool // resources the response depends on
	needsAll bool
}

// Filter returns the response to a filtered property map request, RFC
// 9240, Section 8. An invalid request gives an *alto.Error of RFC 7285,
// Section 8.5.2.
func (m *Map) Filter(req *alto.PropertyMapParams, lim Limits) ([]byte, error) {
	if n := countDistinct(req.Entities); n > lim.MaxEntities {
		return nil, alto.NewTooMany("entities", n, lim.MaxEntities)
	}
	q := &filterQuery{m: m, lim: lim, out: newOutput(len(req.Entities)), needs: map[string]bool{}}
	if err := q.selectProperties(req.Properties); err != nil {
		return nil, err
	}
	if len(req.Entities) == 0 {
		for _, d := range m.domains {
			q.addDomain(d)
		}
		return q.out.encode(q.dependentVTags()), nil
	}
	for _, id := range req.Entities {
		if err := q.addEntity(id); err != nil {
			return nil, err
		}
	}
	return q.out.encode(q.dependentVTags()), nil
}

// selectProperties resolves the requested properties per domain. Every
// listed property must be offered in some domain (Section 8.6).
func (q *filterQuery) selectProperties(names []string) error {
	q.idsOnly = names == nil
	q.props = make(map[*domain][]int, len(q.m.domains))
	requested := make(map[string]bool, len(names))
	for _, n := range names {
		requested[n] = true
	}
	found := map[string]bool{}
	for _, d := range q.m.domains {
		var sel []int
		for i, p := range d.props {
			if len(names) == 0 || requested[p.name] {
				sel = append(sel, i)
				found[p.name] = true
			}
		}
		q.props[d] = sel
	}
	for _, n := range names {
		if !found[n] {
			return alto.NewInvalidValue("properties", n, "this resource does not offer the property; its directory entry lists the offered properties under capabilities/mappings")
		}
	}
	q.want = make(map[*domain][]bool)
	for _, d := range q.m.domains {
		if d.address && d.want != nil {
			q.want[d] = q.wantedKeys(d)
		}
	}
	return nil
}

// wantedKeys returns the tree keys of the requested properties of an
// address domain. A request for only the entities that have values
// wants every offered key.
func (q *filterQuery) wantedKeys(d *domain) []bool {
	if q.idsOnly {
		return d.want
	}
	want := make([]bool, len(d.want))
	for _, i := range q.props[d] {
		if k := d.props[i].key; k >= 0 {
			want[k] = true
		}
	}
	return want
}

// depend records the resources that the entities of a domain and the
// requested properties depend on (Section 8.6).
func (q *filterQuery) depend(d *domain) {
	if d.address && d.resource == "" {
		q.needsAll = true
	}
	if d.resource != "" {
		q.needs[d.resource] = true
	}
	if q.idsOnly {
		return
	}
	for _, i := range q.props[d] {
		if r := d.props[i].resource; r != "" {
			q.needs[r] = true
		}
	}
}

// dependentVTags returns the version tags of the resources the response
// depends on, in the order of the map's uses: all of them when a
// resource-agnostic entity was requested.
func (q *filterQuery) dependentVTags() []alto.VersionTag {
	var out []alto.VersionTag
	for _, u := range q.m.uses {
		if q.needsAll || q.needs[u.ResourceID] {
			out = append(out, u)
		}
	}
	return out
}

// addDomain adds every entity of a domain, for a request without
// entities.
func (q *filterQuery) addDomain(d *domain) {
	q.depend(d)
	switch {
	case d.address && q.idsOnly:
		q.addPrefixesWithValues(d)
	case d.address:
		q.m.addAllPrefixes(q.out, d, q.want[d])
	case q.idsOnly:
		for _, id := range d.entityIDs {
			if d.hasValue(id) {
				q.out.add(outputKey{domain: d, local: id}, d.name+":"+id, nil)
			}
		}
	default:
		d.addAllEntities(q.out, q.props[d])
	}
}

// addPrefixesWithValues adds, with an empty object, every prefix of an
// address domain that sets a value.
func (q *filterQuery) addPrefixesWithValues(d *domain) {
	t := q.m.tree
	if t == nil {
		return
	}
	for _, e := range t.entries {
		if d.inFamily(e.prefix) && t.hasValue(e.explicit, d.want) {
			q.out.add(outputKey{domain: d, prefix: e.prefix}, d.prefixID(e.prefix), nil)
		}
	}
}

// addEntity adds a requested entity, or returns the error of an invalid
// one (Section 8.6).
func (q *filterQuery) addEntity(id string) error {
	d, local := q.m.findDomain(id)
	if d == nil {
		return alto.NewInvalidValue("entities", id, "the entity domain is not offered by this resource; its directory entry lists the entity domains under capabilities/mappings")
	}
	q.depend(d)
	if d.address {
		p, err := parsePrefixEntity(d.typ, local)
		if err != nil {
			return alto.NewInvalidValue("entities", id, err.Error())
		}
		return q.addPrefixEntity(d, id, p)
	}
	if d.typ == alto.DomainTypePID && !alto.ValidPIDName(local) {
		return alto.NewInvalidValue("entities", id, "invalid PID name (RFC 7285, Section 10.1)")
	}
	if d.name == alto.DomainTypeASN || d.name == alto.DomainTypeCountryCode {
		// RFC 9241, Section 6.1: "as" and the decimal AS number, or a
		// lowercase ISO 3166-1 alpha-2 code, as in CDNI footprints.
		if canonical, err := alto.CheckFootprintValue(d.name, local); err != nil || canonical != local {
			return alto.NewInvalidValue("entities", id, "invalid "+d.name+" entity identifier (RFC 9241, Section 6.1)")
		}
	}
	key := outputKey{domain: d, local: local}
	if q.idsOnly {
		if d.hasValue(local) {
			q.out.add(key, id, nil)
		}
		return nil
	}
	if f := d.entityFields(local, q.props[d]); len(f) > 0 {
		q.out.add(key, id, f)
	}
	return nil
}

// findDomain returns the domain with the longest name that the entity
// ID starts with, followed by a colon, and the rest of the ID.
func (m *Map) findDomain(id string) (*domain, string) {
	var best *domain
	var local string
	for _, d := range m.domains {
		rest, ok := strings.CutPrefix(id, d.name+":")
		if ok && rest != "" && (best == nil || len(d.name) > len(best.name)) {
			best, local = d, rest
		}
	}
	return best, local
}

// parsePrefixEntity parses the domain-specific part of an ipv4 or ipv6
// entity: an address (the full-length prefix, RFC 9240, Sections
// 6.1.1.2 and 6.1.2.2) or a prefix without host bits.
func parsePrefixEntity(typ, local string) (netip.Prefix, error) {
	var p netip.Prefix
	if strings.Contains(local, "/") {
		var err error
		if p, err = netip.ParsePrefix(local); err != nil {
			return p, fmt.Errorf("invalid %s prefix: %v", typ, err)
		}
		if p != p.Masked() {
			return p, fmt.Errorf("the prefix has host bits set; use %s", p.Masked())
		}
	} else {
		a, err := netip.ParseAddr(local)
		if err != nil {
			return p, fmt.Errorf("invalid %s address: %v", typ, err)
		}
		if a.Zone() != "" {
			return p, fmt.Errorf("an %s address has no zone", typ)
		}
		p = netip.PrefixFrom(a, a.BitLen())
	}
	if p.Addr().Is4() != (typ == alto.DomainTypeIPv4) {
		return p, fmt.Errorf("not an %s address or prefix", typ)
	}
	return p, nil
}

// addPrefixEntity adds a requested address or prefix: its values, and
// for a prefix the longer prefixes inside it that give other values.
func (q *filterQuery) addPrefixEntity(d *domain, id string, p netip.Prefix) error {
	t := q.m.tree
	if t == nil {
		return nil
	}
	want := q.want[d]
	var root []kv
	if i := t.lookup(p); i >= 0 {
		root = restrict(t.entries[i].effective, want)
	}
	if p.IsSingleIP() {
		q.addRoot(d, id, p, root)
		return nil
	}
	lo, hi := t.inside(p)
	q.visited += hi - lo
	if q.visited > q.lim.MaxExpandedPrefixes {
		return prefixLimitError{&alto.Error{Code: alto.ErrInvalidFieldValue, Field: "entities", Value: id,
			Message: fmt.Sprintf("the prefixes of this request hold more than %d prefixes with values; request longer prefixes, or GET the full property map", q.lim.MaxExpandedPrefixes)}}
	}
	if q.idsOnly {
		if t.hasValue(root, want) || t.anyValue(lo, hi, want) {
			q.out.add(outputKey{domain: d, prefix: p}, id, nil)
		}
		return nil
	}
	q.addExpansion(d, id, p, root, lo, hi)
	return nil
}

// addRoot adds a requested entity with the values that apply to it.
func (q *filterQuery) addRoot(d *domain, id string, p netip.Prefix, root []kv) {
	if q.idsOnly {
		if q.m.tree.hasValue(root, q.want[d]) {
			q.out.add(outputKey{domain: d, prefix: p}, id, nil)
		}
		return
	}
	if len(root) > 0 {
		q.out.add(outputKey{domain: d, prefix: p}, id, q.m.fields(d, root))
	}
}

// addExpansion adds a requested prefix with the values that apply to it
// and the entries inside it (tree entries lo to hi) that give other
// values, compacted as the full map is. When those entries hold every
// address of the prefix, the prefix itself is left out and its values
// go to the outermost of them, as in the example of RFC 9240, Section
// 10.7.
func (q *filterQuery) addExpansion(d *domain, id string, p netip.Prefix, root []kv, lo, hi int) {
	t := q.m.tree
	want := q.want[d]
	set := prefixValues{}
	for i := lo; i < hi; i++ {
		vals := t.dropInherited(restrict(t.entries[i].explicit, want), t.parentEffective(i))
		if len(vals) > 0 {
			set[t.entries[i].prefix] = vals
		}
	}
	if len(root) > 0 {
		set[p] = root
	}
	mergeSiblings(set, p.Bits())
	rootVals, hasRoot := set[p]
	delete(set, p)
	inner := set.sortedPrefixes()
	if top := outermost(inner); hasRoot && covers(p, top) {
		for _, x := range top {
			set[x] = unionKV(set[x], rootVals)
		}
		hasRoot = false
	}
	if hasRoot {
		q.out.add(outputKey{domain: d, prefix: p}, id, q.m.fields(d, rootVals))
	}
	for _, x := range inner {
		q.out.add(outputKey{domain: d, prefix: x}, d.prefixID(x), q.m.fields(d, set[x]))
	}
}

// hasValue reports whether vals give a wanted key a value other than
// null.
func (t *Tree) hasValue(vals []kv, want []bool) bool {
	for _, x := range vals {
		if want[x.key] && x.val != t.nullVal {
			return true
		}
	}
	return false
}

// anyValue reports whether one of the entries lo to hi sets a wanted
// key to a value other than null.
func (t *Tree) anyValue(lo, hi int, want []bool) bool {
	for i := lo; i < hi; i++ {
		if t.hasValue(t.entries[i].explicit, want) {
			return true
		}
	}
	return false
}

// hasValue reports whether an entity of a non-address domain has a
// value other than null.
func (d *domain) hasValue(id string) bool {
	for _, v := range d.entities[id] {
		if v != "" && v != Null {
			return true
		}
	}
	return false
}

// prefixLimitError is the ALTO error of a request over
// Limits.MaxExpandedPrefixes.
type prefixLimitError struct{ err *alto.Error }

func (e prefixLimitError) Error() string { return e.err.Error() }

func (e prefixLimitError) Unwrap() error { return e.err }

// IsPrefixLimit reports whether err rejects a request whose prefixes
// contain more than Limits.MaxExpandedPrefixes prefixes with values.
func IsPrefixLimit(err error) bool {
	var e prefixLimitError
	return errors.As(err, &e)
}

// countDistinct returns the number of distinct strings in list, the
// count that the entity limit applies to.
func countDistinct(list []string) int {
	seen := make(map[string]struct{}, len(list))
	for _, s := range list {
		seen[s] = struct{}{}
	}
	return len(seen)
}
