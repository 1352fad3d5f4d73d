package server_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/daemon"
	"github.com/goalto/goalto/internal/metrics"
	"github.com/goalto/goalto/internal/server"
)

// observedRequest is one call of Observer.ObserveRequest.
type observedRequest struct {
	resourceID, method string
	status             int
	altoCode           string
	dur                time.Duration
	bytes              int
}

// recordingObserver sends every call to a channel. The handler reports a
// request after the client may already have read the response, so tests
// wait on the channel.
type recordingObserver chan observedRequest

func (o recordingObserver) ObserveRequest(resourceID, method string, status int, altoCode string, dur time.Duration, bytes int) {
	o <- observedRequest{resourceID, method, status, altoCode, dur, bytes}
}

// next returns the next observed request, failing the test if none
// arrives within a minute.
func (o recordingObserver) next(t *testing.T) observedRequest {
	t.Helper()
	select {
	case got := <-o:
		return got
	case <-time.After(time.Minute):
		t.Fatal("no request observed within a minute")
		return observedRequest{}
	}
}

// observedServer serves the built-in network through a handler with a
// recording observer on 127.0.0.1, with extra handlers under /probe/.
func observedServer(t *testing.T, probe http.HandlerFunc) (*httptest.Server, *server.Handler, recordingObserver) {
	t.Helper()
	snap, err := daemon.Build("")
	if err != nil {
		t.Fatal(err)
	}
	obs := make(recordingObserver, 16)
	h := server.New(server.Limits{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	h.SetObserver(obs)
	h.HandlePrefix("/probe/", probe)
	h.Publish(snap)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv, h, obs
}

func TestObserverReportsRequests(t *testing.T) {
	srv, h, obs := observedServer(t, func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "probe")
	})
	snap := h.Snapshot()
	networkMap := snap.Lookup("/networkmap").ID
	endpointCost := snap.Lookup("/endpointcost/lookup").ID
	validECS := `{"cost-type":{"cost-mode":"numerical","cost-metric":"routingcost"},"endpoints":{"srcs":["ipv4:192.0.2.1"],"dsts":["ipv4:192.0.2.2"]}}`
	tests := []struct {
		name, method, path, body string
		header                   []string // name and value pairs
		resource, label          string
		status                   int
		code                     string
	}{
		{"GET resource", "GET", "/networkmap", "", nil, networkMap, "GET", 200, ""},
		{"root directory", "GET", "/directory", "", nil, "/directory", "GET", 200, ""},
		{"GET gzip", "GET", "/networkmap", "", []string{"Accept-Encoding", "gzip"}, networkMap, "GET", 200, ""},
		{"HEAD resource", "HEAD", "/networkmap", "", nil, networkMap, "HEAD", 200, ""},
		{"conditional GET", "GET", "/networkmap", "", []string{"If-None-Match", snap.Lookup("/networkmap").ETag}, networkMap, "GET", 304, ""},
		{"valid POST", "POST", "/endpointcost/lookup", validECS, []string{"Content-Type", alto.MediaTypeEndpointCostParams}, endpointCost, "POST", 200, ""},
		{"syntax error", "POST", "/endpointcost/lookup", "{", []string{"Content-Type", alto.MediaTypeEndpointCostParams}, endpointCost, "POST", 400, "E_SYNTAX"},
		{"missing field", "POST", "/endpointcost/lookup", `{"endpoints":{"srcs":["ipv4:192.0.2.1"],"dsts":["ipv4:192.0.2.2"]}}`, []string{"Content-Type", alto.MediaTypeEndpointCostParams}, endpointCost, "POST", 400, "E_MISSING_FIELD"},
		{"wrong media type", "POST", "/endpointcost/lookup", validECS, []string{"Content-Type", "text/plain"}, endpointCost, "POST", 415, ""},
		{"unknown path", "GET", "/no/such/resource", "", nil, server.ResourceUnknown, "GET", 404, ""},
		{"unknown method", "BREW", "/networkmap", "", nil, networkMap, server.MethodOther, 405, ""},
		{"service prefix", "GET", "/probe/anything", "", nil, "/probe/", "GET", 200, ""},
	}
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, srv.URL+tt.path, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i+1 < len(tt.header); i += 2 {
				req.Header.Set(tt.header[i], tt.header[i+1])
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, body)
			}

			got := obs.next(t)
			if got.resourceID != tt.resource {
				t.Errorf("resource %q, want %q", got.resourceID, tt.resource)
			}
			if got.method != tt.label {
				t.Errorf("method %q, want %q", got.method, tt.label)
			}
			if got.status != tt.status {
				t.Errorf("observed status %d, want %d", got.status, tt.status)
			}
			if got.altoCode != tt.code {
				t.Errorf("ALTO code %q, want %q", got.altoCode, tt.code)
			}
			if got.bytes != len(body) {
				t.Errorf("bytes %d, want the %d body bytes received", got.bytes, len(body))
			}
			if got.dur <= 0 {
				t.Errorf("duration %v, want a positive duration", got.dur)
			}
		})
	}
}

func TestObserverReportsPanicAs500(t *testing.T) {
	srv, _, obs := observedServer(t, func(w http.ResponseWriter, r *http.Request) {
		panic("probe failure")
	})
	resp, err := http.Get(srv.URL + "/probe/panic")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", resp.StatusCode)
	}
	if got := obs.next(t); got.status != http.StatusInternalServerError || got.resourceID != "/probe/" {
		t.Errorf("observed %+v, want status 500 on /probe/", got)
	}
}

// TestObserverWriterFlushes checks that a flush through the wrapper sends
// the data at once: the handler waits until the client has read the
// first part before it writes the rest.
func TestObserverWriterFlushes(t *testing.T) {
	read := make(chan struct{})
	handlerErr := make(chan error, 1)
	srv, _, obs := observedServer(t, func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		if err := rc.SetWriteDeadline(time.Now().Add(10 * time.Second)); err != nil {
			handlerErr <- err
			return
		}
		if _, ok := w.(http.Flusher); !ok {
			handlerErr <- errors.New("the writer is no http.Flusher")
			return
		}

		io.WriteString(w, "first\n")
		w.(http.Flusher).Flush()
		select {
		case <-read:
		case <-r.Context().Done():
			handlerErr <- r.Context().Err()
			return
		}
		io.WriteString(w, "second\n")
		handlerErr <- nil
	})

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/probe/stream", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()

	br := bufio.NewReader(resp.Body)
	line, err := br.ReadString('\n')
	if err != nil || line != "first\n" {
		t.Fatalf("first line %q, %v; want \"first\\n\" before the handler ends", line, err)
	}
	close(read)
	rest, err := io.ReadAll(br)
	if err != nil || string(rest) != "second\n" {
		t.Fatalf("rest %q, %v; want \"second\\n\"", rest, err)
	}
	if err := <-handlerErr; err != nil {
		t.Fatalf("handler: %v", err)
	}
	if got := obs.next(t); got.status != http.StatusOK || got.bytes != len("first\nsecond\n") {
		t.Errorf("observed %+v, want status 200 and 13 bytes", got)
	}
}

func TestObserverWriterHijacker(t *testing.T) {
	tests := []struct {
		name         string
		http2        bool
		wantHijacker bool
	}{
		{"HTTP/1.1", false, true},
		{"HTTP/2", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			snap, err := daemon.Build("")
			if err != nil {
				t.Fatal(err)
			}
			obs := make(recordingObserver, 16)
			h := server.New(server.Limits{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
			h.SetObserver(obs)
			h.HandlePrefix("/probe/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, hijacker := w.(http.Hijacker)
				deadline := http.NewResponseController(w).SetWriteDeadline(time.Now().Add(10 * time.Second))
				if deadline != nil {
					http.Error(w, "SetWriteDeadline: "+deadline.Error(), http.StatusInternalServerError)
					return
				}
				if hijacker {
					io.WriteString(w, "hijacker")
				} else {
					io.WriteString(w, "no hijacker")
				}
			}))
			h.Publish(snap)
			srv := httptest.NewUnstartedServer(h)
			srv.EnableHTTP2 = tt.http2
			srv.StartTLS()
			t.Cleanup(srv.Close)

			resp, err := srv.Client().Get(srv.URL + "/probe/writer")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if wantMajor := map[bool]int{false: 1, true: 2}[tt.http2]; resp.ProtoMajor != wantMajor {
				t.Fatalf("protocol %s, want HTTP/%d", resp.Proto, wantMajor)
			}
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			want := map[bool]string{true: "hijacker", false: "no hijacker"}[tt.wantHijacker]
			if string(body) != want {
				t.Errorf("handler saw %q, want %q", body, want)
			}
			obs.next(t)
		})
	}
}

func TestObserverHijackedConnection(t *testing.T) {
	srv, _, obs := observedServer(t, func(w http.ResponseWriter, r *http.Request) {
		conn, rw, err := w.(http.Hijacker).Hijack()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		defer conn.Close()
		rw.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 8\r\nConnection: close\r\n\r\nhijacked")
		rw.Flush()
	})
	resp, err := http.Get(srv.URL + "/probe/hijack")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "hijacked" {
		t.Fatalf("body %q, want the bytes written on the hijacked connection", body)
	}
	if got := obs.next(t); got.status != http.StatusSwitchingProtocols {
		t.Errorf("observed status %d, want 101 for a hijacked connection", got.status)
	}
}

func TestNoObserverLeavesWriterUnwrapped(t *testing.T) {
	snap, err := daemon.Build("")
	if err != nil {
		t.Fatal(err)
	}
	h := server.New(server.Limits{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	h.HandlePrefix("/probe/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, wrapped := w.(interface{ Unwrap() http.ResponseWriter }); wrapped {
			io.WriteString(w, "wrapped")
			return
		}
		io.WriteString(w, "plain")
	}))
	h.Publish(snap)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	resp, err := http.Get(srv.URL + "/probe/writer")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Equal(body, []byte("plain")) {
		t.Errorf("handler without observer got a %s writer, want the server's own", body)
	}
}

// BenchmarkEndpointCost1x5HandlerObserved is the goalto case of
// BenchmarkEndpointCost1x5Handler with the Prometheus registry of
// package metrics as observer, to measure what observing costs a request.
func BenchmarkEndpointCost1x5HandlerObserved(b *testing.B) {
	f := loadBenchFullTable(b)
	h := server.New(server.Limits{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	h.SetObserver(metrics.New())
	h.Publish(f.snap)
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		r := httptest.NewRequest(http.MethodPost, "/endpointcost/lookup", bytes.NewReader(f.ecsBodies[i%len(f.ecsBodies)]))
		r.Header.Set("Content-Type", alto.MediaTypeEndpointCostParams)
		r.Header.Set("Accept", alto.MediaTypeEndpointCost+","+alto.MediaTypeError)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
		i++
	}
}
