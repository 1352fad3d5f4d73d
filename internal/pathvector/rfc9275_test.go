package pathvector_test

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/pathvector"
)

// TestRFC9275Examples compares the responses to the requests of the
// RFC 9275 examples with the printed responses, part by part. It
// compares the Content-ID and Content-Type of each part, and its JSON
// after mapping the ANE names to the example's names and blanking the
// version tags. testdata/rfc9275/README.md lists the repairs of the
// examples and the networks that reproduce them.
func TestRFC9275Examples(t *testing.T) {
	for _, tc := range []struct {
		name, definition, path, contentType, request, response string
	}{
		{"E02 merged cost map", "merge.yaml", "/costmap/pv", alto.MediaTypeCostMapFilter, "E01.request.json", "E02.response.http"},
		{"E04 merged endpoint cost", "merge.yaml", "/ecs/pv", alto.MediaTypeEndpointCostParams, "E03.request.json", "E04.response.http"},
		{"E06 cost map of links", "paths.yaml", "/costmap/pv", alto.MediaTypeCostMapFilter, "E06.request.json", "E06.response.http"},
		{"E07 persistent ANEs", "persistent.yaml", "/endpointcost/pv", alto.MediaTypeEndpointCostParams, "E07.request.json", "E07.response.http"},
		{"E08 multi-cost", "persistent.yaml", "/endpointcost/mcpv", alto.MediaTypeEndpointCostParams, "E08.request.json", "E08.response.http"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := "testdata/rfc9275/"
			want := readExample(t, dir+tc.response)
			request, err := os.ReadFile(dir + tc.request)
			if err != nil {
				t.Fatal(err)
			}
			base := start(t, dir+tc.definition)
			got := decode(t, post(t, base+tc.path, tc.contentType, string(request)))
			comparePartByPart(t, got, want)
		})
	}
}

// readExample decodes a printed multipart response: header lines, of
// which a line starting with white space continues the one before, an
// empty line and the body.
func readExample(t *testing.T, file string) *pathvector.Message {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	head, body, ok := strings.Cut(string(data), "\n\n")
	if !ok {
		t.Fatalf("%s: no empty line after the header", file)
	}
	var contentType string
	var last string
	for _, line := range strings.Split(head, "\n")[1:] {
		if strings.HasPrefix(line, " ") {
			last += " " + strings.TrimSpace(line)
		} else {
			last = line
		}
		if v, ok := strings.CutPrefix(last, "Content-Type:"); ok {
			contentType = strings.TrimSpace(v)
		}
	}
	m, err := pathvector.Decode(contentType, strings.NewReader(body))
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return m
}

func comparePartByPart(t *testing.T, got, want *pathvector.Message) {
	t.Helper()
	if got.Type != want.Type {
		t.Errorf("type parameter %q, want %q", got.Type, want.Type)
	}
	if len(got.Parts) != len(want.Parts) {
		t.Fatalf("%d parts, want %d", len(got.Parts), len(want.Parts))
	}
	for i := range got.Parts {
		if got.Parts[i].ContentID != want.Parts[i].ContentID {
			t.Errorf("part %d: Content-ID %q, want %q", i+1, got.Parts[i].ContentID, want.Parts[i].ContentID)
		}
		if got.Parts[i].ContentType != want.Parts[i].ContentType {
			t.Errorf("part %d: Content-Type %q, want %q", i+1, got.Parts[i].ContentType, want.Parts[i].ContentType)
		}
	}
	rename := aneRenaming(t, got, want)
	for i := range got.Parts {
		g := normalise(t, got.Parts[i].Body, rename)
		w := normalise(t, want.Parts[i].Body, nil)
		if !reflect.DeepEqual(g, w) {
			gj, _ := json.MarshalIndent(g, "", "  ")
			wj, _ := json.MarshalIndent(w, "", "  ")
			t.Errorf("part %d differs\ngot:\n%s\nwant:\n%s", i+1, gj, wj)
		}
	}
}

// aneRenaming maps the ANE names of got to those of want, walking both
// path vector parts in the same order of sources and destinations.
func aneRenaming(t *testing.T, got, want *pathvector.Message) map[string]string {
	t.Helper()
	gp, _ := parts(t, got)
	wp, _ := parts(t, want)
	gm, wm := gp.paths(), wp.paths()
	rename := map[string]string{}
	used := map[string]string{}
	for _, src := range sortedKeys(wm) {
		for _, dst := range sortedKeys(wm[src]) {
			g, w := gm[src][dst], wm[src][dst]
			if len(g) != len(w) {
				t.Fatalf("%s to %s: path %v, want %d ANEs like %v", src, dst, g, len(w), w)
			}
			for k := range g {
				if prev, ok := rename[g[k]]; ok && prev != w[k] {
					t.Fatalf("%s to %s: ANE %s stands for both %s and %s", src, dst, g[k], prev, w[k])
				}
				if prev, ok := used[w[k]]; ok && prev != g[k] {
					t.Fatalf("%s to %s: ANEs %s and %s both stand for %s", src, dst, prev, g[k], w[k])
				}
				rename[g[k]], used[w[k]] = w[k], g[k]
			}
		}
	}
	return rename
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// normalise decodes JSON, renames ANE names in path arrays and
// ".ane:" entity IDs, and blanks every version tag.
func normalise(t *testing.T, body []byte, rename map[string]string) any {
	t.Helper()
	var v any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("part body: %v\n%s", err, body)
	}
	return walk(v, rename)
}

func walk(v any, rename map[string]string) any {
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			if k == "tag" {
				out[k] = "TAG"
				continue
			}
			if id, ok := strings.CutPrefix(k, ".ane:"); ok && rename[id] != "" {
				k = ".ane:" + rename[id]
			}
			out[k] = walk(e, rename)
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			if s, ok := e.(string); ok && rename[s] != "" {
				out[i] = rename[s]
				continue
			}
			out[i] = walk(e, rename)
		}
		return out
	case json.Number:
		f, _ := x.Float64() // 1e8 and 100000000 are the same number
		return f
	}
	return v
}

func readFile(t *testing.T, file string) []byte {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
