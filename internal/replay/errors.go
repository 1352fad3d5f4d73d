package replay

import (
	"strconv"
	"strings"
)

// Pos locates an element of a change log: the file, the 1-based line (0
// when unknown) and the field path, such as "steps[2].changes[0].set-metric.metric"
// in a YAML log or "changes[0].set-metric.metric" on a line of a JSON
// lines log (0-based indices).
type Pos struct {
	File  string
	Line  int
	Field string
}

// Error is an invalid change log, or a change that does not fit the
// topology it is applied to.
type Error struct {
	Pos
	Reason string
	Err    error // underlying error, if any
}

// Error formats the error as "FILE:LINE: FIELD: REASON". It leaves out
// ":LINE" when the line is unknown, "FIELD: " when there is no field, and
// the location when there is neither file nor line.
func (e *Error) Error() string {
	var b strings.Builder
	if e.File != "" || e.Line > 0 {
		if e.File != "" {
			b.WriteString(e.File)
		} else {
			b.WriteString("<input>")
		}
		if e.Line > 0 {
			b.WriteByte(':')
			b.WriteString(strconv.Itoa(e.Line))
		}
		b.WriteString(": ")
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	switch {
	case e.Reason != "":
		b.WriteString(e.Reason)
	case e.Err != nil:
		b.WriteString(e.Err.Error())
	default:
		b.WriteString("invalid change log")
	}
	return b.String()
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }
