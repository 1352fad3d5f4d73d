package alto

import (
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

// checkLength rejects member name when it is an array of more than
// limit entries. Other kinds are left to the decoder's type checks.
func (o object) checkLength(name string, limit int) error {
	raw, ok := o.fields[name]
	if !ok || limit <= 0 || JSONKind(raw) != "array" {
		return nil
	}
	if n := countElements(raw); n > limit {
		return NewTooMany(o.fieldPath(name), n, limit)
	}
	return nil
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
