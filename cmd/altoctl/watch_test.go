package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/goalto/goalto/client"
	"github.com/goalto/goalto/internal/access"
	"github.com/goalto/goalto/internal/alttest"
	"github.com/goalto/goalto/internal/daemon"
)

// watchWait bounds each wait for output of a watch, so that a missing
// update fails the test instead of hanging it.
const watchWait = 30 * time.Second

// watchDefinition offers a network map and a cost map over an update
// stream and a TIPS resource.
const watchDefinition = `network-map:
  resource-id: test-network-map
topology: topology.yaml
cost-types:
  num-routing: {cost-mode: numerical, cost-metric: routingcost}
resources:
  - {id: test-network-map, type: network-map, path: /networkmap}
  - {id: routing-cost-map, type: cost-map, path: /costmap/routing, cost-types: [num-routing]}
  - {id: update-stream, type: update-stream, path: /updates/stream}
  - {id: tips, type: tips, path: /tips}
`

// watchTopology is a line of four nodes n0 to n3 with one IPv4 prefix
// each, plus the extra prefixes in extra.
type watchTopology struct {
	metric01 int            // metric of link n0-n1; the others are 10
	extra    map[int]string // an extra prefix by node
	dropped  map[int]bool   // nodes without prefixes
}

func (w watchTopology) yaml() string {
	var b strings.Builder
	b.WriteString("nodes:\n")
	for i := range 4 {
		var prefixes []string
		if !w.dropped[i] {
			prefixes = append(prefixes, fmt.Sprintf("10.%d.0.0/24", i))
			if p, ok := w.extra[i]; ok {
				prefixes = append(prefixes, p)
			}
		}
		fmt.Fprintf(&b, "  - {id: n%d, prefixes: [%s]}\n", i, strings.Join(prefixes, ", "))
	}
	b.WriteString("links:\n")
	fmt.Fprintf(&b, "  - {from: n0, to: n1, metric: %d}\n", w.metric01)
	b.WriteString("  - {from: n1, to: n2, metric: 10}\n  - {from: n2, to: n3, metric: 10}\n")
	return b.String()
}

// watchServer is a daemon serving watchDefinition from a temporary
// folder.
type watchServer struct {
	d   *daemon.Daemon
	dir string
}

func startWatchServer(t *testing.T, topo watchTopology) *watchServer {
	t.Helper()
	s := &watchServer{dir: t.TempDir()}
	s.write(t, "topology.yaml", topo.yaml())
	s.write(t, "network.yaml", watchDefinition)
	s.d = alttest.StartConfig(t, daemon.Config{Definition: filepath.Join(s.dir, "network.yaml")})
	return s
}

func (s *watchServer) write(t *testing.T, name, text string) {
	t.Helper()
	path := filepath.Join(s.dir, name)
	if err := os.WriteFile(path+".new", []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(path+".new", path); err != nil {
		t.Fatal(err)
	}
}

// change writes a topology and reloads the daemon.
func (s *watchServer) change(t *testing.T, topo watchTopology) {
	t.Helper()
	s.write(t, "topology.yaml", topo.yaml())
	if err := s.d.Reload(); err != nil {
		t.Fatalf("reload: %v", err)
	}
}

// lineWriter is the stdout of a watch running in another goroutine. It
// sends each complete line that does not start with a space, the line
// of an update, on updates.
type lineWriter struct {
	mu      sync.Mutex
	all     bytes.Buffer
	partial string
	updates chan string
}

func newLineWriter() *lineWriter { return &lineWriter{updates: make(chan string, 100)} }

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.all.Write(p)
	w.partial += string(p)
	for {
		line, rest, ok := strings.Cut(w.partial, "\n")
		if !ok {
			break
		}
		w.partial = rest
		if !strings.HasPrefix(line, " ") {
			w.updates <- line
		}
	}
	return len(p), nil
}

func (w *lineWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.all.String()
}

// runningWatch is a watch command that runs in its own goroutine.
type runningWatch struct {
	stdout *lineWriter
	stderr *bytes.Buffer
	done   chan int
	cancel context.CancelFunc
}

func startWatch(t *testing.T, server string, args ...string) *runningWatch {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	w := &runningWatch{stdout: newLineWriter(), stderr: &bytes.Buffer{}, done: make(chan int, 1), cancel: cancel}
	args = append([]string{"--server", server, "watch"}, args...)
	go func() {
		w.done <- run(ctx, args, w.stdout, w.stderr, func(string) string { return "" })
	}()
	t.Cleanup(func() {
		cancel()
		<-w.done
	})
	return w
}

// nextUpdate waits for the next update line.
func (w *runningWatch) nextUpdate(t *testing.T) string {
	t.Helper()
	timer := time.NewTimer(watchWait)
	defer timer.Stop()
	select {
	case line := <-w.stdout.updates:
		return line
	case code := <-w.done:
		w.done <- code
		// The last line and the exit can be ready together, and select
		// picks either: a line written before the exit still counts.
		select {
		case line := <-w.stdout.updates:
			return line
		default:
		}
		t.Fatalf("watch ended with status %d before the next update; stdout %q, stderr %q", code, w.stdout.String(), w.stderr.String())
	case <-timer.C:
		t.Fatalf("no update within %s; stdout %q, stderr %q", watchWait, w.stdout.String(), w.stderr.String())
	}
	return ""
}

// wait returns the exit status of the watch.
func (w *runningWatch) wait(t *testing.T) int {
	t.Helper()
	timer := time.NewTimer(watchWait)
	defer timer.Stop()
	select {
	case code := <-w.done:
		w.done <- code
		return code
	case <-timer.C:
		t.Fatalf("watch did not end within %s; stdout %q", watchWait, w.stdout.String())
	}
	return 0
}

// TestWatchJSONCount watches the cost map with --count 3 --json while
// the test reloads the server after each update. Every line must be a
// JSON object, and the versions must increase.
func TestWatchJSONCount(t *testing.T) {
	for _, via := range []string{viaSSE, viaTIPS} {
		t.Run(via, func(t *testing.T) {
			topo := watchTopology{metric01: 10}
			s := startWatchServer(t, topo)
			w := startWatch(t, s.d.IRDURL(), "--via", via, "--count", "3", "--json", "--timeout", "2m", "routing-cost-map")
			for i := range 3 {
				w.nextUpdate(t)
				if i < 2 {
					topo.metric01 += 5
					topo.extra = map[int]string{3: fmt.Sprintf("10.3.%d.0/24", i+1)}
					s.change(t, topo)
				}
			}
			if code := w.wait(t); code != 0 {
				t.Fatalf("exit status %d, stderr %q", code, w.stderr.String())
			}

			lines := strings.Split(strings.TrimSuffix(w.stdout.String(), "\n"), "\n")
			if len(lines) != 3 {
				t.Fatalf("%d lines, want 3: %q", len(lines), lines)
			}
			var prev watchLine
			for i, line := range lines {
				var got watchLine
				if err := json.Unmarshal([]byte(line), &got); err != nil {
					t.Fatalf("line %d %q is not JSON: %v", i+1, line, err)
				}
				if got.Resource != "routing-cost-map" || got.Size <= 0 || got.Resync {
					t.Errorf("line %d = %+v", i+1, got)
				}
				if _, err := time.Parse(time.RFC3339Nano, got.Time); err != nil {
					t.Errorf("line %d: time %q: %v", i+1, got.Time, err)
				}
				if got.Seq != uint64(i+1) {
					t.Errorf("line %d: seq %d, want %d", i+1, got.Seq, i+1)
				}
				if via == viaTIPS && i > 0 && got.TIPSSeq <= prev.TIPSSeq {
					t.Errorf("line %d: tips-seq %d after %d", i+1, got.TIPSSeq, prev.TIPSSeq)
				}
				if i == 0 && got.Kind != "full" || i > 0 && !slices.Contains([]string{"full", "merge-patch", "json-patch"}, got.Kind) {
					t.Errorf("line %d: kind %q", i+1, got.Kind)
				}
				prev = got
			}
		})
	}
}

// TestWatchDiff prints what each update changed: costs of the cost map,
// and PIDs of the network map.
func TestWatchDiff(t *testing.T) {
	topo := watchTopology{metric01: 10}
	s := startWatchServer(t, topo)

	t.Run("cost map", func(t *testing.T) {
		w := startWatch(t, s.d.IRDURL(), "--print", "diff", "--count", "2", "routing-cost-map")
		w.nextUpdate(t)
		topo.metric01 = 15
		s.change(t, topo)
		w.nextUpdate(t)
		if code := w.wait(t); code != 0 {
			t.Fatalf("exit status %d, stderr %q", code, w.stderr.String())
		}
		out := w.stdout.String()
		for _, want := range []string{
			"  first state: 16 entries\n",
			"  n0 -> n1: 10 -> 15\n",
			"  n1 -> n0: 10 -> 15\n",
			"  n0 -> n3: 30 -> 35\n",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
		if strings.Contains(out, "n1 -> n2:") {
			t.Errorf("output lists the unchanged cost n1 -> n2:\n%s", out)
		}
	})

	t.Run("network map", func(t *testing.T) {
		w := startWatch(t, s.d.IRDURL(), "--via", "tips", "--print", "diff", "--count", "2", "test-network-map")
		w.nextUpdate(t)
		topo.extra = map[int]string{1: "10.1.7.0/24"}
		topo.dropped = map[int]bool{3: true}
		s.change(t, topo)
		w.nextUpdate(t)
		if code := w.wait(t); code != 0 {
			t.Fatalf("exit status %d, stderr %q", code, w.stderr.String())
		}
		out := w.stdout.String()
		for _, want := range []string{
			"  first state: 4 entries\n",
			"  PID removed: n3\n",
			"  PID changed: n1 +ipv4:10.1.7.0/24\n",
			"  vtag: ",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
	})
}

// TestWatchState prints the state of the first update as JSON, equal to
// the resource that a GET returns.
func TestWatchState(t *testing.T) {
	s := startWatchServer(t, watchTopology{metric01: 10})
	w := startWatch(t, s.d.IRDURL(), "--print", "state", "--json", "--count", "1", "test-network-map")
	if code := w.wait(t); code != 0 {
		t.Fatalf("exit status %d, stderr %q", code, w.stderr.String())
	}
	var line struct {
		State json.RawMessage `json:"state"`
	}
	if err := json.Unmarshal([]byte(w.stdout.String()), &line); err != nil {
		t.Fatalf("output %q: %v", w.stdout.String(), err)
	}
	want := runOK(t, s.d.IRDURL(), "--json", "networkmap")
	var got, wantDoc any
	if err := json.Unmarshal(line.State, &got); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal([]byte(want), &wantDoc); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != fmt.Sprint(wantDoc) {
		t.Errorf("state %s, want %s", line.State, want)
	}
}

// TestWatchEndings checks the exit status when --timeout, an interrupt
// or an error ends a watch.
func TestWatchEndings(t *testing.T) {
	s := startWatchServer(t, watchTopology{metric01: 10})
	// The first state must arrive within the --timeout of these cases, so
	// it leaves a loaded machine a few seconds.
	t.Run("timeout before count", func(t *testing.T) {
		w := startWatch(t, s.d.IRDURL(), "--count", "5", "--timeout", "5s", "routing-cost-map")
		if code := w.wait(t); code != exitFailure {
			t.Fatalf("exit status %d, want %d", code, exitFailure)
		}
		if !strings.Contains(w.stderr.String(), "received 1 of 5 updates") {
			t.Errorf("stderr %q, want the number of updates received", w.stderr.String())
		}
	})
	t.Run("timeout without count", func(t *testing.T) {
		w := startWatch(t, s.d.IRDURL(), "--timeout", "5s", "routing-cost-map")
		if code := w.wait(t); code != 0 {
			t.Fatalf("exit status %d, stderr %q", code, w.stderr.String())
		}
		if n := strings.Count(w.stdout.String(), "\n"); n != 1 {
			t.Errorf("%d lines, want the first state only: %q", n, w.stdout.String())
		}
	})
	t.Run("interrupt", func(t *testing.T) {
		w := startWatch(t, s.d.IRDURL(), "routing-cost-map")
		w.nextUpdate(t)
		w.cancel()
		if code := w.wait(t); code != 0 {
			t.Fatalf("exit status %d, stderr %q", code, w.stderr.String())
		}
	})
	t.Run("unknown resource", func(t *testing.T) {
		w := startWatch(t, s.d.IRDURL(), "no-such-map")
		if code := w.wait(t); code != exitFailure {
			t.Fatalf("exit status %d, want %d", code, exitFailure)
		}
		if !strings.Contains(w.stderr.String(), `"no-such-map"`) {
			t.Errorf("stderr %q, want the resource ID", w.stderr.String())
		}
	})
}

// TestWatchUsageErrors checks that invalid flags exit with status 2.
func TestWatchUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
	}{
		{"no resource", []string{"watch"}},
		{"unknown protocol", []string{"watch", "--via", "smtp", "r"}},
		{"unknown print mode", []string{"watch", "--print", "all", "r"}},
		{"negative count", []string{"watch", "--count", "-1", "r"}},
		{"zero timeout", []string{"watch", "--timeout", "0s", "r"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runCLI(t, nil, append([]string{"--server", "http://127.0.0.1:1/directory"}, tt.args...)...)
			if res.code != exitUsage {
				t.Errorf("exit status %d, want %d; stderr %q", res.code, exitUsage, res.stderr)
			}
		})
	}
}

// TestUpdateLine formats updates as text lines.
func TestUpdateLine(t *testing.T) {
	at := time.Date(2026, 5, 1, 12, 30, 5, 250_000_000, time.Local)
	tests := []struct {
		name string
		u    client.Update
		want string
	}{
		{"stream patch",
			client.Update{ResourceID: "routing-cost-map", Seq: 4, Kind: client.KindMergePatch, Size: 212, Time: at},
			"12:30:05.250  routing-cost-map  #4  merge-patch  212 bytes"},
		{"TIPS network map",
			client.Update{ResourceID: "net", Seq: 1, TIPSSeq: 9, Vtag: "0123456789abcdef", Kind: client.KindFull, Size: 900, Time: at},
			"12:30:05.250  net  #1  tips-seq=9  full  900 bytes  vtag=0123456789ab…"},
		{"resync",
			client.Update{ResourceID: "net", Seq: 7, Kind: client.KindFull, Size: 900, Time: at, Resync: true, Reason: "version 2 is older than any the server keeps (410 Gone on edge 2 to 3)"},
			"12:30:05.250  net  #7  full  900 bytes  resync: version 2 is older than any the server keeps (410 Gone on edge 2 to 3)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := updateLine(tt.u); got != tt.want {
				t.Errorf("updateLine =\n%q, want\n%q", got, tt.want)
			}
		})
	}
}

// watchAccessDefinition is watchDefinition with the cost map and the
// update stream restricted to the role internal. Its parameter lists
// the Digest client line and the members of the role.
const watchAccessDefinition = `network-map:
  resource-id: test-network-map
topology: topology.yaml
cost-types:
  num-routing: {cost-mode: numerical, cost-metric: routingcost}
access:
  allow-plain-http: true
  auth-clients:
    - {client-id: alice, method: basic, password-hash: "%s"}
%s  roles:
    - {role-name: internal, clients: [%s]}
resources:
  - {id: test-network-map, type: network-map, path: /networkmap}
  - {id: routing-cost-map, type: cost-map, path: /costmap/routing, cost-types: [num-routing], accepted-roles: [internal]}
  - {id: update-stream, type: update-stream, path: /updates/stream, accepted-roles: [internal]}
`

// TestWatchDigestClientRemoved removes the Digest client of a running
// watch. The server ends its stream, and the reconnection gets a 401
// without a Digest challenge, which watch must report as such.
func TestWatchDigestClientRemoved(t *testing.T) {
	const password = "digest-watch-pw"
	ha1, err := access.HA1("SHA-256", "dave", access.DefaultRealm, password)
	if err != nil {
		t.Fatal(err)
	}
	hash, err := bcrypt.GenerateFromPassword([]byte("alice-pw-1"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	daveLine := fmt.Sprintf("    - {client-id: dave, method: digest, ha1-sha256: %q}\n", ha1)

	s := &watchServer{dir: t.TempDir()}
	s.write(t, "topology.yaml", watchTopology{metric01: 10}.yaml())
	s.write(t, "network.yaml", fmt.Sprintf(watchAccessDefinition, hash, daveLine, "alice, dave"))
	s.d = alttest.StartConfig(t, daemon.Config{Definition: filepath.Join(s.dir, "network.yaml")})
	passwordFile := filepath.Join(s.dir, "dave.pw")
	s.write(t, "dave.pw", password+"\n")

	w := startWatch(t, s.d.IRDURL(), "--user", "dave", "--auth", "digest", "--password-file", passwordFile, "routing-cost-map")
	w.nextUpdate(t)

	s.write(t, "network.yaml", fmt.Sprintf(watchAccessDefinition, hash, "", "alice"))
	if err := s.d.Reload(); err != nil {
		t.Fatalf("reload: %v", err)
	}
	if code := w.wait(t); code != exitFailure {
		t.Fatalf("exit status %d, want %d; stderr %q", code, exitFailure, w.stderr.String())
	}
	stderr := w.stderr.String()
	if !strings.Contains(stderr, "sent no Digest challenge") {
		t.Errorf("stderr %q lacks the missing Digest challenge", stderr)
	}
	if strings.Contains(stderr, "read response") {
		t.Errorf("stderr %q reports a read failure instead of the 401 response", stderr)
	}
}
