package loadgen

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// server responds to every third request with 503 and Connection: close,
// and the others with 200 and the request body.
func server(t *testing.T) (addr string, served *atomic.Int64) {
	served = new(atomic.Int64)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := served.Add(1)
		body, _ := io.ReadAll(r.Body)
		if n%3 == 0 {
			w.Header().Set("Connection", "close")
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://"), served
}

func TestRunCountsEveryResponse(t *testing.T) {
	addr, served := server(t)
	req := Request(addr, "/", "application/json", []byte(`{"a":1}`))
	r := Run(context.Background(), Config{Addr: addr, Request: req, Duration: 200 * time.Millisecond, Rate: 500, Conns: 4, Backlog: 1000})
	if r.Sent+r.Unsent != 100 {
		t.Errorf("sent %d and unsent %d, want 100 requests due at 500/s for 200 ms", r.Sent, r.Unsent)
	}
	if int64(r.Sent) != served.Load() {
		t.Errorf("sent %d, server saw %d", r.Sent, served.Load())
	}
	if r.Failed != 0 {
		t.Errorf("%d failed; the server closes connections only after a 503", r.Failed)
	}
	if got := r.Status[200] + r.Status[503]; got != r.Sent || len(r.OK) != r.Status[200] {
		t.Errorf("statuses %v and %d latencies for %d requests sent", r.Status, len(r.OK), r.Sent)
	}
	if r.Status[503] != r.Sent/3 {
		t.Errorf("%d responses 503, want every third of %d", r.Status[503], r.Sent)
	}
}

func TestSaturate(t *testing.T) {
	addr, served := server(t)
	req := Request(addr, "/", "application/json", nil)
	r := Saturate(context.Background(), addr, req, 2, 100*time.Millisecond)
	if r.Sent == 0 || int64(r.Sent) != served.Load() || r.Failed != 0 {
		t.Errorf("sent %d, served %d, failed %d", r.Sent, served.Load(), r.Failed)
	}
}

func TestReadResponseErrors(t *testing.T) {
	for _, in := range []string{
		"",
		"SSH-2.0\r\n",
		"HTTP/1.1 2x0 OK\r\n\r\n",
		"HTTP/1.1 200 OK\r\n\r\n", // no Content-Length
		"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab",
	} {
		if _, _, err := readResponse(bufioReader(in)); err == nil {
			t.Errorf("readResponse(%q) succeeded, want an error", in)
		}
	}
}

func bufioReader(s string) *bufio.Reader { return bufio.NewReader(strings.NewReader(s)) }
