package topology

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ParseGraphML reads a GraphML document (as published by the Internet
// Topology Zoo). name is used in errors and as the default graph name. See
// the package documentation for how data keys map to Node and Link fields.
func ParseGraphML(r io.Reader, name string) (*Graph, error) {
	d := xml.NewDecoder(r)
	d.CharsetReader = charsetReader
	p := &gmlParser{d: d, file: name, keys: map[string]*gmlKey{}}
	if err := p.parseDocument(); err != nil {
		return nil, err
	}
	return p.build()
}

type gmlKey struct {
	id, name, forWhat string
	def               string
	hasDef            bool
	line              int
}

type gmlData struct {
	key, value string
	line       int
}

type gmlNode struct {
	id   string
	line int
	data []gmlData
}

type gmlEdge struct {
	source, target string
	directed       *bool
	line           int
	data           []gmlData
}

type gmlParser struct {
	d         *xml.Decoder
	file      string
	keys      map[string]*gmlKey
	keyOrder  []*gmlKey
	haveGraph bool
	directed  bool // edgedefault
	graphData []gmlData
	nodes     []gmlNode
	edges     []gmlEdge
}

func (p *gmlParser) errf(line int, field, format string, args ...any) error {
	return &ParseError{File: p.file, Line: line, Field: field, Reason: fmt.Sprintf(format, args...)}
}

func (p *gmlParser) line() int {
	l, _ := p.d.InputPos()
	return l
}

// token returns the next token, converting decoder errors to *ParseError.
// io.EOF is returned as is.
func (p *gmlParser) token() (xml.Token, error) {
	t, err := p.d.Token()
	if err == nil {
		return t, nil
	}
	if err == io.EOF {
		return nil, io.EOF
	}
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return nil, &ParseError{File: p.file, Line: se.Line, Reason: "XML syntax error: " + se.Msg, Err: err}
	}
	return nil, &ParseError{File: p.file, Line: p.line(), Reason: err.Error(), Err: err}
}

// tokenIn is token for use inside an element, where EOF is an error.
func (p *gmlParser) tokenIn() (xml.Token, error) {
	t, err := p.token()
	if err == io.EOF {
		return nil, &ParseError{File: p.file, Line: p.line(), Reason: "XML syntax error: unexpected end of file", Err: io.ErrUnexpectedEOF}
	}
	return t, err
}

// skip skips the rest of the element whose start tag was just read.
func (p *gmlParser) skip() error {
	for depth := 1; depth > 0; {
		t, err := p.tokenIn()
		if err != nil {
			return err
		}
		switch t.(type) {
		case xml.StartElement:
			depth++
		case xml.EndElement:
			depth--
		}
	}
	return nil
}

// attr returns an attribute of se by local name (GraphML attributes are
// unqualified).
func attr(se xml.StartElement, name string) (string, bool) {
	for _, a := range se.Attr {
		if a.Name.Local == name {
			return a.Value, true
		}
	}
	return "", false
}

func (p *gmlParser) parseDocument() error {
	for {
		t, err := p.token()
		if err == io.EOF {
			return p.errf(p.line(), "", "not a GraphML document: no root element")
		}
		if err != nil {
			return err
		}
		se, ok := t.(xml.StartElement)
		if !ok {
			continue // prolog, comments, whitespace
		}
		if se.Name.Local != "graphml" {
			return p.errf(p.line(), "", "not a GraphML document: root element is <%s>, want <graphml>", se.Name.Local)
		}
		if err := p.parseRoot(); err != nil {
			return err
		}
		break
	}
	for {
		t, err := p.token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if se, ok := t.(xml.StartElement); ok {
			return p.errf(p.line(), "", "unexpected element <%s> after </graphml>", se.Name.Local)
		}
	}
	if !p.haveGraph {
		return p.errf(0, "", "GraphML document has no <graph> element")
	}
	return nil
}

func (p *gmlParser) parseRoot() error {
	for {
		t, err := p.tokenIn()
		if err != nil {
			return err
		}
		switch t := t.(type) {
		case xml.EndElement:
			return nil
		case xml.StartElement:
			switch t.Name.Local {
			case "key":
				err = p.parseKey(t)
			case "graph":
				if p.haveGraph {
					return p.errf(p.line(), "graph", "more than one <graph> element; only one graph per file is supported")
				}
				p.haveGraph = true
				err = p.parseGraph(t)
			default:
				err = p.skip()
			}
			if err != nil {
				return err
			}
		}
	}
}

func (p *gmlParser) parseKey(se xml.StartElement) error {
	k := &gmlKey{line: p.line()}
	k.id, _ = attr(se, "id")
	k.name, _ = attr(se, "attr.name")
	k.forWhat, _ = attr(se, "for")
	if k.forWhat == "" {
		k.forWhat = "all"
	}
	if k.id == "" {
		return p.errf(k.line, "key", "missing id attribute")
	}
	if prev, dup := p.keys[k.id]; dup {
		return p.errf(k.line, fmt.Sprintf("key[id=%q]", k.id), "duplicate key id (first declared at line %d)", prev.line)
	}
	p.keys[k.id] = k
	p.keyOrder = append(p.keyOrder, k)
	for {
		t, err := p.tokenIn()
		if err != nil {
			return err
		}
		switch t := t.(type) {
		case xml.EndElement:
			return nil
		case xml.StartElement:
			if t.Name.Local == "default" {
				v, err := p.text()
				if err != nil {
					return err
				}
				k.def, k.hasDef = v, true
			} else if err := p.skip(); err != nil {
				return err
			}
		}
	}
}

// text reads the character data of the element whose start tag was just
// read, skipping nested elements, and returns it trimmed.
func (p *gmlParser) text() (string, error) {
	var b strings.Builder
	for {
		t, err := p.tokenIn()
		if err != nil {
			return "", err
		}
		switch t := t.(type) {
		case xml.EndElement:
			return strings.TrimSpace(b.String()), nil
		case xml.CharData:
			b.Write(t)
		case xml.StartElement:
			if err := p.skip(); err != nil {
				return "", err
			}
		}
	}
}

func (p *gmlParser) parseData(se xml.StartElement) (gmlData, error) {
	line := p.line()
	key, ok := attr(se, "key")
	if !ok {
		return gmlData{}, p.errf(line, "data", "missing key attribute")
	}
	v, err := p.text()
	return gmlData{key: key, value: v, line: line}, err
}

func (p *gmlParser) parseGraph(se xml.StartElement) error {
	switch ed, _ := attr(se, "edgedefault"); ed {
	case "", "undirected":
	case "directed":
		p.directed = true
	default:
		return p.errf(p.line(), "graph.edgedefault", "invalid value %q, want directed or undirected", ed)
	}
	for {
		t, err := p.tokenIn()
		if err != nil {
			return err
		}
		switch t := t.(type) {
		case xml.EndElement:
			return nil
		case xml.StartElement:
			switch t.Name.Local {
			case "node":
				err = p.parseNode(t)
			case "edge":
				err = p.parseEdge(t)
			case "data":
				var dt gmlData
				dt, err = p.parseData(t)
				p.graphData = append(p.graphData, dt)
			case "hyperedge":
				return p.errf(p.line(), "hyperedge", "hyperedges are not supported")
			default:
				err = p.skip()
			}
			if err != nil {
				return err
			}
		}
	}
}

func (p *gmlParser) parseNode(se xml.StartElement) error {
	n := gmlNode{line: p.line()}
	id, ok := attr(se, "id")
	if !ok || id == "" {
		return p.errf(n.line, fmt.Sprintf("node[%d]", len(p.nodes)), "missing id attribute")
	}
	n.id = id
	for {
		t, err := p.tokenIn()
		if err != nil {
			return err
		}
		switch t := t.(type) {
		case xml.EndElement:
			p.nodes = append(p.nodes, n)
			return nil
		case xml.StartElement:
			switch t.Name.Local {
			case "data":
				dt, err := p.parseData(t)
				if err != nil {
					return err
				}
				n.data = append(n.data, dt)
			case "graph":
				return p.errf(p.line(), fmt.Sprintf("node[id=%q]", id), "nested graphs are not supported")
			default:
				if err := p.skip(); err != nil {
					return err
				}
			}
		}
	}
}

func (p *gmlParser) parseEdge(se xml.StartElement) error {
	e := gmlEdge{line: p.line()}
	field := fmt.Sprintf("edge[%d]", len(p.edges))
	var ok bool
	if e.source, ok = attr(se, "source"); !ok {
		return p.errf(e.line, field, "missing source attribute")
	}
	if e.target, ok = attr(se, "target"); !ok {
		return p.errf(e.line, field, "missing target attribute")
	}
	if v, ok := attr(se, "directed"); ok {
		if v != "true" && v != "false" {
			return p.errf(e.line, field+".directed", "invalid value %q, want true or false", v)
		}
		b := v == "true"
		e.directed = &b
	}
	for {
		t, err := p.tokenIn()
		if err != nil {
			return err
		}
		switch t := t.(type) {
		case xml.EndElement:
			p.edges = append(p.edges, e)
			return nil
		case xml.StartElement:
			if t.Name.Local == "data" {
				dt, err := p.parseData(t)
				if err != nil {
					return err
				}
				e.data = append(e.data, dt)
			} else if err := p.skip(); err != nil {
				return err
			}
		}
	}
}

// attrs resolves an element's data to attribute name -> value, applying key
// defaults for the element kind ("node", "edge" or "graph").
func (p *gmlParser) attrs(kind, field string, data []gmlData) (map[string]gmlData, error) {
	m := make(map[string]gmlData, len(data))
	for _, dt := range data {
		k, ok := p.keys[dt.key]
		if !ok {
			return nil, p.errf(dt.line, field, "data refers to undeclared key %q", dt.key)
		}
		if k.name != "" {
			m[k.name] = dt
		}
	}
	for _, k := range p.keyOrder {
		if k.hasDef && k.name != "" && (k.forWhat == kind || k.forWhat == "all") {
			if _, ok := m[k.name]; !ok {
				m[k.name] = gmlData{key: k.id, value: k.def, line: k.line}
			}
		}
	}
	return m, nil
}

// lookupFold finds an attribute by case-insensitive name; an exact match wins.
func lookupFold(m map[string]gmlData, name string) (gmlData, string, bool) {
	if d, ok := m[name]; ok {
		return d, name, true
	}
	for k, d := range m {
		if strings.EqualFold(k, name) {
			return d, k, true
		}
	}
	return gmlData{}, "", false
}

func (p *gmlParser) float(d gmlData, field string) (float64, error) {
	f, err := strconv.ParseFloat(d.value, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, &ParseError{File: p.file, Line: d.line, Field: field, Reason: fmt.Sprintf("invalid number %q", d.value), Err: err}
	}
	return f, nil
}

func (p *gmlParser) build() (*Graph, error) {
	g := &Graph{Name: baseName(p.file)}
	gattrs, err := p.attrs("graph", "graph", p.graphData)
	if err != nil {
		return nil, err
	}
	if d, ok := gattrs["Network"]; ok && d.value != "" {
		g.Name = d.value
	} else if d, ok := gattrs["label"]; ok && d.value != "" {
		g.Name = d.value
	}

	index := make(map[string]int, len(p.nodes))
	g.Nodes = make([]Node, 0, len(p.nodes))
	for _, gn := range p.nodes {
		field := fmt.Sprintf("node[id=%q]", gn.id)
		if _, dup := index[gn.id]; dup {
			return nil, p.errf(gn.line, field, "duplicate node id (first at line %d)", p.nodes[index[gn.id]].line)
		}
		index[gn.id] = len(g.Nodes)
		n := Node{ID: gn.id, Label: gn.id}
		m, err := p.attrs("node", field, gn.data)
		if err != nil {
			return nil, err
		}
		if d, _, ok := lookupFold(m, "label"); ok && d.value != "" {
			n.Label = d.value
		}
		if d, name, ok := lookupFold(m, "asn"); ok && d.value != "" {
			v, err := strconv.ParseUint(strings.TrimPrefix(strings.ToUpper(d.value), "AS"), 10, 32)
			if err != nil {
				return nil, &ParseError{File: p.file, Line: d.line, Field: field + "." + name, Reason: fmt.Sprintf("invalid AS number %q", d.value), Err: err}
			}
			n.ASN = uint32(v)
		}
		dlat, latName, hasLat := lookupFold(m, "Latitude")
		dlon, lonName, hasLon := lookupFold(m, "Longitude")
		hasLat = hasLat && dlat.value != ""
		hasLon = hasLon && dlon.value != ""
		if hasLat && hasLon {
			if n.Lat, err = p.float(dlat, field+"."+latName); err != nil {
				return nil, err
			}
			if n.Lon, err = p.float(dlon, field+"."+lonName); err != nil {
				return nil, err
			}
			if n.Lat < -90 || n.Lat > 90 {
				return nil, p.errf(dlat.line, field+"."+latName, "latitude %v out of range [-90, 90]", n.Lat)
			}
			if n.Lon < -180 || n.Lon > 180 {
				return nil, p.errf(dlon.line, field+"."+lonName, "longitude %v out of range [-180, 180]", n.Lon)
			}
			n.HasCoords = true
		}
		g.Nodes = append(g.Nodes, n)
	}

	g.Links = make([]Link, 0, len(p.edges))
	for i, e := range p.edges {
		field := fmt.Sprintf("edge[%d]", i)
		from, ok := index[e.source]
		if !ok {
			return nil, p.errf(e.line, field+".source", "unknown node %q", e.source)
		}
		to, ok := index[e.target]
		if !ok {
			return nil, p.errf(e.line, field+".target", "unknown node %q", e.target)
		}
		l := Link{From: from, To: to, Directed: p.directed, Metric: 1}
		if e.directed != nil {
			l.Directed = *e.directed
		}
		m, err := p.attrs("edge", field, e.data)
		if err != nil {
			return nil, err
		}
		if d, ok := m["LinkSpeedRaw"]; ok && d.value != "" {
			if l.Capacity, err = p.float(d, field+".LinkSpeedRaw"); err != nil {
				return nil, err
			}
			if l.Capacity < 0 {
				return nil, p.errf(d.line, field+".LinkSpeedRaw", "negative link speed %v", l.Capacity)
			}
		} else if d, ok := m["LinkSpeed"]; ok {
			l.Capacity = linkSpeed(d.value, m["LinkSpeedUnits"].value)
		}
		g.Links = append(g.Links, l)
	}
	return g, nil
}

// linkSpeed converts the Zoo's LinkSpeed and LinkSpeedUnits ("2.5", "G") to
// bits per second; 0 when they cannot be used.
func linkSpeed(speed, units string) float64 {
	v, err := strconv.ParseFloat(strings.TrimSpace(speed), 64)
	if err != nil || !(v > 0) || math.IsInf(v, 0) {
		return 0
	}
	u := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(units)), "bps")
	mult := map[string]float64{"": 1, "k": 1e3, "m": 1e6, "g": 1e9, "t": 1e12}[u]
	if mult == 0 || math.IsInf(v*mult, 0) {
		return 0
	}
	return v * mult
}

// charsetReader accepts the single-byte encodings sometimes declared by
// GraphML writers (encoding/xml only handles UTF-8 itself).
func charsetReader(charset string, input io.Reader) (io.Reader, error) {
	switch strings.ToLower(charset) {
	case "iso-8859-1", "latin1", "latin-1", "iso8859-1", "us-ascii", "ascii":
		return &latin1Reader{r: input}, nil
	}
	return nil, fmt.Errorf("unsupported XML encoding %q (want UTF-8 or ISO-8859-1)", charset)
}

type latin1Reader struct {
	r   io.Reader
	buf []byte
	out []byte
}

func (l *latin1Reader) Read(p []byte) (int, error) {
	for len(l.out) == 0 {
		if cap(l.buf) == 0 {
			l.buf = make([]byte, 4096)
		}
		n, err := l.r.Read(l.buf[:cap(l.buf)])
		for _, c := range l.buf[:n] {
			l.out = utf8.AppendRune(l.out, rune(c))
		}
		if n == 0 && err != nil {
			return 0, err
		}
	}
	n := copy(p, l.out)
	l.out = l.out[n:]
	return n, nil
}
