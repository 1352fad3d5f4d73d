package cdni_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/alttest"
	"github.com/goalto/goalto/internal/daemon"
)

// testServer is a running goalto server with the default services.
type testServer struct {
	origin string // scheme and host
	client *http.Client
}

// startServer serves a definition file on a loopback port until the
// test ends.
func startServer(t testing.TB, definition string) *testServer {
	t.Helper()
	d := alttest.StartConfig(t, daemon.Config{Definition: definition})
	u, err := url.Parse(d.IRDURL())
	if err != nil {
		t.Fatalf("directory URL: %v", err)
	}
	return &testServer{origin: u.Scheme + "://" + u.Host, client: &http.Client{}}
}

// response is a response with its body read.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r *response) mediaType() string {
	mt, _, _ := strings.Cut(r.header.Get("Content-Type"), ";")
	return strings.TrimSpace(mt)
}

// do sends a request to the server and reads the response.
func (s *testServer) do(t testing.TB, method, path, contentType, body string, header http.Header) *response {
	t.Helper()
	req, err := http.NewRequest(method, s.origin+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range header {
		if k == "Host" {
			req.Host = vs[0]
			continue
		}
		req.Header[k] = vs
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: data}
}

// filter posts a filtered CDNI Advertisement request.
func (s *testServer) filter(t testing.TB, path, body string) *response {
	t.Helper()
	return s.do(t, http.MethodPost, path, alto.MediaTypeCDNIFilter, body, nil)
}

// advertisement decodes a CDNI Advertisement response that must have
// succeeded.
func advertisement(t testing.TB, r *response) *alto.CDNIAdvertisement {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("status %d, want 200; body %s", r.status, r.body)
	}
	if r.mediaType() != alto.MediaTypeCDNI {
		t.Fatalf("Content-Type %q, want %s", r.mediaType(), alto.MediaTypeCDNI)
	}
	var a alto.CDNIAdvertisement
	if err := json.Unmarshal(r.body, &a); err != nil {
		t.Fatalf("decoding %s: %v", r.body, err)
	}
	return &a
}

// altoError decodes an ALTO error response with status 400.
func altoError(t testing.TB, r *response) *alto.Error {
	t.Helper()
	if r.status != http.StatusBadRequest {
		t.Fatalf("status %d, want 400; body %s", r.status, r.body)
	}
	if r.mediaType() != alto.MediaTypeError {
		t.Fatalf("Content-Type %q, want %s", r.mediaType(), alto.MediaTypeError)
	}
	var e alto.Error
	if err := json.Unmarshal(r.body, &e); err != nil {
		t.Fatalf("decoding error %s: %v", r.body, err)
	}
	return &e
}

// vtag returns the version tag in the meta of a response at a path.
func (s *testServer) vtag(t testing.TB, path string) string {
	t.Helper()
	r := s.do(t, http.MethodGet, path, "", "", nil)
	var body struct {
		Meta alto.ResponseMeta `json:"meta"`
	}
	if err := json.Unmarshal(r.body, &body); err != nil || body.Meta.VTag == nil {
		t.Fatalf("vtag of %s: %v; body %s", path, err, r.body)
	}
	return body.Meta.VTag.Tag
}

// fixtureMessage is an HTTP message of a fixture: the start line, the
// header fields and the body.
type fixtureMessage struct {
	startLine []string
	header    http.Header
	body      string
}

// readFixture reads an HTTP message, replacing each placeholder of the
// form <name> by its value.
func readFixture(t *testing.T, path string, values map[string]string) fixtureMessage {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	for k, v := range values {
		text = strings.ReplaceAll(text, "<"+k+">", v)
	}
	head, body, _ := strings.Cut(text, "\n\n")
	lines := strings.Split(strings.TrimRight(head, "\n"), "\n")
	m := fixtureMessage{startLine: strings.SplitN(lines[0], " ", 3), header: http.Header{}, body: body}
	if len(m.startLine) != 3 {
		t.Fatalf("%s: start line %q", path, lines[0])
	}
	for _, line := range lines[1:] {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			t.Fatalf("%s: header line %q has no colon", path, line)
		}
		m.header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
	}
	return m
}

// replay sends the request of a fixture, with its header fields.
func (s *testServer) replay(t *testing.T, req fixtureMessage) *response {
	t.Helper()
	return s.do(t, req.startLine[0], req.startLine[1], "", req.body, req.header)
}

// checkResponse compares the status, the Content-Type and the body, as
// decoded JSON, of a response with a fixture.
func checkResponse(t *testing.T, got *response, want fixtureMessage) {
	t.Helper()
	status, err := strconv.Atoi(want.startLine[1])
	if err != nil {
		t.Fatalf("status line %q", want.startLine)
	}
	if got.status != status {
		t.Fatalf("status %d, want %d; body %s", got.status, status, got.body)
	}
	if mt := want.header.Get("Content-Type"); got.mediaType() != mt {
		t.Errorf("Content-Type %q, want %q", got.mediaType(), mt)
	}
	var g, w any
	if err := json.Unmarshal(got.body, &g); err != nil {
		t.Fatalf("decoding %s: %v", got.body, err)
	}
	if err := json.Unmarshal([]byte(want.body), &w); err != nil {
		t.Fatalf("decoding expected %s: %v", want.body, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("body differs:\ngot:  %s\nwant: %s", indent(got.body), indent([]byte(want.body)))
	}
}

func indent(b []byte) string {
	var out bytes.Buffer
	if json.Indent(&out, b, "      ", "  ") != nil {
		return string(b)
	}
	return out.String()
}
