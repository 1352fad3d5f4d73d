package yangschema

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/goalto/goalto/internal/datadir"
)

// TestGeneratedUpToDate runs the generator on the YANG modules and
// compares its output with the committed tables.
func TestGeneratedUpToDate(t *testing.T) {
	specs := datadir.Specs(t, "yang")
	own, err := filepath.Abs(filepath.Join("..", "..", "yang"))
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "schema_gen.go")
	paths := strings.Join([]string{filepath.Join(specs, "goyang-compat"), specs, filepath.Join(specs, "imports"), own}, ",")
	cmd := exec.Command("go", "run", "./gen", "-p", paths, "-o", out)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gen: %v\n%s", err, msg)
	}
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile("schema_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("schema_gen.go differs from the generator's output: run go generate ./internal/yangschema")
	}
}

// find returns the node at a schema path of data node names.
func find(t *testing.T, path string) *Node {
	t.Helper()
	n := Root()
	for _, name := range strings.Split(path, "/") {
		n = n.Child("", name)
		if n == nil {
			t.Fatalf("no node %s in %s", name, path)
		}
	}
	return n
}

func TestRefineDefaults(t *testing.T) {
	tests := []struct {
		name, path, want string
	}{
		{"http", "alto-server/listen/http/tcp-server-parameters/local-bind/local-port", "80"},
		{"https", "alto-server/listen/https/tcp-server-parameters/local-bind/local-port", "443"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := find(t, tc.path)
			if len(n.Default) != 1 || n.Default[0] != tc.want {
				t.Errorf("default = %v, want %s", n.Default, tc.want)
			}
		})
	}
}

func TestIfFeatureKept(t *testing.T) {
	tests := []struct {
		path, feature string
	}{
		{"alto-server", "ietf-alto:alto-server"},
		{"alto-server/cost-type/cost-context", "ietf-alto:performance-metrics"},
		{"alto-server/resource/alto-costmap-params/max-cost-types", "ietf-alto:multi-cost"},
		{"alto-server/resource/alto-cdni-params", "ietf-alto:cdni"},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			n := find(t, tc.path)
			if !strings.Contains(strings.Join(n.IfFeature, " "), tc.feature) {
				t.Errorf("if-feature = %v, want %s", n.IfFeature, tc.feature)
			}
		})
	}
	http := Root().Child("", "alto-server").Child("", "listen").Children[0].Children[0]
	if http.Kind != Case || http.Name != "http" || http.IfFeature[0] != "ietf-alto:http-listen" {
		t.Errorf("case http = %+v, want if-feature ietf-alto:http-listen", http)
	}
	id, ok := IdentityByName("ietf-alto:delay-ow")
	if !ok || len(id.IfFeature) != 1 || id.IfFeature[0] != "ietf-alto:performance-metrics" {
		t.Errorf("identity delay-ow = %+v", id)
	}
}

// TestPatternsCompile checks that Go's regexp package compiles every
// pattern of the schema, so that none is skipped by the validator.
func TestPatternsCompile(t *testing.T) {
	var walk func(n *Node)
	var check func(ty *Type, path string)
	check = func(ty *Type, path string) {
		for _, p := range ty.Patterns {
			if _, err := regexp.Compile("^(?:" + p + ")$"); err != nil {
				t.Errorf("%s: pattern %q: %v", path, p, err)
			}
		}
		for _, u := range ty.Union {
			check(u, path)
		}
	}
	walk = func(n *Node) {
		if n.Type != nil {
			check(n.Type, n.Path())
		}
		for _, c := range n.Children {
			walk(c)
		}
	}
	walk(Root())
}

func TestEval(t *testing.T) {
	f := Features{"m:a": true, "m:b": true}
	tests := []struct {
		expr string
		want bool
	}{
		{"m:a", true},
		{"m:c", false},
		{"m:a and m:b", true},
		{"m:a and not m:b", false},
		{"m:c or m:b", true},
		{"not (m:c or m:a)", false},
	}
	for _, tc := range tests {
		t.Run(tc.expr, func(t *testing.T) {
			got, err := f.Eval(tc.expr)
			if err != nil || got != tc.want {
				t.Errorf("Eval = %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}
