package daemon_test

import (
	"log/slog"
	"net/netip"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/goalto/goalto/internal/daemon"
	"github.com/goalto/goalto/internal/netdef"
	"github.com/goalto/goalto/internal/prefixes"
	"github.com/goalto/goalto/internal/snapshot"
)

// tableSource is a source that supplies one prefix table, which a test
// replaces.
type tableSource struct {
	mu      sync.Mutex
	entries []prefixes.Entry
	changed chan struct{}
	closed  bool
}

func (s *tableSource) Contribute(live *snapshot.Live) {
	s.mu.Lock()
	defer s.mu.Unlock()
	live.Tables = append(live.Tables, &prefixes.Table{File: "test source", Entries: s.entries})
}

func (s *tableSource) Changed() <-chan struct{} { return s.changed }

func (s *tableSource) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	return nil
}

func (s *tableSource) set(entries []prefixes.Entry) {
	s.mu.Lock()
	s.entries = entries
	s.mu.Unlock()
	s.changed <- struct{}{}
}

// moved is the prefix that the source of the tests moves between PIDs.
var moved = netip.MustParsePrefix("203.0.113.0/24")

func entry(prefix, pid string) prefixes.Entry {
	return prefixes.Entry{Prefix: netip.MustParsePrefix(prefix), PID: pid}
}

func TestSourceFeedsNetworkMap(t *testing.T) {
	n := newNetwork(t, baseTopology)
	src := &tableSource{entries: []prefixes.Entry{entry("203.0.113.0/24", "a")}, changed: make(chan struct{})}
	var gotDef *netdef.Definition
	factory := func(def *netdef.Definition, _ *slog.Logger) (daemon.Source, error) {
		gotDef = def
		return src, nil
	}
	none := func(*netdef.Definition, *slog.Logger) (daemon.Source, error) { return nil, nil }
	s := startServer(t, daemon.Config{Definition: n.definition, ReloadInterval: -1, Sources: []daemon.SourceFactory{factory, none}})
	if gotDef == nil || gotDef.NetworkMap.ResourceID != "test-network-map" {
		t.Fatalf("the factory got definition %+v, want the test definition", gotDef)
	}
	nm := s.networkMap(t)
	if got := nm.NetworkMap["a"]["ipv4"]; !slices.Contains(got, moved) {
		t.Fatalf("PID a has IPv4 prefixes %v, want the source's 203.0.113.0/24 among them", got)
	}

	src.set([]prefixes.Entry{entry("203.0.113.0/24", "c")})
	deadline := time.Now().Add(time.Minute)
	for {
		nm2 := s.networkMap(t)
		if slices.Contains(nm2.NetworkMap["c"]["ipv4"], moved) {
			if slices.Contains(nm2.NetworkMap["a"]["ipv4"], moved) {
				t.Fatalf("203.0.113.0/24 is in both a and c: %+v", nm2.NetworkMap)
			}
			if nm2.Meta.VTag.Tag == nm.Meta.VTag.Tag {
				t.Fatalf("the network map changed but kept vtag %q", nm.Meta.VTag.Tag)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("203.0.113.0/24 did not move to PID c; map: %+v", nm2.NetworkMap)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestSourceClosedOnShutdown(t *testing.T) {
	n := newNetwork(t, baseTopology)
	src := &tableSource{changed: make(chan struct{})}
	factory := func(*netdef.Definition, *slog.Logger) (daemon.Source, error) { return src, nil }
	d, err := daemon.Start(daemon.Config{Definition: n.definition, Listen: "127.0.0.1:0", ReloadInterval: -1, Sources: []daemon.SourceFactory{factory}})
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Shutdown(t.Context()); err != nil {
		t.Fatal(err)
	}
	src.mu.Lock()
	defer src.mu.Unlock()
	if !src.closed {
		t.Fatal("Shutdown did not close the source")
	}
}
