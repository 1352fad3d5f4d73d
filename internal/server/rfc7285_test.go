package server_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/goalto/goalto/internal/alttest"
)

// exampleDir holds the example network of RFC 7285 and one request and
// response fixture per example exchange of the RFC. README.md there lists
// every change made to the RFC text.
const exampleDir = "testdata/rfc7285"

// tagPlaceholder stands for the version tag of the network map in the
// expected responses. The server derives its tags from a content hash, so
// the tags printed in the RFC cannot match.
const tagPlaceholder = "<network-map-tag>"

// exampleBaseURL is the host of the RFC 7285 examples, used as base-url
// when the directories are compared with absolute URIs.
const exampleBaseURL = "http://alto.example.com"

// rfc7285Fixtures lists the fixtures with the RFC 7285 section of the
// example each one reproduces.
var rfc7285Fixtures = []struct {
	name    string
	section string
}{
	{"01-directory", "9.2.3"},
	{"02-maps-directory", "9.2.4"},
	{"04-network-map", "11.2.1.7"},
	{"07-cost-map", "11.2.3.7"},
	{"08-filtered-network-map", "11.3.1.7"},
	{"09-filtered-cost-map", "11.3.2.7"},
	{"10-endpoint-property", "11.4.1.7"},
	{"11-endpoint-cost", "11.5.1.7"},
}

// TestRFC7285Examples replays each example exchange of RFC 7285 against
// a server running the example network. Directory URIs are compared by
// path, because the server writes URIs relative to the directory.
func TestRFC7285Examples(t *testing.T) {
	checkFixtureFiles(t)
	srv := startExampleServer(t, filepath.Join(exampleDir, "network.yaml"))
	for _, f := range rfc7285Fixtures {
		t.Run(f.name, func(t *testing.T) {
			srv.replay(t, f.name, false)
		})
	}
}

// TestRFC7285ExamplesBaseURL replays the directory examples against the
// example network served with base-url set to the host of the RFC, so
// that the directory URIs must match exactly.
func TestRFC7285ExamplesBaseURL(t *testing.T) {
	def, err := os.ReadFile(filepath.Join(exampleDir, "network.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "network.yaml")
	def = append(def, "\nbase-url: "+exampleBaseURL+"\n"...)
	if err := os.WriteFile(path, def, 0o644); err != nil {
		t.Fatal(err)
	}
	srv := startExampleServer(t, path)
	for _, name := range []string{"01-directory", "02-maps-directory"} {
		t.Run(name, func(t *testing.T) {
			srv.replay(t, name, true)
		})
	}
}

// checkFixtureFiles fails unless every listed fixture has a request and a
// response file and every fixture file is listed.
func checkFixtureFiles(t *testing.T) {
	t.Helper()
	listed := map[string]bool{}
	for _, f := range rfc7285Fixtures {
		for _, ext := range []string{".request", ".response"} {
			listed[f.name+ext] = true
			if _, err := os.Stat(filepath.Join(exampleDir, f.name+ext)); err != nil {
				t.Errorf("fixture of RFC 7285, Section %s: %v", f.section, err)
			}
		}
	}
	for _, pattern := range []string{"*.request", "*.response"} {
		files, err := filepath.Glob(filepath.Join(exampleDir, pattern))
		if err != nil {
			t.Fatal(err)
		}
		for _, file := range files {
			if !listed[filepath.Base(file)] {
				t.Errorf("fixture %s is not listed in rfc7285Fixtures", file)
			}
		}
	}
}

// exampleServer is a running server with the example network.
type exampleServer struct {
	origin *url.URL // scheme and host of the server
	tag    string   // version tag of the network map
	client *http.Client
}

func startExampleServer(t *testing.T, definition string) *exampleServer {
	t.Helper()
	root, err := url.Parse(alttest.Start(t, definition))
	if err != nil {
		t.Fatalf("root directory URL: %v", err)
	}
	srv := &exampleServer{
		origin: &url.URL{Scheme: root.Scheme, Host: root.Host},
		// The transport must not add Accept-Encoding, so that each
		// request carries only the headers of its fixture.
		client: &http.Client{Transport: &http.Transport{DisableCompression: true}},
	}
	srv.tag = srv.fetchNetworkMapTag(t)
	return srv
}

// fetchNetworkMapTag returns the version tag of the full network map,
// which every vtag and dependent-vtags entry of the examples names, and
// checks that it is a valid tag: 1 to 64 characters from U+0021 to
// U+007E (RFC 7285, Section 10.3).
func (s *exampleServer) fetchNetworkMapTag(t *testing.T) string {
	t.Helper()
	resp, err := s.client.Get(s.origin.String() + "/networkmap")
	if err != nil {
		t.Fatalf("GET /networkmap: %v", err)
	}
	defer resp.Body.Close()
	var nm struct {
		Meta struct {
			VTag struct {
				ResourceID string `json:"resource-id"`
				Tag        string `json:"tag"`
			} `json:"vtag"`
		} `json:"meta"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&nm); err != nil {
		t.Fatalf("GET /networkmap: decoding the body: %v", err)
	}
	vtag := nm.Meta.VTag
	if vtag.ResourceID != "my-default-network-map" {
		t.Errorf("network map vtag resource-id = %q, want my-default-network-map", vtag.ResourceID)
	}
	if !regexp.MustCompile(`^[\x21-\x7e]{1,64}$`).MatchString(vtag.Tag) {
		t.Fatalf("network map vtag tag %q is not 1 to 64 characters from U+0021 to U+007E", vtag.Tag)
	}
	return vtag.Tag
}

// replay sends the request of a fixture and compares the response with
// the expected one: status, media type and JSON body. Unless exactURIs
// is set, the "uri" of directory entries is compared by path after
// resolving it against the directory URI.
func (s *exampleServer) replay(t *testing.T, name string, exactURIs bool) {
	reqMsg := readMessage(t, filepath.Join(exampleDir, name+".request"))
	wantMsg := readMessage(t, filepath.Join(exampleDir, name+".response"))

	req := s.newRequest(t, reqMsg)
	resp, err := s.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	gotBody, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading the body: %v", req.Method, req.URL.Path, err)
	}

	if want := wantMsg.status(t); resp.StatusCode != want {
		t.Fatalf("status = %d, want %d; body:\n%s", resp.StatusCode, want, gotBody)
	}
	checkContentType(t, resp.Header.Get("Content-Type"), wantMsg.header.Get("Content-Type"))

	wantBody := bytes.ReplaceAll(wantMsg.body, []byte(strconv.Quote(tagPlaceholder)), []byte(strconv.Quote(s.tag)))
	want := decodeJSON(t, "expected body", wantBody)
	got := decodeJSON(t, "response body", gotBody)
	if !exactURIs {
		normalizeURIs(t, want, nil)
		normalizeURIs(t, got, req.URL)
	}
	if d := firstDiff("$", want, got); d != "" {
		t.Errorf("%s %s: body differs from RFC 7285, Section %s: %s\nresponse body:\n%s",
			req.Method, req.URL.Path, sectionOf(name), d, gotBody)
	}
}

func sectionOf(name string) string {
	for _, f := range rfc7285Fixtures {
		if f.name == name {
			return f.section
		}
	}
	return "?"
}

// newRequest builds the request of a fixture, aimed at the test server
// with the fixture's method, target, headers and body.
func (s *exampleServer) newRequest(t *testing.T, m message) *http.Request {
	t.Helper()
	fields := strings.Fields(m.startLine)
	if len(fields) != 3 || !strings.HasPrefix(fields[2], "HTTP/") {
		t.Fatalf("invalid request line %q", m.startLine)
	}
	target, err := url.Parse(fields[1])
	if err != nil {
		t.Fatalf("request target %q: %v", fields[1], err)
	}
	var body io.Reader
	if len(m.body) > 0 {
		body = bytes.NewReader(m.body)
	}
	req, err := http.NewRequest(fields[0], s.origin.ResolveReference(target).String(), body)
	if err != nil {
		t.Fatal(err)
	}
	for key, values := range m.header {
		if key == "Host" {
			continue // net/http sends req.Host instead
		}
		req.Header[key] = values
	}
	// The connection goes to the loopback server; only the Host header
	// names the host of the example.
	req.Host = m.header.Get("Host")
	return req
}

// checkContentType compares the media types and parameters of two
// Content-Type values.
func checkContentType(t *testing.T, got, want string) {
	t.Helper()
	wantType, wantParams, err := mime.ParseMediaType(want)
	if err != nil {
		t.Fatalf("expected Content-Type %q: %v", want, err)
	}
	gotType, gotParams, err := mime.ParseMediaType(got)
	if err != nil {
		t.Errorf("Content-Type %q: %v", got, err)
		return
	}
	if gotType != wantType || !reflect.DeepEqual(gotParams, wantParams) {
		t.Errorf("Content-Type = %q, want %q", got, want)
	}
}

// message is an HTTP message of a fixture file: a start line, header
// fields, an empty line and the body, as the RFC prints them.
type message struct {
	startLine string
	header    textproto.MIMEHeader
	body      []byte
}

func readMessage(t *testing.T, path string) message {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r := textproto.NewReader(bufio.NewReader(bytes.NewReader(data)))
	start, err := r.ReadLine()
	if err != nil {
		t.Fatalf("%s: start line: %v", path, err)
	}
	header, err := r.ReadMIMEHeader()
	if err != nil && err != io.EOF {
		t.Fatalf("%s: header: %v", path, err)
	}
	body, err := io.ReadAll(r.R)
	if err != nil {
		t.Fatalf("%s: body: %v", path, err)
	}
	return message{startLine: start, header: header, body: body}
}

// status returns the status code of a response start line.
func (m message) status(t *testing.T) int {
	t.Helper()
	fields := strings.Fields(m.startLine)
	if len(fields) < 2 || !strings.HasPrefix(fields[0], "HTTP/") {
		t.Fatalf("invalid status line %q", m.startLine)
	}
	code, err := strconv.Atoi(fields[1])
	if err != nil {
		t.Fatalf("status line %q: %v", m.startLine, err)
	}
	return code
}

func decodeJSON(t *testing.T, what string, data []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("%s is not JSON: %v\n%s", what, err, data)
	}
	return v
}

// normalizeURIs replaces the "uri" of every entry of a directory's
// "resources" by its path. With a base, each URI is first resolved
// against it (RFC 7285, Section 9.2.2, by RFC 3986, Section 5) and must
// then point to the host of the base.
func normalizeURIs(t *testing.T, doc any, base *url.URL) {
	t.Helper()
	top, _ := doc.(map[string]any)
	resources, _ := top["resources"].(map[string]any)
	for id, entry := range resources {
		e, ok := entry.(map[string]any)
		if !ok {
			continue
		}
		raw, ok := e["uri"].(string)
		if !ok {
			continue
		}
		u, err := url.Parse(raw)
		if err != nil {
			t.Errorf("resource %s: uri %q: %v", id, raw, err)
			continue
		}
		if base != nil {
			u = base.ResolveReference(u)
			if u.Host != base.Host {
				t.Errorf("resource %s: uri %q resolves to host %q, not to the server at %q", id, raw, u.Host, base.Host)
			}
		}
		e["uri"] = u.Path
	}
}

// firstDiff returns the path and values of the first difference between
// two values decoded from JSON, or "" when they are equal. Object members
// are visited in sorted order.
func firstDiff(path string, want, got any) string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return mismatch(path, want, got)
		}
		return firstObjectDiff(path, w, g)
	case []any:
		g, ok := got.([]any)
		if !ok {
			return mismatch(path, want, got)
		}
		for i := 0; i < min(len(w), len(g)); i++ {
			if d := firstDiff(fmt.Sprintf("%s[%d]", path, i), w[i], g[i]); d != "" {
				return d
			}
		}
		if len(w) != len(g) {
			return fmt.Sprintf("%s: array has %d elements, want %d: got %s, want %s", path, len(g), len(w), compact(got), compact(want))
		}
		return ""
	default:
		if !reflect.DeepEqual(want, got) {
			return mismatch(path, want, got)
		}
		return ""
	}
}

func firstObjectDiff(path string, want, got map[string]any) string {
	keys := make([]string, 0, len(want)+len(got))
	for k := range want {
		keys = append(keys, k)
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		p := memberPath(path, k)
		w, inWant := want[k]
		g, inGot := got[k]
		switch {
		case !inGot:
			return fmt.Sprintf("%s: missing, want %s", p, compact(w))
		case !inWant:
			return fmt.Sprintf("%s: unexpected member %s", p, compact(g))
		}
		if d := firstDiff(p, w, g); d != "" {
			return d
		}
	}
	return ""
}

var plainMember = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// memberPath appends an object member to a path, quoting names such as
// "ipv4:192.0.2.34" that are not plain words.
func memberPath(path, key string) string {
	if plainMember.MatchString(key) {
		return path + "." + key
	}
	return path + "[" + strconv.Quote(key) + "]"
}

func mismatch(path string, want, got any) string {
	return fmt.Sprintf("%s: got %s, want %s", path, compact(got), compact(want))
}

func compact(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// TestRFC7285JSONDiff checks that the comparison of the example tests
// finds each kind of difference and reports where it is.
func TestRFC7285JSONDiff(t *testing.T) {
	tests := []struct {
		name      string
		want, got string
		diff      string
	}{
		{"equal despite layout", `{"a": [1, {"b": "x"}]}`, `{"a":[1.0,{"b":"x"}]}`, ""},
		{"changed number", `{"cost-map": {"PID1": {"PID2": 5}}}`, `{"cost-map": {"PID1": {"PID2": 1}}}`, `$.cost-map.PID1.PID2: got 1, want 5`},
		{"missing member", `{"a": 1, "b": 2}`, `{"a": 1}`, `$.b: missing, want 2`},
		{"unexpected member", `{"a": 1}`, `{"a": 1, "c": true}`, `$.c: unexpected member true`},
		{"quoted member", `{"ipv4:192.0.2.2": 1}`, `{"ipv4:192.0.2.2": 2}`, `$["ipv4:192.0.2.2"]: got 2, want 1`},
		{"shorter array", `{"a": [1, 2]}`, `{"a": [1]}`, `$.a: array has 1 elements, want 2: got [1], want [1,2]`},
		{"array order", `["x", "y"]`, `["y", "x"]`, `$[0]: got "y", want "x"`},
		{"type change", `{"a": "1"}`, `{"a": 1}`, `$.a: got 1, want "1"`},
		{"null against object", `{"a": {}}`, `{"a": null}`, `$.a: got null, want {}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := decodeJSON(t, "want", []byte(tt.want))
			got := decodeJSON(t, "got", []byte(tt.got))
			if d := firstDiff("$", want, got); d != tt.diff {
				t.Errorf("firstDiff = %q, want %q", d, tt.diff)
			}
		})
	}
}
