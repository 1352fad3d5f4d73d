package snapshot_test

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"

	"github.com/goalto/goalto/internal/netdef"
	"github.com/goalto/goalto/internal/snapshot"
)

// fullTableFile is a RouteViews table of 2015-11-01 in pyasn format:
// 606,138 IPv4 and 27,693 IPv6 prefixes from 52,014 origin ASes.
var fullTableFile = filepath.Join("..", "..", "..", "shared", "data", "pfx2as-pyasn", "ipasn6_20151101.dat.gz")

// fullTableDefinition loads a definition that serves the full table with
// one PID per origin AS and a default PID, without a topology and so
// without costs: a network map, a filtered network map and an endpoint
// property service.
func fullTableDefinition(b *testing.B) *netdef.Definition {
	b.Helper()
	table, err := filepath.Abs(fullTableFile)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := os.Stat(table); err != nil {
		b.Skipf("full table not available: %v", err)
	}
	text := fmt.Sprintf(`prefixes: [%s]
network-map:
  pids: asn
  default-pid: default
resources:
  - {id: default-network-map, type: network-map, path: /networkmap}
  - {id: filtered-network-map, type: filtered-network-map, path: /networkmap/filtered}
  - {id: endpoint-property, type: endpoint-property, path: /endpointprop/lookup}
`, strconv.Quote(table))
	return loadBenchDefinition(b, text)
}

// loadBenchDefinition writes a definition to a temporary file and loads
// it.
func loadBenchDefinition(b *testing.B, text string) *netdef.Definition {
	b.Helper()
	path := filepath.Join(b.TempDir(), "definition.yaml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		b.Fatal(err)
	}
	def, err := netdef.Load(path)
	if err != nil {
		b.Fatalf("loading definition: %v", err)
	}
	return def
}

// BenchmarkBuildFullTable measures snapshot.Build of the full table:
// reading and decompressing the pyasn file, forming 52,015 PIDs, indexing
// 633,833 prefixes and encoding the network map with its gzip form.
func BenchmarkBuildFullTable(b *testing.B) {
	def := fullTableDefinition(b)
	b.ReportAllocs()
	var s *snapshot.Snapshot
	for b.Loop() {
		var err error
		if s, err = snapshot.Build(def); err != nil {
			b.Fatalf("Build: %v", err)
		}
	}
	b.ReportMetric(float64(s.Stats.PIDs), "pids")
	b.ReportMetric(float64(s.Stats.Prefixes), "prefixes")
	b.ReportMetric(float64(len(s.NetworkMap.Body()))/(1<<20), "body-MiB")
}

// BenchmarkBuildFullTableMemory measures the memory held once the full
// table snapshot is built: heap in use and resident set size, both after
// a garbage collection that returns freed memory to the system, with
// exactly one snapshot alive. The build time it reports is not
// meaningful, because each iteration also forces two collections.
//
// peak-rss-MiB is the process's high-water mark (VmHWM), which counts
// everything the test binary did before, so it is a peak for the build
// only when this benchmark runs alone (-bench 'BuildFullTableMemory$').
func BenchmarkBuildFullTableMemory(b *testing.B) {
	def := fullTableDefinition(b)
	var s *snapshot.Snapshot
	var stats runtime.MemStats
	for b.Loop() {
		s = nil
		debug.FreeOSMemory()
		var err error
		if s, err = snapshot.Build(def); err != nil {
			b.Fatalf("Build: %v", err)
		}
		debug.FreeOSMemory()
		runtime.ReadMemStats(&stats)
	}
	b.ReportMetric(float64(stats.HeapInuse)/(1<<20), "heap-MiB")
	b.ReportMetric(procStatusMiB(b, "VmRSS"), "rss-MiB")
	b.ReportMetric(procStatusMiB(b, "VmHWM"), "peak-rss-MiB")
	runtime.KeepAlive(s)
}

// procStatusMiB returns a memory field of /proc/self/status, such as
// VmRSS, in MiB.
func procStatusMiB(b *testing.B, field string) float64 {
	b.Helper()
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		b.Skipf("reading /proc/self/status: %v", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		value, ok := strings.CutPrefix(sc.Text(), field+":")
		if !ok {
			continue
		}
		kib, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 64)
		if err != nil {
			b.Fatalf("/proc/self/status: %s: %v", field, err)
		}
		return kib / 1024
	}
	b.Fatalf("/proc/self/status has no %s field", field)
	return 0
}
