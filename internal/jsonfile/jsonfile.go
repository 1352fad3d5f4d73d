// Package jsonfile checks that an input file named ".json" is strict
// JSON (RFC 8259) before a loader decodes it. The loaders of this module
// decode JSON and YAML with one YAML parser, which would accept JSON
// mistakes such as a trailing comma. Check reports the first mistake
// with its line, column and the field path of the value around it.
package jsonfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"
)

// IsJSON reports whether a file name has the extension ".json", in any
// case.
func IsJSON(name string) bool {
	return strings.EqualFold(filepath.Ext(name), ".json")
}

// SyntaxError is a mistake in a JSON file. Line and Column count from 1
// and are 0 for an empty file. Field is the path of the enclosing value,
// such as "capabilities-with-footprints[0].footprints", or "" at the top
// level.
type SyntaxError struct {
	Line   int
	Column int
	Field  string
	Reason string
}

// Error formats the error as "line L, column C: FIELD: REASON".
func (e *SyntaxError) Error() string {
	var b strings.Builder
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d, column %d: ", e.Line, e.Column)
	}
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	return b.String() + e.Reason
}

// ColumnReason returns the reason, preceded by "column C: " when the
// position is known, for errors that carry the line on their own.
func (e *SyntaxError) ColumnReason() string {
	if e.Column == 0 {
		return e.Reason
	}
	return fmt.Sprintf("column %d: %s", e.Column, e.Reason)
}

// frame is one open array or object.
type frame struct {
	delim  json.Delim
	offset int64  // offset of the opening bracket
	key    string // the current key of an object
	index  int    // the index of the next element of an array
	inKey  bool   // an object expects a key next
}

// Check returns nil when data is exactly one JSON value, surrounded only
// by white space, and otherwise a *SyntaxError.
func Check(data []byte) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return &SyntaxError{Reason: "empty file"}
	}
	if e := checkUTF8(data); e != nil {
		return e
	}
	var v any
	err := json.Unmarshal(data, &v)
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		return nil
	}
	// The prefix before the offending byte is valid JSON so far, so its
	// tokens give the values that are open there.
	bad := se.Offset - 1
	if se.Offset >= int64(len(data)) && strings.Contains(se.Error(), "end of JSON input") {
		bad = int64(len(data))
	}
	stack := openValues(data[:max(bad, 0)])
	line, col := position(data, bad)
	e := &SyntaxError{Line: line, Column: col, Field: fieldPath(stack), Reason: strings.TrimPrefix(se.Error(), "json: ")}
	if bad == int64(len(data)) {
		e.Reason = "unexpected end of file"
	}
	if bad < int64(len(data)) && len(stack) > 0 {
		explain(e, data, stack, bad)
	} else if len(stack) > 0 {
		e.Reason = missingCloser(data, stack[len(stack)-1])
	}
	return e
}

// checkUTF8 returns a *SyntaxError at the first byte that is not UTF-8,
// which JSON text exchanged between systems must be (RFC 8259,
// Section 8.1), or nil. encoding/json would replace such a byte with
// U+FFFD instead of rejecting it.
func checkUTF8(data []byte) *SyntaxError {
	if utf8.Valid(data) {
		return nil
	}
	bad := InvalidUTF8(data)
	line, col := position(data, int64(bad))
	return &SyntaxError{
		Line:   line,
		Column: col,
		Field:  fieldPath(openValues(data[:bad])),
		Reason: fmt.Sprintf("invalid UTF-8 byte 0x%02x: save the file as UTF-8", data[bad]),
	}
}

// InvalidUTF8 returns the offset of the first byte of data that does not
// start a valid UTF-8 sequence, or -1 when data is valid UTF-8.
func InvalidUTF8(data []byte) int {
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return -1
}

// Position converts a byte offset of data to a line and a column,
// counting from 1. The column counts bytes.
func Position(data []byte, offset int) (line, col int) {
	return position(data, int64(offset))
}

// explain rewords the error of a byte at offset bad that closes a value
// after a trailing comma, or that is of the wrong kind.
func explain(e *SyntaxError, data []byte, stack []frame, bad int64) {
	c := data[bad]
	if c != ']' && c != '}' {
		return
	}
	top := stack[len(stack)-1]
	if (c == ']') != (top.delim == '[') {
		e.Reason = missingCloser(data, top) + fmt.Sprintf(", before this %c", c)
		return
	}
	if before := bytes.TrimRight(data[:bad], " \t\r\n"); len(before) > 0 && before[len(before)-1] == ',' {
		e.Reason = fmt.Sprintf("a comma before %c is not JSON: remove it", c)
	}
}

// missingCloser names the closing bracket of an open value that is missing.
func missingCloser(data []byte, open frame) string {
	closer := ']'
	if open.delim == '{' {
		closer = '}'
	}
	line, col := position(data, open.offset)
	return fmt.Sprintf("missing %c to close the %c at line %d, column %d", closer, open.delim, line, col)
}

// openValues returns the arrays and objects still open at the end of a
// prefix of a JSON document.
func openValues(prefix []byte) []frame {
	dec := json.NewDecoder(bytes.NewReader(prefix))
	var stack []frame
	for {
		tok, err := dec.Token()
		if err != nil {
			return stack
		}
		stack = advance(stack, tok, dec.InputOffset()-1)
	}
}

// advance updates the stack of open values after one token.
func advance(stack []frame, tok json.Token, end int64) []frame {
	if len(stack) > 0 {
		top := &stack[len(stack)-1]
		if top.delim == '{' && top.inKey {
			if key, ok := tok.(string); ok {
				top.key, top.inKey = key, false
				return stack
			}
		}
	}
	switch tok {
	case json.Delim('['), json.Delim('{'):
		return append(stack, frame{delim: tok.(json.Delim), offset: end, inKey: tok == json.Delim('{')})
	case json.Delim(']'), json.Delim('}'):
		stack = stack[:len(stack)-1]
	}
	if len(stack) > 0 {
		top := &stack[len(stack)-1]
		top.index++
		top.inKey = top.delim == '{'
	}
	return stack
}

// position converts a byte offset to a line and a column, counting from 1.
func position(data []byte, offset int64) (line, col int) {
	offset = min(max(offset, 0), int64(len(data)))
	before := data[:offset]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(offset) - bytes.LastIndexByte(before, '\n')
	return line, col
}

// fieldPath returns the path of the innermost open value, such as
// "a.b[2]".
func fieldPath(stack []frame) string {
	var b strings.Builder
	for i, f := range stack {
		last := i == len(stack)-1
		switch {
		case f.delim == '[':
			if !last {
				b.WriteString("[" + strconv.Itoa(f.index) + "]")
			}
		case f.key != "" && !(last && f.inKey):
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(f.key)
		}
	}
	return b.String()
}
