package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/goalto/goalto/internal/altostats"
	"github.com/goalto/goalto/internal/daemon"
	"github.com/goalto/goalto/internal/restconf"
)

// startManaged starts a daemon of the built-in network whose management
// listener serves RESTCONF with statistics to one reader whose token is
// token. It returns the ALTO origin and the management base URL.
func startManaged(t *testing.T, token string) (origin, mgmt string) {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	stats := altostats.New(altostats.Config{})
	sum := sha256.Sum256([]byte(token))
	rc := restconf.New(restconf.Config{State: stats, Logger: logger, Operators: []restconf.Operator{
		{Name: "reader", TokenSHA256: hex.EncodeToString(sum[:]), Role: restconf.RoleRead},
	}})
	handlers := map[string]http.Handler{}
	for _, p := range restconf.Patterns() {
		handlers[p] = rc
	}
	d, err := daemon.Start(daemon.Config{
		Listen: "127.0.0.1:0", ManagementListen: "127.0.0.1:0", ReloadInterval: -1, Logger: logger,
		Stats: stats, ManagementHandlers: handlers,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Shutdown(context.Background()) })
	return "http://" + d.Addr().String(), "http://" + d.ManagementAddr().String()
}

func TestStats(t *testing.T) {
	origin, mgmt := startManaged(t, "s3cret")
	for _, path := range []string{"/networkmap", "/networkmap", "/costmap/num/hopcount", "/nothing-here"} {
		resp, err := http.Get(origin + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	// A request is counted after its response has been sent.
	deadline := time.Now().Add(time.Minute)
	for !strings.Contains(runCLI(t, map[string]string{"ALTO_TOKEN": "s3cret"}, "stats", "--management", mgmt).stdout, "requests   4") {
		if time.Now().After(deadline) {
			t.Fatal("the server did not count 4 requests within a minute")
		}
		time.Sleep(20 * time.Millisecond)
	}
	tokenFile := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(tokenFile, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	t.Run("table", func(t *testing.T) {
		res := runCLI(t, nil, "stats", "--management", mgmt, "--token-file", tokenFile)
		if res.code != 0 {
			t.Fatalf("exit %d: %s", res.code, res.stderr)
		}
		server, resources, _ := strings.Cut(res.stdout, "\n\n")
		_, rows := tableRows(t, server)
		want := map[string][]string{"requests": {"4", "4"}, "successes": {"3", "3"}, "failures": {"1", "1"}}
		for _, row := range rows {
			if w := want[row[0]]; w == nil || row[1] != w[0] || row[2] != w[1] {
				t.Errorf("server row %v, want %v", row, w)
			}
		}
		_, rows = tableRows(t, resources)
		found := false
		for _, row := range rows {
			if row[0] == "lhcone-network-map" {
				found = true
				if row[1] != "2" || row[2] != "2" || row[3] != "0" || !strings.HasPrefix(row[7], "num-map-pid=") {
					t.Errorf("network map row %v", row)
				}
			}
		}
		if !found {
			t.Errorf("no row for lhcone-network-map in\n%s", resources)
		}
	})
	t.Run("token from environment", func(t *testing.T) {
		res := runCLI(t, map[string]string{"ALTO_TOKEN": "s3cret", "ALTO_MANAGEMENT": mgmt}, "stats", "--json")
		if res.code != 0 || !strings.Contains(res.stdout, `"ietf-alto-stats:server-level-stats"`) {
			t.Errorf("exit %d, stdout %q, stderr %q", res.code, res.stdout, res.stderr)
		}
	})
	t.Run("no token", func(t *testing.T) {
		res := runCLI(t, nil, "stats", "--management", mgmt)
		if res.code != 1 || !strings.Contains(res.stderr, "access-denied") {
			t.Errorf("exit %d, stderr %q; want 1 and access-denied", res.code, res.stderr)
		}
	})
	t.Run("bad URL", func(t *testing.T) {
		res := runCLI(t, nil, "stats", "--management", "127.0.0.1:9181")
		if res.code != 2 {
			t.Errorf("exit %d, want 2: %s", res.code, res.stderr)
		}
	})
}
