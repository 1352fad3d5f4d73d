package replay

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/goalto/goalto/internal/topology"
)

// MarshalTopology writes g in goalto's YAML topology form (see package
// topology), one line per node and per link so that a change shows as a
// changed line. Fields that equal their defaults are left out: a label
// equal to the ID, an AS number of 0, a capacity or latency of 0, and
// directed false. topology.ParseYAML reads the output back into an equal
// graph. g must pass Graph.Validate.
//
// The text is written directly rather than through the YAML encoder,
// which took about 30 ms for the 754 nodes and 899 links of the Topology
// Zoo's Kdl graph, so that a replay can run many steps per second.
func MarshalTopology(g *topology.Graph) ([]byte, error) {
	if err := g.Validate(); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if g.Name != "" {
		buf.WriteString("name: " + yamlString(g.Name) + "\n")
	}
	buf.WriteString("nodes:")
	if len(g.Nodes) == 0 {
		buf.WriteString(" []")
	}
	buf.WriteByte('\n')
	for _, n := range g.Nodes {
		writeNodeYAML(&buf, n)
	}
	buf.WriteString("links:")
	if len(g.Links) == 0 {
		buf.WriteString(" []")
	}
	buf.WriteByte('\n')
	for _, l := range g.Links {
		writeLinkYAML(&buf, g, l)
	}
	return buf.Bytes(), nil
}

func writeNodeYAML(buf *bytes.Buffer, n topology.Node) {
	buf.WriteString("  - {id: " + yamlString(n.ID))
	if n.Label != "" && n.Label != n.ID {
		buf.WriteString(", label: " + yamlString(n.Label))
	}
	if n.ASN != 0 {
		buf.WriteString(", asn: " + strconv.FormatUint(uint64(n.ASN), 10))
	}
	if n.HasCoords {
		buf.WriteString(", lat: " + formatNumber(n.Lat) + ", lon: " + formatNumber(n.Lon))
	}
	if len(n.Prefixes) > 0 {
		buf.WriteString(", prefixes: [")
		for i, p := range n.Prefixes {
			if i > 0 {
				buf.WriteString(", ")
			}
			buf.WriteString(yamlString(p.String()))
		}
		buf.WriteByte(']')
	}
	buf.WriteString("}\n")
}

func writeLinkYAML(buf *bytes.Buffer, g *topology.Graph, l topology.Link) {
	buf.WriteString("  - {from: " + yamlString(g.Nodes[l.From].ID) + ", to: " + yamlString(g.Nodes[l.To].ID))
	buf.WriteString(", metric: " + formatNumber(l.Metric))
	if l.Capacity != 0 {
		buf.WriteString(", capacity: " + formatNumber(l.Capacity))
	}
	if l.Latency != 0 {
		buf.WriteString(", latency: " + formatNumber(l.Latency))
	}
	if l.Directed {
		buf.WriteString(", directed: true")
	}
	buf.WriteString("}\n")
}

// yamlKeywords are plain words that YAML 1.1 or 1.2 resolvers read as
// booleans or null.
var yamlKeywords = map[string]bool{
	"true": true, "false": true, "yes": true, "no": true, "on": true, "off": true,
	"y": true, "n": true, "null": true,
}

// yamlString writes s as a plain YAML scalar when it reads back as the
// same string, and otherwise as a double-quoted scalar in JSON string
// syntax, which YAML accepts.
func yamlString(s string) string {
	if isPlainWord(s) && (len(s) > 5 || !yamlKeywords[strings.ToLower(s)]) || isIPv4Prefix(s) {
		return s
	}
	if isPrintableASCII(s) {
		return `"` + s + `"`
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.Encode(s) // a string always encodes
	return strings.TrimSuffix(buf.String(), "\n")
}

// isPlainWord reports whether s reads back as the same string when
// written without quotes inside a YAML flow mapping: a letter, then
// letters, digits, spaces, dots, slashes, underscores and hyphens, and no
// space at the end.
func isPlainWord(s string) bool {
	if s == "" || !isASCIILetter(s[0]) || s[len(s)-1] == ' ' {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !isASCIILetter(c) && !isDigit(c) && !strings.ContainsRune(" ./_-", rune(c)) {
			return false
		}
	}
	return true
}

// isIPv4Prefix reports whether s has the form of an IPv4 prefix, such as
// 10.0.0.0/24, which YAML resolvers read as a string.
func isIPv4Prefix(s string) bool {
	dots, slash := 0, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isDigit(c):
		case c == '.' && !slash && i > 0 && isDigit(s[i-1]):
			dots++
		case c == '/' && !slash && dots == 3 && i > 0 && isDigit(s[i-1]):
			slash = true
		default:
			return false
		}
	}
	return slash && isDigit(s[len(s)-1])
}

// isPrintableASCII reports whether s needs no escapes in a double-quoted
// scalar: printable ASCII without quotes and backslashes.
func isPrintableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c > '~' || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

func isASCIILetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// nodeJSON and linkJSON are the JSON form of a node and a link, with
// the same fields left out as in MarshalTopology.
type nodeJSON struct {
	ID       string   `json:"id"`
	Label    string   `json:"label,omitempty"`
	ASN      uint32   `json:"asn,omitempty"`
	Lat      *float64 `json:"lat,omitempty"`
	Lon      *float64 `json:"lon,omitempty"`
	Prefixes []string `json:"prefixes,omitempty"`
}

type linkJSON struct {
	From     string  `json:"from"`
	To       string  `json:"to"`
	Metric   float64 `json:"metric"`
	Capacity float64 `json:"capacity,omitempty"`
	Latency  float64 `json:"latency,omitempty"`
	Directed bool    `json:"directed,omitempty"`
}

// MarshalTopologyJSON writes g in the JSON spelling of goalto's topology
// form, one line per node and per link, with the same fields as
// MarshalTopology. g must pass Graph.Validate.
func MarshalTopologyJSON(g *topology.Graph) ([]byte, error) {
	if err := g.Validate(); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.WriteString("{\n")
	if g.Name != "" {
		name, _ := json.Marshal(g.Name)
		fmt.Fprintf(&buf, "  \"name\": %s,\n", name)
	}
	lines := make([][]byte, 0, len(g.Nodes))
	for _, n := range g.Nodes {
		lines = append(lines, mustJSON(nodeToJSON(n)))
	}
	writeJSONList(&buf, "nodes", lines)
	buf.WriteString(",\n")
	lines = lines[:0]
	for _, l := range g.Links {
		lines = append(lines, mustJSON(linkJSON{
			From: g.Nodes[l.From].ID, To: g.Nodes[l.To].ID, Metric: l.Metric,
			Capacity: l.Capacity, Latency: l.Latency, Directed: l.Directed,
		}))
	}
	writeJSONList(&buf, "links", lines)
	buf.WriteString("\n}\n")
	return buf.Bytes(), nil
}

func nodeToJSON(n topology.Node) nodeJSON {
	out := nodeJSON{ID: n.ID, ASN: n.ASN}
	if n.Label != n.ID {
		out.Label = n.Label
	}
	if n.HasCoords {
		out.Lat, out.Lon = &n.Lat, &n.Lon
	}
	for _, p := range n.Prefixes {
		out.Prefixes = append(out.Prefixes, p.String())
	}
	return out
}

// mustJSON encodes values whose types cannot fail to encode: strings,
// finite numbers and booleans.
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("replay: encode %T: %v", v, err))
	}
	return b
}

func writeJSONList(buf *bytes.Buffer, name string, items [][]byte) {
	fmt.Fprintf(buf, "  %q: [", name)
	for i, item := range items {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.WriteString("\n    ")
		buf.Write(item)
	}
	if len(items) > 0 {
		buf.WriteString("\n  ")
	}
	buf.WriteByte(']')
}

// marshalFor writes g in the form that the topology file's extension
// calls for: JSON for ".json", YAML otherwise.
func marshalFor(path string, g *topology.Graph) ([]byte, error) {
	if strings.EqualFold(filepath.Ext(path), ".json") {
		return MarshalTopologyJSON(g)
	}
	return MarshalTopology(g)
}

// WriteFileAtomic replaces the file at path with data so that a reader
// sees either the old or the new content, never a part: it writes a
// temporary file in the same directory, syncs it and renames it over
// path. The new file keeps the permission bits of the old one (0644 for
// a new file). On error the temporary file is removed and path is left
// as it was.
func WriteFileAtomic(path string, data []byte) (err error) {
	mode := fs.FileMode(0o644)
	if fi, statErr := os.Stat(path); statErr == nil {
		mode = fi.Mode().Perm()
	} else if !errors.Is(statErr, fs.ErrNotExist) {
		return statErr
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", tmp.Name(), err)
	}
	if err = tmp.Chmod(mode); err != nil {
		return fmt.Errorf("write %s: %w", tmp.Name(), err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", tmp.Name(), err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", tmp.Name(), err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
