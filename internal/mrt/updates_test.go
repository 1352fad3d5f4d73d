package mrt

import (
	"testing"

	"github.com/goalto/goalto/internal/datadir"
)

// TestReadUpdatesMatchesLoad checks that the streamed updates, applied
// in order, count the same announcements and withdrawals as Load.
func TestReadUpdatesMatchesLoad(t *testing.T) {
	path := datadir.Path(t, "bgp-mrt-ripe-ris", "updates.20160811.1600.gz")
	rib, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	var announced, withdrawn, downs, records int
	var first, last int64
	err = ReadUpdates(path, func(u Update) error {
		records++
		announced += len(u.Announced)
		withdrawn += len(u.Withdrawn)
		if u.PeerDown {
			downs++
		}
		if first == 0 {
			first = u.Time.Unix()
		}
		if u.Time.Unix() < last {
			t.Errorf("update at %s comes after one at %d", u.Time, last)
		}
		last = u.Time.Unix()
		if len(u.Announced) > 0 && !u.NextHop.IsValid() {
			t.Errorf("announcement of %v from %v has no next hop", u.Announced, u.Peer)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if announced != rib.Stats.Announcements {
		t.Errorf("streamed %d announcements, Load counted %d", announced, rib.Stats.Announcements)
	}
	if withdrawn != rib.Stats.Withdrawals {
		t.Errorf("streamed %d withdrawals, Load counted %d", withdrawn, rib.Stats.Withdrawals)
	}
	if records == 0 || last-first < 60 {
		t.Errorf("%d updates over %d seconds, want a quarter hour of updates", records, last-first)
	}
	t.Logf("%d updates, %d announcements, %d withdrawals, %d session ends over %ds", records, announced, withdrawn, downs, last-first)
}
