// Package altoconf reads altod's configuration in the YANG data model of
// ALTO operations: an instance of the ietf-alto module
// (draft-ietf-alto-oam-yang-18) with goalto's goalto-alto augmentations,
// in the JSON encoding of YANG data (RFC 7951) or YAML of the same shape.
//
// A configuration is validated whole against the schema tables of
// package yangschema, with the features in Supported, and then mapped to
// the network definition of package netdef, which builds the maps. Its
// Datastore applies RESTCONF changes (RFC 8040) atomically and writes
// them back to the file. docs/configuration.md describes the model and
// lists what is and is not checked.
package altoconf

import (
	"bytes"
	"errors"
	"os"

	"go.yaml.in/yaml/v3"

	"github.com/goalto/goalto/internal/netdef"
	"github.com/goalto/goalto/internal/yamlpos"
	"github.com/goalto/goalto/internal/yangschema"
)

// Supported are the features altod implements: of ietf-alto, the server
// with plain HTTP listening and every protocol extension of the model
// (RFC 8189 multi-cost, RFC 8895 and RFC 9569 incremental updates,
// RFC 8896 cost calendars, RFC 9240 property maps, RFC 9241 CDNI,
// RFC 9275 path vectors, RFC 9439 performance metrics). It lacks the
// ALTO client (alto-client), reverse-DNS server discovery (xdom-disc)
// and every feature of the TLS, HTTP, keystore and truststore modules:
// altod takes its TLS certificate from files named by flags.
var Supported = yangschema.Features{
	"ietf-alto:alto-server":         true,
	"ietf-alto:http-listen":         true,
	"ietf-alto:multi-cost":          true,
	"ietf-alto:incr-update":         true,
	"ietf-alto:cost-calendar":       true,
	"ietf-alto:propmap":             true,
	"ietf-alto:cdni":                true,
	"ietf-alto:path-vector":         true,
	"ietf-alto:performance-metrics": true,
}

// Config is a valid configuration and the network definition it maps to.
type Config struct {
	File string
	// Doc is the document as read: its only top-level member is
	// TopMember.
	Doc *yaml.Node
	// YAML is true for a YAML document, false for JSON.
	YAML bool
	Def  *netdef.Definition
	// Listen is the address of listen/http/tcp-server-parameters, such
	// as "127.0.0.1:8181", or empty when the configuration has none.
	Listen string

	// origins maps the fields of Def to the nodes they come from.
	origins map[string]origin
}

// Explain returns err, an error of building the maps of c.Def, as an
// *Error at the configuration node that the failing definition field
// came from, with the line of that node in c.File. Other errors come
// back unchanged.
func (c *Config) Explain(err error) error {
	var ne *netdef.Error
	if err == nil || !errors.As(err, &ne) {
		return err
	}
	return netdefError(c.File, c.origins, err)
}

// Is reports whether data is an ietf-alto configuration rather than a
// network definition: a document whose top-level object has the member
// TopMember.
func Is(data []byte) bool {
	var top map[string]yaml.Node
	if err := yaml.Unmarshal(data, &top); err != nil {
		return false
	}
	_, ok := top[TopMember]
	return ok
}

// IsFile reports whether the file at path is an ietf-alto configuration.
func IsFile(path string) bool {
	data, err := os.ReadFile(path)
	return err == nil && Is(data)
}

// Load reads and validates a configuration file.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(data, path)
}

// Parse validates a configuration and maps it to a network definition.
// name is the file name used in errors and as the base of relative
// paths. The error is Errors, every problem found, for an invalid
// configuration.
func Parse(data []byte, name string) (*Config, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, Errors{syntaxError(name, data, err)}
	}
	return FromDoc(&doc, name, !isJSON(data))
}

// FromDoc validates a parsed document and maps it to a network
// definition.
func FromDoc(doc *yaml.Node, name string, yamlInput bool) (*Config, error) {
	if errs := Validate(doc, name, Supported, yamlInput); len(errs) > 0 {
		return nil, errs
	}
	top := doc
	if top.Kind == yaml.DocumentNode {
		top = top.Content[0]
	}
	def, listen, origins, errs := toDefinition(mapValue(top, TopMember), name)
	if len(errs) > 0 {
		return nil, errs
	}
	return &Config{File: name, Doc: doc, YAML: yamlInput, Def: def, Listen: listen, origins: origins}, nil
}

func isJSON(data []byte) bool {
	return bytes.HasPrefix(bytes.TrimSpace(data), []byte("{"))
}

// syntaxError turns a yaml.v3 syntax error in data into an Error with
// the line of the mistake, and its column in the message when known.
func syntaxError(name string, data []byte, err error) *Error {
	p := yamlpos.Locate(data, err)
	return &Error{File: name, Line: p.Line, Rule: RuleSyntax, Message: p.ColumnReason()}
}

// AsErrors returns the Errors of err, or nil.
func AsErrors(err error) Errors {
	var es Errors
	if errors.As(err, &es) {
		return es
	}
	return nil
}
