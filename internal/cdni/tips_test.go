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
	work := tipsDefinition(t, "[my-default-cdnifci]")
	d := alttest.StartConfig(t, daemon.Config{Definition: filepath.Join(work, "network.yaml")})
	s := serverOf(t, d)
	view := openView(t, s, `{"resource-id": "my-default-cdnifci"}`)
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

// TestTIPSFilteredAdvertisement follows the filtered CDNI Advertisement
// of RFC 9241, Section 5.7.2 through a TIPS view opened with the filter
// as input (RFC 9569, Section 6.1). The snapshot equals the POST
// response, and a long poll for the next version returns, after the
// reload that adds a footprint, a JSON patch to the new response.
func TestTIPSFilteredAdvertisement(t *testing.T) {
	work := tipsDefinition(t, "[my-default-cdnifci, my-filtered-cdnifci]")
	d := alttest.StartConfig(t, daemon.Config{Definition: filepath.Join(work, "network.yaml")})
	s := serverOf(t, d)
	filter := `{"cdni-capabilities": [{"capability-type": "FCI.DeliveryProtocol", "capability-value": {"delivery-protocols": ["https/1.1"]}}]}`

	view := openView(t, s, `{"resource-id": "my-filtered-cdnifci", "input": `+filter+`}`)
	if again := openView(t, s, `{"resource-id": "my-filtered-cdnifci", "input": `+filter+`}`); again != view {
		t.Errorf("a second open request with the same input got view %s, want the shared view %s", again, view)
	}
	accept := http.Header{"Accept": {alto.MediaTypeCDNI + "," + string(updates.MergePatch) + "," + string(updates.JSONPatch)}}
	first := s.do(t, http.MethodGet, view+"/ug/0/1", "", "", accept)
	if first.status != http.StatusOK || first.mediaType() != alto.MediaTypeCDNI {
		t.Fatalf("ug/0/1: status %d, type %s; body %s", first.status, first.mediaType(), first.body)
	}
	if post := s.filter(t, "/cdnifci/filtered", filter); !jsonEqual(t, string(first.body), string(post.body)) {
		t.Errorf("ug/0/1 is\n%s\nwhere POST returns\n%s", first.body, post.body)
	}

	polled := make(chan *response, 1)
	go func() { polled <- s.do(t, http.MethodGet, view+"/ug/1/2", "", "", accept) }()
	copyFiles(t, filepath.Join(streamDir, "filtered", "reload-1"), work)
	if err := d.Reload(); err != nil {
		t.Fatalf("reload: %v", err)
	}
	patch := <-polled
	if patch.status != http.StatusOK || patch.mediaType() != string(updates.JSONPatch) {
		t.Fatalf("ug/1/2: status %d, type %s, want a JSON patch; body %s", patch.status, patch.mediaType(), patch.body)
	}
	doc, err := updates.Apply(first.body, updates.JSONPatch, patch.body)
	if err != nil {
		t.Fatalf("applying %s: %v", patch.body, err)
	}
	if post := s.filter(t, "/cdnifci/filtered", filter); !jsonEqual(t, string(doc), string(post.body)) {
		t.Errorf("patched advertisement\n%s\nwhere POST returns\n%s", doc, post.body)
	}
}

// TestTIPSInputErrors checks the errors of TIPS open requests for the
// filtered CDNI Advertisement resource.
func TestTIPSInputErrors(t *testing.T) {
	work := tipsDefinition(t, "[my-default-cdnifci, my-filtered-cdnifci]")
	s := serverOf(t, alttest.StartConfig(t, daemon.Config{Definition: filepath.Join(work, "network.yaml")}))
	tests := []struct {
		name, body string
		code       alto.ErrorCode
		field      string
	}{
		{"no input", `{"resource-id": "my-filtered-cdnifci"}`, alto.ErrMissingField, "input"},
		{"input without capabilities", `{"resource-id": "my-filtered-cdnifci", "input": {}}`, alto.ErrMissingField, "input/cdni-capabilities"},
		{"input for a GET resource", `{"resource-id": "my-default-cdnifci", "input": {}}`, alto.ErrInvalidFieldValue, "input"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := altoError(t, s.do(t, http.MethodPost, "/tips", alto.MediaTypeTIPSParams, tc.body, nil))
			if e.Code != tc.code {
				t.Errorf("code %s, want %s", e.Code, tc.code)
			}
			if e.Field != tc.field {
				t.Errorf("field %q, want %q", e.Field, tc.field)
			}
		})
	}
}

// tipsDefinition copies the example definition into a temporary folder
// with a TIPS resource that offers the resources of uses, and returns
// the folder.
func tipsDefinition(t *testing.T, uses string) string {
	t.Helper()
	work := t.TempDir()
	copyFiles(t, rfc9241Dir, work)
	def, err := os.ReadFile(filepath.Join(work, "network.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	def = []byte(strings.Replace(string(def), "\nresources:\n", "\nresources:\n  - {id: tips, type: tips, path: /tips, uses: "+uses+"}\n", 1))
	if err := os.WriteFile(filepath.Join(work, "network.yaml"), def, 0o644); err != nil {
		t.Fatal(err)
	}
	return work
}

// openView opens a TIPS view and returns the path of its URI.
func openView(t *testing.T, s *testServer, body string) string {
	t.Helper()
	r := s.do(t, http.MethodPost, "/tips", alto.MediaTypeTIPSParams, body, nil)
	if r.status != http.StatusOK {
		t.Fatalf("opening a view: status %d; body %s", r.status, r.body)
	}
	var open struct {
		URI string `json:"tips-view-uri"`
	}
	if err := json.Unmarshal(r.body, &open); err != nil {
		t.Fatalf("view %s: %v", r.body, err)
	}
	return urlPath(t, open.URI)
}
