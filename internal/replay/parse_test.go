package replay

import (
	"bytes"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"
)

const exampleLog = `# every kind of change
steps:
  - changes:
      - set-metric: {from: a, to: b, metric: 10}
  - at: 1.5
    changes:
      - link-down: {from: a, to: c}
      - link-up:
          from: a
          to: d
          capacity: 1e10
          latency: 2
          directed: true
  - at: 3
    changes:
      - link-up: {from: a, to: c}
      - add-prefix: {node: c, prefix: 203.0.113.0/24}
      - remove-prefix: {node: b, prefix: "2001:db8::/48"}
`

const exampleJSONLines = `{"changes": [{"set-metric": {"from": "a", "to": "b", "metric": 10}}]}

{"at": 1.5, "changes": [{"link-down": {"from": "a", "to": "c"}}, {"link-up": {"from": "a", "to": "d", "capacity": 10000000000, "latency": 2, "directed": true}}]}
{"at": 3, "changes": [{"link-up": {"from": "a", "to": "c"}}, {"add-prefix": {"node": "c", "prefix": "203.0.113.0/24"}}, {"remove-prefix": {"node": "b", "prefix": "2001:db8::/48"}}]}
`

// exampleSteps are the steps of exampleLog and exampleJSONLines.
var exampleSteps = []Step{
	{Changes: []Change{{Kind: SetMetric, From: "a", To: "b", Metric: 10}}},
	{At: 1500 * time.Millisecond, HasAt: true, Changes: []Change{
		{Kind: LinkDown, From: "a", To: "c"},
		{Kind: LinkUp, From: "a", To: "d", Metric: 1, Capacity: 1e10, Latency: 2, Directed: true},
	}},
	{At: 3 * time.Second, HasAt: true, Changes: []Change{
		{Kind: LinkUp, From: "a", To: "c", Metric: 1},
		{Kind: AddPrefix, Node: "c", Prefix: netip.MustParsePrefix("203.0.113.0/24")},
		{Kind: RemovePrefix, Node: "b", Prefix: netip.MustParsePrefix("2001:db8::/48")},
	}},
}

func TestParseExample(t *testing.T) {
	tests := []struct {
		name   string
		text   string
		format Format
		// lines of each step and of each change's kind key
		stepLines   []int
		changeLines [][]int
	}{
		{"yaml", exampleLog, FormatYAML, []int{3, 5, 14}, [][]int{{4}, {7, 8}, {16, 17, 18}}},
		{"json lines", exampleJSONLines, FormatJSONLines, []int{1, 3, 4}, [][]int{{1}, {3, 3}, {4, 4, 4}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			steps := parseLog(t, tt.text, tt.format)
			if got := stripPositions(steps); !reflect.DeepEqual(got, exampleSteps) {
				t.Errorf("steps =\n%+v\nwant\n%+v", got, exampleSteps)
			}
			for i, s := range steps {
				if s.Pos.Line != tt.stepLines[i] {
					t.Errorf("step %d at line %d, want %d", i, s.Pos.Line, tt.stepLines[i])
				}
				for j, c := range s.Changes {
					if c.Pos.Line != tt.changeLines[i][j] {
						t.Errorf("step %d change %d at line %d, want %d", i, j, c.Pos.Line, tt.changeLines[i][j])
					}
					if c.Pos.File != "changes" {
						t.Errorf("step %d change %d: file %q, want changes", i, j, c.Pos.File)
					}
				}
			}
		})
	}
}

func TestParseFieldPaths(t *testing.T) {
	yamlSteps := parseLog(t, exampleLog, FormatYAML)
	if got, want := yamlSteps[1].Changes[1].Pos.Field, "steps[1].changes[1].link-up"; got != want {
		t.Errorf("YAML change field = %q, want %q", got, want)
	}
	jsonSteps := parseLog(t, exampleJSONLines, FormatJSONLines)
	if got, want := jsonSteps[1].Changes[1].Pos.Field, "changes[1].link-up"; got != want {
		t.Errorf("JSON lines change field = %q, want %q", got, want)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name   string
		format Format
		text   string
		line   int
		field  string
		reason string
	}{
		{"empty document", FormatYAML, "# nothing\n", 0, "", "empty document"},
		{"syntax", FormatYAML, "steps: [\n", 1, "", "YAML syntax error"},
		{"syntax on a later line", FormatYAML, "steps:\n  - {at: 1s\n", 2, "", "YAML syntax error: column 5: did not find expected ',' or '}'"},
		{"two documents", FormatYAML, "steps: []\n---\nsteps: []\n", 2, "", "more than one YAML document"},
		{"top level list", FormatYAML, "- changes: []\n", 1, "", "want a mapping, found a list"},
		{"missing steps", FormatYAML, "name: x\n", 1, "name", "unknown field (want steps)"},
		{"no steps field", FormatYAML, "{}\n", 1, "steps", "missing required field"},
		{"empty steps", FormatYAML, "steps: []\n", 1, "steps", "a change log needs at least one step"},
		{"step not mapping", FormatYAML, "steps:\n  - 3\n", 2, "steps[0]", "want a mapping"},
		{"missing changes", FormatYAML, "steps:\n  - at: 1\n", 2, "steps[0].changes", "missing required field"},
		{"empty changes", FormatYAML, "steps:\n  - changes: []\n", 2, "steps[0].changes", "at least one change"},
		{"unknown step field", FormatYAML, "steps:\n  - changes: []\n    when: 3\n", 3, "steps[0].when", "unknown field (want at, changes)"},
		{"duplicate key", FormatYAML, "steps:\n  - at: 1\n    at: 2\n", 3, "steps[0].at", "duplicate key (first at line 2)"},
		{"negative at", FormatYAML, "steps:\n  - at: -1\n    changes: [{link-down: {from: a, to: b}}]\n", 2, "steps[0].at", "at must be >= 0"},
		{"at not a number", FormatYAML, "steps:\n  - at: soon\n", 2, "steps[0].at", `want a number, found str "soon"`},
		{"at decreasing", FormatYAML, "steps:\n  - at: 2\n    changes: [{link-down: {from: a, to: b}}]\n  - changes: [{link-down: {from: a, to: c}}]\n  - at: 1\n    changes: [{link-down: {from: b, to: c}}]\n", 5, "steps[2].at", "at 1 is earlier than at 2 of a step before it (line 2)"},
		{"unknown kind", FormatYAML, "steps:\n  - changes:\n      - cut-link: {from: a, to: b}\n", 3, "steps[0].changes[0]", `unknown change kind str "cut-link"`},
		{"two kinds", FormatYAML, "steps:\n  - changes:\n      - link-down: {from: a, to: b}\n        link-up: {from: a, to: b}\n", 4, "steps[0].changes[0]", "found 2 keys"},
		{"change not mapping", FormatYAML, "steps:\n  - changes: [link-down]\n", 2, "steps[0].changes[0]", "want a mapping with one key"},
		{"change without fields", FormatYAML, "steps:\n  - changes:\n      - link-down:\n", 3, "steps[0].changes[0].link-down", "missing fields from, to"},
		{"missing from", FormatYAML, "steps:\n  - changes:\n      - set-metric: {to: b, metric: 2}\n", 3, "steps[0].changes[0].set-metric.from", "missing required field"},
		{"missing metric", FormatYAML, "steps:\n  - changes:\n      - set-metric: {from: a, to: b}\n", 3, "steps[0].changes[0].set-metric.metric", "missing required field"},
		{"zero metric", FormatYAML, "steps:\n  - changes:\n      - set-metric:\n          from: a\n          to: b\n          metric: 0\n", 6, "steps[0].changes[0].set-metric.metric", "metric must be finite and > 0, found 0"},
		{"quoted metric", FormatYAML, "steps:\n  - changes:\n      - set-metric: {from: a, to: b, metric: \"3\"}\n", 3, "steps[0].changes[0].set-metric.metric", `want a number, found str "3"`},
		{"infinite metric", FormatYAML, "steps:\n  - changes:\n      - set-metric: {from: a, to: b, metric: .inf}\n", 3, "steps[0].changes[0].set-metric.metric", "number must be finite"},
		{"metric on link-down", FormatYAML, "steps:\n  - changes:\n      - link-down: {from: a, to: b, metric: 2}\n", 3, "steps[0].changes[0].link-down.metric", "unknown field (want from, to)"},
		{"negative capacity", FormatYAML, "steps:\n  - changes:\n      - link-up: {from: a, to: b, capacity: -1}\n", 3, "steps[0].changes[0].link-up.capacity", "capacity must be finite and >= 0"},
		{"directed not bool", FormatYAML, "steps:\n  - changes:\n      - link-up: {from: a, to: b, directed: yes}\n", 3, "steps[0].changes[0].link-up.directed", `want true or false, found str "yes"`},
		{"empty node ID", FormatYAML, "steps:\n  - changes:\n      - link-down: {from: \"\", to: b}\n", 3, "steps[0].changes[0].link-down.from", "empty node ID"},
		{"node ID list", FormatYAML, "steps:\n  - changes:\n      - add-prefix: {node: [a], prefix: 192.0.2.0/24}\n", 3, "steps[0].changes[0].add-prefix.node", "want a node ID, found a list"},
		{"invalid prefix", FormatYAML, "steps:\n  - changes:\n      - add-prefix: {node: a, prefix: 192.0.2.0/33}\n", 3, "steps[0].changes[0].add-prefix.prefix", `invalid prefix "192.0.2.0/33"`},
		{"address for prefix", FormatYAML, "steps:\n  - changes:\n      - add-prefix: {node: a, prefix: 192.0.2.1}\n", 3, "steps[0].changes[0].add-prefix.prefix", "an address needs a /length"},
		{"host bits", FormatYAML, "steps:\n  - changes:\n      - remove-prefix: {node: a, prefix: 192.0.2.1/24}\n", 3, "steps[0].changes[0].remove-prefix.prefix", "host bits set; use 192.0.2.0/24"},
		{"alias", FormatYAML, "steps:\n  - changes:\n      - link-down: &x {from: a, to: b}\n      - link-up: *x\n", 4, "", "aliases (*x) are not supported"},
		{"json syntax", FormatJSONLines, "{\"changes\": [{\"link-down\": {\"from\": \"a\", \"to\": \"b\"}}]}\n{\"changes\": [\n", 2, "", "invalid JSON"},
		{"json not object", FormatJSONLines, "\n[1, 2]\n", 2, "", "want a mapping, found a list"},
		{"json field", FormatJSONLines, "{\"changes\": [{\"link-down\": {\"from\": \"a\", \"to\": \"b\"}}]}\n\n{\"changes\": [{\"set-metric\": {\"from\": \"a\", \"to\": \"b\", \"metric\": -2}}]}\n", 3, "changes[0].set-metric.metric", "metric must be finite and > 0, found -2"},
		{"json duplicate key", FormatJSONLines, "{\"at\": 1, \"at\": 2}\n", 1, "at", "duplicate key"},
		{"json empty", FormatJSONLines, "\n\n", 0, "", "no steps"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.text), "log.yaml", tt.format)
			if err == nil {
				t.Fatal("Parse succeeded, want an error")
			}
			e := asError(t, err)
			if e.File != "log.yaml" {
				t.Errorf("file = %q, want log.yaml", e.File)
			}
			if e.Line != tt.line {
				t.Errorf("line = %d, want %d (%v)", e.Line, tt.line, err)
			}
			if e.Field != tt.field {
				t.Errorf("field = %q, want %q (%v)", e.Field, tt.field, err)
			}
			if !strings.Contains(e.Reason, tt.reason) {
				t.Errorf("reason = %q, want it to contain %q", e.Reason, tt.reason)
			}
		})
	}
}

func TestParseNullIsAbsent(t *testing.T) {
	steps := parseLog(t, "steps:\n  - at: null\n    changes:\n      - link-up: {from: a, to: b, metric: null, latency: ~}\n", FormatYAML)
	c := steps[0].Changes[0]
	if steps[0].HasAt {
		t.Error("at: null set HasAt")
	}
	if c.Metric != 1 || c.Latency != 0 {
		t.Errorf("link-up with null fields = %+v, want the defaults", c)
	}
}

func TestParseNumericNodeIDs(t *testing.T) {
	steps := parseLog(t, "steps:\n  - changes:\n      - set-metric: {from: 0, to: 10, metric: 2.5}\n", FormatYAML)
	c := steps[0].Changes[0]
	if c.From != "0" || c.To != "10" || c.Metric != 2.5 {
		t.Errorf("change = %+v, want from 0 to 10 metric 2.5", c)
	}
}

func TestEncodeRoundTrip(t *testing.T) {
	for _, format := range []Format{FormatYAML, FormatJSONLines} {
		t.Run(format.String(), func(t *testing.T) {
			var buf bytes.Buffer
			if err := Encode(&buf, exampleSteps, format); err != nil {
				t.Fatalf("Encode: %v", err)
			}
			steps := parseLog(t, buf.String(), format)
			if got := stripPositions(steps); !reflect.DeepEqual(got, exampleSteps) {
				t.Errorf("read back\n%+v\nwant\n%+v\nfrom\n%s", got, exampleSteps, buf.String())
			}
			if got, want := strings.Count(buf.String(), "\n"), encodedLines(format); got != want {
				t.Errorf("%d lines, want %d:\n%s", got, want, buf.String())
			}
		})
	}
}

// encodedLines is the number of lines Encode writes for exampleSteps:
// one per step and change in YAML plus "steps:" and the at lines, one
// per step in JSON lines.
func encodedLines(format Format) int {
	if format == FormatJSONLines {
		return 3
	}
	return 1 + 3 + 2 + 6
}

func TestEncodeRejectsInvalidChange(t *testing.T) {
	steps := []Step{{Changes: []Change{{Kind: SetMetric, From: "a", To: "b"}}}}
	err := Encode(&bytes.Buffer{}, steps, FormatYAML)
	if err == nil || !strings.Contains(err.Error(), "step 1, change 1: metric: metric must be finite and > 0") {
		t.Errorf("Encode error = %v, want a metric error naming step 1, change 1", err)
	}
}

func TestFormats(t *testing.T) {
	tests := []struct {
		path string
		want Format
	}{
		{"changes.yaml", FormatYAML},
		{"changes.json", FormatYAML},
		{"changes.jsonl", FormatJSONLines},
		{"dir/CHANGES.NDJSON", FormatJSONLines},
		{"changes", FormatYAML},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			if got := FormatOf(tt.path); got != tt.want {
				t.Errorf("FormatOf = %v, want %v", got, tt.want)
			}
			back, err := ParseFormat(tt.want.String())
			if err != nil || back != tt.want {
				t.Errorf("ParseFormat(%q) = %v, %v", tt.want.String(), back, err)
			}
		})
	}
	if _, err := ParseFormat("xml"); err == nil {
		t.Error("ParseFormat(xml) succeeded")
	}
}

func TestErrorFormat(t *testing.T) {
	tests := []struct {
		name string
		err  *Error
		want string
	}{
		{"full", &Error{Pos: Pos{File: "c.yaml", Line: 4, Field: "steps[0].at"}, Reason: "bad"}, "c.yaml:4: steps[0].at: bad"},
		{"no line", &Error{Pos: Pos{File: "c.yaml", Field: "steps"}, Reason: "bad"}, "c.yaml: steps: bad"},
		{"no field", &Error{Pos: Pos{File: "c.yaml", Line: 2}, Reason: "bad"}, "c.yaml:2: bad"},
		{"no location", &Error{Pos: Pos{Field: "metric"}, Reason: "bad"}, "metric: bad"},
		{"line only", &Error{Pos: Pos{Line: 7}, Reason: "bad"}, "<input>:7: bad"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestChangeString(t *testing.T) {
	tests := []struct {
		change Change
		want   string
	}{
		{Change{Kind: SetMetric, From: "0", To: "1", Metric: 10}, "set-metric 0 1 metric=10"},
		{Change{Kind: LinkDown, From: "New York", To: "b"}, `link-down "New York" b`},
		{Change{Kind: LinkUp, From: "a", To: "b", Metric: 1, Capacity: 1e10, Latency: 2.5, Directed: true}, "link-up a b metric=1 capacity=1e+10 latency=2.5 directed"},
		{Change{Kind: AddPrefix, Node: "c", Prefix: netip.MustParsePrefix("192.0.2.0/24")}, "add-prefix c 192.0.2.0/24"},
		{Change{Kind: RemovePrefix, Node: "c", Prefix: netip.MustParsePrefix("2001:db8::/32")}, "remove-prefix c 2001:db8::/32"},
	}
	for _, tt := range tests {
		t.Run(string(tt.change.Kind), func(t *testing.T) {
			if got := tt.change.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
		})
	}
}
