package netdef

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// cdniFileDefinition is a definition whose cdni resource reads its
// advertisements from ads.json.
const cdniFileDefinition = `network-map: {pids: group, default-pid: default}
resources:
  - {id: default-network-map, type: network-map, path: /nm}
  - id: dcdn
    type: cdni
    path: /cdni
    advertisements:
      - file: ads.json
`

// validAdvertisement is one advertisement in JSON.
const validAdvertisement = `[
  {
    "capability-type": "FCI.DeliveryProtocol",
    "capability-value": {"delivery-protocols": ["http/1.1"]},
    "footprints": [{"footprint-type": "ipv4cidr", "footprint-value": ["128.142.0.0/16"]}]
  }
]
`

func TestLoadRejectsInvalidJSONFiles(t *testing.T) {
	tests := []struct {
		name       string
		file       string // the file that is broken
		content    string
		wantLine   int
		wantColumn int
		wantField  string
		wantText   string
	}{
		{"advertisement trailing comma", "ads.json", strings.Replace(validAdvertisement, `["128.142.0.0/16"]`, `["128.142.0.0/16",]`, 1),
			5, 88, "[0].footprints[0].footprint-value", "a comma before ] is not JSON"},
		{"advertisement missing bracket", "ads.json", strings.TrimSuffix(validAdvertisement, "]\n"),
			7, 1, "", "missing ] to close the [ at line 1, column 1"},
		{"advertisement empty", "ads.json", "\n", 0, 0, "", "empty file"},
		{"advertisement YAML", "ads.json", "- capability-type: FCI.DeliveryProtocol\n", 1, 2, "", "invalid character"},
		{"definition trailing comma", "net.json", `{"resources": [{"id": "nm", "type": "network-map", "path": "/nm"},]}`,
			1, 67, "resources", "a comma before ] is not JSON"},
		{"definition empty", "net.json", "", 0, 0, "", "empty file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			files := map[string]string{"net.yaml": cdniFileDefinition, "ads.json": validAdvertisement, tt.file: tt.content}
			for name, content := range files {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			main := "net.yaml"
			if strings.HasPrefix(tt.file, "net.") {
				main = tt.file
			}
			def, err := Load(filepath.Join(dir, main))
			if err == nil {
				_, err = def.ReadAdvertisements(1)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Load error = %v, want an *Error", err)
			}
			if filepath.Base(e.File) != tt.file {
				t.Errorf("file = %q, want %s", e.File, tt.file)
			}
			if e.Line != tt.wantLine || e.Column != tt.wantColumn {
				t.Errorf("position = %d:%d, want %d:%d (%v)", e.Line, e.Column, tt.wantLine, tt.wantColumn, err)
			}
			if e.Field != tt.wantField {
				t.Errorf("field = %q, want %q", e.Field, tt.wantField)
			}
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("error %q does not contain %q", err, tt.wantText)
			}
		})
	}
}

func TestLoadAcceptsJSONAdvertisementFile(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{"net.yaml": cdniFileDefinition, "ads.json": validAdvertisement} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	def, err := Load(filepath.Join(dir, "net.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	ads, err := def.ReadAdvertisements(1)
	if err != nil {
		t.Fatal(err)
	}
	if len(ads) != 1 {
		t.Errorf("%d advertisements, want 1", len(ads))
	}
}
