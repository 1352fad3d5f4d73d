package client

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/netip"
	"strconv"
	"strings"

	"github.com/goalto/goalto/alto"
)

// Rules of the response bodies, quoted in warnings.
const (
	ruleNetworkMapVTag     = "RFC 7285, Section 11.2.1.6: the meta of a network map MUST include vtag"
	ruleCostMapDependent   = "RFC 7285, Section 11.2.3.6: the meta of a cost map MUST include dependent-vtags"
	ruleCostMapNumber      = "RFC 7285, Section 11.2.3.6: a client SHOULD fail to parse a cost that is not a JSON number"
	ruleEndpointCostNumber = "RFC 7285, Section 11.5.1.6: a client SHOULD fail to parse a cost that is not a JSON number"
	ruleEndpointCostTyped  = "RFC 7285, Sections 10.4.1 and 11.5.1.6: the keys of an endpoint cost map are typed endpoint addresses"
	ruleEndpointPropTyped  = "RFC 7285, Sections 10.4.1 and 11.4.1.6: the keys of an endpoint property map are typed endpoint addresses"
)

// maxEndpointRequestSize is the number of bytes of an endpoint cost or
// property request that are read to learn its spelling of addresses.
const maxEndpointRequestSize = 1 << 20

// A bodyFixer returns a body that follows the RFC, the same slice when
// nothing needed a change, and the deviations it found. A body that is
// not valid JSON is returned as it is, for the client's decoder to
// report. req is the request that got the body.
type bodyFixer func(body []byte, req *http.Request) ([]byte, []Warning)

// bodyFixers maps a media type to the fixer of its responses.
var bodyFixers = map[string]bodyFixer{
	alto.MediaTypeNetworkMap:   fixNetworkMap,
	alto.MediaTypeCostMap:      fixCostMap,
	alto.MediaTypeEndpointCost: fixEndpointCost,
	alto.MediaTypeEndpointProp: fixEndpointProp,
}

// fixNetworkMap reports a network map without vtag. The body is left as
// it is, because the client reads such a map anyway.
func fixNetworkMap(body []byte, _ *http.Request) ([]byte, []Warning) {
	var top struct {
		Meta *struct {
			VTag json.RawMessage `json:"vtag"`
		} `json:"meta"`
	}
	if json.Unmarshal(body, &top) != nil {
		return body, nil
	}
	if top.Meta == nil || isNullOrEmpty(top.Meta.VTag) {
		return body, []Warning{{Deviation: DeviationMissingVTag, Detail: "meta has no vtag", Rule: ruleNetworkMapVTag}}
	}
	return body, nil
}

// fixCostMap reports a cost map without dependent-vtags and rewrites
// costs sent as JSON strings as numbers.
func fixCostMap(body []byte, _ *http.Request) ([]byte, []Warning) {
	var top map[string]json.RawMessage
	if json.Unmarshal(body, &top) != nil || top == nil {
		return body, nil
	}

	var warnings []Warning
	var meta struct {
		DependentVTags json.RawMessage `json:"dependent-vtags"`
	}
	if raw, ok := top["meta"]; !ok || json.Unmarshal(raw, &meta) != nil || isNullOrEmpty(meta.DependentVTags) {
		warnings = append(warnings, Warning{Deviation: DeviationMissingDependentVTags, Detail: "meta has no dependent-vtags", Rule: ruleCostMapDependent})
	}

	costs, ok := top["cost-map"]
	if !ok || !hasStringValue(costs) {
		return body, warnings
	}
	var m map[string]map[string]json.RawMessage
	if json.Unmarshal(costs, &m) != nil {
		return body, warnings
	}
	var fixes fixCount
	for _, src := range sortedKeys(m) {
		numberCosts(m[src], &fixes)
	}
	if fixes.n == 0 {
		return body, warnings
	}
	out, err := replaceMember(top, "cost-map", m)
	if err != nil {
		return body, warnings
	}
	return out, append(warnings, fixes.warning(DeviationStringCost, ruleCostMapNumber, "cost"))
}

// fixEndpointCost rewrites untyped endpoint keys as typed addresses and
// costs sent as JSON strings as numbers.
func fixEndpointCost(body []byte, req *http.Request) ([]byte, []Warning) {
	var top map[string]json.RawMessage
	if json.Unmarshal(body, &top) != nil || top == nil {
		return body, nil
	}
	var m map[string]map[string]json.RawMessage
	if raw, ok := top["endpoint-cost-map"]; !ok || json.Unmarshal(raw, &m) != nil {
		return body, nil
	}

	spellings := requestedEndpoints(req)
	var keys, costs fixCount
	out := make(map[string]map[string]json.RawMessage, len(m))
	for _, src := range sortedKeys(m) {
		row := m[src]
		numberCosts(row, &costs)
		fixedRow := make(map[string]json.RawMessage, len(row))
		for _, dst := range sortedKeys(row) {
			fixedRow[typedKey(dst, spellings, &keys)] = row[dst]
		}
		out[typedKey(src, spellings, &keys)] = fixedRow
	}
	if keys.n == 0 && costs.n == 0 {
		return body, nil
	}

	fixed, err := replaceMember(top, "endpoint-cost-map", out)
	if err != nil {
		return body, nil
	}
	var warnings []Warning
	if keys.n > 0 {
		warnings = append(warnings, keys.warning(DeviationUntypedEndpoint, ruleEndpointCostTyped, "key"))
	}
	if costs.n > 0 {
		warnings = append(warnings, costs.warning(DeviationStringCost, ruleEndpointCostNumber, "cost"))
	}
	return fixed, warnings
}

// fixEndpointProp rewrites untyped endpoint keys as typed addresses.
func fixEndpointProp(body []byte, req *http.Request) ([]byte, []Warning) {
	var top map[string]json.RawMessage
	if json.Unmarshal(body, &top) != nil || top == nil {
		return body, nil
	}
	var m map[string]json.RawMessage
	if raw, ok := top["endpoint-properties"]; !ok || json.Unmarshal(raw, &m) != nil {
		return body, nil
	}
	spellings := requestedEndpoints(req)
	var keys fixCount
	out := make(map[string]json.RawMessage, len(m))
	for _, ep := range sortedKeys(m) {
		out[typedKey(ep, spellings, &keys)] = m[ep]
	}
	if keys.n == 0 {
		return body, nil
	}
	fixed, err := replaceMember(top, "endpoint-properties", out)
	if err != nil {
		return body, nil
	}
	return fixed, []Warning{keys.warning(DeviationUntypedEndpoint, ruleEndpointPropTyped, "key")}
}

// fixCount counts the fixes of one kind in a body and keeps the first
// as an example.
type fixCount struct {
	n       int
	example string
}

func (f *fixCount) add(example string) {
	if f.n == 0 {
		f.example = example
	}
	f.n++
}

func (f *fixCount) warning(deviation Deviation, rule, noun string) Warning {
	detail := f.example
	switch {
	case f.n == 2:
		detail += ", and 1 more " + noun
	case f.n > 2:
		detail += fmt.Sprintf(", and %d more %ss", f.n-1, noun)
	}
	return Warning{Deviation: deviation, Detail: detail, Rule: rule}
}

// numberCosts replaces each cost in row that is a JSON string holding a
// finite number by that number.
func numberCosts(row map[string]json.RawMessage, fixes *fixCount) {
	for _, dst := range sortedKeys(row) {
		raw := row[dst]
		var s string
		if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		number := strconv.FormatFloat(v, 'g', -1, 64)
		row[dst] = json.RawMessage(number)
		fixes.add(fmt.Sprintf("%s read as %s", raw, number))
	}
}

// typedKey returns the typed address for an endpoint key without an
// address type: the request's spelling of the same address when there is
// one, and else the address with its type added. Other keys are
// returned as they are.
func typedKey(key string, spellings map[netip.Addr]string, fixes *fixCount) string {
	if _, ok := alto.ParseTypedAddr(key); ok {
		return key
	}
	addr, err := netip.ParseAddr(key)
	if err != nil || addr.Zone() != "" {
		return key
	}
	typed, ok := spellings[addr]
	if !ok {
		typed = typedAddr(addr)
	}
	fixes.add(fmt.Sprintf("%q read as %q", key, typed))
	return typed
}

// typedAddr returns the typed form of an address without zone.
func typedAddr(addr netip.Addr) string {
	if addr.Is4() {
		return alto.AddressTypeIPv4 + ":" + addr.String()
	}
	return alto.AddressTypeIPv6 + ":" + addr.String()
}

// requestedEndpoints returns the typed endpoint addresses of an endpoint
// cost or endpoint property request by address, or nil when the request
// body cannot be read again.
func requestedEndpoints(req *http.Request) map[netip.Addr]string {
	if req == nil || req.GetBody == nil {
		return nil
	}
	rc, err := req.GetBody()
	if err != nil {
		return nil
	}
	defer rc.Close()
	body, err := io.ReadAll(io.LimitReader(rc, maxEndpointRequestSize))
	if err != nil {
		return nil
	}

	var params struct {
		Endpoints json.RawMessage `json:"endpoints"`
	}
	if json.Unmarshal(body, &params) != nil {
		return nil
	}
	var list []string
	var lists alto.EndpointFilter
	if json.Unmarshal(params.Endpoints, &list) != nil {
		if json.Unmarshal(params.Endpoints, &lists) != nil {
			return nil
		}
		list = append(lists.Srcs, lists.Dsts...)
	}

	out := make(map[netip.Addr]string, len(list))
	for _, s := range list {
		if ta, ok := alto.ParseTypedAddr(s); ok {
			if _, dup := out[ta.Addr]; !dup {
				out[ta.Addr] = s
			}
		}
	}
	return out
}

// replaceMember encodes top with the member name set to v.
func replaceMember(top map[string]json.RawMessage, name string, v any) ([]byte, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	top[name] = raw
	return json.Marshal(top)
}

// isNullOrEmpty reports whether a JSON value is absent, null, or an
// empty array or object.
func isNullOrEmpty(raw json.RawMessage) bool {
	switch string(bytes.Join(bytes.Fields(raw), nil)) {
	case "", "null", "[]", "{}", `""`:
		return true
	}
	return false
}

// hasStringValue reports whether a JSON text has a string as the value
// of an object member at any depth. It only scans the bytes, so that the
// common case of a large cost map without strings costs one pass.
func hasStringValue(raw []byte) bool {
	inString, escaped, afterColon := false, false, false
	for _, b := range raw {
		if inString {
			switch {
			case escaped:
				escaped = false
			case b == '\\':
				escaped = true
			case b == '"':
				inString = false
			}
			continue
		}
		switch b {
		case ' ', '\t', '\n', '\r':
			continue
		case ':':
			afterColon = true
			continue
		case '"':
			if afterColon {
				return true
			}
			inString = true
		}
		afterColon = false
	}
	return false
}
