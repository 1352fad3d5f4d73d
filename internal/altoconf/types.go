package altoconf

import (
	"encoding/base64"
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/goalto/goalto/internal/yangschema"
)

// intBounds are the value spaces of the integer built-in types (RFC 7950,
// Section 9.2).
var intBounds = map[string][2]string{
	"int8": {"-128", "127"}, "int16": {"-32768", "32767"},
	"int32": {"-2147483648", "2147483647"}, "int64": {"-9223372036854775808", "9223372036854775807"},
	"uint8": {"0", "255"}, "uint16": {"0", "65535"},
	"uint32": {"0", "4294967295"}, "uint64": {"0", "18446744073709551615"},
}

// typeError is a value that its type rejects.
type typeError struct{ rule, msg string }

// checkValue checks a leaf or leaf-list value against its type and
// returns the canonical string of the value. leafModule qualifies
// identities written without a module name (RFC 7951, Section 6.8).
func (v *validator) checkValue(t *yangschema.Type, n *yaml.Node, leafModule string) (string, *typeError) {
	if t.Base == "empty" {
		if n.Kind == yaml.SequenceNode && len(n.Content) == 1 && n.Content[0].ShortTag() == "!!null" {
			return "", nil
		}
		return "", &typeError{RuleType, "a leaf of type empty is written [null]"}
	}
	if n.Kind != yaml.ScalarNode || n.ShortTag() == "!!null" {
		return "", &typeError{RuleType, fmt.Sprintf("expected a %s value", typeName(t))}
	}
	s := n.Value
	switch t.Base {
	case "union":
		for _, m := range t.Union {
			if c, err := v.checkValue(m, n, leafModule); err == nil {
				return c, nil
			}
		}
		return "", &typeError{RuleType, fmt.Sprintf("%q matches no member type of %s", s, typeName(t))}
	case "leafref":
		target := v.leafrefTarget(t.Path)
		if target == nil || target.Type == nil {
			return s, nil
		}
		return v.checkValue(target.Type, n, target.Module)
	case "boolean":
		if n.ShortTag() != "!!bool" && !(v.lenient && (s == "true" || s == "false")) {
			return "", &typeError{RuleType, fmt.Sprintf("%q is not a boolean: write true or false", s)}
		}
		return s, nil
	case "decimal64":
		return checkDecimal(t, n)
	case "identityref":
		return v.checkIdentity(t, s, leafModule)
	}
	if _, ok := intBounds[t.Base]; ok {
		return checkInteger(t, n)
	}
	if n.ShortTag() != "!!str" && !v.lenient {
		return "", &typeError{RuleType, fmt.Sprintf("%s is not a string; write it in quotes", s)}
	}
	return checkString(t, s)
}

func typeName(t *yangschema.Type) string {
	if t.Name != "" && t.Name != t.Base {
		return t.Name + " (" + t.Base + ")"
	}
	return t.Base
}

func checkString(t *yangschema.Type, s string) (string, *typeError) {
	switch t.Base {
	case "enumeration":
		if !slices.Contains(t.Enums, s) {
			return "", &typeError{RuleEnum, fmt.Sprintf("%q is not one of %s", s, strings.Join(t.Enums, ", "))}
		}
		return s, nil
	case "bits":
		for _, b := range strings.Fields(s) {
			if !slices.Contains(t.Bits, b) {
				return "", &typeError{RuleType, fmt.Sprintf("bit %q is not one of %s", b, strings.Join(t.Bits, ", "))}
			}
		}
		return s, nil
	case "binary":
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			return "", &typeError{RuleType, fmt.Sprintf("not base64: %v", err)}
		}
		if !inIntervals(t.Length, big.NewRat(int64(len(b)), 1)) {
			return "", &typeError{RuleLength, fmt.Sprintf("%d bytes is outside the length %s", len(b), intervals(t.Length))}
		}
		return s, nil
	}
	if n := utf8.RuneCountInString(s); !inIntervals(t.Length, big.NewRat(int64(n), 1)) {
		return "", &typeError{RuleLength, fmt.Sprintf("%q has %d characters, outside the length %s of %s", s, n, intervals(t.Length), typeName(t))}
	}
	for _, p := range t.Patterns {
		re := pattern(p)
		if re != nil && !re.MatchString(s) {
			return "", &typeError{RulePattern, fmt.Sprintf("%q does not match the pattern %s of %s", s, p, typeName(t))}
		}
	}
	return s, nil
}

func checkInteger(t *yangschema.Type, n *yaml.Node) (string, *typeError) {
	s := n.Value
	if tag := n.ShortTag(); tag != "!!int" && tag != "!!str" {
		return "", &typeError{RuleType, fmt.Sprintf("%q is not an integer", s)}
	}
	x, ok := new(big.Int).SetString(s, 10)
	if !ok {
		return "", &typeError{RuleType, fmt.Sprintf("%q is not a decimal integer", s)}
	}
	b := intBounds[t.Base]
	r := new(big.Rat).SetInt(x)
	if !inIntervals([]yangschema.Interval{{Min: b[0], Max: b[1]}}, r) {
		return "", &typeError{RuleRange, fmt.Sprintf("%s is outside the values of %s, %s..%s", s, t.Base, b[0], b[1])}
	}
	if !inIntervals(t.Range, r) {
		return "", &typeError{RuleRange, fmt.Sprintf("%s is outside the range %s of %s", s, intervals(t.Range), typeName(t))}
	}
	return x.String(), nil
}

func checkDecimal(t *yangschema.Type, n *yaml.Node) (string, *typeError) {
	s := n.Value
	r, ok := new(big.Rat).SetString(s)
	if !ok || strings.ContainsAny(s, "eE/") {
		return "", &typeError{RuleType, fmt.Sprintf("%q is not a decimal number", s)}
	}
	if _, frac, ok := strings.Cut(s, "."); ok && len(frac) > t.FractionDigits {
		return "", &typeError{RuleRange, fmt.Sprintf("%s has more than %d fraction digits", s, t.FractionDigits)}
	}
	if !inIntervals(t.Range, r) {
		return "", &typeError{RuleRange, fmt.Sprintf("%s is outside the range %s", s, intervals(t.Range))}
	}
	return s, nil
}

// checkIdentity checks an identityref value, "module:name" or a name in
// the module of the leaf, and returns it qualified.
func (v *validator) checkIdentity(t *yangschema.Type, s, leafModule string) (string, *typeError) {
	name := s
	if !strings.Contains(s, ":") {
		name = leafModule + ":" + s
	}
	id, ok := yangschema.IdentityByName(name)
	if !ok || !yangschema.DerivedFrom(name, t.Identity, false) {
		if mod, _, _ := strings.Cut(name, ":"); !knownModule(mod) {
			return "", &typeError{RuleModule, fmt.Sprintf("identity %s is from module %s, which altod does not implement", s, mod)}
		}
		return "", &typeError{RuleIdentity, fmt.Sprintf("%q is not an identity derived from %s", s, t.Identity)}
	}
	if !v.feats.Enabled(id.IfFeature) {
		return "", &typeError{RuleFeature, fmt.Sprintf("identity %s needs feature %s, which altod does not support", s, strings.Join(id.IfFeature, " and "))}
	}
	return name, nil
}

func inIntervals(ivs []yangschema.Interval, x *big.Rat) bool {
	if len(ivs) == 0 {
		return true
	}
	for _, iv := range ivs {
		if bound(iv.Min, x) >= 0 && bound(iv.Max, x) <= 0 {
			return true
		}
	}
	return false
}

// bound compares x with a bound: -1 when x is below it, 0 when equal, +1
// when above. The words min and max stand for the lowest and highest
// values, which x is never below or above.
func bound(b string, x *big.Rat) int {
	switch b {
	case "min":
		return 1
	case "max":
		return -1
	}
	r, ok := new(big.Rat).SetString(b)
	if !ok {
		return 0
	}
	return x.Cmp(r)
}

func intervals(ivs []yangschema.Interval) string {
	parts := make([]string, len(ivs))
	for i, iv := range ivs {
		if iv.Min == iv.Max {
			parts[i] = iv.Min
		} else {
			parts[i] = iv.Min + ".." + iv.Max
		}
	}
	return strings.Join(parts, " | ")
}

var patterns sync.Map // XSD pattern -> *regexp.Regexp, nil when it does not compile

// pattern compiles a YANG pattern, an XSD regular expression that must
// match the whole value (RFC 7950, Section 9.4.5), or returns nil for one
// that Go's regexp syntax cannot express.
func pattern(p string) *regexp.Regexp {
	if re, ok := patterns.Load(p); ok {
		return re.(*regexp.Regexp)
	}
	re, err := regexp.Compile("^(?:" + p + ")$")
	if err != nil {
		re = nil
	}
	patterns.Store(p, re)
	return re
}
