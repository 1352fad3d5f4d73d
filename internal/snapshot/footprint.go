package snapshot

import (
	"cmp"
	"encoding/json"
	"maps"
	"net/netip"
	"slices"
	"strconv"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/netdef"
	"github.com/goalto/goalto/internal/propmap/entity"
)

// footprintValues contains the values of the private properties of the asn
// and countrycode entities (RFC 9241, Section 6.1) that the property maps
// of a definition offer, by domain type, entity identifier and property
// name. It is computed once per snapshot and shared by the maps.
type footprintValues map[string]map[string]map[string]entity.Value

// footprintKeys are the private properties of asn and countrycode
// entities that the definition's sources give.
var footprintKeys = map[string][]string{
	alto.DomainTypeASN:         {netdef.PropertyPrefixes, netdef.PropertyPrefixCount},
	alto.DomainTypeCountryCode: {netdef.PropertyPrefixes, netdef.PropertyPrefixCount, netdef.PropertyWLCGSites},
}

// buildFootprintValues computes the values of the private properties
// that some property map offers in the asn or countrycode domain: from
// the origin AS numbers of the prefixes for asn entities, and from the
// WLCG site table for countrycode entities.
func buildFootprintValues(def *netdef.Definition, in *inputs) (footprintValues, error) {
	out := footprintValues{}
	for domainType, keys := range footprintKeys {
		if !offersAny(def, domainType, keys) {
			continue
		}
		switch domainType {
		case alto.DomainTypeASN:
			out[domainType] = asnValues(in)
		case alto.DomainTypeCountryCode:
			if def.PropertySources.WLCG == "" {
				continue
			}
			sites, err := loadWLCG(def)
			if err != nil {
				return nil, def.FieldError("property-sources.wlcg", err)
			}
			out[domainType] = countryValues(sites)
		}
	}
	return out, nil
}

// offersAny reports whether a property map of the definition offers one
// of keys in the resource-agnostic domain of a type.
func offersAny(def *netdef.Definition, domainType string, keys []string) bool {
	for _, r := range def.Resources {
		if !netdef.IsPropertyMap(r.Type) {
			continue
		}
		for _, p := range r.PropertyMappings()[domainType] {
			if slices.Contains(keys, treeKey(p)) {
				return true
			}
		}
	}
	return false
}

// set sets the values of the entities of one domain that a property map
// offers, by the names of its properties.
func (f footprintValues) set(domainType string, props []string, set func(id, name string, v entity.Value)) {
	entities := f[domainType]
	if entities == nil {
		return
	}
	for _, p := range props {
		key := treeKey(p)
		for id, values := range entities {
			if v, ok := values[key]; ok {
				set(id, p, v)
			}
		}
	}
}

// asnValues returns the prefixes that each AS originates, by entity
// identifier such as "as513". The origin of a prefix is the one that
// the priv:asn property of address entities gives it (setOriginAS): the
// AS of the topology node that holds it, replaced by that of the prefix
// tables.
func asnValues(in *inputs) map[string]map[string]entity.Value {
	origin := map[netip.Prefix]uint32{}
	if in.graph != nil {
		for _, n := range in.graph.Nodes {
			if n.ASN == 0 {
				continue
			}
			for _, p := range n.Prefixes {
				origin[p] = n.ASN
			}
		}
	}
	for _, t := range in.tables {
		for _, e := range t.Entries {
			if e.ASN != 0 {
				origin[e.Prefix] = e.ASN
			}
		}
	}
	byAS := map[string][]netip.Prefix{}
	for p, asn := range origin {
		id := "as" + strconv.FormatUint(uint64(asn), 10)
		byAS[id] = append(byAS[id], p)
	}
	out := make(map[string]map[string]entity.Value, len(byAS))
	for id, prefixes := range byAS {
		out[id] = prefixValues(prefixes)
	}
	return out
}

// countryValues returns the names and the prefixes of the WLCG sites of
// each country, by entity identifier such as "ch". Sites without a
// country code, or with a code that is not two letters, are left out. A
// prefix that sites of two countries list belongs to both.
func countryValues(sites map[string]wlcgSite) map[string]map[string]entity.Value {
	names := map[string][]string{}
	prefixes := map[string]map[netip.Prefix]bool{}
	for name, site := range sites {
		code, err := alto.CheckFootprintValue(alto.FootprintCountryCode, site.CountryCode)
		if err != nil {
			continue
		}
		names[code] = append(names[code], name)
		if prefixes[code] == nil {
			prefixes[code] = map[netip.Prefix]bool{}
		}
		for _, nr := range site.Netroutes {
			for _, list := range nr.Networks {
				for _, text := range list {
					prefixes[code][netip.MustParsePrefix(text)] = true // checked by loadWLCG
				}
			}
		}
	}
	out := make(map[string]map[string]entity.Value, len(names))
	for code, list := range names {
		out[code] = prefixValues(slices.Collect(maps.Keys(prefixes[code])))
		slices.Sort(list)
		out[code][netdef.PropertyWLCGSites] = jsonValue(list)
	}
	return out
}

// prefixValues returns the priv:prefixes and priv:prefix-count values of
// a set of prefixes: IPv4 before IPv6, each in address order, a shorter
// prefix before a longer one with the same address.
func prefixValues(prefixes []netip.Prefix) map[string]entity.Value {
	slices.SortFunc(prefixes, func(a, b netip.Prefix) int {
		if c := a.Addr().Compare(b.Addr()); c != 0 {
			return c
		}
		return cmp.Compare(a.Bits(), b.Bits())
	})
	texts := make([]string, len(prefixes))
	for i, p := range prefixes {
		texts[i] = p.String()
	}
	return map[string]entity.Value{
		netdef.PropertyPrefixes:    jsonValue(texts),
		netdef.PropertyPrefixCount: entity.Value(strconv.Itoa(len(texts))),
	}
}

// jsonValue encodes a list of strings as a JSON array.
func jsonValue(list []string) entity.Value {
	if list == nil {
		list = []string{}
	}
	out, _ := json.Marshal(list) // strings always encode
	return entity.Value(out)
}

// isFootprintDomain reports whether an entity domain is the
// resource-agnostic asn or countrycode domain.
func isFootprintDomain(dn alto.EntityDomainName) bool {
	return netdef.IsFootprintDomainType(dn.Type) && dn.Resource == "" && !dn.SelfDefined
}
