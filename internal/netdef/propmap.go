package netdef

import (
	"fmt"
	"slices"
	"strings"

	"github.com/goalto/goalto/alto"
)

// Property types that the definition's sources provide to property
// maps. None of them is registered with IANA (RFC 9240, Section 12.4
// registers only "pid"), so they carry the private-use prefix "priv:"
// that Section 5.2.1 requires.
const (
	// PropertyASN is the origin AS number of the prefix in the prefix
	// tables, in decimal.
	PropertyASN = "priv:asn"
	// PropertyWLCGSite is the name of the WLCG site whose network routes
	// hold the prefix.
	PropertyWLCGSite = "priv:wlcg-site"
	// PropertyCountry is the ISO 3166-1 alpha-2 country code of that
	// WLCG site.
	PropertyCountry = "priv:country"
	// PropertyLatitude and PropertyLongitude are the coordinates of that
	// WLCG site in decimal degrees.
	PropertyLatitude  = "priv:latitude"
	PropertyLongitude = "priv:longitude"
	// PropertyPrefixes is the JSON array of the prefixes of an asn or
	// countrycode entity: those that the AS originates, or those of the
	// network routes of the WLCG sites in the country.
	PropertyPrefixes = "priv:prefixes"
	// PropertyPrefixCount is the length of PropertyPrefixes, as a JSON
	// number.
	PropertyPrefixCount = "priv:prefix-count"
	// PropertyWLCGSites is the JSON array of the names of the WLCG sites
	// in the country of a countrycode entity.
	PropertyWLCGSites = "priv:wlcg-sites"
)

// Encoded returns the value as JSON text; the zero JSONValue, which a
// YAML null gives, is "null".
func (v JSONValue) Encoded() string {
	if v == "" {
		return "null"
	}
	return string(v)
}

// IsPropertyMap reports whether a resource type is a property map or a
// filtered property map.
func IsPropertyMap(typ string) bool {
	return typ == TypePropertyMap || typ == TypeFilteredPropertyMap
}

// IsAddressDomainType reports whether an entity domain type is one of
// the Internet address types, whose entities form a hierarchy of
// prefixes (RFC 9240, Section 6.1).
func IsAddressDomainType(typ string) bool {
	return typ == alto.DomainTypeIPv4 || typ == alto.DomainTypeIPv6
}

// PropertyMappings returns the entity properties that a property map
// resource offers in each entity domain: its mappings, or its
// properties in each of its entity domains.
func (r *Resource) PropertyMappings() map[string][]string {
	if len(r.Mappings) > 0 {
		return r.Mappings
	}
	out := make(map[string][]string, len(r.EntityDomains))
	for _, d := range r.EntityDomains {
		out[d] = r.Properties
	}
	return out
}

// NetworkMapIDs returns the resource IDs of the network maps: the main
// one first, then the extra maps in the order of the definition.
func (d *Definition) NetworkMapIDs() []string {
	ids := []string{d.NetworkMap.ResourceID}
	for _, m := range d.ExtraNetworkMaps {
		ids = append(ids, m.ResourceID)
	}
	return ids
}

// PropertyMapUses returns the resources that a property map depends on
// (RFC 9240, Section 7.5). The CDNI Advertisement resources that its
// properties name come first, in the order of the definition. The
// network maps that its entity domains and properties name follow, in
// the order of NetworkMapIDs.
func (d *Definition) PropertyMapUses(r *Resource) []string {
	named := map[string]bool{}
	for domain, props := range r.PropertyMappings() {
		if n, ok := alto.ParseEntityDomainName(domain); ok && n.Resource != "" {
			named[n.Resource] = true
		}
		for _, p := range props {
			if n, ok := alto.ParseEntityPropertyName(p); ok && n.Resource != "" {
				named[n.Resource] = true
			}
		}
	}
	var uses []string
	for _, res := range d.Resources {
		if res.Type == TypeCDNI && named[res.ID] {
			uses = append(uses, res.ID)
		}
	}
	for _, id := range d.NetworkMapIDs() {
		if named[id] {
			uses = append(uses, id)
		}
	}
	return uses
}

func (d *Definition) validateExtraNetworkMaps() error {
	ids := map[string]bool{d.NetworkMap.ResourceID: true}
	for i, m := range d.ExtraNetworkMaps {
		field := fmt.Sprintf("extra-network-maps[%d]", i)
		if !alto.ValidResourceID(m.ResourceID) {
			return fieldErr(field+".resource-id", "invalid resource ID %q: use at most 64 letters, digits, '-', ':', '@' or '_'", m.ResourceID)
		}
		if ids[m.ResourceID] {
			return fieldErr(field+".resource-id", "network map ID %q is used twice", m.ResourceID)
		}
		ids[m.ResourceID] = true
		if m.DefaultPID != "" && !alto.ValidPIDName(m.DefaultPID) {
			return fieldErr(field+".default-pid", "invalid PID name %q", m.DefaultPID)
		}
		if len(m.PIDs) == 0 && m.DefaultPID == "" {
			return fieldErr(field+".pids", "a network map needs PIDs or a default-pid")
		}
		for pid := range m.PIDs {
			if !alto.ValidPIDName(pid) {
				return fieldErr(field+".pids", "invalid PID name %q", pid)
			}
		}
	}
	return d.checkExtraNetworkMapsServed()
}

// checkExtraNetworkMapsServed requires a network-map resource for every
// extra network map, because the defining resource of an entity domain
// must be listed in the directory (RFC 9240, Section 4.6.1).
func (d *Definition) checkExtraNetworkMapsServed() error {
	served := d.servedNetworkMaps()
	for i, m := range d.ExtraNetworkMaps {
		if !served[m.ResourceID] {
			return fieldErr(fmt.Sprintf("extra-network-maps[%d].resource-id", i),
				"network map %q is not served: add a resource of type network-map with that id", m.ResourceID)
		}
	}
	return nil
}

// servedNetworkMaps returns the IDs of the network-map resources.
func (d *Definition) servedNetworkMaps() map[string]bool {
	served := map[string]bool{}
	for _, r := range d.Resources {
		if r.Type == TypeNetworkMap {
			served[r.ID] = true
		}
	}
	return served
}

// validatePropertyMap checks the fields of a property map resource.
func (d *Definition) validatePropertyMap(field string, r Resource) error {
	if err := checkMappingForm(field, r); err != nil {
		return err
	}
	served := d.servedNetworkMaps()
	mappings := r.PropertyMappings()
	mappingsField := field + ".mappings"
	if len(r.Mappings) == 0 {
		mappingsField = field + ".entity-domains"
	}
	domains := make([]string, 0, len(mappings))
	for domain := range mappings {
		domains = append(domains, domain)
	}
	slices.Sort(domains)
	for _, domain := range domains {
		dn, err := d.checkDomain(mappingsField, r.ID, domain, served)
		if err != nil {
			return err
		}
		if err := d.checkDomainProperties(mappingsField, domain, dn, mappings[domain], served); err != nil {
			return err
		}
	}
	return d.checkEntities(field+".entities", r, mappings)
}

// checkMappingForm requires either mappings, or entity-domains with
// properties.
func checkMappingForm(field string, r Resource) error {
	switch {
	case len(r.Mappings) > 0 && (len(r.EntityDomains) > 0 || len(r.Properties) > 0):
		return fieldErr(field+".mappings", "give either mappings, or entity-domains with properties, not both")
	case len(r.Mappings) == 0 && len(r.EntityDomains) == 0:
		return fieldErr(field+".mappings", "a %s needs mappings, or entity-domains with properties", r.Type)
	case len(r.Mappings) == 0 && len(r.Properties) == 0:
		return fieldErr(field+".properties", "entity-domains need properties to offer in them")
	}
	return nil
}

// checkDomain checks an entity domain name of a property map: ipv4 and
// ipv6, a domain of a served network map (ipv4, ipv6 or pid), or a
// self-defined domain whose entities are listed under entities.
func (d *Definition) checkDomain(field, self, domain string, served map[string]bool) (alto.EntityDomainName, error) {
	dn, ok := alto.ParseEntityDomainName(domain)
	switch {
	case !ok:
		return dn, fieldErr(field, "invalid entity domain name %q (RFC 9240, Section 5.1.2)", domain)
	case dn.Resource == "" && !dn.SelfDefined:
		if !IsAddressDomainType(dn.Type) && !IsFootprintDomainType(dn.Type) {
			return dn, fieldErr(field, "entity domain %q needs a defining resource: use ipv4, ipv6, asn, countrycode, <network-map-id>.pid or a self-defined .%s", domain, dn.Type)
		}
	case dn.SelfDefined:
		if IsAddressDomainType(dn.Type) || dn.Type == alto.DomainTypePID {
			return dn, fieldErr(field, "entity domain %q cannot be self-defined: use %s or <network-map-id>.%s", domain, dn.Type, dn.Type)
		}
	case dn.Resource == self:
		return dn, fieldErr(field, "entity domain %q names this resource: write .%s for a self-defined domain (RFC 9240, Section 5.1.2.3)", domain, dn.Type)
	default:
		if !IsAddressDomainType(dn.Type) && dn.Type != alto.DomainTypePID {
			return dn, fieldErr(field, "entity domain %q: a network map defines only ipv4, ipv6 and pid domains", domain)
		}
		if !served[dn.Resource] {
			return dn, fieldErr(field, "entity domain %q names %q, which is not a network-map resource of this definition", domain, dn.Resource)
		}
	}
	return dn, nil
}

// checkDomainProperties checks the properties offered in one entity
// domain. An Internet address entity may have self-defined properties
// and the PID of a served network map. A PID or self-defined entity may
// have self-defined properties only, because RFC 9240, Section 7.6
// allows no property of another resource on a resource-specific entity.
func (d *Definition) checkDomainProperties(field, domain string, dn alto.EntityDomainName, props []string, served map[string]bool) error {
	if len(props) == 0 {
		return fieldErr(field, "entity domain %q offers no properties", domain)
	}
	types := map[string]bool{}
	for _, p := range props {
		pn, ok := alto.ParseEntityPropertyName(p)
		if !ok {
			return fieldErr(field, "invalid entity property name %q in domain %q (RFC 9240, Section 5.2.2)", p, domain)
		}
		key := pn.Resource + "." + pn.Type
		if types[key] {
			return fieldErr(field, "entity domain %q lists property %q twice", domain, p)
		}
		types[key] = true
		if pn.Type == alto.PropertyCDNICapabilities && pn.Resource != "" {
			if err := d.checkCDNIProperty(field, domain, dn, p, pn); err != nil {
				return err
			}
			continue
		}
		if err := checkProperty(field, domain, dn, p, pn, served); err != nil {
			return err
		}
	}
	return nil
}

func checkProperty(field, domain string, dn alto.EntityDomainName, p string, pn alto.EntityPropertyName, served map[string]bool) error {
	if pn.Resource == "" {
		if pn.Type == alto.DomainTypePID {
			return fieldErr(field, "property %q needs a network map: write <network-map-id>.pid", p)
		}
		return nil
	}
	if pn.Type != alto.DomainTypePID || !served[pn.Resource] {
		return fieldErr(field, "property %q: the only resource-specific property is <network-map-id>.pid of a network-map resource", p)
	}
	if !IsAddressDomainType(dn.Type) {
		return fieldErr(field, "property %q does not apply to entities of domain %q", p, domain)
	}
	if dn.Resource != "" && dn.Resource != pn.Resource {
		return fieldErr(field, "property %q depends on another resource than the entities of domain %q (RFC 9240, Section 7.6)", p, domain)
	}
	return nil
}

// checkEntities checks the entity values of a property map: each entity
// is in a mapped PID or self-defined domain, and each of its properties
// is offered in that domain.
func (d *Definition) checkEntities(field string, r Resource, mappings map[string][]string) error {
	ids := make([]string, 0, len(r.Entities))
	for id := range r.Entities {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		domain, local, ok := SplitEntityID(id, mappings)
		if !ok {
			return fieldErr(field, "entity %q is not in an entity domain of the mappings", id)
		}
		dn, _ := alto.ParseEntityDomainName(domain)
		if IsAddressDomainType(dn.Type) {
			return fieldErr(field, "entity %q: Internet address entities take their values from properties, groups and property-sources", id)
		}
		if dn.Type == alto.DomainTypePID && !alto.ValidPIDName(local) {
			return fieldErr(field, "entity %q: invalid PID name %q", id, local)
		}
		if err := checkFootprintEntity(dn, local); err != nil {
			return fieldErr(field, "entity %q: %v", id, err)
		}
		for name := range r.Entities[id] {
			if !slices.Contains(mappings[domain], name) {
				return fieldErr(field, "entity %q: property %q is not offered in domain %q", id, name, domain)
			}
		}
	}
	return nil
}

// SplitEntityID splits an entity ID (RFC 9240, Section 5.1.3) into the
// longest entity domain name of mappings that it starts with, and the
// domain-specific identifier after the colon that follows it.
func SplitEntityID(id string, mappings map[string][]string) (domain, local string, ok bool) {
	for d := range mappings {
		rest, found := strings.CutPrefix(id, d+":")
		if found && rest != "" && len(d) > len(domain) {
			domain, local, ok = d, rest, true
		}
	}
	return domain, local, ok
}

// checkFootprintEntity checks the identifier of an asn or countrycode
// entity: "as" and the AS number in decimal without leading zeros, or a
// lowercase ISO 3166-1 alpha-2 code (RFC 9241, Sections 6.1.1.2 and
// 6.1.2.2). Identifiers of other domains pass.
func checkFootprintEntity(dn alto.EntityDomainName, local string) error {
	if !IsFootprintDomainType(dn.Type) || dn.Resource != "" || dn.SelfDefined {
		return nil
	}
	canonical, err := alto.CheckFootprintValue(dn.Type, local)
	if err != nil {
		// The message names a footprint value, but here the value is an
		// entity ID, so keep only its advice.
		_, advice, _ := strings.Cut(err.Error(), ": ")
		return fmt.Errorf("invalid %s entity identifier %q: %s", dn.Type, local, advice)
	}
	if canonical != local {
		return fmt.Errorf("invalid %s entity identifier %q: write %q (RFC 9241, Section 6.1)", dn.Type, local, canonical)
	}
	return nil
}
