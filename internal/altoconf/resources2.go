package altoconf

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/goalto/goalto/internal/netdef"
)

// costResource maps a cost map or endpoint cost resource: plain,
// filtered or path vector.
func (m *mapper) costResource(r *resourceCtx, params *yaml.Node, plain, filtered, pathVector string) bool {
	pp := r.path + "/" + paramsName(r.typ)
	if pv := member(params, "path-vector-algorithm", modGoalto); pv != nil {
		r.out["type"] = pathVector
		if props := values(member(pv, "ane-property", modGoalto)); len(props) > 0 {
			r.out["ane-properties"] = stringsAny(props)
		}
		r.out["merge-shared-links"] = boolValue(member(pv, "merge-shared-links", modGoalto))
		if pm := member(pv, "persistent-map", modGoalto); pm != nil {
			r.out["persistent-map"] = pm.Value
		}
	} else {
		r.out["type"] = plain
		if boolValue(member(params, "filtered", modALTO)) {
			r.out["type"] = filtered
		}
	}
	r.out["cost-types"] = stringsAny(values(member(params, "cost-type-name", modALTO)))
	r.out["constraints"] = boolValue(member(params, "cost-constraints", modALTO))
	if v := member(params, "max-cost-types", modALTO); v != nil && v.Value != "0" {
		r.out["max-cost-types"] = mustInt(v.Value)
	}
	if t := values(member(params, "testable-cost-type-name", modALTO)); len(t) > 0 {
		r.out["testable-cost-types"] = stringsAny(t)
	}
	if !m.calendar(r, params, pp) {
		return false
	}
	return m.dependsOnMain(r)
}

func paramsName(typ string) string {
	return map[string]string{"cost-map": "alto-costmap-params", "endpoint-cost": "alto-endpointcost-params"}[typ]
}

// calendar maps calendar-attributes with the calendar file that the
// cost algorithm names (RFC 8896, Section 4.1).
func (m *mapper) calendar(r *resourceCtx, params *yaml.Node, pp string) bool {
	cal := member(params, "calendar-attributes", modALTO)
	srcs := contentOf(member(member(params, "topology-cost-algorithm", modGoalto), "calendar-source", modGoalto))
	if cal == nil {
		if len(srcs) > 0 {
			m.fail(srcs[0], pp+"/goalto-alto:topology-cost-algorithm/calendar-source", "calendar-source needs calendar-attributes")
			return false
		}
		return true
	}
	for _, leaf := range []string{"cost-type-name", "time-interval-size", "number-of-intervals"} {
		if member(cal, leaf, modALTO) == nil {
			m.fail(cal, pp+"/calendar-attributes/"+leaf, "missing "+leaf+", which calendar attributes need (RFC 8896, Section 4.1)")
			return false
		}
	}
	if len(srcs) != 1 {
		m.fail(cal, pp+"/calendar-attributes", "calendar-attributes needs exactly one goalto-alto:calendar-source in topology-cost-algorithm, the file of the calendar values")
		return false
	}
	file, ok := m.sourcePath(srcs[0], pp+"/goalto-alto:topology-cost-algorithm/calendar-source", "calendar-file", "")
	if !ok {
		return false
	}
	size, _ := strconv.ParseFloat(member(cal, "time-interval-size", modALTO).Value, 64)
	r.out["calendar"] = map[string]any{
		"cost-types":          stringsAny(values(member(cal, "cost-type-name", modALTO))),
		"time-interval-size":  size,
		"number-of-intervals": mustInt(member(cal, "number-of-intervals", modALTO).Value),
		"file":                file,
	}
	return true
}

// endpointPropResource maps an endpoint property resource; its prop-type
// list names the properties it offers, "<network map>.pid" included.
func (m *mapper) endpointPropResource(r *resourceCtx) bool {
	params := member(r.e, "alto-endpointprop-params", modALTO)
	if member(params, "configured-properties-algorithm", modGoalto) == nil {
		m.fail(params, r.path+"/alto-endpointprop-params", "altod serves endpoint properties with goalto-alto:configured-properties-algorithm")
		return false
	}
	r.out["type"] = netdef.TypeEndpointProperty
	var extra []string
	for _, p := range contentOf(member(params, "prop-type", modALTO)) {
		if strings.HasSuffix(p.Value, ".pid") {
			if p.Value != m.mainMap+".pid" {
				m.fail(p, r.path+"/alto-endpointprop-params/prop-type", fmt.Sprintf("altod offers the PID property of the main network map, %s.pid", m.mainMap))
				return false
			}
			continue
		}
		extra = append(extra, p.Value)
	}
	if extra != nil {
		r.out["properties"] = stringsAny(extra)
	}
	return true
}

func (m *mapper) propertyMapResource(r *resourceCtx) bool {
	params := member(r.e, "alto-propmap-params", modALTO)
	alg := member(params, "property-map-algorithm", modGoalto)
	ap := r.path + "/alto-propmap-params/goalto-alto:property-map-algorithm"
	if alg == nil {
		m.fail(params, r.path+"/alto-propmap-params", "altod serves property maps with goalto-alto:property-map-algorithm")
		return false
	}
	r.out["type"] = netdef.TypePropertyMap
	if boolValue(member(alg, "filtered", modGoalto)) {
		r.out["type"] = netdef.TypeFilteredPropertyMap
	}
	mappings := map[string]any{}
	for _, e := range contentOf(member(alg, "mapping", modGoalto)) {
		mappings[member(e, "entity-domain", modGoalto).Value] = stringsAny(values(member(e, "property", modGoalto)))
	}
	r.out["mappings"] = mappings
	entities := map[string]any{}
	for _, e := range contentOf(member(alg, "entity", modGoalto)) {
		id := member(e, "entity-id", modGoalto).Value
		props := map[string]any{}
		for _, p := range contentOf(member(e, "property", modGoalto)) {
			v, err := jsonText(member(p, "value", modGoalto).Value)
			if err != nil {
				m.fail(p, fmt.Sprintf("%s/entity[entity-id='%s']/property", ap, id), err.Error())
				return false
			}
			props[member(p, "name", modGoalto).Value] = v
		}
		entities[id] = props
	}
	if len(entities) > 0 {
		r.out["entities"] = entities
	}
	if w := member(alg, "wlcg-source", modGoalto); w != nil {
		p, ok := m.sourcePath(w, ap+"/wlcg-source", "wlcg-site-table", "property-sources")
		if !ok {
			return false
		}
		ps, _ := m.out["property-sources"].(map[string]any)
		if ps != nil && ps["wlcg"] != p {
			m.fail(w, ap+"/wlcg-source", "every property map of altod reads the same WLCG site table")
			return false
		}
		m.out["property-sources"] = map[string]any{"wlcg": p}
	}
	return true
}

func (m *mapper) cdniResource(r *resourceCtx) bool {
	params := member(r.e, "alto-cdni-params", modALTO)
	alg := member(params, "advertisement-files-algorithm", modGoalto)
	ap := r.path + "/alto-cdni-params/goalto-alto:advertisement-files-algorithm"
	if alg == nil {
		m.fail(params, r.path+"/alto-cdni-params", "altod serves CDNI advertisements with goalto-alto:advertisement-files-algorithm")
		return false
	}
	r.out["type"] = netdef.TypeCDNI
	if boolValue(member(alg, "filtered", modGoalto)) {
		r.out["type"] = netdef.TypeFilteredCDNI
	}
	var ads []any
	for _, s := range contentOf(member(alg, "advertisement-source", modGoalto)) {
		p, ok := m.sourcePath(s, ap+"/advertisement-source", "cdni-advertisement-file", "")
		if !ok {
			return false
		}
		ads = append(ads, map[string]any{"file": p})
	}
	r.out["advertisements"] = ads
	if nm := member(alg, "network-map", modGoalto); nm != nil {
		r.out["uses"] = []any{nm.Value}
	}
	return true
}

func (m *mapper) updateResource(r *resourceCtx) bool {
	params := member(r.e, "alto-update-params", modALTO)
	var alg *yaml.Node
	switch {
	case member(params, "sse-algorithm", modGoalto) != nil:
		r.out["type"] = netdef.TypeUpdateStream
		alg = member(params, "sse-algorithm", modGoalto)
	case member(params, "tips-algorithm", modGoalto) != nil:
		r.out["type"] = netdef.TypeTIPS
		alg = member(params, "tips-algorithm", modGoalto)
	default:
		m.fail(params, r.path+"/alto-update-params", "altod serves updates with goalto-alto:sse-algorithm or tips-algorithm")
		return false
	}
	if offered := values(member(alg, "offered-resource", modGoalto)); len(offered) > 0 {
		r.out["uses"] = stringsAny(offered)
	}
	return true
}

func contentOf(n *yaml.Node) []*yaml.Node {
	if n == nil {
		return nil
	}
	return n.Content
}

func stringsAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return slices.Clip(out)
}

func mustInt(s string) int64 {
	v, _ := strconv.ParseInt(s, 10, 64)
	return v
}

func mustFloat(s string) float64 {
	v, _ := strconv.ParseFloat(s, 64)
	return v
}
