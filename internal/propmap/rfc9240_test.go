package propmap_test

import (
	"os"
	"path/filepath"
	"testing"
)

// rfc9240Dir holds the example exchanges of RFC 9240, Section 10, and a
// definition with the example data; README.md there lists every change
// made to the RFC text.
const rfc9240Dir = "testdata/rfc9240"

// rfc9240Fixtures lists the fixtures with the RFC 9240 section of the
// example each one reproduces.
var rfc9240Fixtures = []struct {
	name    string
	section string
}{
	{"01-directory", "10.3"},
	{"02-full-property-map", "10.4"},
	{"03-filtered-1", "10.5"},
	{"04-filtered-2", "10.6"},
	{"05-filtered-3", "10.7"},
	{"06-filtered-4", "10.8"},
	{"07-filtered-ane", "10.9"},
}

// TestRFC9240Examples replays each example exchange of RFC 9240 against
// a server with the example data of Section 10, and compares the
// responses as decoded JSON.
func TestRFC9240Examples(t *testing.T) {
	checkFixtureFiles(t)
	s := startServer(t, filepath.Join(rfc9240Dir, "network.yaml"))
	tags := map[string]string{
		"default-network-map-tag": s.networkMapTag(t, "/networkmap/default"),
		"alt-network-map-tag":     s.networkMapTag(t, "/networkmap/alt"),
	}
	for _, f := range rfc9240Fixtures {
		t.Run(f.name, func(t *testing.T) {
			req := readFixture(t, filepath.Join(rfc9240Dir, f.name+".request"), nil)
			want := readFixture(t, filepath.Join(rfc9240Dir, f.name+".response"), tags)
			checkResponse(t, s.replay(t, req), want)
		})
	}
}

// checkFixtureFiles fails unless every listed fixture has a request and
// a response file and every fixture file is listed.
func checkFixtureFiles(t *testing.T) {
	t.Helper()
	listed := map[string]bool{}
	for _, f := range rfc9240Fixtures {
		for _, ext := range []string{".request", ".response"} {
			listed[f.name+ext] = true
			if _, err := os.Stat(filepath.Join(rfc9240Dir, f.name+ext)); err != nil {
				t.Errorf("fixture of RFC 9240, Section %s: %v", f.section, err)
			}
		}
	}
	for _, pattern := range []string{"*.request", "*.response"} {
		files, err := filepath.Glob(filepath.Join(rfc9240Dir, pattern))
		if err != nil {
			t.Fatal(err)
		}
		for _, file := range files {
			if !listed[filepath.Base(file)] {
				t.Errorf("fixture %s is not listed in rfc9240Fixtures", file)
			}
		}
	}
}
