// Package altostats counts the statistics of the ietf-alto-stats YANG
// module: requests, successful and failed responses of the server and
// of each information resource, in total and within a time window, and
// the sizes and versions of the resources being served. Collector
// receives the server's request observer calls and the daemon's
// published snapshots, and returns the counters as RFC 7951 JSON
// members for the RESTCONF operational state.
package altostats

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/goalto/goalto/internal/netdef"
	"github.com/goalto/goalto/internal/server"
	"github.com/goalto/goalto/internal/snapshot"
	"github.com/goalto/goalto/internal/sse"
)

// DefaultWindow is the time-window-size of ietf-alto-stats: the
// duration over which the num-*-last-* statistics count.
const DefaultWindow = 300 * time.Second

// Config configures a Collector. The zero value takes the defaults.
type Config struct {
	// Window is the duration of the time window; default DefaultWindow.
	Window time.Duration
	// Now returns the current time; default time.Now. Tests set it.
	Now func() time.Time
	// OnMemLimit is called when a resource's res-mem-size reaches the
	// limit that SetMemLimits gave it, for the alto-resource-event
	// notification of ietf-alto. It is called again only after the size
	// has fallen below the limit. It runs on the goroutine of
	// ObservePublish or SetMemLimits, without the collector's lock.
	OnMemLimit func(resourceID string, limit uint64)
}

// Collector counts ietf-alto-stats statistics. It implements
// server.Observer and restconf.State, and is safe for concurrent use.
// Create it with New.
type Collector struct {
	cfg     Config
	now     func() time.Time
	size    time.Duration
	started time.Time

	mu        sync.Mutex // guards the following fields
	total     counts
	last      window
	resources map[string]*resourceStats
	memLimits map[string]uint64 // notify-res-mem-limit by resource ID
	snap      *snapshot.Snapshot
	streams   []func() []sse.StreamStats
}

// resourceStats are the statistics of one information resource.
type resourceStats struct {
	total counts
	last  window
	// since is when the resource was first published, or published
	// again after a snapshot without it.
	since time.Time
	// etag is the entity tag of its last published version; versions
	// counts the changes of it.
	etag     string
	versions uint64
	sizes    sizes
	// overMem is set while res-mem-size is at or above its limit.
	overMem bool
}

// New returns a collector whose statistics start now.
func New(cfg Config) *Collector {
	if cfg.Window <= 0 {
		cfg.Window = DefaultWindow
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Collector{
		cfg:       cfg,
		now:       cfg.Now,
		size:      cfg.Window,
		started:   cfg.Now(),
		last:      newWindow(cfg.Window),
		resources: map[string]*resourceStats{},
	}
}

// AddStreams makes the collector read the open update streams of an
// update stream service for the upd-stream-stats of its resources.
func (c *Collector) AddStreams(streams func() []sse.StreamStats) {
	c.mu.Lock()
	c.streams = append(c.streams, streams)
	c.mu.Unlock()
}

// ObserveRequest counts a finished request; it implements
// server.Observer. A response with a status below 400 is a success and
// any other a failure. Requests for a path that is no information
// resource with an ID count for the server only.
func (c *Collector) ObserveRequest(resourceID, _ string, status int, _ string, _ time.Duration, _ int) {
	failed := status >= 400
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.total.add(failed)
	c.last.add(now, failed)
	if resourceID == server.ResourceUnknown || strings.Contains(resourceID, "/") {
		return
	}
	if r := c.resources[resourceID]; r != nil {
		r.total.add(failed)
		r.last.add(now, failed)
	}
}

// ObservePublish records the resources of a snapshot that the daemon
// has just published: their sizes, and a new version of each whose
// entity tag changed. Resources that the snapshot lacks are forgotten.
func (c *Collector) ObservePublish(s *snapshot.Snapshot) {
	measured := map[string]sizes{}
	for _, res := range s.Resources {
		if res.ID != "" {
			measured[res.ID] = measure(s, res)
		}
	}
	c.record(s, measured)
	c.checkMemLimits()
}

// SetMemLimits sets the notify-res-mem-limit of each resource, in bytes,
// replacing the previous limits, and checks them at once.
func (c *Collector) SetMemLimits(limits map[string]uint64) {
	c.mu.Lock()
	c.memLimits = limits
	c.mu.Unlock()
	c.checkMemLimits()
}

// checkMemLimits calls OnMemLimit for each resource whose memory size
// has reached its limit since the last check.
func (c *Collector) checkMemLimits() {
	if c.cfg.OnMemLimit == nil {
		return
	}
	type event struct {
		id    string
		limit uint64
	}
	var reached []event
	c.mu.Lock()
	for id, r := range c.resources {
		limit, over := c.memLimits[id]
		over = over && r.sizes.memory >= 0 && uint64(r.sizes.memory) >= limit
		if over && !r.overMem {
			reached = append(reached, event{id, limit})
		}
		r.overMem = over
	}
	c.mu.Unlock()
	for _, e := range reached {
		c.cfg.OnMemLimit(e.id, e.limit)
	}
}

// record stores the sizes and versions of a published snapshot.
func (c *Collector) record(s *snapshot.Snapshot, measured map[string]sizes) {
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	seen := make(map[string]*resourceStats, len(measured))
	for _, res := range s.Resources {
		if res.ID == "" {
			continue
		}
		r := c.resources[res.ID]
		if r == nil {
			r = &resourceStats{since: now, last: newWindow(c.size), etag: res.ETag}
		}
		if res.ETag != r.etag {
			r.versions++
			r.etag = res.ETag
		}
		r.sizes = measured[res.ID]
		seen[res.ID] = r
	}
	c.resources = seen
	c.snap = s
}

// sizes are the measured sizes of a resource; a negative one is not
// measured.
type sizes struct {
	encoded, memory int64
	// pids, entries and objects are the type-specific sizes of network
	// maps, property maps and CDNI resources; propEntries is that of the
	// endpoint property service.
	pids, entries, objects, propEntries int64
}

func measure(s *snapshot.Snapshot, res *snapshot.Resource) sizes {
	sz := sizes{encoded: -1, memory: -1, pids: -1, entries: -1, objects: -1, propEntries: -1}
	if len(res.Body) > 0 {
		sz.encoded = int64(len(res.Body))
		sz.memory = int64(len(res.Body) + len(res.Gzip))
	}
	switch res.Type {
	case netdef.TypeNetworkMap, netdef.TypeFilteredNetworkMap:
		if m := s.NetworkMapByID(res.ID); m != nil {
			sz.pids = int64(m.Len())
		}
	case netdef.TypePropertyMap, netdef.TypeFilteredPropertyMap:
		if res.PropertyMap != nil {
			sz.entries = countEntities(res.PropertyMap.EncodeFull())
		}
	case netdef.TypeEndpointProperty:
		sz.propEntries = int64(s.EndpointPropertyEntries())
	case netdef.TypeCDNI, netdef.TypeFilteredCDNI:
		if res.CDNI != nil {
			sz.objects = int64(len(res.CDNI.Objects()))
		}
	}
	return sz
}

// countEntities returns the number of entities of an encoded property
// map (RFC 9240, Section 7.6), or -1 when it cannot be decoded.
func countEntities(body []byte) int64 {
	var v struct {
		PropertyMap map[string]json.RawMessage `json:"property-map"`
	}
	if err := json.NewDecoder(bytes.NewReader(body)).Decode(&v); err != nil {
		return -1
	}
	return int64(len(v.PropertyMap))
}

// u64 encodes a 64-bit YANG integer as a JSON string, which RFC 7951,
// Section 6.1 requires.
func u64(v uint64) string { return strconv.FormatUint(v, 10) }

// timeticks returns a yang:timestamp: hundredths of a second since the
// collector started, modulo 2^32 (RFC 6991, Section 3).
func (c *Collector) timeticks(t time.Time) uint32 {
	return uint32(t.Sub(c.started) / (10 * time.Millisecond))
}

// ServerStats returns the members of server-level-stats; it implements
// restconf.State. The discontinuity-time is 0, the start of the
// collector, which is the epoch of every timestamp.
func (c *Collector) ServerStats() map[string]any {
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	last := c.last.sum(now)
	return map[string]any{
		"discontinuity-time":  c.timeticks(c.started),
		"last-report-time":    c.timeticks(now),
		"num-total-req":       u64(c.total.req),
		"num-total-succ":      u64(c.total.succ),
		"num-total-fail":      u64(c.total.fail),
		"num-total-last-req":  u64(last.req),
		"num-total-last-succ": u64(last.succ),
		"num-total-last-fail": u64(last.fail),
	}
}
