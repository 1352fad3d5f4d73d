package snapshot

import (
	"fmt"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/cdni/advert"
	"github.com/goalto/goalto/internal/netdef"
	"github.com/goalto/goalto/internal/propmap/entity"
)

// buildCDNIData reads the advertisements of every CDNI resource of the
// definition into s.cdni. An altopid footprint must name a PID of the
// network map that the resource uses (RFC 9241, Section 4.1).
func (s *Snapshot) buildCDNIData(def *netdef.Definition) error {
	s.cdni = map[string]*advert.Advertisement{}
	for i, r := range def.Resources {
		if !netdef.IsCDNI(r.Type) {
			continue
		}
		ads, err := def.ReadAdvertisements(i)
		if err != nil {
			return err
		}
		var nmTag *alto.VersionTag
		if len(r.Uses) == 1 {
			nm := s.NetworkMapByID(r.Uses[0])
			if nm == nil {
				return def.FieldError(fmt.Sprintf("resources[%d].uses", i), fmt.Errorf("network map %q is not built", r.Uses[0]))
			}
			vt := nm.VersionTag()
			nmTag = &vt
			if err := checkALTOPIDs(ads, nm.Index); err != nil {
				return err
			}
		}
		objects := make([]alto.BaseAdvertisementObject, len(ads))
		for k, ad := range ads {
			objects[k] = ad.BaseAdvertisementObject
		}
		s.cdni[r.ID] = advert.New(objects, nmTag)
	}
	return nil
}

// buildCDNI completes the CDNI resource res at index i of the
// definition: with the encoded response for a CDNI Advertisement
// resource (GET), and with the data for a filtered one (POST).
func (s *Snapshot) buildCDNI(def *netdef.Definition, i int, res *Resource) (*Resource, error) {
	if s.cdni == nil {
		if err := s.buildCDNIData(def); err != nil {
			return nil, err
		}
	}
	data := s.cdni[res.ID]
	if data == nil {
		return nil, def.FieldError(fmt.Sprintf("resources[%d]", i), fmt.Errorf("CDNI resource %q has no data", res.ID))
	}
	if res.Type == netdef.TypeFilteredCDNI {
		res.CDNI = data
		return res, nil
	}
	full, err := newGetResource(res.Resource, res.MediaType, data.EncodeFull(res.ID))
	if err != nil {
		return nil, err
	}
	full.CDNI = data
	return full, nil
}

// usesVersionTag returns the version tag of a resource that a property
// map uses: a CDNI Advertisement resource or a network map.
func (s *Snapshot) usesVersionTag(id string) alto.VersionTag {
	if a := s.cdni[id]; a != nil {
		return alto.VersionTag{ResourceID: id, Tag: a.Tag()}
	}
	return s.NetworkMapByID(id).VersionTag()
}

// setCDNICapabilities sets the "<id>.cdni-capabilities" values of the
// CDNI resources whose keys a property map offers, on the prefixes of
// their ipv4cidr and ipv6cidr footprints (RFC 9241, Section 6.2.2).
func (s *Snapshot) setCDNICapabilities(b *entity.TreeBuilder, keys map[string]bool) {
	for id, a := range s.cdni {
		key := id + "." + alto.PropertyCDNICapabilities
		if !keys[key] {
			continue
		}
		for p, v := range advert.PrefixCapabilities(a.Objects()) {
			b.Set(p, key, entity.Value(v))
		}
	}
}

// cdniEntityValues sets the "<id>.cdni-capabilities" values of the
// entities that the asn, countrycode or altopid footprints of the CDNI
// resources name. The definition allows the property of a resource with
// altopid footprints only in the PID domain of the network map that the
// resource uses (RFC 9241, Section 6.1).
func (s *Snapshot) cdniEntityValues(footprintType string, props []string, set func(id, name string, v entity.Value)) {
	for _, p := range props {
		pn, _ := alto.ParseEntityPropertyName(p)
		a := s.cdni[pn.Resource]
		if pn.Type != alto.PropertyCDNICapabilities || a == nil {
			continue
		}
		for local, v := range advert.EntityCapabilities(a.Objects(), footprintType) {
			set(local, p, entity.Value(v))
		}
	}
}

// checkALTOPIDs returns an *netdef.Error naming the file, line and
// field of the first altopid footprint value that is not a PID of the
// network map.
func checkALTOPIDs(ads []netdef.Advertisement, index func(string) (int, bool)) error {
	for _, ad := range ads {
		for k, fp := range ad.Footprints {
			if fp.FootprintType != alto.FootprintALTOPID {
				continue
			}
			for m, pid := range fp.FootprintValue {
				if _, ok := index(pid); !ok {
					return &netdef.Error{File: ad.File, Line: ad.FootprintLines[k],
						Field: fmt.Sprintf("%s.footprints[%d].footprint-value[%d]", ad.Field, k, m),
						Err:   fmt.Errorf("PID %q is not in the network map that the resource uses", pid)}
				}
			}
		}
	}
	return nil
}
