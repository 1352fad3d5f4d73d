package mrt_test

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/goalto/goalto/internal/datadir"
	"github.com/goalto/goalto/internal/mrt"
)

// rt is a record type: MRT type and subtype.
func rt(typ, subtype uint16) mrt.RecordType { return mrt.RecordType{Type: typ, Subtype: subtype} }

// TestLoadDataFiles reads every MRT file of the data directory and checks
// the counts that the data folders document.
func TestLoadDataFiles(t *testing.T) {
	tests := []struct {
		folder, file  string
		byType        map[mrt.RecordType]int
		skipped       map[mrt.RecordType]int
		ribEntries    int
		announcements int
		withdrawals   int
		prefixes      int // -1: not documented
	}{
		{"bgp-mrt-ripe-ris", "bview.20020722.2337.gz", map[mrt.RecordType]int{rt(12, 1): 115521}, nil, 115521, 0, 0, 112988},
		// One PEER_INDEX_TABLE and one RIB_IPV6_UNICAST record with 23 entries.
		{"bgp-mrt-ripe-ris", "bview.64k_stream_overflow.gz", map[mrt.RecordType]int{rt(13, 1): 1, rt(13, 4): 1}, nil, 23, 0, 0, 1},
		// 31 RIB_IPV4_UNICAST_ADDPATH records after the PEER_INDEX_TABLE;
		// the text rendering has 62 routes.
		{"bgp-mrt-ripe-ris", "bview.ipv4_unicast_add_path.gz", map[mrt.RecordType]int{rt(13, 1): 1, rt(13, 8): 31}, nil, 62, 0, 0, 31},
		{"bgp-mrt-ripe-ris", "updates.20160811.1600.gz", map[mrt.RecordType]int{rt(16, 4): 17384, rt(16, 5): 22}, nil, 0, 39256, 1956, -1},
		{"bgp-mrt-routeviews", "rib.20140523.0600.first9072prefixes.mrt.bz2", map[mrt.RecordType]int{rt(13, 1): 1, rt(13, 2): 9072}, nil, 270005, 0, 0, 9072},
		{"bgp-mrt-routeviews", "rib6.20151101.0600.first6870prefixes.mrt.bz2", map[mrt.RecordType]int{rt(13, 1): 1, rt(13, 4): 6870}, nil, 149578, 0, 0, 6870},
		{"bgp-mrt-samples-mrtparse", "quagga_rib", map[mrt.RecordType]int{rt(13, 1): 1, rt(13, 2): 3, rt(13, 4): 3}, nil, -1, 0, 0, 6},
		{"bgp-mrt-samples-mrtparse", "openbgpd_rib_table-v2", map[mrt.RecordType]int{rt(13, 1): 1, rt(13, 2): 11, rt(13, 4): 10, rt(13, 6): 2}, map[mrt.RecordType]int{rt(13, 6): 2}, -1, 0, 0, -1},
		{"bgp-mrt-samples-mrtparse", "openbgpd_rib_table", map[mrt.RecordType]int{rt(12, 1): 11, rt(12, 2): 20}, nil, 31, 0, 0, -1},
		{"bgp-mrt-samples-mrtparse", "bird-mrtdump_rib", map[mrt.RecordType]int{rt(13, 1): 2, rt(13, 2): 4, rt(13, 8): 8}, nil, -1, 0, 0, -1},
		{"bgp-mrt-samples-mrtparse", "bird6-mrtdump_rib", map[mrt.RecordType]int{rt(13, 1): 2, rt(13, 4): 2, rt(13, 10): 5}, nil, -1, 0, 0, -1},
		{"bgp-mrt-samples-mrtparse", "quagga_bgp", map[mrt.RecordType]int{rt(16, 1): 4, rt(16, 4): 43, rt(16, 5): 20}, nil, 0, -1, -1, -1},
		{"bgp-mrt-samples-mrtparse", "bird_bgp", map[mrt.RecordType]int{rt(16, 1): 1, rt(16, 4): 16, rt(16, 5): 12}, nil, 0, -1, -1, -1},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := datadir.Path(t, tt.folder, tt.file)
			isMRT, err := mrt.IsMRT(path)
			if err != nil || !isMRT {
				t.Errorf("IsMRT = %v, %v; want true", isMRT, err)
			}
			rib, err := mrt.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			records := 0
			for typ, want := range tt.byType {
				records += want
				if got := rib.Stats.ByType[typ]; got != want {
					t.Errorf("records of type %s = %d, want %d", typ, got, want)
				}
			}
			if rib.Stats.Records != records {
				t.Errorf("records = %d, want %d", rib.Stats.Records, records)
			}
			if len(rib.Stats.Skipped) != len(tt.skipped) {
				t.Errorf("skipped = %v, want %v", rib.Stats.Skipped, tt.skipped)
			}
			for typ, want := range tt.skipped {
				if got := rib.Stats.Skipped[typ]; got != want {
					t.Errorf("skipped records of type %s = %d, want %d", typ, got, want)
				}
			}
			checkCount(t, "RIB entries", rib.Stats.RIBEntries, tt.ribEntries)
			checkCount(t, "announcements", rib.Stats.Announcements, tt.announcements)
			checkCount(t, "withdrawals", rib.Stats.Withdrawals, tt.withdrawals)
			checkCount(t, "prefixes", len(rib.Prefixes()), tt.prefixes)
			if len(rib.Prefixes()) == 0 {
				t.Error("no prefix has a route")
			}
			for _, p := range rib.Prefixes() {
				if p != p.Masked() {
					t.Errorf("prefix %s has host bits set", p)
				}
			}
		})
	}
}

func checkCount(t *testing.T, field string, got, want int) {
	t.Helper()
	if want >= 0 && got != want {
		t.Errorf("%s = %d, want %d", field, got, want)
	}
}

// recordOffsets returns the byte offset of every record header in an
// uncompressed MRT stream, found from the length fields.
func recordOffsets(t *testing.T, data []byte) []int {
	t.Helper()
	var offsets []int
	for off := 0; off < len(data); {
		if len(data)-off < 12 {
			t.Fatalf("trailing %d bytes after the last record", len(data)-off)
		}
		offsets = append(offsets, off)
		off += 12 + int(binary.BigEndian.Uint32(data[off+8:]))
	}
	return offsets
}

func writeTemp(t *testing.T, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func gzipBytes(t *testing.T, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestLoadBrokenRecords checks that a truncated or corrupt record yields a
// RecordError with the file, the record number and the record's offset.
func TestLoadBrokenRecords(t *testing.T) {
	data, err := os.ReadFile(datadir.Path(t, "bgp-mrt-samples-mrtparse", "openbgpd_rib_table"))
	if err != nil {
		t.Fatal(err)
	}
	offsets := recordOffsets(t, data)
	last := len(offsets) - 1

	// In the 5th record, an AS_PATH attribute that claims more bytes than
	// the record holds: TABLE_DUMP attributes start after 22 fixed bytes
	// of an IPv4 record and the 12-byte header.
	corrupt := bytes.Clone(data)
	attrs := offsets[4] + 12 + 22
	attrLen := int(binary.BigEndian.Uint16(corrupt[attrs-2:]))
	if attrLen < 3 {
		t.Fatalf("record 5 has %d attribute bytes, too few to corrupt", attrLen)
	}
	corrupt[attrs+2] = 0xff // length of the first attribute

	tests := []struct {
		name       string
		file       string
		content    []byte
		wantRecord int
		wantOffset int
	}{
		{"truncated body", "cut.mrt", data[:offsets[last]+20], last + 1, offsets[last]},
		{"truncated header", "cut-header.mrt", data[:offsets[last]+5], last + 1, offsets[last]},
		{"truncated gzip body", "cut.mrt.gz", gzipBytes(t, data[:offsets[3]+30]), 4, offsets[3]},
		{"corrupt attribute length", "corrupt.mrt", corrupt, 5, offsets[4]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeTemp(t, tt.file, tt.content)
			_, err := mrt.Load(path)
			var recordErr *mrt.RecordError
			if !errors.As(err, &recordErr) {
				t.Fatalf("error = %v, want a *mrt.RecordError", err)
			}
			if recordErr.File != path {
				t.Errorf("file = %q, want %q", recordErr.File, path)
			}
			if recordErr.Record != tt.wantRecord {
				t.Errorf("record = %d, want %d", recordErr.Record, tt.wantRecord)
			}
			if recordErr.Offset != int64(tt.wantOffset) {
				t.Errorf("offset = %d, want %d", recordErr.Offset, tt.wantOffset)
			}
		})
	}
}

// TestIsMRTRejectsText checks that text prefix tables are not taken for
// MRT, plain or compressed.
func TestIsMRTRejectsText(t *testing.T) {
	tests := []struct {
		name, file string
		content    []byte
	}{
		{"pyasn", "table.dat", []byte("; comment\n192.0.2.0/24\t64500\n")},
		{"pyasn gzip", "bview.20020722.gz", gzipBytes(t, []byte("192.0.2.0/24\t64500\n"))},
		{"csv", "table.mrt", []byte("prefix,asn\n192.0.2.0/24,64500\n")},
		{"short", "short.mrt", []byte{0, 0, 0, 1, 0, 13}},
		{"empty", "empty.mrt", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			isMRT, err := mrt.IsMRT(writeTemp(t, tt.file, tt.content))
			if err != nil {
				t.Fatal(err)
			}
			if isMRT {
				t.Error("IsMRT = true, want false")
			}
		})
	}
}

// TestUnknownSubtypeSkipped checks that a record of an unknown subtype is
// counted and passed over.
func TestUnknownSubtypeSkipped(t *testing.T) {
	data, err := os.ReadFile(datadir.Path(t, "bgp-mrt-samples-mrtparse", "quagga_rib"))
	if err != nil {
		t.Fatal(err)
	}
	unknown := []byte{0, 0, 0, 1, 0, 13, 0, 99, 0, 0, 0, 3, 1, 2, 3}
	stream := append(bytes.Clone(data), unknown...)
	rib, err := mrt.Read(bytes.NewReader(stream), "quagga_rib+unknown")
	if err != nil {
		t.Fatal(err)
	}
	if got := rib.Stats.Skipped[rt(13, 99)]; got != 1 {
		t.Errorf("skipped 13/99 records = %d, want 1", got)
	}
	if got := len(rib.Prefixes()); got != 6 {
		t.Errorf("prefixes = %d, want 6", got)
	}
}
