package mrt_test

import (
	"bytes"
	"errors"
	"os"
	"testing"

	"github.com/goalto/goalto/internal/datadir"
	"github.com/goalto/goalto/internal/mrt"
)

// FuzzRead feeds corrupt MRT streams to the reader and the selection. It
// must return entries or a *mrt.RecordError, and never panic. The seeds are
// the uncompressed sample files whole and cut into their records.
func FuzzRead(f *testing.F) {
	for _, name := range []string{"quagga_rib", "openbgpd_rib_table", "openbgpd_rib_table-v2", "bird-mrtdump_rib", "bird6-mrtdump_rib", "quagga_bgp", "bird_bgp"} {
		data, err := os.ReadFile(datadir.Path(f, "bgp-mrt-samples-mrtparse", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
		for off := 0; off+12 <= len(data); {
			end := off + 12 + int(uint32(data[off+8])<<24|uint32(data[off+9])<<16|uint32(data[off+10])<<8|uint32(data[off+11]))
			if end > len(data) {
				break
			}
			f.Add(data[off:end])
			off = end
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rib, err := mrt.Read(bytes.NewReader(data), "fuzz")
		if err != nil {
			var recordErr *mrt.RecordError
			if !errors.As(err, &recordErr) {
				t.Fatalf("error %v is not a *mrt.RecordError", err)
			}
			return
		}
		for _, e := range rib.Entries(mrt.Selector{}) {
			if !e.Prefix.IsValid() || e.Prefix != e.Prefix.Masked() {
				t.Fatalf("invalid entry prefix %s", e.Prefix)
			}
		}
	})
}
