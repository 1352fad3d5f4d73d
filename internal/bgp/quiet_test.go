package bgp

import (
	"context"
	"log/slog"
	"net/netip"
	"testing"
	"time"

	"github.com/goalto/goalto/internal/netdef"
	"github.com/goalto/goalto/internal/prefixes"
)

// newLoopSpeaker returns a speaker without GoBGP whose publishing loop
// runs until the test ends.
func newLoopSpeaker(t *testing.T, quiet, maxDelay time.Duration) *Speaker {
	t.Helper()
	s := &Speaker{
		cfg:     netdef.BGP{QuietPeriod: netdef.Duration(quiet), MaxDelay: netdef.Duration(maxDelay), DefaultPID: "other"},
		logger:  slog.New(slog.DiscardHandler),
		kick:    make(chan struct{}, 1),
		changed: make(chan struct{}, 1),
		done:    make(chan struct{}),
		rib:     newRIB(),
		table:   &prefixes.Table{},
	}
	ctx, cancel := context.WithCancel(context.Background())
	go s.loop(ctx)
	t.Cleanup(func() { cancel(); <-s.done })
	return s
}

// change sets the route of the i-th /24 of 10.0.0.0/8 and notes it.
func (s *Speaker) change(i int) {
	prefix := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), 0}), 24)
	s.mu.Lock()
	s.rib.set(prefix, &route{originAS: uint32(i)})
	s.mu.Unlock()
	s.noteChange()
}

func waitChanged(t *testing.T, s *Speaker) {
	t.Helper()
	select {
	case <-s.changed:
	case <-time.After(time.Minute):
		t.Fatal("no version was published")
	}
}

func TestBurstYieldsOneVersion(t *testing.T) {
	s := newLoopSpeaker(t, time.Second, time.Minute)
	for i := range 500 {
		s.change(i)
	}
	waitChanged(t, s)
	if st := s.Stats(); st.Versions != 1 || st.PublishedCount != 500 {
		t.Errorf("stats %+v, want one version of 500 prefixes", st)
	}
}

func TestTricklePublishesByMaxDelay(t *testing.T) {
	s := newLoopSpeaker(t, 500*time.Millisecond, time.Second)
	stop := time.Now().Add(3500 * time.Millisecond)
	for i := 0; time.Now().Before(stop); i++ {
		s.change(i)
		time.Sleep(20 * time.Millisecond)
	}
	// Changes came every 20 ms, never leaving a quiet period of 500 ms,
	// so every version so far was forced by the max delay of 1 s.
	if v := s.Stats().Versions; v < 2 {
		t.Errorf("%d versions during 3.5 s of changes, want at least 2 by the max delay", v)
	}
}

func TestHeldRoutesExpire(t *testing.T) {
	s := newLoopSpeaker(t, 100*time.Millisecond, time.Second)
	prefix := netip.MustParsePrefix("192.0.2.0/24")
	peer := netip.MustParseAddr("127.0.0.1")
	s.mu.Lock()
	s.rib.set(prefix, &route{peer: peer})
	s.rib.withdraw(prefix, time.Now().Add(300*time.Millisecond))
	held := len(s.rib.held)
	s.mu.Unlock()
	if held != 1 {
		t.Fatalf("%d routes held after the withdrawal of a down peer, want 1", held)
	}
	s.noteChange()
	waitChanged(t, s)

	// When the loop runs late, the hold time can end before the quiet
	// period does. The loop then publishes one version instead of two, so
	// the test waits for the final state rather than for a second version.
	deadline := time.Now().Add(time.Minute)
	for {
		st := s.Stats()
		if st.HeldRoutes == 0 && st.HeldExpired == 1 && st.PublishedCount == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("stats %+v, want the held route expired and a version without it", st)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestUnchangedRoutesPublishNoVersion(t *testing.T) {
	s := newLoopSpeaker(t, 50*time.Millisecond, time.Second)
	s.change(1)
	waitChanged(t, s)

	// The same route again, as when a session goes down and its
	// withdrawn routes are held: the routes in use stay the same.
	s.change(1)
	deadline := time.Now().Add(time.Minute)
	for s.Stats().Unchanged == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the quiet period after an unchanged route never ended")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if st := s.Stats(); st.Versions != 1 {
		t.Errorf("%d versions, want 1: the same routes made a new version", st.Versions)
	}
	select {
	case <-s.changed:
		t.Error("the speaker signalled a change for the same routes")
	default:
	}

	s.change(2)
	waitChanged(t, s)
	if st := s.Stats(); st.Versions != 2 || st.PublishedCount != 2 {
		t.Errorf("stats %+v, want a second version of 2 prefixes", st)
	}
}
