package advert

import (
	"encoding/json"
	"net/netip"
	"slices"

	"github.com/goalto/goalto/alto"
)

// PrefixCapabilities returns the value of the cdni-capabilities property
// (RFC 9241, Section 6.2.2) on each prefix that an ipv4cidr or ipv6cidr
// footprint names. The value is the JSON array of the capabilities of
// every object with a footprint that contains the prefix, and of every
// object without footprints, which applies everywhere. Those objects
// also give the value of 0.0.0.0/0 and ::/0, which addresses outside
// every footprint inherit.
func PrefixCapabilities(objects []alto.BaseAdvertisementObject) map[netip.Prefix]string {
	var prefixes []netip.Prefix
	for _, o := range objects {
		prefixes = append(prefixes, cidrFootprints(o)...)
		if len(o.Footprints) == 0 {
			prefixes = append(prefixes, netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0"))
		}
	}
	out := map[netip.Prefix]string{}
	for _, p := range prefixes {
		if _, done := out[p]; done {
			continue
		}
		var caps []alto.BaseAdvertisementObject
		for _, o := range objects {
			if len(o.Footprints) == 0 || slices.ContainsFunc(cidrFootprints(o), func(q netip.Prefix) bool { return contains(q, p) }) {
				caps = append(caps, o)
			}
		}
		out[p] = encodeCapabilities(caps)
	}
	return out
}

// EntityCapabilities returns the value of the cdni-capabilities property
// of each asn or countrycode entity that a footprint of that type names,
// by its identifier such as "as64496". The value lists the capabilities
// of the objects that name the entity and of the objects without
// footprints.
func EntityCapabilities(objects []alto.BaseAdvertisementObject, footprintType string) map[string]string {
	named := map[string]bool{}
	var order []string
	for _, o := range objects {
		for _, fp := range o.Footprints {
			if fp.FootprintType != footprintType {
				continue
			}
			for _, v := range fp.FootprintValue {
				if !named[v] {
					named[v] = true
					order = append(order, v)
				}
			}
		}
	}
	out := map[string]string{}
	for _, id := range order {
		var caps []alto.BaseAdvertisementObject
		for _, o := range objects {
			if len(o.Footprints) == 0 || namesValue(o, footprintType, id) {
				caps = append(caps, o)
			}
		}
		out[id] = encodeCapabilities(caps)
	}
	return out
}

func namesValue(o alto.BaseAdvertisementObject, footprintType, value string) bool {
	for _, fp := range o.Footprints {
		if fp.FootprintType == footprintType && slices.Contains(fp.FootprintValue, value) {
			return true
		}
	}
	return false
}

// cidrFootprints returns the prefixes of the ipv4cidr and ipv6cidr
// footprints of an object, which were checked on load.
func cidrFootprints(o alto.BaseAdvertisementObject) []netip.Prefix {
	var out []netip.Prefix
	for _, fp := range o.Footprints {
		if fp.FootprintType != alto.FootprintIPv4CIDR && fp.FootprintType != alto.FootprintIPv6CIDR {
			continue
		}
		for _, v := range fp.FootprintValue {
			if p, err := netip.ParsePrefix(v); err == nil {
				out = append(out, p)
			}
		}
	}
	return out
}

// contains reports whether prefix q contains prefix p.
func contains(q, p netip.Prefix) bool {
	return q.Addr().Is4() == p.Addr().Is4() && q.Bits() <= p.Bits() && q.Contains(p.Addr())
}

// encodeCapabilities encodes the capabilities of objects as a JSON array
// of CDNICapability objects (RFC 9241, Section 5.3).
func encodeCapabilities(objects []alto.BaseAdvertisementObject) string {
	caps := make([]alto.CDNICapability, len(objects))
	for i, o := range objects {
		caps[i] = alto.CDNICapability{CapabilityType: o.CapabilityType, CapabilityValue: o.CapabilityValue}
	}
	out, _ := json.Marshal(caps) // the values are valid JSON, checked on load
	return string(out)
}
