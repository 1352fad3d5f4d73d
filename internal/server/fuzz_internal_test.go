package server

import (
	"bytes"
	"encoding/json"
	"testing"
)

// referenceDepth returns the deepest nesting of arrays and objects of a
// valid JSON text, computed with the standard decoder.
func referenceDepth(data []byte) int {
	dec := json.NewDecoder(bytes.NewReader(data))
	depth, deepest := 0, 0
	for {
		tok, err := dec.Token()
		if err != nil {
			return deepest
		}
		if d, ok := tok.(json.Delim); ok {
			if d == '[' || d == '{' {
				depth++
				deepest = max(deepest, depth)
			} else {
				depth--
			}
		}
	}
}

// FuzzCheckDepth compares the byte scan of checkDepth with the nesting
// that encoding/json finds, for every valid JSON text.
func FuzzCheckDepth(f *testing.F) {
	f.Add([]byte(`{"a": [1, {"b": "[{"}]}`), 2)
	f.Add([]byte(`[[[["\"]"]]]]`), 3)
	f.Add([]byte(`"\\"`), 0)
	f.Fuzz(func(t *testing.T, data []byte, limit int) {
		if limit < 0 || limit > 64 || !json.Valid(data) {
			return
		}
		want := referenceDepth(data) <= limit
		if got := checkDepth(data, limit) == nil; got != want {
			t.Fatalf("checkDepth(%q, %d) passes = %v, but the nesting is %d", data, limit, got, referenceDepth(data))
		}
	})
}
