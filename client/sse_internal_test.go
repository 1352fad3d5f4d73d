package client

import (
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

// TestEventReader parses event streams with the cases of the HTML
// Living Standard, Section 9.2.6: line endings, comments, fields
// without a colon, multi-line data, id and retry.
func TestEventReader(t *testing.T) {
	tests := []struct {
		name   string
		stream string
		want   []sseEvent
	}{
		{"typed event", "event: add\ndata: 73857293\n\n",
			[]sseEvent{{Type: "add", Data: "73857293"}}},
		{"default type", "data: x\n\n",
			[]sseEvent{{Type: "message", Data: "x"}}},
		{"multi-line data", "data: {\ndata:  \"a\": 1\ndata: }\n\n",
			[]sseEvent{{Type: "message", Data: "{\n \"a\": 1\n}"}}},
		{"CR LF and lone CR", "event: a\r\ndata: 1\r\n\r\nevent: b\rdata: 2\r\r",
			[]sseEvent{{Type: "a", Data: "1"}, {Type: "b", Data: "2"}}},
		{"byte order mark", "\uFEFFdata: x\n\n",
			[]sseEvent{{Type: "message", Data: "x"}}},
		{"comments", ": keep-alive\n\n: one\ndata: x\n: two\n\n",
			[]sseEvent{{Type: "message", Data: "x"}}},
		{"no data dispatches nothing", "event: lost\n\ndata: y\n\n",
			[]sseEvent{{Type: "message", Data: "y"}}},
		{"field without colon", "data\ndata\n\n",
			[]sseEvent{{Type: "message", Data: "\n"}}},
		{"no space after colon", "event:a\ndata:b\n\n",
			[]sseEvent{{Type: "a", Data: "b"}}},
		{"id carries over", "id: 7\ndata: a\n\ndata: b\n\nid\ndata: c\n\n",
			[]sseEvent{{Type: "message", Data: "a", ID: "7"}, {Type: "message", Data: "b", ID: "7"}, {Type: "message", Data: "c"}}},
		{"id with NUL ignored", "id: 1\ndata: a\n\nid: 2\x003\ndata: b\n\n",
			[]sseEvent{{Type: "message", Data: "a", ID: "1"}, {Type: "message", Data: "b", ID: "1"}}},
		{"retry", "retry: 2500\ndata: a\n\nretry: 1x\ndata: b\n\n",
			[]sseEvent{{Type: "message", Data: "a", Retry: 2500 * time.Millisecond}, {Type: "message", Data: "b", Retry: 2500 * time.Millisecond}}},
		{"unknown field", "foo: bar\ndata: a\n\n",
			[]sseEvent{{Type: "message", Data: "a"}}},
		{"incomplete last event", "data: a\n\ndata: b\n",
			[]sseEvent{{Type: "message", Data: "a"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// One byte per read splits CR LF across reads.
			r := newEventReader(iotest.OneByteReader(strings.NewReader(tt.stream)), 1<<10)
			var got []sseEvent
			for {
				ev, err := r.Next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatalf("Next: %v", err)
				}
				got = append(got, ev)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("events %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestEventReaderLimit checks that data over the size limit fails.
func TestEventReaderLimit(t *testing.T) {
	tests := []struct {
		name   string
		stream string
	}{
		{"one long line", "data: " + strings.Repeat("x", 100) + "\n\n"},
		{"many lines", strings.Repeat("data: "+strings.Repeat("x", 30)+"\n", 5) + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := newEventReader(strings.NewReader(tt.stream), 64).Next()
			if !errors.Is(err, errEventTooLarge) {
				t.Errorf("Next: %v, want errEventTooLarge", err)
			}
		})
	}
}

// TestApplyPatch applies merge patches and JSON patches, and checks the
// failures that make a follower fetch a resource again.
func TestApplyPatch(t *testing.T) {
	doc := []byte(`{"meta":{"vtag":{"resource-id":"n","tag":"1"}},"cost-map":{"a":{"b":1,"c":2}}}`)
	tests := []struct {
		name    string
		kind    UpdateKind
		patch   string
		want    string // "" when the patch must fail
		wantErr string
	}{
		{"merge changes a cost", KindMergePatch, `{"cost-map":{"a":{"b":5}}}`,
			`{"meta":{"vtag":{"resource-id":"n","tag":"1"}},"cost-map":{"a":{"b":5,"c":2}}}`, ""},
		{"merge deletes with null", KindMergePatch, `{"cost-map":{"a":{"c":null}}}`,
			`{"meta":{"vtag":{"resource-id":"n","tag":"1"}},"cost-map":{"a":{"b":1}}}`, ""},
		{"JSON patch replaces", KindJSONPatch, `[{"op":"replace","path":"/cost-map/a/c","value":3}]`,
			`{"meta":{"vtag":{"resource-id":"n","tag":"1"}},"cost-map":{"a":{"b":1,"c":3}}}`, ""},
		{"JSON patch adds null", KindJSONPatch, `[{"op":"add","path":"/x","value":null}]`,
			`{"meta":{"vtag":{"resource-id":"n","tag":"1"}},"cost-map":{"a":{"b":1,"c":2}},"x":null}`, ""},
		{"JSON patch missing path", KindJSONPatch, `[{"op":"remove","path":"/nope"}]`, "", "applying JSON patch"},
		{"JSON patch test fails", KindJSONPatch, `[{"op":"test","path":"/cost-map/a/b","value":9}]`, "", "applying JSON patch"},
		{"JSON patch not an array", KindJSONPatch, `{"op":"remove"}`, "", "decoding JSON patch"},
		{"merge invalid JSON", KindMergePatch, `{"cost-map":`, "", "merge patch"},
		{"merge gives an array", KindMergePatch, `[1,2]`, "", "not an object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := patchDocument(doc, message{kind: tt.kind, body: []byte(tt.patch)})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one that contains %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("patchDocument: %v", err)
			}
			if !sameJSON(got, []byte(tt.want)) {
				t.Errorf("result %s, want %s", got, tt.want)
			}
		})
	}
}

// TestPatchWithoutState checks that a patch before any full state
// fails, and that a full state must be a JSON object.
func TestPatchWithoutState(t *testing.T) {
	if _, err := patchDocument(nil, message{kind: KindMergePatch, body: []byte(`{}`)}); err == nil {
		t.Error("merge patch without a state succeeded, want an error")
	}
	if _, err := patchDocument(nil, message{kind: KindFull, body: []byte(`"text"`)}); err == nil {
		t.Error("full state that is a string succeeded, want an error")
	}
	if _, err := patchDocument(nil, message{kind: KindFull, body: []byte(`{"a":`)}); err == nil {
		t.Error("full state of invalid JSON succeeded, want an error")
	}
}

// TestSameJSON compares documents as JSON values.
func TestSameJSON(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{`{"a":1,"b":[1,2]}`, `{"b":[1,2],"a":1}`, true},
		{`{"a":1}`, `{"a":1.0}`, true},
		{`{"a":1e2}`, `{"a":100}`, true},
		{`{"a":[1,2]}`, `{"a":[2,1]}`, false},
		{`{"a":null}`, `{}`, false},
		{`{"a":"1"}`, `{"a":1}`, false},
		{`{"a":1}`, `{"a":`, false},
	}
	for _, tt := range tests {
		t.Run(tt.a+" "+tt.b, func(t *testing.T) {
			if got := sameJSON([]byte(tt.a), []byte(tt.b)); got != tt.want {
				t.Errorf("sameJSON = %t, want %t", got, tt.want)
			}
		})
	}
}

// TestParseRetryAfter reads delays in seconds and ignores dates.
func TestParseRetryAfter(t *testing.T) {
	tests := []struct {
		value string
		want  time.Duration
	}{
		{"", -1},
		{"0", 0},
		{"1", time.Second},
		{"3600", tipsMaxRetryDelay},
		{"Fri, 31 Dec 1999 23:59:59 GMT", -1},
		{"-1", -1},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			h := make(map[string][]string)
			if tt.value != "" {
				h["Retry-After"] = []string{tt.value}
			}
			if got := parseRetryAfter(h); got != tt.want {
				t.Errorf("parseRetryAfter(%q) = %s, want %s", tt.value, got, tt.want)
			}
		})
	}
}
