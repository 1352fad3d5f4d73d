package conformance

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goalto/goalto/internal/alttest"
	"github.com/goalto/goalto/internal/daemon"
)

// testDefinition is a small network with every default resource of
// altod: a network map with IPv4 and IPv6 prefixes and a default PID,
// four cost maps, the filtered maps, both endpoint services, an update
// stream and TIPS.
const testDefinition = `network-map:
  resource-id: test-network-map
  pids: node
  default-pid: default
  default-node: e
topology: topology.yaml
`

// testTopologies are two versions of the topology that the trigger
// switches between: the second moves a prefix of node c and makes the
// link a-b dearer, so the network map and the cost maps change.
var testTopologies = [2]string{`nodes:
  - {id: a, prefixes: [192.0.2.0/25, "2001:db8:a::/48"]}
  - {id: b, prefixes: [192.0.2.128/25, "2001:db8:b::/48"]}
  - {id: c, prefixes: [198.51.100.0/24]}
  - {id: d, prefixes: [203.0.113.0/24]}
  - {id: e}
links:
  - {from: a, to: b, metric: 10}
  - {from: b, to: c, metric: 5}
  - {from: c, to: d, metric: 7}
  - {from: a, to: e, metric: 2}
  - {from: e, to: d, metric: 20}
`, `nodes:
  - {id: a, prefixes: [192.0.2.0/25, "2001:db8:a::/48"]}
  - {id: b, prefixes: [192.0.2.128/25, "2001:db8:b::/48"]}
  - {id: c, prefixes: [198.51.100.0/25]}
  - {id: d, prefixes: [203.0.113.0/24, 198.51.100.128/25]}
  - {id: e}
links:
  - {from: a, to: b, metric: 12}
  - {from: b, to: c, metric: 5}
  - {from: c, to: d, metric: 7}
  - {from: a, to: e, metric: 2}
  - {from: e, to: d, metric: 20}
`}

// rfc7285Definition is the example network of RFC 7285, with a
// secondary directory.
const rfc7285Definition = "../server/testdata/rfc7285/network.yaml"

// Server modes of a test environment.
const (
	modePlain = "plain" // HTTP/1.1 and h2c on the test network
	modeTLS   = "tls"   // HTTPS with ALPN h2 and http/1.1 on the test network
	modeRFC   = "rfc"   // HTTP/1.1 on the RFC 7285 example network
)

// testEnv is a goalto daemon whose handler a test server serves,
// possibly through a middleware that breaks one rule.
type testEnv struct {
	d        *daemon.Daemon
	topology string
	version  int
	url      string // root IRD URL of the test server
	pool     *x509.CertPool
}

// newTestEnv starts a daemon for the mode and serves its handler,
// wrapped by wrap when it is not nil, on a test server on 127.0.0.1.
func newTestEnv(t *testing.T, mode string, wrap func(e *testEnv, next http.Handler) http.Handler) *testEnv {
	t.Helper()
	e := &testEnv{}
	definition := rfc7285Definition
	if mode != modeRFC {
		dir := t.TempDir()
		definition = filepath.Join(dir, "definition.yaml")
		e.topology = filepath.Join(dir, "topology.yaml")
		writeFile(t, definition, testDefinition)
		writeFile(t, e.topology, testTopologies[0])
	}

	e.d = alttest.StartConfig(t, daemon.Config{Definition: definition})
	var h http.Handler = e.d.Handler()
	if wrap != nil {
		h = wrap(e, h)
	}

	srv := httptest.NewUnstartedServer(h)
	switch mode {
	case modeTLS:
		srv.EnableHTTP2 = true
		srv.StartTLS()
		e.pool = x509.NewCertPool()
		e.pool.AddCert(srv.Certificate())
	default:
		p := new(http.Protocols)
		p.SetHTTP1(true)
		p.SetUnencryptedHTTP2(true)
		srv.Config.Protocols = p
		srv.Start()
	}
	t.Cleanup(srv.Close)
	e.url = srv.URL + "/directory"
	return e
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// trigger switches the topology file to its other version and reloads
// the daemon.
func (e *testEnv) trigger(_ context.Context) error {
	if e.topology == "" {
		return fmt.Errorf("the RFC 7285 example network has no topology to change")
	}
	e.version = 1 - e.version
	tmp := e.topology + ".tmp"
	if err := os.WriteFile(tmp, []byte(testTopologies[e.version]), 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, e.topology); err != nil {
		return err
	}
	return e.d.Reload()
}

// config returns the run configuration for the environment.
func (e *testEnv) config() Config {
	// The timeouts bound the waits on a broken server, which a test cannot
	// avoid. An unbroken in-process server responds within milliseconds.
	cfg := Config{URL: e.url, RequestTimeout: 3 * time.Second, UpdateTimeout: 3 * time.Second}
	if e.topology != "" {
		cfg.Trigger = e.trigger
	}
	if e.pool != nil {
		cfg.TLSConfig = tlsConfigFor(e.pool)
	}
	return cfg
}

// run runs every check against the environment.
func (e *testEnv) run(t *testing.T) *Report {
	t.Helper()
	report, err := Run(context.Background(), e.config())
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return report
}

// baselines holds one report of an unbroken server per mode.
var baselines = struct {
	sync.Mutex
	reports map[string]*Report
}{reports: map[string]*Report{}}

// baseline returns the report of the unbroken server of a mode, which
// must have no failure.
func baseline(t *testing.T, mode string) *Report {
	t.Helper()
	baselines.Lock()
	defer baselines.Unlock()
	if r, ok := baselines.reports[mode]; ok {
		return r
	}
	r := newTestEnv(t, mode, nil).run(t)
	for _, res := range r.Results {
		if res.Status == Fail {
			t.Fatalf("unbroken %s server fails %s: %s", mode, res.ID, res.Reason)
		}
	}
	baselines.reports[mode] = r
	return r
}

// recorded is a buffered response that a breakage may edit.
type recorded struct {
	status int
	header http.Header
	body   []byte
}

// capture is a ResponseWriter that buffers a response for editing, but
// passes an event stream through as it is written.
type capture struct {
	w       http.ResponseWriter
	header  http.Header
	status  int
	body    bytes.Buffer
	stream  bool
	started bool
}

func (c *capture) Header() http.Header { return c.header }

func (c *capture) WriteHeader(code int) {
	if c.started {
		return
	}
	c.started, c.status = true, code
	if strings.HasPrefix(c.header.Get("Content-Type"), "text/event-stream") {
		c.stream = true
		for k, v := range c.header {
			c.w.Header()[k] = v
		}
		c.w.WriteHeader(code)
	}
}

func (c *capture) Write(b []byte) (int, error) {
	c.WriteHeader(http.StatusOK)
	if c.stream {
		return c.w.Write(b)
	}
	return c.body.Write(b)
}

func (c *capture) Flush() {
	if c.stream {
		http.NewResponseController(c.w).Flush()
	}
}

func (c *capture) Unwrap() http.ResponseWriter { return c.w }

// rewrite serves the requests that match through a buffer and lets edit
// change the response before it is sent. Event streams pass unchanged.
// The request is sent without Accept-Encoding, so bodies are not
// compressed.
func rewrite(match func(r *http.Request) bool, edit func(r *http.Request, reqBody []byte, resp *recorded)) func(e *testEnv, next http.Handler) http.Handler {
	return func(_ *testEnv, next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !match(r) {
				next.ServeHTTP(w, r)
				return
			}
			reqBody, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(reqBody))
			r.Header.Del("Accept-Encoding")
			c := &capture{w: w, header: http.Header{}}
			next.ServeHTTP(c, r)
			if c.stream {
				return
			}
			if !c.started {
				c.status = http.StatusOK
			}
			resp := &recorded{status: c.status, header: c.header, body: c.body.Bytes()}
			edit(r, reqBody, resp)
			for k, v := range resp.header {
				w.Header()[k] = v
			}
			w.Header().Set("Content-Length", fmt.Sprint(len(resp.body)))
			w.WriteHeader(resp.status)
			w.Write(resp.body)
		})
	}
}

// editRequest changes the JSON body or the header of matching requests
// before the server reads them.
func editRequest(match func(r *http.Request) bool, edit func(r *http.Request, body map[string]any)) func(e *testEnv, next http.Handler) http.Handler {
	return func(_ *testEnv, next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !match(r) {
				next.ServeHTTP(w, r)
				return
			}
			raw, _ := io.ReadAll(r.Body)
			var body map[string]any
			if json.Unmarshal(raw, &body) == nil && body != nil {
				edit(r, body)
				raw, _ = json.Marshal(body)
			} else {
				edit(r, nil)
			}
			r.Body = io.NopCloser(bytes.NewReader(raw))
			r.ContentLength = int64(len(raw))
			next.ServeHTTP(w, r)
		})
	}
}

// streamWriter passes an event stream through transform, one event at
// a time; transform returns "" to drop an event.
type streamWriter struct {
	w         http.ResponseWriter
	pending   bytes.Buffer
	transform func(event string) string
}

func (s *streamWriter) Header() http.Header  { return s.w.Header() }
func (s *streamWriter) WriteHeader(code int) { s.w.WriteHeader(code) }

func (s *streamWriter) Write(b []byte) (int, error) {
	if !strings.HasPrefix(s.w.Header().Get("Content-Type"), "text/event-stream") {
		return s.w.Write(b)
	}
	s.pending.Write(b)
	for {
		i := bytes.Index(s.pending.Bytes(), []byte("\n\n"))
		if i < 0 {
			return len(b), nil
		}
		event := string(s.pending.Next(i + 2))
		if out := s.transform(event); out != "" {
			if _, err := io.WriteString(s.w, out); err != nil {
				return 0, err
			}
		}
	}
}

func (s *streamWriter) Flush() { http.NewResponseController(s.w).Flush() }

func (s *streamWriter) Unwrap() http.ResponseWriter { return s.w }

// editStream passes every event of the update streams that match
// through a transform that newTransform makes for each stream.
func editStream(match func(r *http.Request) bool, newTransform func() func(event string) string) func(e *testEnv, next http.Handler) http.Handler {
	return func(_ *testEnv, next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !match(r) {
				next.ServeHTTP(w, r)
				return
			}
			next.ServeHTTP(&streamWriter{w: w, transform: newTransform()}, r)
		})
	}
}

// stateless returns a transform maker for a transform without state.
func stateless(transform func(event string) string) func() func(event string) string {
	return func() func(event string) string { return transform }
}

// editJSON decodes a JSON object body, lets edit change it and encodes
// it again; a body that is not a JSON object is returned unchanged.
func editJSON(body []byte, edit func(o map[string]any)) []byte {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var o map[string]any
	if dec.Decode(&o) != nil || o == nil {
		return body
	}
	edit(o)
	out, _ := json.Marshal(o)
	return out
}

// obj returns the object at a path of names inside o, or nil.
func obj(o map[string]any, path ...string) map[string]any {
	for _, name := range path {
		next, ok := o[name].(map[string]any)
		if !ok {
			return nil
		}
		o = next
	}
	return o
}

// errorCode returns the ALTO error code of a response, or "".
func errorCode(resp *recorded) string {
	if resp.header.Get("Content-Type") != "application/alto-error+json" {
		return ""
	}
	var b struct {
		Meta struct {
			Code string `json:"code"`
		} `json:"meta"`
	}
	json.Unmarshal(resp.body, &b)
	return b.Meta.Code
}

// altoError replaces a response with an ALTO error.
func altoError(resp *recorded, status int, code string) {
	resp.status = status
	resp.header = http.Header{"Content-Type": {"application/alto-error+json"}}
	resp.body = []byte(`{"meta":{"code":"` + code + `"}}`)
}

// plainError replaces a response with a text error, such as a proxy's.
func plainError(resp *recorded, status int, contentType, text string) {
	resp.status = status
	resp.header = http.Header{"Content-Type": {contentType}}
	resp.body = []byte(text)
}

func path(p string) func(r *http.Request) bool {
	return func(r *http.Request) bool { return r.URL.Path == p }
}

func pathPrefix(p string) func(r *http.Request) bool {
	return func(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, p) }
}

func method(m string, match func(r *http.Request) bool) func(r *http.Request) bool {
	return func(r *http.Request) bool { return r.Method == m && match(r) }
}
