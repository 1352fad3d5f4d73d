package restconf_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/goalto/goalto/internal/restconf"
)

const (
	writerToken = "writer-token-1"
	readerToken = "reader-token-1"
	altoURL     = "/restconf/data/ietf-alto:alto"
	resourceURL = altoURL + "/alto-server/resource="
)

func digest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func operators() []restconf.Operator {
	return []restconf.Operator{
		{Name: "alice", TokenSHA256: digest(writerToken), Role: restconf.RoleWrite},
		{Name: "bob", TokenSHA256: digest(readerToken), Role: restconf.RoleRead},
	}
}

// fixedState is a State with fixed counters.
type fixedState struct{}

func (fixedState) ServerStats() map[string]any {
	return map[string]any{"num-total-req": "7", "num-total-succ": "6", "num-total-fail": "1"}
}

func (fixedState) ResourceStats() map[string]map[string]any {
	return map[string]map[string]any{"net": {"num-res-req": "5"}, "costs": {"num-res-req": "2"}}
}

// errorEntries decodes a RESTCONF error body (RFC 8040, Section 7.1).
func errorEntries(t *testing.T, body string) []map[string]string {
	t.Helper()
	var v struct {
		Errors struct {
			Error []map[string]string `json:"error"`
		} `json:"ietf-restconf:errors"`
	}
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("error body is not RESTCONF JSON: %v\n%s", err, body)
	}
	if len(v.Errors.Error) == 0 {
		t.Fatalf("error body has no entries: %s", body)
	}
	return v.Errors.Error
}

func TestDiscovery(t *testing.T) {
	base := serve(t, restconf.Config{Datastore: newMemStore()})
	c := http.DefaultClient
	tests := []struct {
		name, path, want string
	}{
		{"host-meta", "/.well-known/host-meta", `<Link rel='restconf' href='/restconf'/>`},
		{"api root", "/restconf", `"yang-library-version": "2019-01-04"`},
		{"library version", "/restconf/yang-library-version", `"ietf-restconf:yang-library-version": "2019-01-04"`},
		{"operations", "/restconf/operations", `"ietf-restconf:operations"`},
		{"capabilities", "/restconf/data/ietf-restconf-monitoring:restconf-state", `basic-mode=explicit`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, _, body := do(t, c, "GET", base+tc.path, "", "")
			if status != http.StatusOK {
				t.Fatalf("status %d, body %s", status, body)
			}
			if !strings.Contains(body, tc.want) {
				t.Errorf("body lacks %s:\n%s", tc.want, body)
			}
		})
	}
}

func TestYANGLibrary(t *testing.T) {
	modules := func() []restconf.Module {
		return []restconf.Module{
			{Name: "ietf-alto", Revision: "2026-02-04", Namespace: "urn:ietf:params:xml:ns:yang:ietf-alto", Features: []string{"alto-server", "multi-cost"}},
			{Name: "ietf-inet-types", Revision: "2013-07-15", Namespace: "urn:ietf:params:xml:ns:yang:ietf-inet-types", ImportOnly: true},
		}
	}
	base := serve(t, restconf.Config{Modules: modules})
	status, _, body := do(t, http.DefaultClient, "GET", base+"/restconf/data/ietf-yang-library:yang-library", "", "")
	if status != http.StatusOK {
		t.Fatalf("status %d: %s", status, body)
	}
	var v struct {
		Lib struct {
			ModuleSet []struct {
				Module []struct {
					Name, Revision string
					Feature        []string
				}
				ImportOnly []struct{ Name string } `json:"import-only-module"`
			} `json:"module-set"`
			ContentID string `json:"content-id"`
		} `json:"ietf-yang-library:yang-library"`
	}
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Lib.ModuleSet) != 1 {
		t.Fatalf("module sets: %d, want 1", len(v.Lib.ModuleSet))
	}
	set := v.Lib.ModuleSet[0]
	if len(set.Module) != 1 || set.Module[0].Name != "ietf-alto" || set.Module[0].Revision != "2026-02-04" {
		t.Errorf("implemented modules: %+v", set.Module)
	}
	if got := strings.Join(set.Module[0].Feature, ","); got != "alto-server,multi-cost" {
		t.Errorf("features %q", got)
	}
	if len(set.ImportOnly) != 1 || set.ImportOnly[0].Name != "ietf-inet-types" {
		t.Errorf("import-only modules: %+v", set.ImportOnly)
	}
	if v.Lib.ContentID == "" {
		t.Error("no content-id")
	}
}

func TestGetContent(t *testing.T) {
	base := serve(t, restconf.Config{Datastore: newMemStore("net"), State: fixedState{}})
	tests := []struct {
		name, query   string
		want, wantNot []string
	}{
		{"all", "", []string{`"resource-type"`, `"num-total-req": "7"`, `"costs"`}, nil},
		{"config", "?content=config", []string{`"resource-type"`}, []string{"num-total-req", "num-res-req"}},
		{"nonconfig", "?content=nonconfig", []string{`"num-total-req": "7"`, `"num-res-req": "5"`}, []string{"resource-type"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, hdr, body := do(t, http.DefaultClient, "GET", base+altoURL+tc.query, "", "")
			if status != http.StatusOK {
				t.Fatalf("status %d: %s", status, body)
			}
			if ct := hdr.Get("Content-Type"); ct != restconf.MediaType {
				t.Errorf("Content-Type %q", ct)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("body lacks %s:\n%s", w, body)
				}
			}
			for _, w := range tc.wantNot {
				if strings.Contains(body, w) {
					t.Errorf("body has %s:\n%s", w, body)
				}
			}
		})
	}
}

func TestGetNode(t *testing.T) {
	base := serve(t, restconf.Config{Datastore: newMemStore("net", "a/b"), State: fixedState{}})
	tests := []struct {
		name, path string
		status     int
		want       string
	}{
		{"list entry", resourceURL + "net", 200, `"ietf-alto:resource": [`},
		{"encoded key", resourceURL + "a%2Fb", 200, `"resource-id": "a/b"`},
		{"server stats", altoURL + "/alto-server/ietf-alto-stats:server-level-stats", 200, `"ietf-alto-stats:server-level-stats": {`},
		{"resource stats", resourceURL + "net/ietf-alto-stats:resource-level-stats", 200, `"num-res-req": "5"`},
		{"leaf", resourceURL + "net/resource-type", 200, `"ietf-alto:resource-type": "ietf-alto:network-map"`},
		{"missing entry", resourceURL + "nope", 404, `"error-tag": "invalid-value"`},
		{"unqualified top", "/restconf/data/alto", 400, `must be qualified`},
		{"bad query", altoURL + "?depth=2", 400, `unsupported query parameter depth`},
		{"bad content", altoURL + "?content=some", 400, `invalid content`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			status, _, body := do(t, http.DefaultClient, "GET", base+tc.path, "", "")
			if status != tc.status {
				t.Fatalf("status %d, want %d: %s", status, tc.status, body)
			}
			if !strings.Contains(body, tc.want) {
				t.Errorf("body lacks %s:\n%s", tc.want, body)
			}
			if status >= 400 {
				errorEntries(t, body)
			}
		})
	}
}

func resourceBody(id, typ string) string {
	entry := map[string]any{"resource-id": id}
	if typ != "" {
		entry["resource-type"] = typ
	}
	b, _ := json.Marshal(map[string]any{"ietf-alto:resource": []any{entry}})
	return string(b)
}

func TestChanges(t *testing.T) {
	store := newMemStore("net")
	base := serve(t, restconf.Config{Datastore: store, Operators: operators()})
	c := http.DefaultClient
	steps := []struct {
		name, method, path, body string
		status                   int
		wantTag                  string
	}{
		{"put creates", "PUT", resourceURL + "costs", resourceBody("costs", "ietf-alto:cost-map"), 201, ""},
		{"put replaces", "PUT", resourceURL + "costs", resourceBody("costs", "ietf-alto:cost-map"), 204, ""},
		{"put invalid", "PUT", resourceURL + "bad", resourceBody("bad", ""), 400, "missing-element"},
		{"put key mismatch", "PUT", resourceURL + "x", resourceBody("y", "ietf-alto:ird"), 400, "invalid-value"},
		{"put wrong member", "PUT", resourceURL + "x", `{"ietf-alto:alto":{}}`, 400, "invalid-value"},
		{"put malformed", "PUT", resourceURL + "x", `{"ietf-alto:resource":`, 400, "malformed-message"},
		{"patch merges", "PATCH", resourceURL + "net", `{"ietf-alto:resource":[{"resource-id":"net","description":"core"}]}`, 204, ""},
		{"patch missing", "PATCH", resourceURL + "nope", resourceBody("nope", "ietf-alto:ird"), 409, "data-missing"},
		{"delete", "DELETE", resourceURL + "costs", "", 204, ""},
		{"delete missing", "DELETE", resourceURL + "costs", "", 409, "data-missing"},
		{"post", "POST", altoURL, resourceBody("p", "ietf-alto:ird"), 405, "operation-not-supported"},
		{"put library", "PUT", "/restconf/data/ietf-yang-library:yang-library", `{"ietf-yang-library:yang-library":{}}`, 405, "operation-not-supported"},
		{"put stats", "PUT", altoURL + "/alto-server/ietf-alto-stats:server-level-stats", `{"ietf-alto-stats:server-level-stats":{}}`, 405, "operation-not-supported"},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			status, _, body := do(t, c, st.method, base+st.path, writerToken, st.body)
			if status != st.status {
				t.Fatalf("status %d, want %d: %s", status, st.status, body)
			}
			if st.wantTag == "" {
				return
			}
			if tag := errorEntries(t, body)[0]["error-tag"]; tag != st.wantTag {
				t.Errorf("error-tag %q, want %q", tag, st.wantTag)
			}
		})
	}
	_, _, body := do(t, c, "GET", base+resourceURL+"net", writerToken, "")
	if !strings.Contains(body, `"description": "core"`) {
		t.Errorf("merged description missing:\n%s", body)
	}
	if _, ok := store.resources["costs"]; ok {
		t.Error("deleted resource still in the store")
	}
}

func TestUnsupportedMediaType(t *testing.T) {
	base := serve(t, restconf.Config{Datastore: newMemStore("net"), Operators: operators()})
	req, _ := http.NewRequest("PATCH", base+resourceURL+"net", strings.NewReader(resourceBody("net", "")))
	req.Header.Set("Content-Type", "application/yang-patch+json")
	req.Header.Set("Authorization", "Bearer "+writerToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("status %d, want 415", resp.StatusCode)
	}
}

func TestIfMatch(t *testing.T) {
	base := serve(t, restconf.Config{Datastore: newMemStore("net"), Operators: operators()})
	c := http.DefaultClient
	_, hdr, _ := do(t, c, "GET", base+resourceURL+"net?content=config", writerToken, "")
	tag := hdr.Get("ETag")
	if tag == "" {
		t.Fatal("GET sent no ETag")
	}
	change := `{"ietf-alto:resource":[{"resource-id":"net","description":"v2"}]}`
	for _, tc := range []struct {
		name   string
		status int
	}{{"current tag", 204}, {"stale tag", 412}} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("PATCH", base+resourceURL+"net", strings.NewReader(change))
			req.Header.Set("Content-Type", restconf.MediaType)
			req.Header.Set("Authorization", "Bearer "+writerToken)
			req.Header.Set("If-Match", tag)
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.status {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.status)
			}
		})
	}
}

func TestConcurrentChanges(t *testing.T) {
	store := newMemStore()
	base := serve(t, restconf.Config{Datastore: store, Operators: operators()})
	const n = 24
	var wg sync.WaitGroup
	statuses := make([]int, n)
	for i := range n {
		wg.Go(func() {
			id := fmt.Sprintf("r%d", i)
			statuses[i], _, _ = do(t, http.DefaultClient, "PUT", base+resourceURL+id, writerToken, resourceBody(id, "ietf-alto:network-map"))
		})
	}
	wg.Wait()
	for i, s := range statuses {
		if s != http.StatusCreated {
			t.Errorf("PUT r%d: status %d, want 201", i, s)
		}
	}
	_, _, body := do(t, http.DefaultClient, "GET", base+altoURL, readerToken, "")
	var v struct {
		Alto struct {
			Server struct {
				Resource []map[string]any `json:"resource"`
			} `json:"alto-server"`
		} `json:"ietf-alto:alto"`
	}
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Alto.Server.Resource) != n || store.changes != n {
		t.Errorf("%d resources and %d changes, want %d of each", len(v.Alto.Server.Resource), store.changes, n)
	}
}

func TestAuthorization(t *testing.T) {
	tests := []struct {
		name, token, method string
		ops                 []restconf.Operator
		status              int
	}{
		{"no operators read", "", "GET", nil, 200},
		{"no operators write", "", "PUT", nil, 403},
		{"missing token", "", "GET", operators(), 401},
		{"unknown token", "guess", "GET", operators(), 401},
		{"reader reads", readerToken, "GET", operators(), 200},
		{"reader writes", readerToken, "PUT", operators(), 403},
		{"writer writes", writerToken, "PUT", operators(), 204},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			base := serve(t, restconf.Config{Datastore: newMemStore("net"), Operators: tc.ops})
			body := ""
			if tc.method == "PUT" {
				body = resourceBody("net", "ietf-alto:network-map")
			}
			status, hdr, reply := do(t, http.DefaultClient, tc.method, base+resourceURL+"net", tc.token, body)
			if status != tc.status {
				t.Fatalf("status %d, want %d: %s", status, tc.status, reply)
			}
			if status >= 400 && errorEntries(t, reply)[0]["error-tag"] != "access-denied" {
				t.Errorf("error-tag is not access-denied: %s", reply)
			}
			if status == 401 && !strings.HasPrefix(hdr.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("WWW-Authenticate %q", hdr.Get("WWW-Authenticate"))
			}
		})
	}
}

func TestNoDatastore(t *testing.T) {
	base := serve(t, restconf.Config{State: fixedState{}, Operators: operators()})
	status, _, body := do(t, http.DefaultClient, "GET", base+altoURL, readerToken, "")
	if status != 200 || !strings.Contains(body, `"num-total-req": "7"`) {
		t.Errorf("GET: status %d: %s", status, body)
	}
	status, _, body = do(t, http.DefaultClient, "PUT", base+resourceURL+"x", writerToken, resourceBody("x", "ietf-alto:ird"))
	if status != http.StatusMethodNotAllowed {
		t.Errorf("PUT: status %d, want 405: %s", status, body)
	}
}
