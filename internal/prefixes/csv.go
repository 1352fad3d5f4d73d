package prefixes

import (
	"github.com/goalto/goalto/alto"

	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strings"
)

// CSV column names.
const (
	columnPrefix = "prefix"
	columnPID    = "pid"
	columnASN    = "asn"
)

// csvColumns maps each column name to its index in a record. The index -1
// marks an absent column.
type csvColumns struct {
	prefix, pid, asn int
	count            int
}

// defaultCSVColumns are the columns of a CSV list without a header.
var defaultCSVColumns = csvColumns{prefix: 0, pid: 1, asn: -1, count: 2}

// ParseCSV reads a prefix list in CSV. The first record is a header when its
// first field is a column name: "prefix", "pid" or "asn" (any case). A header
// names the columns in any order and must include "prefix". Without a header
// the columns are "prefix,pid". Lines starting with '#' are comments, and
// spaces around fields are ignored.
//
// An empty pid or asn field leaves Entry.PID or Entry.ASN unset. A non-empty
// pid must be a valid PID name (see alto.ValidPIDName), and an asn must be an AS
// number from 1 to 2^32-1. Invalid values, prefixes with host bits set and
// duplicate prefixes are rejected with a *ParseError. name is used in errors
// and as Table.File.
func ParseCSV(r io.Reader, name string) (*Table, error) {
	reader := csv.NewReader(skipBOM(r))
	reader.Comment = '#'
	reader.FieldsPerRecord = -1
	reader.TrimLeadingSpace = true
	reader.ReuseRecord = true

	table := &Table{File: name}
	columns := defaultCSVColumns
	firstLines := make(map[netip.Prefix]int)
	for recordIndex := 0; ; recordIndex++ {
		record, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return table, nil
		}
		if err != nil {
			return nil, csvReadError(name, err)
		}
		line, _ := reader.FieldPos(0)

		if recordIndex == 0 && isCSVHeader(record) {
			columns, err = parseCSVHeader(record)
			if err != nil {
				return nil, &ParseError{File: name, Line: line, Field: "header", Reason: err.Error()}
			}
			continue
		}

		entry, perr := parseCSVRecord(record, columns, reader)
		if perr != nil {
			perr.File = name
			return nil, perr
		}
		if first, ok := firstLines[entry.Prefix]; ok {
			return nil, duplicateError(name, line, columnPrefix, entry.Prefix, first)
		}
		firstLines[entry.Prefix] = line
		table.Entries = append(table.Entries, entry)
	}
}

// skipBOM drops a leading UTF-8 byte order mark, which spreadsheet programs
// often write at the start of a CSV export.
func skipBOM(r io.Reader) io.Reader {
	buffered := bufio.NewReader(r)
	if head, err := buffered.Peek(3); err == nil && bytes.Equal(head, []byte("\xef\xbb\xbf")) {
		_, _ = buffered.Discard(3)
	}
	return buffered
}

func csvReadError(name string, err error) error {
	var csvErr *csv.ParseError
	if errors.As(err, &csvErr) {
		return &ParseError{File: name, Line: csvErr.Line, Field: "record", Reason: csvErr.Err.Error(), Err: err}
	}
	return fmt.Errorf("read %s: %w", name, err)
}

func isCSVHeader(record []string) bool {
	switch strings.ToLower(strings.TrimSpace(record[0])) {
	case columnPrefix, columnPID, columnASN:
		return true
	}
	return false
}

func parseCSVHeader(record []string) (csvColumns, error) {
	columns := csvColumns{prefix: -1, pid: -1, asn: -1, count: len(record)}
	for i, field := range record {
		var index *int
		switch strings.ToLower(strings.TrimSpace(field)) {
		case columnPrefix:
			index = &columns.prefix
		case columnPID:
			index = &columns.pid
		case columnASN:
			index = &columns.asn
		default:
			return columns, fmt.Errorf("unknown column %q; want prefix, pid or asn", field)
		}
		if *index >= 0 {
			return columns, fmt.Errorf("duplicate column %q", field)
		}
		*index = i
	}
	if columns.prefix < 0 {
		return columns, errors.New(`missing column "prefix"`)
	}
	return columns, nil
}

// parseCSVRecord converts one data record. The returned error lacks File.
func parseCSVRecord(record []string, columns csvColumns, reader *csv.Reader) (Entry, *ParseError) {
	if len(record) != columns.count {
		line, _ := reader.FieldPos(0)
		return Entry{}, &ParseError{Line: line, Field: "record",
			Reason: fmt.Sprintf("got %d fields, want %d", len(record), columns.count)}
	}
	fail := func(column int, field, reason string, err error) (Entry, *ParseError) {
		line, _ := reader.FieldPos(column)
		return Entry{}, &ParseError{Line: line, Field: field, Reason: reason, Err: err}
	}

	var entry Entry
	prefix, reason, err := checkPrefix(strings.TrimSpace(record[columns.prefix]))
	if reason != "" {
		return fail(columns.prefix, columnPrefix, reason, err)
	}
	entry.Prefix = prefix

	if columns.pid >= 0 {
		pid := strings.TrimSpace(record[columns.pid])
		if pid != "" && !alto.ValidPIDName(pid) {
			return fail(columns.pid, columnPID, pidReason(pid), nil)
		}
		entry.PID = pid
	}

	if columns.asn >= 0 {
		if text := strings.TrimSpace(record[columns.asn]); text != "" {
			asn, reason, err := parseASN(text)
			if reason != "" {
				return fail(columns.asn, columnASN, reason, err)
			}
			entry.ASN = asn
		}
	}
	return entry, nil
}

func duplicateError(name string, line int, field string, prefix netip.Prefix, firstLine int) *ParseError {
	return &ParseError{File: name, Line: line, Field: field,
		Reason: fmt.Sprintf("duplicate prefix %s; first listed on line %d", prefix, firstLine)}
}
