package prefixes

import (
	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/jsonfile"
	"github.com/goalto/goalto/internal/yamlpos"

	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"net/netip"
	"strings"

	"go.yaml.in/yaml/v3"
)

// yamlListKey is the top-level key of a YAML prefix list.
const yamlListKey = "prefixes"

// ParseYAML reads a prefix list in YAML or JSON:
//
//	prefixes:
//	  - {prefix: 192.0.2.0/24, pid: pid1}
//	  - {prefix: 2001:db8::/32, asn: 64500}
//
// Each entry needs "prefix" (a string) and may have "pid" (a string that is
// a valid PID name, see alto.ValidPIDName) and "asn" (an integer from 1 to
// 2^32-1). Unknown fields, duplicate fields, aliases, more than one document,
// prefixes with host bits set and duplicate prefixes are rejected with a
// *ParseError whose Field is a path such as "prefixes[3].pid", counting
// entries from 0. name is used in errors and as Table.File.
func ParseYAML(data []byte, name string) (*Table, error) {
	if jsonfile.IsJSON(strings.TrimSuffix(name, ".gz")) {
		var se *jsonfile.SyntaxError
		if errors.As(jsonfile.Check(data), &se) {
			return nil, &ParseError{File: name, Line: se.Line, Field: se.Field, Reason: se.ColumnReason()}
		}
	}
	root, err := decodeSingleDocument(data)
	if err != nil {
		return nil, withFile(err, name)
	}

	list, err := findPrefixList(root)
	if err != nil {
		return nil, withFile(err, name)
	}

	table := &Table{File: name, Entries: make([]Entry, 0, len(list.Content))}
	firstLines := make(map[netip.Prefix]int, len(list.Content))
	for i, item := range list.Content {
		path := fmt.Sprintf("%s[%d]", yamlListKey, i)
		entry, prefixLine, err := parseYAMLEntry(item, path)
		if err != nil {
			return nil, withFile(err, name)
		}
		if first, ok := firstLines[entry.Prefix]; ok {
			return nil, duplicateError(name, prefixLine, path+"."+columnPrefix, entry.Prefix, first)
		}
		firstLines[entry.Prefix] = prefixLine
		table.Entries = append(table.Entries, entry)
	}
	return table, nil
}

// withFile sets File on a *ParseError without a file name.
func withFile(err error, name string) error {
	var perr *ParseError
	if errors.As(err, &perr) && perr.File == "" {
		perr.File = name
	}
	return err
}

// decodeSingleDocument parses data and returns the root node of its only
// document.
func decodeSingleDocument(data []byte) (*yaml.Node, error) {
	decoder := yaml.NewDecoder(bytes.NewReader(data))
	var document yaml.Node
	if err := decoder.Decode(&document); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &ParseError{Field: yamlListKey, Reason: "missing; the file has no YAML document"}
		}
		return nil, yamlSyntaxError(data, err)
	}

	var extra yaml.Node
	switch err := decoder.Decode(&extra); {
	case err == nil:
		return nil, &ParseError{Line: extra.Line, Field: "document", Reason: "more than one YAML document; want one"}
	case !errors.Is(err, io.EOF):
		return nil, yamlSyntaxError(data, err)
	}
	return document.Content[0], nil
}

// yamlSyntaxError converts a yaml.v3 syntax error in data to a
// *ParseError with the line of the mistake, and its column in Reason when
// known.
func yamlSyntaxError(data []byte, err error) error {
	p := yamlpos.Locate(data, err)
	return &ParseError{Line: p.Line, Field: "document", Reason: p.ColumnReason(), Err: err}
}

// findPrefixList returns the sequence under the top-level "prefixes" key.
func findPrefixList(root *yaml.Node) (*yaml.Node, error) {
	if root.Kind != yaml.MappingNode {
		return nil, &ParseError{Line: root.Line, Field: "document",
			Reason: fmt.Sprintf("want a mapping with key %q, got %s", yamlListKey, describeNode(root))}
	}

	var list *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		key, value := root.Content[i], root.Content[i+1]
		if key.Value != yamlListKey {
			return nil, &ParseError{Line: key.Line, Field: key.Value,
				Reason: fmt.Sprintf("unknown field; want %q", yamlListKey)}
		}
		if list != nil {
			return nil, &ParseError{Line: key.Line, Field: yamlListKey,
				Reason: fmt.Sprintf("duplicate field; first on line %d", list.Line)}
		}
		list = value
	}

	if list == nil {
		return nil, &ParseError{Line: root.Line, Field: yamlListKey, Reason: "missing"}
	}
	if list.Kind != yaml.SequenceNode {
		return nil, &ParseError{Line: list.Line, Field: yamlListKey,
			Reason: fmt.Sprintf("want a list, got %s", describeNode(list))}
	}
	return list, nil
}

// parseYAMLEntry converts one list item at path, such as "prefixes[3]". It
// also returns the line of the prefix value.
func parseYAMLEntry(item *yaml.Node, path string) (Entry, int, error) {
	if item.Kind != yaml.MappingNode {
		return Entry{}, 0, &ParseError{Line: item.Line, Field: path,
			Reason: fmt.Sprintf("want a mapping with field %q, got %s", columnPrefix, describeNode(item))}
	}

	var entry Entry
	seen := make(map[string]int, 3)
	for i := 0; i+1 < len(item.Content); i += 2 {
		key, value := item.Content[i], item.Content[i+1]
		field := path + "." + key.Value
		if first, ok := seen[key.Value]; ok {
			return Entry{}, 0, &ParseError{Line: key.Line, Field: field,
				Reason: fmt.Sprintf("duplicate field; first on line %d", first)}
		}
		seen[key.Value] = key.Line

		if err := setYAMLField(&entry, key.Value, value, field); err != nil {
			return Entry{}, 0, err
		}
	}

	if _, ok := seen[columnPrefix]; !ok {
		return Entry{}, 0, &ParseError{Line: item.Line, Field: path + "." + columnPrefix, Reason: "missing"}
	}
	return entry, seen[columnPrefix], nil
}

// setYAMLField stores the value of one entry field.
func setYAMLField(entry *Entry, key string, value *yaml.Node, field string) error {
	fail := func(reason string, err error) error {
		return &ParseError{Line: value.Line, Field: field, Reason: reason, Err: err}
	}

	switch key {
	case columnPrefix:
		if !isYAMLString(value) {
			return fail("want a string such as 192.0.2.0/24, got "+describeNode(value), nil)
		}
		prefix, reason, err := checkPrefix(value.Value)
		if reason != "" {
			return fail(reason, err)
		}
		entry.Prefix = prefix

	case columnPID:
		if !isYAMLString(value) {
			return fail("want a string, got "+describeNode(value)+"; quote a PID name that YAML reads as another type", nil)
		}
		if !alto.ValidPIDName(value.Value) {
			return fail(pidReason(value.Value), nil)
		}
		entry.PID = value.Value

	case columnASN:
		asn, reason := yamlASN(value)
		if reason != "" {
			return fail(reason, nil)
		}
		entry.ASN = asn

	default:
		return &ParseError{Line: value.Line, Field: field,
			Reason: fmt.Sprintf("unknown field; want %s, %s or %s", columnPrefix, columnPID, columnASN)}
	}
	return nil
}

// yamlASN converts an integer node to an AS number from 1 to 2^32-1. The
// returned reason is "" on success.
func yamlASN(value *yaml.Node) (uint32, string) {
	if value.Kind != yaml.ScalarNode || value.ShortTag() != "!!int" {
		return 0, "want an integer, got " + describeNode(value)
	}
	var n uint64
	if err := value.Decode(&n); err != nil || n == 0 || n > math.MaxUint32 {
		return 0, fmt.Sprintf("invalid AS number %s; %s", value.Value, asnRangeReason)
	}
	return uint32(n), ""
}

func isYAMLString(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!str"
}

// describeNode names the kind of a node for error messages.
func describeNode(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias (aliases are not supported)"
	case yaml.ScalarNode:
		if n.ShortTag() == "!!null" {
			return "null"
		}
		return fmt.Sprintf("%s %q", strings.TrimPrefix(n.ShortTag(), "!!"), n.Value)
	}
	return "an empty document"
}
