// Package alttest starts real goalto servers for tests: in-process, on a
// loopback port chosen by the kernel, and shut down when the test ends.
package alttest

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/goalto/goalto/internal/daemon"
)

// Start serves a network definition file ("" for the built-in network)
// on 127.0.0.1:0 and returns the URL of its root directory. The server
// stops at the end of the test, which fails if shutdown hangs.
func Start(t testing.TB, definition string) string {
	t.Helper()
	return StartConfig(t, daemon.Config{Definition: definition}).IRDURL()
}

// StartConfig is Start with a full configuration; an empty Listen means
// 127.0.0.1:0, nil Services means daemon.DefaultServices, and the reload
// check and the run queue limit are off unless configured. The run queue
// limit (server.Limits.MaxRunnablePerCPU) counts every goroutine of the
// process, and an in-process server shares its process with the test's
// clients, so the limit would shed requests for the test's own load.
func StartConfig(t testing.TB, cfg daemon.Config) *daemon.Daemon {
	t.Helper()
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	if cfg.ReloadInterval == 0 {
		cfg.ReloadInterval = -1
	}
	if cfg.Limits.MaxRunnablePerCPU == 0 {
		cfg.Limits.MaxRunnablePerCPU = -1
	}
	if cfg.Services == nil {
		cfg.Services = daemon.DefaultServices()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	d, err := daemon.Start(cfg)
	if err != nil {
		t.Fatalf("starting server: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := d.Shutdown(ctx); err != nil {
			t.Errorf("server shutdown: %v", err)
		}
	})
	return d
}
