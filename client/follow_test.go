package client_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/client"
)

var protocols = []client.Via{client.ViaSSE, client.ViaTIPS}

// TestFollowRandomChanges follows the network map and both cost maps
// through 20 random topology changes. After each change, the states of
// the updates, and State, must equal a fresh GET of each resource.
func TestFollowRandomChanges(t *testing.T) {
	for _, via := range protocols {
		t.Run(string(via), func(t *testing.T) {
			s := startFollowServer(t)
			irdURL := s.d.IRDURL()
			f, w := follow(t, irdURL, via, followedIDs)
			if f.Via() != via {
				t.Errorf("Via() = %q, want %q", f.Via(), via)
			}
			initial := syncTo(t, f, fetchAll(t, irdURL, followedIDs))
			for _, u := range initial {
				if u.Kind != client.KindFull || u.Seq != 1 {
					t.Errorf("first update of %s: kind %s, seq %d, want a full state with seq 1", u.ResourceID, u.Kind, u.Seq)
				}
			}

			rng := rand.New(rand.NewPCG(8895, 9569))
			var all []client.Update
			for range 20 {
				s.change(t, s.topo.mutate(rng))
				all = append(all, syncTo(t, f, fetchAll(t, irdURL, followedIDs))...)
			}
			checkSequence(t, via, append(initial, all...))
			patches := 0
			for _, u := range all {
				if u.Kind != client.KindFull {
					patches++
				}
			}
			if patches == 0 {
				t.Errorf("no patch in %d updates, want some", len(all))
			}
			if got := resyncs(all); len(got) != 0 {
				t.Errorf("resynchronised without cause: %s", describeUpdates(got))
			}
			if len(w.all()) != 0 {
				t.Errorf("warnings without cause: %q", w.all())
			}
		})
	}
}

// checkSequence checks that the updates of each resource are numbered
// 1, 2, 3 and so on, and that TIPS versions increase.
func checkSequence(t *testing.T, via client.Via, list []client.Update) {
	t.Helper()
	seq := map[string]uint64{}
	tipsSeq := map[string]uint64{}
	for _, u := range list {
		if u.Seq != seq[u.ResourceID]+1 {
			t.Errorf("%s: update seq %d after %d", u.ResourceID, u.Seq, seq[u.ResourceID])
		}
		seq[u.ResourceID] = u.Seq
		if via == client.ViaTIPS && u.TIPSSeq <= tipsSeq[u.ResourceID] {
			t.Errorf("%s: TIPS version %d after %d", u.ResourceID, u.TIPSSeq, tipsSeq[u.ResourceID])
		}
		if via == client.ViaSSE && u.TIPSSeq != 0 {
			t.Errorf("%s: TIPS version %d over an update stream, want 0", u.ResourceID, u.TIPSSeq)
		}
		tipsSeq[u.ResourceID] = u.TIPSSeq
		if (u.ResourceID == networkMapID) != (u.Vtag != "") {
			t.Errorf("%s: vtag %q", u.ResourceID, u.Vtag)
		}
	}
}

// TestFollowTIPSFallsBehind pauses a TIPS follower while the server
// publishes more versions than it keeps (64 by default). The follower
// then gets 410 Gone, opens the view again and resynchronises from a
// snapshot.
func TestFollowTIPSFallsBehind(t *testing.T) {
	s := startFollowServer(t)
	irdURL := s.d.IRDURL()
	ids := []string{networkMapID, routingMapID}
	f, w := follow(t, irdURL, client.ViaTIPS, ids)
	syncTo(t, f, fetchAll(t, irdURL, ids))

	for range 70 {
		s.changeBoth(t)
	}
	got := syncTo(t, f, fetchAll(t, irdURL, ids))
	for _, id := range ids {
		u, ok := lastResync(got, id)
		if !ok {
			t.Errorf("%s: no resync in %s", id, describeUpdates(got))
			continue
		}
		if !strings.Contains(u.Reason, "410 Gone") || u.Kind != client.KindFull || u.TIPSSeq < 64 {
			t.Errorf("%s: resync %+v, want a full snapshot after 410 Gone", id, u)
		}
	}
	if len(w.all()) < len(ids) {
		t.Errorf("warnings %q, want one per resync", w.all())
	}

	// The follower goes on with patches after the snapshot.
	s.changeBoth(t)
	after := syncTo(t, f, fetchAll(t, irdURL, ids))
	if r := resyncs(after); len(r) != 0 {
		t.Errorf("resync after recovery: %s", describeUpdates(r))
	}
}

func lastResync(list []client.Update, id string) (client.Update, bool) {
	for i := len(list) - 1; i >= 0; i-- {
		if list[i].ResourceID == id && list[i].Resync {
			return list[i], true
		}
	}
	return client.Update{}, false
}

// onceRule applies a rewrite to the first input that match accepts.
type onceRule struct {
	mu   sync.Mutex
	done bool
}

func (o *onceRule) first(match bool) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if match && !o.done {
		o.done = true
		return true
	}
	return false
}

// TestFollowResyncsBrokenUpdates serves the daemon through a proxy that
// breaks one update. The follower must fetch the resources again with
// GET, mark those updates Resync with the reason, and stay consistent
// through later changes.
func TestFollowResyncsBrokenUpdates(t *testing.T) {
	badPatch := []byte(`[{"op": "remove", "path": "/no-such-member"}]`)
	tests := []struct {
		name      string
		via       client.Via
		item      func(o *onceRule) func(*http.Request, string, []byte) (string, []byte)
		event     func(o *onceRule) func(string) string
		resynced  []string // resources that must be fetched again
		reasonHas string
	}{
		{
			name: "tips patch fails",
			via:  client.ViaTIPS,
			item: func(o *onceRule) func(*http.Request, string, []byte) (string, []byte) {
				return func(r *http.Request, mediaType string, body []byte) (string, []byte) {
					if o.first(strings.Contains(r.URL.Path, "/"+routingMapID+"/") && !strings.Contains(r.URL.Path, "/ug/0/")) {
						return alto.MediaTypeJSONPatch, badPatch
					}
					return mediaType, body
				}
			},
			resynced:  []string{routingMapID},
			reasonHas: "applying JSON patch",
		},
		{
			name: "tips invalid JSON",
			via:  client.ViaTIPS,
			item: func(o *onceRule) func(*http.Request, string, []byte) (string, []byte) {
				return func(r *http.Request, mediaType string, body []byte) (string, []byte) {
					if o.first(strings.Contains(r.URL.Path, "/"+networkMapID+"/") && !strings.Contains(r.URL.Path, "/ug/0/")) {
						return alto.MediaTypeMergePatch, []byte(`{"network-map": `)
					}
					return mediaType, body
				}
			},
			resynced:  []string{networkMapID},
			reasonHas: "merge patch",
		},
		{
			name: "sse patch fails",
			via:  client.ViaSSE,
			event: func(o *onceRule) func(string) string {
				return func(block string) string {
					eventType, data := eventFields(block)
					mediaType, sub, _ := strings.Cut(eventType, ",")
					if o.first(isPatchType(mediaType) && strings.Contains(data, "cost-map")) {
						return "event: " + alto.MediaTypeJSONPatch + "," + sub + "\ndata: " + string(badPatch) + "\n\n"
					}
					return block
				}
			},
			resynced:  []string{routingMapID, hopMapID},
			reasonHas: "applying JSON patch",
		},
		{
			name: "sse network map update lost",
			via:  client.ViaSSE,
			event: func(o *onceRule) func(string) string {
				return func(block string) string {
					eventType, data := eventFields(block)
					mediaType, _, _ := strings.Cut(eventType, ",")
					if o.first(isPatchType(mediaType) && strings.Contains(data, "network-map")) {
						return "" // drop the event
					}
					return block
				}
			},
			resynced:  []string{networkMapID, routingMapID},
			reasonHas: "depends on version",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startFollowServer(t)
			o := &onceRule{}
			var item func(*http.Request, string, []byte) (string, []byte)
			var event func(string) string
			if tt.item != nil {
				item = tt.item(o)
			}
			if tt.event != nil {
				event = tt.event(o)
			}
			proxyURL := corruptingProxy(t, s.d.IRDURL(), item, event)
			f, w := follow(t, proxyURL, tt.via, followedIDs)
			syncTo(t, f, fetchAll(t, proxyURL, followedIDs))

			s.changeBoth(t)
			got := syncTo(t, f, fetchAll(t, proxyURL, followedIDs))
			r := resyncs(got)
			if len(r) == 0 {
				t.Fatalf("no resync in %s", describeUpdates(got))
			}
			if !strings.Contains(r[0].Reason, tt.reasonHas) {
				t.Errorf("first resync reason %q, want one that contains %q", r[0].Reason, tt.reasonHas)
			}
			if !anyResync(r, tt.resynced) {
				t.Errorf("resynced %s, want one of %q", describeUpdates(r), tt.resynced)
			}
			for _, u := range r {
				if u.Kind != client.KindFull || u.TIPSSeq != 0 {
					t.Errorf("resync %s: kind %s, TIPS seq %d, want a full state of unknown version", u.ResourceID, u.Kind, u.TIPSSeq)
				}
			}
			if len(w.all()) == 0 {
				t.Error("no warning for the resync")
			}

			for range 3 {
				s.changeBoth(t)
				later := syncTo(t, f, fetchAll(t, proxyURL, followedIDs))
				if r := resyncs(later); len(r) != 0 {
					t.Errorf("resync without a broken update: %s", describeUpdates(r))
				}
			}
		})
	}
}

func isPatchType(mediaType string) bool {
	return mediaType == alto.MediaTypeMergePatch || mediaType == alto.MediaTypeJSONPatch
}

func anyResync(list []client.Update, ids []string) bool {
	for _, u := range list {
		for _, id := range ids {
			if u.ResourceID == id {
				return true
			}
		}
	}
	return false
}

// TestFollowAddRemove adds a resource to a follower of the network map,
// removes the network map, and then removes the last resource, which
// stops the follower without an error.
func TestFollowAddRemove(t *testing.T) {
	for _, via := range protocols {
		t.Run(string(via), func(t *testing.T) {
			s := startFollowServer(t)
			irdURL := s.d.IRDURL()
			f, _ := follow(t, irdURL, via, []string{networkMapID})
			syncTo(t, f, fetchAll(t, irdURL, []string{networkMapID}))

			ctx := t.Context()
			if err := f.Add(ctx, routingMapID); err != nil {
				t.Fatalf("Add: %v", err)
			}
			if err := f.Add(ctx, routingMapID); err == nil {
				t.Error("second Add of the same resource succeeded, want an error")
			}
			both := []string{networkMapID, routingMapID}
			syncTo(t, f, fetchAll(t, irdURL, both))

			if err := f.Remove(ctx, networkMapID); err != nil {
				t.Fatalf("Remove: %v", err)
			}
			if f.State(networkMapID) != nil {
				t.Error("State of a removed resource is not nil")
			}
			s.changeBoth(t)
			for _, u := range syncTo(t, f, fetchAll(t, irdURL, []string{routingMapID})) {
				if u.ResourceID != routingMapID {
					t.Errorf("update of %s after it was removed", u.ResourceID)
				}
			}

			if err := f.Remove(ctx, routingMapID); err != nil {
				t.Fatalf("Remove: %v", err)
			}
			for u := range f.Updates() {
				t.Errorf("update of %s after the last resource was removed", u.ResourceID)
			}
			if err := f.Err(); err != nil {
				t.Errorf("Err() = %v after the last resource was removed, want nil", err)
			}
		})
	}
}

// TestFollowStops checks that Close and the end of the context stop a
// follower and close Updates.
func TestFollowStops(t *testing.T) {
	s := startFollowServer(t)
	irdURL := s.d.IRDURL()
	for _, via := range protocols {
		t.Run(string(via)+" close", func(t *testing.T) {
			f, _ := follow(t, irdURL, via, followedIDs)
			f.Close()
			for range f.Updates() {
			}
			if err := f.Err(); err != nil {
				t.Errorf("Err() = %v after Close, want nil", err)
			}
		})
		t.Run(string(via)+" context", func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			f, err := newTestClient(t, irdURL).Follow(ctx, via, followedIDs)
			if err != nil {
				t.Fatalf("Follow: %v", err)
			}
			syncTo(t, f, fetchAll(t, irdURL, followedIDs))
			cancel()
			<-f.Done()
			if err := f.Err(); !errors.Is(err, context.Canceled) {
				t.Errorf("Err() = %v, want context.Canceled", err)
			}
		})
	}
}

// TestFollowRejects checks the errors of requests that cannot be
// followed.
func TestFollowRejects(t *testing.T) {
	s := startFollowServer(t)
	c := newTestClient(t, s.d.IRDURL())
	ctx := t.Context()
	tests := []struct {
		name    string
		follow  func() (*client.Follower, error)
		wantErr error
	}{
		{"unknown resource", func() (*client.Follower, error) {
			return c.Follow(ctx, client.ViaSSE, []string{"no-such-map"})
		}, client.ErrNotFound},
		{"POST resource", func() (*client.Follower, error) {
			return c.FollowTIPS(ctx, "tips", []string{"filtered-cost-map"})
		}, nil},
		{"not in uses", func() (*client.Follower, error) {
			return c.FollowSSE(ctx, "update-stream", []string{"filtered-cost-map"})
		}, nil},
		{"no resources", func() (*client.Follower, error) {
			return c.FollowSSE(ctx, "update-stream", nil)
		}, nil},
		{"unknown protocol", func() (*client.Follower, error) {
			return c.Follow(ctx, "carrier-pigeon", followedIDs)
		}, nil},
		{"not a TIPS resource", func() (*client.Follower, error) {
			return c.FollowTIPS(ctx, "update-stream", followedIDs)
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := tt.follow()
			if err == nil {
				f.Close()
				t.Fatal("succeeded, want an error")
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("error %v, want %v", err, tt.wantErr)
			}
		})
	}
}

// TestServiceLookup checks that the update stream and TIPS resources
// are found by the resources they use.
func TestServiceLookup(t *testing.T) {
	s := startFollowServer(t)
	c := newTestClient(t, s.d.IRDURL())
	ctx := t.Context()
	if r, err := c.UpdateStreamResource(ctx, followedIDs...); err != nil || r.ID != "update-stream" {
		t.Errorf("UpdateStreamResource = %q, %v, want update-stream", r.ID, err)
	}
	if r, err := c.TIPSResource(ctx, routingMapID); err != nil || r.ID != "tips" {
		t.Errorf("TIPSResource = %q, %v, want tips", r.ID, err)
	}
	if _, err := c.TIPSResource(ctx, "filtered-cost-map"); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("TIPSResource of a POST resource: %v, want ErrNotFound", err)
	}
}
