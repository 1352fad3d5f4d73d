package server_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/quic-go/quic-go"
	"github.com/quic-go/quic-go/http3"
	"golang.org/x/net/http2"
	"golang.org/x/net/http2/hpack"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/alttest"
	"github.com/goalto/goalto/internal/daemon"
	"github.com/goalto/goalto/internal/metrics"
	"github.com/goalto/goalto/internal/netdef"
	"github.com/goalto/goalto/internal/server"
	"github.com/goalto/goalto/internal/testcert"
)

// rejectionServer is a server with a metrics registry and a log that the
// test reads.
type rejectionServer struct {
	d    *daemon.Daemon
	reg  *metrics.Registry
	logs *alttest.LogBuffer
	h    *httpHarness
}

func startRejectionServer(t *testing.T, limits server.Limits) *rejectionServer {
	t.Helper()
	logs := &alttest.LogBuffer{}
	reg := metrics.New()
	d := alttest.StartConfig(t, daemon.Config{Limits: limits, Metrics: reg,
		Logger: slog.New(slog.NewTextHandler(logs, nil))})
	return &rejectionServer{d: d, reg: reg, logs: logs, h: harnessFor(t, d.IRDURL())}
}

// rejections returns alto_server_rejected_requests_total for reason.
func (s *rejectionServer) rejections(t *testing.T, reason string) float64 {
	t.Helper()
	return alttest.Rejections(t, s.reg.Gatherer(), reason)
}

// checkOneWarn checks that a burst of rejections gave one Warn line with
// reason and no client address.
func (s *rejectionServer) checkOneWarn(t *testing.T, reason string) {
	t.Helper()
	if warn := s.logs.Lines("level=WARN", "reason="+reason); len(warn) != 1 {
		t.Errorf("%d Warn lines with reason %s, want 1:\n%s", len(warn), reason, strings.Join(warn, "\n"))
	}
	if got := s.logs.Lines("level=WARN", "127.0.0.1"); len(got) > 0 {
		t.Errorf("Warn lines name the client address:\n%s", strings.Join(got, "\n"))
	}
}

func typedAddresses(n int) string {
	list := make([]string, n)
	for i := range list {
		list[i] = fmt.Sprintf(`"ipv4:192.0.2.%d"`, i+1)
	}
	return "[" + strings.Join(list, ",") + "]"
}

func pidNames(n int) string {
	list := make([]string, n)
	for i := range list {
		list[i] = fmt.Sprintf(`"pid%d"`, i)
	}
	return "[" + strings.Join(list, ",") + "]"
}

// TestListLimitsCounted sends bursts of requests with a list over
// --max-pids or --max-endpoints. Each request must be counted under its
// reason, and each burst logged once.
func TestListLimitsCounted(t *testing.T) {
	const burst = 5
	ct := `"cost-type":{"cost-mode":"numerical","cost-metric":"routingcost"}`
	tests := []struct {
		name, reason, path, body, field string
	}{
		{"network map pids", server.ReasonPIDs, "/networkmap/filtered", `{"pids":` + pidNames(3) + `}`, "pids"},
		{"cost map srcs", server.ReasonPIDs, "/costmap/filtered", `{` + ct + `,"pids":{"srcs":` + pidNames(3) + `,"dsts":[]}}`, "pids/srcs"},
		{"property endpoints", server.ReasonEndpoints, "/endpointprop/lookup", `{"properties":["lhcone-network-map.pid"],"endpoints":` + typedAddresses(3) + `}`, "endpoints"},
		{"cost endpoints dsts", server.ReasonEndpoints, "/endpointcost/lookup", `{` + ct + `,"endpoints":{"srcs":` + typedAddresses(1) + `,"dsts":` + typedAddresses(3) + `}}`, "endpoints/dsts"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := startRejectionServer(t, server.Limits{MaxPIDs: 2, MaxEndpoints: 2})
			for range burst {
				e := s.h.postError(tc.path, tc.body)
				checkALTOError(t, e, alto.ErrInvalidFieldValue, tc.field, "3")
			}

			if got := s.rejections(t, tc.reason); got != burst {
				t.Errorf("%s rejections = %v, want %d", tc.reason, got, burst)
			}
			s.checkOneWarn(t, tc.reason)
		})
	}
	t.Run("lists at the limit", func(t *testing.T) {
		s := startRejectionServer(t, server.Limits{MaxPIDs: 2, MaxEndpoints: 2})
		if resp, body := s.h.post("/networkmap/filtered", `{"pids":`+pidNames(2)+`}`); resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d, want 200: %s", resp.StatusCode, body)
		}
		if got := s.rejections(t, server.ReasonPIDs); got != 0 {
			t.Errorf("pids rejections = %v, want 0", got)
		}
	})
}

// TestBodyTimeoutCounted sends request bodies that stop halfway from
// clients written with net.Dial. Each must get 408 and be counted under
// body_timeout, and the burst logged once.
func TestBodyTimeoutCounted(t *testing.T) {
	const burst = 3
	s := startRejectionServer(t, server.Limits{BodyReadTimeout: 100 * time.Millisecond})
	addr := s.d.Addr().String()
	for i := range burst {
		status := postHalfBody(t, addr, "/networkmap/filtered", alto.MediaTypeNetworkMapFilter)
		if status != http.StatusRequestTimeout {
			t.Errorf("request %d: status %d, want 408", i, status)
		}
	}

	if got := s.rejections(t, server.ReasonBodyTimeout); got != burst {
		t.Errorf("body_timeout rejections = %v, want %d", got, burst)
	}
	s.checkOneWarn(t, server.ReasonBodyTimeout)
}

// postHalfBody sends the headers of a POST request announcing a 20-byte
// body and 2 bytes of it, then waits for the response and returns its
// status.
func postHalfBody(t *testing.T, addr, path, mediaType string) int {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	req := "POST " + path + " HTTP/1.1\r\nHost: alto\r\nContent-Type: " + mediaType +
		"\r\nContent-Length: 20\r\n\r\n{\""
	if _, err := conn.Write([]byte(req)); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("reading the response: %v", err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestHeaderTimeoutCounted opens HTTP/1.1 connections that send part of
// a request line and stall. The server must close each one, count it
// under header_timeout and log the burst once.
func TestHeaderTimeoutCounted(t *testing.T) {
	const burst = 3
	logs := &alttest.LogBuffer{}
	reg := metrics.New()
	cfg := daemon.Config{Metrics: reg, Logger: slog.New(slog.NewTextHandler(logs, nil))}
	cfg.Transport.ReadHeaderTimeout = 100 * time.Millisecond
	d := alttest.StartConfig(t, cfg)
	s := &rejectionServer{d: d, reg: reg, logs: logs}

	for i := range burst {
		conn, err := net.Dial("tcp", d.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(conn, "POST /networkmap/filt"); err != nil {
			t.Fatal(err)
		}
		_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		// net/http may respond with 400 before it closes the connection.
		if _, err := io.Copy(io.Discard, conn); err != nil {
			t.Errorf("connection %d: %v, want the server to close it", i, err)
		}
		conn.Close()
	}

	if got := s.rejections(t, server.ReasonHeaderTimeout); got != burst {
		t.Errorf("header_timeout rejections = %v, want %d", got, burst)
	}
	s.checkOneWarn(t, server.ReasonHeaderTimeout)
}

// TestHTTP2WriteTimeoutCounted requests the directory over cleartext
// HTTP/2 with a flow-control window of zero, so that no byte of the
// body can be sent. The write deadline must reset the stream, and the
// handler count the write timeout.
func TestHTTP2WriteTimeoutCounted(t *testing.T) {
	s := startRejectionServer(t, server.Limits{WriteTimeout: 100 * time.Millisecond})
	conn, err := net.Dial("tcp", s.d.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, http2.ClientPreface); err != nil {
		t.Fatal(err)
	}
	fr := http2.NewFramer(conn, conn)
	if err := fr.WriteSettings(http2.Setting{ID: http2.SettingInitialWindowSize, Val: 0}); err != nil {
		t.Fatal(err)
	}
	var block bytes.Buffer
	enc := hpack.NewEncoder(&block)
	for _, f := range [][2]string{{":method", "GET"}, {":scheme", "http"}, {":authority", "alto"}, {":path", netdef.DefaultDirectory}} {
		_ = enc.WriteField(hpack.HeaderField{Name: f[0], Value: f[1]})
	}
	if err := fr.WriteHeaders(http2.HeadersFrameParam{StreamID: 1, BlockFragment: block.Bytes(), EndStream: true, EndHeaders: true}); err != nil {
		t.Fatal(err)
	}

	for reset := false; !reset; {
		f, err := fr.ReadFrame()
		if err != nil {
			t.Fatalf("reading frames before the stream reset: %v", err)
		}
		switch f := f.(type) {
		case *http2.SettingsFrame:
			if !f.IsAck() {
				_ = fr.WriteSettingsAck()
			}
		case *http2.DataFrame:
			t.Fatalf("DATA frame of %d bytes with a window of zero", len(f.Data()))
		case *http2.RSTStreamFrame:
			reset = f.StreamID == 1
		}
	}

	// The handler's write returns after the server has sent RST_STREAM.
	for i := 0; i < 5000 && s.rejections(t, server.ReasonWriteTimeout) < 1; i++ {
		time.Sleep(time.Millisecond)
	}
	if got := s.rejections(t, server.ReasonWriteTimeout); got != 1 {
		t.Errorf("write_timeout rejections = %v, want 1", got)
	}
	s.checkOneWarn(t, server.ReasonWriteTimeout)
}

// TestHTTP3WriteTimeoutCounted requests the directory over HTTP/3 with a
// stream receive window of 512 bytes and reads none of the body, so that
// the response cannot be written within the write timeout.
func TestHTTP3WriteTimeoutCounted(t *testing.T) {
	dir := t.TempDir()
	cert := testcert.Write(t, filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem"), "alto")
	logs := &alttest.LogBuffer{}
	reg := metrics.New()
	cfg := daemon.Config{Metrics: reg, Logger: slog.New(slog.NewTextHandler(logs, nil)),
		Limits: server.Limits{WriteTimeout: 100 * time.Millisecond}}
	cfg.Transport.CertFile, cfg.Transport.KeyFile = cert.CertFile, cert.KeyFile
	d := alttest.StartConfig(t, cfg)
	s := &rejectionServer{d: d, reg: reg, logs: logs}
	tr := &http3.Transport{TLSClientConfig: testcert.TLSConfig(cert.Pool()), DisableCompression: true,
		QUICConfig: &quic.Config{InitialStreamReceiveWindow: 512, MaxStreamReceiveWindow: 512}}
	defer tr.Close()

	resp, err := (&http.Client{Transport: tr}).Get(d.IRDURL())
	if err != nil {
		t.Fatalf("GET over HTTP/3: %v", err)
	}
	defer resp.Body.Close()
	if resp.ProtoMajor != 3 || resp.StatusCode != http.StatusOK {
		t.Fatalf("%s %d, want HTTP/3 200", resp.Proto, resp.StatusCode)
	}

	for i := 0; i < 5000 && s.rejections(t, server.ReasonWriteTimeout) < 1; i++ {
		time.Sleep(time.Millisecond)
	}
	if got := s.rejections(t, server.ReasonWriteTimeout); got != 1 {
		t.Errorf("write_timeout rejections = %v, want 1", got)
	}
	s.checkOneWarn(t, server.ReasonWriteTimeout)
}
