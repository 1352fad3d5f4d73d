package prefixes

import (
	"strconv"
	"strings"
)

// ParseError describes an invalid value in a prefix source.
type ParseError struct {
	File   string // name given to the parser, usually the file path
	Line   int    // 1-based line number, or 0 when the position is unknown
	Field  string // column or field path, such as "asn" or "prefixes[3].pid"
	Reason string // what is wrong with the value
	Err    error  // underlying error, if any
}

// Error returns "FILE:LINE: FIELD: REASON". It leaves out ":LINE" when Line
// is 0.
func (e *ParseError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(e.Line))
	}
	b.WriteString(": ")
	b.WriteString(e.Field)
	b.WriteString(": ")
	b.WriteString(e.Reason)
	return b.String()
}

// Unwrap returns the underlying error.
func (e *ParseError) Unwrap() error { return e.Err }
