// Package advert holds the data of a CDNI Advertisement resource (RFC
// 9241, Section 3): the capabilities with footprints that a downstream
// CDN advertises, their version tag, and the encoding of the full and
// the filtered response (Section 5). The service of the filtered
// resource is in the parent package cdni.
package advert

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	"github.com/goalto/goalto/alto"
)

// Advertisement is the immutable data of one CDNI Advertisement or
// filtered CDNI Advertisement resource.
type Advertisement struct {
	objects []alto.BaseAdvertisementObject
	// networkMap is the version of the network map whose PIDs the
	// altopid footprints name; nil when the resource uses none.
	networkMap *alto.VersionTag
	tag        string
}

// New returns the advertisement of a list of objects. networkMap, when
// not nil, is the network map that the resource uses (RFC 9241, Section
// 4.1). The version tag is a hash of the objects and of the network
// map's tag, so that two resources with the same content have the same
// tag, as Section 5.6 requires of a filtered resource and its full one.
func New(objects []alto.BaseAdvertisementObject, networkMap *alto.VersionTag) *Advertisement {
	a := &Advertisement{objects: objects, networkMap: networkMap}
	h := sha256.New()
	for _, o := range objects {
		enc, _ := json.Marshal(alto.BaseAdvertisementObject{
			CapabilityType:  o.CapabilityType,
			CapabilityValue: alto.CanonicalJSON(o.CapabilityValue),
			Footprints:      o.Footprints,
		})
		h.Write(enc)
		h.Write([]byte{'\n'})
	}
	if networkMap != nil {
		h.Write([]byte(networkMap.ResourceID + "\x00" + networkMap.Tag))
	}
	a.tag = hex.EncodeToString(h.Sum(nil)[:20])
	return a
}

// Tag returns the version tag of the advertisement.
func (a *Advertisement) Tag() string { return a.tag }

// Uses returns the resource ID of the network map that the resource
// uses, or nil (RFC 9241, Section 3.5).
func (a *Advertisement) Uses() []string {
	if a.networkMap == nil {
		return nil
	}
	return []string{a.networkMap.ResourceID}
}

// Objects returns the advertised objects; the caller must not modify
// them.
func (a *Advertisement) Objects() []alto.BaseAdvertisementObject { return a.objects }

// EncodeFull encodes the response of the resource with the given ID.
func (a *Advertisement) EncodeFull(resourceID string) []byte {
	return a.encode(resourceID, a.objects)
}

// Filter encodes the response to a filtered request: the objects whose
// capability covers one of the requested capabilities, or every object
// when the request lists none (RFC 9241, Section 5.6). The vtag is that
// of the full advertisement.
func (a *Advertisement) Filter(resourceID string, req *alto.CDNIFilterParams) []byte {
	if len(req.Capabilities) == 0 {
		return a.EncodeFull(resourceID)
	}
	out := []alto.BaseAdvertisementObject{}
	for _, o := range a.objects {
		if matchesAny(o, req.Capabilities) {
			out = append(out, o)
		}
	}
	return a.encode(resourceID, out)
}

func matchesAny(o alto.BaseAdvertisementObject, capabilities []alto.CDNICapability) bool {
	for _, c := range capabilities {
		if c.CapabilityType == o.CapabilityType && Covers(o.CapabilityValue, c.CapabilityValue) {
			return true
		}
	}
	return false
}

func (a *Advertisement) encode(resourceID string, objects []alto.BaseAdvertisementObject) []byte {
	resp := alto.CDNIAdvertisement{
		Meta: alto.ResponseMeta{VTag: &alto.VersionTag{ResourceID: resourceID, Tag: a.tag}},
		Data: alto.CDNIAdvertisementData{CapabilitiesWithFootprints: objects},
	}
	if a.networkMap != nil {
		resp.Meta.DependentVTags = []alto.VersionTag{*a.networkMap}
	}
	if resp.Data.CapabilitiesWithFootprints == nil {
		resp.Data.CapabilitiesWithFootprints = []alto.BaseAdvertisementObject{}
	}
	body, _ := json.Marshal(resp) // the values are valid JSON, checked on load
	return append(body, '\n')
}

// Covers reports whether an advertised capability value is a superset of
// a requested one, as RFC 9241, Section 5.6 matches a filter. Every
// member of a requested object must be in the advertised object with a
// value that covers it. Every element of a requested array must be in
// the advertised array, and any other value must be equal. So
// {"delivery-protocols": ["https/1.1", "http/1.1"]} covers
// {"delivery-protocols": ["https/1.1"]}.
func Covers(advertised, requested json.RawMessage) bool {
	var adv, req any
	if json.Unmarshal(advertised, &adv) != nil || json.Unmarshal(requested, &req) != nil {
		return false
	}
	return covers(adv, req)
}

func covers(adv, req any) bool {
	switch r := req.(type) {
	case map[string]any:
		a, ok := adv.(map[string]any)
		if !ok {
			return false
		}
		for k, rv := range r {
			av, ok := a[k]
			if !ok || !covers(av, rv) {
				return false
			}
		}
		return true
	case []any:
		a, ok := adv.([]any)
		if !ok {
			return false
		}
		for _, rv := range r {
			if !containsEqual(a, rv) {
				return false
			}
		}
		return true
	}
	return equalJSON(adv, req)
}

func containsEqual(list []any, v any) bool {
	for _, e := range list {
		if equalJSON(e, v) {
			return true
		}
	}
	return false
}

func equalJSON(a, b any) bool {
	x, errA := json.Marshal(a)
	y, errB := json.Marshal(b)
	return errA == nil && errB == nil && string(x) == string(y)
}
