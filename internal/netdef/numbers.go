package netdef

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"regexp"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// numberPattern matches a number in YAML 1.2 or JSON form, such as 100,
// -2.5, .5 or 1e3.
var numberPattern = regexp.MustCompile(`^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`)

var (
	unmarshalerType = reflect.TypeFor[yaml.Unmarshaler]()
	calendarsType   = reflect.TypeFor[Calendars]()
	durationType    = reflect.TypeFor[time.Duration]() // decoded from "5s" by yaml.v3
)

// checkNumbers rejects a number that yaml.v3 would decode wrongly into a
// field of type t. yaml.v3 truncates a fraction in a whole-number field
// (2.5 becomes 2), so that is rejected, and so are a number out of the
// range of its field and a quoted string in a number field. It returns
// an *Error with the line, column and field of the first such value, or
// nil. A time.Duration field, which yaml.v3 reads from "5s", and a field
// whose type decodes itself (yaml.Unmarshaler) are left to the decoder.
func checkNumbers(n *yaml.Node, t reflect.Type, path string) *Error {
	if n == nil {
		return nil
	}
	if n.Kind == yaml.DocumentNode {
		if len(n.Content) == 0 {
			return nil
		}
		return checkNumbers(n.Content[0], t, path)
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == calendarsType {
		// Calendars is one calendar option or a list of them.
		if n.Kind == yaml.MappingNode {
			return checkNumbers(n, t.Elem(), path)
		}
		return checkList(n, t.Elem(), path)
	}
	if t == durationType || reflect.PointerTo(t).Implements(unmarshalerType) || t.Implements(unmarshalerType) {
		return nil
	}
	switch t.Kind() {
	case reflect.Struct:
		return checkStruct(n, t, path)
	case reflect.Map:
		return checkMap(n, t.Elem(), path)
	case reflect.Slice, reflect.Array:
		return checkList(n, t.Elem(), path)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		if n.Kind != yaml.ScalarNode {
			return nil
		}
		if err := checkNumber(n, t); err != nil {
			if t.Kind() == reflect.Uint32 && isASField(path) {
				err = fmt.Errorf("invalid AS number %q: must be an AS number from 0 to 4294967295", n.Value)
			}
			return &Error{Line: n.Line, Column: n.Column, Field: path, Err: err}
		}
	}
	return nil
}

// checkStruct checks the values of a mapping decoded into struct type t.
func checkStruct(n *yaml.Node, t reflect.Type, path string) *Error {
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		f, ok := fieldByKey(t, n.Content[i].Value)
		if !ok {
			continue // an unknown key is reported by the decoder
		}
		if e := checkNumbers(n.Content[i+1], f.Type, joinField(path, n.Content[i].Value)); e != nil {
			return e
		}
	}
	return nil
}

// fieldByKey returns the field of struct type t whose yaml tag, or
// lowercased name without a tag, is key.
func fieldByKey(t reflect.Type, key string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		if name == key {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// checkMap checks the values of a mapping decoded into a map whose values
// have type elem.
func checkMap(n *yaml.Node, elem reflect.Type, path string) *Error {
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if e := checkNumbers(n.Content[i+1], elem, joinField(path, n.Content[i].Value)); e != nil {
			return e
		}
	}
	return nil
}

// checkList checks the elements of a sequence decoded into a slice whose
// elements have type elem.
func checkList(n *yaml.Node, elem reflect.Type, path string) *Error {
	if n.Kind != yaml.SequenceNode {
		return nil
	}
	for i, c := range n.Content {
		// A scalar element is named by its list, as in the other errors
		// of the definition.
		p := path
		if c.Kind != yaml.ScalarNode {
			p = fmt.Sprintf("%s[%d]", path, i)
		}
		if e := checkNumbers(c, elem, p); e != nil {
			return e
		}
	}
	return nil
}

// checkNumber checks one scalar for a number field of type t. Values of
// other kinds, such as true, are left to the decoder's type error.
func checkNumber(n *yaml.Node, t reflect.Type) error {
	quoted := n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0
	if !quoted && numberPattern.MatchString(n.Value) {
		return checkNumberValue(n.Value, t)
	}
	if quoted || n.Tag == "!!str" {
		return fmt.Errorf("invalid number %q: %s, not a string", n.Value, wantNumber(t))
	}
	return nil
}

// checkNumberValue checks the text of a number against the range of type
// t, and rejects a fraction for an integer type.
func checkNumberValue(value string, t reflect.Type) error {
	v, ok := new(big.Float).SetString(value)
	if !ok {
		return nil // not a number big.Float reads; the decoder reports it
	}
	switch t.Kind() {
	case reflect.Float32, reflect.Float64:
		f, _ := v.Float64()
		if math.IsInf(f, 0) || (t.Kind() == reflect.Float32 && math.Abs(f) > math.MaxFloat32) {
			return fmt.Errorf("number %s is %w of a %d-bit floating-point number", value, errOutOfRange, t.Bits())
		}
		return nil
	}
	if !v.IsInt() {
		return fmt.Errorf("invalid number %s: %s, not a fraction", value, wantNumber(t))
	}
	lo, hi := intRange(t)
	if v.Cmp(lo) < 0 || v.Cmp(hi) > 0 {
		return fmt.Errorf("number %s is %w: want a whole number from %s to %s", value, errOutOfRange, lo.Text('f', 0), hi.Text('f', 0))
	}
	return nil
}

// errOutOfRange is the error of a number too large or too small for its
// field.
var errOutOfRange = errors.New("out of range")

// wantNumber describes the values a field of type t takes.
func wantNumber(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Float32, reflect.Float64:
		return "want a number, such as 100 or 2.5"
	}
	return "want a whole number, such as 100"
}

// intRange returns the smallest and largest value of integer type t.
func intRange(t reflect.Type) (lo, hi *big.Float) {
	bits := uint(t.Bits())
	switch t.Kind() {
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		max := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), bits), big.NewInt(1))
		return new(big.Float), new(big.Float).SetInt(max)
	}
	max := new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), bits-1), big.NewInt(1))
	min := new(big.Int).Neg(new(big.Int).Lsh(big.NewInt(1), bits-1))
	return new(big.Float).SetInt(min), new(big.Float).SetInt(max)
}
