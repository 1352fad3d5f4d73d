package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// emptyCell marks a table cell without a value.
const emptyCell = "-"

// printTable writes a header and rows as columns separated by at least
// two spaces. Tabs and line breaks inside cells become spaces, and empty
// cells show emptyCell, so each row stays one line of whitespace-separated
// fields.
func printTable(w io.Writer, header []string, rows [][]string) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, row := range append([][]string{header}, rows...) {
		cells := make([]string, len(row))
		for i, cell := range row {
			cells[i] = cleanCell(cell)
		}
		fmt.Fprintln(tw, strings.Join(cells, "\t"))
	}
	return tw.Flush()
}

func cleanCell(s string) string {
	if s == "" {
		return emptyCell
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
}

// printJSON writes a JSON document indented by two spaces with object
// keys sorted, so that equal documents print the same. Numbers keep
// their text form.
func printJSON(w io.Writer, body []byte) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return fmt.Errorf("response body is not JSON: %w", err)
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(doc)
}

// writeJSONValue writes v as JSON in the form of printJSON.
func writeJSONValue(w io.Writer, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encoding output: %w", err)
	}
	return printJSON(w, body)
}
