package altostats

import "time"

// windowSlots is the number of slots a time window is divided into;
// counts leave the window one slot at a time.
const windowSlots = 60

// counts are the request counters of ietf-alto-stats: requests,
// successful responses and failed responses.
type counts struct{ req, succ, fail uint64 }

func (c *counts) add(failed bool) {
	c.req++
	if failed {
		c.fail++
	} else {
		c.succ++
	}
}

// window counts the requests of the last time window in windowSlots
// slots. A count stays in the window from when it is added until its
// slot is one whole window old, so the window may overcount by up to
// one slot's width.
type window struct {
	width time.Duration // of one slot
	slots [windowSlots]struct {
		epoch int64 // the slot number since the Unix epoch
		counts
	}
}

func newWindow(size time.Duration) window {
	width := size / windowSlots
	if width <= 0 {
		width = 1
	}
	return window{width: width}
}

func (w *window) add(now time.Time, failed bool) {
	epoch := now.UnixNano() / int64(w.width)
	s := &w.slots[epoch%windowSlots]
	if s.epoch != epoch {
		s.epoch, s.counts = epoch, counts{}
	}
	s.add(failed)
}

// sum returns the counts of the slots of the last window at now.
func (w *window) sum(now time.Time) counts {
	epoch := now.UnixNano() / int64(w.width)
	var total counts
	for _, s := range w.slots {
		if s.epoch > epoch-windowSlots && s.epoch <= epoch {
			total.req += s.req
			total.succ += s.succ
			total.fail += s.fail
		}
	}
	return total
}
