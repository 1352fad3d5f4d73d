package hostile_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/alttest"
	"github.com/goalto/goalto/internal/daemon"
	"github.com/goalto/goalto/internal/server"
	"github.com/goalto/goalto/internal/transport"
)

// Short timeouts, so that the slow-client cases end quickly. Every
// normal request of the tests must still finish within them on a loaded
// machine, so they are a few seconds rather than a fraction of one.
const (
	headerTimeout = 2 * time.Second
	bodyTimeout   = 2 * time.Second
	writeTimeout  = 3 * time.Second
	// patience bounds every wait of a test for the server.
	patience = time.Minute
)

// target is a running altod serving the built-in network.
type target struct {
	addr string
	d    *daemon.Daemon
}

func start(t *testing.T) *target {
	t.Helper()
	return startWith(t, headerTimeout)
}

// startWith starts a server with a header timeout; idle connections
// that send nothing are closed after it.
func startWith(t *testing.T, header time.Duration) *target {
	t.Helper()
	cfg := daemon.Config{
		Limits: server.Limits{BodyReadTimeout: bodyTimeout, WriteTimeout: writeTimeout},
		Transport: transport.Config{
			ReadHeaderTimeout: header,
		},
	}
	d := alttest.StartConfig(t, cfg)
	return &target{addr: d.Addr().String(), d: d}
}

// dial opens a TCP connection from a loopback source address.
func (tg *target) dial(t *testing.T, from string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: patience}
	c, err := d.Dial("tcp", tg.addr)
	if err != nil {
		t.Fatalf("dial from %s: %v", from, err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// exchange writes raw bytes on a new connection and reads one response.
func (tg *target) exchange(t *testing.T, raw string) (*http.Response, []byte) {
	t.Helper()
	c := tg.dial(t, "127.0.0.1")
	_ = c.SetDeadline(time.Now().Add(patience))
	if _, err := io.WriteString(c, raw); err != nil {
		t.Fatalf("write: %v", err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("read response: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, body
}

// checkAlive fails unless the server answers a normal request.
func (tg *target) checkAlive(t *testing.T) {
	t.Helper()
	c := &http.Client{Timeout: patience}
	resp, err := c.Get("http://" + tg.addr + "/networkmap")
	if err != nil {
		t.Fatalf("server no longer answers: %v", err)
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("normal request after the attack: status %d", resp.StatusCode)
	}
}

// post returns a raw HTTP/1.1 POST request with a body.
func post(path, contentType, body string) string {
	var ct string
	if contentType != "" {
		ct = "Content-Type: " + contentType + "\r\n"
	}
	return fmt.Sprintf("POST %s HTTP/1.1\r\nHost: alto\r\n%sContent-Length: %d\r\nConnection: close\r\n\r\n%s", path, ct, len(body), body)
}

func TestMalformedBodies(t *testing.T) {
	tg := start(t)
	const ecs = "/endpointcost/lookup"
	ct := alto.MediaTypeEndpointCostParams
	costType := `"cost-type":{"cost-mode":"numerical","cost-metric":"routingcost"}`
	tests := []struct {
		name   string
		body   string
		status int
		code   alto.ErrorCode
	}{
		{"not JSON", `cost please`, 400, alto.ErrSyntax},
		{"truncated", `{` + costType + `,"endpoints":{"srcs":["ipv4:192.0.2.1"]`, 400, alto.ErrSyntax},
		{"empty body", ``, 400, alto.ErrSyntax},
		{"huge number as address", `{` + costType + `,"endpoints":{"srcs":[1e999999],"dsts":["ipv4:192.0.2.2"]}}`, 400, 0},
		{"huge number in constraint", `{` + costType + `,"constraints":["le 1e999999"],"endpoints":{"srcs":["ipv4:192.0.2.1"],"dsts":["ipv4:192.0.2.2"]}}`, 400, alto.ErrInvalidFieldValue},
		{"deep nesting", `{"endpoints":` + strings.Repeat("[", 5000) + strings.Repeat("]", 5000) + `}`, 400, alto.ErrSyntax},
		{"invalid UTF-8 in address", "{" + costType + ",\"endpoints\":{\"srcs\":[\"ipv4:\xff\xfe\"],\"dsts\":[\"ipv4:192.0.2.2\"]}}", 400, 0},
		{"NUL in address", "{" + costType + ",\"endpoints\":{\"srcs\":[\"ipv4:192.0.2.1\\u0000\"],\"dsts\":[\"ipv4:192.0.2.2\"]}}", 400, alto.ErrInvalidFieldValue},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := tg.exchange(t, post(ecs, ct, tc.body))
			if resp.StatusCode != tc.status {
				t.Fatalf("status = %d, want %d: %.200s", resp.StatusCode, tc.status, body)
			}
			if got := resp.Header.Get("Content-Type"); got != alto.MediaTypeError {
				t.Fatalf("Content-Type = %q, want %s", got, alto.MediaTypeError)
			}
			if tc.code != 0 && !strings.Contains(string(body), tc.code.String()) {
				t.Errorf("body %.200s lacks %s", body, tc.code)
			}
			tg.checkAlive(t)
		})
	}
}

func TestDuplicateKeysTakeLast(t *testing.T) {
	tg := start(t)
	// encoding/json keeps the last of duplicate keys, as RFC 8259,
	// Section 4 allows; the request then names the ordinal mode.
	body := `{"cost-type":{"cost-mode":"numerical","cost-mode":"ordinal","cost-metric":"routingcost"},"endpoints":{"srcs":["ipv4:192.0.2.1"],"dsts":["ipv4:192.0.2.2"]}}`
	resp, data := tg.exchange(t, post("/endpointcost/lookup", alto.MediaTypeEndpointCostParams, body))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status = %d: %.200s", resp.StatusCode, data)
	}
	if !strings.Contains(string(data), `"cost-mode":"ordinal"`) {
		t.Errorf("response is not ordinal: %.200s", data)
	}
	tg.checkAlive(t)
}

func TestMediaTypes(t *testing.T) {
	tg := start(t)
	body := `{"pids":[]}`
	tests := []struct {
		name, contentType string
		status            int
	}{
		{"missing Content-Type", "", http.StatusUnsupportedMediaType},
		{"wrong Content-Type", "application/json", http.StatusUnsupportedMediaType},
		{"invalid Content-Type", "application/;;", http.StatusUnsupportedMediaType},
		{"right Content-Type", alto.MediaTypeNetworkMapFilter, http.StatusOK},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, data := tg.exchange(t, post("/networkmap/filtered", tc.contentType, body))
			if resp.StatusCode != tc.status {
				t.Errorf("status = %d, want %d: %.200s", resp.StatusCode, tc.status, data)
			}
			tg.checkAlive(t)
		})
	}
	t.Run("Accept excludes the response", func(t *testing.T) {
		resp, _ := tg.exchange(t, "GET /networkmap HTTP/1.1\r\nHost: alto\r\nAccept: text/html\r\nConnection: close\r\n\r\n")
		if resp.StatusCode != http.StatusNotAcceptable {
			t.Errorf("status = %d, want 406", resp.StatusCode)
		}
	})
}

// readAll reads every response on a connection until the server closes
// it, and returns their status codes.
func readAll(t *testing.T, c net.Conn) []int {
	t.Helper()
	_ = c.SetDeadline(time.Now().Add(patience))
	br := bufio.NewReader(c)
	var codes []int
	for {
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			return codes
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		codes = append(codes, resp.StatusCode)
	}
}

func TestRequestSmuggling(t *testing.T) {
	tg := start(t)
	smuggled := "GET /costmap/num/routingcost HTTP/1.1\r\nHost: alto\r\n\r\n"
	tests := []struct {
		name string
		raw  string
		want []int // the status of every response the connection carries
	}{
		{
			// RFC 9112, Section 6.3: Transfer-Encoding overrides
			// Content-Length, so the body is empty (E_SYNTAX), and the
			// server closes the connection after responding.
			name: "CL and TE",
			raw: "POST /networkmap/filtered HTTP/1.1\r\nHost: alto\r\nContent-Type: " + alto.MediaTypeNetworkMapFilter +
				"\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" + smuggled,
			want: []int{400},
		},
		{
			name: "two different Content-Length",
			raw: "POST /networkmap/filtered HTTP/1.1\r\nHost: alto\r\nContent-Type: " + alto.MediaTypeNetworkMapFilter +
				"\r\nContent-Length: 11\r\nContent-Length: 60\r\n\r\n{\"pids\":[]}" + smuggled,
			want: []int{400},
		},
		{
			name: "obfuscated Transfer-Encoding",
			raw: "POST /networkmap/filtered HTTP/1.1\r\nHost: alto\r\nContent-Type: " + alto.MediaTypeNetworkMapFilter +
				"\r\nContent-Length: 11\r\nTransfer-Encoding: xchunked\r\n\r\n{\"pids\":[]}" + smuggled,
			want: []int{501},
		},
		{
			name: "chunk size overflow",
			raw: "POST /networkmap/filtered HTTP/1.1\r\nHost: alto\r\nContent-Type: " + alto.MediaTypeNetworkMapFilter +
				"\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n{}\r\n0\r\n\r\n" + smuggled,
			want: []int{400},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := tg.dial(t, "127.0.0.1")
			if _, err := io.WriteString(c, tc.raw); err != nil {
				t.Fatal(err)
			}
			got := readAll(t, c)
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("responses = %v, want %v: the smuggled request must not be served", got, tc.want)
			}
			tg.checkAlive(t)
		})
	}
}

func TestHeaderFlood(t *testing.T) {
	tg := start(t)
	tests := []struct {
		name    string
		headers string
	}{
		{"many headers", strings.Repeat("X-Flood: 0123456789abcdef0123456789abcdef\r\n", 40000)},
		{"one huge header", "X-Flood: " + strings.Repeat("a", 2<<20) + "\r\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := tg.dial(t, "127.0.0.1")
			_ = c.SetDeadline(time.Now().Add(patience))
			go io.WriteString(c, "GET /networkmap HTTP/1.1\r\nHost: alto\r\n"+tc.headers+"\r\n")
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				t.Fatalf("read response: %v", err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
				t.Errorf("status = %d, want 431", resp.StatusCode)
			}
			tg.checkAlive(t)
		})
	}
}

// waitClosed reads from c until the server closes it and returns what
// the server sent, or fails after patience.
func waitClosed(t *testing.T, c net.Conn) string {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(patience))
	data, err := io.ReadAll(c)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("the server kept the connection open for %s", patience)
	}
	return string(data)
}

func TestSlowClients(t *testing.T) {
	tg := start(t)
	t.Run("slow headers", func(t *testing.T) {
		c := tg.dial(t, "127.0.0.1")
		io.WriteString(c, "GET /networkmap HTTP/1.1\r\nHost: alto\r\n")
		waitClosed(t, c) // the header timeout closes it
		tg.checkAlive(t)
	})
	t.Run("slow body", func(t *testing.T) {
		c := tg.dial(t, "127.0.0.1")
		io.WriteString(c, "POST /networkmap/filtered HTTP/1.1\r\nHost: alto\r\nContent-Type: "+alto.MediaTypeNetworkMapFilter+"\r\nContent-Length: 100\r\n\r\n{\"pids\":")
		got := waitClosed(t, c)
		if !strings.HasPrefix(got, "HTTP/1.1 408") {
			t.Errorf("response = %.80q, want 408 Request Timeout", got)
		}
		tg.checkAlive(t)
	})
	t.Run("slow reader", func(t *testing.T) {
		c := tg.dial(t, "127.0.0.1").(*net.TCPConn)
		_ = c.SetReadBuffer(4096)
		// Pipelined requests whose responses the client never reads fill
		// the socket buffers, so the server's write blocks until the
		// write timeout closes the connection.
		req := "GET /costmap/num/routingcost HTTP/1.1\r\nHost: alto\r\n\r\n"
		go io.WriteString(c, strings.Repeat(req, 400))
		time.Sleep(writeTimeout + 500*time.Millisecond)
		tg.checkAlive(t)
		waitClosed(t, c)
	})
}

func TestIdleConnections(t *testing.T) {
	tg := startWith(t, transport.DefaultReadHeaderTimeout)
	const perAddress = 250 // below the default per-address limit of 256
	var conns []net.Conn
	for i := range 8 {
		from := fmt.Sprintf("127.0.0.%d", 2+i)
		for range perAddress {
			conns = append(conns, tg.dial(t, from))
		}
	}
	if len(conns) != 2000 {
		t.Fatalf("opened %d connections, want 2000", len(conns))
	}
	tg.checkAlive(t)
	t.Run("over the per-address limit", func(t *testing.T) {
		for range transport.DefaultMaxConnsPerIP - perAddress {
			conns = append(conns, tg.dial(t, "127.0.0.2"))
		}
		got := waitClosed(t, tg.dial(t, "127.0.0.2"))
		if !strings.HasPrefix(got, "HTTP/1.1 503") || !strings.Contains(got, "Retry-After: 1") {
			t.Errorf("response = %.80q, want 503 with Retry-After", got)
		}
	})
	tg.checkAlive(t)
}
