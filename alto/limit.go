package alto

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"strconv"
	"strings"
)

// NewTooMany returns the E_INVALID_FIELD_VALUE error for a list of n
// distinct entries where the server accepts at most limit (RFC 7285,
// Section 8.5.2). Entries are distinct strings, so n must count a
// repeated string once.
func NewTooMany(field string, n, limit int) *Error {
	return &Error{
		Code:      ErrInvalidFieldValue,
		Field:     field,
		Value:     strconv.Itoa(n),
		Message:   fmt.Sprintf("the list has %d distinct entries; this server accepts at most %d", n, limit),
		listLimit: true,
	}
}

// ListLimitField returns the field of err when err, or an error that it
// wraps, was made by NewTooMany: a list over a server limit. Servers use
// it to count such rejections by the list's field.
func ListLimitField(err error) (string, bool) {
	var e *Error
	if !errors.As(err, &e) || !e.listLimit {
		return "", false
	}
	return e.Field, true
}

// checkLength rejects member name when it is an array of more than limit
// distinct entries. Other kinds are left to the decoder's type checks.
func (o object) checkLength(name string, limit int) error {
	raw, ok := o.fields[name]
	if !ok || limit <= 0 || JSONKind(raw) != "array" {
		return nil
	}
	return checkArrayLength(o.fieldPath(name), raw, limit)
}

// checkArrayLength rejects the validated JSON array raw at field when it
// has more than limit distinct entries.
func checkArrayLength(field string, raw []byte, limit int) error {
	n := countElements(raw)
	if n <= limit {
		return nil
	}
	// Duplicates count once, so count the distinct entries. A list with
	// escapes or non-strings goes to the full decoder instead.
	if d, ok := countDistinct(raw, n); ok && d > limit {
		return NewTooMany(field, d, limit)
	}
	return nil
}

// checkListLimit rejects body when a list at one of paths, such as
// "endpoints/srcs", has more than limit distinct entries, before any
// entry is decoded. A list of limit+1 entries needs at least limit
// commas, so a body with fewer commas is accepted after one
// bytes.Count. Any other body is validated with json.Valid and then
// scanned for the lists without decoding it. An invalid body is left to
// the decoder, which reports its syntax error.
func checkListLimit(body []byte, limit int, paths ...string) error {
	if limit <= 0 || bytes.Count(body, []byte{','}) < limit || !json.Valid(body) {
		return nil
	}
	for _, path := range paths {
		raw, ok := body, true
		for name := range strings.SplitSeq(path, "/") {
			if raw, ok = memberValue(raw, name); !ok {
				break
			}
		}
		if !ok || JSONKind(raw) != "array" {
			continue
		}
		if err := checkArrayLength(path, raw, limit); err != nil {
			return err
		}
	}
	return nil
}

// distinctSeed seeds the hashes of countDistinct.
var distinctSeed = maphash.MakeSeed()

// countDistinct counts the distinct strings of a validated JSON array of
// n strings without escapes. It reports false for any other array. It
// compares 64-bit hashes of the entries, so that no entry is copied.
// NOTE: two distinct entries with the same hash count once. That can
// only let a list pass this check, and the decoder's count after
// decoding still applies the limit.
func countDistinct(raw []byte, n int) (int, bool) {
	seen := make(map[uint64]struct{}, n)
	rest := bytes.TrimSpace(raw)
	rest = bytes.TrimSpace(rest[1 : len(rest)-1])
	for len(rest) > 0 {
		if rest[0] != '"' {
			return 0, false
		}
		end := bytes.IndexByte(rest[1:], '"')
		if end < 0 {
			return 0, false
		}
		entry := rest[1 : end+1]
		if bytes.IndexByte(entry, '\\') >= 0 {
			return 0, false
		}
		seen[maphash.Bytes(distinctSeed, entry)] = struct{}{}
		rest = bytes.TrimSpace(rest[end+2:])
		if len(rest) > 0 {
			if rest[0] != ',' {
				return 0, false
			}
			rest = bytes.TrimSpace(rest[1:])
		}
	}
	return len(seen), true
}

// countElements counts the entries of a JSON array that encoding/json
// has already validated, by counting the commas at its top level.
func countElements(raw []byte) int {
	depth, n := 0, 0
	inString, escaped, empty := false, false, true
	for _, b := range raw {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case b == '\\':
				escaped = true
			case b == '"':
				inString = false
			}
			continue
		case b == ' ' || b == '\t' || b == '\r' || b == '\n':
			continue
		case b == '[' || b == '{':
			depth++
			if depth == 1 {
				continue
			}
		case b == ']' || b == '}':
			depth--
			if depth == 0 {
				continue
			}
		case b == '"':
			inString = true
		case b == ',' && depth == 1:
			n++
		}
		empty = false
	}
	if empty {
		return 0
	}
	return n + 1
}

// CheckCostCounts rejects a cost request with more than maxCostTypes
// entries in multi-cost-types or testable-cost-types, more than
// maxConstraints constraints, or more than maxConstraints predicates
// over all lists of or-constraints. The error is E_INVALID_FIELD_VALUE
// on the field with the count as its value (RFC 7285, Section 8.5.2).
func CheckCostCounts(maxCostTypes, maxConstraints int, multi, testable []CostType, cs []Constraint, or [][]Constraint) *Error {
	field, n, limit := "", 0, 0
	switch {
	case len(multi) > maxCostTypes:
		field, n, limit = "multi-cost-types", len(multi), maxCostTypes
	case len(testable) > maxCostTypes:
		field, n, limit = "testable-cost-types", len(testable), maxCostTypes
	case len(cs) > maxConstraints:
		field, n, limit = "constraints", len(cs), maxConstraints
	default:
		total := 0
		for _, and := range or {
			total += len(and)
		}
		if total <= maxConstraints {
			return nil
		}
		field, n, limit = "or-constraints", total, maxConstraints
	}
	return &Error{Code: ErrInvalidFieldValue, Field: field, Value: strconv.Itoa(n),
		Message: fmt.Sprintf("the request has %d entries in %s; this server accepts at most %d", n, field, limit)}
}
