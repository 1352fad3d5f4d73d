package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/client"
	"github.com/goalto/goalto/internal/alttest"
	"github.com/goalto/goalto/internal/daemon"
	"github.com/goalto/goalto/internal/datadir"
	"github.com/goalto/goalto/internal/replay"
	"github.com/goalto/goalto/internal/topology"
)

// runWithInput runs altoctl in-process like runCLI, with in as standard
// input.
func runWithInput(ctx context.Context, in io.Reader, args ...string) cliResult {
	var stdout, stderr bytes.Buffer
	a := &app{stdout: &stdout, stderr: &stderr}
	root := newRootCommand(a, func(string) string { return "" })
	root.SetIn(in)
	root.SetArgs(args)
	code := 0
	if cmd, err := root.ExecuteContextC(ctx); err != nil {
		code = a.report(cmd, err)
	}
	return cliResult{stdout: stdout.String(), stderr: stderr.String(), code: code}
}

// runReplayOK runs altoctl with args and fails the test unless it exits
// 0 with an empty stderr.
func runReplayOK(t *testing.T, args ...string) string {
	t.Helper()
	res := runCLI(t, nil, args...)
	if res.code != 0 || res.stderr != "" {
		t.Fatalf("altoctl %s: exit %d, stderr %q", strings.Join(args, " "), res.code, res.stderr)
	}
	return res.stdout
}

// convertAbilene writes the Abilene graph of the Topology Zoo, converted
// with a /24 of 10.0.0.0/8 per node, to dir/abilene.yaml and returns the
// path and the graph.
func convertAbilene(t *testing.T, dir string) (string, *topology.Graph) {
	t.Helper()
	graphml := datadir.Path(t, "topology-zoo", "Abilene.graphml")
	out := runReplayOK(t, "replay", "convert", "--graphml", graphml, "--prefixes", "10.0.0.0/8")
	path := filepath.Join(dir, "abilene.yaml")
	if err := os.WriteFile(path, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	g, err := topology.ParseYAML([]byte(out), path)
	if err != nil {
		t.Fatalf("converted topology: %v", err)
	}
	return path, g
}

// startAbilene serves the converted Abilene graph with a network
// definition that the server checks for changes every 50 ms. It returns
// the topology file, its graph and a client of the server.
func startAbilene(t *testing.T) (string, *topology.Graph, *client.Client) {
	t.Helper()
	dir := t.TempDir()
	path, g := convertAbilene(t, dir)
	def := filepath.Join(dir, "network.yaml")
	if err := os.WriteFile(def, []byte("topology: abilene.yaml\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	d := alttest.StartConfig(t, daemon.Config{Definition: def, ReloadInterval: 50 * time.Millisecond})
	c, err := client.New(d.IRDURL())
	if err != nil {
		t.Fatal(err)
	}
	return path, g, c
}

var numRouting = alto.CostType{Metric: alto.CostMetricRoutingCost, Mode: alto.CostModeNumerical}

// expectedCosts returns the routingcost cost map of g as the server
// builds it under the node rule: one PID per node with prefixes, named
// after the node, and the least total metric between them.
func expectedCosts(g *topology.Graph) map[string]map[string]float64 {
	paths := g.AllPairs()
	out := map[string]map[string]float64{}
	for i, a := range g.Nodes {
		if len(a.Prefixes) == 0 {
			continue
		}
		out[a.ID] = map[string]float64{}
		for j, b := range g.Nodes {
			if len(b.Prefixes) == 0 {
				continue
			}
			if cost, ok := paths.Cost(i, j); ok {
				out[a.ID][b.ID] = cost
			}
		}
	}
	return out
}

// fetchCosts returns the server's numerical routingcost cost map.
func fetchCosts(t *testing.T, c *client.Client) map[string]map[string]float64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	m, err := c.CostMapByType(ctx, numRouting)
	if err != nil {
		t.Fatalf("cost map: %v", err)
	}
	return m.CostMap
}

// waitForCosts polls the server until its cost map equals want, failing
// after a minute.
func waitForCosts(t *testing.T, c *client.Client, want map[string]map[string]float64, stage string) map[string]map[string]float64 {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		got := fetchCosts(t, c)
		if reflect.DeepEqual(got, want) {
			return got
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: the server's cost map did not reach the expected one within a minute\ngot  %v\nwant %v", stage, got, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Test edits of a graph, written apart from package replay.

func linkIndex(t *testing.T, g *topology.Graph, from, to string) int {
	t.Helper()
	f, tt := g.Index(from), g.Index(to)
	for i, l := range g.Links {
		if l.From == f && l.To == tt || l.From == tt && l.To == f {
			return i
		}
	}
	t.Fatalf("no link %s-%s", from, to)
	return -1
}

func setPrefixes(g *topology.Graph, id string, prefixes ...string) {
	n := &g.Nodes[g.Index(id)]
	n.Prefixes = nil
	for _, p := range prefixes {
		n.Prefixes = append(n.Prefixes, netip.MustParsePrefix(p))
	}
}

const abileneLog = `steps:
  - changes:
      - set-metric: {from: "0", to: "1", metric: 10}
  - changes:
      - link-down: {from: "0", to: "2"}
  - changes:
      - link-up: {from: "0", to: "2", metric: 2}
  - changes:
      - remove-prefix: {node: "10", prefix: 10.0.10.0/24}
      - set-metric: {from: "9", to: "10", metric: 3}
  - changes:
      - add-prefix: {node: "10", prefix: 10.0.10.0/24}
`

// TestReplayServerSteps replays five steps by hand (--manual) onto the
// topology of a running server and checks the server's cost map after
// each step: in full against shortest paths of the edited graph, and at
// pairs whose new costs are worked out by hand. In Abilene, node 0 is New
// York, 1 Chicago, 2 Washington DC, 9 Atlanta and 10 Indianapolis.
func TestReplayServerSteps(t *testing.T) {
	path, g, c := startAbilene(t)
	changes := filepath.Join(t.TempDir(), "changes.yaml")
	if err := os.WriteFile(changes, []byte(abileneLog), 0o644); err != nil {
		t.Fatal(err)
	}
	waitForCosts(t, c, expectedCosts(g), "before the replay")

	steps := []struct {
		name  string
		edit  func(g *topology.Graph)
		check func(t *testing.T, costs map[string]map[string]float64)
	}{
		{"set-metric", func(g *topology.Graph) { g.Links[linkIndex(t, g, "0", "1")].Metric = 10 },
			func(t *testing.T, costs map[string]map[string]float64) {
				checkCost(t, costs, "0", "1", 4) // New York, Washington, Atlanta, Indianapolis, Chicago
			}},
		{"link-down", func(g *topology.Graph) {
			i := linkIndex(t, g, "0", "2")
			g.Links = slices.Delete(g.Links, i, i+1)
		}, func(t *testing.T, costs map[string]map[string]float64) {
			checkCost(t, costs, "0", "2", 13) // 10 to Chicago, then Indianapolis, Atlanta, Washington
		}},
		{"link-up", func(g *topology.Graph) {
			g.Links = append(g.Links, topology.Link{From: g.Index("0"), To: g.Index("2"), Metric: 2})
		}, func(t *testing.T, costs map[string]map[string]float64) {
			checkCost(t, costs, "0", "2", 2)
			checkCost(t, costs, "0", "1", 5)
		}},
		{"remove-prefix", func(g *topology.Graph) {
			setPrefixes(g, "10")
			g.Links[linkIndex(t, g, "9", "10")].Metric = 3
		}, func(t *testing.T, costs map[string]map[string]float64) {
			if _, ok := costs["10"]; ok {
				t.Error("PID 10 still has costs after its only prefix went")
			}
			checkCost(t, costs, "0", "1", 7)
		}},
		{"add-prefix", func(g *topology.Graph) { setPrefixes(g, "10", "10.0.10.0/24") },
			func(t *testing.T, costs map[string]map[string]float64) {
				checkCost(t, costs, "10", "0", 6) // via Kansas City, Houston, Atlanta, Washington
			}},
	}

	ctx, cancel := context.WithCancel(context.Background())
	stdinReader, stdin := io.Pipe()
	t.Cleanup(func() {
		stdin.Close()
		cancel()
	})
	done := make(chan cliResult, 1)
	go func() {
		done <- runWithInput(ctx, stdinReader, "replay", "--topology", path, "--changes", changes, "--manual")
	}()
	for i, s := range steps {
		if _, err := stdin.Write([]byte("\n")); err != nil {
			t.Fatalf("step %d: replay stopped reading its input: %v", i+1, err)
		}
		s.edit(g)
		costs := waitForCosts(t, c, expectedCosts(g), fmt.Sprintf("step %d (%s)", i+1, s.name))
		s.check(t, costs)
	}

	var res cliResult
	select {
	case res = <-done:
	case <-time.After(time.Minute):
		t.Fatal("replay did not end after its last step")
	}
	if res.code != 0 {
		t.Fatalf("replay: exit %d, stderr %q", res.code, res.stderr)
	}
	lines := strings.Split(strings.TrimSuffix(res.stdout, "\n"), "\n")
	if len(lines) != 6 {
		t.Fatalf("%d output lines, want 5 steps and a summary:\n%s", len(lines), res.stdout)
	}
	if want := "step 4/5 t="; !strings.HasPrefix(lines[3], want) || !strings.HasSuffix(lines[3], ": remove-prefix 10 10.0.10.0/24; set-metric 9 10 metric=3") {
		t.Errorf("step line %q, want step 4 with both changes", lines[3])
	}
	if !strings.HasPrefix(lines[5], "applied 5 of 5 steps (6 changes) to "+path+" in ") {
		t.Errorf("summary %q", lines[5])
	}
	if got := strings.Count(res.stderr, "press Enter to apply step"); got != 5 {
		t.Errorf("%d prompts on stderr, want 5: %q", got, res.stderr)
	}
}

func checkCost(t *testing.T, costs map[string]map[string]float64, src, dst string, want float64) {
	t.Helper()
	got, ok := costs[src][dst]
	if !ok || got != want {
		t.Errorf("routingcost %s -> %s = %v (present %v), want %v", src, dst, got, ok, want)
	}
}

// TestReplayServerInterval replays a generated log of five steps, 300 ms
// apart, and watches the server's cost map meanwhile: every cost map seen
// must be that of a step, in step order, and the last that of the last
// step.
func TestReplayServerInterval(t *testing.T) {
	path, g, c := startAbilene(t)
	changes := filepath.Join(t.TempDir(), "changes.yaml")
	out := runReplayOK(t, "replay", "generate", "--topology", path, "--steps", "5", "--seed", "4", "--link-down", "0.5")
	if err := os.WriteFile(changes, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	steps, err := replay.Load(changes)
	if err != nil {
		t.Fatal(err)
	}
	states := []map[string]map[string]float64{expectedCosts(g)}
	for i, s := range steps {
		if g, err = replay.ApplyStep(g, s); err != nil {
			t.Fatalf("step %d: %v", i+1, err)
		}
		states = append(states, expectedCosts(g))
	}
	final := states[len(states)-1]
	if reflect.DeepEqual(final, states[0]) {
		t.Fatal("the generated log ends where it started; pick another seed")
	}
	waitForCosts(t, c, states[0], "before the replay")

	done := make(chan cliResult, 1)
	go func() {
		done <- runWithInput(context.Background(), strings.NewReader(""), "replay", "--topology", path, "--changes", changes, "--interval", "300ms")
	}()
	seen := watchCosts(t, c, done, final)
	if !isSubsequence(seen, states) {
		t.Errorf("the server went through cost maps that are not those of the steps in order:\nseen %v\nsteps %v", seen, states)
	}
}

// watchCosts polls the server's cost map until the replay has ended and
// the map equals final, at most a minute per step of five, and returns
// each distinct map seen.
func watchCosts(t *testing.T, c *client.Client, done <-chan cliResult, final map[string]map[string]float64) []map[string]map[string]float64 {
	t.Helper()
	var seen []map[string]map[string]float64
	deadline := time.Now().Add(5 * time.Minute)
	ended := false
	for {
		got := fetchCosts(t, c)
		if len(seen) == 0 || !reflect.DeepEqual(got, seen[len(seen)-1]) {
			seen = append(seen, got)
		}
		select {
		case res := <-done:
			ended = true
			if res.code != 0 {
				t.Fatalf("replay: exit %d, stderr %q", res.code, res.stderr)
			}
			if n := len(regexp.MustCompile(`(?m)^step \d/5 t=\d+\.\d{3}s: `).FindAllString(res.stdout, -1)); n != 5 {
				t.Errorf("%d step lines, want 5:\n%s", n, res.stdout)
			}
		default:
		}
		if ended && reflect.DeepEqual(got, final) {
			return seen
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server's cost map did not reach that of the last step (replay ended: %v)\ngot  %v\nwant %v", ended, got, final)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// isSubsequence reports whether seen lists elements of states in order,
// each at least once in a row.
func isSubsequence(seen, states []map[string]map[string]float64) bool {
	j := 0
	for _, s := range seen {
		for j < len(states) && !reflect.DeepEqual(s, states[j]) {
			j++
		}
		if j == len(states) {
			return false
		}
	}
	return true
}

func TestReplayDryRun(t *testing.T) {
	dir := t.TempDir()
	path, _ := convertAbilene(t, dir)
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	changes := filepath.Join(dir, "changes.yaml")
	if err := os.WriteFile(changes, []byte(abileneLog), 0o644); err != nil {
		t.Fatal(err)
	}
	out := runReplayOK(t, "replay", "--topology", path, "--changes", changes, "--dry-run", "--steps", "2")
	for _, want := range []string{
		"step 1/2 t=0.000s: set-metric 0 1 metric=10\n--- " + path + " (step 0)\n+++ " + path + " (step 1)\n",
		`-  - {from: "0", to: "1", metric: 1}` + "\n" + `+  - {from: "0", to: "1", metric: 10}` + "\n",
		"step 2/2 t=1.000s: link-down 0 2\n",
		`-  - {from: "0", to: "2", metric: 1}` + "\n",
		"dry run: 2 of 2 steps (2 changes) shown; " + path + " not changed\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Error("--dry-run changed the topology file")
	}
}

// endedPID returns the PID of a process that has exited.
func endedPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	return cmd.Process.Pid
}

func TestReplayErrors(t *testing.T) {
	dir := t.TempDir()
	path, _ := convertAbilene(t, dir)
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "good.yaml")
	bad := filepath.Join(dir, "bad.jsonl")
	misfit := filepath.Join(dir, "misfit.yaml")
	for file, content := range map[string]string{
		good:   abileneLog,
		bad:    `{"changes": [{"set-metric": {"from": "0", "to": "1", "metric": 2}}]}` + "\n" + `{"changes": [{"link-up": {"from": "0", "to": "5", "latency": "fast"}}]}` + "\n",
		misfit: "steps:\n  - changes:\n      - set-metric: {from: \"0\", to: \"1\", metric: 2}\n  - changes:\n      - link-down: {from: \"0\", to: \"5\"}\n",
	} {
		if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	graphml := datadir.Path(t, "topology-zoo", "Abilene.graphml")
	pid := endedPID(t)
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"invalid log", []string{"--changes", bad}, exitFailure, bad + `:2: changes[0].link-up.latency: want a number, found str "fast"`},
		{"log does not fit", []string{"--changes", misfit}, exitFailure, "step 2 does not apply to " + path + ": " + misfit + ":5: steps[1].changes[0].link-down: no link between 0 and 5"},
		{"missing log", []string{"--changes", filepath.Join(dir, "none.yaml")}, exitFailure, "no such file"},
		{"graphml topology", []string{"--changes", good, "--topology", graphml}, exitFailure, "want a .yaml, .yml or .json file"},
		{"ended process", []string{"--changes", good, "--signal", fmt.Sprint(pid)}, exitFailure, fmt.Sprintf("cannot signal PID %d", pid)},
		{"missing changes flag", nil, exitUsage, `required flag(s) "changes" not set`},
		{"two paces", []string{"--changes", good, "--rate", "2", "--interval", "1s"}, exitUsage, "were all set"},
		{"zero rate", []string{"--changes", good, "--rate", "0"}, exitUsage, "invalid --rate 0"},
		{"negative interval", []string{"--changes", good, "--interval", "-1s"}, exitUsage, "invalid --interval -1s"},
		{"negative steps", []string{"--changes", good, "--steps", "-2"}, exitUsage, "invalid --steps -2"},
		{"negative PID", []string{"--changes", good, "--signal", "-3"}, exitUsage, "invalid --signal -3"},
		{"argument", []string{"--changes", good, "extra"}, exitUsage, `unknown command "extra"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"replay", "--topology", path}, tt.args...)
			res := runCLI(t, nil, args...)
			if res.code != tt.code {
				t.Errorf("exit %d, want %d; stderr %q", res.code, tt.code, res.stderr)
			}
			if !strings.Contains(res.stderr, tt.want) {
				t.Errorf("stderr %q, want it to contain %q", res.stderr, tt.want)
			}
			if res.stdout != "" {
				t.Errorf("stdout %q, want nothing", res.stdout)
			}
			after, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(before, after) {
				t.Fatal("a failed replay changed the topology file")
			}
		})
	}
}

func TestReplayConvert(t *testing.T) {
	_, g := convertAbilene(t, t.TempDir())
	if len(g.Nodes) != 11 || len(g.Links) != 14 || g.Name != "Abilene" {
		t.Fatalf("converted graph %q has %d nodes and %d links, want Abilene with 11 and 14", g.Name, len(g.Nodes), len(g.Links))
	}
	for i, n := range g.Nodes {
		want := fmt.Sprintf("10.0.%d.0/24", i)
		if len(n.Prefixes) != 1 || n.Prefixes[0].String() != want {
			t.Errorf("node %s prefixes %v, want [%s]", n.ID, n.Prefixes, want)
		}
	}
	if g.Nodes[0].Label != "New York" || !g.Nodes[0].HasCoords {
		t.Errorf("node 0 = %+v, want New York with coordinates", g.Nodes[0])
	}

	graphml := datadir.Path(t, "topology-zoo", "Abilene.graphml")
	out := runReplayOK(t, "replay", "convert", "--graphml", graphml, "--prefixes", "2001:db8::/32")
	g6, err := topology.ParseYAML([]byte(out), "abilene6.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if got := g6.Nodes[10].Prefixes; len(got) != 1 || got[0].String() != "2001:db8:a::/48" {
		t.Errorf("IPv6 node 10 prefixes %v, want [2001:db8:a::/48]", got)
	}
	out = runReplayOK(t, "replay", "convert", "--graphml", graphml)
	plain, err := topology.ParseYAML([]byte(out), "plain.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range plain.Nodes {
		if len(n.Prefixes) != 0 {
			t.Errorf("node %s got prefixes %v without --prefixes", n.ID, n.Prefixes)
		}
	}
}

func TestReplayConvertErrors(t *testing.T) {
	graphml := datadir.Path(t, "topology-zoo", "Abilene.graphml")
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"missing graphml", nil, exitUsage, `required flag(s) "graphml" not set`},
		{"invalid range", []string{"--graphml", graphml, "--prefixes", "10.0.0.0"}, exitUsage, `invalid --prefixes "10.0.0.0"`},
		{"small range", []string{"--graphml", graphml, "--prefixes", "192.0.2.0/30", "--prefix-length", "32"}, exitUsage, "192.0.2.0/30 holds 4 subnets of length /32, fewer than the 11 nodes"},
		{"host bits", []string{"--graphml", graphml, "--prefixes", "10.1.2.3/8"}, exitUsage, "has host bits set; use 10.0.0.0/8"},
		{"length out of range", []string{"--graphml", graphml, "--prefixes", "10.0.0.0/8", "--prefix-length", "33"}, exitUsage, "invalid --prefix-length 33: want 8 to 32"},
		{"length alone", []string{"--graphml", graphml, "--prefix-length", "24"}, exitUsage, "--prefix-length needs --prefixes"},
		{"missing file", []string{"--graphml", filepath.Join(t.TempDir(), "none.graphml")}, exitFailure, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runCLI(t, nil, append([]string{"replay", "convert"}, tt.args...)...)
			if res.code != tt.code {
				t.Errorf("exit %d, want %d; stderr %q", res.code, tt.code, res.stderr)
			}
			if !strings.Contains(res.stderr, tt.want) {
				t.Errorf("stderr %q, want it to contain %q", res.stderr, tt.want)
			}
		})
	}
}

func TestReplayGenerate(t *testing.T) {
	path, g := convertAbilene(t, t.TempDir())
	args := []string{"replay", "generate", "--topology", path, "--steps", "30", "--seed", "9"}
	out := runReplayOK(t, args...)
	if again := runReplayOK(t, args...); again != out {
		t.Error("two runs with the same seed wrote different logs")
	}
	if !strings.HasPrefix(out, "# altoctl replay generate --topology "+path+" --steps 30 --seed 9 ") {
		t.Errorf("log starts %.80q, want a comment with the command", out)
	}
	steps, err := replay.Parse([]byte(out), "generated.yaml", replay.FormatYAML)
	if err != nil {
		t.Fatalf("generated log: %v", err)
	}
	if len(steps) != 30 {
		t.Errorf("%d steps, want 30", len(steps))
	}
	if _, err := replay.ApplySteps(g, steps); err != nil {
		t.Errorf("the generated log does not apply: %v", err)
	}

	jsonl := runReplayOK(t, append(args, "--format", "jsonl")...)
	jsonSteps, err := replay.Parse([]byte(jsonl), "generated.jsonl", replay.FormatJSONLines)
	if err != nil {
		t.Fatalf("generated JSON lines: %v", err)
	}
	if len(jsonSteps) != len(steps) {
		t.Errorf("JSON lines log has %d steps, YAML log %d", len(jsonSteps), len(steps))
	}
	for i := range steps {
		if fmt.Sprint(jsonSteps[i].Changes) != fmt.Sprint(steps[i].Changes) {
			t.Errorf("step %d: JSON lines %v, YAML %v", i+1, jsonSteps[i].Changes, steps[i].Changes)
		}
	}

	graphml := datadir.Path(t, "topology-zoo", "Abilene.graphml")
	if fromGraphML := runReplayOK(t, "replay", "generate", "--topology", graphml, "--steps", "30", "--seed", "9"); strings.SplitN(fromGraphML, "\n", 2)[1] != strings.SplitN(out, "\n", 2)[1] {
		t.Error("the log generated from the GraphML file differs from that of its conversion")
	}
}

func TestReplayGenerateErrors(t *testing.T) {
	path, _ := convertAbilene(t, t.TempDir())
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"missing steps", []string{"--topology", path}, exitUsage, `required flag(s) "steps" not set`},
		{"zero steps", []string{"--topology", path, "--steps", "0"}, exitFailure, "steps 0: want at least 1"},
		{"format", []string{"--topology", path, "--steps", "3", "--format", "xml"}, exitUsage, `unknown change log format "xml"`},
		{"probability", []string{"--topology", path, "--steps", "3", "--link-down", "2"}, exitFailure, "link-down probability 2"},
		{"missing topology", []string{"--topology", filepath.Join(t.TempDir(), "none.yaml"), "--steps", "3"}, exitFailure, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runCLI(t, nil, append([]string{"replay", "generate"}, tt.args...)...)
			if res.code != tt.code {
				t.Errorf("exit %d, want %d; stderr %q", res.code, tt.code, res.stderr)
			}
			if !strings.Contains(res.stderr, tt.want) {
				t.Errorf("stderr %q, want it to contain %q", res.stderr, tt.want)
			}
		})
	}
}

func TestReplayGenerateSeedIsDecimal(t *testing.T) {
	var d decimalUint64
	if err := d.Set("034939877"); err != nil || d != 34939877 {
		t.Errorf("Set(034939877) = %d, %v; want 34939877 read as decimal", d, err)
	}
	if err := d.Set("0x10"); err == nil {
		t.Error("Set(0x10) accepted a hexadecimal seed")
	}
}
