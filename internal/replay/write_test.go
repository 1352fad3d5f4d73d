package replay

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/goalto/goalto/internal/datadir"
	"github.com/goalto/goalto/internal/topology"
)

// marshalers are the two topology writers, by name.
var marshalers = []struct {
	name    string
	marshal func(*topology.Graph) ([]byte, error)
}{
	{"yaml", MarshalTopology},
	{"json", MarshalTopologyJSON},
}

// checkRoundTrip writes g with each writer and checks that
// topology.ParseYAML reads back an equal graph, one line per node and link.
func checkRoundTrip(t *testing.T, g *topology.Graph) {
	t.Helper()
	for _, m := range marshalers {
		data, err := m.marshal(g)
		if err != nil {
			t.Fatalf("%s: %v", m.name, err)
		}
		back, err := topology.ParseYAML(data, "out."+m.name)
		if err != nil {
			t.Fatalf("%s: ParseYAML of the output: %v\n%s", m.name, err, data)
		}
		want := *g
		if want.Name == "" {
			want.Name = "out" // the parser's default: the file's base name
		}
		if !reflect.DeepEqual(back, &want) {
			t.Errorf("%s: graph read back differs from the graph written\n%s", m.name, data)
		}
		if m.name == "json" && !json.Valid(data) {
			t.Errorf("json: output is not valid JSON:\n%s", data)
		}
		if got, want := bytes.Count(data, []byte("\n")), len(g.Nodes)+len(g.Links)+linesAround(m.name, g); got != want {
			t.Errorf("%s: %d lines for %d nodes and %d links, want %d", m.name, got, len(g.Nodes), len(g.Links), want)
		}
	}
}

// linesAround is the number of lines other than node and link lines.
func linesAround(format string, g *topology.Graph) int {
	n := 2 // "nodes:" and "links:"
	if format == "json" {
		n = 2 // "{" and "}"
		if len(g.Nodes) > 0 {
			n += 2 // opening and closing line of the list
		} else {
			n++
		}
		if len(g.Links) > 0 {
			n += 2
		} else {
			n++
		}
	}
	if g.Name != "" {
		n++
	}
	return n
}

func TestMarshalTopologyZoo(t *testing.T) {
	dir := datadir.Path(t, "topology-zoo")
	files, err := filepath.Glob(filepath.Join(dir, "*.graphml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no GraphML files in %s: %v", dir, err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			g, err := topology.Load(f)
			if err != nil {
				t.Fatal(err)
			}
			if err := AssignPrefixes(g, netip.MustParsePrefix("10.0.0.0/8"), 24); err != nil {
				t.Fatal(err)
			}
			checkRoundTrip(t, g)
		})
	}
}

func TestMarshalTopologyLHCONE(t *testing.T) {
	g, err := topology.Load(datadir.Path(t, "lhcone-openalto-simulator", "LHCOne-final.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	checkRoundTrip(t, g)
}

func TestMarshalTopologyQuoting(t *testing.T) {
	g := &topology.Graph{
		Name: "123",
		Nodes: []topology.Node{
			{ID: "0", Label: "0"},
			{ID: "true", Label: "Washington, DC"},
			{ID: "null", Label: "a: b # c", ASN: 4294967295},
			{ID: "x y", Label: "Zürich [ZH]", Lat: -90, Lon: 180, HasCoords: true},
			{ID: "- z", Label: "'q'", Prefixes: []netip.Prefix{netip.MustParsePrefix("2001:db8::/32"), netip.MustParsePrefix("0.0.0.0/0")}},
			{ID: "1e3", Label: "{x}"},
		},
		Links: []topology.Link{
			{From: 0, To: 1, Metric: 0.1, Capacity: 1e10, Latency: 1e-7},
			{From: 2, To: 3, Metric: 1e300, Directed: true},
			{From: 4, To: 4, Metric: 3},
			{From: 5, To: 0, Metric: 2.5},
		},
	}
	checkRoundTrip(t, g)
}

// TestMarshalTopologyStrings round-trips IDs that YAML would read as
// other types, or not at all, without quotes.
func TestMarshalTopologyStrings(t *testing.T) {
	ids := []string{
		"yes", "No", "ON", "y", "N", "~", "Null", "TRUE", " lead", "trail ", "a\tb", "line\nbreak",
		"é", "\u2028", "<&>", "@x", "`x", "%x", "!x", "*x", "&x", "|", ">", "?x", "-", "--- x", "...",
		"0x1F", "0o17", "1_000", ".5", "+1", "-1", ".inf", "NaN", "1:2", "a #b", "a,b", "{a}", "[a]",
		"10.0.0.0/24", "10.0.0.0", "2001:db8::/32", "a/b", "x.y", "x_y-z", "\"q\"", "'s'", "\\",
	}
	g := &topology.Graph{Name: "no"}
	for _, id := range ids {
		g.Nodes = append(g.Nodes, topology.Node{ID: id, Label: "label " + id})
	}
	for i := 1; i < len(g.Nodes); i++ {
		g.Links = append(g.Links, topology.Link{From: i - 1, To: i, Metric: float64(i)})
	}
	checkRoundTrip(t, g)
}

func TestMarshalTopologyInvalid(t *testing.T) {
	g := &topology.Graph{Nodes: []topology.Node{{ID: "a"}, {ID: "b"}}, Links: []topology.Link{{From: 0, To: 1, Metric: math.NaN()}}}
	for _, m := range marshalers {
		if _, err := m.marshal(g); err == nil || !strings.Contains(err.Error(), "metric NaN is not finite") {
			t.Errorf("%s: error = %v, want a metric error", m.name, err)
		}
	}
}

func TestMarshalTopologyEmpty(t *testing.T) {
	checkRoundTrip(t, &topology.Graph{Name: "empty", Nodes: []topology.Node{}})
	checkRoundTrip(t, &topology.Graph{Nodes: []topology.Node{{ID: "a", Label: "a"}}})
}

func TestMarshalTopologyBadLink(t *testing.T) {
	g := &topology.Graph{Nodes: []topology.Node{{ID: "a"}}, Links: []topology.Link{{From: 0, To: 1, Metric: 1}}}
	for _, m := range marshalers {
		if _, err := m.marshal(g); err == nil || !strings.Contains(err.Error(), "link 0: endpoint index out of range") {
			t.Errorf("%s: error = %v, want an endpoint error", m.name, err)
		}
	}
}

// listDir returns the names in dir.
func listDir(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "topo.yaml")
	writeFile(t, path, "old\n")
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteFileAtomic(path, []byte("new\n")); err != nil {
		t.Fatalf("WriteFileAtomic: %v", err)
	}
	if got := string(readFile(t, path)); got != "new\n" {
		t.Errorf("content = %q, want new", got)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, want the old file's 0600", fi.Mode().Perm())
	}
	if names := listDir(t, dir); !reflect.DeepEqual(names, []string{"topo.yaml"}) {
		t.Errorf("directory holds %v, want only topo.yaml", names)
	}
}

func TestWriteFileAtomicNewFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new.yaml")
	if err := WriteFileAtomic(path, []byte("x\n")); err != nil {
		t.Fatalf("WriteFileAtomic: %v", err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o644 {
		t.Errorf("mode = %v, want 0644", fi.Mode().Perm())
	}
}

func TestWriteFileAtomicMissingDir(t *testing.T) {
	dir := t.TempDir()
	err := WriteFileAtomic(filepath.Join(dir, "no", "topo.yaml"), []byte("x"))
	if err == nil {
		t.Fatal("WriteFileAtomic into a missing directory succeeded")
	}
	if names := listDir(t, dir); len(names) != 0 {
		t.Errorf("directory holds %v after a failed write, want nothing", names)
	}
}

// TestWriteFileAtomicReaders rewrites a file many times while readers
// read it, and checks that every read returns one whole version.
func TestWriteFileAtomicReaders(t *testing.T) {
	path := filepath.Join(t.TempDir(), "topo.yaml")
	versions := make([][]byte, 2)
	for i := range versions {
		versions[i] = bytes.Repeat([]byte(fmt.Sprintf("version %d of the topology file\n", i)), 20000)
	}
	if err := WriteFileAtomic(path, versions[0]); err != nil {
		t.Fatal(err)
	}
	const writes = 60
	done := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	reads, torn := 0, 0
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				data, err := os.ReadFile(path)
				mu.Lock()
				reads++
				if err != nil || !bytes.Equal(data, versions[0]) && !bytes.Equal(data, versions[1]) {
					torn++
				}
				mu.Unlock()
			}
		}()
	}
	for i := range writes {
		if err := WriteFileAtomic(path, versions[(i+1)%2]); err != nil {
			t.Errorf("write %d: %v", i, err)
		}
	}
	close(done)
	wg.Wait()
	if reads == 0 {
		t.Fatal("the readers read nothing")
	}
	if torn > 0 {
		t.Errorf("%d of %d reads saw a partial file or failed", torn, reads)
	}
}
