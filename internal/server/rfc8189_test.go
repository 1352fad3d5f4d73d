package server_test

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// rfc8189Dir holds the example network of RFC 8189, Section 5, and one
// request and response fixture per example exchange. README.md there
// lists every change made to the RFC text.
const rfc8189Dir = "testdata/rfc8189"

// rfc8189Fixtures lists the fixtures with the RFC 8189 section of the
// example each one reproduces.
var rfc8189Fixtures = []struct {
	name    string
	section string
}{
	{"04-or-constraints", "3.6.2"},
	{"05-testable-cost-types", "3.6.3"},
	{"07-directory", "5.1"},
	{"08-multicost-example1", "5.2"},
	{"09-multicost-example2", "5.3"},
	{"10-multicost-example3", "5.4"},
	{"11-multicost-example4", "5.5"},
	{"12-endpoint-multicost", "5.6"},
}

// TestRFC8189Examples replays each example exchange of RFC 8189 against
// a server running its example network.
func TestRFC8189Examples(t *testing.T) {
	checkRFC8189Files(t)
	srv := startExampleServer(t, filepath.Join(rfc8189Dir, "network.yaml"))
	for _, f := range rfc8189Fixtures {
		t.Run(f.name, func(t *testing.T) {
			srv.replayFixture(t, rfc8189Dir, f.name, "RFC 8189, Section "+f.section)
		})
	}
}

// checkRFC8189Files fails unless every listed fixture has both files and
// every fixture file is listed.
func checkRFC8189Files(t *testing.T) {
	t.Helper()
	listed := map[string]bool{}
	for _, f := range rfc8189Fixtures {
		for _, ext := range []string{".request", ".response"} {
			listed[f.name+ext] = true
			if _, err := os.Stat(filepath.Join(rfc8189Dir, f.name+ext)); err != nil {
				t.Errorf("fixture of RFC 8189, Section %s: %v", f.section, err)
			}
		}
	}
	for _, pattern := range []string{"*.request", "*.response"} {
		files, err := filepath.Glob(filepath.Join(rfc8189Dir, pattern))
		if err != nil {
			t.Fatal(err)
		}
		for _, file := range files {
			if !listed[filepath.Base(file)] {
				t.Errorf("fixture %s is not listed in rfc8189Fixtures", file)
			}
		}
	}
}

// replayFixture sends the request of a fixture in dir and compares the
// response with the expected one, as replay does for RFC 7285.
func (s *exampleServer) replayFixture(t *testing.T, dir, name, source string) {
	reqMsg := readMessage(t, filepath.Join(dir, name+".request"))
	wantMsg := readMessage(t, filepath.Join(dir, name+".response"))

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
	normalizeURIs(t, want, nil)
	normalizeURIs(t, got, req.URL)
	if d := firstDiff("$", want, got); d != "" {
		t.Errorf("%s %s: body differs from %s: %s\nresponse body:\n%s", req.Method, req.URL.Path, source, d, gotBody)
	}
}
