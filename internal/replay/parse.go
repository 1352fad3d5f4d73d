package replay

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/goalto/goalto/internal/yamlpos"
)

// Format is the encoding of a change log.
type Format int

// Change log formats.
const (
	// FormatYAML is one YAML document (JSON is accepted, being YAML) whose
	// top-level mapping has a "steps" list.
	FormatYAML Format = iota
	// FormatJSONLines is one JSON object per line, each a step.
	FormatJSONLines
)

// maxAtSeconds is the largest "at" that a time.Duration can hold.
const maxAtSeconds = float64(math.MaxInt64) / float64(time.Second)

// String returns the format's name as ParseFormat reads it.
func (f Format) String() string {
	if f == FormatJSONLines {
		return "jsonl"
	}
	return "yaml"
}

// ParseFormat reads a format name: "yaml" or "jsonl".
func ParseFormat(name string) (Format, error) {
	switch strings.ToLower(name) {
	case "yaml", "yml":
		return FormatYAML, nil
	case "jsonl", "ndjson":
		return FormatJSONLines, nil
	}
	return 0, fmt.Errorf("unknown change log format %q (want yaml or jsonl)", name)
}

// FormatOf returns the format of a change log file by its extension:
// JSON lines for ".jsonl" and ".ndjson", YAML for any other.
func FormatOf(path string) Format {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".jsonl", ".ndjson":
		return FormatJSONLines
	}
	return FormatYAML
}

// Load reads a change log file in the format that FormatOf gives for its
// name.
func Load(path string) ([]Step, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err // *fs.PathError names the file
	}
	return Parse(data, path, FormatOf(path))
}

// Parse reads a change log. name is the file name used in errors. Every
// step has at least one change, every change passes Change.Validate, and
// the "at" times of the steps that have one never decrease.
func Parse(data []byte, name string, format Format) ([]Step, error) {
	p := &parser{file: name}
	var steps []Step
	var err error
	if format == FormatJSONLines {
		steps, err = p.jsonLines(data)
	} else {
		steps, err = p.yamlDocument(data)
	}
	if err != nil {
		return nil, err
	}
	if err := checkTimes(steps); err != nil {
		return nil, err
	}
	return steps, nil
}

// checkTimes rejects an "at" earlier than that of a step before it.
func checkTimes(steps []Step) error {
	var last *Step
	for i := range steps {
		s := &steps[i]
		if !s.HasAt {
			continue
		}
		if last != nil && s.At < last.At {
			pos := s.Pos
			pos.Field = joinField(pos.Field, "at")
			return &Error{Pos: pos, Reason: fmt.Sprintf("at %s is earlier than at %s of a step before it (line %d)",
				formatSeconds(s.At), formatSeconds(last.At), last.Pos.Line)}
		}
		last = s
	}
	return nil
}

// parser reads yaml.Node trees. offset is added to node lines, because
// each line of a JSON lines log is decoded on its own.
type parser struct {
	file   string
	offset int
}

func (p *parser) yamlDocument(data []byte) ([]Step, error) {
	root, err := p.decode(data)
	if err != nil {
		return nil, err
	}
	if err := p.rejectAliases(root); err != nil {
		return nil, err
	}
	fields, err := p.mapping(root, "", "steps")
	if err != nil {
		return nil, err
	}
	stepsNode, ok := fields["steps"]
	if !ok {
		return nil, p.errf(root, "steps", "missing required field")
	}
	items, err := p.sequence(stepsNode, "steps")
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, p.errf(stepsNode, "steps", "empty list; a change log needs at least one step")
	}
	steps := make([]Step, 0, len(items))
	for i, item := range items {
		s, err := p.step(item, fmt.Sprintf("steps[%d]", i))
		if err != nil {
			return nil, err
		}
		steps = append(steps, s)
	}
	return steps, nil
}

// decode parses a single YAML document and returns its root node.
func (p *parser) decode(data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &Error{Pos: Pos{File: p.file}, Reason: "empty document; a change log needs a steps list"}
		}
		return nil, p.syntaxError(data, err)
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return nil, p.syntaxError(data, err)
	default:
		return nil, &Error{Pos: Pos{File: p.file, Line: extra.Line}, Reason: "more than one YAML document"}
	}
	if len(doc.Content) == 0 {
		return nil, &Error{Pos: Pos{File: p.file}, Reason: "empty document; a change log needs a steps list"}
	}
	return doc.Content[0], nil
}

// syntaxError converts a yaml.v3 syntax error in data to an *Error with
// the line of the mistake in the file, and its column in Reason when
// known.
func (p *parser) syntaxError(data []byte, err error) error {
	pos := yamlpos.Locate(data, err)
	line := pos.Line
	if line > 0 {
		line += p.offset
	}
	return &Error{Pos: Pos{File: p.file, Line: line}, Reason: "YAML syntax error: " + pos.ColumnReason(), Err: err}
}

// rejectAliases reports the first alias in the tree. Change logs are
// read without alias expansion, so that a small file cannot expand into
// a huge one.
func (p *parser) rejectAliases(n *yaml.Node) error {
	if n.Kind == yaml.AliasNode {
		return p.errf(n, "", "aliases (*%s) are not supported in change logs; write the value out", n.Value)
	}
	for _, c := range n.Content {
		if err := p.rejectAliases(c); err != nil {
			return err
		}
	}
	return nil
}

// jsonLines reads one step from every non-blank line.
func (p *parser) jsonLines(data []byte) ([]Step, error) {
	var steps []Step
	for i, line := range bytes.Split(data, []byte("\n")) {
		lineNo := i + 1
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		var v any
		if err := json.Unmarshal(line, &v); err != nil {
			return nil, &Error{Pos: Pos{File: p.file, Line: lineNo}, Reason: "invalid JSON: " + err.Error(), Err: err}
		}
		var doc yaml.Node
		if err := yaml.Unmarshal(line, &doc); err != nil || len(doc.Content) == 0 {
			return nil, &Error{Pos: Pos{File: p.file, Line: lineNo}, Reason: "JSON line not readable as YAML", Err: err}
		}
		p.offset = lineNo - 1
		s, err := p.step(doc.Content[0], "")
		if err != nil {
			return nil, err
		}
		steps = append(steps, s)
	}
	if len(steps) == 0 {
		return nil, &Error{Pos: Pos{File: p.file}, Reason: "no steps; a JSON lines change log has one step per line"}
	}
	return steps, nil
}

func (p *parser) line(n *yaml.Node) int {
	if n == nil || n.Line == 0 {
		return 0
	}
	return n.Line + p.offset
}

func (p *parser) pos(n *yaml.Node, field string) Pos {
	return Pos{File: p.file, Line: p.line(n), Field: field}
}

func (p *parser) errf(n *yaml.Node, field, format string, args ...any) *Error {
	return &Error{Pos: p.pos(n, field), Reason: fmt.Sprintf(format, args...)}
}

func joinField(field, key string) string {
	if field == "" {
		return key
	}
	return field + "." + key
}

// step reads {at, changes}. field is the step's path, "" on a JSON line.
func (p *parser) step(n *yaml.Node, field string) (Step, error) {
	fields, err := p.mapping(n, field, "at", "changes")
	if err != nil {
		return Step{}, err
	}
	s := Step{Pos: p.pos(n, field)}
	if at, ok := fields["at"]; ok {
		if s.At, err = p.at(at, joinField(field, "at")); err != nil {
			return Step{}, err
		}
		s.HasAt = true
	}
	changesNode, ok := fields["changes"]
	if !ok {
		return Step{}, p.errf(n, joinField(field, "changes"), "missing required field")
	}
	listField := joinField(field, "changes")
	items, err := p.sequence(changesNode, listField)
	if err != nil {
		return Step{}, err
	}
	if len(items) == 0 {
		return Step{}, p.errf(changesNode, listField, "empty list; a step needs at least one change")
	}
	for i, item := range items {
		c, err := p.change(item, fmt.Sprintf("%s[%d]", listField, i))
		if err != nil {
			return Step{}, err
		}
		s.Changes = append(s.Changes, c)
	}
	return s, nil
}

func (p *parser) at(n *yaml.Node, field string) (time.Duration, error) {
	secs, err := p.number(n, field)
	if err != nil {
		return 0, err
	}
	if secs < 0 || secs >= maxAtSeconds {
		return 0, p.errf(n, field, "at must be >= 0 and < %.0f seconds, found %v", maxAtSeconds, secs)
	}
	return time.Duration(math.Round(secs * float64(time.Second))), nil
}

// change reads a mapping with one key, the kind, whose value holds the
// change's fields.
func (p *parser) change(n *yaml.Node, field string) (Change, error) {
	if n.Kind != yaml.MappingNode {
		return Change{}, p.errf(n, field, "want a mapping with one key, the change kind (%s), found %s", kindList(), kindName(n))
	}
	switch len(n.Content) / 2 {
	case 0:
		return Change{}, p.errf(n, field, "empty change; want one key, the change kind (%s)", kindList())
	case 1:
	default:
		return Change{}, p.errf(n.Content[2], field, "a change has one key, its kind, found %d keys; write each change as its own list item", len(n.Content)/2)
	}
	key, val := n.Content[0], n.Content[1]
	if key.Kind != yaml.ScalarNode || !isKind(Kind(key.Value)) {
		return Change{}, p.errf(key, field, "unknown change kind %s (want %s)", kindName(key), kindList())
	}
	c := Change{Kind: Kind(key.Value), Pos: p.pos(key, joinField(field, key.Value)), fieldLines: map[string]int{}}
	if err := p.changeFields(&c, val); err != nil {
		return Change{}, err
	}
	if err := c.Validate(); err != nil {
		return Change{}, err
	}
	return c, nil
}

func isKind(k Kind) bool {
	for _, known := range kinds {
		if k == known {
			return true
		}
	}
	return false
}

// changeFields reads the fields of a change of kind c.Kind from n.
func (p *parser) changeFields(c *Change, n *yaml.Node) error {
	var allowed []string
	switch c.Kind {
	case SetMetric:
		allowed = []string{"from", "to", "metric"}
	case LinkDown:
		allowed = []string{"from", "to"}
	case LinkUp:
		allowed = []string{"from", "to", "metric", "capacity", "latency", "directed"}
	default:
		allowed = []string{"node", "prefix"}
	}
	if isNull(n) {
		return p.errf(n, c.Pos.Field, "missing fields %s", strings.Join(allowed, ", "))
	}
	fields, err := p.mapping(n, c.Pos.Field, allowed...)
	if err != nil {
		return err
	}
	for name, v := range fields {
		c.fieldLines[name] = p.line(v)
	}
	for _, name := range allowed {
		if err := p.changeField(c, fields, name); err != nil {
			return err
		}
	}
	return nil
}

// changeField reads one field of a change into c. A required field that
// is missing is an error, and link-up's metric defaults to 1.
func (p *parser) changeField(c *Change, fields map[string]*yaml.Node, name string) error {
	v, ok := fields[name]
	field := joinField(c.Pos.Field, name)
	if !ok {
		switch {
		case name == "metric" && c.Kind == LinkUp:
			c.Metric = 1
		case name == "capacity" || name == "latency" || name == "directed":
		default:
			return &Error{Pos: Pos{File: p.file, Line: c.Pos.Line, Field: field}, Reason: "missing required field"}
		}
		return nil
	}
	var err error
	switch name {
	case "from":
		c.From, err = p.nodeID(v, field)
	case "to":
		c.To, err = p.nodeID(v, field)
	case "node":
		c.Node, err = p.nodeID(v, field)
	case "metric":
		c.Metric, err = p.number(v, field)
	case "capacity":
		c.Capacity, err = p.number(v, field)
	case "latency":
		c.Latency, err = p.number(v, field)
	case "directed":
		c.Directed, err = p.boolean(v, field)
	case "prefix":
		c.Prefix, err = p.prefix(v, field)
	}
	return err
}

// mapping returns the values of a mapping by key. Keys must be scalars,
// unique and listed in allowed. A null value counts as an absent field.
func (p *parser) mapping(n *yaml.Node, field string, allowed ...string) (map[string]*yaml.Node, error) {
	if n.Kind != yaml.MappingNode {
		return nil, p.errf(n, field, "want a mapping, found %s", kindName(n))
	}
	out := make(map[string]*yaml.Node, len(n.Content)/2)
	seen := make(map[string]int, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			return nil, p.errf(k, field, "mapping key must be a scalar, found %s", kindName(k))
		}
		if first, dup := seen[k.Value]; dup {
			return nil, p.errf(k, joinField(field, k.Value), "duplicate key (first at line %d)", first)
		}
		seen[k.Value] = p.line(k)
		if !contains(allowed, k.Value) {
			return nil, p.errf(k, joinField(field, k.Value), "unknown field (want %s)", strings.Join(allowed, ", "))
		}
		if isNull(v) {
			continue
		}
		out[k.Value] = v
	}
	return out, nil
}

func contains(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

func (p *parser) sequence(n *yaml.Node, field string) ([]*yaml.Node, error) {
	if n.Kind != yaml.SequenceNode {
		return nil, p.errf(n, field, "want a list, found %s", kindName(n))
	}
	return n.Content, nil
}

// nodeID reads a node ID: a string, or a number taken as written, as the
// topology parser reads IDs.
func (p *parser) nodeID(n *yaml.Node, field string) (string, error) {
	if n.Kind != yaml.ScalarNode {
		return "", p.errf(n, field, "want a node ID, found %s", kindName(n))
	}
	switch n.ShortTag() {
	case "!!str", "!!int", "!!float":
	default:
		return "", p.errf(n, field, "want a node ID, found %s", kindName(n))
	}
	if n.Value == "" {
		return "", p.errf(n, field, "empty node ID")
	}
	return n.Value, nil
}

func (p *parser) number(n *yaml.Node, field string) (float64, error) {
	if n.Kind != yaml.ScalarNode || (n.ShortTag() != "!!int" && n.ShortTag() != "!!float") {
		return 0, p.errf(n, field, "want a number, found %s", kindName(n))
	}
	var f float64
	if err := n.Decode(&f); err != nil {
		return 0, &Error{Pos: p.pos(n, field), Reason: fmt.Sprintf("invalid number %q", n.Value), Err: err}
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, p.errf(n, field, "number must be finite, found %s", n.Value)
	}
	return f, nil
}

func (p *parser) boolean(n *yaml.Node, field string) (bool, error) {
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" {
		return false, p.errf(n, field, "want true or false, found %s", kindName(n))
	}
	var b bool
	if err := n.Decode(&b); err != nil {
		return false, &Error{Pos: p.pos(n, field), Reason: fmt.Sprintf("invalid boolean %q", n.Value), Err: err}
	}
	return b, nil
}

func (p *parser) prefix(n *yaml.Node, field string) (netip.Prefix, error) {
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" {
		return netip.Prefix{}, p.errf(n, field, "want a prefix such as 192.0.2.0/24, found %s", kindName(n))
	}
	pfx, err := netip.ParsePrefix(n.Value)
	if err != nil {
		reason := fmt.Sprintf("invalid prefix %q", n.Value)
		if _, aerr := netip.ParseAddr(n.Value); aerr == nil {
			reason += " (an address needs a /length)"
		}
		return netip.Prefix{}, &Error{Pos: p.pos(n, field), Reason: reason, Err: err}
	}
	if err := checkPrefix(pfx); err != nil {
		return netip.Prefix{}, p.errf(n, field, "%v", err)
	}
	return pfx, nil
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

// kindName describes a node for error messages, such as `a list` or
// `str "x"`.
func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	case yaml.ScalarNode:
		if isNull(n) {
			return "null"
		}
		return fmt.Sprintf("%s %q", strings.TrimPrefix(n.ShortTag(), "!!"), n.Value)
	}
	return "nothing"
}
