// Package datadir locates the real input data that tests and benchmarks
// read: the Topology Zoo graphs, the pyasn prefix tables, the MRT dumps
// and the other folders of the project's shared data directory, which
// sits beside the repository as ../shared/data.
package datadir

import (
	"os"
	"path/filepath"
	"testing"
)

// Env names a variable that overrides the data directory.
const Env = "GOALTO_DATA"

// Find returns the data directory: $GOALTO_DATA, or shared/data beside
// the module root found by walking up from the working directory. It
// returns "" when there is none.
func Find() string {
	if d := os.Getenv(Env); d != "" {
		return d
	}
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			d := filepath.Join(dir, "..", "shared", "data")
			if fi, err := os.Stat(d); err == nil && fi.IsDir() {
				return d
			}
			return ""
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// Path returns the path of a file or folder under the data directory.
// Without the data directory the test is skipped, except under CI (the
// CI variable set), where it fails, so that CI never passes by skipping.
func Path(tb testing.TB, elem ...string) string {
	tb.Helper()
	d := Find()
	if d == "" {
		if os.Getenv("CI") != "" {
			tb.Fatalf("data directory not found: set %s or place shared/data beside the repository", Env)
		}
		tb.Skipf("data directory not found: set %s or place shared/data beside the repository", Env)
	}
	p := filepath.Join(append([]string{d}, elem...)...)
	if _, err := os.Stat(p); err != nil {
		tb.Fatalf("test data: %v", err)
	}
	return p
}

// Specs returns the path of a file or folder under the shared
// specification texts, the folder specs beside the data directory, with
// the skip and CI rules of Path.
func Specs(tb testing.TB, elem ...string) string {
	tb.Helper()
	d := Path(tb)
	p := filepath.Join(append([]string{filepath.Dir(d), "specs"}, elem...)...)
	if _, err := os.Stat(p); err != nil {
		tb.Fatalf("specification texts: %v", err)
	}
	return p
}
