package soak_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/goalto/goalto/internal/loadgen"
)

const (
	// phase is the length of each load phase of BenchmarkOverload.
	phase = 3 * time.Second
	// saturators is the number of closed-loop clients that find the
	// saturating rate.
	saturators = 64
	// openConns bounds the connections, and so the requests in flight,
	// of the open-loop phases.
	openConns = 1024
	// overloadEndpoints is the number of sources and of destinations of
	// the endpoint cost request of BenchmarkOverload.
	overloadEndpoints = 40
)

// buildAltod compiles cmd/altod into a temporary directory.
func buildAltod(b *testing.B) string {
	b.Helper()
	bin := filepath.Join(b.TempDir(), "altod")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/goalto/goalto/cmd/altod").CombinedOutput()
	if err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// startAltodProcess starts bin on 127.0.0.1:0 with the built-in network,
// one CPU for Go code (GOMAXPROCS=1) and the extra args, and returns its
// host:port. Where taskset exists and the machine has two CPUs or more,
// the server runs on the last CPU; run the benchmark under
// `taskset -c 0` so that the load generator keeps to another one.
func startAltodProcess(b *testing.B, bin string, args ...string) string {
	b.Helper()
	argv := append([]string{bin, "--listen", "127.0.0.1:0", "--log-level", "error",
		"--max-conns", "-1", "--max-conns-per-ip", "-1"}, args...)
	if path, err := exec.LookPath("taskset"); err == nil && runtime.NumCPU() >= 2 {
		argv = append([]string{path, "-c", fmt.Sprint(runtime.NumCPU() - 1)}, argv...)
	}

	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), "GOMAXPROCS=1")
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})

	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		b.Fatalf("reading the directory URL of altod: %v", err)
	}
	url, ok := strings.CutPrefix(strings.TrimSpace(line), "ALTO directory: http://")
	if !ok {
		b.Fatalf("first output line of altod = %q, want the directory URL", line)
	}
	host, _, _ := strings.Cut(url, "/")
	return host
}

// BenchmarkOverload measures the latency of the requests that altod
// accepts at twice the load it can serve. It starts three altod
// processes on one CPU each: one with the default limits, one without
// the run queue limit (--max-runnable-per-cpu) and one without it or the
// in-flight limit. The connection limits are off on all three, since the
// load comes from one address. Closed-loop clients first find the
// saturating rate of the unlimited server. Then an open loop offers each
// server half that rate ("light") and twice that rate ("over"). Run it
// once (-benchtime 1x); each phase lasts 3 s.
func BenchmarkOverload(b *testing.B) {
	bin := buildAltod(b)
	servers := []struct{ name, addr string }{
		{"default", startAltodProcess(b, bin)},
		{"no-runq-limit", startAltodProcess(b, bin, "--max-runnable-per-cpu", "-1")},
		{"no-limits", startAltodProcess(b, bin, "--max-runnable-per-cpu", "-1", "--max-in-flight", "-1")},
	}
	unlimited := servers[2].addr
	body := heavyECSBody(b, "http://"+unlimited, overloadEndpoints)
	request := func(addr string) []byte {
		return loadgen.Request(addr, "/endpointcost/lookup", "application/alto-endpointcostparams+json", []byte(body))
	}
	ctx := context.Background()
	for range b.N {
		sat := loadgen.Saturate(ctx, unlimited, request(unlimited), saturators, phase)
		if sat.Failed > 0 || len(sat.OK) != sat.Sent {
			b.Fatalf("saturation phase: %d failed, statuses %v", sat.Failed, sat.Status)
		}
		rate := sat.Accepted()
		b.ReportMetric(rate, "saturating-req/s")
		b.ReportMetric(ms(sat.Percentile(50)), "sat-p50-ms")
		b.ReportMetric(ms(sat.Percentile(99)), "sat-p99-ms")
		for _, s := range servers {
			for _, ph := range []struct {
				name   string
				factor float64
			}{{"light", 0.5}, {"over", 2}} {
				r := loadgen.Run(ctx, loadgen.Config{
					Addr: s.addr, Request: request(s.addr), Duration: phase,
					Rate: ph.factor * rate, Conns: openConns, Backlog: 1 << 16,
				})
				reportPhase(b, s.name+"-"+ph.name, r)
			}
		}
	}
}

// reportPhase adds the results of one open-loop phase.
func reportPhase(b *testing.B, name string, r *loadgen.Result) {
	b.ReportMetric(r.Accepted(), name+"-ok/s")
	b.ReportMetric(ms(r.Percentile(50)), name+"-p50-ms")
	b.ReportMetric(ms(r.Percentile(99)), name+"-p99-ms")
	b.ReportMetric(r.Share(r.Status[503]), name+"-503-%")
	b.ReportMetric(r.Share(r.Failed+r.Unsent), name+"-failed-%")
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
