package transport

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/quic-go/quic-go"
	"github.com/quic-go/quic-go/http3"
)

// h3ClientFrom returns an HTTP/3 client whose QUIC connections leave
// from the loopback address local, such as 127.0.0.2, so that a test
// can act as several client addresses. Each client opens one QUIC
// connection to a server and keeps it until the test ends or close is
// called.
func h3ClientFrom(t *testing.T, pool *x509.CertPool, local string) (c *http.Client, close func()) {
	t.Helper()
	udp, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.ParseIP(local)})
	if err != nil {
		t.Fatalf("UDP socket on %s: %v", local, err)
	}
	qtr := &quic.Transport{Conn: udp}
	h3 := &http3.Transport{
		TLSClientConfig: tlsConfig(pool),
		Dial: func(ctx context.Context, addr string, tlsConf *tls.Config, conf *quic.Config) (*quic.Conn, error) {
			udpAddr, err := net.ResolveUDPAddr("udp", addr)
			if err != nil {
				return nil, err
			}
			return qtr.DialEarly(ctx, udpAddr, tlsConf, conf)
		},
	}
	var once sync.Once
	close = func() {
		once.Do(func() {
			_ = h3.Close()
			_ = qtr.Close()
			_ = udp.Close()
		})
	}
	t.Cleanup(close)
	return &http.Client{Transport: h3, Timeout: 10 * time.Second}, close
}

// startH3Server starts a TLS server with h1 and h3 on 127.0.0.1.
func startH3Server(t *testing.T, cfg Config, h http.Handler) (*Server, testCert) {
	t.Helper()
	cert := newCert(t, "localhost")
	cfg.Listen = "127.0.0.1:0"
	cfg.CertFile, cfg.KeyFile = cert.certFile, cert.keyFile
	cfg.Protocols = []Protocol{HTTP1, HTTP3}
	return startServer(t, cfg, h), cert
}

// isConnectionRefused reports whether err carries the QUIC transport
// error CONNECTION_REFUSED.
func isConnectionRefused(err error) bool {
	var te *quic.TransportError
	return errors.As(err, &te) && te.ErrorCode == quic.ConnectionRefused
}

// rejectCounter counts the calls of Config.OnReject by reason.
type rejectCounter struct {
	mu      sync.Mutex
	reasons map[string]int
}

func (r *rejectCounter) onReject(reason string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.reasons == nil {
		r.reasons = map[string]int{}
	}
	r.reasons[reason]++
}

func (r *rejectCounter) count(reason string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.reasons[reason]
}

func TestQUICConnectionLimitTotal(t *testing.T) {
	var rejects rejectCounter
	s, cert := startH3Server(t, Config{MaxConns: 2, OnReject: rejects.onReject}, testHandler())
	url := s.URL() + "/proto"

	first, closeFirst := h3ClientFrom(t, cert.pool(), "127.0.0.1")
	if _, body := get(t, first, url); string(body) != "HTTP/3.0" {
		t.Fatalf("first QUIC connection: protocol %q", body)
	}
	tcp := h1Client(t, cert.pool())
	if _, body := get(t, tcp, url); string(body) != "HTTP/1.1" {
		t.Fatalf("TCP connection: protocol %q", body)
	}

	over, _ := h3ClientFrom(t, cert.pool(), "127.0.0.1")
	_, _, err := tryGet(over, url)
	if !isConnectionRefused(err) {
		t.Fatalf("QUIC connection over the total: err = %v, want CONNECTION_REFUSED", err)
	}
	// A rejected attempt is reported once per Initial packet, and the
	// client may send several.
	if got := rejects.count("connections"); got < 1 {
		t.Errorf("OnReject(\"connections\") called %d times, want at least 1", got)
	}

	t.Run("earlier connections keep working", func(t *testing.T) {
		get(t, first, url)
		get(t, tcp, url)
	})

	t.Run("slot given back on close", func(t *testing.T) {
		closeFirst()
		waitFor(t, "a QUIC connection after one closed", func() bool {
			c, closeC := h3ClientFrom(t, cert.pool(), "127.0.0.1")
			defer closeC()
			_, _, err := tryGet(c, url)
			return err == nil
		})
	})
}

func TestQUICConnectionLimitPerIP(t *testing.T) {
	var rejects rejectCounter
	s, cert := startH3Server(t, Config{MaxConnsPerIP: 2, OnReject: rejects.onReject}, testHandler())
	url := s.URL() + "/proto"

	// The second connection from one address needs a Retry first,
	// because the address then holds half of its limit.
	var accepted []*http.Client
	for i := range 2 {
		c, _ := h3ClientFrom(t, cert.pool(), "127.0.0.2")
		if _, body := get(t, c, url); string(body) != "HTTP/3.0" {
			t.Fatalf("connection %d within the limit: protocol %q", i, body)
		}
		accepted = append(accepted, c)
	}

	over, _ := h3ClientFrom(t, cert.pool(), "127.0.0.2")
	if _, _, err := tryGet(over, url); !isConnectionRefused(err) {
		t.Errorf("third connection from one address: err = %v, want CONNECTION_REFUSED", err)
	}
	// A rejected attempt is reported once per Initial packet, and the
	// client may send several.
	if got := rejects.count("connections"); got < 1 {
		t.Errorf("OnReject(\"connections\") called %d times, want at least 1", got)
	}

	other, _ := h3ClientFrom(t, cert.pool(), "127.0.0.3")
	get(t, other, url)
	for _, c := range accepted {
		get(t, c, url)
	}
}

// TestConnectionLimitSharedByTCPAndQUIC fills the per-address limit
// with a QUIC connection and checks that a TCP connection from that
// address is then rejected, while another address is served.
func TestConnectionLimitSharedByTCPAndQUIC(t *testing.T) {
	s, cert := startH3Server(t, Config{MaxConnsPerIP: 1}, testHandler())
	url := s.URL() + "/proto"
	quicClient, _ := h3ClientFrom(t, cert.pool(), "127.0.0.2")
	get(t, quicClient, url)

	if _, _, err := tryGet(h1ClientFrom(t, cert.pool(), "127.0.0.2"), url); err == nil {
		t.Errorf("TCP request from the address of the QUIC connection succeeded, want the connection closed")
	}
	if _, body := get(t, h1ClientFrom(t, cert.pool(), "127.0.0.3"), url); string(body) != "HTTP/1.1" {
		t.Errorf("TCP request from another address: protocol %q", body)
	}
}

// h1ClientFrom returns an HTTP/1.1 client whose TCP connections leave
// from the loopback address local.
func h1ClientFrom(t *testing.T, pool *x509.CertPool, local string) *http.Client {
	t.Helper()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}, Timeout: 5 * time.Second}
	p := new(http.Protocols)
	p.SetHTTP1(true)
	return httpClient(t, &http.Transport{DialContext: d.DialContext, TLSClientConfig: tlsConfig(pool), Protocols: p})
}

func TestQUICStreamsPerConnection(t *testing.T) {
	s, cert := startH3Server(t, Config{MaxStreamsPerConn: 3}, testHandler())
	tlsConf := tlsConfig(cert.pool())
	tlsConf.NextProtos = []string{http3.NextProtoH3}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := quic.DialAddr(ctx, s.Addr().String(), tlsConf, nil)
	if err != nil {
		t.Fatalf("QUIC dial: %v", err)
	}
	defer conn.CloseWithError(0, "")

	tests := []struct {
		name string
		max  int
		open func() error
	}{
		{"bidirectional", 3, func() error { _, err := conn.OpenStream(); return err }},
		{"unidirectional", maxUniStreamsPerConn, func() error { _, err := conn.OpenUniStream(); return err }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for i := range tc.max {
				if err := tc.open(); err != nil {
					t.Fatalf("stream %d within the limit: %v", i+1, err)
				}
			}
			var limitErr *quic.StreamLimitReachedError
			if err := tc.open(); !errors.As(err, &limitErr) {
				t.Errorf("stream %d: err = %v, want StreamLimitReachedError", tc.max+1, err)
			}
		})
	}
}

// deadlineHandler serves POST /read, which reads the request body
// within readTimeout, and GET /big, which writes bigBody within
// writeTimeout. Each reports the error of its read or write on errs and
// returns 408 when the read timed out.
func deadlineHandler(readTimeout, writeTimeout time.Duration, errs chan<- error) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /read", func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		if err := rc.SetReadDeadline(time.Now().Add(readTimeout)); err != nil {
			errs <- err
			return
		}
		_, err := io.ReadAll(r.Body)
		errs <- err
		if err != nil {
			http.Error(w, "body timed out", http.StatusRequestTimeout)
		}
	})
	mux.HandleFunc("GET /big", func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		if err := rc.SetWriteDeadline(time.Now().Add(writeTimeout)); err != nil {
			errs <- err
			return
		}
		_, err := w.Write(bigBody)
		errs <- err
	})
	return mux
}

// waitErr returns the next error on errs, failing after 10s.
func waitErr(t *testing.T, errs <-chan error) error {
	t.Helper()
	select {
	case err := <-errs:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("timed out waiting for the handler")
		return nil
	}
}

func TestHTTP3ReadDeadline(t *testing.T) {
	errs := make(chan error, 1)
	s, cert := startH3Server(t, Config{}, deadlineHandler(200*time.Millisecond, time.Minute, errs))
	client, _ := h3Client(t, cert.pool())

	// The body sends a few bytes and then nothing, like a slow client.
	body, bodyWriter := io.Pipe()
	defer bodyWriter.Close()
	go func() { _, _ = io.WriteString(bodyWriter, `{"pids":`) }()
	req, err := http.NewRequest(http.MethodPost, s.URL()+"/read", body)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("POST with a stalled body: %v", err)
	}
	defer resp.Body.Close()

	if err := waitErr(t, errs); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("handler read error = %v, want os.ErrDeadlineExceeded", err)
	}
	if resp.StatusCode != http.StatusRequestTimeout {
		t.Errorf("status %d, want 408", resp.StatusCode)
	}
}

func TestHTTP3WriteDeadline(t *testing.T) {
	errs := make(chan error, 1)
	s, cert := startH3Server(t, Config{}, deadlineHandler(time.Minute, 200*time.Millisecond, errs))
	client, _ := h3Client(t, cert.pool())

	// The client reads the headers and not the body, so the 1 MiB body
	// stops at its flow control window of 512 KiB (quic-go's default).
	resp, err := client.Get(s.URL() + "/big")
	if err != nil {
		t.Fatalf("GET /big: %v", err)
	}
	defer resp.Body.Close()

	if err := waitErr(t, errs); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("handler write error = %v, want os.ErrDeadlineExceeded", err)
	}
	// The server resets the stream of an unfinished response, so the
	// client gets an error instead of a truncated body that looks whole.
	got, err := io.ReadAll(resp.Body)
	var streamErr *http3.Error
	if !errors.As(err, &streamErr) || streamErr.ErrorCode != http3.ErrCodeRequestCanceled {
		t.Errorf("reading the body: %d bytes, err = %v, want H3_REQUEST_CANCELLED", len(got), err)
	}
}

func TestNeedsAddressCheck(t *testing.T) {
	tests := []struct {
		name          string
		max, maxPerIP int
		open          []string // addresses of the connections already counted
		from          string
		want          bool
	}{
		{"idle server", 8, 4, nil, "192.0.2.1", false},
		{"address below half its limit", 8, 4, []string{"192.0.2.1"}, "192.0.2.1", false},
		{"address at half its limit", 8, 4, []string{"192.0.2.1", "192.0.2.1"}, "192.0.2.1", true},
		{"other address of a busy one", 8, 4, []string{"192.0.2.1", "192.0.2.1"}, "192.0.2.2", false},
		{"server at half its total", 4, 4, []string{"192.0.2.1", "192.0.2.2"}, "192.0.2.3", true},
		{"limits off", math.MaxInt, math.MaxInt, []string{"192.0.2.1", "192.0.2.1"}, "192.0.2.1", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newConnCounter(tc.max, tc.maxPerIP)
			for _, ip := range tc.open {
				if !c.take(ip) {
					t.Fatalf("take(%s) over the limit", ip)
				}
			}
			addr := &net.UDPAddr{IP: net.ParseIP(tc.from), Port: 4433}
			if got := c.needsAddressCheck(addr); got != tc.want {
				t.Errorf("needsAddressCheck(%s) = %v, want %v", addr, got, tc.want)
			}
		})
	}
}

// TestHTTP2StreamsPerConnection reads the server's first SETTINGS
// frame (RFC 9113, Section 6.5) and checks that it announces
// MaxStreamsPerConn as SETTINGS_MAX_CONCURRENT_STREAMS.
func TestHTTP2StreamsPerConnection(t *testing.T) {
	cert := newCert(t, "localhost")
	s := startServer(t, Config{Listen: "127.0.0.1:0", CertFile: cert.certFile, KeyFile: cert.keyFile,
		Protocols: []Protocol{HTTP2}, MaxStreamsPerConn: 3}, testHandler())
	tlsConf := tlsConfig(cert.pool())
	tlsConf.NextProtos = []string{"h2"}
	conn, err := tls.Dial("tcp", s.Addr().String(), tlsConf)
	if err != nil {
		t.Fatalf("TLS dial: %v", err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(conn, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"); err != nil {
		t.Fatalf("writing the client preface: %v", err)
	}

	settings := readHTTP2Settings(t, conn)
	const settingsMaxConcurrentStreams = 0x3
	if got, ok := settings[settingsMaxConcurrentStreams]; !ok || got != 3 {
		t.Errorf("SETTINGS_MAX_CONCURRENT_STREAMS = %d (present %v), want 3", got, ok)
	}
}

// readHTTP2Settings reads the first frame from r, which must be a
// SETTINGS frame, and returns its parameters by identifier.
func readHTTP2Settings(t *testing.T, r io.Reader) map[uint16]uint32 {
	t.Helper()
	header := make([]byte, 9)
	if _, err := io.ReadFull(r, header); err != nil {
		t.Fatalf("reading a frame header: %v", err)
	}
	length := int(header[0])<<16 | int(header[1])<<8 | int(header[2])
	if frameType := header[3]; frameType != 0x4 || length%6 != 0 {
		t.Fatalf("first frame: type %#x with length %d, want SETTINGS (0x4)", frameType, length)
	}
	payload := make([]byte, length)
	if _, err := io.ReadFull(r, payload); err != nil {
		t.Fatalf("reading the SETTINGS payload: %v", err)
	}
	settings := map[uint16]uint32{}
	for p := payload; len(p) >= 6; p = p[6:] {
		settings[binary.BigEndian.Uint16(p)] = binary.BigEndian.Uint32(p[2:])
	}
	return settings
}
