// Package loadgen offers HTTP/1.1 load to a server for overload
// benchmarks. It writes one pre-encoded request over plain TCP and reads
// the status line, headers and a Content-Length body back, so that a
// request costs the generator far less CPU than it costs the server.
// That matters on a small machine, where net/http's client could spend
// about as much CPU as the server it measures (an estimate).
//
// Run offers a rate in an open loop. Request i is due at start + i/rate,
// whether or not the earlier requests have had responses. Its latency
// counts from when it was due, so time spent waiting for a free
// connection in the generator is not hidden (the "coordinated omission"
// of closed-loop generators). Saturate runs closed-loop
// clients to find the rate a server sustains.
package loadgen

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Request returns the bytes of an HTTP/1.1 POST of body to path on host,
// keeping the connection alive.
func Request(host, path, contentType string, body []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n", path, host, contentType, len(body))
	b.Write(body)
	return b.Bytes()
}

// Config describes one load phase.
type Config struct {
	Addr     string        // host:port of the server
	Request  []byte        // the whole HTTP/1.1 request, as from Request
	Duration time.Duration // how long requests are started
	// Rate is the number of requests started per second by Run.
	Rate float64
	// Conns bounds the connections, and so the requests in flight. A
	// request due when every connection is busy waits for one; it is
	// counted as unsent when Backlog requests already wait.
	Conns   int
	Backlog int
}

// Result counts the responses of one phase.
type Result struct {
	Sent    int             // requests written
	Unsent  int             // requests dropped because the backlog was full
	Status  map[int]int     // responses by status code
	Failed  int             // requests that got no response: dial, write or read errors
	OK      []time.Duration // latencies of 200 responses, sorted
	Elapsed time.Duration   // from the first request due to the last response
}

// Accepted returns the 200 responses per second.
func (r *Result) Accepted() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(len(r.OK)) / r.Elapsed.Seconds()
}

// Percentile returns the p-th percentile (0 to 100) of the latencies of
// 200 responses, or 0 without any.
func (r *Result) Percentile(p float64) time.Duration {
	if len(r.OK) == 0 {
		return 0
	}
	i := int(p / 100 * float64(len(r.OK)-1))
	return r.OK[i]
}

// Share returns n as a percentage of the requests due: sent or unsent.
func (r *Result) Share(n int) float64 {
	if total := r.Sent + r.Unsent; total > 0 {
		return 100 * float64(n) / float64(total)
	}
	return 0
}

// tally collects the outcome of requests from several goroutines.
type tally struct {
	mu  sync.Mutex
	res Result
}

func (t *tally) add(status int, took time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.res.Sent++
	if status == 0 {
		t.res.Failed++
		return
	}
	t.res.Status[status]++
	if status == 200 {
		t.res.OK = append(t.res.OK, took)
	}
}

func (t *tally) result(start time.Time) *Result {
	t.mu.Lock()
	defer t.mu.Unlock()
	r := t.res
	r.Elapsed = time.Since(start)
	slices.Sort(r.OK)
	return &r
}

// Run offers cfg.Rate requests per second for cfg.Duration in an open
// loop and returns the results once every request sent has ended.
func Run(ctx context.Context, cfg Config) *Result {
	t := &tally{res: Result{Status: map[int]int{}}}
	due := make(chan time.Time, max(1, cfg.Backlog))
	var wg sync.WaitGroup
	for range max(1, cfg.Conns) {
		wg.Go(func() {
			c := conn{addr: cfg.Addr}
			defer c.close()
			for at := range due {
				status := c.do(ctx, cfg.Request)
				t.add(status, time.Since(at))
			}
		})
	}

	start := time.Now()
	interval := time.Duration(float64(time.Second) / cfg.Rate)
	unsent := 0
	for i := 0; ; i++ {
		at := start.Add(time.Duration(i) * interval)
		if at.Sub(start) >= cfg.Duration || ctx.Err() != nil {
			break
		}
		if d := time.Until(at); d > 0 {
			time.Sleep(d)
		}
		select {
		case due <- at:
		default:
			unsent++
		}
	}
	close(due)
	wg.Wait()

	r := t.result(start)
	r.Unsent = unsent
	return r
}

// Saturate runs clients closed-loop clients, each sending its next
// request as soon as the last one has its response, for d.
func Saturate(ctx context.Context, addr string, request []byte, clients int, d time.Duration) *Result {
	t := &tally{res: Result{Status: map[int]int{}}}
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			c := conn{addr: addr}
			defer c.close()
			for time.Now().Before(deadline) && ctx.Err() == nil {
				t0 := time.Now()
				status := c.do(ctx, request)
				t.add(status, time.Since(t0))
			}
		})
	}
	wg.Wait()
	return t.result(start)
}

// conn is one keep-alive connection, dialled when first needed and again
// after the server closes it.
type conn struct {
	addr string
	nc   net.Conn
	br   *bufio.Reader
}

// responseTimeout bounds a request, so that a stalled server cannot hang
// a benchmark.
const responseTimeout = 30 * time.Second

// do sends request and reads the response. It returns the status code,
// or 0 when no response came.
func (c *conn) do(ctx context.Context, request []byte) int {
	status, err := c.try(ctx, request)
	if err != nil && c.nc != nil {
		c.close()
	}
	return status
}

func (c *conn) try(ctx context.Context, request []byte) (int, error) {
	if c.nc == nil {
		var d net.Dialer
		nc, err := d.DialContext(ctx, "tcp", c.addr)
		if err != nil {
			return 0, err
		}
		c.nc, c.br = nc, bufio.NewReaderSize(nc, 16<<10)
	}
	_ = c.nc.SetDeadline(time.Now().Add(responseTimeout))
	if _, err := c.nc.Write(request); err != nil {
		return 0, err
	}
	status, keep, err := readResponse(c.br)
	if err != nil {
		return 0, err
	}
	if !keep {
		c.close()
	}
	return status, nil
}

func (c *conn) close() {
	if c.nc != nil {
		c.nc.Close()
		c.nc, c.br = nil, nil
	}
}

// readResponse reads one HTTP/1.1 response with a Content-Length body and
// reports its status and whether the connection stays open.
func readResponse(br *bufio.Reader) (status int, keepAlive bool, err error) {
	line, err := br.ReadSlice('\n')
	if err != nil {
		return 0, false, err
	}
	// "HTTP/1.1 200 OK\r\n"
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return 0, false, fmt.Errorf("malformed status line %q", line)
	}
	status, err = strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, false, fmt.Errorf("malformed status line %q", line)
	}
	length, keepAlive := -1, true
	for {
		h, err := br.ReadSlice('\n')
		if err != nil {
			return 0, false, err
		}
		h = bytes.TrimRight(h, "\r\n")
		if len(h) == 0 {
			break
		}
		name, value, ok := bytes.Cut(h, []byte(":"))
		if !ok {
			continue
		}
		value = bytes.TrimSpace(value)
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if length, err = strconv.Atoi(string(value)); err != nil {
				return 0, false, fmt.Errorf("malformed Content-Length %q", value)
			}
		case bytes.EqualFold(name, []byte("Connection")) && bytes.EqualFold(value, []byte("close")):
			keepAlive = false
		}
	}
	if length < 0 {
		return 0, false, errors.New("response without Content-Length")
	}
	if _, err := br.Discard(length); err != nil {
		return 0, false, fmt.Errorf("reading the body: %w", err)
	}
	return status, keepAlive, nil
}
