package topology

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"net/netip"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/goalto/goalto/internal/jsonfile"
	"github.com/goalto/goalto/internal/yamlpos"
)

// ParseYAML reads a topology written in YAML or JSON (JSON is YAML): either
// goalto's form (top-level "nodes" is a sequence) or the LHCONE simulator
// form (top-level "nodes" is a mapping). name is used in errors and as the
// default graph name. See the package documentation for both forms.
func ParseYAML(data []byte, name string) (*Graph, error) {
	if jsonfile.IsJSON(name) {
		var se *jsonfile.SyntaxError
		if errors.As(jsonfile.Check(data), &se) {
			return nil, &ParseError{File: name, Line: se.Line, Field: se.Field, Reason: se.ColumnReason()}
		}
	}
	p := &yparser{file: name, budget: 1000 + 8*len(data)}
	root, err := p.document(data)
	if err != nil {
		return nil, err
	}
	top := p.resolve(root)
	if top.Kind != yaml.MappingNode {
		return nil, p.errf(root, "", "top level must be a mapping with nodes and links, found %s", kindName(top))
	}
	pairs, err := p.pairs(top, "")
	if err != nil {
		return nil, err
	}
	for _, kv := range pairs {
		if keyName(p, kv.key) == "nodes" && p.resolve(kv.val).Kind == yaml.MappingNode {
			return p.lhcone(pairs)
		}
	}
	return p.goalto(top, pairs)
}

// yparser walks a yaml.Node tree. budget bounds the work done, so that
// aliases cannot make a small document expensive.
type yparser struct {
	file   string
	budget int
	err    error // set when the budget runs out
}

type kv struct{ key, val *yaml.Node }

func (p *yparser) document(data []byte) (root *yaml.Node, err error) {
	defer func() {
		// The YAML library reports errors by panicking internally and
		// recovering; should anything else escape, report it as an error
		// rather than crash the caller.
		if r := recover(); r != nil {
			root, err = nil, &ParseError{File: p.file, Reason: fmt.Sprintf("YAML parser failure: %v", r)}
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if err == io.EOF {
			return nil, &ParseError{File: p.file, Reason: "empty document"}
		}
		return nil, p.syntaxError(data, err)
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case err == io.EOF:
	case err != nil:
		return nil, p.syntaxError(data, err)
	default:
		return nil, &ParseError{File: p.file, Line: extra.Line, Reason: "more than one YAML document"}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return nil, &ParseError{File: p.file, Reason: "empty document"}
	}
	return doc.Content[0], nil
}

func (p *yparser) syntaxError(data []byte, err error) error {
	pos := yamlpos.Locate(data, err)
	return &ParseError{File: p.file, Line: pos.Line, Reason: "YAML syntax error: " + pos.ColumnReason(), Err: err}
}

func (p *yparser) errf(n *yaml.Node, field, format string, args ...any) error {
	line := 0
	if n != nil {
		line = n.Line
	}
	return &ParseError{File: p.file, Line: line, Field: field, Reason: fmt.Sprintf(format, args...)}
}

// spend uses up budget; it returns false (and records the error) when the
// document is too expensive to walk.
func (p *yparser) spend(n *yaml.Node) bool {
	p.budget--
	if p.budget < 0 {
		if p.err == nil {
			p.err = p.errf(n, "", "document expands too much through aliases")
		}
		return false
	}
	return true
}

// resolve follows aliases. On a cycle or when the budget runs out it returns
// an empty alias-free node of no kind, which every caller rejects; p.err then
// explains why.
func (p *yparser) resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n.Kind == yaml.AliasNode; i++ {
		if n.Alias == nil || i > 100 || !p.spend(n) {
			return &yaml.Node{Line: n.Line}
		}
		n = n.Alias
	}
	return n
}

// fail returns p.err when the budget ran out, else err.
func (p *yparser) fail(err error) error {
	if p.err != nil {
		return p.err
	}
	return err
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a sequence"
	case yaml.ScalarNode:
		if n.ShortTag() == "!!null" {
			return "null"
		}
		return fmt.Sprintf("%s %q", strings.TrimPrefix(n.ShortTag(), "!!"), n.Value)
	}
	return "nothing"
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null"
}

func isMerge(k *yaml.Node) bool {
	return k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge"
}

// pairs returns the key/value pairs of a mapping with merge keys ("<<")
// expanded in place: explicit keys win over merged ones, and earlier merges
// over later ones. Duplicate explicit keys and non-scalar keys are errors.
func (p *yparser) pairs(m *yaml.Node, field string) ([]kv, error) {
	return p.pairsDepth(m, field, 0)
}

func (p *yparser) pairsDepth(m *yaml.Node, field string, depth int) ([]kv, error) {
	if depth > 20 {
		return nil, p.errf(m, field, "merge keys nested too deeply")
	}
	seen := make(map[string]*yaml.Node, len(m.Content)/2)
	for i := 0; i+1 < len(m.Content); i += 2 {
		k := m.Content[i]
		if !p.spend(k) {
			return nil, p.err
		}
		if isMerge(k) {
			continue
		}
		rk := p.resolve(k)
		if rk.Kind != yaml.ScalarNode {
			return nil, p.fail(p.errf(k, field, "mapping key must be a scalar, found %s", kindName(rk)))
		}
		if first, dup := seen[rk.Value]; dup {
			return nil, p.errf(k, joinField(field, rk.Value), "duplicate key (first at line %d)", first.Line)
		}
		seen[rk.Value] = k
	}
	out := make([]kv, 0, len(m.Content)/2)
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if !isMerge(k) {
			out = append(out, kv{k, v})
			continue
		}
		src := p.resolve(v)
		var maps []*yaml.Node
		switch src.Kind {
		case yaml.MappingNode:
			maps = []*yaml.Node{src}
		case yaml.SequenceNode:
			maps = src.Content
		default:
			return nil, p.fail(p.errf(k, joinField(field, "<<"), "merge value must be a mapping or a sequence of mappings, found %s", kindName(src)))
		}
		for _, mm := range maps {
			mm = p.resolve(mm)
			if mm.Kind != yaml.MappingNode {
				return nil, p.fail(p.errf(k, joinField(field, "<<"), "merge value must be a mapping or a sequence of mappings, found %s", kindName(mm)))
			}
			sub, err := p.pairsDepth(mm, field, depth+1)
			if err != nil {
				return nil, err
			}
			for _, e := range sub {
				key := p.resolve(e.key).Value
				if seen[key] != nil {
					continue
				}
				seen[key] = e.key
				out = append(out, e)
			}
		}
	}
	return out, nil
}

func joinField(field, key string) string {
	if field == "" {
		return key
	}
	return field + "." + key
}

// Scalar readers. Each takes the node as written (possibly an alias, whose
// line is reported) and the field path for errors.

func (p *yparser) scalar(n *yaml.Node, field, want string) (*yaml.Node, error) {
	r := p.resolve(n)
	if r.Kind != yaml.ScalarNode || isNull(r) {
		return nil, p.fail(p.errf(n, field, "want %s, found %s", want, kindName(r)))
	}
	return r, nil
}

// str reads a string; integers are accepted as their text when allowNum is
// set (node ids, labels).
func (p *yparser) str(n *yaml.Node, field string, allowNum bool) (string, error) {
	r, err := p.scalar(n, field, "a string")
	if err != nil {
		return "", err
	}
	switch r.ShortTag() {
	case "!!str":
	case "!!int", "!!float":
		if !allowNum {
			return "", p.errf(n, field, "want a string, found %s", kindName(r))
		}
	default:
		return "", p.errf(n, field, "want a string, found %s", kindName(r))
	}
	return r.Value, nil
}

func (p *yparser) float(n *yaml.Node, field string) (float64, error) {
	r, err := p.scalar(n, field, "a number")
	if err != nil {
		return 0, err
	}
	if t := r.ShortTag(); t != "!!int" && t != "!!float" {
		return 0, p.errf(n, field, "want a number, found %s", kindName(r))
	}
	var f float64
	if err := r.Decode(&f); err != nil {
		return 0, &ParseError{File: p.file, Line: n.Line, Field: field, Reason: fmt.Sprintf("invalid number %q", r.Value), Err: err}
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, p.errf(n, field, "number must be finite, found %s", r.Value)
	}
	return f, nil
}

func (p *yparser) int64(n *yaml.Node, field string) (int64, error) {
	r, err := p.scalar(n, field, "an integer")
	if err != nil {
		return 0, err
	}
	if r.ShortTag() != "!!int" {
		return 0, p.errf(n, field, "want an integer, found %s", kindName(r))
	}
	var v int64
	if err := r.Decode(&v); err != nil {
		return 0, &ParseError{File: p.file, Line: n.Line, Field: field, Reason: fmt.Sprintf("invalid integer %q", r.Value), Err: err}
	}
	return v, nil
}

func (p *yparser) asn(n *yaml.Node, field string) (uint32, error) {
	v, err := p.int64(n, field)
	if err != nil {
		return 0, err
	}
	if v < 0 || v > math.MaxUint32 {
		return 0, p.errf(n, field, "AS number %d out of range [0, 4294967295]", v)
	}
	return uint32(v), nil
}

func (p *yparser) bool(n *yaml.Node, field string) (bool, error) {
	r, err := p.scalar(n, field, "true or false")
	if err != nil {
		return false, err
	}
	if r.ShortTag() != "!!bool" {
		return false, p.errf(n, field, "want true or false, found %s", kindName(r))
	}
	var b bool
	if err := r.Decode(&b); err != nil {
		return false, &ParseError{File: p.file, Line: n.Line, Field: field, Reason: fmt.Sprintf("invalid boolean %q", r.Value), Err: err}
	}
	return b, nil
}

// seq returns the elements of a sequence; null counts as empty.
func (p *yparser) seq(n *yaml.Node, field string) ([]*yaml.Node, error) {
	r := p.resolve(n)
	if isNull(r) {
		return nil, nil
	}
	if r.Kind != yaml.SequenceNode {
		return nil, p.fail(p.errf(n, field, "want a sequence, found %s", kindName(r)))
	}
	for _, c := range r.Content {
		if !p.spend(c) {
			return nil, p.err
		}
	}
	return r.Content, nil
}

// mapping returns the pairs of a mapping.
func (p *yparser) mapping(n *yaml.Node, field string) ([]kv, error) {
	r := p.resolve(n)
	if r.Kind != yaml.MappingNode {
		return nil, p.fail(p.errf(n, field, "want a mapping, found %s", kindName(r)))
	}
	return p.pairs(r, field)
}

func (p *yparser) prefixes(n *yaml.Node, field string) ([]netip.Prefix, error) {
	items, err := p.seq(n, field)
	if err != nil {
		return nil, err
	}
	var pl prefixList
	for i, it := range items {
		f := fmt.Sprintf("%s[%d]", field, i)
		s, err := p.str(it, f, false)
		if err != nil {
			return nil, err
		}
		pfx, err := netip.ParsePrefix(s)
		if err != nil {
			reason := fmt.Sprintf("invalid prefix %q", s)
			if _, aerr := netip.ParseAddr(s); aerr == nil {
				reason += " (an address needs a /length)"
			}
			return nil, &ParseError{File: p.file, Line: it.Line, Field: f, Reason: reason, Err: err}
		}
		pl.add(pfx)
	}
	return pl.list, nil
}

func keyName(p *yparser, k *yaml.Node) string { return p.resolve(k).Value }

func unknownField(p *yparser, k *yaml.Node, field string, want string) error {
	return p.fail(p.errf(k, joinField(field, keyName(p, k)), "unknown field (want %s)", want))
}

// goalto parses goalto's own form.
func (p *yparser) goalto(top *yaml.Node, pairs []kv) (*Graph, error) {
	g := &Graph{Name: baseName(p.file)}
	var nodesKV, linksKV *kv
	for i := range pairs {
		e := &pairs[i]
		switch keyName(p, e.key) {
		case "name":
			r := p.resolve(e.val)
			if isNull(r) {
				continue
			}
			s, err := p.str(e.val, "name", true)
			if err != nil {
				return nil, err
			}
			g.Name = s
		case "nodes":
			nodesKV = e
		case "links":
			linksKV = e
		default:
			return nil, unknownField(p, e.key, "", "name, nodes, links")
		}
	}
	if nodesKV == nil {
		return nil, p.errf(top, "nodes", "missing required field")
	}
	nodes, err := p.seq(nodesKV.val, "nodes")
	if err != nil {
		return nil, err
	}
	index := make(map[string]int, len(nodes))
	idLine := make([]int, 0, len(nodes))
	g.Nodes = make([]Node, 0, len(nodes))
	for i, nn := range nodes {
		field := fmt.Sprintf("nodes[%d]", i)
		fs, err := p.mapping(nn, field)
		if err != nil {
			return nil, err
		}
		var n Node
		var idNode, latNode, lonNode *yaml.Node
		var hasLat, hasLon bool
		for _, e := range fs {
			name := keyName(p, e.key)
			f := field + "." + name
			if name != "id" && isNull(p.resolve(e.val)) {
				continue // null: absent optional field
			}
			switch name {
			case "id":
				if n.ID, err = p.str(e.val, f, true); err != nil {
					return nil, err
				}
				if n.ID == "" {
					return nil, p.errf(e.val, f, "empty node id")
				}
				idNode = e.val
			case "label":
				n.Label, err = p.str(e.val, f, true)
			case "asn":
				n.ASN, err = p.asn(e.val, f)
			case "lat":
				if n.Lat, err = p.float(e.val, f); err == nil && (n.Lat < -90 || n.Lat > 90) {
					err = p.errf(e.val, f, "latitude %v out of range [-90, 90]", n.Lat)
				}
				hasLat, latNode = true, e.val
			case "lon":
				if n.Lon, err = p.float(e.val, f); err == nil && (n.Lon < -180 || n.Lon > 180) {
					err = p.errf(e.val, f, "longitude %v out of range [-180, 180]", n.Lon)
				}
				hasLon, lonNode = true, e.val
			case "prefixes":
				n.Prefixes, err = p.prefixes(e.val, f)
			default:
				err = unknownField(p, e.key, field, "id, label, asn, lat, lon, prefixes")
			}
			if err != nil {
				return nil, err
			}
		}
		if idNode == nil {
			return nil, p.errf(nn, field+".id", "missing required field")
		}
		if hasLat != hasLon {
			if hasLat {
				return nil, p.errf(latNode, field+".lat", "lat given without lon")
			}
			return nil, p.errf(lonNode, field+".lon", "lon given without lat")
		}
		n.HasCoords = hasLat
		if n.Label == "" {
			n.Label = n.ID
		}
		if j, dup := index[n.ID]; dup {
			return nil, p.errf(idNode, field+".id", "duplicate node id %q (first at line %d)", n.ID, idLine[j])
		}
		index[n.ID] = len(g.Nodes)
		idLine = append(idLine, idNode.Line)
		g.Nodes = append(g.Nodes, n)
	}

	if linksKV == nil {
		return g, nil
	}
	links, err := p.seq(linksKV.val, "links")
	if err != nil {
		return nil, err
	}
	for i, ln := range links {
		field := fmt.Sprintf("links[%d]", i)
		fs, err := p.mapping(ln, field)
		if err != nil {
			return nil, err
		}
		l := Link{Metric: 1}
		var haveFrom, haveTo bool
		for _, e := range fs {
			name := keyName(p, e.key)
			f := field + "." + name
			if name != "from" && name != "to" && isNull(p.resolve(e.val)) {
				continue
			}
			switch name {
			case "from", "to":
				var id string
				if id, err = p.str(e.val, f, true); err != nil {
					return nil, err
				}
				idx, ok := index[id]
				if !ok {
					return nil, p.errf(e.val, f, "unknown node %q", id)
				}
				if name == "from" {
					l.From, haveFrom = idx, true
				} else {
					l.To, haveTo = idx, true
				}
			case "metric":
				if l.Metric, err = p.float(e.val, f); err == nil && !(l.Metric > 0) {
					err = p.errf(e.val, f, "metric must be > 0, found %v", l.Metric)
				}
			case "capacity":
				if l.Capacity, err = p.float(e.val, f); err == nil && l.Capacity < 0 {
					err = p.errf(e.val, f, "capacity must be >= 0, found %v", l.Capacity)
				}
			case "latency":
				if l.Latency, err = p.float(e.val, f); err == nil && l.Latency < 0 {
					err = p.errf(e.val, f, "latency must be >= 0, found %v", l.Latency)
				}
			case "directed":
				l.Directed, err = p.bool(e.val, f)
			default:
				err = unknownField(p, e.key, field, "from, to, metric, capacity, latency, directed")
			}
			if err != nil {
				return nil, err
			}
		}
		if !haveFrom {
			return nil, p.errf(ln, field+".from", "missing required field")
		}
		if !haveTo {
			return nil, p.errf(ln, field+".to", "missing required field")
		}
		l.Capacity = normZero(l.Capacity)
		l.Latency = normZero(l.Latency)
		g.Links = append(g.Links, l)
	}
	return g, nil
}

// normZero turns -0 into 0.
func normZero(f float64) float64 {
	if f == 0 {
		return 0
	}
	return f
}

// lhcone parses the LHCONE simulator form.
func (p *yparser) lhcone(pairs []kv) (*Graph, error) {
	g := &Graph{Name: baseName(p.file)}
	var nodesVal, linksVal *yaml.Node
	for _, e := range pairs {
		switch keyName(p, e.key) {
		case "name":
			if isNull(p.resolve(e.val)) {
				continue
			}
			s, err := p.str(e.val, "name", true)
			if err != nil {
				return nil, err
			}
			g.Name = s
		case "nodes":
			nodesVal = e.val
		case "links":
			linksVal = e.val
		default:
			return nil, unknownField(p, e.key, "", "name, nodes, links")
		}
	}
	nodes, err := p.mapping(nodesVal, "nodes")
	if err != nil {
		return nil, err
	}

	type relRef struct {
		node  *yaml.Node
		field string
	}
	byNum := make(map[int64]int, len(nodes)) // LHCONE integer id -> node index
	numLine := make([]int, 0, len(nodes))
	var rels []relRef
	g.Nodes = make([]Node, 0, len(nodes))
	for _, e := range nodes {
		key, err := p.str(e.key, "nodes", true)
		if err != nil {
			return nil, err
		}
		field := "nodes." + key
		if key == "" {
			return nil, p.errf(e.key, field, "empty node name")
		}
		n := Node{ID: key}
		fs, err := p.mapping(e.val, field)
		if err != nil {
			return nil, err
		}
		var numNode *yaml.Node
		var num int64
		for _, fe := range fs {
			name := keyName(p, fe.key)
			f := field + "." + name
			if name != "id" && isNull(p.resolve(fe.val)) {
				continue
			}
			switch name {
			case "id":
				num, err = p.int64(fe.val, f)
				numNode = fe.val
			case "asn":
				n.ASN, err = p.asn(fe.val, f)
			case "name":
				n.Label, err = p.str(fe.val, f, true)
			case "ip-prefixes":
				n.Prefixes, err = p.prefixes(fe.val, f)
			case "providers", "customers", "peers":
				var items []*yaml.Node
				items, err = p.seq(fe.val, f)
				for i, it := range items {
					rels = append(rels, relRef{it, fmt.Sprintf("%s[%d]", f, i)})
				}
			case "type":
				_, err = p.str(fe.val, f, false)
			case "ip":
				var s string
				if s, err = p.str(fe.val, f, false); err == nil {
					if _, aerr := netip.ParseAddr(s); aerr != nil {
						err = &ParseError{File: p.file, Line: fe.val.Line, Field: f, Reason: fmt.Sprintf("invalid IP address %q", s), Err: aerr}
					}
				}
			case "prefixes":
				// LHCOne.yaml: a count of routes at the router, not a list.
				if r := p.resolve(fe.val); r.Kind == yaml.SequenceNode {
					err = p.errf(fe.val, f, "in the LHCONE form prefixes is a route count; list prefixes under ip-prefixes")
				} else {
					_, err = p.int64(fe.val, f)
				}
			case "vrf":
				_, err = p.bool(fe.val, f)
			default:
				err = unknownField(p, fe.key, field, "id, asn, name, ip-prefixes, providers, customers, peers, type, ip, prefixes, vrf")
			}
			if err != nil {
				return nil, err
			}
		}
		if numNode == nil {
			return nil, p.errf(e.key, field+".id", "missing required field")
		}
		if j, dup := byNum[num]; dup {
			return nil, p.errf(numNode, field+".id", "duplicate id %d (also used by %s at line %d)", num, g.Nodes[j].ID, numLine[j])
		}
		if n.Label == "" {
			n.Label = n.ID
		}
		byNum[num] = len(g.Nodes)
		numLine = append(numLine, numNode.Line)
		g.Nodes = append(g.Nodes, n)
	}
	for _, r := range rels {
		v, err := p.int64(r.node, r.field)
		if err != nil {
			return nil, err
		}
		if _, ok := byNum[v]; !ok {
			return nil, p.errf(r.node, r.field, "unknown node id %d", v)
		}
	}

	if linksVal == nil {
		return g, nil
	}
	links, err := p.seq(linksVal, "links")
	if err != nil {
		return nil, err
	}
	for i, ln := range links {
		field := fmt.Sprintf("links[%d]", i)
		ends, err := p.seq(ln, field)
		if err != nil {
			return nil, err
		}
		if len(ends) != 2 {
			return nil, p.errf(ln, field, "want a pair [id, id], found %d elements", len(ends))
		}
		var idx [2]int
		for k, en := range ends {
			f := fmt.Sprintf("%s[%d]", field, k)
			v, err := p.int64(en, f)
			if err != nil {
				return nil, err
			}
			j, ok := byNum[v]
			if !ok {
				return nil, p.errf(en, f, "unknown node id %d", v)
			}
			idx[k] = j
		}
		g.Links = append(g.Links, Link{From: idx[0], To: idx[1], Metric: 1})
	}
	return g, nil
}
