package replay

import (
	"bytes"
	"context"
	"errors"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/goalto/goalto/internal/topology"
)

// runLog is a change log for smallTopology whose step 2 has two changes.
const runLog = `steps:
  - at: 0
    changes:
      - set-metric: {from: a, to: b, metric: 4}
  - at: 0
    changes:
      - link-down: {from: a, to: c}
      - add-prefix: {node: c, prefix: 203.0.113.0/24}
  - at: 0
    changes:
      - link-up: {from: a, to: c, metric: 2}
`

var stepLineRE = regexp.MustCompile(`^step (\d+)/(\d+) t=\d+\.\d{3}s: (.+)$`)

// setupRun writes smallTopology to a file named name in a new directory
// and returns its path and the steps of runLog.
func setupRun(t *testing.T, name string) (string, []Step) {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	content := smallTopology
	if strings.HasSuffix(name, ".json") {
		// A file named .json must be strict JSON.
		data, err := MarshalTopologyJSON(parseTopology(t, smallTopology))
		if err != nil {
			t.Fatal(err)
		}
		content = string(data)
	}
	writeFile(t, path, content)
	return path, parseLog(t, runLog, FormatYAML)
}

// wantAfter returns the file content expected after the first n steps.
func wantAfter(t *testing.T, steps []Step, n int, marshal func(*topology.Graph) ([]byte, error)) []byte {
	t.Helper()
	g, err := ApplySteps(parseTopology(t, smallTopology), steps[:n])
	if err != nil {
		t.Fatal(err)
	}
	data, err := marshal(g)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// stepLines checks that out is made of step lines and returns their
// change parts.
func stepLines(t *testing.T, out string) []string {
	t.Helper()
	var changes []string
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		m := stepLineRE.FindStringSubmatch(line)
		if m == nil {
			t.Errorf("line %q is not a step line", line)
			continue
		}
		changes = append(changes, m[3])
	}
	return changes
}

func TestRunWritesEachStep(t *testing.T) {
	for _, name := range []string{"topo.yaml", "topo.json"} {
		t.Run(name, func(t *testing.T) {
			path, steps := setupRun(t, name)
			var out bytes.Buffer
			sum, err := Run(context.Background(), steps, Options{Topology: path, Out: &out})
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			marshal := MarshalTopology
			if strings.HasSuffix(name, ".json") {
				marshal = MarshalTopologyJSON
			}
			if got, want := readFile(t, path), wantAfter(t, steps, 3, marshal); !bytes.Equal(got, want) {
				t.Errorf("file =\n%s\nwant\n%s", got, want)
			}
			want := []string{"set-metric a b metric=4", "link-down a c; add-prefix c 203.0.113.0/24", "link-up a c metric=2"}
			if got := stepLines(t, out.String()); strings.Join(got, "|") != strings.Join(want, "|") {
				t.Errorf("step lines = %q, want %q", got, want)
			}
			if sum.Steps != 3 || sum.Total != 3 || sum.Changes != 4 || sum.Signals != 0 {
				t.Errorf("summary = %+v, want 3 of 3 steps, 4 changes, no signals", sum)
			}
		})
	}
}

func TestRunDryRun(t *testing.T) {
	path, steps := setupRun(t, "topo.yaml")
	var out bytes.Buffer
	sum, err := Run(context.Background(), steps, Options{Topology: path, Out: &out, DryRun: true, Interval: time.Hour})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if got := string(readFile(t, path)); got != smallTopology {
		t.Errorf("dry run changed the file:\n%s", got)
	}
	text := out.String()
	for _, want := range []string{
		"step 2/3 t=3600.000s: link-down a c; add-prefix c 203.0.113.0/24\n",
		"--- " + path + " (step 1)\n+++ " + path + " (step 2)\n",
		"-  - {id: c}\n+  - {id: c, prefixes: [203.0.113.0/24]}\n",
		"-  - {from: a, to: c, metric: 5, latency: 3.5}\n",
		"+  - {from: a, to: c, metric: 2}\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	if sum.Steps != 3 {
		t.Errorf("summary = %+v, want 3 steps", sum)
	}
}

func TestRunChecksAllStepsFirst(t *testing.T) {
	path, steps := setupRun(t, "topo.yaml")
	bad := parseLog(t, "steps:\n  - changes:\n      - link-down: {from: b, to: d}\n", FormatYAML)
	steps = append(steps, bad...)
	var out bytes.Buffer
	_, err := Run(context.Background(), steps, Options{Topology: path, Out: &out})
	if err == nil {
		t.Fatal("Run succeeded, want an error for step 4")
	}
	want := "step 4 does not apply to " + path + ": changes:3: steps[0].changes[0].link-down: no link between b and d"
	if err.Error() != want {
		t.Errorf("error = %q, want %q", err, want)
	}
	if got := string(readFile(t, path)); got != smallTopology {
		t.Error("the file changed although a step does not apply")
	}
	if out.Len() != 0 {
		t.Errorf("output %q, want none", out.String())
	}
}

func TestRunMaxSteps(t *testing.T) {
	path, steps := setupRun(t, "topo.yaml")
	sum, err := Run(context.Background(), steps, Options{Topology: path, MaxSteps: 2})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if !bytes.Equal(readFile(t, path), wantAfter(t, steps, 2, MarshalTopology)) {
		t.Error("file is not the topology after 2 steps")
	}
	if sum.Steps != 2 || sum.Total != 2 {
		t.Errorf("summary = %+v, want 2 of 2 steps", sum)
	}
}

func TestRunRealtime(t *testing.T) {
	path, steps := setupRun(t, "topo.yaml")
	if _, err := Run(context.Background(), steps, Options{Topology: path, Realtime: true}); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if !bytes.Equal(readFile(t, path), wantAfter(t, steps, 3, MarshalTopology)) {
		t.Error("file is not the topology after 3 steps")
	}

	steps[1].HasAt = false
	_, err := Run(context.Background(), steps, Options{Topology: path, Realtime: true})
	if err == nil || !strings.Contains(err.Error(), "changes:5: steps[1]: step 2 has no at") {
		t.Errorf("error = %v, want one naming step 2 without at", err)
	}
}

func TestRunOptionErrors(t *testing.T) {
	path, steps := setupRun(t, "topo.yaml")
	graphml := filepath.Join(t.TempDir(), "topo.graphml")
	writeFile(t, graphml, "<graphml/>")
	tests := []struct {
		name  string
		steps []Step
		opts  Options
		want  string
	}{
		{"graphml", steps, Options{Topology: graphml}, "want a .yaml, .yml or .json file"},
		{"missing file", steps, Options{Topology: filepath.Join(t.TempDir(), "none.yaml")}, "no such file"},
		{"negative interval", steps, Options{Topology: path, Interval: -time.Second}, "interval -1s is negative"},
		{"negative max", steps, Options{Topology: path, MaxSteps: -1}, "max steps -1 is negative"},
		{"no steps", nil, Options{Topology: path}, "no steps to apply"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Run(context.Background(), tt.steps, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestRunBeforeStops(t *testing.T) {
	path, steps := setupRun(t, "topo.yaml")
	var calls []int
	before := func(_ context.Context, step, total int) error {
		calls = append(calls, step, total)
		if step == 3 {
			return io.EOF
		}
		return nil
	}
	sum, err := Run(context.Background(), steps, Options{Topology: path, Before: before})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if want := []int{1, 3, 2, 3, 3, 3}; !equalInts(calls, want) {
		t.Errorf("Before calls = %v, want %v", calls, want)
	}
	if sum.Steps != 2 || sum.Total != 3 {
		t.Errorf("summary = %+v, want 2 of 3 steps", sum)
	}
	if !bytes.Equal(readFile(t, path), wantAfter(t, steps, 2, MarshalTopology)) {
		t.Error("file is not the topology after 2 steps")
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// cancelWriter cancels a context when a step line with the given prefix
// is written.
type cancelWriter struct {
	prefix string
	cancel context.CancelFunc
}

func (w cancelWriter) Write(p []byte) (int, error) {
	if strings.HasPrefix(string(p), w.prefix) {
		w.cancel()
	}
	return len(p), nil
}

func TestRunCanceledWhileWaiting(t *testing.T) {
	path, steps := setupRun(t, "topo.yaml")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Step 2 is due in an hour, so only the cancellation after step 1
	// ends the wait.
	sum, err := Run(ctx, steps, Options{Topology: path, Interval: time.Hour, Out: cancelWriter{"step 1/", cancel}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error = %v, want context.Canceled", err)
	}
	if !strings.Contains(err.Error(), "replay stopped after 1 of 3 steps") {
		t.Errorf("error %q does not say how far the replay got", err)
	}
	if sum.Steps != 1 {
		t.Errorf("summary = %+v, want 1 step", sum)
	}
	if !bytes.Equal(readFile(t, path), wantAfter(t, steps, 1, MarshalTopology)) {
		t.Error("file is not the topology after 1 step")
	}
}

// BenchmarkRunKdl replays 100 generated steps onto the Topology Zoo's Kdl
// graph (754 nodes, 899 links) without waiting: the cost of checking the
// log, formatting the topology and writing it atomically.
func BenchmarkRunKdl(b *testing.B) {
	g := zooGraph(b, "Kdl.graphml")
	opts := defaultGenerateOptions(100, 1)
	opts.LinkDown = 0.5
	steps, err := Generate(g, opts)
	if err != nil {
		b.Fatal(err)
	}
	original, err := MarshalTopology(g)
	if err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(b.TempDir(), "kdl.yaml")
	for b.Loop() {
		writeFile(b, path, string(original))
		if _, err := Run(context.Background(), steps, Options{Topology: path}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N*len(steps)), "ms/step")
}
