package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDiffNetworkMaps(t *testing.T) {
	paths := writeMaps(t, map[string]string{
		"old.json": `{"meta": {"vtag": {"resource-id": "net", "tag": "1"}}, "network-map": {
			"A": {"ipv4": ["192.0.2.0/25", "198.51.100.0/24"]},
			"B": {"ipv4": ["192.0.2.128/25", "192.0.2.0/25"]},
			"OLD": {"ipv6": ["2001:db8::/32"]}}}`,
		"new.json": `{"meta": {"vtag": {"resource-id": "net", "tag": "2"}}, "network-map": {
			"A": {"ipv4": ["192.0.2.0/25"]},
			"B": {"ipv4": ["192.0.2.128/25", "198.51.100.0/24", "203.0.113.0/24"]},
			"NEW": {}}}`,
	})
	res := runCLI(t, nil, "--json", "diff", "--exit-code", paths["old.json"], paths["new.json"])
	if res.code != 1 {
		t.Fatalf("exit %d, want 1 with --exit-code; stderr %q", res.code, res.stderr)
	}
	var got []mapChange
	if err := json.Unmarshal([]byte(res.stdout), &got); err != nil {
		t.Fatal(err)
	}
	want := []mapChange{
		{Change: "removed", Kind: "pid", Key: "OLD"},
		{Change: "added", Kind: "pid", Key: "NEW"},
		{Change: "removed", Kind: "prefix", Key: "192.0.2.0/25", Old: "B"},
		{Change: "moved", Kind: "prefix", Key: "198.51.100.0/24", Old: "A", New: "B"},
		{Change: "added", Kind: "prefix", Key: "203.0.113.0/24", New: "B"},
		{Change: "removed", Kind: "prefix", Key: "2001:db8::/32", Old: "OLD"},
	}
	if len(got) != len(want) {
		t.Fatalf("changes %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("change %d: %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestDiffCostMaps(t *testing.T) {
	paths := writeMaps(t, map[string]string{
		"old.json": `{"meta": {"cost-type": {"cost-mode": "numerical", "cost-metric": "routingcost"}}, "cost-map": {"A": {"A": 0, "B": 5}, "B": {"A": 5}}}`,
		"new.json": `{"meta": {"cost-type": {"cost-mode": "ordinal", "cost-metric": "routingcost"}}, "cost-map": {"A": {"A": 0, "B": 6}, "C": {"A": 2}}}`,
	})
	res := runCLI(t, nil, "diff", paths["old.json"], paths["new.json"])
	if res.code != 0 {
		t.Fatalf("exit %d without --exit-code; stderr %q", res.code, res.stderr)
	}
	header, rows := tableRows(t, res.stdout)
	if strings.Join(header, " ") != "CHANGE KIND KEY OLD NEW" {
		t.Errorf("header %v", header)
	}
	want := []string{
		"changed cost-type cost-type numerical routingcost ordinal routingcost",
		"changed cost A -> B 5 6",
		"removed cost B -> A 5 -",
		"added cost C -> A - 2",
	}
	if len(rows) != len(want) {
		t.Fatalf("rows %v, want %v", rows, want)
	}
	for i, w := range want {
		if got := strings.Join(rows[i], " "); got != w {
			t.Errorf("row %d: %q, want %q", i, got, w)
		}
	}
}

func TestDiffURLAndFile(t *testing.T) {
	origin, _ := startManaged(t, "unused")
	resp, err := http.Get(origin + "/networkmap")
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "net.json")
	if err := os.WriteFile(file, body, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"same map", []string{"diff", "--exit-code", origin + "/networkmap", file}, 0, "no differences"},
		{"different kinds", []string{"diff", origin + "/networkmap", origin + "/costmap/num/hopcount"}, 1, "cannot compare a network-map"},
		{"missing resource", []string{"diff", origin + "/nothing", file}, 1, "HTTP 404"},
		{"one argument", []string{"diff", file}, 2, "accepts 2 arg"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := runCLI(t, nil, tc.args...)
			if res.code != tc.code || !strings.Contains(res.stdout+res.stderr, tc.want) {
				t.Errorf("exit %d, stdout %q, stderr %q; want %d and %q", res.code, res.stdout, res.stderr, tc.code, tc.want)
			}
		})
	}
}
