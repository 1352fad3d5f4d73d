package netdef

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/goalto/goalto/alto"
)

// Resource types of RFC 9241: the CDNI Advertisement resource, served by
// GET (Section 3), and the filtered CDNI Advertisement resource, served
// by POST (Section 5).
const (
	TypeCDNI         = "cdni"
	TypeFilteredCDNI = "filtered-cdni"
)

// IsCDNI reports whether a resource type is a CDNI Advertisement or a
// filtered CDNI Advertisement resource.
func IsCDNI(typ string) bool { return typ == TypeCDNI || typ == TypeFilteredCDNI }

// AdvertisementSource is one entry of a CDNI resource's advertisements:
// a file of advertisements, or one advertisement written in place. It
// keeps the YAML node, which validation and ReadAdvertisements parse.
type AdvertisementSource struct {
	// File is the path of an advertisement file; empty for an
	// advertisement written in place.
	File string
	node *yaml.Node
}

// UnmarshalYAML keeps the node of an entry, and its file when the entry
// is a mapping with the single key "file".
func (s *AdvertisementSource) UnmarshalYAML(n *yaml.Node) error {
	s.node = n
	if v := mappingValue(n, "file"); v != nil {
		if len(n.Content) != 2 || v.Kind != yaml.ScalarNode || v.Value == "" {
			return fmt.Errorf("line %d: an advertisement file entry has only the key file, with a path", n.Line)
		}
		s.File = v.Value
	}
	return nil
}

// Advertisement is a BaseAdvertisementObject (RFC 8008, Section 5.1)
// read from a definition or an advertisement file, with the place where
// it is written, for errors found after loading.
type Advertisement struct {
	alto.BaseAdvertisementObject
	// File is the file it is written in, Field its path there, such as
	// "capabilities-with-footprints[2]", and Line its line.
	File  string
	Field string
	Line  int
	// FootprintLines holds the line of each footprint.
	FootprintLines []int
}

// validateCDNI checks the fields of a CDNI resource. Advertisement files
// are read by ReadAdvertisements when the snapshot is built.
func (d *Definition) validateCDNI(field string, r Resource) error {
	if len(r.Advertisements) == 0 {
		return fieldErr(field+".advertisements", "a %s resource needs advertisements: files or advertisements written in place", r.Type)
	}
	if len(r.Uses) > 1 {
		return fieldErr(field+".uses", "a %s resource uses at most one network map, for its altopid footprints (RFC 9241, Section 4.1)", r.Type)
	}
	if len(r.Uses) == 1 && !d.servedNetworkMaps()[r.Uses[0]] {
		return fieldErr(field+".uses", "%q is not a network-map resource of this definition", r.Uses[0])
	}
	for j, src := range r.Advertisements {
		if src.File != "" {
			continue
		}
		ad, err := parseAdvertisement(src.node, fmt.Sprintf("%s.advertisements[%d]", field, j))
		if err != nil {
			return err
		}
		if err := checkALTOPIDUses(ad, r); err != nil {
			return err
		}
	}
	return nil
}

// checkALTOPIDUses requires a network map in uses for altopid
// footprints, whose values are PIDs of that map (RFC 9241, Section 4.1).
func checkALTOPIDUses(ad Advertisement, r Resource) *Error {
	for k, fp := range ad.Footprints {
		if fp.FootprintType == alto.FootprintALTOPID && len(r.Uses) == 0 {
			return &Error{File: ad.File, Line: ad.FootprintLines[k], Field: fmt.Sprintf("%s.footprints[%d]", ad.Field, k),
				Err: errors.New("altopid footprints need a network map: list it under the resource's uses")}
		}
	}
	return nil
}

// ReadAdvertisements returns the advertisements of a CDNI resource of
// the definition, the one at index i of Resources: those written in
// place and those of its files, in the order of its advertisements
// list. An error is an *Error naming the file, line and field.
func (d *Definition) ReadAdvertisements(i int) ([]Advertisement, error) {
	r := d.Resources[i]
	var out []Advertisement
	for j, src := range r.Advertisements {
		field := fmt.Sprintf("resources[%d].advertisements[%d]", i, j)
		if src.File == "" {
			ad, err := parseAdvertisement(src.node, field)
			if err != nil {
				err.File = d.File
				return nil, err
			}
			ad.File = d.File
			out = append(out, ad)
			continue
		}
		ads, err := d.readAdvertisementFile(src.File)
		if err != nil {
			var fe *Error
			if errors.As(err, &fe) {
				return nil, fe
			}
			return nil, d.FieldError(field+".file", err)
		}
		for _, ad := range ads {
			if err := checkALTOPIDUses(ad, r); err != nil {
				return nil, err
			}
		}
		out = append(out, ads...)
	}
	return out, nil
}

// readAdvertisementFile reads an advertisement file: YAML or JSON
// holding a list of advertisements, an object with the list under
// "capabilities-with-footprints", or a whole CDNI Advertisement response
// (RFC 9241, Section 3.6), whose "meta" is ignored.
func (d *Definition) readAdvertisementFile(name string) ([]Advertisement, error) {
	path := d.Path(name)
	var data []byte
	var err error
	if d.FS != nil {
		data, err = fs.ReadFile(d.FS, name)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, err
	}
	if err := CheckJSONFile(path, data); err != nil {
		return nil, err
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, syntaxError(path, data, err)
	}
	ads, e := parseAdvertisementDocument(&root)
	if e != nil {
		e.File = path
		return nil, e
	}
	for k := range ads {
		ads[k].File = path
	}
	return ads, nil
}

func parseAdvertisementDocument(root *yaml.Node) ([]Advertisement, *Error) {
	n := root
	if n.Kind == yaml.DocumentNode {
		if len(n.Content) == 0 {
			return nil, &Error{Err: errors.New("empty file: give a list of advertisements")}
		}
		n = n.Content[0]
	}
	list, prefix := n, ""
	if n.Kind == yaml.MappingNode {
		if e := onlyKeys(n, "", "meta", "cdni-advertisement", "capabilities-with-footprints"); e != nil {
			return nil, e
		}
		if data := mappingValue(n, "cdni-advertisement"); data != nil {
			if e := onlyKeys(data, "cdni-advertisement", "capabilities-with-footprints"); e != nil {
				return nil, e
			}
			n, prefix = data, "cdni-advertisement."
		}
		prefix += "capabilities-with-footprints"
		if list = mappingValue(n, "capabilities-with-footprints"); list == nil {
			return nil, &Error{Line: n.Line, Field: prefix, Err: errors.New("missing: give the list of advertisements")}
		}
	}
	if list.Kind != yaml.SequenceNode {
		return nil, &Error{Line: list.Line, Field: prefix, Err: errors.New("must be a list of advertisements")}
	}
	out := make([]Advertisement, 0, len(list.Content))
	for k, c := range list.Content {
		ad, e := parseAdvertisement(c, fmt.Sprintf("%s[%d]", prefix, k))
		if e != nil {
			return nil, e
		}
		out = append(out, ad)
	}
	return out, nil
}

// parseAdvertisement decodes and checks one BaseAdvertisementObject
// node; field is its path, for errors.
func parseAdvertisement(n *yaml.Node, field string) (Advertisement, *Error) {
	ad := Advertisement{Field: field, Line: n.Line}
	if n.Kind != yaml.MappingNode {
		return ad, &Error{Line: n.Line, Field: field, Err: errors.New("an advertisement must be a mapping with capability-type, capability-value and footprints")}
	}
	if e := onlyKeys(n, field, "capability-type", "capability-value", "footprints"); e != nil {
		return ad, e
	}
	typ := mappingValue(n, "capability-type")
	if typ == nil || typ.Kind != yaml.ScalarNode || typ.Tag != "!!str" || typ.Value == "" {
		return ad, missingOrInvalid(n, typ, field+".capability-type", "a capability type such as FCI.DeliveryProtocol")
	}
	ad.CapabilityType = typ.Value

	value := mappingValue(n, "capability-value")
	if value == nil {
		return ad, &Error{Line: n.Line, Field: field + ".capability-value", Err: errors.New("missing capability value")}
	}
	raw, err := nodeJSON(value)
	if err == nil {
		err = alto.CheckCapabilityValue(ad.CapabilityType, raw)
	}
	if err != nil {
		return ad, &Error{Line: value.Line, Field: field + ".capability-value", Err: err}
	}
	ad.CapabilityValue = raw

	if fps := mappingValue(n, "footprints"); fps != nil && !isNull(fps) {
		if e := parseFootprints(fps, field+".footprints", &ad); e != nil {
			return ad, e
		}
	}
	return ad, nil
}

func parseFootprints(n *yaml.Node, field string, ad *Advertisement) *Error {
	if n.Kind != yaml.SequenceNode {
		return &Error{Line: n.Line, Field: field, Err: errors.New("must be a list of footprints")}
	}
	for k, c := range n.Content {
		f := fmt.Sprintf("%s[%d]", field, k)
		if c.Kind != yaml.MappingNode {
			return &Error{Line: c.Line, Field: f, Err: errors.New("a footprint must be a mapping with footprint-type and footprint-value")}
		}
		if e := onlyKeys(c, f, "footprint-type", "footprint-value"); e != nil {
			return e
		}
		typ := mappingValue(c, "footprint-type")
		if typ == nil || typ.Kind != yaml.ScalarNode {
			return missingOrInvalid(c, typ, f+".footprint-type", "ipv4cidr, ipv6cidr, asn, countrycode or altopid")
		}
		values := mappingValue(c, "footprint-value")
		if values == nil || values.Kind != yaml.SequenceNode || len(values.Content) == 0 {
			return missingOrInvalid(c, values, f+".footprint-value", "a non-empty list of footprint values")
		}
		fp := alto.Footprint{FootprintType: typ.Value}
		for m, v := range values.Content {
			canonical, err := alto.CheckFootprintValue(typ.Value, v.Value)
			if err != nil && strings.HasPrefix(err.Error(), "unknown footprint type") {
				return &Error{Line: typ.Line, Field: f + ".footprint-type", Err: err}
			}
			if err == nil && v.Kind != yaml.ScalarNode {
				err = errors.New("a footprint value must be a string")
			}
			if err != nil {
				return &Error{Line: v.Line, Field: fmt.Sprintf("%s.footprint-value[%d]", f, m), Err: err}
			}
			fp.FootprintValue = append(fp.FootprintValue, canonical)
		}
		ad.Footprints = append(ad.Footprints, fp)
		ad.FootprintLines = append(ad.FootprintLines, c.Line)
	}
	return nil
}

// onlyKeys returns an error for the first key of a mapping that is not
// among keys.
func onlyKeys(n *yaml.Node, field string, keys ...string) *Error {
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if !slices.Contains(keys, k.Value) {
			f := k.Value
			if field != "" {
				f = field + "." + k.Value
			}
			return &Error{Line: k.Line, Field: f, Err: fmt.Errorf("unknown field %q: use %s", k.Value, strings.Join(keys, ", "))}
		}
	}
	return nil
}

func missingOrInvalid(parent, n *yaml.Node, field, want string) *Error {
	if n == nil {
		return &Error{Line: parent.Line, Field: field, Err: fmt.Errorf("missing: give %s", want)}
	}
	return &Error{Line: n.Line, Field: field, Err: fmt.Errorf("invalid value: give %s", want)}
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }

// nodeJSON encodes a YAML node as JSON.
func nodeJSON(n *yaml.Node) (json.RawMessage, error) {
	var v any
	if err := n.Decode(&v); err != nil {
		return nil, err
	}
	out, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("not expressible in JSON: %w", err)
	}
	return out, nil
}

// advertisementFiles returns the resolved paths of the advertisement
// files of the CDNI resources.
func (d *Definition) advertisementFiles() []string {
	var out []string
	for _, r := range d.Resources {
		for _, src := range r.Advertisements {
			if src.File != "" {
				out = append(out, d.Path(src.File))
			}
		}
	}
	return out
}

// IsFootprintDomainType reports whether an entity domain type is one of
// the resource-agnostic domains of CDNI footprints that RFC 9241,
// Section 6.1 adds: asn and countrycode. Their entities have no
// hierarchy.
func IsFootprintDomainType(typ string) bool {
	return typ == alto.DomainTypeASN || typ == alto.DomainTypeCountryCode
}

// checkCDNIProperty checks a "<cdni-resource>.cdni-capabilities"
// property: its defining resource must be a cdni resource of the
// definition (RFC 9241, Section 6.2.1), and it applies to the ipv4,
// ipv6, asn and countrycode domains (Section 6.2), and to the PID domain
// of the network map that the cdni resource uses, whose entities are its
// altopid footprints (Section 6.1).
func (d *Definition) checkCDNIProperty(field, domain string, dn alto.EntityDomainName, p string, pn alto.EntityPropertyName) error {
	i := slices.IndexFunc(d.Resources, func(r Resource) bool { return r.ID == pn.Resource && r.Type == TypeCDNI })
	if i < 0 {
		return fieldErr(field, "property %q: %q is not a cdni resource of this definition (RFC 9241, Section 6.2.1)", p, pn.Resource)
	}
	if dn.Type == alto.DomainTypePID && dn.Resource != "" {
		return checkALTOPIDDomain(field, domain, dn, p, d.Resources[i])
	}
	if dn.Resource != "" || dn.SelfDefined || (!IsAddressDomainType(dn.Type) && !IsFootprintDomainType(dn.Type)) {
		return fieldErr(field, "property %q applies to the ipv4, ipv6, asn and countrycode domains and to the PIDs of the network map that %q uses, not to %q (RFC 9241, Section 6.2)", p, pn.Resource, domain)
	}
	return nil
}

// checkALTOPIDDomain requires the PID domain that offers the
// cdni-capabilities property of r to be that of the network map r uses,
// because RFC 9241, Section 6.1 makes that network map the defining
// resource of the entities of altopid footprints.
func checkALTOPIDDomain(field, domain string, dn alto.EntityDomainName, p string, r Resource) error {
	if len(r.Uses) == 0 {
		return fieldErr(field, "property %q does not apply to %q: cdni resource %q uses no network map, so it has no altopid footprints (RFC 9241, Section 6.1)", p, domain, r.ID)
	}
	if dn.Resource != r.Uses[0] {
		return fieldErr(field, "property %q does not apply to %q: the PIDs of its altopid footprints are those of network map %q, so use the domain %s.pid (RFC 9241, Section 6.1)", p, domain, r.Uses[0], r.Uses[0])
	}
	return nil
}
