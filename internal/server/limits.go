package server

import (
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/netip"
	"os"
	"runtime"
	"strconv"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/netdef"
)

// Defaults of the Limits fields that protect the server under load.
const (
	DefaultMaxJSONDepth    = 32
	DefaultMaxCostTypes    = 16
	DefaultMaxConstraints  = 64
	DefaultBodyReadTimeout = 10 * time.Second
	DefaultWriteTimeout    = 30 * time.Second
	DefaultRatePerClient   = 200 // requests per second
	DefaultRateBurst       = 400
	DefaultMaxRateClients  = 65536
)

// DefaultMaxInFlight returns the default bound on requests served at
// once: 8 per CPU that Go may use, and at least 16.
func DefaultMaxInFlight() int { return max(16, 8*runtime.GOMAXPROCS(0)) }

// retryAfterSeconds is the Retry-After value of 429 and 503 responses
// to the rate and in-flight limits.
const retryAfterSeconds = 1

// withLoadDefaults fills in the defaults of the load limits.
func (l Limits) withLoadDefaults() Limits {
	setDefault(&l.MaxJSONDepth, DefaultMaxJSONDepth)
	setDefault(&l.MaxCostTypes, DefaultMaxCostTypes)
	setDefault(&l.MaxConstraints, DefaultMaxConstraints)
	setDefault(&l.BodyReadTimeout, DefaultBodyReadTimeout)
	setDefault(&l.WriteTimeout, DefaultWriteTimeout)
	setDefault(&l.MaxInFlight, DefaultMaxInFlight())
	setDefault(&l.MaxRunnablePerCPU, DefaultMaxRunnablePerCPU)
	setDefault(&l.RatePerClient, DefaultRatePerClient)
	setDefault(&l.RateBurst, DefaultRateBurst)
	setDefault(&l.MaxRateClients, DefaultMaxRateClients)
	return l
}

func setDefault[T int | float64 | time.Duration](v *T, def T) {
	if *v == 0 {
		*v = def
	}
}

// guard holds the state of the rate and in-flight limits.
type guard struct {
	inFlight chan struct{} // nil when the limit is off
	rates    *clientRates  // nil when the limit is off
	cpu      *cpuGate      // nil when the limit is off
}

func newGuard(l Limits) *guard {
	g := &guard{cpu: newCPUGate(l.MaxRunnablePerCPU)}
	if l.MaxInFlight > 0 {
		g.inFlight = make(chan struct{}, l.MaxInFlight)
	}
	if l.RatePerClient > 0 {
		g.rates = &clientRates{
			limit:   rate.Limit(l.RatePerClient),
			burst:   max(1, l.RateBurst),
			max:     l.MaxRateClients,
			clients: map[string]*clientRate{},
		}
	}
	return g
}

// allowRate reports whether the client of r is within its request rate,
// and otherwise writes 429 Too Many Requests.
func (h *Handler) allowRate(w http.ResponseWriter, r *http.Request) bool {
	if h.guard.rates == nil {
		return true
	}
	ip := clientIP(r)
	if !h.limits.RateLimitLoopback && isLoopback(ip) {
		return true
	}
	ok, full := h.guard.rates.allow(ip, time.Now())
	switch {
	case ok:
		return true
	case full:
		h.limitLog.log(h.logger, ReasonOverloaded, "request rejected: too many clients are tracked by the rate limit")
		w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds))
		plainError(w, http.StatusServiceUnavailable, "the server is overloaded; retry shortly")
	default:
		h.limitLog.log(h.logger, ReasonRateLimited, "request rejected: client over its request rate")
		w.Header().Set("Retry-After", strconv.Itoa(h.guard.rates.retryAfter()))
		plainError(w, http.StatusTooManyRequests, fmt.Sprintf("this client sends more than %g requests per second; retry later", float64(h.guard.rates.limit)))
	}
	return false
}

// acquire takes an in-flight slot without waiting and returns the
// function that gives it back, which may be called more than once. When
// no slot is free it writes 503 with Retry-After and returns false:
// rejecting the excess at once keeps the latency of the accepted
// requests normal, where waiting would delay every request behind the
// queue.
func (h *Handler) acquire(w http.ResponseWriter) (release func(), ok bool) {
	if h.guard.inFlight == nil {
		return func() {}, true
	}
	select {
	case h.guard.inFlight <- struct{}{}:
		var once sync.Once
		return func() { once.Do(func() { <-h.guard.inFlight }) }, true
	default:
	}
	h.limitLog.log(h.logger, ReasonOverloaded, "request rejected: every in-flight slot is busy")
	w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds))
	plainError(w, http.StatusServiceUnavailable, "the server is overloaded; retry shortly")
	return nil, false
}

// longLived reports whether a resource's requests last as long as the
// client wants, so that they take no in-flight slot and no write
// deadline: update streams hold their response open.
func longLived(res string) bool { return res == netdef.TypeUpdateStream }

// setWriteDeadline bounds the time to write the response of r, so that
// a client that reads slowly cannot hold the connection or, on HTTP/2
// and HTTP/3, the request's stream. quic-go's http3 ResponseWriter sets
// the deadline on the stream. A ResponseWriter without deadlines is
// returned as it is. On HTTP/2 and HTTP/3 it returns a writer that
// counts a write timeout. On HTTP/1.1 the transport counts it, because
// net/http writes the end of a response after the handler returns.
func (h *Handler) setWriteDeadline(w http.ResponseWriter, r *http.Request) http.ResponseWriter {
	deadline := time.Now().Add(h.limits.WriteTimeout)
	if err := http.NewResponseController(w).SetWriteDeadline(deadline); err != nil || r.ProtoMajor < 2 {
		return w
	}
	return &deadlineWriter{ResponseWriter: w, h: h, deadline: deadline}
}

// deadlineWriter counts a response whose write failed at or after its
// write deadline. HTTP/2 resets the stream at the deadline, so the
// handler's write then fails with a stream error, not a timeout.
//
// NOTE: a response that fits in the server's write buffer is written
// after the handler returns, so a timeout of its write is not counted.
type deadlineWriter struct {
	http.ResponseWriter
	h        *Handler
	deadline time.Time
	reported bool
}

// Write writes to the response and counts a write timeout.
func (w *deadlineWriter) Write(p []byte) (int, error) {
	n, err := w.ResponseWriter.Write(p)
	w.check(err)
	return n, err
}

// FlushError flushes the response and counts a write timeout;
// http.ResponseController.Flush calls it.
func (w *deadlineWriter) FlushError() error {
	err := http.NewResponseController(w.ResponseWriter).Flush()
	w.check(err)
	return err
}

// Flush implements http.Flusher.
func (w *deadlineWriter) Flush() { _ = w.FlushError() }

// Unwrap returns the wrapped writer, for http.ResponseController.
func (w *deadlineWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *deadlineWriter) check(err error) {
	if err == nil || w.reported {
		return
	}
	if errors.Is(err, os.ErrDeadlineExceeded) || !time.Now().Before(w.deadline) {
		w.reported = true
		w.h.limitLog.log(w.h.logger, ReasonWriteTimeout, "response stream reset: not written within the write timeout")
	}
}

// clientRates holds a token bucket per client IP address.
type clientRates struct {
	limit rate.Limit
	burst int
	max   int

	mu      sync.Mutex // guards clients
	clients map[string]*clientRate
}

type clientRate struct {
	limiter *rate.Limiter
	last    time.Time
}

// allow takes a token of the client's bucket. full is true when the
// client is new and max clients are tracked, even after dropping the
// buckets that have refilled.
func (c *clientRates) allow(ip string, now time.Time) (ok, full bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cr := c.clients[ip]
	if cr == nil {
		if len(c.clients) >= c.max {
			c.sweepLocked(now)
		}
		if len(c.clients) >= c.max {
			return false, true
		}
		cr = &clientRate{limiter: rate.NewLimiter(c.limit, c.burst)}
		c.clients[ip] = cr
	}
	cr.last = now
	return cr.limiter.AllowN(now, 1), false
}

// sweepLocked drops the buckets that have been idle long enough to be
// full again, which a new bucket would equal.
func (c *clientRates) sweepLocked(now time.Time) {
	refill := time.Duration(float64(c.burst) / float64(c.limit) * float64(time.Second))
	for ip, cr := range c.clients {
		if now.Sub(cr.last) > refill {
			delete(c.clients, ip)
		}
	}
}

// retryAfter returns the seconds until a token is back, at least 1.
func (c *clientRates) retryAfter() int {
	return max(1, int(math.Ceil(1/float64(c.limit))))
}

// clientIP returns the IP address of the client of r, the key of the
// per-client limits.
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func isLoopback(ip string) bool {
	a, err := netip.ParseAddr(ip)
	return err == nil && a.IsLoopback()
}

// checkDepth returns an E_SYNTAX error when a JSON text nests arrays and
// objects deeper than max. It scans the bytes once without decoding, so
// that a deeply nested body costs no more than its length.
func checkDepth(body []byte, max int) error {
	depth, inString, escaped := 0, false, false
	for _, b := range body {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case b == '\\':
				escaped = true
			case b == '"':
				inString = false
			}
		case b == '"':
			inString = true
		case b == '[' || b == '{':
			if depth++; depth > max {
				return &alto.Error{Code: alto.ErrSyntax,
					Message: fmt.Sprintf("the request nests JSON arrays and objects deeper than %d levels", max)}
			}
		case b == ']' || b == '}':
			depth--
		}
	}
	return nil
}

// checkCostCounts rejects a cost request with more cost types or
// constraints than the server-wide limits allow, before any work.
func (q *query) checkCostCounts(multi, testable []alto.CostType, cs []alto.Constraint, or [][]alto.Constraint) error {
	l := q.h.limits
	if err := alto.CheckCostCounts(l.MaxCostTypes, l.MaxConstraints, multi, testable, cs, or); err != nil {
		q.h.limitLog.log(q.h.logger, ReasonCostTypes, "request rejected: too many cost types or constraints")
		return err
	}
	return nil
}
