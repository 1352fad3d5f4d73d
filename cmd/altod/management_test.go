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
	"slices"
	"strings"
	"testing"

	"github.com/goalto/goalto/internal/daemon"
	"github.com/goalto/goalto/internal/restconf"
	"github.com/goalto/goalto/internal/sse"
	"github.com/goalto/goalto/internal/tips"
)

func TestManagementServesRESTCONF(t *testing.T) {
	sum := sha256.Sum256([]byte("reader-secret"))
	ops := filepath.Join(t.TempDir(), "operators.json")
	text := `{"operators": [{"name": "ops", "token-sha256": "` + hex.EncodeToString(sum[:]) + `", "role": "read"}]}`
	if err := os.WriteFile(ops, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	cfg := daemon.Config{Listen: "127.0.0.1:0", ManagementListen: "127.0.0.1:0", ReloadInterval: -1, Logger: logger}
	var sseCfg sse.Config
	m := &managementFlags{operators: ops}
	if err := m.apply(&cfg, &sseCfg, nil, logger); err != nil {
		t.Fatal(err)
	}
	cfg.Services = daemon.ServicesWith(sseCfg, tips.Register)
	d, err := daemon.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Shutdown(context.Background()) })
	base := "http://" + d.ManagementAddr().String()

	tests := []struct {
		name, method, path, token string
		status                    int
		want                      string
	}{
		{"health", "GET", "/healthz", "", 200, "ok"},
		{"host-meta", "GET", "/.well-known/host-meta", "", 200, "/restconf"},
		{"library", "GET", "/restconf/data/ietf-yang-library:yang-library", "reader-secret", 200, `"cost-calendar"`},
		{"stats", "GET", "/restconf/data/ietf-alto:alto/alto-server/ietf-alto-stats:server-level-stats", "reader-secret", 200, `"num-total-req"`},
		{"no token", "GET", "/restconf/data/ietf-alto:alto", "", 401, "access-denied"},
		{"reader writes", "DELETE", "/restconf/data/ietf-alto:alto", "reader-secret", 403, "access-denied"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, base+tc.path, nil)
			if tc.token != "" {
				req.Header.Set("Authorization", "Bearer "+tc.token)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.status || !strings.Contains(string(body), tc.want) {
				t.Errorf("status %d, want %d with %q: %s", resp.StatusCode, tc.status, tc.want, body)
			}
		})
	}
}

func TestManagementFlagErrors(t *testing.T) {
	for _, args := range [][]string{
		{"--restconf-operators", "ops.json"},
		{"--management-listen", "127.0.0.1:0", "--management-client-ca", "ca.pem"},
		{"--management-listen", "127.0.0.1:0", "--management-tls-cert", "cert.pem"},
		{"--management-listen", "127.0.0.1:0", "--restconf-operators", "/nonexistent/ops.json"},
	} {
		if code := run(args); code != 2 {
			t.Errorf("altod %v exited %d, want 2", args, code)
		}
	}
}

func TestYANGLibraryModules(t *testing.T) {
	byName := map[string]restconf.Module{}
	for _, m := range implementedModules() {
		byName[m.Name] = m
	}
	alto, ok := byName["ietf-alto"]
	if !ok || alto.ImportOnly || alto.Revision != "2026-02-04" {
		t.Fatalf("ietf-alto entry %+v", alto)
	}
	for _, f := range []string{"alto-server", "http-listen", "multi-cost", "incr-update", "cost-calendar", "propmap", "cdni", "path-vector", "performance-metrics"} {
		if !slices.Contains(alto.Features, f) {
			t.Errorf("ietf-alto lacks the feature %s", f)
		}
	}
	for _, f := range []string{"alto-client", "xdom-disc"} {
		if slices.Contains(alto.Features, f) {
			t.Errorf("ietf-alto lists the feature %s, which altod does not implement", f)
		}
	}
	for name, importOnly := range map[string]bool{"ietf-alto-stats": false, "goalto-alto": false, "ietf-inet-types": true, "ietf-tls-server": true} {
		if m, ok := byName[name]; !ok || m.ImportOnly != importOnly {
			t.Errorf("%s: entry %+v, want import-only %v", name, m, importOnly)
		}
	}
}
