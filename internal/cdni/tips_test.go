package cdni_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/alttest"
	"github.com/goalto/goalto/internal/daemon"
	"github.com/goalto/goalto/internal/updates"
)

// TestTIPSAdvertisement follows the CDNI Advertisement resource through
// a TIPS view (RFC 9569): the snapshot ug/0/1 equals the GET response,
// and after the reload of Section 3.7.3 that adds a footprint, the
// update ug/1/2 is a JSON patch whose result equals the new GET
// response.
func TestTIPSAdvertisement(t *testing.T) {
	work := t.TempDir()
	copyFiles(t, rfc9241Dir, work)
	def, err := os.ReadFile(filepath.Join(work, "network.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	def = []byte(strings.Replace(string(def), "\nresources:\n", "\nresources:\n  - {id: tips, type: tips, path: /tips, uses: [my-default-cdnifci]}\n", 1))
	if err := os.WriteFile(filepath.Join(work, "network.yaml"), def, 0o644); err != nil {
		t.Fatal(err)
	}
	d := alttest.StartConfig(t, daemon.Config{Definition: filepath.Join(work, "network.yaml")})
	s := serverOf(t, d)

	r := s.do(t, http.MethodPost, "/tips", alto.MediaTypeTIPSParams, `{"resource-id": "my-default-cdnifci"}`, nil)
	if r.status != http.StatusOK {
		t.Fatalf("opening a view: status %d; body %s", r.status, r.body)
	}
	var open struct {
		URI string `json:"tips-view-uri"`
	}
	if err := json.Unmarshal(r.body, &open); err != nil {
		t.Fatalf("view %s: %v", r.body, err)
	}
	view := urlPath(t, open.URI)
	accept := http.Header{"Accept": {alto.MediaTypeCDNI + "," + string(updates.MergePatch) + "," + string(updates.JSONPatch)}}

	first := s.do(t, http.MethodGet, view+"/ug/0/1", "", "", accept)
	if first.status != http.StatusOK || first.mediaType() != alto.MediaTypeCDNI {
		t.Fatalf("ug/0/1: status %d, type %s; body %s", first.status, first.mediaType(), first.body)
	}
	if get := s.do(t, http.MethodGet, "/cdnifci", "", "", nil); !jsonEqual(t, string(first.body), string(get.body)) {
		t.Errorf("ug/0/1 is\n%s\nwhere GET returns\n%s", first.body, get.body)
	}

	copyFiles(t, filepath.Join(streamDir, "filtered", "reload-1"), work)
	if err := d.Reload(); err != nil {
		t.Fatalf("reload: %v", err)
	}
	patch := s.do(t, http.MethodGet, view+"/ug/1/2", "", "", accept)
	if patch.status != http.StatusOK || patch.mediaType() != string(updates.JSONPatch) {
		t.Fatalf("ug/1/2: status %d, type %s, want a JSON patch; body %s", patch.status, patch.mediaType(), patch.body)
	}
	doc, err := updates.Apply(first.body, updates.JSONPatch, patch.body)
	if err != nil {
		t.Fatalf("applying %s: %v", patch.body, err)
	}
	if get := s.do(t, http.MethodGet, "/cdnifci", "", "", nil); !jsonEqual(t, string(doc), string(get.body)) {
		t.Errorf("patched advertisement\n%s\nwhere GET returns\n%s", doc, get.body)
	}
}
