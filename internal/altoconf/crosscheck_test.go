package altoconf

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goalto/goalto/internal/datadir"
)

// yangDir returns the folder of the YANG modules and the project's own
// module folder.
func yangDir(t *testing.T) (specs, own string) {
	t.Helper()
	return datadir.Specs(t, "yang"), filepath.Join("..", "..", "yang")
}

func TestFullExample(t *testing.T) {
	specs, _ := yangDir(t)
	_, err := Load(filepath.Join(specs, "examples", "full-model-usage.json"))
	es := AsErrors(err)
	if es == nil {
		t.Fatalf("Load = %v, want errors", err)
	}
	// Each part of the example that needs a module or feature altod
	// lacks, with the line where it is written.
	want := []struct {
		rule, path string
		line       int
	}{
		{RuleFeature, "/listen/https/http-server-parameters/client-authentication", 16},
		{RuleFeature, "/listen/https/tls-server-parameters/server-identity/raw-private-key", 34},
		{RuleModule, "/server-discovery/example-alto-server-discovery:irr-params", 44},
		{RuleFeature, "/auth-client[client-id='alice']/https-auth-client", 51},
		{RuleModule, "/auth-client[client-id='bob']/example-alto-auth:oauth2", 57},
		{RuleModule, "/data-source[source-id='test-yang-ds']/source-type", 74},
		{RuleModule, "/data-source[source-id='test-yang-ds']/source-params/example-alto-data-source:yang-datastore-source-params", 76},
		{RuleModule, "/resource[resource-id='default-network-map']/alto-networkmap-params/example-alto-alg:l3-unicast-cluster-algorithm", 148},
	}
	for _, w := range want {
		found := false
		for _, e := range es {
			if e.Rule == w.rule && strings.HasSuffix(e.Path, w.path) && e.Line == w.line {
				found = true
			}
		}
		if !found {
			t.Errorf("no %s error at %s line %d in:\n%v", w.rule, w.path, w.line, err)
		}
	}
}

// yanglint validates a configuration with yanglint (libyang), with the
// features altod supports, and reports whether it accepts it.
func yanglint(t *testing.T, file string) (bool, string) {
	t.Helper()
	bin, err := exec.LookPath("yanglint")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("yanglint not found: install libyang2-tools")
		}
		t.Skip("yanglint not found")
	}
	specs, own := yangDir(t)
	var feats []string
	for f := range Supported {
		feats = append(feats, strings.TrimPrefix(f, "ietf-alto:"))
	}
	cmd := exec.Command(bin, "-i", "-t", "config",
		"-p", specs, "-p", filepath.Join(specs, "imports"), "-p", own,
		"-F", "ietf-alto:"+strings.Join(feats, ","),
		filepath.Join(specs, "ietf-alto@2026-02-04.yang"),
		filepath.Join(specs, "ietf-alto-stats@2026-02-04.yang"),
		filepath.Join(own, "goalto-alto@2026-12-04.yang"), file)
	out, err := cmd.CombinedOutput()
	return err == nil, string(out)
}

// TestYanglintAgrees checks the example and its invalid edits with
// yanglint too: what the YANG modules accept, it accepts, and what they
// reject, it rejects. Edits that break only a check altod adds in code
// are left out.
func TestYanglintAgrees(t *testing.T) {
	path := writeConfig(t, "alto.json", nil)
	if ok, out := yanglint(t, path); !ok {
		t.Fatalf("yanglint rejects the example:\n%s", out)
	}
	for _, tc := range rejectCases {
		if tc.rule == RuleSupported || tc.rule == RuleSyntax || tc.rule == RuleModule {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			p := writeConfig(t, "alto.json", func(s string) string { return strings.Replace(s, tc.old, tc.new, 1) })
			if ok, _ := yanglint(t, p); ok {
				t.Errorf("yanglint accepts what altod rejects as %s", tc.rule)
			}
		})
	}
}
