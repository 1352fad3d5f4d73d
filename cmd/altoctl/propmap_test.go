package main

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/client"
	"github.com/goalto/goalto/internal/alttest"
)

// propMapDefinition has a GET and a filtered property map over prefixes
// with an inherited value and a null that hides it.
const propMapDefinition = `
groups:
  - {pid: campus, prefixes: [192.0.2.0/24]}
properties:
  - {prefix: 192.0.2.0/24, values: {"priv:site": campus}}
  - {prefix: 192.0.2.128/25, values: {"priv:site": null}}
resources:
  - {id: default-network-map, type: network-map, path: /networkmap}
  - {id: sites, type: property-map, path: /propmap, entity-domains: [ipv4], properties: ["priv:site"]}
  - {id: lookup, type: filtered-property-map, path: /propmap/lookup, entity-domains: [ipv4], properties: ["priv:site", default-network-map.pid]}
`

func startPropMapServer(t *testing.T) (string, *client.Client) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "net.yaml")
	if err := os.WriteFile(path, []byte(propMapDefinition), 0o644); err != nil {
		t.Fatal(err)
	}
	url := alttest.Start(t, path)
	c, err := client.New(url)
	if err != nil {
		t.Fatal(err)
	}
	return url, c
}

func TestPropMapTable(t *testing.T) {
	url, _ := startPropMapServer(t)
	header, rows := tableRows(t, runOK(t, url, "propmap"))
	if !slices.Equal(header, []string{"ENTITY", "PROPERTY", "VALUE"}) {
		t.Fatalf("header = %v", header)
	}
	want := []string{"ipv4:192.0.2.0/24", "priv:site", "campus"}
	if !slices.ContainsFunc(rows, func(r []string) bool { return slices.Equal(r, want) }) {
		t.Errorf("rows %v lack %v", rows, want)
	}
}

func TestPropMapFilteredInheritance(t *testing.T) {
	url, c := startPropMapServer(t)
	out := runOK(t, url, "propmap", "--entity", "ipv4:192.0.2.7", "--entity", "ipv4:192.0.2.200", "--property", "priv:site")
	_, rows := tableRows(t, out)
	got := map[string]string{}
	for _, r := range rows {
		got[r[0]] = r[2]
	}
	if got["ipv4:192.0.2.7"] != "campus" {
		t.Errorf("ipv4:192.0.2.7 = %q, want campus inherited from the /24", got["ipv4:192.0.2.7"])
	}
	if v := got["ipv4:192.0.2.200"]; v != "null" {
		t.Errorf("ipv4:192.0.2.200 = %q, want null from the /25, which stops inheritance", v)
	}

	m, err := c.FilteredPropertyMap(context.Background(), "", &alto.PropertyMapParams{
		Entities: []string{"ipv4:192.0.2.7"}, Properties: []string{"default-network-map.pid"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if v := string(m.PropertyMap["ipv4:192.0.2.7"]["default-network-map.pid"]); v != `"campus"` {
		t.Errorf("client: PID of 192.0.2.7 = %s, want \"campus\"", v)
	}
	full, err := c.PropertyMap(context.Background(), "sites")
	if err != nil {
		t.Fatal(err)
	}
	if len(full.PropertyMap) == 0 {
		t.Error("client: the full property map is empty")
	}
}

func TestPropMapNotOffered(t *testing.T) {
	url, _ := startServer(t)
	res := runCLI(t, nil, "--server", url, "propmap")
	if res.code != exitFailure {
		t.Errorf("propmap against a server without property maps exited %d, want %d; stderr %q", res.code, exitFailure, res.stderr)
	}
}

func TestPropMapFilteredWithoutEntities(t *testing.T) {
	url, _ := startPropMapServer(t)
	res := runCLI(t, nil, "--server", url, "propmap", "--resource", "lookup")
	if res.code != exitUsage {
		t.Errorf("exit status %d, want %d; stderr %q", res.code, exitUsage, res.stderr)
	}
	if !strings.Contains(res.stderr, "--entity") {
		t.Errorf("stderr %q does not name --entity", res.stderr)
	}
}

func TestPropMapNoEntriesMatched(t *testing.T) {
	url, _ := startPropMapServer(t)
	out := runOK(t, url, "propmap", "--entity", "ipv4:198.51.100.7", "--property", "priv:site")
	if !strings.Contains(out, "no entries matched\n") {
		t.Errorf("output %q lacks the no entries line", out)
	}
}
