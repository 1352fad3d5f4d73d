package prefixes

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"net/netip"
	"strconv"
)

// maxCapacityHint caps the entry count taken from a pyasn header, so a
// corrupt header cannot make the parser reserve a huge slice up front. A
// larger table still loads, and its slice grows as lines are appended.
const maxCapacityHint = 1 << 21

// ParsePyASN reads a pyasn IPASN file as written by pyasn's converter (see
// https://github.com/hadiasghari/pyasn): header lines starting with ';', then
// one "PREFIX<TAB>ASN" line per prefix, such as "1.0.4.0/24\t56203". Blank
// lines are skipped, and a trailing '\r' is ignored. r must return plain
// text, so use Load for gzip files. name is used in errors and as
// Table.File.
//
// A prefix with host bits set, AS 0 and a line longer than 64 KiB are
// rejected with a *ParseError. Duplicate prefixes are not checked.
func ParsePyASN(r io.Reader, name string) (*Table, error) {
	table := &Table{File: name}
	scanner := bufio.NewScanner(r)
	lineNumber := 0
	capacityHint := 0
	for scanner.Scan() {
		lineNumber++
		line := bytes.TrimSuffix(scanner.Bytes(), []byte{'\r'})
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if line[0] == ';' {
			capacityHint += headerPrefixCount(line)
			continue
		}
		if table.Entries == nil && capacityHint > 0 {
			table.Entries = make([]Entry, 0, min(capacityHint, maxCapacityHint))
		}

		entry, err := parsePyASNLine(line)
		if err != nil {
			err.File, err.Line = name, lineNumber
			return nil, err
		}
		table.Entries = append(table.Entries, entry)
	}

	if err := scanner.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, &ParseError{File: name, Line: lineNumber + 1, Field: "line",
				Reason: fmt.Sprintf("line longer than %d bytes", bufio.MaxScanTokenSize), Err: err}
		}
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	return table, nil
}

// parsePyASNLine parses one "PREFIX<TAB>ASN" line. The returned error lacks
// File and Line.
func parsePyASNLine(line []byte) (Entry, *ParseError) {
	tab := bytes.IndexByte(line, '\t')
	if tab < 0 {
		return Entry{}, &ParseError{Field: "asn",
			Reason: fmt.Sprintf("missing; want PREFIX<TAB>ASN, got %q", line)}
	}

	prefix, err := parsePrefixBytes(line[:tab])
	if err != nil {
		return Entry{}, &ParseError{Field: "prefix", Reason: err.Error(), Err: err}
	}
	if prefix.Masked() != prefix {
		return Entry{}, &ParseError{Field: "prefix", Reason: hostBitsReason(prefix)}
	}

	asn, ok := parseASNBytes(line[tab+1:])
	if !ok {
		_, reason, err := parseASN(string(line[tab+1:]))
		return Entry{}, &ParseError{Field: "asn", Reason: reason, Err: err}
	}
	return Entry{Prefix: prefix, ASN: asn}, nil
}

// parseASNBytes parses b as parseASN does, in place. It returns false for
// anything that parseASN rejects.
func parseASNBytes(b []byte) (uint32, bool) {
	if len(b) == 0 {
		return 0, false
	}
	var n uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + uint64(c-'0')
		if n > math.MaxUint32 {
			return 0, false
		}
	}
	return uint32(n), n != 0
}

// headerPrefixCount returns the prefix count from a pyasn header line such
// as "; Prefixes-v4   : 606138", or 0 for any other line.
func headerPrefixCount(line []byte) int {
	key, value, found := bytes.Cut(line[1:], []byte{':'})
	if !found || !bytes.HasPrefix(bytes.TrimSpace(key), []byte("Prefixes")) {
		return 0
	}
	count, err := strconv.Atoi(string(bytes.TrimSpace(value)))
	if err != nil || count < 0 || count > maxCapacityHint {
		return 0
	}
	return count
}

// parsePrefixBytes parses b as netip.ParsePrefix does. It parses the common
// IPv4 form in place, so most lines need no string copy. Anything else goes
// to netip.ParsePrefix, which also produces the error.
func parsePrefixBytes(b []byte) (netip.Prefix, error) {
	if p, ok := parseIPv4PrefixBytes(b); ok {
		return p, nil
	}
	return netip.ParsePrefix(string(b))
}

// parseIPv4PrefixBytes parses "a.b.c.d/n" in the strict form that
// netip.ParsePrefix accepts: decimal octets up to 255 and a length up to 32,
// each without a leading zero. It returns false for anything else, including
// input that netip.ParsePrefix accepts in another form.
func parseIPv4PrefixBytes(b []byte) (netip.Prefix, bool) {
	var octets [4]byte
	rest := b
	for i := range octets {
		value, n, ok := parseDecimal(rest, 255)
		if !ok {
			return netip.Prefix{}, false
		}
		octets[i] = byte(value)
		rest = rest[n:]

		separator := byte('.')
		if i == len(octets)-1 {
			separator = '/'
		}
		if len(rest) == 0 || rest[0] != separator {
			return netip.Prefix{}, false
		}
		rest = rest[1:]
	}

	bits, n, ok := parseDecimal(rest, 32)
	if !ok || n != len(rest) {
		return netip.Prefix{}, false
	}
	return netip.PrefixFrom(netip.AddrFrom4(octets), bits), true
}

// parseDecimal parses the leading decimal number of b, of at most 3 digits
// and without a leading zero, and returns it with the number of bytes used.
func parseDecimal(b []byte, maxValue int) (value, n int, ok bool) {
	for n < len(b) && n < 3 && '0' <= b[n] && b[n] <= '9' {
		value = value*10 + int(b[n]-'0')
		n++
	}
	if n == 0 || value > maxValue || (n > 1 && b[0] == '0') {
		return 0, 0, false
	}
	return value, n, true
}
