// Package yamlpos finds the line and column of a YAML syntax error.
//
// The loaders of this module parse YAML with go.yaml.in/yaml/v3, whose
// syntax errors read "yaml: line N: REASON". N is the line where the
// enclosing construct starts (a flow sequence, a block mapping), not the
// line of the mistake, and it counts from 0 for parser errors but from 1
// for scanner errors (v3.0.6, decode.go, parser.fail). Locate parses the
// same text again with github.com/goccy/go-yaml, whose syntax errors carry
// the position of the offending token, and keeps the yaml.v3 reason.
package yamlpos

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"strings"

	goyaml "github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/parser"

	"github.com/goalto/goalto/internal/jsonfile"
)

// Position is a YAML syntax error: Line and Column count from 1, and
// Column is 0 when unknown. Line is 0 when the error names no line.
type Position struct {
	Line   int
	Column int
	Reason string // the yaml.v3 message without "yaml: line N: "
}

// ColumnReason returns the reason, preceded by "column C: " when the
// column is known, for error types that have no column of their own.
func (p Position) ColumnReason() string {
	if p.Column == 0 {
		return p.Reason
	}
	return fmt.Sprintf("column %d: %s", p.Column, p.Reason)
}

// parserProblems are the reasons of yaml.v3 parser errors (parserc.go),
// whose line counts from 0; every other reason comes from the scanner,
// whose line counts from 1.
var parserProblems = map[string]bool{
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
	"did not find expected '-' indicator":    true,
	"did not find expected <document start>": true,
	"did not find expected <stream-start>":   true,
	"did not find expected key":              true,
	"did not find expected node content":     true,
	"found duplicate %TAG directive":         true,
	"found duplicate %YAML directive":        true,
	"found incompatible YAML document":       true,
	"found undefined tag handle":             true,
}

// Locate returns the position of a yaml.v3 syntax error err about data.
// It trusts the second parser only when that parser also rejects data at
// or after the line where yaml.v3's construct starts. Otherwise it
// returns that start line without a column.
func Locate(data []byte, err error) Position {
	p := parseMessage(err.Error())
	if p.Line == 0 {
		// The reader's encoding errors, such as "invalid leading UTF-8
		// octet", name no line.
		if bad := jsonfile.InvalidUTF8(data); bad >= 0 && strings.Contains(p.Reason, "UTF-8") {
			p.Line, p.Column = jsonfile.Position(data, bad)
			p.Reason = fmt.Sprintf("invalid UTF-8 byte 0x%02x: save the file as UTF-8", data[bad])
		}
		return p
	}
	// yaml.v3 places an error at the end of the input on the line after
	// the last one.
	p.Line = min(p.Line, lineCount(data))
	if line, col, ok := locateToken(data); ok && line >= p.Line {
		p.Line, p.Column = line, col
	}
	return p
}

// lineCount returns the number of lines of data, at least 1.
func lineCount(data []byte) int {
	n := bytes.Count(data, []byte("\n"))
	if len(data) > 0 && data[len(data)-1] != '\n' {
		n++
	}
	return max(n, 1)
}

// parseMessage splits "yaml: line N: REASON" and converts N to a line
// counted from 1.
func parseMessage(msg string) Position {
	msg = strings.TrimPrefix(msg, "yaml: ")
	rest, ok := strings.CutPrefix(msg, "line ")
	if !ok {
		return Position{Reason: msg}
	}
	number, reason, ok := strings.Cut(rest, ": ")
	n, err := strconv.Atoi(number)
	if !ok || err != nil {
		return Position{Reason: msg}
	}
	if parserProblems[reason] {
		n++
	}
	return Position{Line: n, Reason: reason}
}

// locateToken returns the position of the token at which the second
// parser rejects data, or false when it accepts data.
func locateToken(data []byte) (line, col int, ok bool) {
	defer func() {
		// A failure of the second parser only costs the column.
		if recover() != nil {
			line, col, ok = 0, 0, false
		}
	}()
	_, err := parser.ParseBytes(data, 0)
	var ye goyaml.Error
	if err == nil || !errors.As(err, &ye) {
		return 0, 0, false
	}
	tk := ye.GetToken()
	if tk == nil || tk.Position == nil || tk.Position.Line < 1 {
		return 0, 0, false
	}
	return tk.Position.Line, max(tk.Position.Column, 1), true
}
