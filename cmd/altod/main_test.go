package main

import (
	"bufio"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// TestMain removes the binary that buildAltod compiles.
func TestMain(m *testing.M) {
	code := m.Run()
	if binPath != "" {
		os.RemoveAll(filepath.Dir(binPath))
	}
	os.Exit(code)
}

// buildAltod compiles the command once for all tests of the package.
func buildAltod(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "altod-test")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "altod")
		if out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

func TestAltodServesAndStopsOnSIGTERM(t *testing.T) {
	bin := buildAltod(t)
	cmd := exec.Command(bin, "--listen", "127.0.0.1:0", "--log-level", "warn")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })

	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the directory URL: %v", err)
	}
	url, ok := strings.CutPrefix(strings.TrimSpace(line), "ALTO directory: ")
	if !ok {
		t.Fatalf("first output line = %q, want the directory URL", line)
	}
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != http.StatusOK || ct != "application/alto-directory+json" {
		t.Fatalf("GET %s = %d %s, want 200 application/alto-directory+json", url, resp.StatusCode, ct)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("altod exited with %v after SIGTERM, want status 0", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("altod did not exit within a minute of SIGTERM")
	}
}

func TestCheckFlag(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("groups:\n  - pid: a\n    prefixes: [192.0.2.0/24]\n    colour: red\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code := run([]string{"--check"}); code != 0 {
		t.Errorf("--check of the built-in network exited %d, want 0", code)
	}
	if code := run([]string{"--check", "--config", bad}); code != 1 {
		t.Errorf("--check of an invalid file exited %d, want 1", code)
	}
	for _, args := range [][]string{
		{"--no-such-flag"},
		{"net.yaml"},
		{"--max-endpoints", "-1"},
		{"--protocols", "h4"},
		{"--protocols", "h1,h3"},
		{"--tls-cert", "cert.pem"},
		{"--tls-min-version", "1.2"},
		{"--max-update-streams-per-client", "0"},
		{"--max-streams-per-conn", "0"},
		{"--max-tips-views", "0"},
		{"--max-tips-views-per-client", "-1"},
	} {
		if code := run(args); code != 2 {
			t.Errorf("altod %v exited %d, want 2", args, code)
		}
	}
}

func TestPrintDiscoveryRecords(t *testing.T) {
	bin := buildAltod(t)
	out, err := exec.Command(bin, "--print-discovery-records", "--domain", "example.net",
		"--uri", "https://alto.example.net/directory", "--prefix", "192.0.2.0/24").Output()
	if err != nil {
		t.Fatalf("altod --print-discovery-records: %v", err)
	}
	for _, want := range []string{
		`example.net. 3600 IN NAPTR 100 10 "u" "ALTO:https" "!.*!https://alto.example.net/directory!" .`,
		`2.0.192.in-addr.arpa. 3600 IN NAPTR 100 10 "u" "ALTO:https" "!.*!https://alto.example.net/directory!" .`,
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if code := run([]string{"--print-discovery-records", "--domain", "example.net"}); code != 2 {
		t.Errorf("--print-discovery-records without --uri exited %d, want 2", code)
	}
}

func TestFlagErrorsNameTheFlag(t *testing.T) {
	bin := buildAltod(t)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--max-pids", "0"}, "altod: --max-pids 0: must be positive\n"},
		{[]string{"--max-endpoints", "-1"}, "altod: --max-endpoints -1: must be positive\n"},
		{[]string{"--write-timeout", "0s"}, "altod: --write-timeout 0s: must be positive\n"},
		{[]string{"--max-update-streams-per-client", "0"}, "altod: --max-update-streams-per-client 0: must be positive\n"},
		{[]string{"--max-in-flight", "0"}, "altod: --max-in-flight 0: must not be 0; use a negative value to disable the limit\n"},
		{[]string{"--rate-per-client", "0"}, "altod: --rate-per-client 0: must not be 0; use a negative value to disable the limit\n"},
		{[]string{"--max-runnable-per-cpu", "0.25"}, "altod: --max-runnable-per-cpu 0.25: must be at least 1, because a CPU with time to spare often has a goroutine waiting; use a negative value to disable the limit\n"},
	}
	for _, tc := range tests {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			cmd := exec.Command(bin, append([]string{"--check"}, tc.args...)...)
			var stderr strings.Builder
			cmd.Stderr = &stderr
			err := cmd.Run()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 2 {
				t.Errorf("exit = %v, want status 2", err)
			}
			if stderr.String() != tc.want {
				t.Errorf("stderr = %q, want %q", stderr.String(), tc.want)
			}
		})
	}
}
