// Package netdef reads goalto's network definition file: where the
// topology and prefixes come from, how prefixes are grouped into PIDs,
// which cost types and resources the server offers, and the endpoint
// and entity properties configured per prefix, per PID and per entity.
// The format is documented in docs/network-definition.md, and property
// maps in docs/propmap.md.
package netdef

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/access"
	"github.com/goalto/goalto/internal/jsonfile"
	"github.com/goalto/goalto/internal/yamlpos"
)

// PID grouping rules.
const (
	PIDsByNode  = "node"  // one PID per topology node with prefixes
	PIDsByASN   = "asn"   // one PID per origin AS, named "as<N>"
	PIDsByGroup = "group" // the PIDs listed under groups
)

// Resource types.
const (
	TypeDirectory          = "directory"
	TypeNetworkMap         = "network-map"
	TypeCostMap            = "cost-map"
	TypeFilteredNetworkMap = "filtered-network-map"
	TypeFilteredCostMap    = "filtered-cost-map"
	TypeEndpointProperty   = "endpoint-property"
	TypeEndpointCost       = "endpoint-cost"
	TypeUpdateStream       = "update-stream" // RFC 8895 update stream service
	TypeTIPS               = "tips"          // RFC 9569 TIPS
	// TypePropertyMap is an RFC 9240 property map, served by GET.
	TypePropertyMap = "property-map"
	// TypeFilteredPropertyMap is an RFC 9240 filtered property map,
	// served by POST.
	TypeFilteredPropertyMap = "filtered-property-map"
	// TypePathVectorCostMap is an RFC 9275 multipart filtered cost map,
	// served by POST.
	TypePathVectorCostMap = "path-vector-cost-map"
	// TypePathVectorEndpointCost is an RFC 9275 multipart endpoint cost
	// service, served by POST.
	TypePathVectorEndpointCost = "path-vector-endpoint-cost"
)

// Defaults.
const (
	DefaultNetworkMapID = "default-network-map"
	DefaultDirectory    = "/directory"
	// DefaultMaxCostMapPIDs is the largest network map for which the
	// default resources include full cost maps; a full map has the square
	// of this many entries.
	DefaultMaxCostMapPIDs = 2000
)

// Definition is a network definition file. File paths inside it are
// resolved relative to the directory of the file.
type Definition struct {
	File string `yaml:"-"` // path of the file it was read from
	// FS, when set, holds the files the definition names, which are then
	// read from it instead of the file system.
	FS fs.FS `yaml:"-"`

	root *yaml.Node // the parsed document, for the line numbers of errors

	NetworkMap NetworkMap `yaml:"network-map"`
	// Topology is the topology file: GraphML, or goalto's YAML or JSON
	// form; empty for none.
	Topology string `yaml:"topology"`
	// Prefixes are prefix files: pyasn tables (plain or gzip), CSV or YAML.
	Prefixes []string `yaml:"prefixes"`
	// Groups define PIDs explicitly; with the group rule they are the
	// only PIDs, and with the other rules they add to them.
	Groups []Group `yaml:"groups"`
	// Costs gives costs per metric between PIDs: metric, source PID,
	// destination PID. A metric listed here is not computed from the
	// topology.
	Costs map[string]map[string]map[string]float64 `yaml:"costs"`
	// Properties are endpoint properties set per prefix.
	Properties []PrefixProperties `yaml:"properties"`
	// ExtraNetworkMaps are network maps served beside the main one, whose
	// PIDs property maps can name (RFC 9240, Section 6.2).
	ExtraNetworkMaps []ExtraNetworkMap `yaml:"extra-network-maps"`
	// PropertySources are files that give entity properties to property
	// maps.
	PropertySources PropertySources `yaml:"property-sources"`
	// CostTypes names the cost types the server offers; empty means the
	// four of RFC 7285: routingcost and hopcount, numerical and ordinal.
	CostTypes map[string]alto.CostType `yaml:"cost-types"`
	// Resources lists the information resources; empty means one of each
	// RFC 7285 service, at the paths of DefaultResources.
	Resources []Resource `yaml:"resources"`
	// Directory is the URI path of the root directory; default /directory.
	Directory string `yaml:"directory"`
	// Measurements configures the per-link measurements read from
	// Prometheus for measured cost types and calendars.
	Measurements Measurements `yaml:"measurements"`
	// BaseURL, when set, makes the URIs in directories absolute, such as
	// "https://alto.example.net"; empty means URIs relative to the directory.
	BaseURL string `yaml:"base-url"`
	// Access lists the clients that can authenticate and their roles;
	// empty serves every resource to every client (docs/security.md).
	Access access.Config `yaml:"access"`
	// MRTPeers choose the routes of one collector peer for MRT dumps
	// under prefixes; a dump without a choice gives the best route of
	// each prefix.
	MRTPeers []MRTPeer `yaml:"mrt-peers"`
	// BGP configures the embedded BGP speaker whose routes feed the
	// network map; see docs/bgp.md.
	BGP BGP `yaml:"bgp"`
	// BGPLS takes the topology from BGP-LS; see docs/bgp-ls.md.
	BGPLS BGPLS `yaml:"bgp-ls"`
}

// NetworkMap configures PID formation.
type NetworkMap struct {
	// ResourceID of the network map; default "default-network-map".
	ResourceID string `yaml:"resource-id"`
	// Rule forms PIDs: node (default), asn or group.
	Rule string `yaml:"pids"`
	// DefaultPID, when set, is a PID holding 0.0.0.0/0 and ::/0, so that
	// every address maps to a PID (RFC 7285, Section 11.2.2).
	DefaultPID string `yaml:"default-pid"`
	// DefaultNode is the topology node whose costs the default PID takes;
	// empty leaves the default PID without costs.
	DefaultNode string `yaml:"default-node"`
	// MaxCostMapPIDs limits the default full cost maps; default
	// DefaultMaxCostMapPIDs.
	MaxCostMapPIDs int `yaml:"max-cost-map-pids"`
}

// Group is a PID listed by name.
type Group struct {
	PID      string   `yaml:"pid"`
	Node     string   `yaml:"node"` // topology node for costs; optional
	Prefixes []Prefix `yaml:"prefixes"`
	// Properties are endpoint properties of every address in the PID.
	Properties map[string]string `yaml:"properties"`
}

// PrefixProperties sets endpoint properties on every address in a prefix;
// the most specific prefix wins. A nil value (null in the file) defines
// the property to have no value there, which hides the value of a less
// specific prefix (RFC 9240, Section 6.1.3).
type PrefixProperties struct {
	Prefix Prefix             `yaml:"prefix"`
	Values map[string]*string `yaml:"values"`
}

// ExtraNetworkMap is a network map besides the main one. It lists its
// PIDs with their prefixes and has no costs.
type ExtraNetworkMap struct {
	ResourceID string `yaml:"resource-id"`
	// DefaultPID, when set, is a PID holding 0.0.0.0/0 and ::/0.
	DefaultPID string              `yaml:"default-pid"`
	PIDs       map[string][]Prefix `yaml:"pids"`
}

// PropertySources names the files that give entity properties to
// property maps; an empty field means no such source.
type PropertySources struct {
	// WLCG is a WLCG CRIC site table (the JSON of its rcsite query),
	// which gives the site name, country and coordinates of the prefixes
	// of each site's network routes.
	WLCG string `yaml:"wlcg"`
}

// JSONValue is a YAML scalar kept as encoded JSON: a string, a number,
// true, false or null.
type JSONValue string

// UnmarshalYAML encodes a YAML scalar as JSON, reporting the line of a
// value that is not a scalar or not a finite number.
func (v *JSONValue) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: a property value must be a string, number, boolean or null", n.Line)
	}
	var x any
	if err := n.Decode(&x); err != nil {
		return err
	}
	if f, ok := x.(float64); ok && (math.IsNaN(f) || math.IsInf(f, 0)) {
		return fmt.Errorf("line %d: property value %s is not a finite number", n.Line, n.Value)
	}
	enc, err := json.Marshal(x)
	if err != nil {
		return fmt.Errorf("line %d: property value %q: %v", n.Line, n.Value, err)
	}
	*v = JSONValue(enc)
	return nil
}

// Prefix is an IP prefix in a definition. Host bits must be zero, so
// that a typo in an address or a length is not masked away.
type Prefix struct{ netip.Prefix }

// UnmarshalYAML parses a prefix, reporting the line of an invalid one.
func (p *Prefix) UnmarshalYAML(n *yaml.Node) error {
	v, err := netip.ParsePrefix(n.Value)
	if err != nil {
		// netip repeats the input: "netip.ParsePrefix("x"): reason".
		reason := strings.TrimPrefix(err.Error(), fmt.Sprintf("netip.ParsePrefix(%q): ", n.Value))
		return fmt.Errorf("line %d: invalid prefix %q: %s", n.Line, n.Value, reason)
	}
	if v != v.Masked() {
		return fmt.Errorf("line %d: prefix %s has host bits set; use %s", n.Line, v, v.Masked())
	}
	p.Prefix = v
	return nil
}

// Resource is one information resource.
type Resource struct {
	ID   string `yaml:"id"`
	Type string `yaml:"type"`
	// Path is the URI path the resource is served at, or, for a
	// directory entry pointing elsewhere, a full URI.
	Path string `yaml:"path"`
	// CostTypes are cost type names, for cost maps (exactly one), filtered
	// cost maps and the endpoint cost service (one or more).
	CostTypes []string `yaml:"cost-types"`
	// Constraints enables cost constraints (RFC 7285, Section 11.3.2.4).
	Constraints bool `yaml:"constraints"`
	// MaxCostTypes, for a filtered cost map or an endpoint cost service,
	// is the max number of cost types of one multi-cost request (RFC 8189,
	// Section 4.1.1); 0, the default, serves RFC 7285 requests only.
	MaxCostTypes int `yaml:"max-cost-types"`
	// TestableCostTypes, for a resource with MaxCostTypes, limits
	// constraint tests to these of its cost types (RFC 8189,
	// Section 4.1.1); it excludes Constraints.
	TestableCostTypes []string `yaml:"testable-cost-types"`
	// Calendar, for a filtered cost map or an endpoint cost service,
	// offers cost calendars for some of its cost types (RFC 8896): one
	// calendar option, or a list of them with different interval sizes.
	Calendar Calendars `yaml:"calendar"`
	// Properties are extra endpoint properties offered by an endpoint
	// property resource, besides "<network-map>.pid".
	Properties []string `yaml:"properties"`
	// Directory is the ID of the secondary directory that lists the
	// resource; empty for the root directory (RFC 7285, Section 9.2.4).
	Directory string `yaml:"directory"`
	// Uses lists the resources an update stream or TIPS resource offers
	// updates for; empty means every network map and full cost map. For
	// a CDNI resource it names the network map of its altopid
	// footprints.
	Uses []string `yaml:"uses"`
	// Mappings gives, for a property map, the entity properties offered
	// in each entity domain (RFC 9240, Section 7.4).
	Mappings map[string][]string `yaml:"mappings"`
	// EntityDomains, for a property map, is a shorthand for mappings
	// that offers Properties in each of these entity domains.
	EntityDomains []string `yaml:"entity-domains"`
	// Entities gives, for a property map, the property values of
	// entities in PID domains and self-defined domains, by entity ID and
	// property name.
	Entities map[string]map[string]JSONValue `yaml:"entities"`
	// ANEProperties, for a path vector resource, are the ANE properties
	// it offers (RFC 9275, Section 6.4); empty means
	// max-reservable-bandwidth, and persistent-entity-id too when
	// PersistentMap is set.
	ANEProperties []string `yaml:"ane-properties"`
	// MergeSharedLinks, for a path vector resource, makes the links that
	// every path of a response traverses one ANE.
	MergeSharedLinks bool `yaml:"merge-shared-links"`
	// PersistentMap, for a path vector resource, is the resource ID of
	// the property map that defines persistent ANEs, which names the
	// persistent-entity-id values (RFC 9275, Section 6.4.2).
	PersistentMap string `yaml:"persistent-map"`
	// Advertisements are, for a CDNI resource, the capabilities with
	// footprints of the downstream CDN it serves: advertisement files
	// and advertisements written in place (RFC 9241, Section 3.6).
	Advertisements []AdvertisementSource `yaml:"advertisements"`
	// AcceptedRoles are the roles of the access section whose clients
	// may read the resource; empty means every client, authenticated or
	// not.
	AcceptedRoles []string `yaml:"accepted-roles"`

	defaulted bool // added by defaultResources
}

// Defaulted reports whether the resource was added by default rather
// than configured.
func (r *Resource) Defaulted() bool { return r.defaulted }

// Error is an invalid definition, naming the file, line and field.
type Error struct {
	File   string
	Line   int
	Column int // 0 when unknown
	Field  string
	Err    error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Column > 0 {
			fmt.Fprintf(&b, ":%d", e.Column)
		}
	}
	if e.Field != "" {
		b.WriteString(": " + e.Field)
	}
	return b.String() + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// Load reads, checks and completes a definition file.
func Load(path string) (*Definition, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(data, path)
}

// Parse decodes a definition, rejecting unknown fields, fills in the
// defaults and validates it. name is the file name used in errors and as
// the base for relative paths.
func Parse(data []byte, name string) (*Definition, error) {
	if err := CheckJSONFile(name, data); err != nil {
		return nil, err
	}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, syntaxError(name, data, err)
	}
	var def Definition
	if len(root.Content) > 0 {
		if e := checkNumbers(&root, reflect.TypeFor[Definition](), ""); e != nil {
			e.File = name
			return nil, e
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(&def); err != nil {
			return nil, yamlError(name, &root, err)
		}
	}
	def.File = name
	def.root = &root
	def.setDefaults()
	if err := def.validate(); err != nil {
		e := &Error{Err: err}
		errors.As(err, &e)
		e.File = name
		e.Line = lineOf(&root, e.Field)
		return nil, e
	}
	return &def, nil
}

// syntaxError returns an *Error for a YAML syntax error in data, with
// the line and column of the mistake.
func syntaxError(name string, data []byte, err error) *Error {
	p := yamlpos.Locate(data, err)
	return &Error{File: name, Line: p.Line, Column: p.Column, Err: errors.New(p.Reason)}
}

// yamlError turns a yaml.v3 error such as "yaml: line 4: field foo not
// found in type netdef.Definition" into an *Error with the line, and the
// field path of the key on that line when root has one.
func yamlError(name string, root *yaml.Node, err error) error {
	var te *yaml.TypeError
	msg := err.Error()
	if errors.As(err, &te) && len(te.Errors) > 0 {
		msg = te.Errors[0]
	}
	msg = strings.TrimPrefix(msg, "yaml: ")
	line := 0
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if n, after, ok := strings.Cut(rest, ":"); ok {
			line, _ = strconv.Atoi(n)
			msg = strings.TrimSpace(after)
		}
	}
	// yaml.v3 names Go types ("field foo not found in type
	// netdef.Group"); a definition's author knows only the YAML keys.
	if f, _, ok := strings.Cut(msg, " not found in type "); ok && strings.HasPrefix(f, "field ") {
		msg = "unknown " + f
	}
	value, isKey := offendingText(msg)
	field := fieldAt(root, line, "")
	if f := fieldWith(root, line, value, isKey, ""); f != "" {
		field = f
	}
	msg = explainTypeError(msg, field)
	return &Error{File: name, Line: line, Field: field, Err: errors.New(msg)}
}

// offendingPatterns find the text that a decoding error is about: the
// key of an unknown field, or the value of a type error, an invalid
// prefix or an invalid duration.
var offendingPatterns = []*regexp.Regexp{
	regexp.MustCompile("^unknown field (.+)$"),
	regexp.MustCompile("^cannot unmarshal !![a-z]+ `(.*)` into "),
	regexp.MustCompile(`^invalid [a-z ]+ "((?:[^"\\]|\\.)*)"`),
	regexp.MustCompile(`^prefix (\S+) has host bits set`),
}

// offendingText returns the key or value that a decoding error message
// is about, and whether it is a key; "" when the message names none.
func offendingText(msg string) (text string, isKey bool) {
	for i, re := range offendingPatterns {
		if m := re.FindStringSubmatch(msg); m != nil {
			return m[1], i == 0
		}
	}
	return "", false
}

// fieldWith returns the path of the node on a line whose text is text:
// a mapping key when isKey, else a scalar value. All keys of a
// flow-style mapping share one line, so the line alone does not tell
// which field an error is about. It returns "" when no node matches.
func fieldWith(n *yaml.Node, line int, text string, isKey bool, path string) string {
	if n == nil || line == 0 || text == "" {
		return ""
	}
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			if f := fieldWith(c, line, text, isKey, path); f != "" {
				return f
			}
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			key, val := n.Content[i], n.Content[i+1]
			p := joinField(path, key.Value)
			if isKey && key.Line == line && key.Value == text {
				return path // the unknown key names no field; its mapping does
			}
			if !isKey && val.Kind == yaml.ScalarNode && val.Line == line && val.Value == text {
				return p
			}
			if f := fieldWith(val, line, text, isKey, p); f != "" {
				return f
			}
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			p := fmt.Sprintf("%s[%d]", path, i)
			if !isKey && c.Kind == yaml.ScalarNode && c.Line == line && c.Value == text {
				return path // the list, as fieldAt names it for a block list
			}
			if f := fieldWith(c, line, text, isKey, p); f != "" {
				return f
			}
		}
	}
	return ""
}

// joinField appends a key to a field path.
func joinField(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// typeErrorPattern matches a yaml.v3 type error such as
// "cannot unmarshal !!str `x` into float64".
var typeErrorPattern = regexp.MustCompile("^cannot unmarshal !!([a-z]+) `(.*)` into (.+)$")

// explainTypeError rewrites a yaml.v3 type error about a duration or a
// number in the words of the definition's author; other messages are
// returned unchanged. field is the path of the value, so that an AS
// number is called one.
func explainTypeError(msg, field string) string {
	m := typeErrorPattern.FindStringSubmatch(msg)
	if m == nil {
		return msg
	}
	switch value, goType := m[2], m[3]; {
	case goType == "uint32" && isASField(field):
		return fmt.Sprintf("invalid AS number %q: must be an AS number from 0 to 4294967295", value)
	case goType == "uint32":
		return fmt.Sprintf("invalid number %q: must be a whole number from 0 to 4294967295", value)
	case goType == "time.Duration":
		return fmt.Sprintf("invalid duration %q: write a number with a unit, such as 5s, 2m or 1h", value)
	case strings.HasPrefix(goType, "float"):
		return fmt.Sprintf("invalid number %q: want a number, such as 100 or 2.5", value)
	case strings.HasPrefix(goType, "int") || strings.HasPrefix(goType, "uint"):
		return fmt.Sprintf("invalid number %q: want a whole number, such as 100", value)
	}
	return msg
}

// asFieldPattern matches the path of an AS number, such as
// "bgp.local-as" or "bgp.rules[0].origin-as[1]".
var asFieldPattern = regexp.MustCompile(`(^|\.|-)as(\[\d+\])?$`)

// isASField reports whether a field path names an AS number.
func isASField(field string) bool { return asFieldPattern.MatchString(field) }

// fieldAt returns the path of the first mapping key on a line, such as
// "groups[0].prefixes", or "" when there is none.
func fieldAt(n *yaml.Node, line int, path string) string {
	if n == nil || line == 0 {
		return ""
	}
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			if f := fieldAt(c, line, path); f != "" {
				return f
			}
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			key, val := n.Content[i], n.Content[i+1]
			p := key.Value
			if path != "" {
				p = path + "." + p
			}
			if key.Line == line {
				return p
			}
			if f := fieldAt(val, line, p); f != "" {
				return f
			}
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			p := fmt.Sprintf("%s[%d]", path, i)
			if f := fieldAt(c, line, p); f != "" {
				return f
			}
			if c.Line == line && c.Kind == yaml.ScalarNode {
				return p
			}
		}
	}
	return ""
}

// lineOf returns the line of a field path such as "resources[2].type" in
// a YAML document: the line of the deepest part of the path it finds.
func lineOf(root *yaml.Node, field string) int {
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	line := 0
	for _, part := range strings.Split(field, ".") {
		key, idx := part, -1
		if i := strings.IndexByte(part, '['); i >= 0 && strings.HasSuffix(part, "]") {
			key = part[:i]
			idx, _ = strconv.Atoi(part[i+1 : len(part)-1])
		}
		next := mappingValue(n, key)
		if next == nil {
			return line
		}
		n, line = next, next.Line
		if idx >= 0 {
			if n.Kind != yaml.SequenceNode || idx >= len(n.Content) {
				return line
			}
			n = n.Content[idx]
			line = n.Line
		}
	}
	return line
}

func mappingValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// FieldError returns an *Error for a field path of the definition, such
// as "groups[2].node", with the line where that field is written.
func (d *Definition) FieldError(field string, err error) *Error {
	e := &Error{File: d.File, Field: field, Err: err}
	if d.root != nil {
		e.Line = lineOf(d.root, field)
	}
	return e
}

// Path resolves a file path of the definition relative to its directory.
func (d *Definition) Path(p string) string {
	if p == "" || filepath.IsAbs(p) || d.FS != nil {
		return p
	}
	return filepath.Join(filepath.Dir(d.File), p)
}

// Files returns the resolved paths of every input file the definition
// names, so that a watcher can reload when one changes.
func (d *Definition) Files() []string {
	var out []string
	if d.Topology != "" {
		out = append(out, d.Path(d.Topology))
	}
	for _, p := range d.Prefixes {
		out = append(out, d.Path(p))
	}
	if d.PropertySources.WLCG != "" {
		out = append(out, d.Path(d.PropertySources.WLCG))
	}
	for _, r := range d.Resources {
		for _, c := range r.Calendar {
			if c.File != "" {
				out = append(out, d.Path(c.File))
			}
		}
	}
	out = append(out, d.AccessFiles()...)
	return append(out, d.advertisementFiles()...)
}

// CheckJSONFile returns an *Error with the line, column and field of the
// first mistake when a file named ".json" is not strict JSON, and nil for
// other files. The YAML parser that decodes both formats would accept
// JSON mistakes such as a trailing comma.
func CheckJSONFile(name string, data []byte) error {
	if !jsonfile.IsJSON(name) {
		return nil
	}
	return CheckJSON(name, data)
}

// CheckJSON returns an *Error with the line, column and field of the
// first mistake when data is not strict JSON, whatever the file name.
func CheckJSON(name string, data []byte) error {
	err := jsonfile.Check(data)
	var se *jsonfile.SyntaxError
	if !errors.As(err, &se) {
		return nil
	}
	return &Error{File: name, Line: se.Line, Column: se.Column, Field: se.Field, Err: errors.New(se.Reason)}
}
