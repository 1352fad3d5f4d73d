package updates

import (
	"sync"
)

// trim applies the limits to a state that is not yet published. First
// it drops the full bodies of versions that are neither the oldest nor
// among the latest MaxSnapshots. While the bytes exceed MaxBytes, it then
// drops the oldest bodies left between those two. Last, it drops the
// oldest versions while there are more than MaxVersions or the bytes
// still exceed MaxBytes. The latest version always stays. The caller
// holds g.writer.
func (g *Graph) trim(s *state) {
	n := len(s.versions)
	for k := 1; k < n-g.limits.MaxSnapshots; k++ {
		if s.versions[k].body != nil {
			s.versions[k] = s.versions[k].withoutBody()
		}
	}
	s.bytes = 0
	for _, v := range s.versions {
		s.bytes += v.size()
	}
	for k := 1; k < n-1 && s.bytes > g.limits.MaxBytes; k++ {
		if v := s.versions[k]; v.body != nil {
			s.versions[k] = v.withoutBody()
			s.bytes -= v.size() - s.versions[k].size()
		}
	}
	for len(s.versions) > 1 && (len(s.versions) > g.limits.MaxVersions || s.bytes > g.limits.MaxBytes) {
		dropOldest(s)
	}
}

// dropOldest removes the oldest version. The next version becomes the
// oldest and gets a full body, rebuilt from the dropped body and its
// incremental update when it had none, and its incremental update goes,
// since no version before it remains. When the rebuild fails, which a
// patch that Diff checked does not cause, that version is dropped too.
func dropOldest(s *state) {
	for len(s.versions) > 1 {
		oldest, next := s.versions[0], s.versions[1]
		s.versions = s.versions[1:]
		s.bytes -= oldest.size()
		body := next.fullBody()
		if body == nil && oldest.body != nil {
			body, _ = Apply(oldest.body, PatchKind(next.edge.MediaType), next.edge.Body)
		}
		if body == nil {
			continue // next is now the oldest, without a body: drop it too
		}
		start := &version{seq: next.seq, tag: next.tag, mediaType: next.mediaType, body: body}
		s.bytes += start.size() - next.size()
		s.versions[0] = start
		return
	}
}

// withoutBody returns a copy of the version without its full body.
func (v *version) withoutBody() *version {
	c := *v
	c.body = nil
	return &c
}

// shortcutCache keeps computed shortcut items, the oldest dropped first.
type shortcutCache struct {
	max   int
	mu    sync.Mutex
	items map[[2]uint64]Item
	order [][2]uint64 // keys, oldest first
}

func (c *shortcutCache) get(key [2]uint64) (Item, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	item, ok := c.items[key]
	return item, ok
}

// put adds an item and drops the items from versions below start, then
// the oldest items over the maximum.
func (c *shortcutCache) put(key [2]uint64, item Item, start uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.items == nil {
		c.items = map[[2]uint64]Item{}
	}
	if _, ok := c.items[key]; ok {
		return
	}
	c.items[key] = item
	c.order = append(c.order, key)
	kept := c.order[:0]
	for _, k := range c.order {
		if k[0] < start {
			delete(c.items, k)
			continue
		}
		kept = append(kept, k)
	}
	c.order = kept
	for len(c.order) > c.max {
		delete(c.items, c.order[0])
		c.order = c.order[1:]
	}
}
