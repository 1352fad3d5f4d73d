//go:build unix

package replay

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"
)

const signalHelperEnv = "GOALTO_REPLAY_SIGNAL_HELPER"

// TestSignalHelperProcess is the process that TestRunSignal signals. It
// prints "ready" once it catches SIGHUP, then "hup" for each SIGHUP, and
// exits when its standard input closes or after 5 minutes.
func TestSignalHelperProcess(t *testing.T) {
	if os.Getenv(signalHelperEnv) != "1" {
		t.Skip("helper process of TestRunSignal")
	}
	hups := make(chan os.Signal, 16)
	signal.Notify(hups, syscall.SIGHUP)
	stdinClosed := make(chan struct{})
	go func() {
		io.Copy(io.Discard, os.Stdin)
		close(stdinClosed)
	}()
	fmt.Println("ready")
	limit := time.After(5 * time.Minute)
	for {
		select {
		case <-hups:
			fmt.Println("hup")
		case <-stdinClosed:
			os.Exit(0)
		case <-limit:
			os.Exit(0)
		}
	}
}

func TestRunSignal(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestSignalHelperProcess$")
	cmd.Env = append(os.Environ(), signalHelperEnv+"=1")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	waitLine(t, lines, "ready")

	path, steps := setupRun(t, "topo.yaml")
	sum, err := Run(context.Background(), steps, Options{Topology: path, SignalPID: cmd.Process.Pid})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if sum.Signals != 3 {
		t.Errorf("%d signals sent, want one per step (3)", sum.Signals)
	}
	// Signals sent in quick succession may merge, so at least one must
	// arrive.
	waitLine(t, lines, "hup")

	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("helper process: %v", err)
	}
	path, steps = setupRun(t, "topo.yaml")
	_, err = Run(context.Background(), steps, Options{Topology: path, SignalPID: cmd.Process.Pid})
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("cannot signal PID %d", cmd.Process.Pid)) {
		t.Errorf("signalling an ended process: error = %v, want cannot signal PID", err)
	}
}

// waitLine reads lines until want, failing after a minute.
func waitLine(t *testing.T, lines <-chan string, want string) {
	t.Helper()
	timeout := time.After(time.Minute)
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatalf("helper process output ended before %q", want)
			}
			if line == want {
				return
			}
		case <-timeout:
			t.Fatalf("no %q from the helper process within a minute", want)
		}
	}
}
