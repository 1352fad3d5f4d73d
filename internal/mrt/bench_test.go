package mrt_test

import (
	"testing"

	"github.com/goalto/goalto/internal/datadir"
	"github.com/goalto/goalto/internal/mrt"
)

// BenchmarkLoadTableDump2002 loads the 2002 RIS table (115,521 TABLE_DUMP
// records, 112,988 prefixes, gzip) and selects one route per prefix.
func BenchmarkLoadTableDump2002(b *testing.B) {
	path := datadir.Path(b, "bgp-mrt-ripe-ris", "bview.20020722.2337.gz")
	b.ReportAllocs()
	for b.Loop() {
		table, err := mrt.LoadTable(path, mrt.Selector{})
		if err != nil {
			b.Fatal(err)
		}
		if len(table.Entries) != 112988 {
			b.Fatalf("entries = %d, want 112988", len(table.Entries))
		}
	}
}
