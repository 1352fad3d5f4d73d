package altoconf

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/goalto/goalto/internal/netdef"
)

// Module names as they qualify members in RFC 7951 JSON.
const (
	modALTO   = "ietf-alto"
	modGoalto = "goalto-alto"
)

// origin is the source node of a field of the generated definition,
// used to locate the errors that netdef finds.
type origin struct {
	path string
	line int
}

// mapper turns a valid ietf-alto instance into the network definition
// that altod builds its maps from.
type mapper struct {
	file    string
	errs    Errors
	out     map[string]any    // the definition, in netdef's YAML form
	origins map[string]origin // netdef field path prefix -> origin
	sources map[string]source
	listen  string
	mainMap string
}

type source struct {
	typ, path string
	at        origin // the path leaf, or the entry when it has none
}

// toDefinition maps the ietf-alto container of a valid configuration to
// a network definition, checked by netdef.
func toDefinition(alto *yaml.Node, file string) (*netdef.Definition, string, map[string]origin, Errors) {
	m := &mapper{file: file, out: map[string]any{}, origins: map[string]origin{}, sources: map[string]source{}}
	srv := member(alto, "alto-server", modALTO)
	base := "/" + TopMember + "/alto-server"
	if srv == nil {
		m.fail(alto, "/"+TopMember, "the configuration has no alto-server: altod is an ALTO server")
		return nil, "", nil, m.errs
	}
	m.server(srv, base)
	if len(m.errs) > 0 {
		return nil, "", nil, m.errs
	}
	// JSON, because netdef.Parse reads a file named ".json" as strict JSON.
	data, err := json.Marshal(m.out)
	if err != nil {
		m.fail(srv, base, fmt.Sprintf("encoding the definition: %v", err))
		return nil, "", nil, m.errs
	}
	def, err := netdef.Parse(data, file)
	if err != nil {
		return nil, "", nil, Errors{netdefError(m.file, m.origins, err)}
	}
	return def, m.listen, m.origins, nil
}

func (m *mapper) fail(n *yaml.Node, path, msg string) {
	e := &Error{File: m.file, Path: path, Rule: RuleSupported, Message: msg}
	if n != nil {
		e.Line = n.Line
	}
	m.errs = append(m.errs, e)
}

// netdefError reports an error of the generated definition at the
// configuration node the failing field came from: its instance path and
// line, never the field names or lines of the generated definition.
func netdefError(file string, origins map[string]origin, err error) *Error {
	var ne *netdef.Error
	if !errors.As(err, &ne) {
		return &Error{File: file, Path: "/" + TopMember, Rule: RuleSupported, Message: err.Error()}
	}
	best := ""
	for prefix := range origins {
		if (ne.Field == prefix || strings.HasPrefix(ne.Field, prefix+".") || strings.HasPrefix(ne.Field, prefix+"[")) && len(prefix) > len(best) {
			best = prefix
		}
	}
	o := origins[best]
	if o.path == "" {
		o.path = "/" + TopMember + "/alto-server"
	}
	return &Error{File: file, Line: o.line, Path: o.path, Rule: RuleSupported, Message: ne.Err.Error()}
}

func (m *mapper) server(srv *yaml.Node, base string) {
	m.origins[""] = origin{base, srv.Line}
	if dir := member(srv, "directory-path", modGoalto); dir != nil {
		m.out["directory"] = dir.Value
		m.origins["directory"] = origin{base + "/goalto-alto:directory-path", dir.Line}
	}
	m.listenStack(member(srv, "listen", modALTO), base+"/listen")
	if n := member(srv, "logging-system", modALTO); n != nil && len(n.Content) > 0 {
		m.fail(n, base+"/logging-system", "altod logs to standard error; remove logging-system")
	}
	if n := member(srv, "meta", modALTO); n != nil && len(n.Content) > 0 {
		m.fail(n, base+"/meta", "altod does not serve configured meta information; remove meta")
	}
	m.access(srv, base)
	m.costTypes(member(srv, "cost-type", modALTO), base)
	m.dataSources(member(srv, "data-source", modALTO), base)
	m.resources(member(srv, "resource", modALTO), base)
}

func (m *mapper) listenStack(n *yaml.Node, path string) {
	if n == nil {
		return
	}
	if https := member(n, "https", modALTO); https != nil {
		m.fail(https, path+"/https", "altod takes its TLS certificate from --tls-cert and --tls-key; configure listen/http and pass those flags")
		return
	}
	http := member(n, "http", modALTO)
	if http == nil {
		return
	}
	if p := member(http, "alto-server-parameters", modALTO); p != nil {
		if u := member(p, "base-uri", modALTO); u != nil {
			m.out["base-url"] = strings.TrimSuffix(u.Value, "/")
			m.origins["base-url"] = origin{path + "/http/alto-server-parameters/base-uri", u.Line}
		}
	}
	tcp := member(http, "tcp-server-parameters", modALTO)
	binds := member(tcp, "local-bind", modALTO)
	if binds == nil {
		return
	}
	if len(binds.Content) > 1 {
		m.fail(binds, path+"/http/tcp-server-parameters/local-bind", "altod listens on one address; give one local-bind")
		return
	}
	b := binds.Content[0]
	port := "80" // the refine of ietf-alto: the well-known port of http
	if p := member(b, "local-port", modALTO); p != nil {
		port = p.Value
	}
	addr, err := netip.ParseAddr(member(b, "local-address", modALTO).Value)
	if err != nil {
		m.fail(b, path+"/http/tcp-server-parameters/local-bind", fmt.Sprintf("invalid local-address: %v", err))
		return
	}
	m.listen = netip.AddrPortFrom(addr.WithZone(""), mustPort(port)).String()
}

func mustPort(s string) uint16 {
	p, _ := strconv.ParseUint(s, 10, 16)
	return uint16(p)
}

func (m *mapper) costTypes(list *yaml.Node, base string) {
	if list == nil {
		return
	}
	out := map[string]any{}
	for _, e := range list.Content {
		name := member(e, "cost-type-name", modALTO).Value
		ct := map[string]any{
			"cost-mode":   local(member(e, "cost-mode", modALTO).Value),
			"cost-metric": local(member(e, "cost-metric", modALTO).Value),
		}
		if d := member(e, "description", modALTO); d != nil {
			ct["description"] = d.Value
		}
		if cc := member(e, "cost-context", modALTO); cc != nil {
			src := member(cc, "cost-source", modALTO)
			if src == nil {
				m.fail(cc, fmt.Sprintf("%s/cost-type[cost-type-name='%s']/cost-context/cost-source", base, name), "missing cost-source, which a cost context needs (RFC 9439, Section 3.1)")
				continue
			}
			ct["cost-context"] = map[string]any{"cost-source": local(src.Value)}
		}
		out[name] = ct
		m.origins["cost-types."+name] = origin{fmt.Sprintf("%s/cost-type[cost-type-name='%s']", base, name), e.Line}
	}
	m.out["cost-types"] = out
}

func (m *mapper) dataSources(list *yaml.Node, base string) {
	if list == nil {
		return
	}
	for _, e := range list.Content {
		id := member(e, "source-id", modALTO).Value
		typ := member(e, "source-type", modALTO).Value
		entry := fmt.Sprintf("%s/data-source[source-id='%s']", base, id)
		s := source{typ: local(typ), at: origin{entry, e.Line}}
		if p := member(member(member(e, "source-params", modALTO), "file-source-params", modGoalto), "path", modGoalto); p != nil {
			s.path = p.Value
			s.at = origin{entry + "/source-params/goalto-alto:file-source-params/path", p.Line}
		}
		m.sources[id] = s
	}
}

// sourcePath returns the file of a data source of type typ, reporting a
// source of another type.
// field, when not empty, is the definition field that gets the file:
// errors in it are reported at the path leaf of the data source.
func (m *mapper) sourcePath(ref *yaml.Node, path, typ, field string) (string, bool) {
	s, ok := m.sources[ref.Value]
	if !ok {
		return "", false // the leafref check has reported it
	}
	if s.typ != typ {
		m.fail(ref, path, fmt.Sprintf("data source %s is of type %s; this needs a goalto-alto:%s source", ref.Value, s.typ, typ))
		return "", false
	}
	if field != "" {
		m.origins[field] = s.at
	}
	return s.path, true
}

// local returns the name of an identity without its module.
func local(id string) string {
	if _, name, ok := strings.Cut(id, ":"); ok {
		return name
	}
	return id
}

// member returns the member of a mapping for a node of module mod, written
// with or without the module name; nil when m is nil or lacks it.
func member(m *yaml.Node, name, mod string) *yaml.Node {
	if v := mapValue(m, name); v != nil {
		return v
	}
	return mapValue(m, mod+":"+name)
}

func values(n *yaml.Node) []string {
	if n == nil {
		return nil
	}
	out := make([]string, len(n.Content))
	for i, c := range n.Content {
		out[i] = c.Value
	}
	return out
}

func boolValue(n *yaml.Node) bool { return n != nil && n.Value == "true" }

// jsonText checks a property value written as JSON text.
func jsonText(s string) (any, error) {
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		return nil, fmt.Errorf("value %q is not JSON text: %w", s, err)
	}
	switch v.(type) {
	case map[string]any, []any:
		return nil, fmt.Errorf("value %q must be a string, number, boolean or null", s)
	}
	return v, nil
}
