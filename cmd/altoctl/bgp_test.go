package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goalto/goalto/internal/bgp"
	"github.com/goalto/goalto/internal/daemon"
	"github.com/goalto/goalto/internal/datadir"
)

// startBGPDaemon starts altod with a BGP speaker that connects to a
// replaying speaker on listen, and returns the management base URL.
func startBGPDaemon(t *testing.T, listen string) string {
	t.Helper()
	_, port, _ := net.SplitHostPort(listen)
	def := fmt.Sprintf(`network-map:
  pids: asn
  default-pid: default
bgp:
  local-as: 64512
  router-id: 10.255.0.1
  quiet-period: 200ms
  max-delay: 2s
  peers:
    - {address: 127.0.0.1, port: %s, as: 64512, connect-retry: 2s}
`, port)
	path := filepath.Join(t.TempDir(), "network.yaml")
	if err := os.WriteFile(path, []byte(def), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := daemon.Start(daemon.Config{
		Definition: path, Listen: "127.0.0.1:0", ManagementListen: "127.0.0.1:0", ReloadInterval: -1,
		Logger:  slog.New(slog.NewTextHandler(io.Discard, nil)),
		Sources: []daemon.SourceFactory{bgp.Factory(bgp.Options{})},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Shutdown(context.Background()) })
	return "http://" + d.ManagementAddr().String()
}

func TestBGPReplayAndPeers(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	listen := ln.Addr().String()
	ln.Close()
	mgmt := startBGPDaemon(t, listen)
	file := datadir.Path(t, "bgp-mrt-ripe-ris", "updates.20160811.1600.gz")

	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"bgp", "replay", file, "--speed", "0", "--exit", "--listen", listen, "--peer-as", "49463"}, &out, &errOut, noEnv)
	if code != 0 {
		t.Fatalf("bgp replay exited with %d: %s", code, errOut.String())
	}
	if !strings.HasPrefix(out.String(), "replayed ") || strings.Contains(out.String(), "replayed 0 updates") {
		t.Errorf("bgp replay printed %q, want the count of replayed updates", out.String())
	}

	t.Run("table", func(t *testing.T) {
		var out, errOut bytes.Buffer
		if code := run(context.Background(), []string{"bgp", "peers", "--management", mgmt}, &out, &errOut, noEnv); code != 0 {
			t.Fatalf("bgp peers exited with %d: %s", code, errOut.String())
		}
		lines := strings.Split(strings.TrimSpace(out.String()), "\n")
		if len(lines) != 2 || !strings.HasPrefix(lines[0], "PEER") || !strings.HasPrefix(lines[1], "127.0.0.1") {
			t.Fatalf("bgp peers printed:\n%s\nwant a header and the row of 127.0.0.1", out.String())
		}
	})

	t.Run("json", func(t *testing.T) {
		var out, errOut bytes.Buffer
		if code := run(context.Background(), []string{"bgp", "peers", "--json", "--management", mgmt}, &out, &errOut, noEnv); code != 0 {
			t.Fatalf("bgp peers --json exited with %d: %s", code, errOut.String())
		}
		var reply struct{ Peers []bgp.PeerStatus }
		if err := json.Unmarshal(out.Bytes(), &reply); err != nil {
			t.Fatalf("decode %q: %v", out.String(), err)
		}
		if len(reply.Peers) != 1 || reply.Peers[0].UpdatesReceived == 0 {
			t.Errorf("peers %+v, want one that received updates", reply.Peers)
		}
	})
}

func noEnv(string) string { return "" }

func TestBGPPeersErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	ln.Close()
	path := filepath.Join(t.TempDir(), "network.yaml")
	if err := os.WriteFile(path, []byte("network-map: {pids: group, default-pid: rest}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := daemon.Start(daemon.Config{
		Definition: path, Listen: "127.0.0.1:0", ManagementListen: "127.0.0.1:0", ReloadInterval: -1,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Shutdown(context.Background()) })
	tests := []struct {
		name, management, want, notWant string
	}{
		{"listener down", closed, "altoctl: cannot reach the management listener (check --management)", "--server"},
		{"no bgp section", "http://" + d.ManagementAddr().String(), "altoctl: this altod has no bgp section", "RESTCONF"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := run(context.Background(), []string{"bgp", "peers", "--management", tc.management}, &out, &errOut, noEnv); code == 0 {
				t.Fatalf("bgp peers succeeded: %s", out.String())
			}
			if !strings.HasPrefix(errOut.String(), tc.want) {
				t.Errorf("stderr %q does not start with %q", errOut.String(), tc.want)
			}
			if strings.Contains(errOut.String(), tc.notWant) {
				t.Errorf("stderr %q mentions %q", errOut.String(), tc.notWant)
			}
		})
	}
}
