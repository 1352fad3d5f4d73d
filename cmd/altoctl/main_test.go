package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/client"
	"github.com/goalto/goalto/internal/alttest"
)

// cliResult is the output and exit status of one in-process run.
type cliResult struct {
	stdout, stderr string
	code           int
}

// runCLI runs altoctl with args and an environment that only has env.
func runCLI(t *testing.T, env map[string]string, args ...string) cliResult {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, &stdout, &stderr, func(k string) string { return env[k] })
	return cliResult{stdout: stdout.String(), stderr: stderr.String(), code: code}
}

// runOK runs altoctl against server and fails the test unless it exits 0
// with an empty stderr.
func runOK(t *testing.T, server string, args ...string) string {
	t.Helper()
	res := runCLI(t, nil, append([]string{"--server", server}, args...)...)
	if res.code != 0 || res.stderr != "" {
		t.Fatalf("altoctl %s: exit %d, stderr %q", strings.Join(args, " "), res.code, res.stderr)
	}
	return res.stdout
}

// tableRows splits table output into the header fields and the fields of
// each row.
func tableRows(t *testing.T, out string) ([]string, [][]string) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) == 0 || lines[0] == "" {
		t.Fatalf("no table in output %q", out)
	}
	var rows [][]string
	for _, line := range lines[1:] {
		rows = append(rows, strings.Fields(line))
	}
	return strings.Fields(lines[0]), rows
}

func startServer(t *testing.T) (string, *client.Client) {
	t.Helper()
	url := alttest.Start(t, "")
	c, err := client.New(url)
	if err != nil {
		t.Fatalf("client.New: %v", err)
	}
	return url, c
}

func TestIRDTable(t *testing.T) {
	url, c := startServer(t)
	resources, err := c.Resources(context.Background())
	if err != nil {
		t.Fatalf("Resources: %v", err)
	}
	header, rows := tableRows(t, runOK(t, url, "ird"))
	if !slices.Equal(header[:2], []string{"ID", "MEDIA"}) {
		t.Errorf("header = %v", header)
	}
	if len(rows) != len(resources) {
		t.Fatalf("%d rows, want one per resource (%d)", len(rows), len(resources))
	}
	for i, r := range resources {
		if rows[i][0] != r.ID || rows[i][1] != r.MediaType || rows[i][3] != r.URI {
			t.Errorf("row %d = %v, want ID %s, media type %s, URI %s", i, rows[i], r.ID, r.MediaType, r.URI)
		}
	}
}

func TestServerFromEnvironment(t *testing.T) {
	url, _ := startServer(t)
	res := runCLI(t, map[string]string{serverEnv: url}, "ird")
	if res.code != 0 {
		t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
	}
	if !strings.Contains(res.stdout, url[:strings.LastIndex(url, "/")]) {
		t.Errorf("output does not list URIs of %s:\n%s", url, res.stdout)
	}
}

func TestNetworkMapTable(t *testing.T) {
	url, c := startServer(t)
	m, err := c.NetworkMap(context.Background(), "")
	if err != nil {
		t.Fatalf("NetworkMap: %v", err)
	}
	_, rows := tableRows(t, runOK(t, url, "networkmap"))
	got := make(map[string]map[string][]string)
	for _, row := range rows {
		if got[row[0]] == nil {
			got[row[0]] = make(map[string][]string)
		}
		got[row[0]][row[1]] = row[2:]
	}
	want := make(map[string]map[string][]string)
	for pid, group := range m.NetworkMap {
		want[pid] = make(map[string][]string)
		for typ, prefixes := range group {
			for _, p := range prefixes {
				want[pid][typ] = append(want[pid][typ], p.String())
			}
			slices.Sort(want[pid][typ])
			slices.Sort(got[pid][typ])
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("table = %v, want %v", got, want)
	}
}

func TestNetworkMapJSON(t *testing.T) {
	url, c := startServer(t)
	ctx := context.Background()
	r, err := c.NetworkMapResource(ctx)
	if err != nil {
		t.Fatalf("NetworkMapResource: %v", err)
	}
	resp, err := c.Get(ctx, r)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	out := runOK(t, url, "--json", "networkmap")
	var got, want any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("output is not JSON: %v", err)
	}
	if err := json.Unmarshal(resp.Body, &want); err != nil {
		t.Fatalf("response is not JSON: %v", err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Error("--json output differs from the response body")
	}
	if !strings.HasPrefix(out, "{\n  \"meta\"") {
		t.Errorf("output is not indented with sorted keys: %.40q", out)
	}
	if again := runOK(t, url, "--json", "networkmap"); again != out {
		t.Error("two runs printed different JSON")
	}
}

func TestNetworkMapFilter(t *testing.T) {
	url, c := startServer(t)
	m, err := c.NetworkMap(context.Background(), "")
	if err != nil {
		t.Fatalf("NetworkMap: %v", err)
	}
	var pids []string
	for pid, group := range m.NetworkMap {
		if len(group[alto.AddressTypeIPv4]) > 0 {
			pids = append(pids, pid)
		}
	}
	slices.Sort(pids)
	if len(pids) < 2 {
		t.Fatalf("network map has %d PIDs with IPv4 prefixes, want 2", len(pids))
	}
	pids = pids[:2]

	_, rows := tableRows(t, runOK(t, url, "networkmap", "filter", "--pid", pids[0], "--pid", pids[1], "--address-type", "ipv4"))
	if len(rows) != 2 {
		t.Fatalf("%d rows, want 2: %v", len(rows), rows)
	}
	for i, row := range rows {
		if row[0] != pids[i] || row[1] != alto.AddressTypeIPv4 {
			t.Errorf("row %d = %v, want PID %s with ipv4", i, row, pids[i])
		}
		if got, want := len(row)-2, len(m.NetworkMap[pids[i]][alto.AddressTypeIPv4]); got != want {
			t.Errorf("PID %s: %d prefixes, want %d", pids[i], got, want)
		}
	}
}

func TestCostMapList(t *testing.T) {
	url, c := startServer(t)
	ctx := context.Background()
	tests := []struct {
		name string
		args []string
		ct   alto.CostType
	}{
		{"default cost type", nil, alto.CostType{Mode: alto.CostModeNumerical, Metric: alto.CostMetricRoutingCost}},
		{"metric and mode", []string{"--metric", "hopcount", "--mode", "ordinal"}, alto.CostType{Mode: alto.CostModeOrdinal, Metric: alto.CostMetricHopCount}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := c.CostMapByType(ctx, tt.ct)
			if err != nil {
				t.Fatalf("CostMapByType: %v", err)
			}
			header, rows := tableRows(t, runOK(t, url, append([]string{"costmap", "--list"}, tt.args...)...))
			if !slices.Equal(header, []string{"SRC", "DST", "COST"}) {
				t.Errorf("header = %v", header)
			}
			pairs := 0
			for _, row := range m.CostMap {
				pairs += len(row)
			}
			if len(rows) != pairs {
				t.Errorf("%d rows, want %d pairs", len(rows), pairs)
			}
			for _, row := range rows {
				if want := formatCost(m.CostMap[row[0]][row[1]]); row[2] != want {
					t.Errorf("%s -> %s = %s, want %s", row[0], row[1], row[2], want)
				}
			}
		})
	}
}

func TestCostMapByName(t *testing.T) {
	url, c := startServer(t)
	ctx := context.Background()
	dir, err := c.Directory(ctx)
	if err != nil {
		t.Fatalf("Directory: %v", err)
	}
	for name, ct := range dir.Meta.CostTypes {
		t.Run(name, func(t *testing.T) {
			var want any
			r, err := c.CostMapResource(ctx, ct)
			if err != nil {
				t.Fatalf("CostMapResource: %v", err)
			}
			resp, err := c.Get(ctx, r)
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			if err := json.Unmarshal(resp.Body, &want); err != nil {
				t.Fatalf("response is not JSON: %v", err)
			}
			var got any
			if err := json.Unmarshal([]byte(runOK(t, url, "--json", "costmap", "--cost-type", name)), &got); err != nil {
				t.Fatalf("output is not JSON: %v", err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("costmap --cost-type %s differs from resource %s", name, r.ID)
			}
		})
	}
}

func TestCostMapFilterMatrix(t *testing.T) {
	url, c := startServer(t)
	ctx := context.Background()
	full, err := c.CostMapByType(ctx, alto.CostType{Mode: alto.CostModeNumerical, Metric: alto.CostMetricRoutingCost})
	if err != nil {
		t.Fatalf("CostMapByType: %v", err)
	}
	pids := sortedKeys(full.CostMap)[:3]
	args := []string{"costmap", "filter", "--metric", "routingcost", "--mode", "numerical", "--src", pids[0], "--src", pids[1]}
	for _, pid := range pids {
		args = append(args, "--dst", pid)
	}
	header, rows := tableRows(t, runOK(t, url, args...))
	if !slices.Equal(header, append([]string{`SRC\DST`}, pids...)) {
		t.Errorf("header = %v, want SRC\\DST and %v", header, pids)
	}
	if len(rows) != 2 {
		t.Fatalf("%d rows, want 2", len(rows))
	}
	for i, row := range rows {
		if row[0] != pids[i] {
			t.Errorf("row %d source = %s, want %s", i, row[0], pids[i])
		}
		for j, dst := range pids {
			if want := formatCost(full.CostMap[pids[i]][dst]); row[j+1] != want {
				t.Errorf("%s -> %s = %s, want %s", pids[i], dst, row[j+1], want)
			}
		}
	}
}

func TestCostMapFilterConstraint(t *testing.T) {
	url, c := startServer(t)
	ctx := context.Background()
	full, err := c.CostMapByType(ctx, alto.CostType{Mode: alto.CostModeNumerical, Metric: alto.CostMetricRoutingCost})
	if err != nil {
		t.Fatalf("CostMapByType: %v", err)
	}
	src := sortedKeys(full.CostMap)[0]
	var costs []float64
	for _, cost := range full.CostMap[src] {
		costs = append(costs, cost)
	}
	slices.Sort(costs)
	limit := costs[len(costs)/2]

	_, rows := tableRows(t, runOK(t, url, "costmap", "filter", "--src", src, "--constraint", "le "+formatCost(limit), "--list"))
	want := 0
	for _, cost := range costs {
		if cost <= limit {
			want++
		}
	}
	if len(rows) != want {
		t.Errorf("%d rows, want %d costs at most %v", len(rows), want, limit)
	}
	for _, row := range rows {
		if want := formatCost(full.CostMap[src][row[1]]); row[2] != want {
			t.Errorf("%s -> %s = %s, want %s", src, row[1], row[2], want)
		}
	}
}

func TestEndpointCommands(t *testing.T) {
	url, c := startServer(t)
	ctx := context.Background()
	m, err := c.NetworkMap(ctx, "")
	if err != nil {
		t.Fatalf("NetworkMap: %v", err)
	}
	full, err := c.CostMapByType(ctx, alto.CostType{Mode: alto.CostModeNumerical, Metric: alto.CostMetricRoutingCost})
	if err != nil {
		t.Fatalf("CostMapByType: %v", err)
	}
	// Take the first address of the first IPv4 prefix of two PIDs whose
	// prefix is not covered by a longer prefix of another PID.
	type endpoint struct{ pid, addr string }
	var eps []endpoint
	for _, pid := range sortedKeys(m.NetworkMap) {
		prefixes := m.NetworkMap[pid][alto.AddressTypeIPv4]
		if len(prefixes) == 0 || len(eps) == 2 {
			continue
		}
		addr := prefixes[0].Masked().Addr()
		if longestMatch(m, addr.String()) == pid {
			eps = append(eps, endpoint{pid, "ipv4:" + addr.String()})
		}
	}
	if len(eps) < 2 {
		t.Fatalf("found %d usable endpoints, want 2", len(eps))
	}
	prop := m.Meta.VTag.ResourceID + ".pid"

	t.Run("eps", func(t *testing.T) {
		_, rows := tableRows(t, runOK(t, url, "eps", "--property", prop, "--endpoint", eps[0].addr, "--endpoint", eps[1].addr))
		want := [][]string{{eps[0].addr, prop, eps[0].pid}, {eps[1].addr, prop, eps[1].pid}}
		slices.SortFunc(want, func(x, y []string) int { return strings.Compare(x[0], y[0]) })
		if !slices.EqualFunc(rows, want, slices.Equal) {
			t.Errorf("rows = %v, want %v sorted by endpoint", rows, want)
		}
	})

	t.Run("ecs", func(t *testing.T) {
		header, rows := tableRows(t, runOK(t, url, "ecs", "--metric", "routingcost", "--mode", "numerical", "--src", eps[0].addr, "--dst", eps[1].addr))
		if !slices.Equal(header, []string{`SRC\DST`, eps[1].addr}) {
			t.Errorf("header = %v", header)
		}
		want := []string{eps[0].addr, formatCost(full.CostMap[eps[0].pid][eps[1].pid])}
		if len(rows) != 1 || !slices.Equal(rows[0], want) {
			t.Errorf("rows = %v, want [%v]", rows, want)
		}
	})
}

// longestMatch returns the PID whose longest prefix contains the IPv4
// address text.
func longestMatch(m *alto.NetworkMap, addr string) string {
	best, bits := "", -1
	for pid, group := range m.NetworkMap {
		for _, p := range group[alto.AddressTypeIPv4] {
			if p.Contains(netip.MustParseAddr(addr)) && p.Bits() > bits {
				best, bits = pid, p.Bits()
			}
		}
	}
	return best
}

func TestServerRejection(t *testing.T) {
	url, _ := startServer(t)
	res := runCLI(t, nil, "--server", url, "costmap", "filter", "--metric", "routingcost", "--mode", "foo")
	if res.code != exitFailure {
		t.Errorf("exit %d, want %d", res.code, exitFailure)
	}
	want := `altoctl: server rejected the request: E_INVALID_FIELD_VALUE field "cost-type/cost-mode" value "foo"`
	if !strings.HasPrefix(res.stderr, want) {
		t.Errorf("stderr = %q, want prefix %q", res.stderr, want)
	}
	if !strings.HasSuffix(res.stderr, "(HTTP 400)\n") {
		t.Errorf("stderr = %q, want the HTTP status at the end", res.stderr)
	}
	if res.stdout != "" {
		t.Errorf("stdout = %q, want nothing", res.stdout)
	}
}

func TestUsageErrors(t *testing.T) {
	url, _ := startServer(t)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"unknown flag", []string{"ird", "--bogus"}, "unknown flag: --bogus"},
		{"unknown command", []string{"frob"}, `unknown command "frob"`},
		{"extra argument", []string{"costmap", "extra"}, `unknown command "extra"`},
		{"missing required flag", []string{"eps", "--endpoint", "ipv4:192.0.2.1"}, `"property" not set`},
		{"name and metric", []string{"costmap", "--cost-type", "num-routing", "--metric", "hopcount"}, "--cost-type cannot be combined"},
		{"invalid constraint", []string{"costmap", "filter", "--constraint", "about 10"}, `invalid --constraint "about 10"`},
		{"no endpoints", []string{"ecs"}, "missing endpoints"},
		{"invalid timeout", []string{"--timeout", "soon", "ird"}, `invalid argument "soon"`},
		{"zero timeout", []string{"--timeout", "0s", "ird"}, "invalid --timeout 0s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runCLI(t, nil, append([]string{"--server", url}, tt.args...)...)
			if res.code != exitUsage {
				t.Errorf("exit %d, want %d", res.code, exitUsage)
			}
			if !strings.Contains(res.stderr, tt.want) {
				t.Errorf("stderr = %q, want it to contain %q", res.stderr, tt.want)
			}
			if !strings.Contains(res.stderr, "--help' for usage") {
				t.Errorf("stderr = %q, want a pointer to --help", res.stderr)
			}
			if res.stdout != "" {
				t.Errorf("stdout = %q, want nothing", res.stdout)
			}
		})
	}
}

func TestInvalidServerURL(t *testing.T) {
	res := runCLI(t, nil, "--server", "127.0.0.1:8181/directory", "ird")
	if res.code != exitUsage {
		t.Errorf("exit %d, want %d", res.code, exitUsage)
	}
	if !strings.Contains(res.stderr, "invalid --server") {
		t.Errorf("stderr = %q", res.stderr)
	}
}

func TestUnreachableServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	addr := ln.Addr().String()
	ln.Close()

	res := runCLI(t, nil, "--server", "http://"+addr+"/directory", "ird")
	if res.code != exitFailure {
		t.Errorf("exit %d, want %d", res.code, exitFailure)
	}
	if !strings.HasPrefix(res.stderr, "altoctl: cannot reach the ALTO server") {
		t.Errorf("stderr = %q", res.stderr)
	}
	res = runCLI(t, nil, "stats", "--management", "http://"+addr)
	if res.code != exitFailure || !strings.HasPrefix(res.stderr, "altoctl: cannot reach the management listener (check --management)") {
		t.Errorf("stats: exit %d, stderr = %q", res.code, res.stderr)
	}
}

func TestTimeout(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	t.Cleanup(srv.Close)
	res := runCLI(t, nil, "--server", srv.URL+"/directory", "--timeout", "50ms", "ird")
	if res.code != exitFailure {
		t.Errorf("exit %d, want %d", res.code, exitFailure)
	}
	if !strings.HasPrefix(res.stderr, "altoctl: no response within 50ms") {
		t.Errorf("stderr = %q", res.stderr)
	}
}

func TestResourceNotFound(t *testing.T) {
	url, _ := startServer(t)
	res := runCLI(t, nil, "--server", url, "networkmap", "--resource", "no-such-map")
	if res.code != exitFailure {
		t.Errorf("exit %d, want %d", res.code, exitFailure)
	}
	if !strings.Contains(res.stderr, `resource "no-such-map": not found`) || !strings.Contains(res.stderr, "altoctl ird") {
		t.Errorf("stderr = %q", res.stderr)
	}
}

func TestHelp(t *testing.T) {
	res := runCLI(t, nil, "--help")
	if res.code != 0 {
		t.Errorf("exit %d, want 0", res.code)
	}
	for _, cmd := range []string{"ird", "networkmap", "costmap", "eps", "ecs"} {
		if !strings.Contains(res.stdout, "  "+cmd+" ") {
			t.Errorf("help does not list %s:\n%s", cmd, res.stdout)
		}
	}
}

func TestUnreachableMapURL(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	closed := "http://" + ln.Addr().String() + "/networkmap"
	ln.Close()
	networkMap := strings.TrimSuffix(alttest.Start(t, ""), "/directory") + "/networkmap"

	tests := []struct {
		name string
		args []string
		want string
	}{
		{"lint network map", []string{"lint", "--network-map", closed}, "cannot reach the map URL of --network-map"},
		{"lint cost map", []string{"lint", "--network-map", networkMap, "--cost-map", closed}, "cannot reach the map URL of --cost-map"},
		{"diff old map", []string{"diff", closed, networkMap}, "cannot reach the map URL of argument OLD"},
		{"diff new map", []string{"diff", networkMap, closed}, "cannot reach the map URL of argument NEW"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := runCLI(t, nil, tc.args...)
			if res.code != exitFailure {
				t.Errorf("exit %d, want %d; stderr %q", res.code, exitFailure, res.stderr)
			}
			if !strings.Contains(res.stderr, tc.want) {
				t.Errorf("stderr %q lacks %q", res.stderr, tc.want)
			}
			if strings.Contains(res.stderr, "--server") {
				t.Errorf("stderr %q names --server, which gave no URL", res.stderr)
			}
		})
	}
}

func TestMapNotFoundOneLine(t *testing.T) {
	missing := strings.TrimSuffix(alttest.Start(t, ""), "/directory") + "/no-such-map"
	for _, args := range [][]string{{"lint", "--network-map", missing}, {"diff", missing, missing}} {
		t.Run(args[0], func(t *testing.T) {
			res := runCLI(t, nil, args...)
			if res.code != exitFailure {
				t.Errorf("exit %d, want %d; stderr %q", res.code, exitFailure, res.stderr)
			}
			if !strings.Contains(res.stderr, "HTTP 404") {
				t.Errorf("stderr %q lacks HTTP 404", res.stderr)
			}
			if strings.Count(res.stderr, "\n") != 1 || !strings.HasSuffix(res.stderr, "\n") {
				t.Errorf("stderr %q, want one line", res.stderr)
			}
		})
	}
}
