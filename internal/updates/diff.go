package updates

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"

	jsonpatch "github.com/evanphx/json-patch/v5"
	"github.com/wI2L/jsondiff"
)

// PatchKind is the media type of an incremental update.
type PatchKind string

// Patch kinds, RFC 8895, Section 5.2.
const (
	// MergePatch is a JSON merge patch, RFC 7396.
	MergePatch PatchKind = "application/merge-patch+json"
	// JSONPatch is a JSON patch, RFC 6902.
	JSONPatch PatchKind = "application/json-patch+json"
)

// ErrInvalidJSON reports a document or patch that is not one valid JSON
// value.
var ErrInvalidJSON = errors.New("invalid JSON")

// Diff computes the patch that turns the JSON document old into new. It
// returns a JSON merge patch when applying it to old gives a document
// equal to new, and a JSON patch otherwise. A merge patch cannot set a
// member to null, because null in a merge patch deletes the member
// (RFC 8895, Section 3.2.1), so a null that new gains at an object member
// makes Diff fall back to a JSON patch. Equality is that of [Equal].
//
// Diff checks the JSON patch by applying it too, so a returned patch is
// always exact. Where neither is exact, a patch that replaces the whole
// document may be. This happens when old is a scalar, and when a path of
// the JSON patch passes through a member with an empty name, which the
// JSON patch library (github.com/evanphx/json-patch/v5 v5.9.11) cannot
// follow. Diff returns an error when old or new is not valid JSON, and
// when no patch reproduces new, as when old is a scalar and new an object
// with a null member.
func Diff(old, new []byte) (kind PatchKind, patch []byte, err error) {
	oldValue, err := decode(old)
	if err != nil {
		return "", nil, fmt.Errorf("old document: %w", err)
	}
	newValue, err := decode(new)
	if err != nil {
		return "", nil, fmt.Errorf("new document: %w", err)
	}
	if patch, ok := exactMergePatch(old, new, oldValue, newValue); ok {
		return MergePatch, patch, nil
	}
	patch, err = exactJSONPatch(old, new, newValue)
	if err == nil {
		return JSONPatch, patch, nil
	}
	if wholeMergePatchExact(old, new, newValue) {
		// The JSON patch library cannot patch a scalar document, but
		// new itself as a merge patch replaces the whole document when
		// it is not an object, and fills in an empty object otherwise
		// (RFC 7396, Section 2).
		return MergePatch, bytes.Clone(new), nil
	}
	if patch, ok := wholeJSONPatch(old, new, newValue); ok {
		return JSONPatch, patch, nil
	}
	return "", nil, err
}

// exactMergePatch creates a merge patch and reports whether it turns old
// into new. It may modify oldValue.
func exactMergePatch(old, new []byte, oldValue, newValue any) ([]byte, bool) {
	patch, err := jsonpatch.CreateMergePatch(old, new)
	if err != nil {
		return nil, false
	}
	patchValue, err := decode(patch)
	if err != nil {
		return nil, false
	}
	return patch, equalValues(applyMerge(oldValue, patchValue), newValue)
}

// wholeMergePatchExact reports whether new, used as a merge patch, turns
// old into new.
func wholeMergePatchExact(old, new []byte, newValue any) bool {
	oldValue, err := decode(old)
	if err != nil {
		return false
	}
	patchValue, err := decode(new)
	if err != nil {
		return false
	}
	return equalValues(applyMerge(oldValue, patchValue), newValue)
}

// wholeJSONPatch returns the JSON patch that replaces the whole document
// and reports whether it turns old into new. It serves where the JSON
// patch library cannot follow a path of the finer patch, such as one
// through a member with an empty name.
func wholeJSONPatch(old, new []byte, newValue any) ([]byte, bool) {
	patch := slices.Concat([]byte(`[{"op":"replace","path":"","value":`), bytes.TrimSpace(new), []byte(`}]`))
	got, err := Apply(old, JSONPatch, patch)
	if err != nil {
		return nil, false
	}
	gotValue, err := decode(got)
	return patch, err == nil && equalValues(gotValue, newValue)
}

// exactJSONPatch creates a JSON patch and checks that it turns old into
// new.
func exactJSONPatch(old, new []byte, newValue any) ([]byte, error) {
	ops, err := jsondiff.CompareJSON(old, new, jsondiff.LCS(), jsondiff.UnmarshalFunc(unmarshalNumbers))
	if err != nil {
		return nil, fmt.Errorf("JSON patch: %w", err)
	}
	patch, err := json.Marshal(ops)
	if err != nil {
		return nil, fmt.Errorf("JSON patch: %w", err)
	}
	got, err := Apply(old, JSONPatch, patch)
	if err != nil {
		return nil, fmt.Errorf("JSON patch check: %w", err)
	}
	gotValue, err := decode(got)
	if err != nil {
		return nil, fmt.Errorf("JSON patch check: %w", err)
	}
	if !equalValues(gotValue, newValue) {
		return nil, errors.New("JSON patch check: applying the patch does not give the new document")
	}
	return patch, nil
}

// Apply applies a patch of the given kind to a JSON document and returns
// the patched document. A merge patch is applied as the MergePatch
// function of RFC 7396, Section 2 sets out, and the result is encoded
// with object members sorted by name. A JSON patch is applied as RFC 6902
// sets out, without the negative array indices some libraries accept.
func Apply(doc []byte, kind PatchKind, patch []byte) ([]byte, error) {
	switch kind {
	case MergePatch:
		return applyMergeBytes(doc, patch)
	case JSONPatch:
		return applyJSONPatch(doc, patch)
	}
	return nil, fmt.Errorf("patch kind %q: not %q or %q", kind, MergePatch, JSONPatch)
}

func applyMergeBytes(doc, patch []byte) ([]byte, error) {
	docValue, err := decode(doc)
	if err != nil {
		return nil, fmt.Errorf("document: %w", err)
	}
	patchValue, err := decode(patch)
	if err != nil {
		return nil, fmt.Errorf("merge patch: %w", err)
	}
	return encode(applyMerge(docValue, patchValue))
}

func applyJSONPatch(doc, patch []byte) ([]byte, error) {
	if _, err := decode(doc); err != nil {
		return nil, fmt.Errorf("document: %w", err)
	}
	ops, err := jsonpatch.DecodePatch(patch)
	if err != nil {
		return nil, fmt.Errorf("JSON patch: %w", err)
	}
	opts := jsonpatch.NewApplyOptions()
	opts.SupportNegativeIndices = false
	opts.EscapeHTML = false
	out, err := ops.ApplyWithOptions(doc, opts)
	if err != nil {
		return nil, fmt.Errorf("JSON patch: %w", err)
	}
	return out, nil
}

// applyMerge is the MergePatch function of RFC 7396, Section 2. It
// modifies target and may share parts of patch with the result.
func applyMerge(target, patch any) any {
	members, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	object, ok := target.(map[string]any)
	if !ok {
		object = map[string]any{}
	}
	for name, value := range members {
		if value == nil {
			delete(object, name)
			continue
		}
		object[name] = applyMerge(object[name], value)
	}
	return object
}

// Equal reports whether two JSON documents contain the same value.
// Objects are equal when they have the same members in any order, and
// arrays when they have equal elements in the same order. Numbers are
// compared as IEEE 754 double-precision values, so 1, 1.0 and 1e0 are
// equal, because RFC 8259, Section 6 names that precision as the one
// implementations can count on.
func Equal(a, b []byte) (bool, error) {
	av, err := decode(a)
	if err != nil {
		return false, err
	}
	bv, err := decode(b)
	if err != nil {
		return false, err
	}
	return equalValues(av, bv), nil
}

// Canonical re-encodes a JSON document without insignificant white
// space, with object members sorted by name. Each number takes the
// shortest form that reads back as the same double-precision value. Two
// documents are [Equal] exactly when their canonical forms are
// byte-identical.
func Canonical(doc []byte) ([]byte, error) {
	v, err := decode(doc)
	if err != nil {
		return nil, err
	}
	return encode(canonicalNumbers(v))
}

// canonicalNumbers rewrites every json.Number in v to its shortest
// double-precision form, in place.
func canonicalNumbers(v any) any {
	switch v := v.(type) {
	case json.Number:
		f, err := strconv.ParseFloat(string(v), 64)
		if err != nil {
			return v // out of range: keep the text, decode accepted it
		}
		return json.Number(strconv.FormatFloat(f, 'g', -1, 64))
	case map[string]any:
		for k, e := range v {
			v[k] = canonicalNumbers(e)
		}
	case []any:
		for i, e := range v {
			v[i] = canonicalNumbers(e)
		}
	}
	return v
}

func equalValues(a, b any) bool {
	switch a := a.(type) {
	case map[string]any:
		b, ok := b.(map[string]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for k, av := range a {
			bv, ok := b[k]
			if !ok || !equalValues(av, bv) {
				return false
			}
		}
		return true
	case []any:
		b, ok := b.([]any)
		if !ok || len(a) != len(b) {
			return false
		}
		for i := range a {
			if !equalValues(a[i], b[i]) {
				return false
			}
		}
		return true
	case json.Number:
		b, ok := b.(json.Number)
		return ok && equalNumbers(a, b)
	default:
		return a == b // nil, bool or string
	}
}

func equalNumbers(a, b json.Number) bool {
	if a == b {
		return true
	}
	af, aerr := strconv.ParseFloat(string(a), 64)
	bf, berr := strconv.ParseFloat(string(b), 64)
	return aerr == nil && berr == nil && af == bf
}

// decode reads exactly one JSON value, keeping numbers as json.Number so
// that re-encoding keeps their text.
func decode(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidJSON, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: data after the value", ErrInvalidJSON)
	}
	return v, nil
}

// unmarshalNumbers is json.Unmarshal with numbers kept as json.Number.
func unmarshalNumbers(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	return dec.Decode(v)
}

func encode(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
