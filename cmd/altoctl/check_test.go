package main

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/goalto/goalto/internal/alttest"
	"github.com/goalto/goalto/internal/conformance"
	"github.com/goalto/goalto/internal/daemon"
	"github.com/goalto/goalto/internal/testcert"
	"github.com/goalto/goalto/internal/transport"
)

// checkReport runs altoctl check with args and decodes its --json
// report.
func checkReport(t *testing.T, args ...string) (*conformance.Report, cliResult) {
	t.Helper()
	res := runCLI(t, nil, append([]string{"--json", "check"}, args...)...)
	var r conformance.Report
	if err := json.Unmarshal([]byte(res.stdout), &r); err != nil {
		t.Fatalf("altoctl check %s: output is not a JSON report: %v\nstdout: %.300s\nstderr: %s", strings.Join(args, " "), err, res.stdout, res.stderr)
	}
	return &r, res
}

// wantStatuses checks that every check has the status that want gives
// for its ID, and reports the reason of every other.
func wantStatuses(t *testing.T, r *conformance.Report, want func(id string) conformance.Status) {
	t.Helper()
	if len(r.Results) != len(conformance.Checks()) {
		t.Errorf("%d results, want one per check (%d)", len(r.Results), len(conformance.Checks()))
	}
	for _, res := range r.Results {
		if w := want(res.ID); res.Status != w {
			t.Errorf("%s: %s (%s), want %s", res.ID, res.Status, res.Reason, w)
		}
	}
}

// passExcept returns a status function: skip for the listed IDs and
// ID prefixes ending in a dot, pass for every other check.
func passExcept(skipped ...string) func(id string) conformance.Status {
	return func(id string) conformance.Status {
		for _, s := range skipped {
			if id == s || strings.HasSuffix(s, ".") && strings.HasPrefix(id, s) {
				return conformance.Skip
			}
		}
		return conformance.Pass
	}
}

func TestCheckBuiltInNetwork(t *testing.T) {
	url := alttest.Start(t, "")
	r, res := checkReport(t, url)
	if res.code != 0 {
		t.Errorf("exit %d, want 0; stderr %q", res.code, res.stderr)
	}
	// The built-in network has no secondary directory and no version
	// below start-seq, altod serves no HTTP/3 without TLS, and nothing
	// changes it without a trigger.
	wantStatuses(t, r, passExcept("ird.secondary", "tips.below-start", "http.h3", "sse.patches", "tips.updates"))
	if r.Server != url {
		t.Errorf("server %q, want %q", r.Server, url)
	}
}

func TestCheckTable(t *testing.T) {
	url := alttest.Start(t, "")
	out := runOK(t, url, "check")
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if got := strings.Fields(lines[0]); !slices.Equal(got, []string{"ID", "SECTION", "RESULT", "REASON"}) {
		t.Errorf("header %v", got)
	}
	if n := len(lines) - 2; n != len(conformance.Checks()) {
		t.Errorf("%d rows, want %d", n, len(conformance.Checks()))
	}
	if !strings.Contains(out, "\nnm.vtag  ") || !strings.Contains(out, "RFC 7285, Section 10.3") {
		t.Errorf("no nm.vtag row with its section:\n%s", out)
	}
	// Five checks skip on the built-in network, as TestCheckBuiltInNetwork
	// shows.
	want := fmt.Sprintf("%d passed, 0 failed, 5 skipped", len(conformance.Checks())-5)
	if last := lines[len(lines)-1]; last != want {
		t.Errorf("last line %q, want %q", last, want)
	}
}

func TestCheckRFC7285Network(t *testing.T) {
	url := alttest.Start(t, "../../internal/server/testdata/rfc7285/network.yaml")
	r, res := checkReport(t, url)
	if res.code != 0 {
		t.Errorf("exit %d, want 0; stderr %q", res.code, res.stderr)
	}
	// The example network has a secondary directory and neither update
	// streams nor TIPS.
	wantStatuses(t, r, passExcept("sse.", "tips.", "http.h3"))
}

func TestCheckTLSWithHTTP3(t *testing.T) {
	cert := testcert.New(t, "altod")
	d := alttest.StartConfig(t, daemon.Config{Transport: transport.Config{
		CertFile:  cert.CertFile,
		KeyFile:   cert.KeyFile,
		Protocols: []transport.Protocol{transport.HTTP1, transport.HTTP2, transport.HTTP3},
	}})
	r, res := checkReport(t, "--cacert", cert.CertFile, d.IRDURL())
	if res.code != 0 {
		t.Errorf("exit %d, want 0; stderr %q", res.code, res.stderr)
	}
	wantStatuses(t, r, passExcept("ird.secondary", "tips.below-start", "sse.patches", "tips.updates"))
	if got := r.Survey()[len(conformance.SurveyColumns)-1]; got != "h1, h2, h3" {
		t.Errorf("HTTP versions %q, want h1, h2, h3", got)
	}
}

func TestCheckUntrustedCertificate(t *testing.T) {
	cert := testcert.New(t, "altod")
	d := alttest.StartConfig(t, daemon.Config{Transport: transport.Config{CertFile: cert.CertFile, KeyFile: cert.KeyFile}})
	r, res := checkReport(t, d.IRDURL())
	if res.code != exitFailure {
		t.Errorf("exit %d, want %d", res.code, exitFailure)
	}
	got, _ := r.Result("ird.media-type")
	if got.Status != conformance.Fail || !strings.Contains(got.Reason, "certificate") {
		t.Errorf("ird.media-type: %s (%s), want a failure that names the certificate", got.Status, got.Reason)
	}
}

// Two versions of a topology that the trigger of TestCheckTrigger
// switches between: the second moves a prefix and changes a link
// metric, so the network map and every cost map change.
const (
	triggerDefinition = `network-map:
  resource-id: trigger-network-map
  pids: node
  default-pid: default
  default-node: a
topology: topology.yaml
`
	triggerTopologyA = `nodes:
  - {id: a, prefixes: [192.0.2.0/25]}
  - {id: b, prefixes: [192.0.2.128/25, "2001:db8::/48"]}
  - {id: c, prefixes: [198.51.100.0/24]}
links:
  - {from: a, to: b, metric: 3}
  - {from: b, to: c, metric: 4}
`
	triggerTopologyB = `nodes:
  - {id: a, prefixes: [192.0.2.0/25, 198.51.100.128/25]}
  - {id: b, prefixes: [192.0.2.128/25, "2001:db8::/48"]}
  - {id: c, prefixes: [198.51.100.0/25]}
links:
  - {from: a, to: b, metric: 6}
  - {from: b, to: c, metric: 4}
`
)

// startTriggerServer serves a definition whose topology file the
// returned shell command switches between two versions; the daemon
// notices the change within its reload interval.
func startTriggerServer(t *testing.T) (url, trigger string) {
	t.Helper()
	dir := t.TempDir()
	for name, content := range map[string]string{
		"definition.yaml": triggerDefinition,
		"topology.yaml":   triggerTopologyA,
		"a.yaml":          triggerTopologyA,
		"b.yaml":          triggerTopologyB,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	d := alttest.StartConfig(t, daemon.Config{Definition: filepath.Join(dir, "definition.yaml"), ReloadInterval: 20 * time.Millisecond})
	trigger = `cd '` + dir + `' && if [ -e on-b ]; then cp a.yaml next.tmp && rm on-b; else cp b.yaml next.tmp && touch on-b; fi && mv next.tmp topology.yaml`
	return d.IRDURL(), trigger
}

func TestCheckTrigger(t *testing.T) {
	url, trigger := startTriggerServer(t)
	r, res := checkReport(t, "--trigger", trigger, "--update-timeout", "20s", url)
	if res.code != 0 {
		t.Errorf("exit %d, want 0; stderr %q", res.code, res.stderr)
	}
	wantStatuses(t, r, passExcept("ird.secondary", "tips.below-start", "http.h3"))
}

func TestCheckTriggerFails(t *testing.T) {
	url, _ := startTriggerServer(t)
	r, res := checkReport(t, "--trigger", "exit 3", "--only", "sse.patches,tips.updates", url)
	if res.code != exitFailure {
		t.Errorf("exit %d, want %d", res.code, exitFailure)
	}
	for _, id := range []string{"sse.patches", "tips.updates"} {
		got, ok := r.Result(id)
		if !ok || got.Status != conformance.Fail || !strings.Contains(got.Reason, "trigger failed") {
			t.Errorf("%s: %s (%s), want a failure of the trigger", id, got.Status, got.Reason)
		}
	}
	if len(r.Results) != 2 {
		t.Errorf("%d results, want the 2 that --only selects", len(r.Results))
	}
}

// startBrokenServer serves altod's handler with the Allow header
// removed from every 405 response, which fails every method check.
func startBrokenServer(t *testing.T) string {
	t.Helper()
	d := alttest.StartConfig(t, daemon.Config{})
	h := d.Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(noAllowWriter{w}, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/directory"
}

// noAllowWriter drops the Allow header of a 405 response.
type noAllowWriter struct{ http.ResponseWriter }

func (w noAllowWriter) WriteHeader(code int) {
	if code == http.StatusMethodNotAllowed {
		w.Header().Del("Allow")
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w noAllowWriter) Flush() { http.NewResponseController(w.ResponseWriter).Flush() }

func (w noAllowWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// junitDoc is the part of a JUnit XML report that CI systems read.
type junitDoc struct {
	XMLName  xml.Name `xml:"testsuites"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Skipped  int      `xml:"skipped,attr"`
	Suites   []struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Skipped  int `xml:"skipped,attr"`
		Cases    []struct {
			Name      string `xml:"name,attr"`
			ClassName string `xml:"classname,attr"`
			Failure   *struct {
				Message string `xml:"message,attr"`
				Type    string `xml:"type,attr"`
			} `xml:"failure"`
			Skipped *struct {
				Message string `xml:"message,attr"`
			} `xml:"skipped"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func TestCheckJUnit(t *testing.T) {
	url := startBrokenServer(t)
	file := filepath.Join(t.TempDir(), "conformance.xml")
	r, res := checkReport(t, "--junit", file, url)
	if res.code != exitFailure {
		t.Errorf("exit %d, want %d", res.code, exitFailure)
	}
	passed, failed, skipped := r.Counts()
	if !strings.Contains(res.stderr, "checks failed") {
		t.Errorf("stderr %q does not say that checks failed", res.stderr)
	}

	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var doc junitDoc
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("JUnit XML does not parse: %v", err)
	}
	if doc.Tests != passed+failed+skipped || doc.Failures != failed || doc.Skipped != skipped {
		t.Errorf("testsuites counts %d tests, %d failures, %d skipped; want %d, %d, %d", doc.Tests, doc.Failures, doc.Skipped, passed+failed+skipped, failed, skipped)
	}
	if len(doc.Suites) != 1 {
		t.Fatalf("%d test suites, want 1", len(doc.Suites))
	}

	suite := doc.Suites[0]
	if suite.Tests != doc.Tests || suite.Failures != failed || suite.Skipped != skipped || len(suite.Cases) != len(r.Results) {
		t.Errorf("testsuite counts %d tests, %d failures, %d skipped, %d cases", suite.Tests, suite.Failures, suite.Skipped, len(suite.Cases))
	}

	var failures, skips int
	for i, c := range suite.Cases {
		want := r.Results[i]
		if c.Name != want.ID || c.ClassName != "conformance."+string(want.Feature) {
			t.Errorf("case %d is %s/%s, want %s", i, c.ClassName, c.Name, want.ID)
		}
		if c.Failure != nil {
			failures++
			if c.Failure.Message != want.Reason || c.Failure.Type != want.Section {
				t.Errorf("%s: failure %q of type %q, want the reason and section", c.Name, c.Failure.Message, c.Failure.Type)
			}
		}
		if c.Skipped != nil {
			skips++
		}
	}
	if failures != failed || skips != skipped {
		t.Errorf("%d failure and %d skipped elements, want %d and %d", failures, skips, failed, skipped)
	}

	// The broken server fails exactly the method checks.
	for _, res := range r.Results {
		if isMethod := strings.HasSuffix(res.ID, ".method"); isMethod != (res.Status == conformance.Fail) {
			t.Errorf("%s: %s (%s)", res.ID, res.Status, res.Reason)
		}
	}
}

func TestCheckJUnitOnStdout(t *testing.T) {
	url := alttest.Start(t, "")
	res := runCLI(t, nil, "check", "--junit", "-", "--only", "nm.", url)
	if res.code != 0 {
		t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
	}
	var doc junitDoc
	if err := xml.Unmarshal([]byte(res.stdout), &doc); err != nil {
		t.Fatalf("stdout is not JUnit XML: %v\n%s", err, res.stdout)
	}
	if doc.Tests != 7 || doc.Failures != 0 {
		t.Errorf("%d tests, %d failures; want the 7 nm checks passing", doc.Tests, doc.Failures)
	}
}

// TestSurvey checks the row of altoctl survey. The columns of
// extensions that no check covers depend on what the definition
// advertises, so only the checked columns and the HTTP versions are
// compared; the extension columns must read no or advertised, not
// checked.
func TestSurvey(t *testing.T) {
	tests := []struct {
		name string
		url  func(t *testing.T) string
		want map[string]string
	}{
		{
			"built-in network",
			func(t *testing.T) string { return alttest.Start(t, "") },
			map[string]string{"NM": "yes", "CM": "yes", "ECS": "yes", "EPS": "yes", "SSE": "yes", "TIPS": "yes", "HTTP versions": "h1, h2"},
		},
		{
			"RFC 7285 network",
			func(t *testing.T) string {
				return alttest.Start(t, "../../internal/server/testdata/rfc7285/network.yaml")
			},
			map[string]string{"NM": "yes", "CM": "yes", "ECS": "yes", "EPS": "yes", "SSE": "no", "TIPS": "no", "HTTP versions": "h1, h2"},
		},
		{
			// Every method check fails: two under NM (nm, fnm), two under
			// CM (cm, fcm) and one under each other service.
			"405 without Allow",
			startBrokenServer,
			map[string]string{
				"NM": "partial (2 failures)", "CM": "partial (2 failures)", "ECS": "partial (1 failure)", "EPS": "partial (1 failure)",
				"SSE": "partial (1 failure)", "TIPS": "partial (1 failure)", "HTTP versions": "h1",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runCLI(t, nil, "survey", "--name", "goalto", tt.url(t))
			if res.code != 0 {
				t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
			}
			lines := strings.Split(res.stdout, "\n")
			header := "| Implementation | NM | CM | ECS | EPS | MC | CC | SSE | UP | PV | PM | CDNI | TIPS | HTTP versions |"
			if lines[0] != header {
				t.Fatalf("header %q, want %q", lines[0], header)
			}
			if len(lines) < 3 {
				t.Fatalf("no row in %q", res.stdout)
			}
			cells := strings.Split(strings.Trim(lines[2], "| "), " | ")
			if len(cells) != len(conformance.SurveyColumns)+1 || cells[0] != "goalto" {
				t.Fatalf("row %q, want goalto and one cell per column", lines[2])
			}
			for i, col := range conformance.SurveyColumns {
				got := cells[i+1]
				want, checked := tt.want[col]
				switch {
				case checked && got != want:
					t.Errorf("column %s is %q, want %q", col, got, want)
				case !checked && got != "no" && got != "advertised, not checked":
					t.Errorf("extension column %s is %q", col, got)
				}
			}
		})
	}
}

func TestCheckUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"relative URL", []string{"check", "/directory"}, "invalid IRD URL"},
		{"unknown check", []string{"check", "--only", "nm.nothing", "http://127.0.0.1:1/directory"}, "no check matches"},
		{"missing CA file", []string{"check", "--cacert", "/nonexistent/ca.pem", "https://127.0.0.1:1/directory"}, "invalid --cacert"},
		{"two URLs", []string{"survey", "http://127.0.0.1:1/a", "http://127.0.0.1:1/b"}, "accepts at most 1 arg"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runCLI(t, nil, tt.args...)
			if res.code != exitUsage {
				t.Errorf("exit %d, want %d", res.code, exitUsage)
			}
			if !strings.Contains(res.stderr, tt.want) {
				t.Errorf("stderr %q does not contain %q", res.stderr, tt.want)
			}
		})
	}
}
