package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/client"
	"github.com/goalto/goalto/internal/alttest"
)

// pathVectorDefinition is the network of RFC 9275, Section 8.3, with an
// IPv6 prefix on PID4 and a PID without a topology node. PID1 reaches
// PID3 over the link n1-n3 and PID4 over n1-n3 and n3-n4.
const pathVectorDefinition = `
network-map:
  resource-id: my-default-networkmap
  pids: group
topology: topology.yaml
groups:
  - {pid: PID1, node: n1, prefixes: [192.0.2.0/28, "2001:db8::1:0/112"]}
  - {pid: PID3, node: n3, prefixes: [192.0.2.32/28]}
  - {pid: PID4, node: n4, prefixes: [192.0.2.48/28, "2001:db8::4:0/112"]}
  - {pid: PID5, prefixes: [192.0.2.64/28]}
resources:
  - {id: my-default-networkmap, type: network-map, path: /networkmap}
  - {id: pv, type: path-vector-cost-map, path: /costmap/pv}
  - {id: pv-ecs, type: path-vector-endpoint-cost, path: /endpointcost/pv}
`

// pathVectorTopology gives the links their capacity in bits per second.
const pathVectorTopology = `
nodes:
  - id: n1
  - id: n3
  - id: n4
links:
  - {from: n1, to: n3, capacity: 1.25e9}
  - {from: n3, to: n4, capacity: 10e9}
`

func startPathVectorServer(t *testing.T) (string, *client.Client) {
	t.Helper()
	dir := t.TempDir()
	for name, text := range map[string]string{"network.yaml": pathVectorDefinition, "topology.yaml": pathVectorTopology} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	url := alttest.Start(t, filepath.Join(dir, "network.yaml"))
	c, err := client.New(url)
	if err != nil {
		t.Fatal(err)
	}
	return url, c
}

// aneItem matches one ANE of a printed path with its properties.
var aneItem = regexp.MustCompile(`(ane-[0-9a-f]+) \(([^)]*)\)`)

// printedPaths maps each "SRC -> DST" of the output to the rest of its
// line.
func printedPaths(t *testing.T, out string) map[string]string {
	t.Helper()
	paths := map[string]string{}
	for line := range strings.Lines(out) {
		pair, path, ok := strings.Cut(strings.TrimSuffix(line, "\n"), ": ")
		if !ok {
			t.Fatalf("line %q has no \": \"", line)
		}
		paths[pair] = path
	}
	return paths
}

// wantPropertyTexts returns the properties that the client decoded for
// each ANE of a path, in the printed form.
func wantPropertyTexts(m *client.PathVectorMap, path []string) []string {
	var out []string
	for _, ane := range path {
		var pairs []string
		props := m.ANEProperties(ane)
		for _, name := range sortedKeys(props) {
			pairs = append(pairs, name+" "+string(props[name]))
		}
		out = append(out, strings.Join(pairs, ", "))
	}
	return out
}

// checkPrintedPath compares a printed path with the client's path of
// the same pair. ANE names differ between responses, so it compares the
// number of ANEs and their properties, position by position.
func checkPrintedPath(t *testing.T, printed string, m *client.PathVectorMap, src, dst string) []string {
	t.Helper()
	matches := aneItem.FindAllStringSubmatch(printed, -1)
	var names, props []string
	for _, match := range matches {
		names = append(names, match[1])
		props = append(props, match[2])
	}
	if want := wantPropertyTexts(m, m.Paths[src][dst]); !slices.Equal(props, want) {
		t.Errorf("%s -> %s: printed %q, want ANEs with the properties %q", src, dst, printed, want)
	}
	return names
}

func TestPathVectorPIDs(t *testing.T) {
	url, c := startPathVectorServer(t)
	out := runOK(t, url, "pathvector", "PID1", "PID3", "PID4", "PID5", "PID1")
	paths := printedPaths(t, out)

	m, err := c.PathVector(context.Background(), "pv", &alto.PVCostMapFilter{
		CostMapFilter:    alto.CostMapFilter{PIDs: &alto.PIDFilter{Srcs: []string{"PID1"}, Dsts: []string{"PID3", "PID4"}}},
		ANEPropertyNames: []string{alto.PropMaxReservableBandwidth},
	})
	if err != nil {
		t.Fatal(err)
	}
	toPID3 := checkPrintedPath(t, paths["PID1 -> PID3"], m, "PID1", "PID3")
	toPID4 := checkPrintedPath(t, paths["PID1 -> PID4"], m, "PID1", "PID4")
	if len(toPID4) != 2 || len(toPID3) != 1 || toPID4[0] != toPID3[0] {
		t.Errorf("PID1 -> PID4 %v should start with the one ANE %v of PID1 -> PID3", toPID4, toPID3)
	}
	if want := "(max-reservable-bandwidth 1250000000)"; !strings.Contains(paths["PID1 -> PID3"], want) {
		t.Errorf("PID1 -> PID3: %q lacks %q, the capacity of link n1-n3", paths["PID1 -> PID3"], want)
	}
	if got := paths["PID1 -> PID5"]; got != "no path" {
		t.Errorf("PID1 -> PID5 = %q, want no path, since PID5 has no node", got)
	}
	if got := paths["PID1 -> PID1"]; got != "(no ANEs)" {
		t.Errorf("PID1 -> PID1 = %q, want (no ANEs)", got)
	}
}

func TestPathVectorEndpointsCommand(t *testing.T) {
	url, c := startPathVectorServer(t)
	out := runOK(t, url, "pathvector", "ipv6:2001:db8:0:0::1:5", "ipv6:2001:db8::4:9", "--property", alto.PropMaxReservableBandwidth)
	paths := printedPaths(t, out)
	printed, ok := paths["ipv6:2001:db8::1:5 -> ipv6:2001:db8::4:9"]
	if !ok {
		t.Fatalf("output %q lacks the pair in canonical form", out)
	}

	m, err := c.PathVectorEndpoints(context.Background(), "", &alto.PVEndpointCostParams{
		EndpointCostParams: alto.EndpointCostParams{Endpoints: alto.EndpointFilter{Srcs: []string{"ipv6:2001:db8::1:5"}, Dsts: []string{"ipv6:2001:db8::4:9"}}},
		ANEPropertyNames:   []string{alto.PropMaxReservableBandwidth},
	})
	if err != nil {
		t.Fatal(err)
	}
	if names := checkPrintedPath(t, printed, m, "ipv6:2001:db8::1:5", "ipv6:2001:db8::4:9"); len(names) != 2 {
		t.Errorf("printed %d ANEs, want 2: %q", len(names), printed)
	}
}

func TestPathVectorJSON(t *testing.T) {
	url, _ := startPathVectorServer(t)
	var doc struct {
		Meta        alto.ResponseMeta                     `json:"meta"`
		Paths       map[string]map[string][]string        `json:"paths"`
		PropertyMap map[string]map[string]json.RawMessage `json:"property-map"`
	}
	if err := json.Unmarshal([]byte(runOK(t, url, "--json", "pathvector", "PID4", "PID1")), &doc); err != nil {
		t.Fatalf("--json output: %v", err)
	}
	path := doc.Paths["PID4"]["PID1"]
	if len(path) != 2 {
		t.Fatalf("PID4 -> PID1 = %v, want 2 ANEs", path)
	}
	for _, ane := range path {
		if _, ok := doc.PropertyMap[".ane:"+ane][alto.PropMaxReservableBandwidth]; !ok {
			t.Errorf("ANE %s lacks %s, which the resource offers by default", ane, alto.PropMaxReservableBandwidth)
		}
	}
	if doc.Meta.VTag == nil || doc.Meta.VTag.ResourceID != "pv.costmap" {
		t.Errorf("meta vtag = %+v, want resource-id pv.costmap", doc.Meta.VTag)
	}
}

func TestPathVectorErrors(t *testing.T) {
	url, _ := startPathVectorServer(t)
	plain, _ := startServer(t)
	tests := []struct {
		name     string
		server   string
		args     []string
		wantCode int
		wantErr  string
	}{
		{"one argument", url, []string{"PID1"}, exitUsage, "requires at least 2 arg"},
		{"PID and address", url, []string{"PID1", "ipv4:192.0.2.33"}, exitUsage, "not both"},
		{"invalid address", url, []string{"ipv4:192.0.2.300", "ipv4:192.0.2.33"}, exitUsage, "invalid endpoint address"},
		{"invalid PID", url, []string{"PID1", "PID 3"}, exitUsage, "invalid PID"},
		{"property not offered", url, []string{"PID1", "PID3", "--property", "persistent-entity-id"}, exitFailure, "E_INVALID_FIELD_VALUE"},
		{"resource of other form", url, []string{"PID1", "PID3", "--resource", "pv-ecs"}, exitFailure, "multipart filtered cost map"},
		{"server without path vectors", plain, []string{"PID1", "PID3"}, exitFailure, "no multipart filtered cost map"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runCLI(t, nil, append([]string{"--server", tt.server, "pathvector"}, tt.args...)...)
			if res.code != tt.wantCode {
				t.Errorf("exit %d, want %d; stderr %q", res.code, tt.wantCode, res.stderr)
			}
			if !strings.Contains(res.stderr, tt.wantErr) {
				t.Errorf("stderr %q lacks %q", res.stderr, tt.wantErr)
			}
			if res.stdout != "" {
				t.Errorf("stdout %q, want nothing", res.stdout)
			}
		})
	}
}
