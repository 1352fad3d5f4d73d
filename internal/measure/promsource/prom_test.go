package promsource_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// prometheusBinaries returns the paths of prometheus and promtool. It
// skips the test when they are not installed, unless CI is true, where
// .ci/run installs them and their absence is a failure.
func prometheusBinaries(t *testing.T) (server, tool string) {
	t.Helper()
	server, err1 := exec.LookPath("prometheus")
	tool, err2 := exec.LookPath("promtool")
	if err1 != nil || err2 != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("prometheus and promtool are needed: %v %v", err1, err2)
		}
		t.Skip("prometheus or promtool not installed (Debian package prometheus)")
	}
	return server, tool
}

// freePort returns a loopback TCP address that was free a moment ago.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// startPrometheus starts a Prometheus server on loopback that scrapes
// target every second, with openMetrics (if not empty) backfilled into
// its storage first by promtool. It returns the base URL of its HTTP API
// once the server is ready, and stops it at the end of the test.
func startPrometheus(t *testing.T, target, openMetrics string) string {
	t.Helper()
	server, tool := prometheusBinaries(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	if openMetrics != "" {
		file := filepath.Join(dir, "backfill.om")
		if err := os.WriteFile(file, []byte(openMetrics), 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(tool, "tsdb", "create-blocks-from", "openmetrics", "--max-block-duration=168h", file, data).CombinedOutput()
		if err != nil {
			t.Fatalf("promtool backfill: %v\n%s", err, out)
		}
	}
	config := filepath.Join(dir, "prometheus.yml")
	cfg := fmt.Sprintf("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: links\n    static_configs:\n      - targets: [%q]\n", target)
	if err := os.WriteFile(config, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := freePort(t)
	var logs bytes.Buffer
	cmd := exec.Command(server, "--config.file="+config, "--storage.tsdb.path="+data,
		"--storage.tsdb.retention.time=60d", "--web.listen-address="+addr, "--log.level=warn")
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			<-exited
			t.Errorf("prometheus did not stop on SIGTERM")
		}
	})
	url := "http://" + addr
	waitFor(t, 60*time.Second, "prometheus ready", func() bool {
		select {
		case err := <-exited:
			t.Fatalf("prometheus exited: %v\n%s", err, logs.String())
		default:
		}
		resp, err := http.Get(url + "/-/ready")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	})
	return url
}

// waitFor polls cond every 100 ms until it holds, failing the test
// after limit.
func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// sample is one exported value; a zero at means the scrape time.
type sample struct {
	value float64
	at    time.Time
}

// exporter serves gauges of link directions, labelled src and dst, on a
// loopback HTTP server, as a probe system would.
//
// Series named in stamped carry the time of their values, as a probe
// reports when it measured. Prometheus writes no staleness marker for
// them, so a value that stops changing ages instead of disappearing.
// The other series take the scrape time, and a removed one becomes
// stale in Prometheus at once.
type exporter struct {
	mu      sync.Mutex
	series  map[string]map[[2]string]sample // by metric name and direction
	stamped map[string]bool
	addr    string
}

func startExporter(t *testing.T, stamped ...string) *exporter {
	t.Helper()
	e := &exporter{series: map[string]map[[2]string]sample{}, stamped: map[string]bool{}}
	for _, name := range stamped {
		e.stamped[name] = true
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(e)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: promhttp.HandlerFor(reg, promhttp.HandlerOpts{})}
	go srv.Serve(ln)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	e.addr = ln.Addr().String()
	return e
}

func (e *exporter) set(name, src, dst string, v float64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.series[name] == nil {
		e.series[name] = map[[2]string]sample{}
	}
	e.series[name][[2]string{src, dst}] = sample{value: v}
}

// freeze keeps serving a stamped series with the time of its last
// value, so Prometheus stores no newer sample and the value ages.
func (e *exporter) freeze(name, src, dst string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.series[name][[2]string{src, dst}]
	s.at = time.Now()
	e.series[name][[2]string{src, dst}] = s
}

func (e *exporter) remove(name, src, dst string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.series[name], [2]string{src, dst})
}

func (e *exporter) value(name, src, dst string) float64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.series[name][[2]string{src, dst}].value
}

// Describe sends no descriptions: the exporter is an unchecked collector
// whose series change during a test.
func (e *exporter) Describe(chan<- *prometheus.Desc) {}

func (e *exporter) Collect(ch chan<- prometheus.Metric) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for name, byDir := range e.series {
		desc := prometheus.NewDesc(name, "link measurement of the test", []string{"src", "dst"}, nil)
		for dir, s := range byDir {
			m := prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, s.value, dir[0], dir[1])
			switch {
			case !s.at.IsZero():
				m = prometheus.NewMetricWithTimestamp(s.at, m)
			case e.stamped[name]:
				m = prometheus.NewMetricWithTimestamp(time.Now(), m)
			}
			ch <- m
		}
	}
}

// logBuffer collects the log of a server for checks while it runs.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
