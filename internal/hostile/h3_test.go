package hostile_test

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/quic-go/quic-go"
	"github.com/quic-go/quic-go/http3"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/alttest"
	"github.com/goalto/goalto/internal/daemon"
	"github.com/goalto/goalto/internal/metrics"
	"github.com/goalto/goalto/internal/server"
	"github.com/goalto/goalto/internal/snapshot"
	"github.com/goalto/goalto/internal/testcert"
	"github.com/goalto/goalto/internal/transport"
)

// h3MaxBody is the body size limit of the HTTP/3 tests.
const h3MaxBody = 1024

// finishedRequest is a request whose handler has returned.
type finishedRequest struct {
	resourceID string
	status     int
	bytes      int
}

// finishedRequests sends every finished request on a channel, so that
// a test can wait for the server to end a request.
type finishedRequests chan finishedRequest

func (f finishedRequests) ObserveRequest(resourceID, _ string, status int, _ string, _ time.Duration, bytes int) {
	select {
	case f <- finishedRequest{resourceID, status, bytes}:
	default: // a request that no test waits for
	}
}

func (f finishedRequests) ObservePublish(*snapshot.Snapshot) {}

// waitFinished returns the next finished request of resourceID, or
// fails after patience.
func (f finishedRequests) waitFinished(t *testing.T, resourceID string) finishedRequest {
	t.Helper()
	deadline := time.After(patience)
	for {
		select {
		case r := <-f:
			if r.resourceID == resourceID {
				return r
			}
		case <-deadline:
			t.Fatalf("the server did not end the request for %s within %s", resourceID, patience)
		}
	}
}

// h3Target is a running altod that serves h1 and h3 with TLS.
type h3Target struct {
	base     string // URL without the directory path
	cert     testcert.Cert
	finished finishedRequests
}

func startH3(t *testing.T) *h3Target {
	t.Helper()
	cert := testcert.New(t, "altod")
	finished := make(finishedRequests, 16)
	d := alttest.StartConfig(t, daemon.Config{
		Limits: server.Limits{MaxBodyBytes: h3MaxBody, BodyReadTimeout: bodyTimeout, WriteTimeout: writeTimeout},
		Transport: transport.Config{
			CertFile:  cert.CertFile,
			KeyFile:   cert.KeyFile,
			Protocols: []transport.Protocol{transport.HTTP1, transport.HTTP3},
		},
		Stats: finished,
	})
	return &h3Target{base: strings.TrimSuffix(d.IRDURL(), "/directory"), cert: cert, finished: finished}
}

// client returns an HTTP/3 client. A positive streamWindow sets the
// flow control window of each response stream, in bytes, and turns off
// compression, so that a response fills the window.
func (tg *h3Target) client(t *testing.T, streamWindow uint64) *http.Client {
	t.Helper()
	tr := &http3.Transport{TLSClientConfig: testcert.TLSConfig(tg.cert.Pool())}
	if streamWindow > 0 {
		tr.QUICConfig = &quic.Config{InitialStreamReceiveWindow: streamWindow, MaxStreamReceiveWindow: streamWindow}
		tr.DisableCompression = true
	}
	t.Cleanup(func() { _ = tr.Close() })
	return &http.Client{Transport: tr, Timeout: patience}
}

// checkAlive fails the test unless a normal HTTP/3 request succeeds.
func (tg *h3Target) checkAlive(t *testing.T) {
	t.Helper()
	resp, err := tg.client(t, 0).Get(tg.base + "/networkmap")
	if err != nil {
		t.Fatalf("server no longer answers over HTTP/3: %v", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("normal HTTP/3 request: status %d", resp.StatusCode)
	}
}

func TestHTTP3Limits(t *testing.T) {
	tg := startH3(t)

	t.Run("body too large", func(t *testing.T) {
		body := `{"pids":["` + strings.Repeat("a", h3MaxBody) + `"]}`
		resp, err := tg.client(t, 0).Post(tg.base+"/networkmap/filtered", alto.MediaTypeNetworkMapFilter, strings.NewReader(body))
		if err != nil {
			t.Fatalf("POST: %v", err)
		}
		defer resp.Body.Close()
		if resp.ProtoMajor != 3 {
			t.Errorf("response over HTTP/%d, want HTTP/3", resp.ProtoMajor)
		}
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Errorf("status %d, want 413", resp.StatusCode)
		}
		tg.checkAlive(t)
	})

	t.Run("slow body", func(t *testing.T) {
		// The client sends the start of the body and then nothing.
		body, bodyWriter := io.Pipe()
		defer bodyWriter.Close()
		go func() { _, _ = io.WriteString(bodyWriter, `{"pids":`) }()
		req, err := http.NewRequest(http.MethodPost, tg.base+"/networkmap/filtered", body)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", alto.MediaTypeNetworkMapFilter)
		resp, err := tg.client(t, 0).Do(req)
		if err != nil {
			t.Fatalf("POST with a stalled body: %v", err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusRequestTimeout {
			t.Errorf("status %d, want 408", resp.StatusCode)
		}
		if got := resp.Header.Get("Connection"); got != "" {
			t.Errorf("Connection field %q in an HTTP/3 response, which RFC 9114 forbids", got)
		}
		tg.checkAlive(t)
	})

	t.Run("stalled reader", func(t *testing.T) {
		// With a 1 KiB window the client takes a small part of the
		// cost map of about 27 kB and then reads nothing, so the
		// server's write blocks until the write timeout ends it.
		resp, err := tg.client(t, 1024).Get(tg.base + "/costmap/num/routingcost")
		if err != nil {
			t.Fatalf("GET: %v", err)
		}
		defer resp.Body.Close()
		ended := tg.finished.waitFinished(t, "num-routing-cost-map")
		if ended.status != http.StatusOK {
			t.Errorf("ended request: status %d, want 200", ended.status)
		}

		got, err := io.ReadAll(resp.Body)
		var h3Err *http3.Error
		if !errors.As(err, &h3Err) || h3Err.ErrorCode != http3.ErrCodeRequestCanceled {
			t.Errorf("reading the body after the timeout: %d bytes, err = %v, want H3_REQUEST_CANCELLED", len(got), err)
		}
		tg.checkAlive(t)
	})
}

// rejectedConnections returns alto_server_rejected_requests_total with
// the reason "connections" from reg.
func rejectedConnections(t *testing.T, reg *metrics.Registry) float64 {
	t.Helper()
	families, err := reg.Gatherer().Gather()
	if err != nil {
		t.Fatalf("gathering metrics: %v", err)
	}
	for _, f := range families {
		if f.GetName() != "alto_server_rejected_requests_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "reason" && l.GetValue() == "connections" {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	t.Fatal(`no alto_server_rejected_requests_total{reason="connections"}`)
	return 0
}

func TestHTTP3ConnectionLimitMetric(t *testing.T) {
	cert := testcert.New(t, "altod")
	reg := metrics.New()
	d := alttest.StartConfig(t, daemon.Config{
		Transport: transport.Config{
			CertFile:      cert.CertFile,
			KeyFile:       cert.KeyFile,
			Protocols:     []transport.Protocol{transport.HTTP1, transport.HTTP3},
			MaxConnsPerIP: 1,
		},
		Metrics: reg,
	})
	tg := &h3Target{base: strings.TrimSuffix(d.IRDURL(), "/directory"), cert: cert}

	// The first client keeps its connection, the only slot of 127.0.0.1.
	resp, err := tg.client(t, 0).Get(tg.base + "/directory")
	if err != nil {
		t.Fatalf("first connection: %v", err)
	}
	resp.Body.Close()

	_, err = tg.client(t, 0).Get(tg.base + "/directory")
	var transportErr *quic.TransportError
	if !errors.As(err, &transportErr) || transportErr.ErrorCode != quic.ConnectionRefused {
		t.Fatalf("second connection from 127.0.0.1: err = %v, want CONNECTION_REFUSED", err)
	}
	if got := rejectedConnections(t, reg); got < 1 {
		t.Errorf(`alto_server_rejected_requests_total{reason="connections"} = %g, want at least 1`, got)
	}
}
