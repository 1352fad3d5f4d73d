package alto

import (
	"bytes"
	"fmt"
	"strconv"
)

// NewTooMany returns the E_INVALID_FIELD_VALUE error for a list of n
// entries where the server accepts at most limit (RFC 7285, Section 8.5.2).
func NewTooMany(field string, n, limit int) *Error {
	return &Error{
		Code:    ErrInvalidFieldValue,
		Field:   field,
		Value:   strconv.Itoa(n),
		Message: fmt.Sprintf("the list has %d entries; this server accepts at most %d", n, limit),
	}
}

// checkLength rejects member name when it is an array of more than limit
// distinct entries. Other kinds are left to the decoder's type checks.
func (o object) checkLength(name string, limit int) error {
	raw, ok := o.fields[name]
	if !ok || limit <= 0 || JSONKind(raw) != "array" {
		return nil
	}
	if countElements(raw) <= limit {
		return nil
	}
	// Duplicates count once, so count the distinct entries. A list with
	// escapes or non-strings goes to the full decoder instead.
	if n, ok := countDistinct(raw); ok && n > limit {
		return NewTooMany(o.fieldPath(name), n, limit)
	}
	return nil
}

// countDistinct counts the distinct strings of a validated JSON array of
// strings without escapes. It reports false for any other array.
func countDistinct(raw []byte) (int, bool) {
	seen := map[string]struct{}{}
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
		seen[string(entry)] = struct{}{}
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
