package cdni_test

import (
	"os"
	"path/filepath"
	"testing"
)

// rfc9241Dir holds the example exchanges of RFC 9241 that goalto serves,
// and two definitions with the example data; README.md there lists every
// change made to the RFC text.
const rfc9241Dir = "testdata/rfc9241"

// rfc9241Fixtures lists the fixtures with the RFC 9241 section of the
// example each one reproduces.
var rfc9241Fixtures = []struct {
	name       string
	section    string
	definition string // the definition file of the server
}{
	{"01-directory", "3.7.1", "network.yaml"},
	{"02-basic", "3.7.2", "network.yaml"},
	{"03-eu-network-map", "4.2.1", "network.yaml"},
	{"04-pid-footprints", "4.2.2", "network.yaml"},
	{"05-filtered", "5.7.1", "network.yaml"},
	{"06-property-map", "6.3.1", "propmap.yaml"},
	{"07-filtered-property-map", "6.3.2", "propmap.yaml"},
}

// TestRFC9241Examples replays each example exchange against a server
// with the example data, and compares the responses as decoded JSON.
// The version tags of the RFC are placeholders, filled with the tags
// that the server sends. The filtered response must carry the tag of
// the full advertisement (RFC 9241, Section 5.6).
func TestRFC9241Examples(t *testing.T) {
	checkFixtureFiles(t)
	servers := map[string]*testServer{
		"network.yaml": startServer(t, filepath.Join(rfc9241Dir, "network.yaml")),
		"propmap.yaml": startServer(t, filepath.Join(rfc9241Dir, "propmap.yaml")),
	}
	tags := map[string]string{
		"basic-tag":               servers["network.yaml"].vtag(t, "/cdnifci"),
		"eu-netmap-tag":           servers["network.yaml"].vtag(t, "/myeunetmap"),
		"pid-footprints-tag":      servers["network.yaml"].vtag(t, "/networkcdnifci"),
		"propmap-cdnifci-tag":     servers["propmap.yaml"].vtag(t, "/cdnifci"),
		"propmap-network-map-tag": servers["propmap.yaml"].vtag(t, "/networkmap"),
	}
	for _, f := range rfc9241Fixtures {
		t.Run(f.name, func(t *testing.T) {
			req := readFixture(t, filepath.Join(rfc9241Dir, f.name+".request"), nil)
			want := readFixture(t, filepath.Join(rfc9241Dir, f.name+".response"), tags)
			checkResponse(t, servers[f.definition].replay(t, req), want)
		})
	}
}

// checkFixtureFiles fails unless every listed fixture has a request and
// a response file and every fixture file is listed.
func checkFixtureFiles(t *testing.T) {
	t.Helper()
	listed := map[string]bool{}
	for _, f := range rfc9241Fixtures {
		for _, ext := range []string{".request", ".response"} {
			listed[f.name+ext] = true
			if _, err := os.Stat(filepath.Join(rfc9241Dir, f.name+ext)); err != nil {
				t.Errorf("fixture of RFC 9241, Section %s: %v", f.section, err)
			}
		}
	}
	for _, pattern := range []string{"*.request", "*.response"} {
		files, err := filepath.Glob(filepath.Join(rfc9241Dir, pattern))
		if err != nil {
			t.Fatal(err)
		}
		for _, file := range files {
			if !listed[filepath.Base(file)] {
				t.Errorf("fixture %s is not listed in rfc9241Fixtures", file)
			}
		}
	}
}
