package altoconf

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/goalto/goalto/internal/access"
	"github.com/goalto/goalto/internal/datadir"
	"github.com/goalto/goalto/internal/netdef"
	"github.com/goalto/goalto/internal/snapshot"
)

// writeConfig writes the example configuration into a temporary
// directory beside a link to the Abilene topology, after edit changes
// its text, and returns its path.
func writeConfig(t *testing.T, name string, edit func(string) string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Symlink(datadir.Path(t, "topology-zoo", "Abilene.graphml"), filepath.Join(dir, "Abilene.graphml")); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("testdata/abilene.json")
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	if edit != nil {
		text = edit(text)
	}
	if strings.HasSuffix(name, ".yaml") {
		var v any
		if err := yaml.Unmarshal([]byte(text), &v); err != nil {
			t.Fatal(err)
		}
		out, err := yaml.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		text = string(out)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestLoadExample(t *testing.T) {
	for _, name := range []string{"alto.json", "alto.yaml"} {
		t.Run(name, func(t *testing.T) {
			c, err := Load(writeConfig(t, name, nil))
			if err != nil {
				t.Fatal(err)
			}
			if c.YAML != strings.HasSuffix(name, ".yaml") {
				t.Errorf("YAML = %v", c.YAML)
			}
			if c.Listen != "127.0.0.1:8181" {
				t.Errorf("Listen = %q, want 127.0.0.1:8181", c.Listen)
			}
			d := c.Def
			if d.NetworkMap.ResourceID != "default-network-map" || d.NetworkMap.Rule != netdef.PIDsByGroup || d.NetworkMap.DefaultPID != "default" {
				t.Errorf("network map = %+v", d.NetworkMap)
			}
			if len(d.Groups) != 2 || d.Groups[1].Properties["priv:site"] != "nyc" {
				t.Errorf("groups = %+v", d.Groups)
			}
			want := map[string]string{
				"default-network-map": netdef.TypeNetworkMap, "routing-cost-map": netdef.TypeCostMap,
				"filtered-cost-map": netdef.TypeFilteredCostMap, "endpoint-cost": netdef.TypeEndpointCost,
				"endpoint-property": netdef.TypeEndpointProperty, "update-stream": netdef.TypeUpdateStream,
			}
			if len(d.Resources) != len(want) {
				t.Errorf("%d resources, want %d", len(d.Resources), len(want))
			}
			for _, r := range d.Resources {
				if want[r.ID] != r.Type {
					t.Errorf("resource %s has type %s, want %s", r.ID, r.Type, want[r.ID])
				}
			}
			if ct := d.CostTypes["num-delay"]; ct.Metric != "delay-ow" || ct.Context == nil || ct.Context.Source != "estimation" {
				t.Errorf("cost type num-delay = %+v", ct)
			}
			snap, err := snapshot.Build(d)
			if err != nil {
				t.Fatal(err)
			}
			if snap.Stats.PIDs != 3 {
				t.Errorf("%d PIDs, want 3", snap.Stats.PIDs)
			}
		})
	}
}

func TestIs(t *testing.T) {
	tests := []struct {
		name string
		data string
		want bool
	}{
		{"json config", `{"ietf-alto:alto": {}}`, true},
		{"yaml config", "ietf-alto:alto:\n  alto-server: {}\n", true},
		{"definition", "topology: a.graphml\n", false},
		{"not yaml", "{", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Is([]byte(tc.data)); got != tc.want {
				t.Errorf("Is = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestAccessMapping(t *testing.T) {
	hash := "sha256:" + strings.Repeat("ab", 32)
	path := writeConfig(t, "alto.json", func(s string) string {
		s = strings.Replace(s, `"cost-type": [`, `"auth-client": [
		  {"client-id": "partner", "goalto-alto:bearer-auth-client": {"token-hash": "`+hash+`"}},
		  {"client-id": "ignored"}],
		"role": [{"role-name": "partners", "client": ["partner", "ignored"]}],
		"goalto-alto:auth-realm": "example",
		"cost-type": [`, 1)
		return strings.Replace(s, `"resource-type": "cost-map",`, `"resource-type": "cost-map", "accepted-role": ["partners"],`, 1)
	})
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	acc := c.Def.Access
	if acc.Realm != "example" {
		t.Errorf("realm = %q, want example", acc.Realm)
	}
	if len(acc.Clients) != 1 || acc.Clients[0].ID != "partner" || acc.Clients[0].Method != "bearer" || acc.Clients[0].TokenHash != hash {
		t.Errorf("clients = %+v, want only partner with its token hash", acc.Clients)
	}
	if len(acc.Roles) != 1 || len(acc.Roles[0].Clients) != 1 || acc.Roles[0].Clients[0] != "partner" {
		t.Errorf("roles = %+v, want partners with partner only", acc.Roles)
	}
	for _, r := range c.Def.Resources {
		want := r.ID == "routing-cost-map"
		if got := len(r.AcceptedRoles) == 1 && r.AcceptedRoles[0] == "partners"; got != want {
			t.Errorf("resource %s accepted roles = %v", r.ID, r.AcceptedRoles)
		}
	}
}

func TestDigestMapping(t *testing.T) {
	sha, md := strings.Repeat("ab", 32), strings.Repeat("cd", 16)
	path := writeConfig(t, "alto.json", func(s string) string {
		return strings.Replace(s, `"cost-type": [`, `"auth-client": [
		  {"client-id": "dave", "goalto-alto:digest-auth-client": {"ha1-sha256": "`+sha+`", "ha1-md5": "`+md+`"}}],
		"goalto-alto:digest-auth": {"nonce-lifetime": 60, "allow-plain-http": true, "userhash": true, "algorithm": ["MD5", "SHA-256"]},
		"cost-type": [`, 1)
	})
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	acc := c.Def.Access
	want := access.Client{ID: "dave", Method: access.MethodDigest, HA1SHA256: sha, HA1MD5: md}
	if len(acc.Clients) != 1 || acc.Clients[0] != want {
		t.Errorf("clients = %+v, want %+v", acc.Clients, want)
	}
	wantDigest := access.DigestConfig{NonceLifetime: 60, AllowPlainHTTP: true, Userhash: true, Algorithms: []string{"MD5", "SHA-256"}}
	if !reflect.DeepEqual(acc.Digest, wantDigest) {
		t.Errorf("digest = %+v, want %+v", acc.Digest, wantDigest)
	}
}

func TestAllowPlainHTTPMapping(t *testing.T) {
	hash := "sha256:" + strings.Repeat("ab", 32)
	tests := []struct {
		name string
		leaf string
		want bool
	}{
		{"absent", "", false},
		{"true", `"goalto-alto:allow-plain-http": true,`, true},
		{"false", `"goalto-alto:allow-plain-http": false,`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := writeConfig(t, "alto.json", func(s string) string {
				return strings.Replace(s, `"cost-type": [`, `"auth-client": [
		  {"client-id": "partner", "goalto-alto:bearer-auth-client": {"token-hash": "`+hash+`"}}],
		`+tc.leaf+`
		"cost-type": [`, 1)
			})
			c, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Def.Access.AllowPlainHTTP; got != tc.want {
				t.Errorf("access.allow-plain-http = %v, want %v", got, tc.want)
			}
			if c.Def.Access.Digest.AllowPlainHTTP {
				t.Error("digest.allow-plain-http is set, want it left to the deprecated digest-auth leaf")
			}
		})
	}
}

// TestDocExample checks that the example of docs/configuration.md is the
// test configuration, which the datastore tests serve, and that it names
// the topology file the page tells the reader to fetch.
func TestDocExample(t *testing.T) {
	doc, err := os.ReadFile("../../docs/configuration.md")
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(doc), "## Example")
	if !ok {
		t.Fatal("docs/configuration.md has no Example section")
	}
	_, block, ok := strings.Cut(after, "```json\n")
	if !ok {
		t.Fatal("the Example section has no JSON block")
	}
	block, _, _ = strings.Cut(block, "```")
	want, err := os.ReadFile("testdata/abilene.json")
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(block) != strings.TrimSpace(string(want)) {
		t.Error("the example in docs/configuration.md differs from testdata/abilene.json")
	}
	if !strings.Contains(block, `"path": "Abilene.graphml"`) || !strings.Contains(after, "graphml/Abilene.graphml") {
		t.Error("the example does not say where Abilene.graphml comes from")
	}
}
