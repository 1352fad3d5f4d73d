package entity

import (
	"cmp"
	"net/netip"
	"slices"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/jsonenc"
)

// MapConfig describes one property map resource.
type MapConfig struct {
	Domains []DomainConfig
	// Uses are the version tags of the resources the map depends on, in
	// the order of the "uses" field of its directory entry (RFC 9240,
	// Section 7.5).
	Uses []alto.VersionTag
	// Tree holds the values of Internet address entities; it may be nil
	// when no domain is an ipv4 or ipv6 domain.
	Tree *Tree
}

// DomainConfig is an entity domain of a property map with the
// properties it offers.
type DomainConfig struct {
	Name string // as in the mappings, such as "ipv4" or "default-network-map.pid"
	Type string // the entity domain type, such as "ipv4" or "pid"
	// Resource is the ID of the defining resource of a resource-specific
	// domain; empty for resource-agnostic and self-defined domains.
	Resource   string
	Properties []PropertyConfig
	// Entities holds the values of entities outside the ipv4 and ipv6
	// types, by domain-specific entity ID and property name.
	Entities map[string]map[string]Value
}

// PropertyConfig is an entity property offered in a domain.
type PropertyConfig struct {
	Name string // as offered, such as ".ISP" or "default-network-map.pid"
	// Key is the tree key that holds the values of the property for
	// ipv4 and ipv6 domains.
	Key string
	// Resource is the ID of the defining resource of a resource-specific
	// property; empty otherwise.
	Resource string
}

// Map is the data of one property map resource. It is immutable and
// safe for concurrent use.
type Map struct {
	domains []*domain // sorted by name
	uses    []alto.VersionTag
	tree    *Tree
}

// domain is an entity domain of a Map.
type domain struct {
	name, typ, resource string
	address             bool // an ipv4 or ipv6 domain, whose entities are prefixes
	props               []property
	// For an address domain: want[k] is true when tree key k is offered,
	// and names[k] is the name of the property it holds.
	want  []bool
	names []string
	// For other domains: the entities with a value, sorted, and their
	// values by property index (empty where the entity has none).
	entityIDs []string
	entities  map[string][]Value
}

type property struct {
	name, resource string
	key            int // tree key of an address domain property; -1 when the tree has none
}

// NewMap builds the data of a property map.
func NewMap(cfg MapConfig) *Map {
	m := &Map{uses: slices.Clone(cfg.Uses), tree: cfg.Tree}
	for _, dc := range cfg.Domains {
		m.domains = append(m.domains, m.newDomain(dc))
	}
	slices.SortFunc(m.domains, func(a, b *domain) int { return cmp.Compare(a.name, b.name) })
	return m
}

func (m *Map) newDomain(dc DomainConfig) *domain {
	d := &domain{
		name: dc.Name, typ: dc.Type, resource: dc.Resource,
		address: dc.Type == alto.DomainTypeIPv4 || dc.Type == alto.DomainTypeIPv6,
	}
	for _, pc := range dc.Properties {
		p := property{name: pc.Name, resource: pc.Resource, key: -1}
		if d.address && m.tree != nil {
			if k, ok := m.tree.keyIndex[pc.Key]; ok {
				p.key = int(k)
			}
		}
		d.props = append(d.props, p)
	}
	if d.address && m.tree != nil {
		d.want = make([]bool, len(m.tree.keys))
		d.names = make([]string, len(m.tree.keys))
		for _, p := range d.props {
			if p.key >= 0 {
				d.want[p.key] = true
				d.names[p.key] = p.name
			}
		}
		return d
	}
	d.entities = map[string][]Value{}
	for id, values := range dc.Entities {
		row := make([]Value, len(d.props))
		set := false
		for i, p := range d.props {
			if v, ok := values[p.name]; ok {
				row[i], set = v, true
			}
		}
		if set {
			d.entities[id] = row
			d.entityIDs = append(d.entityIDs, id)
		}
	}
	slices.Sort(d.entityIDs)
	return d
}

// Mappings returns the "mappings" capability of the map (RFC 9240,
// Section 7.4): the offered properties of each entity domain.
func (m *Map) Mappings() map[string][]string {
	out := make(map[string][]string, len(m.domains))
	for _, d := range m.domains {
		for _, p := range d.props {
			out[d.name] = append(out[d.name], p.name)
		}
	}
	return out
}

// Uses returns the IDs of the resources the map depends on.
func (m *Map) Uses() []string {
	out := make([]string, len(m.uses))
	for i, u := range m.uses {
		out[i] = u.ResourceID
	}
	return out
}

// EncodeFull encodes the full property map, RFC 9240, Section 7.6: every
// entity with a value of an offered property, and the version tags of
// every resource the map uses. Address entities are compacted: values
// that a prefix inherits are left out and sibling prefixes with equal
// values are merged, as in the example of Section 10.4.
func (m *Map) EncodeFull() []byte {
	out := newOutput(0)
	for _, d := range m.domains {
		if d.address {
			m.addAllPrefixes(out, d, d.want)
			continue
		}
		d.addAllEntities(out, allProperties(d))
	}
	return out.encode(m.uses)
}

// allProperties returns the indices of every property of a domain.
func allProperties(d *domain) []int {
	out := make([]int, len(d.props))
	for i := range out {
		out[i] = i
	}
	return out
}

// addAllPrefixes adds every prefix of the domain's family that gives a
// wanted value, compacted.
func (m *Map) addAllPrefixes(out *output, d *domain, want []bool) {
	if m.tree == nil {
		return
	}
	set := prefixValues{}
	for i, e := range m.tree.entries {
		if !d.inFamily(e.prefix) {
			continue
		}
		vals := m.tree.dropInherited(restrict(e.explicit, want), m.tree.parentEffective(i))
		if len(vals) > 0 {
			set[e.prefix] = vals
		}
	}
	mergeSiblings(set, 0)
	for _, p := range set.sortedPrefixes() {
		out.add(outputKey{domain: d, prefix: p}, d.prefixID(p), m.fields(d, set[p]))
	}
}

// addAllEntities adds every entity of a non-address domain that has a
// value of one of the given properties.
func (d *domain) addAllEntities(out *output, props []int) {
	for _, id := range d.entityIDs {
		if f := d.entityFields(id, props); len(f) > 0 {
			out.add(outputKey{domain: d, local: id}, d.name+":"+id, f)
		}
	}
}

// entityFields returns the values of an entity of a non-address domain.
func (d *domain) entityFields(id string, props []int) []field {
	row := d.entities[id]
	if row == nil {
		return nil
	}
	var out []field
	for _, i := range props {
		if row[i] != "" {
			out = append(out, field{name: d.props[i].name, value: row[i]})
		}
	}
	return out
}

// fields converts tree values to named response values.
func (m *Map) fields(d *domain, vals []kv) []field {
	out := make([]field, len(vals))
	for i, x := range vals {
		out[i] = field{name: d.names[x.key], value: m.tree.values[x.val]}
	}
	return out
}

// inFamily reports whether a prefix is of the address family of the
// domain.
func (d *domain) inFamily(p netip.Prefix) bool {
	return p.Addr().Is4() == (d.typ == alto.DomainTypeIPv4)
}

// prefixID returns the entity ID of a prefix: the address alone for a
// full-length prefix, as the examples of RFC 9240, Section 10 write it.
func (d *domain) prefixID(p netip.Prefix) string {
	if p.IsSingleIP() {
		return d.name + ":" + p.Addr().String()
	}
	return d.name + ":" + p.String()
}

// field is one property value of a response entity.
type field struct {
	name  string
	value Value
}

// outputKey identifies an entity of a response, however it is spelled.
type outputKey struct {
	domain *domain
	prefix netip.Prefix
	local  string
}

// output collects the entities of a response in order, each once.
type output struct {
	entries []outputEntry
	index   map[outputKey]int
}

type outputEntry struct {
	id     string
	fields []field
}

// newOutput returns an output with room for n entities.
func newOutput(n int) *output {
	return &output{entries: make([]outputEntry, 0, n), index: make(map[outputKey]int, n)}
}

// add adds an entity. An entity added again keeps its first spelling and
// takes the values of keys it did not have yet. Each entry of a response
// gives the true values of the addresses it contains, so two entries of
// one entity do not disagree.
func (o *output) add(key outputKey, id string, fields []field) {
	if i, ok := o.index[key]; ok {
		e := &o.entries[i]
		for _, f := range fields {
			if !slices.ContainsFunc(e.fields, func(g field) bool { return g.name == f.name }) {
				e.fields = append(e.fields, f)
			}
		}
		return
	}
	o.index[key] = len(o.entries)
	o.entries = append(o.entries, outputEntry{id: id, fields: fields})
}

// encode writes an InfoResourceProperties, RFC 9240, Section 7.6.
func (o *output) encode(vtags []alto.VersionTag) []byte {
	size := 64 + 96*len(vtags)
	for _, e := range o.entries {
		size += len(e.id) + 8
		for _, f := range e.fields {
			size += len(f.name) + len(f.value) + 4
		}
	}
	b := make([]byte, 0, size)
	b = append(b, `{"meta":{`...)
	if len(vtags) > 0 {
		b = append(b, `"dependent-vtags":[`...)
		for i, t := range vtags {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"resource-id":`...)
			b = jsonenc.String(b, t.ResourceID)
			b = append(b, `,"tag":`...)
			b = jsonenc.String(b, t.Tag)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, `},"property-map":{`...)
	for i, e := range o.entries {
		if i > 0 {
			b = append(b, ',')
		}
		b = jsonenc.String(b, e.id)
		b = append(b, ":{"...)
		for j, f := range e.fields {
			if j > 0 {
				b = append(b, ',')
			}
			b = jsonenc.String(b, f.name)
			b = append(b, ':')
			b = append(b, f.value...)
		}
		b = append(b, '}')
	}
	return append(b, "}}\n"...)
}
