package daemon

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/goalto/goalto/internal/server"
	"github.com/goalto/goalto/internal/updates"
)

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// get sends a GET request and returns the status and body.
func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

// startTest starts a daemon serving the built-in network and stops it at
// the end of the test.
func startTest(t *testing.T, cfg Config) *Daemon {
	t.Helper()
	cfg.Listen, cfg.ReloadInterval, cfg.Logger = "127.0.0.1:0", -1, discardLogger()
	d, err := Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		d.Shutdown(ctx)
	})
	return d
}

// TestReadyzFollowsStartup walks through the steps of Start: /readyz
// reports 503 until the first snapshot is published and the ALTO
// listener serves, while /healthz reports 200 throughout.
func TestReadyzFollowsStartup(t *testing.T) {
	d := &Daemon{
		cfg:     Config{ManagementListen: "127.0.0.1:0"},
		logger:  discardLogger(),
		handler: server.New(server.Limits{}, discardLogger()),
		engine:  updates.NewEngine(updates.Limits{}),
	}
	if err := d.startManagement(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.closeManagement)
	base := "http://" + d.ManagementAddr().String()
	snap, err := Build("")
	if err != nil {
		t.Fatal(err)
	}

	steps := []struct {
		name   string
		action func()
		status int
		body   string
	}{
		{"before the first snapshot", func() {}, http.StatusServiceUnavailable, "not ready: no maps published yet\n"},
		{"published but not serving", func() { d.publish(snap) }, http.StatusServiceUnavailable, "not ready: the ALTO listener is not serving\n"},
	}
	for _, s := range steps {
		s.action()
		if status, body := get(t, base+ReadyzPath); status != s.status || body != s.body {
			t.Errorf("%s: /readyz = %d %q, want %d %q", s.name, status, body, s.status, s.body)
		}
		if status, _ := get(t, base+HealthzPath); status != http.StatusOK {
			t.Errorf("%s: /healthz = %d, want 200", s.name, status)
		}
	}
}

func TestReadyzAfterStart(t *testing.T) {
	d := startTest(t, Config{ManagementListen: "127.0.0.1:0"})
	base := "http://" + d.ManagementAddr().String()
	if status, body := get(t, base+ReadyzPath); status != http.StatusOK || body != "ready\n" {
		t.Errorf("/readyz = %d %q, want 200 \"ready\\n\"", status, body)
	}
	if status, _ := get(t, base+MetricsPath); status != http.StatusNotFound {
		t.Errorf("/metrics without Metrics = %d, want 404", status)
	}
}

func TestManagementStopsWithShutdown(t *testing.T) {
	d, err := Start(Config{Listen: "127.0.0.1:0", ManagementListen: "127.0.0.1:0", ReloadInterval: -1, Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	addr := d.ManagementAddr().String()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := d.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if _, err := http.Get("http://" + addr + HealthzPath); err == nil {
		t.Error("the management listener still serves after Shutdown")
	}
}

func TestManagementDisabled(t *testing.T) {
	d := startTest(t, Config{})
	if a := d.ManagementAddr(); a != nil {
		t.Errorf("ManagementAddr = %v, want nil without ManagementListen", a)
	}
}

func TestManagementListenFailure(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	_, err = Start(Config{Listen: "127.0.0.1:0", ManagementListen: busy.Addr().String(), ReloadInterval: -1, Logger: discardLogger()})
	if err == nil || !strings.Contains(err.Error(), "management listener") {
		t.Fatalf("Start with a busy management address: %v, want a management listener error", err)
	}
}

// TestStartFailureClosesManagement checks that a definition that fails
// to build leaves no management listener behind.
func TestStartFailureClosesManagement(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("groups:\n  - pid: a\n    colour: red\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	probe, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := probe.Addr().String()
	probe.Close()

	if _, err := Start(Config{Listen: "127.0.0.1:0", Definition: bad, ManagementListen: addr, ReloadInterval: -1, Logger: discardLogger()}); err == nil {
		t.Fatal("Start of an invalid definition succeeded")
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("the management address is still bound after Start failed: %v", err)
	}
	ln.Close()
}
