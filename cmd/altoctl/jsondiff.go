package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// maxPointersShown bounds the JSON pointers that the text form of a
// generic diff lists for each of added, removed and changed.
const maxPointersShown = 20

// diffJSON compares two states of a resource of any JSON media type,
// such as a property map or a CDNI advertisement. It lists the JSON
// pointers (RFC 6901) of the scalar values, empty arrays and empty
// objects that were added, removed or changed. A nil before is the first
// state, whose Entries counts its values.
func diffJSON(before, after []byte) (*changes, error) {
	newLeaves, err := jsonLeaves(after)
	if err != nil {
		return nil, fmt.Errorf("decode state: %w", err)
	}
	if before == nil {
		return &changes{Initial: true, Entries: len(newLeaves)}, nil
	}
	oldLeaves, err := jsonLeaves(before)
	if err != nil {
		return nil, fmt.Errorf("decode previous state: %w", err)
	}

	ch := &changes{Generic: true}
	for p, v := range newLeaves {
		old, ok := oldLeaves[p]
		switch {
		case !ok:
			ch.Added = append(ch.Added, p)
		case old != v:
			ch.Changed = append(ch.Changed, p)
		}
	}

	for p := range oldLeaves {
		if _, ok := newLeaves[p]; !ok {
			ch.Removed = append(ch.Removed, p)
		}
	}
	sort.Strings(ch.Added)
	sort.Strings(ch.Removed)
	sort.Strings(ch.Changed)
	return ch, nil
}

// jsonLeaves maps the JSON pointer of each leaf of a document to the
// JSON text of its value.
func jsonLeaves(data []byte) (map[string]string, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return nil, err
	}
	leaves := map[string]string{}
	collectLeaves(doc, "", leaves)
	return leaves, nil
}

func collectLeaves(v any, pointer string, leaves map[string]string) {
	switch v := v.(type) {
	case map[string]any:
		if len(v) == 0 {
			leaves[pointer] = "{}"
		}
		for k, child := range v {
			collectLeaves(child, pointer+"/"+escapePointer(k), leaves)
		}
	case []any:
		if len(v) == 0 {
			leaves[pointer] = "[]"
		}
		for i, child := range v {
			collectLeaves(child, pointer+"/"+strconv.Itoa(i), leaves)
		}
	default:
		text, _ := json.Marshal(v)
		leaves[pointer] = string(text)
	}
}

// escapePointer escapes a member name for a JSON pointer (RFC 6901,
// Section 3).
func escapePointer(s string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(s)
}

// genericLines returns the text form of a generic diff: a count line,
// then up to maxPointersShown pointers of each kind.
func (ch *changes) genericLines() []string {
	if len(ch.Added)+len(ch.Removed)+len(ch.Changed) == 0 {
		return []string{"no change in the values"}
	}
	out := []string{fmt.Sprintf("%d added, %d removed, %d changed", len(ch.Added), len(ch.Removed), len(ch.Changed))}
	for _, group := range []struct {
		label    string
		pointers []string
	}{{"added", ch.Added}, {"removed", ch.Removed}, {"changed", ch.Changed}} {
		for i, p := range group.pointers {
			if i == maxPointersShown {
				out = append(out, fmt.Sprintf("%s: %d more", group.label, len(group.pointers)-i))
				break
			}
			out = append(out, group.label+": "+p)
		}
	}
	return out
}
