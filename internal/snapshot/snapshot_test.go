package snapshot

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goalto/goalto/internal/netdef"
)

// writeFiles writes name-to-content files into a temporary directory and
// returns it.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const testTopology = `
nodes:
  - {id: a, asn: 64501, prefixes: [192.0.2.0/25]}
  - {id: b, asn: 64502}
  - {id: c, asn: 64503, prefixes: [2001:db8:c::/48]}
  - {id: island, asn: 64504, prefixes: [203.0.113.0/24]}
links:
  - {from: a, to: b, metric: 5}
  - {from: b, to: c, metric: 5}
  - {from: a, to: c, metric: 20}
`

const testPrefixes = `prefix,asn
198.51.100.0/24,64502
198.51.101.0/24,64502
192.0.2.128/25,64999
`

func buildTest(t *testing.T, definition string) *Snapshot {
	t.Helper()
	dir := writeFiles(t, map[string]string{
		"net.yaml":  definition,
		"topo.yaml": testTopology,
		"pfx.csv":   testPrefixes,
	})
	def, err := netdef.Load(filepath.Join(dir, "net.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := Build(def)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestBuildNodeRule(t *testing.T) {
	s := buildTest(t, "topology: topo.yaml\nprefixes: [pfx.csv]\nnetwork-map: {default-pid: default}\n")
	nm := s.NetworkMap
	wantPIDs := []string{"a", "b", "c", "default", "island"}
	if nm.Len() != len(wantPIDs) {
		t.Fatalf("got %d PIDs, want %v", nm.Len(), wantPIDs)
	}
	for i, want := range wantPIDs {
		if got := nm.Name(i); got != want {
			t.Errorf("PID %d = %q, want %q", i, got, want)
		}
	}
	if s.Stats.PrefixesUnmapped != 1 {
		t.Errorf("unmapped prefixes = %d, want 1 (AS 64999 has no node)", s.Stats.PrefixesUnmapped)
	}
	lookups := map[string]string{
		"192.0.2.1":     "a",
		"192.0.2.200":   "default",
		"198.51.101.7":  "b", // from the prefix file, by origin AS
		"2001:db8:c::1": "c",
		"2001:db8:d::1": "default",
	}
	for addr, want := range lookups {
		i, ok := nm.Lookup(netip.MustParseAddr(addr))
		if !ok || nm.Name(i) != want {
			t.Errorf("Lookup(%s) = %q, %v; want %q", addr, nm.Name(i), ok, want)
		}
	}

	routing := s.CostMaps[netdef.CostTypeNumRouting]
	hops := s.CostMaps[netdef.CostTypeNumHop]
	idx := func(name string) int { i, _ := nm.Index(name); return i }
	if v, ok := routing.Cost(idx("a"), idx("c")); !ok || v != 10 {
		t.Errorf("routingcost a->c = %v, %v; want 10 through b", v, ok)
	}
	if v, ok := hops.Cost(idx("a"), idx("c")); !ok || v != 2 {
		t.Errorf("hopcount a->c = %v, %v; want 2 links on the least-cost path", v, ok)
	}
	if _, ok := routing.Cost(idx("a"), idx("island")); ok {
		t.Error("a->island has a cost; want none for an unreachable node")
	}
	if _, ok := routing.Cost(idx("default"), idx("a")); ok {
		t.Error("the default PID has a cost; want none without default-node")
	}
}

func TestBuildASNRule(t *testing.T) {
	s := buildTest(t, "topology: topo.yaml\nprefixes: [pfx.csv]\nnetwork-map: {pids: asn}\n")
	nm := s.NetworkMap
	for _, pid := range []string{"as64501", "as64502", "as64503", "as64504", "as64999"} {
		if _, ok := nm.Index(pid); !ok {
			t.Errorf("PID %s missing", pid)
		}
	}
	i, _ := nm.Index("as64502")
	if got := len(nm.PID(i).Prefixes); got != 2 {
		t.Errorf("as64502 has %d prefixes, want 2", got)
	}
	routing := s.CostMaps[netdef.CostTypeNumRouting]
	a, _ := nm.Index("as64501")
	if v, ok := routing.Cost(a, i); !ok || v != 5 {
		t.Errorf("as64501->as64502 = %v, %v; want 5 from the nodes with those AS numbers", v, ok)
	}
	other, _ := nm.Index("as64999")
	if _, ok := routing.Cost(a, other); ok {
		t.Error("as64999 has a cost; want none without a node")
	}
}

func TestBuildIsDeterministic(t *testing.T) {
	def := "topology: topo.yaml\nprefixes: [pfx.csv]\nnetwork-map: {default-pid: default}\n"
	a, b := buildTest(t, def), buildTest(t, def)
	for i, ra := range a.Resources {
		rb := b.Resources[i]
		if ra.ID != rb.ID || string(ra.Body) != string(rb.Body) || ra.ETag != rb.ETag {
			t.Errorf("resource %s differs between two builds of the same input", ra.ID)
		}
	}
	if a.NetworkMap.Tag() != b.NetworkMap.Tag() {
		t.Error("network map tags differ between two builds of the same input")
	}
}

func TestBuildProperties(t *testing.T) {
	s := buildTest(t, `topology: topo.yaml
properties:
  - {prefix: 192.0.2.0/24, values: {"priv:region": eu, "priv:tier": "1"}}
  - {prefix: 192.0.2.0/26, values: {"priv:tier": "2"}}
`)
	got := s.Properties(netip.MustParseAddr("192.0.2.10"))
	if got["priv:region"] != "eu" || got["priv:tier"] != "2" {
		t.Errorf("properties of 192.0.2.10 = %v; want region eu inherited and tier 2 from the /26", got)
	}
	got = s.Properties(netip.MustParseAddr("192.0.2.100"))
	if got["priv:tier"] != "1" {
		t.Errorf("properties of 192.0.2.100 = %v; want tier 1 from the /24", got)
	}
	if got := s.Properties(netip.MustParseAddr("10.0.0.1")); len(got) != 0 {
		t.Errorf("properties of 10.0.0.1 = %v; want none", got)
	}
}

func TestBuildRejectsConflicts(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"net.yaml": "groups:\n  - {pid: x, prefixes: [192.0.2.0/24]}\n  - {pid: y, prefixes: [192.0.2.0/24]}\n",
	})
	def, err := netdef.Load(filepath.Join(dir, "net.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Build(def); err == nil {
		t.Fatal("Build accepted one prefix in two PIDs")
	}
}

func TestBuildRejectsTIPSOfPathVector(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"net.yaml": `topology: topo.yaml
resources:
  - {id: pv, type: path-vector-cost-map, path: /costmap/pv}
  - {id: tips, type: tips, path: /tips,
     uses: [pv]}
`,
		"topo.yaml": testTopology,
	})
	def, err := netdef.Load(filepath.Join(dir, "net.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = Build(def)
	if err == nil {
		t.Fatal("Build accepted a TIPS resource that uses a path vector resource")
	}
	var ne *netdef.Error
	if !errors.As(err, &ne) {
		t.Fatalf("error %v is not a *netdef.Error", err)
	}
	if ne.Field != "resources[1].uses" {
		t.Errorf("field = %q, want resources[1].uses", ne.Field)
	}
	if ne.Line != 5 {
		t.Errorf("line = %d, want 5", ne.Line)
	}
	if !strings.Contains(err.Error(), "net.yaml") || !strings.Contains(err.Error(), "multipart/related") {
		t.Errorf("error %q names neither the file nor the media type", err)
	}
}
