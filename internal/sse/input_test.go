package sse

import (
	"strings"
	"testing"
)

// multipartBody builds a multipart/related body with one JSON part per
// Content-ID and body pair, and returns its Content-Type too.
func multipartBody(boundary string, parts ...string) (string, []byte) {
	var b strings.Builder
	for i := 0; i < len(parts); i += 2 {
		b.WriteString("--" + boundary + "\r\nContent-ID: <" + parts[i] + ">\r\nContent-Type: application/json\r\n\r\n" + parts[i+1] + "\r\n")
	}
	b.WriteString("--" + boundary + "--\r\n")
	return `multipart/related; boundary=` + boundary + `; type="application/json"`, []byte(b.String())
}

// TestChangeEvents checks the data update messages of POST-mode
// substreams: one patch per changed part of a multipart response, named
// by the part's Content-ID, and a full replacement when the parts or
// the media type change.
func TestChangeEvents(t *testing.T) {
	oldType, old := multipartBody("a", "ecs@x", `{"m":{"p":[1,2]},"n":1}`, "propmap@x", `{"q":{"r":1},"s":"a value that stays the same"}`)
	sameType, same := multipartBody("b", "ecs@x", `{"m":{"p":[1,2]},"n":1}`, "propmap@x", `{"q":{"r":1},"s":"a value that stays the same"}`)
	oneType, one := multipartBody("c", "ecs@x", `{"m":{"p":[1,2]},"n":1}`, "propmap@x", `{"q":{"r":2},"s":"a value that stays the same"}`)
	otherType, other := multipartBody("d", "ecs@x", `{"m":{"p":[1,2]},"n":1}`, "other@x", `{"q":{"r":1}}`)
	tests := []struct {
		name      string
		newType   string
		new       []byte
		wantOK    bool
		wantIDs   []string
		wantKinds []string
	}{
		{"same parts, new boundary", sameType, same, true, nil, nil},
		{"one part changed", oneType, one, true, []string{"s.propmap@x"}, []string{"application/merge-patch+json"}},
		{"parts renamed", otherType, other, false, nil, nil},
		{"media type changed", "application/json", []byte(`{}`), false, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			events, ok := changeEvents("s", oldType, old, tc.newType, tc.new)
			if ok != tc.wantOK {
				t.Fatalf("ok %t, want %t", ok, tc.wantOK)
			}
			if len(events) != len(tc.wantIDs) {
				t.Fatalf("%d events, want %d: %+v", len(events), len(tc.wantIDs), events)
			}
			for i, ev := range events {
				if ev.dataID != tc.wantIDs[i] {
					t.Errorf("event %d data-id %q, want %q", i, ev.dataID, tc.wantIDs[i])
				}
				if ev.mediaType != tc.wantKinds[i] {
					t.Errorf("event %d media type %q, want %q", i, ev.mediaType, tc.wantKinds[i])
				}
			}
		})
	}
}

// TestChangeEventSingle checks a JSON response: no event without a
// change, a merge patch for a small change, and the new document when no
// patch is smaller.
func TestChangeEventSingle(t *testing.T) {
	tests := []struct {
		name, old, new string
		wantChanged    bool
		wantType       string
	}{
		{"equal", `{"a":1,"b":[1,2]}`, `{"b":[1,2],"a":1}`, false, ""},
		{"small change", `{"a":1,"b":{"c":"long value here","d":"another long value"}}`, `{"a":2,"b":{"c":"long value here","d":"another long value"}}`, true, "application/merge-patch+json"},
		{"everything changed", `{"a":1}`, `{"b":2}`, true, "application/json"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ev, changed := changeEvent("application/json", "s", []byte(tc.old), []byte(tc.new))
			if changed != tc.wantChanged {
				t.Fatalf("changed %t, want %t", changed, tc.wantChanged)
			}
			if changed && ev.mediaType != tc.wantType {
				t.Errorf("media type %q, want %q; body %s", ev.mediaType, tc.wantType, ev.body)
			}
		})
	}
}
