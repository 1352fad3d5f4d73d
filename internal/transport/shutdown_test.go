package transport

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"
)

// blockingHandler holds /slow requests until release is closed.
type blockingHandler struct {
	started chan string // receives r.Proto when a /slow request arrives
	release chan struct{}
}

func (h *blockingHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/slow" {
		testHandler().ServeHTTP(w, r)
		return
	}
	h.started <- r.Proto
	<-h.release
	_, _ = io.WriteString(w, "finished")
}

type result struct {
	resp *http.Response
	body []byte
	err  error
}

func TestShutdown(t *testing.T) {
	cert := newCert(t, "shutdown-test")
	h := &blockingHandler{started: make(chan string, 2), release: make(chan struct{})}
	cfg := Config{
		Listen:   "127.0.0.1:0",
		CertFile: cert.certFile,
		KeyFile:  cert.keyFile,
		Logger:   slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	s, err := Listen(cfg, h)
	if err != nil {
		t.Fatal(err)
	}
	h3, _ := h3Client(t, cert.pool())
	clients := map[string]*http.Client{"h2": defaultClient(t, cert.pool()), "h3": h3}

	// One request in flight on each of HTTP/2 and HTTP/3.
	results := make(map[string]chan result)
	for name, c := range clients {
		ch := make(chan result, 1)
		results[name] = ch
		go func() {
			resp, body, err := tryGet(c, s.URL()+"/slow")
			ch <- result{resp, body, err}
		}()
	}
	for range clients {
		<-h.started
	}

	shutdownErr := make(chan error, 1)
	go func() {
		// The deadline must outlast the waits below, which come before
		// the requests in flight are released.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		shutdownErr <- s.Shutdown(ctx)
	}()
	waitFor(t, "the TCP listener to close", func() bool {
		conn, err := net.Dial("tcp", s.Addr().String())
		if err == nil {
			_ = conn.Close()
		}
		return err != nil
	})
	waitFor(t, "new HTTP/3 connections to fail", func() bool {
		return h3Fails(t, cert, s.URL(), time.Second)
	})
	select {
	case <-s.Done():
		t.Fatal("Done closed while requests were in flight")
	default:
	}

	close(h.release)
	for name, ch := range results {
		r := <-ch
		if r.err != nil {
			t.Errorf("%s request in flight: %v", name, r.err)
			continue
		}
		if r.resp.StatusCode != http.StatusOK || string(r.body) != "finished" {
			t.Errorf("%s request in flight: status %d, body %q; want 200, finished", name, r.resp.StatusCode, r.body)
		}
	}
	if err := <-shutdownErr; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	select {
	case <-s.Done():
	default:
		t.Error("Done not closed after Shutdown returned")
	}
	if err := s.Err(); err != nil {
		t.Errorf("Err() = %v after Shutdown, want nil", err)
	}

	t.Run("new connections fail", func(t *testing.T) {
		if _, _, err := tryGet(h1Client(t, cert.pool()), s.URL()+"/proto"); err == nil {
			t.Error("h1 request after Shutdown succeeded")
		}
		if !h3Fails(t, cert, s.URL(), 2*time.Second) {
			t.Error("h3 request after Shutdown succeeded")
		}
	})
}

// h3Fails reports whether an HTTP/3 request on a new connection fails
// within the timeout.
func h3Fails(t *testing.T, cert testCert, base string, timeout time.Duration) bool {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/proto", nil)
	if err != nil {
		t.Fatal(err)
	}
	client, _ := h3Client(t, cert.pool())
	resp, err := client.Do(req)
	if err != nil {
		return true
	}
	_ = resp.Body.Close()
	return false
}

// TestShutdownDeadline shows that Shutdown returns the context's error and
// closes the connections when a request outlives the deadline.
func TestShutdownDeadline(t *testing.T) {
	cert := newCert(t, "deadline-test")
	h := &blockingHandler{started: make(chan string, 1), release: make(chan struct{})}
	defer close(h.release)
	cfg := Config{Listen: "127.0.0.1:0", CertFile: cert.certFile, KeyFile: cert.keyFile,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	s, err := Listen(cfg, h)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, _, err := tryGet(h1Client(t, cert.pool()), s.URL()+"/slow")
		done <- err
	}()
	<-h.started

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Shutdown(ctx); err == nil {
		t.Error("Shutdown with an expired context returned nil, want the context's error")
	}
	if err := <-done; err == nil {
		t.Error("request held past the deadline succeeded, want its connection closed")
	}
	select {
	case <-s.Done():
	default:
		t.Error("Done not closed after Shutdown returned")
	}
}
