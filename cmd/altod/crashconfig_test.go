package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/goalto/goalto/internal/altoconf"
)

// managementAddr matches the log line that names the management
// listener's address.
var managementAddr = regexp.MustCompile(`msg="management listener serving" addr=(\S+)`)

// startAltodManaged runs the binary on an ietf-alto configuration with
// RESTCONF on a management listener, and returns the base URLs of the
// ALTO and the management listeners.
func startAltodManaged(t *testing.T, bin, config, operators string) (*exec.Cmd, string, string) {
	t.Helper()
	cmd := exec.Command(bin, "--listen", "127.0.0.1:0", "--config", config, "--reload-interval", "0",
		"--management-listen", "127.0.0.1:0", "--restconf-operators", operators, "--log-level", "info")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })

	mgmt := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := managementAddr.FindStringSubmatch(sc.Text()); m != nil {
				mgmt <- "http://" + m[1]
			}
		}
	}()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the directory URL: %v", err)
	}
	url, _ := strings.CutPrefix(strings.TrimSpace(line), "ALTO directory: ")
	select {
	case m := <-mgmt:
		return cmd, strings.TrimSuffix(url, "/directory"), m
	case <-time.After(time.Minute):
		t.Fatal("altod did not log the management listener's address")
	}
	return nil, "", ""
}

// directoryHas reports whether the served directory lists a resource.
func directoryHas(t *testing.T, base, id string) bool {
	t.Helper()
	var ird struct {
		Resources map[string]any `json:"resources"`
	}
	getJSON(t, base+"/directory", &ird)
	_, ok := ird.Resources[id]
	return ok
}

// TestKillDuringConfigChange kills altod with SIGKILL at different
// moments of a RESTCONF change that adds a resource, restarts it, and
// checks that the configuration file is whole and valid and that the
// restarted server serves the resource exactly when the file contains it.
func TestKillDuringConfigChange(t *testing.T) {
	bin := buildAltod(t)
	sum := sha256.Sum256([]byte("writer-secret"))
	operators := filepath.Join(t.TempDir(), "operators.json")
	text := `{"operators": [{"name": "ops", "token-sha256": "` + hex.EncodeToString(sum[:]) + `", "role": "write"}]}`
	if err := os.WriteFile(operators, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	hop := `{"ietf-alto:resource": [{"resource-id": "hop", "resource-type": "cost-map",
	  "alto-costmap-params": {"cost-type-name": ["num-hop"], "goalto-alto:topology-cost-algorithm": {}}}]}`

	seen := map[bool]int{}
	for _, delay := range []time.Duration{0, 2 * time.Millisecond, 10 * time.Millisecond, 30 * time.Millisecond, 100 * time.Millisecond, 500 * time.Millisecond} {
		t.Run(fmt.Sprintf("kill after %s", delay), func(t *testing.T) {
			config := writeYANGConfig(t, "0")
			original, err := os.ReadFile(config)
			if err != nil {
				t.Fatal(err)
			}
			cmd, _, mgmt := startAltodManaged(t, bin, config, operators)

			done := make(chan struct{})
			go func() {
				defer close(done)
				req, _ := http.NewRequest(http.MethodPut, mgmt+"/restconf/data/ietf-alto:alto/alto-server/resource=hop", strings.NewReader(hop))
				req.Header.Set("Authorization", "Bearer writer-secret")
				req.Header.Set("Content-Type", "application/yang-data+json")
				if resp, err := http.DefaultClient.Do(req); err == nil {
					resp.Body.Close()
				}
			}()
			time.Sleep(delay)
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			<-done

			onDisk, err := os.ReadFile(config)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := altoconf.Parse(onDisk, config); err != nil {
				t.Fatalf("the configuration on disk is not valid after the kill: %v\n%s", err, onDisk)
			}
			changed := string(onDisk) != string(original)
			if changed && !strings.Contains(string(onDisk), `"hop"`) {
				t.Fatalf("the configuration on disk changed but lacks the new resource:\n%s", onDisk)
			}
			_, base, _ := startAltodManaged(t, bin, config, operators)
			if got := directoryHas(t, base, "hop"); got != changed {
				t.Errorf("after restart the directory lists hop = %v, but the file has it = %v", got, changed)
			}
			seen[changed]++
		})
	}
	t.Logf("restarts with the change: %d, without: %d", seen[true], seen[false])
}
