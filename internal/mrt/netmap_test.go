package mrt_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"testing"

	"github.com/goalto/goalto/internal/datadir"
	"github.com/goalto/goalto/internal/mrt"
	"github.com/goalto/goalto/internal/netdef"
	"github.com/goalto/goalto/internal/server"
	"github.com/goalto/goalto/internal/snapshot"
)

// TestNetworkMapFromMRT builds a network definition whose prefix source is
// a TABLE_DUMP_V2 file, serves it over HTTP on loopback and checks that
// every served prefix sits in the PID of its origin AS.
func TestNetworkMapFromMRT(t *testing.T) {
	ribFile := datadir.Path(t, "bgp-mrt-routeviews", "rib6.20151101.0600.first6870prefixes.mrt.bz2")
	definition := "network-map: {pids: asn}\nprefixes: [" + strconv.Quote(ribFile) + "]\n"
	def, err := netdef.Load(writeTemp(t, "net.yaml", []byte(definition)))
	if err != nil {
		t.Fatal(err)
	}
	snap, err := snapshot.Build(def)
	if err != nil {
		t.Fatal(err)
	}

	rib, err := mrt.Load(ribFile)
	if err != nil {
		t.Fatal(err)
	}
	wantPID := map[netip.Prefix]string{}
	for _, e := range rib.Entries(mrt.Selector{}) {
		if e.ASN != 0 {
			wantPID[e.Prefix] = "as" + strconv.FormatUint(uint64(e.ASN), 10)
		}
	}

	handler := server.New(server.Limits{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	handler.Publish(snap)
	srv := httptest.NewServer(handler)
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/networkmap")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /networkmap: status %s", resp.Status)
	}
	var body struct {
		NetworkMap map[string]map[string][]string `json:"network-map"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}

	servedPIDs := map[string]bool{}
	served := 0
	for pid, families := range body.NetworkMap {
		servedPIDs[pid] = true
		for _, list := range families {
			for _, text := range list {
				served++
				prefix := netip.MustParsePrefix(text)
				if want, ok := wantPID[prefix]; !ok || want != pid {
					t.Errorf("prefix %s in PID %s, want %q", prefix, pid, want)
				}
			}
		}
	}
	if served != len(wantPID) {
		t.Errorf("network map has %d prefixes, want %d (every prefix with an origin AS)", served, len(wantPID))
	}
	for _, pid := range wantPID {
		if !servedPIDs[pid] {
			t.Errorf("PID %s of an origin AS is missing", pid)
		}
	}
}
