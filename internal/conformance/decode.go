package conformance

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/netip"
	"slices"
	"strconv"

	"github.com/goalto/goalto/alto"
)

// decodeJSON decodes one JSON text, keeping numbers as json.Number so
// that a check can tell a number from a string.
func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, fmt.Errorf("data after the JSON text")
	}
	return v, nil
}

// decodeObject decodes a JSON object.
func decodeObject(b []byte) (map[string]any, error) {
	v, err := decodeJSON(b)
	if err != nil {
		return nil, err
	}
	o, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("a JSON %s, not an object", jsonKind(v))
	}
	return o, nil
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case json.Number, float64:
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", v)
}

// member returns the member of an object with the given JSON kind, or
// an error that names the path.
func member[T any](o map[string]any, name, path string) (T, error) {
	var zero T
	v, ok := o[name]
	if !ok {
		return zero, fmt.Errorf("missing %q", path)
	}
	t, ok := v.(T)
	if !ok {
		return zero, fmt.Errorf("%q is a JSON %s, not %s", path, jsonKind(v), kindName(zero))
	}
	return t, nil
}

func kindName(v any) string {
	switch v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	}
	return fmt.Sprintf("%T", v)
}

// errorMeta is the "meta" of an ALTO error response, RFC 7285, Section
// 8.5.2.
type errorMeta struct {
	Code               string
	Field, Value       string
	hasField, hasValue bool
}

func parseErrorMeta(b []byte) (*errorMeta, error) {
	o, err := decodeObject(b)
	if err != nil {
		return nil, err
	}
	meta, err := member[map[string]any](o, "meta", "meta")
	if err != nil {
		return nil, err
	}
	code, err := member[string](meta, "code", "meta/code")
	if err != nil {
		return nil, err
	}
	m := &errorMeta{Code: code}
	if v, ok := meta["field"]; ok {
		m.hasField = true
		if m.Field, ok = v.(string); !ok {
			return nil, fmt.Errorf(`"meta/field" is a JSON %s, not a string`, jsonKind(v))
		}
	}
	if v, ok := meta["value"]; ok {
		m.hasValue = true
		if m.Value, ok = v.(string); !ok {
			return nil, fmt.Errorf(`"meta/value" is a JSON %s, not a string (RFC 7285, Section 8.5.2)`, jsonKind(v))
		}
	}
	return m, nil
}

// versionTag is a VersionTag, RFC 7285, Section 10.3.
type versionTag struct {
	ResourceID, Tag string
}

func (v versionTag) String() string { return v.ResourceID + "@" + v.Tag }

func parseVersionTag(v any, path string) (versionTag, error) {
	o, ok := v.(map[string]any)
	if !ok {
		return versionTag{}, fmt.Errorf("%q is a JSON %s, not an object", path, jsonKind(v))
	}
	id, err := member[string](o, "resource-id", path+"/resource-id")
	if err != nil {
		return versionTag{}, err
	}
	tag, err := member[string](o, "tag", path+"/tag")
	if err != nil {
		return versionTag{}, err
	}
	return versionTag{ResourceID: id, Tag: tag}, nil
}

// checkTag checks a version tag string, RFC 7285, Section 10.3: at most
// 64 characters from U+0021 to U+007E, and not empty.
func checkTag(tag string) error {
	if !alto.ValidTag(tag) {
		return fmt.Errorf("tag %q of %d bytes is not 1 to 64 characters from U+0021 to U+007E", excerpt([]byte(tag)), len(tag))
	}
	return nil
}

// networkMap is a parsed InfoResourceNetworkMap, RFC 7285, Section
// 11.2.1.6. Address groups of types other than ipv4 and ipv6 keep only
// their presence.
type networkMap struct {
	VTag    versionTag
	HasVTag bool
	// PIDs maps each PID to its prefixes by address type.
	PIDs map[string]map[string][]netip.Prefix
}

// parseNetworkMap decodes a network map and checks its schema: the
// meta field, PID names (Section 10.1), address types (Section 10.4.2)
// and prefixes (Section 10.4.4). A missing vtag is left to the caller.
func parseNetworkMap(body []byte) (*networkMap, error) {
	o, err := decodeObject(body)
	if err != nil {
		return nil, err
	}
	meta, err := member[map[string]any](o, "meta", "meta")
	if err != nil {
		return nil, err
	}
	m := &networkMap{PIDs: map[string]map[string][]netip.Prefix{}}
	if v, ok := meta["vtag"]; ok {
		if m.VTag, err = parseVersionTag(v, "meta/vtag"); err != nil {
			return nil, err
		}
		m.HasVTag = true
	}
	data, err := member[map[string]any](o, "network-map", "network-map")
	if err != nil {
		return nil, err
	}
	for pid, v := range data {
		if !alto.ValidPIDName(pid) {
			return nil, fmt.Errorf("PID name %q is not 1 to 64 characters from letters, digits, '-', ':', '@' and '_' (RFC 7285, Section 10.1)", pid)
		}
		group, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%q is a JSON %s, not an EndpointAddrGroup object", "network-map/"+pid, jsonKind(v))
		}
		if m.PIDs[pid], err = parseAddrGroup(group, "network-map/"+pid); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// parseAddrGroup parses an EndpointAddrGroup, RFC 7285, Section 10.4.5.
func parseAddrGroup(group map[string]any, path string) (map[string][]netip.Prefix, error) {
	out := map[string][]netip.Prefix{}
	for typ, v := range group {
		if !validAddressType(typ) {
			return nil, fmt.Errorf("address type %q in %q has characters other than letters and digits (RFC 7285, Section 10.4.2)", typ, path)
		}
		list, ok := v.([]any)
		if !ok {
			return nil, fmt.Errorf("%q is a JSON %s, not an array of prefixes", path+"/"+typ, jsonKind(v))
		}
		prefixes := []netip.Prefix{}
		for _, item := range list {
			s, ok := item.(string)
			if !ok {
				return nil, fmt.Errorf("%q has a JSON %s, not a prefix string", path+"/"+typ, jsonKind(item))
			}
			if typ != alto.AddressTypeIPv4 && typ != alto.AddressTypeIPv6 {
				continue
			}
			p, err := parsePrefix(typ, s)
			if err != nil {
				return nil, fmt.Errorf("%q: %w", path+"/"+typ, err)
			}
			prefixes = append(prefixes, p)
		}
		out[typ] = prefixes
	}
	return out, nil
}

// parsePrefix parses an endpoint prefix of an address type, RFC 7285,
// Section 10.4.4: an address, "/" and a prefix length.
func parsePrefix(typ, s string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("invalid %s prefix %q", typ, s)
	}
	if (typ == alto.AddressTypeIPv4) != p.Addr().Is4() {
		return netip.Prefix{}, fmt.Errorf("prefix %q is not of address type %s", s, typ)
	}
	return p, nil
}

func validAddressType(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

// costMap is a parsed InfoResourceCostMap, RFC 7285, Section 11.2.3.6,
// or the data of an InfoResourceEndpointCostMap (Section 11.5.1.6).
type costMap struct {
	CostType       *alto.CostType
	DependentVTags []versionTag
	// Costs holds the costs that are JSON numbers.
	Costs map[string]map[string]float64
	// NonNumbers lists the costs that are not JSON numbers, as
	// "src -> dst: value".
	NonNumbers []string
}

// parseCostMap decodes a cost map or an endpoint cost map, whose data
// member is named data, and checks its structure. Costs that are not
// JSON numbers are listed in NonNumbers rather than failing the parse.
func parseCostMap(body []byte, data string) (*costMap, error) {
	o, err := decodeObject(body)
	if err != nil {
		return nil, err
	}
	meta, err := member[map[string]any](o, "meta", "meta")
	if err != nil {
		return nil, err
	}
	m := &costMap{Costs: map[string]map[string]float64{}}
	if v, ok := meta["cost-type"]; ok {
		ct, err := parseCostType(v, "meta/cost-type")
		if err != nil {
			return nil, err
		}
		m.CostType = &ct
	}
	if v, ok := meta["dependent-vtags"]; ok {
		if m.DependentVTags, err = parseVersionTags(v, "meta/dependent-vtags"); err != nil {
			return nil, err
		}
	}

	rows, err := member[map[string]any](o, data, data)
	if err != nil {
		return nil, err
	}
	for src, v := range rows {
		row, ok := v.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("%q is a JSON %s, not an object", data+"/"+src, jsonKind(v))
		}
		m.Costs[src] = map[string]float64{}
		for dst, c := range row {
			n, ok := c.(json.Number)
			if !ok {
				m.NonNumbers = append(m.NonNumbers, fmt.Sprintf("%s -> %s: %s", src, dst, compactJSON(c)))
				continue
			}
			f, err := n.Float64()
			if err != nil {
				m.NonNumbers = append(m.NonNumbers, fmt.Sprintf("%s -> %s: %s", src, dst, n))
				continue
			}
			m.Costs[src][dst] = f
		}
	}
	slices.Sort(m.NonNumbers)
	return m, nil
}

func parseVersionTags(v any, path string) ([]versionTag, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, fmt.Errorf("%q is a JSON %s, not an array", path, jsonKind(v))
	}
	var out []versionTag
	for i, item := range list {
		vt, err := parseVersionTag(item, fmt.Sprintf("%s/%d", path, i))
		if err != nil {
			return nil, err
		}
		out = append(out, vt)
	}
	return out, nil
}

// parseCostType parses a CostType, RFC 7285, Section 10.7.
func parseCostType(v any, path string) (alto.CostType, error) {
	o, ok := v.(map[string]any)
	if !ok {
		return alto.CostType{}, fmt.Errorf("%q is a JSON %s, not an object", path, jsonKind(v))
	}
	mode, err := member[string](o, "cost-mode", path+"/cost-mode")
	if err != nil {
		return alto.CostType{}, err
	}
	metric, err := member[string](o, "cost-metric", path+"/cost-metric")
	if err != nil {
		return alto.CostType{}, err
	}
	return alto.CostType{Mode: mode, Metric: metric}, nil
}

// checkOrdinalValues checks that ordinal costs are non-negative
// integers, RFC 7285, Section 6.1.2.2.
func checkOrdinalValues(m *costMap) error {
	for _, src := range sortedKeys(m.Costs) {
		for _, dst := range sortedKeys(m.Costs[src]) {
			v := m.Costs[src][dst]
			if v < 0 || v != math.Trunc(v) {
				return fmt.Errorf("ordinal cost %s -> %s is %s, not a non-negative integer (RFC 7285, Section 6.1.2.2)", src, dst, formatCost(v))
			}
		}
	}
	return nil
}

func formatCost(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

func compactJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// jsonDiff returns "" when a and b are equal JSON values, and otherwise
// the path and values of the first difference. Numbers compare by
// value, so 5 and 5.0 are equal.
func jsonDiff(a, b any, path string) string {
	switch av := a.(type) {
	case map[string]any:
		bv, ok := b.(map[string]any)
		if !ok {
			return fmt.Sprintf("%s: %s vs %s", pathOrRoot(path), jsonKind(a), jsonKind(b))
		}
		keys := sortedKeys(av)
		for _, k := range sortedKeys(bv) {
			if _, ok := av[k]; !ok {
				keys = append(keys, k)
			}
		}
		slices.Sort(keys)
		for _, k := range keys {
			x, inA := av[k]
			y, inB := bv[k]
			switch {
			case !inA:
				return fmt.Sprintf("%s/%s: missing vs %s", path, k, excerpt([]byte(compactJSON(y))))
			case !inB:
				return fmt.Sprintf("%s/%s: %s vs missing", path, k, excerpt([]byte(compactJSON(x))))
			}
			if d := jsonDiff(x, y, path+"/"+k); d != "" {
				return d
			}
		}
		return ""
	case []any:
		bv, ok := b.([]any)
		if !ok {
			return fmt.Sprintf("%s: %s vs %s", pathOrRoot(path), jsonKind(a), jsonKind(b))
		}
		for i := 0; i < len(av) && i < len(bv); i++ {
			if d := jsonDiff(av[i], bv[i], fmt.Sprintf("%s/%d", path, i)); d != "" {
				return d
			}
		}
		if len(av) != len(bv) {
			return fmt.Sprintf("%s: %d vs %d elements", pathOrRoot(path), len(av), len(bv))
		}
		return ""
	case json.Number:
		bv, ok := b.(json.Number)
		if !ok {
			return fmt.Sprintf("%s: %s vs %s", pathOrRoot(path), av, compactJSON(b))
		}
		x, errA := av.Float64()
		y, errB := bv.Float64()
		if errA != nil || errB != nil || x != y {
			return fmt.Sprintf("%s: %s vs %s", pathOrRoot(path), av, bv)
		}
		return ""
	default:
		if compactJSON(a) != compactJSON(b) {
			return fmt.Sprintf("%s: %s vs %s", pathOrRoot(path), excerpt([]byte(compactJSON(a))), excerpt([]byte(compactJSON(b))))
		}
		return ""
	}
}

func pathOrRoot(path string) string {
	if path == "" {
		return "/"
	}
	return path
}

// bodyDiff compares two JSON bodies as values.
func bodyDiff(a, b []byte) (string, error) {
	x, err := decodeJSON(a)
	if err != nil {
		return "", err
	}
	y, err := decodeJSON(b)
	if err != nil {
		return "", err
	}
	return jsonDiff(x, y, ""), nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// marshal encodes a request body; the values are built by the checks
// and always encode.
func marshal(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("encoding a request body: %v", err))
	}
	return b
}

// costTypeJSON is a CostType as a request member.
func costTypeJSON(ct alto.CostType) map[string]any {
	return map[string]any{"cost-mode": ct.Mode, "cost-metric": ct.Metric}
}

func costTypeText(ct alto.CostType) string { return ct.Metric + "/" + ct.Mode }
