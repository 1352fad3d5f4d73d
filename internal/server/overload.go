package server

import (
	"math"
	"net/http"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultMaxRunnablePerCPU is the default of Limits.MaxRunnablePerCPU.
const DefaultMaxRunnablePerCPU = 16

// cpuSampleInterval is the least time between two readings of the
// scheduler's run queue.
const cpuSampleInterval = time.Millisecond

// cpuSmoothing is the time constant of the moving average of the run
// queue, so that a burst shorter than a few milliseconds, such as a
// garbage collection cycle, does not shed a lightly loaded server. The
// weight of a sample grows with the time since the last one, so the
// first request after an idle spell reads the queue as it is then.
const cpuSmoothing = 4 * time.Millisecond

// MinRunnablePerCPU is the lowest positive Limits.MaxRunnablePerCPU. A
// busy but not saturated CPU often has a goroutine or two waiting, so a
// lower limit sheds a server that has time to spare.
const MinRunnablePerCPU = 1

// runnableMetric counts the goroutines that are ready to run but wait for
// a CPU (runtime/metrics, Go 1.26).
const runnableMetric = "/sched/goroutines/runnable:goroutines"

// cpuGate sheds requests while the process has more work ready to run
// than its CPUs can start soon.
//
// Under more load than the CPUs can serve, the queue that grows is the
// Go scheduler's run queue. Connection goroutines wait there to parse
// their requests before any handler or in-flight slot is reached, and
// every request waits behind all of them. The in-flight limit cannot
// see that queue, because on a saturated CPU each computation finishes
// before the next one starts. The gate reads the length of the run queue
// at most once per cpuSampleInterval, when a request arrives. While the
// moving average is over the limit per CPU, admitCPU answers new
// requests with 503. A rejection costs a small part of a computation, so
// the queue drains, and an accepted request waits behind about the
// limit.
type cpuGate struct {
	limit float64 // runnable goroutines per CPU

	next atomic.Int64 // UnixNano of the next sample
	over atomic.Bool  // the last sample was over the limit

	mu     sync.Mutex // guards sample, avg and last
	sample []metrics.Sample
	avg    float64   // moving average of runnable goroutines per CPU
	last   time.Time // of the last sample
}

// newCPUGate returns a gate at limit runnable goroutines per CPU, or nil
// when limit is negative or the runtime does not offer the metric.
func newCPUGate(limit float64) *cpuGate {
	if limit < 0 {
		return nil
	}
	g := &cpuGate{limit: limit, sample: []metrics.Sample{{Name: runnableMetric}}}
	metrics.Read(g.sample)
	if g.sample[0].Value.Kind() != metrics.KindUint64 {
		return nil
	}
	return g
}

// overloaded reports whether the run queue held more than the limit per
// CPU when last sampled, and samples it again when the last sample is
// older than cpuSampleInterval. One request samples at a time; the
// others use the last result.
func (g *cpuGate) overloaded(now time.Time) bool {
	next := g.next.Load()
	if now.UnixNano() >= next && g.next.CompareAndSwap(next, now.Add(cpuSampleInterval).UnixNano()) && g.mu.TryLock() {
		metrics.Read(g.sample)
		runnable := float64(g.sample[0].Value.Uint64()) / float64(runtime.GOMAXPROCS(0))
		g.avg = smooth(g.avg, runnable, now.Sub(g.last))
		g.last = now
		over := g.avg > g.limit
		g.mu.Unlock()
		g.over.Store(over)
	}
	return g.over.Load()
}

// smooth returns the moving average avg updated with a sample taken
// elapsed after the last one: the sample weighs 1 - e^(-elapsed/τ), with
// τ = cpuSmoothing.
func smooth(avg, sample float64, elapsed time.Duration) float64 {
	w := 1 - math.Exp(-float64(elapsed)/float64(cpuSmoothing))
	return avg + w*(sample-avg)
}

// admitCPU reports whether the request may proceed, and otherwise writes
// 503 with Retry-After.
func (h *Handler) admitCPU(w http.ResponseWriter) bool {
	if h.guard.cpu == nil || !h.guard.cpu.overloaded(time.Now()) {
		return true
	}
	h.limitLog.log(h.logger, ReasonOverloaded, "request rejected: the CPUs are saturated")
	w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds))
	plainError(w, http.StatusServiceUnavailable, "the server is overloaded; retry shortly")
	return false
}
