package altostats

import (
	"github.com/goalto/goalto/internal/netdef"
	"github.com/goalto/goalto/internal/sse"
)

// ResourceStats returns the members of resource-level-stats of every
// resource with an ID in the last published snapshot; it implements
// restconf.State.
func (c *Collector) ResourceStats() map[string]map[string]any {
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.snap == nil {
		return map[string]map[string]any{}
	}
	streams := c.openStreams()
	out := make(map[string]map[string]any, len(c.resources))
	for _, res := range c.snap.Resources {
		r := c.resources[res.ID]
		if r == nil {
			continue
		}
		last := r.last.sum(now)
		m := map[string]any{
			"discontinuity-time": c.timeticks(r.since),
			"last-report-time":   c.timeticks(now),
			"num-res-upd":        u64(r.versions),
			"num-res-req":        u64(r.total.req),
			"num-res-succ":       u64(r.total.succ),
			"num-res-fail":       u64(r.total.fail),
			"num-res-last-req":   u64(last.req),
			"num-res-last-succ":  u64(last.succ),
			"num-res-last-fail":  u64(last.fail),
		}
		if r.sizes.encoded >= 0 {
			m["res-enc-size"] = u64(uint64(r.sizes.encoded))
			m["res-mem-size"] = u64(uint64(r.sizes.memory))
		}
		addTypeStats(m, res.Type, r.sizes, streams[res.ID])
		out[res.ID] = m
	}
	return out
}

// openStreams returns the open update streams by resource ID. The
// caller holds c.mu.
func (c *Collector) openStreams() map[string][]sse.StreamStats {
	out := map[string][]sse.StreamStats{}
	for _, f := range c.streams {
		for _, st := range f() {
			out[st.ResourceID] = append(out[st.ResourceID], st)
		}
	}
	return out
}

// addTypeStats adds the container of statistics specific to a resource
// type, when the type has one.
func addTypeStats(m map[string]any, typ string, sz sizes, streams []sse.StreamStats) {
	switch {
	case sz.pids >= 0:
		m["network-map-stats"] = map[string]any{"num-map-pid": u64(uint64(sz.pids))}
	case sz.entries >= 0:
		m["property-map-stats"] = map[string]any{"num-map-entry": u64(uint64(sz.entries))}
	case sz.propEntries >= 0:
		m["endpoint-prop-stats"] = map[string]any{"num-map-entry": u64(uint64(sz.propEntries))}
	case sz.objects >= 0:
		m["cdni-stats"] = map[string]any{"num-base-obj": u64(uint64(sz.objects))}
	case typ == netdef.TypeUpdateStream:
		m["upd-stream-stats"] = streamStats(streams)
	}
}

// streamStats returns upd-stream-stats of the open streams of one
// resource: their number and the total, max, min and average of the
// update messages sent on each. The per-window variants are not
// counted.
func streamStats(streams []sse.StreamStats) map[string]any {
	out := map[string]any{"num-upd-stream": u64(uint64(len(streams)))}
	if len(streams) == 0 {
		return out
	}
	var total uint64
	lo, hi := streams[0].Messages, streams[0].Messages
	for _, st := range streams {
		total += st.Messages
		lo, hi = min(lo, st.Messages), max(hi, st.Messages)
	}
	out["num-upd-msg-total"] = u64(total)
	out["num-upd-msg-max"] = u64(hi)
	out["num-upd-msg-min"] = u64(lo)
	out["num-upd-msg-avg"] = u64(total / uint64(len(streams)))
	return out
}
