package altoconf

import (
	"fmt"

	"go.yaml.in/yaml/v3"

	"github.com/goalto/goalto/internal/netdef"
)

// resourceCtx is one resource entry being mapped.
type resourceCtx struct {
	e    *yaml.Node
	id   string
	typ  string // local name of the resource-type identity
	path string // instance identifier of the entry
	out  map[string]any
}

func (m *mapper) resources(list *yaml.Node, base string) {
	if list == nil || len(list.Content) == 0 {
		m.fail(list, base+"/resource", "altod needs resources: at least a network-map resource with goalto-alto:pid-rule-algorithm")
		return
	}
	// The main network map first: the other resources refer to it.
	for _, e := range list.Content {
		if nm := member(e, "alto-networkmap-params", modALTO); member(nm, "pid-rule-algorithm", modGoalto) != nil {
			m.mainNetworkMap(m.ctx(e, base), nm)
		}
	}
	if m.mainMap == "" {
		m.fail(list, base+"/resource", "no network-map resource has goalto-alto:pid-rule-algorithm, which defines the main network map")
		return
	}
	var out []any
	for _, e := range list.Content {
		r := m.ctx(e, base)
		m.origins[fmt.Sprintf("resources[%d]", len(out))] = origin{r.path, e.Line}
		m.resource(r)
		if roles := values(member(e, "accepted-role", modALTO)); r.out != nil && len(roles) > 0 {
			r.out["accepted-roles"] = stringsAny(roles)
		}
		if r.out != nil {
			out = append(out, r.out)
		} else {
			delete(m.origins, fmt.Sprintf("resources[%d]", len(out)))
		}
	}
	m.out["resources"] = out
}

func (m *mapper) ctx(e *yaml.Node, base string) *resourceCtx {
	id := member(e, "resource-id", modALTO).Value
	r := &resourceCtx{e: e, id: id, typ: local(member(e, "resource-type", modALTO).Value),
		path: fmt.Sprintf("%s/resource[resource-id='%s']", base, id)}
	return r
}

// resource maps one resource entry to r.out, a netdef resource, or
// leaves r.out nil after an error.
func (m *mapper) resource(r *resourceCtx) {
	uri := "/" + r.typ + "/" + r.id
	if p := member(r.e, "path", modGoalto); p != nil {
		uri = p.Value
	}
	r.out = map[string]any{"id": r.id, "path": uri}
	var ok bool
	switch r.typ {
	case "ird":
		r.out["type"] = netdef.TypeDirectory
		r.out["path"] = member(member(r.e, "alto-ird-params", modALTO), "delegation", modALTO).Value
		ok = true
	case "network-map":
		ok = m.networkMapResource(r)
	case "cost-map":
		ok = m.costResource(r, member(r.e, "alto-costmap-params", modALTO), netdef.TypeCostMap, netdef.TypeFilteredCostMap, netdef.TypePathVectorCostMap)
	case "endpoint-cost":
		ok = m.costResource(r, member(r.e, "alto-endpointcost-params", modALTO), netdef.TypeEndpointCost, netdef.TypeEndpointCost, netdef.TypePathVectorEndpointCost)
	case "endpoint-prop":
		ok = m.endpointPropResource(r)
	case "property-map":
		ok = m.propertyMapResource(r)
	case "cdni":
		ok = m.cdniResource(r)
	case "update":
		ok = m.updateResource(r)
	default:
		m.fail(r.e, r.path+"/resource-type", fmt.Sprintf("altod does not serve resources of type %s", r.typ))
	}
	if !ok {
		r.out = nil
	}
}

func (m *mapper) networkMapResource(r *resourceCtx) bool {
	params := member(r.e, "alto-networkmap-params", modALTO)
	filtered := boolValue(member(params, "filtered", modALTO))
	switch {
	case member(params, "pid-rule-algorithm", modGoalto) != nil:
		r.out["type"] = netdef.TypeNetworkMap
	case member(params, "static-pids-algorithm", modGoalto) != nil:
		r.out["type"] = netdef.TypeNetworkMap
		m.staticPIDs(r, member(params, "static-pids-algorithm", modGoalto))
	case member(params, "filter-algorithm", modGoalto) != nil:
		if !filtered {
			m.fail(params, r.path+"/alto-networkmap-params/filtered", "filter-algorithm serves a filtered network map: set filtered to true")
			return false
		}
		r.out["type"] = netdef.TypeFilteredNetworkMap
		return m.dependsOnMain(r)
	default:
		m.fail(params, r.path+"/alto-networkmap-params", "altod builds network maps with goalto-alto:pid-rule-algorithm, static-pids-algorithm or filter-algorithm")
		return false
	}
	if filtered {
		m.fail(params, r.path+"/alto-networkmap-params/filtered", "a filtered network map is a resource of its own with goalto-alto:filter-algorithm")
		return false
	}
	return true
}

// dependsOnMain checks that the dependencies of a resource computed from
// the main network map name only that map.
func (m *mapper) dependsOnMain(r *resourceCtx) bool {
	for _, d := range contentOf(member(r.e, "dependency", modALTO)) {
		if d.Value != m.mainMap {
			m.fail(d, r.path+"/dependency", fmt.Sprintf("altod computes this resource from the main network map %s, not from %s", m.mainMap, d.Value))
			return false
		}
	}
	return true
}

// mainNetworkMap maps the pid-rule algorithm to the network-map,
// topology, prefixes, groups, properties and costs of the definition.
func (m *mapper) mainNetworkMap(r *resourceCtx, params *yaml.Node) {
	if m.mainMap != "" {
		m.fail(r.e, r.path, fmt.Sprintf("only one network map can use pid-rule-algorithm; %s does already", m.mainMap))
		return
	}
	m.mainMap = r.id
	alg := member(params, "pid-rule-algorithm", modGoalto)
	ap := r.path + "/alto-networkmap-params/goalto-alto:pid-rule-algorithm"
	nm := map[string]any{"resource-id": r.id}
	m.origins["network-map"] = origin{ap, alg.Line}
	for _, f := range []string{"default-pid", "default-node"} {
		if v := member(alg, f, modGoalto); v != nil {
			nm[f] = v.Value
			m.origins["network-map."+f] = origin{ap + "/" + f, v.Line}
		}
	}
	if v := member(alg, "rule", modGoalto); v != nil {
		nm["pids"] = v.Value
		m.origins["network-map.pids"] = origin{ap + "/rule", v.Line}
	}
	if v := member(alg, "max-cost-map-pids", modGoalto); v != nil {
		nm["max-cost-map-pids"] = mustInt(v.Value)
	}
	m.out["network-map"] = nm
	if t := member(alg, "topology", modGoalto); t != nil {
		if p, ok := m.sourcePath(t, ap+"/topology", "topology-file", "topology"); ok {
			m.out["topology"] = p
		}
	}
	var prefixes []any
	for _, s := range contentOf(member(alg, "prefix-source", modGoalto)) {
		if p, ok := m.sourcePath(s, ap+"/prefix-source", "prefix-table", fmt.Sprintf("prefixes[%d]", len(prefixes))); ok {
			prefixes = append(prefixes, p)
		}
	}
	if prefixes != nil {
		m.out["prefixes"] = prefixes
	}
	m.groups(member(alg, "group", modGoalto), ap)
	m.prefixProperties(member(alg, "prefix-properties", modGoalto), ap)
	m.costs(member(alg, "cost", modGoalto), ap)
}

func (m *mapper) groups(list *yaml.Node, ap string) {
	var out []any
	for i, e := range contentOf(list) {
		pid := member(e, "pid", modGoalto).Value
		g := map[string]any{"pid": pid, "prefixes": stringsAny(values(member(e, "prefix", modGoalto)))}
		if n := member(e, "node", modGoalto); n != nil {
			g["node"] = n.Value
		}
		if props := properties(member(e, "property", modGoalto)); len(props) > 0 {
			g["properties"] = props
		}
		out = append(out, g)
		m.origins[fmt.Sprintf("groups[%d]", i)] = origin{fmt.Sprintf("%s/group[pid='%s']", ap, pid), e.Line}
	}
	if out != nil {
		m.out["groups"] = out
	}
}

func (m *mapper) prefixProperties(list *yaml.Node, ap string) {
	var out []any
	for i, e := range contentOf(list) {
		prefix := member(e, "prefix", modGoalto).Value
		out = append(out, map[string]any{"prefix": prefix, "values": properties(member(e, "property", modGoalto))})
		m.origins[fmt.Sprintf("properties[%d]", i)] = origin{fmt.Sprintf("%s/prefix-properties[prefix='%s']", ap, prefix), e.Line}
	}
	if out != nil {
		m.out["properties"] = out
	}
}

// properties maps a property list; a property without a value maps to
// null, which hides the value of a less specific prefix.
func properties(list *yaml.Node) map[string]any {
	out := map[string]any{}
	for _, e := range contentOf(list) {
		name := member(e, "name", modGoalto).Value
		if v := member(e, "value", modGoalto); v != nil {
			out[name] = v.Value
		} else {
			out[name] = nil
		}
	}
	return out
}

func (m *mapper) costs(list *yaml.Node, ap string) {
	out := map[string]map[string]map[string]any{}
	for _, e := range contentOf(list) {
		metric := member(e, "cost-metric", modGoalto).Value
		src, dst := member(e, "src", modGoalto).Value, member(e, "dst", modGoalto).Value
		if out[metric] == nil {
			out[metric] = map[string]map[string]any{}
			m.origins["costs."+metric] = origin{ap + "/cost", e.Line}
		}
		if out[metric][src] == nil {
			out[metric][src] = map[string]any{}
		}
		out[metric][src][dst] = mustFloat(member(e, "value", modGoalto).Value)
	}
	if len(out) > 0 {
		m.out["costs"] = out
	}
}

func (m *mapper) staticPIDs(r *resourceCtx, alg *yaml.Node) {
	em := map[string]any{"resource-id": r.id}
	if v := member(alg, "default-pid", modGoalto); v != nil {
		em["default-pid"] = v.Value
	}
	pids := map[string]any{}
	for _, e := range contentOf(member(alg, "pid", modGoalto)) {
		pids[member(e, "name", modGoalto).Value] = stringsAny(values(member(e, "prefix", modGoalto)))
	}
	em["pids"] = pids
	extra, _ := m.out["extra-network-maps"].([]any)
	m.origins[fmt.Sprintf("extra-network-maps[%d]", len(extra))] = origin{r.path + "/alto-networkmap-params/goalto-alto:static-pids-algorithm", alg.Line}
	m.out["extra-network-maps"] = append(extra, em)
}
