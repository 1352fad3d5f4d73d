package mrt

import (
	"bufio"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"

	gobgpmrt "github.com/osrg/gobgp/v4/pkg/packet/mrt"
)

// headerSize is the size of the MRT common header (RFC 6396, Section 2).
const headerSize = gobgpmrt.MRT_COMMON_HEADER_LEN

// MaxRecordSize is the largest record body that the reader accepts. MRT
// lengths are 32-bit, so a corrupt header could otherwise make the reader
// allocate up to 4 GiB. Real TABLE_DUMP_V2 records of a prefix with many
// peers stay far below this limit.
const MaxRecordSize = 16 << 20

var (
	gzipMagic  = []byte{0x1f, 0x8b}
	bzip2Magic = []byte("BZh")
)

// Load reads the MRT file at path, decompressing it first when it starts
// with the gzip or bzip2 magic bytes.
func Load(path string) (*RIB, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open MRT file: %w", err)
	}
	defer file.Close()

	content, err := decompress(bufio.NewReaderSize(file, 64<<10), path)
	if err != nil {
		return nil, err
	}
	return Read(content, path)
}

// decompress returns a reader of the plain content of r.
func decompress(r *bufio.Reader, path string) (io.Reader, error) {
	head, err := r.Peek(len(bzip2Magic))
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	switch {
	case bytes.HasPrefix(head, gzipMagic):
		unzipped, err := gzip.NewReader(r)
		if err != nil {
			return nil, fmt.Errorf("gzip %s: %w", path, err)
		}
		return unzipped, nil
	case bytes.Equal(head, bzip2Magic):
		return bzip2.NewReader(r), nil
	}
	return r, nil
}

// IsMRT reports whether the file at path, after gzip or bzip2
// decompression, starts with a plausible MRT header. Its type must be one
// that RFC 6396 defines (11 to 13, 16, 17, 32, 33, 48 or 49), and its
// length at most MaxRecordSize. Text formats cannot pass this check,
// because two printable bytes never form one of those types.
func IsMRT(path string) (bool, error) {
	file, err := os.Open(path)
	if err != nil {
		return false, fmt.Errorf("format check: %w", err)
	}
	defer file.Close()

	content, err := decompress(bufio.NewReader(file), path)
	if err != nil {
		return false, nil
	}
	var header [headerSize]byte
	if _, err := io.ReadFull(content, header[:]); err != nil {
		return false, nil
	}
	return plausibleHeader(header[:]), nil
}

func plausibleHeader(header []byte) bool {
	switch gobgpmrt.MRTType(binary.BigEndian.Uint16(header[4:6])) {
	case gobgpmrt.OSPFv2, gobgpmrt.TABLE_DUMP, gobgpmrt.TABLE_DUMPv2,
		gobgpmrt.BGP4MP, gobgpmrt.BGP4MP_ET,
		gobgpmrt.ISIS, gobgpmrt.ISIS_ET, gobgpmrt.OSPFv3, gobgpmrt.OSPFv3_ET:
		return binary.BigEndian.Uint32(header[8:12]) <= MaxRecordSize
	}
	return false
}

// Read reads MRT records from r, which must be decompressed already. The
// name is used in errors.
func Read(r io.Reader, name string) (*RIB, error) {
	rib := newRIB(name)
	err := forEachRecord(r, name, func(header, body []byte) error {
		rib.Stats.Records++
		rib.Stats.ByType[RecordType{Type: binary.BigEndian.Uint16(header[4:6]), Subtype: binary.BigEndian.Uint16(header[6:8])}]++
		return rib.addRecord(header, body)
	})
	if err != nil {
		return nil, err
	}
	return rib, nil
}

// forEachRecord calls fn with the header and body of each MRT record of
// r, until the end of r or the first error, which it returns as a
// *RecordError. fn must not keep body, whose memory the next record
// reuses.
func forEachRecord(r io.Reader, name string, fn func(header, body []byte) error) error {
	in := bufio.NewReaderSize(r, 64<<10)
	var header [headerSize]byte
	var body []byte
	var offset int64
	for record := 1; ; record++ {
		n, err := io.ReadFull(in, header[:])
		if errors.Is(err, io.EOF) {
			return nil
		}
		recordErr := func(err error) error {
			return &RecordError{File: name, Record: record, Offset: offset, Err: err}
		}
		if err != nil {
			return recordErr(fmt.Errorf("truncated header (%d of %d bytes): %w", n, headerSize, err))
		}
		length := binary.BigEndian.Uint32(header[8:12])
		if length > MaxRecordSize {
			return recordErr(fmt.Errorf("record length %d exceeds the maximum of %d bytes", length, MaxRecordSize))
		}
		if cap(body) < int(length) {
			body = make([]byte, length)
		}
		body = body[:length]
		if n, err := io.ReadFull(in, body); err != nil {
			return recordErr(fmt.Errorf("truncated body (%d of %d bytes): %w", n, length, err))
		}
		if err := fn(header[:], body); err != nil {
			return recordErr(err)
		}
		offset += headerSize + int64(length)
	}
}

// addRecord adds the routes of one record. A panic in the decoder is
// returned as an error, so that corrupt input cannot stop the program.
func (r *RIB) addRecord(header, body []byte) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("decoder panic: %v", v)
		}
	}()

	// gobgpmrt.ParseHeader would read the microsecond field of the _ET
	// types from the header, but here it is the start of the body.
	h := &gobgpmrt.MRTHeader{
		Timestamp: binary.BigEndian.Uint32(header[0:4]),
		Type:      gobgpmrt.MRTType(binary.BigEndian.Uint16(header[4:6])),
		SubType:   binary.BigEndian.Uint16(header[6:8]),
		Len:       uint32(len(body)),
	}
	switch h.Type {
	case gobgpmrt.TABLE_DUMP:
		return r.addTableDump(h, body)
	case gobgpmrt.TABLE_DUMPv2:
		return r.addTableDumpV2(h, body)
	case gobgpmrt.BGP4MP:
		return r.addBGP4MP(h, body)
	case gobgpmrt.BGP4MP_ET:
		// The extended timestamp field is counted in the length and
		// precedes the BGP4MP body (RFC 6396, Section 3).
		if len(body) < 4 {
			return errors.New("BGP4MP_ET record shorter than its 4-byte microsecond timestamp")
		}
		return r.addBGP4MP(h, body[4:])
	}
	r.skip(h)
	return nil
}

func (r *RIB) skip(h *gobgpmrt.MRTHeader) {
	r.Stats.Skipped[RecordType{Type: uint16(h.Type), Subtype: h.SubType}]++
}
