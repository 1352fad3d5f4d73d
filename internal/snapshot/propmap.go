package snapshot

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/netdef"
	"github.com/goalto/goalto/internal/networkmap"
	"github.com/goalto/goalto/internal/propmap/entity"
)

// NetworkMapByID returns the network map with a resource ID: the main
// one or an extra one; nil when there is none.
func (s *Snapshot) NetworkMapByID(id string) *networkmap.Map {
	if id == s.NetworkMap.ResourceID() {
		return s.NetworkMap
	}
	return s.extraNetworkMaps[id]
}

// buildExtraNetworkMaps builds the network maps that the definition
// lists besides the main one.
func (s *Snapshot) buildExtraNetworkMaps(def *netdef.Definition) error {
	s.extraNetworkMaps = map[string]*networkmap.Map{}
	for i, em := range def.ExtraNetworkMaps {
		var as []networkmap.Assignment
		pids := make([]string, 0, len(em.PIDs))
		for pid := range em.PIDs {
			pids = append(pids, pid)
		}
		slices.Sort(pids) // so that a conflict is reported the same way every time
		for _, pid := range pids {
			for _, p := range em.PIDs[pid] {
				as = append(as, networkmap.Assignment{Prefix: p.Prefix, PID: pid})
			}
		}
		if em.DefaultPID != "" {
			as = append(as,
				networkmap.Assignment{Prefix: netip.MustParsePrefix("0.0.0.0/0"), PID: em.DefaultPID},
				networkmap.Assignment{Prefix: netip.MustParsePrefix("::/0"), PID: em.DefaultPID})
		}
		m, err := networkmap.Build(em.ResourceID, as)
		if err != nil {
			return def.FieldError(fmt.Sprintf("extra-network-maps[%d].pids", i), err)
		}
		s.extraNetworkMaps[em.ResourceID] = m
	}
	return nil
}

// buildPropertyMaps builds the data of every property map resource. The
// values of Internet address entities are read once, into a tree shared
// by all of them, with only the property keys that some map offers.
func (s *Snapshot) buildPropertyMaps(def *netdef.Definition, in *inputs) error {
	if err := s.buildCDNIData(def); err != nil {
		return err // property maps may offer the capabilities of CDNI resources
	}
	s.propertyMaps = map[string]*entity.Map{}
	keys := map[string]bool{}
	for _, r := range def.Resources {
		if !netdef.IsPropertyMap(r.Type) {
			continue
		}
		for domain, props := range r.PropertyMappings() {
			if dn, _ := alto.ParseEntityDomainName(domain); netdef.IsAddressDomainType(dn.Type) {
				for _, p := range props {
					keys[treeKey(p)] = true
				}
			}
		}
	}
	var tree *entity.Tree
	if len(keys) > 0 {
		var err error
		if tree, err = s.buildAddressTree(def, in, keys); err != nil {
			return err
		}
	}
	footprints, err := buildFootprintValues(def, in)
	if err != nil {
		return err
	}
	for _, r := range def.Resources {
		if netdef.IsPropertyMap(r.Type) {
			s.propertyMaps[r.ID] = s.newPropertyMap(def, r, tree, footprints)
		}
	}
	return nil
}

// treeKey returns the tree key of an entity property name: the type of a
// property that the map defines itself (".ISP" and "ISP" are both
// "ISP"), and the full name of a resource-specific one.
func treeKey(name string) string {
	pn, _ := alto.ParseEntityPropertyName(name)
	if pn.Resource == "" {
		return pn.Type
	}
	return pn.Resource + "." + pn.Type
}

// buildAddressTree sets the values of the wanted keys on prefixes, from
// the sources in increasing precedence: the PIDs of the network maps,
// the origin AS numbers, the WLCG site table, the groups' properties and
// the definition's properties. A later source replaces the value of an
// earlier one on the same prefix.
func (s *Snapshot) buildAddressTree(def *netdef.Definition, in *inputs, keys map[string]bool) (*entity.Tree, error) {
	b := entity.NewTreeBuilder()
	for _, id := range def.NetworkMapIDs() {
		if key := id + "." + alto.DomainTypePID; keys[key] {
			nm := s.NetworkMapByID(id)
			for i := range nm.Len() {
				for _, p := range nm.PID(i).Prefixes {
					b.Set(p, key, entity.String(nm.Name(i)))
				}
			}
		}
	}
	s.setCDNICapabilities(b, keys)
	if keys[netdef.PropertyASN] {
		setOriginAS(b, in)
	}
	if def.PropertySources.WLCG != "" && wantsWLCG(keys) {
		sites, err := loadWLCG(def)
		if err != nil {
			return nil, def.FieldError("property-sources.wlcg", err)
		}
		setWLCG(b, sites, keys)
	}
	for _, g := range def.Groups {
		for name, v := range g.Properties {
			if keys[name] {
				for _, p := range g.Prefixes {
					b.Set(p.Prefix, name, entity.String(v))
				}
			}
		}
	}
	for _, pp := range def.Properties {
		for name, v := range pp.Values {
			if !keys[name] {
				continue
			}
			value := entity.Null
			if v != nil {
				value = entity.String(*v)
			}
			b.Set(pp.Prefix.Prefix, name, value)
		}
	}
	return b.Build(), nil
}

// setOriginAS sets the origin AS number of each prefix: that of the
// topology node holding it, replaced by that of the prefix tables.
func setOriginAS(b *entity.TreeBuilder, in *inputs) {
	if in.graph != nil {
		for _, n := range in.graph.Nodes {
			if n.ASN == 0 {
				continue
			}
			for _, p := range n.Prefixes {
				b.Set(p, netdef.PropertyASN, entity.String(strconv.FormatUint(uint64(n.ASN), 10)))
			}
		}
	}
	for _, t := range in.tables {
		for _, e := range t.Entries {
			if e.ASN != 0 {
				b.Set(e.Prefix, netdef.PropertyASN, entity.String(strconv.FormatUint(uint64(e.ASN), 10)))
			}
		}
	}
}

// newPropertyMap builds the data of one property map resource.
func (s *Snapshot) newPropertyMap(def *netdef.Definition, r netdef.Resource, tree *entity.Tree, footprints footprintValues) *entity.Map {
	cfg := entity.MapConfig{Tree: tree}
	for _, id := range def.PropertyMapUses(&r) {
		cfg.Uses = append(cfg.Uses, s.usesVersionTag(id))
	}
	mappings := r.PropertyMappings()
	for name, props := range mappings {
		dn, _ := alto.ParseEntityDomainName(name)
		dc := entity.DomainConfig{Name: name, Type: dn.Type, Resource: dn.Resource}
		for _, p := range props {
			pn, _ := alto.ParseEntityPropertyName(p)
			dc.Properties = append(dc.Properties, entity.PropertyConfig{Name: p, Key: treeKey(p), Resource: pn.Resource})
		}
		if !netdef.IsAddressDomainType(dn.Type) {
			dc.Entities = s.entityValues(def, r, name, dn, props, footprints)
		}
		cfg.Domains = append(cfg.Domains, dc)
	}
	return entity.NewMap(cfg)
}

// entityValues returns the values of the entities of a PID, asn,
// countrycode or self-defined domain: the properties of the main network
// map's groups for its PIDs, the cdni-capabilities of the footprints, and
// the private properties of asn and countrycode entities, each replaced
// by the entities of the resource.
func (s *Snapshot) entityValues(def *netdef.Definition, r netdef.Resource, domain string, dn alto.EntityDomainName, props []string, footprints footprintValues) map[string]map[string]entity.Value {
	out := map[string]map[string]entity.Value{}
	set := func(id, name string, v entity.Value) {
		if out[id] == nil {
			out[id] = map[string]entity.Value{}
		}
		out[id][name] = v
	}
	if dn.Type == alto.DomainTypePID && dn.Resource == def.NetworkMap.ResourceID {
		for _, g := range def.Groups {
			for _, p := range props {
				if v, ok := g.Properties[treeKey(p)]; ok {
					set(g.PID, p, entity.String(v))
				}
			}
		}
	}
	if isFootprintDomain(dn) {
		footprints.set(dn.Type, props, set)
		s.cdniEntityValues(dn.Type, props, set)
	}
	if dn.Type == alto.DomainTypePID && dn.Resource != "" {
		// The entities of altopid footprints (RFC 9241, Section 6.1).
		s.cdniEntityValues(alto.FootprintALTOPID, props, set)
	}
	for id, values := range r.Entities {
		d, local, _ := netdef.SplitEntityID(id, r.PropertyMappings())
		if d != domain {
			continue
		}
		for name, v := range values {
			set(local, name, entity.Value(v.Encoded()))
		}
	}
	return out
}
