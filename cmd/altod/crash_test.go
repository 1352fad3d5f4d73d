package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/goalto/goalto/alto"
)

// Two versions of a definition: the new one adds PID c and changes the
// cost from a to b, so a mix of the two would show.
const (
	crashOld = `network-map: {pids: group}
groups:
  - {pid: a, prefixes: [192.0.2.0/25]}
  - {pid: b, prefixes: [192.0.2.128/25]}
cost-types:
  num-routing: {cost-mode: numerical, cost-metric: routingcost}
costs:
  routingcost: {a: {b: 1}, b: {a: 1}}
`
	crashNew = `network-map: {pids: group}
groups:
  - {pid: a, prefixes: [192.0.2.0/25]}
  - {pid: b, prefixes: [192.0.2.128/25]}
  - {pid: c, prefixes: [198.51.100.0/24]}
cost-types:
  num-routing: {cost-mode: numerical, cost-metric: routingcost}
costs:
  routingcost: {a: {b: 2, c: 5}, b: {a: 2}, c: {a: 5}}
`
)

// startAltod runs the binary on a definition and returns the process
// and the base URL.
func startAltod(t *testing.T, bin, def string) (*exec.Cmd, string) {
	t.Helper()
	cmd := exec.Command(bin, "--listen", "127.0.0.1:0", "--config", def, "--reload-interval", "20ms", "--log-level", "error")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the directory URL: %v", err)
	}
	url, _ := strings.CutPrefix(strings.TrimSpace(line), "ALTO directory: ")
	return cmd, strings.TrimSuffix(url, "/directory")
}

func getJSON(t *testing.T, url string, out any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d", url, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
}

// servedVersion returns "old" or "new" from the served maps, and fails
// on a mix of the two.
func servedVersion(t *testing.T, base string) string {
	t.Helper()
	var nm alto.NetworkMap
	getJSON(t, base+"/networkmap", &nm)
	var cm alto.CostMap
	getJSON(t, base+"/costmap/num/routingcost", &cm)
	_, hasC := nm.NetworkMap["c"]
	cost := cm.CostMap["a"]["b"]
	if len(cm.Meta.DependentVTags) != 1 || cm.Meta.DependentVTags[0].Tag != nm.Meta.VTag.Tag {
		t.Fatalf("cost map depends on %+v, but the network map is %+v", cm.Meta.DependentVTags, nm.Meta.VTag)
	}
	switch {
	case !hasC && cost == 1:
		return "old"
	case hasC && cost == 2:
		return "new"
	}
	t.Fatalf("mixed state: PID c present = %v, cost a to b = %v", hasC, cost)
	return ""
}

// writeAtomic replaces a file by renaming a complete temporary file
// over it, as an operator's tool or the configuration datastore should.
func writeAtomic(t *testing.T, path, text string) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// TestKillDuringReload kills altod with SIGKILL at different moments of
// a reload, restarts it, and checks that it serves the old or the new
// maps, never a mix, and that the definition on disk is whole.
func TestKillDuringReload(t *testing.T) {
	bin := buildAltod(t)
	def := filepath.Join(t.TempDir(), "network.yaml")
	seen := map[string]int{}
	for i, delay := range []time.Duration{0, 5 * time.Millisecond, 15 * time.Millisecond, 30 * time.Millisecond, 60 * time.Millisecond, 200 * time.Millisecond} {
		t.Run(fmt.Sprintf("kill after %s", delay), func(t *testing.T) {
			from, to := crashOld, crashNew
			if i%2 == 1 {
				from, to = crashNew, crashOld
			}
			writeAtomic(t, def, from)
			cmd, _ := startAltod(t, bin, def)

			writeAtomic(t, def, to)
			_ = cmd.Process.Signal(syscall.SIGHUP)
			time.Sleep(delay)
			_ = cmd.Process.Kill()
			_ = cmd.Wait()

			onDisk, err := os.ReadFile(def)
			if err != nil {
				t.Fatal(err)
			}
			if string(onDisk) != crashOld && string(onDisk) != crashNew {
				t.Fatalf("the definition on disk is neither version: %q", onDisk)
			}
			_, base := startAltod(t, bin, def)
			got := servedVersion(t, base)
			want := "old"
			if string(onDisk) == crashNew {
				want = "new"
			}
			if got != want {
				t.Errorf("after restart altod serves the %s maps, but the file on disk is the %s version", got, want)
			}
			seen[got]++
		})
	}
	if seen["old"] == 0 || seen["new"] == 0 {
		t.Errorf("restarts served %v; the cases should end in both versions", seen)
	}
}
