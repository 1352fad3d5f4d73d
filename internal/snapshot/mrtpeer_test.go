package snapshot

import (
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/goalto/goalto/internal/datadir"
	"github.com/goalto/goalto/internal/mrt"
	"github.com/goalto/goalto/internal/netdef"
)

// pidsOf returns the PID of each prefix of a snapshot's network map.
func pidsOf(s *Snapshot) map[netip.Prefix]string {
	out := map[netip.Prefix]string{}
	for i := 0; i < s.NetworkMap.Len(); i++ {
		pid := s.NetworkMap.PID(i)
		for _, p := range pid.Prefixes {
			out[p] = pid.Name
		}
	}
	return out
}

func TestMRTPeerChoice(t *testing.T) {
	file := datadir.Path(t, "bgp-mrt-routeviews", "rib.20140523.0600.first9072prefixes.mrt.bz2")
	rib, err := mrt.Load(file)
	if err != nil {
		t.Fatal(err)
	}
	// The peer with the most routes, so that its choice covers much of
	// the table and differs from the best routes somewhere.
	count := map[int]int{}
	for _, p := range rib.Prefixes() {
		for _, r := range rib.Routes(p) {
			count[r.Peer]++
		}
	}
	busiest := 0
	for peer, n := range count {
		if n > count[busiest] {
			busiest = peer
		}
	}
	peer := rib.Peers[busiest]

	tests := []struct {
		name, choice string
		sel          mrt.Selector
	}{
		{"best route", "", mrt.Selector{}},
		{"peer address", fmt.Sprintf("mrt-peers:\n  - {file: %q, address: %s}\n", file, peer.Addr), mrt.Selector{PeerAddr: peer.Addr}},
		{"peer AS", fmt.Sprintf("mrt-peers:\n  - {file: %q, as: %d}\n", file, peer.AS), mrt.Selector{PeerAS: peer.AS}},
	}
	built := map[string]map[netip.Prefix]string{}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			text := fmt.Sprintf("network-map:\n  pids: asn\nprefixes: [%q]\n%s", file, tc.choice)
			path := filepath.Join(t.TempDir(), "net.yaml")
			if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			def, err := netdef.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			snap, err := Build(def)
			if err != nil {
				t.Fatal(err)
			}
			got := pidsOf(snap)
			want := 0
			for _, e := range rib.Entries(tc.sel) {
				if e.ASN == 0 {
					continue
				}
				want++
				if pid := fmt.Sprintf("as%d", e.ASN); got[e.Prefix] != pid {
					t.Fatalf("%s is in PID %q, want %s", e.Prefix, got[e.Prefix], pid)
				}
			}
			if len(got) != want {
				t.Errorf("%d prefixes in the map, want %d", len(got), want)
			}
			built[tc.name] = got
		})
	}
	differ := 0
	for p, pid := range built["peer address"] {
		if built["best route"][p] != pid {
			differ++
		}
	}
	if differ == 0 {
		t.Errorf("the routes of peer %s give the same PIDs as the best routes, so the choice is untested", peer.Addr)
	}
}
