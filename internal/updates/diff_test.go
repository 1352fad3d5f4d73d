package updates

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
)

func TestDiffApply(t *testing.T) {
	cases := []struct {
		name     string
		old, new string
		want     PatchKind
	}{
		{"add key", `{"a":1}`, `{"a":1,"b":2}`, MergePatch},
		{"remove key", `{"a":1,"b":2}`, `{"a":1}`, MergePatch},
		{"change value", `{"a":1,"b":"x"}`, `{"a":1,"b":"y"}`, MergePatch},
		{"nested objects", `{"m":{"p":{"q":1,"r":2},"s":{"t":3}}}`, `{"m":{"p":{"q":5},"s":{"t":3,"u":{"v":true}}}}`, MergePatch},
		{"array element", `{"ipv4":["192.0.2.0/24","198.51.100.0/25"]}`, `{"ipv4":["192.0.2.0/24","203.0.113.0/25"]}`, MergePatch},
		{"array with null", `{"a":[1,2]}`, `{"a":[1,null]}`, MergePatch},
		{"no change", `{"a":{"b":[1,2]}}`, `{"a":{"b":[1,2]}}`, MergePatch},
		{"value becomes null", `{"a":1,"b":2}`, `{"a":null,"b":2}`, JSONPatch},
		{"nested value becomes null", `{"p":{"ipv4:192.0.2.1":{"priv:x":"1"}}}`, `{"p":{"ipv4:192.0.2.1":{"priv:x":null}}}`, JSONPatch},
		{"added member is null", `{"a":1}`, `{"a":1,"b":null}`, JSONPatch},
		{"null inside added object", `{"a":{}}`, `{"a":{"b":{"c":null}}}`, JSONPatch},
		{"null becomes value", `{"a":null,"b":2}`, `{"a":1,"b":2}`, MergePatch},
		{"null member removed", `{"a":null,"b":2}`, `{"b":2}`, MergePatch},
		{"key with slash and tilde", `{"a/b~c":1}`, `{"a/b~c":null}`, JSONPatch},
		{"top-level array", `[1,2,3]`, `[1,3]`, JSONPatch},
		{"scalar to scalar", `1`, `"x"`, MergePatch},
		{"object to null", `{"a":1}`, `null`, MergePatch},
		{"scalar to object", `true`, `{"a":[1]}`, MergePatch},
		{"number forms", `{"a":1}`, `{"a":1.5e3}`, MergePatch},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			kind, patch, err := Diff([]byte(tc.old), []byte(tc.new))
			if err != nil {
				t.Fatalf("Diff: %v", err)
			}
			if kind != tc.want {
				t.Errorf("kind = %s, want %s (patch %s)", kind, tc.want, patch)
			}
			got, err := Apply([]byte(tc.old), kind, patch)
			if err != nil {
				t.Fatalf("Apply %s %s: %v", kind, patch, err)
			}
			if mustCanonical(t, got) != mustCanonical(t, []byte(tc.new)) {
				t.Errorf("Apply(old, %s) = %s, want %s", patch, got, tc.new)
			}
		})
	}
}

// The update examples of RFC 8895, Sections 3.1.2.1 and 3.1.2.2. The
// merge patch of the cost map example is given with the comma that the
// RFC text lacks after "meta".
var rfc8895Examples = []struct {
	name, old, new, patch string
}{
	{
		name: "network map",
		old: `{"meta":{"vtag":{"resource-id":"my-network-map","tag":"da65eca2eb7a10ce8b059740b0b2e3f8eb1d4785"}},
			"network-map":{"PID1":{"ipv4":["192.0.2.0/24","198.51.100.0/25"]},"PID2":{"ipv4":["198.51.100.128/25"]},
			"PID3":{"ipv4":["0.0.0.0/0"],"ipv6":["::/0"]}}}`,
		new: `{"meta":{"vtag":{"resource-id":"my-network-map","tag":"a10ce8b059740b0b2e3f8eb1d4785acd42231bfe"}},
			"network-map":{"PID1":{"ipv4":["192.0.2.0/24","198.51.100.0/25","203.0.113.0/25"],"ipv6":["2001:db8:8000::/33"]},
			"PID3":{"ipv4":["0.0.0.0/0"],"ipv6":["::/0"]}}}`,
		patch: `{"meta":{"vtag":{"tag":"a10ce8b059740b0b2e3f8eb1d4785acd42231bfe"}},
			"network-map":{"PID1":{"ipv4":["192.0.2.0/24","198.51.100.0/25","203.0.113.0/25"],"ipv6":["2001:db8:8000::/33"]},"PID2":null}}`,
	},
	{
		name: "cost map",
		old: `{"meta":{"dependent-vtags":[{"resource-id":"my-network-map","tag":"a10ce8b059740b0b2e3f8eb1d4785acd42231bfe"}],
			"cost-type":{"cost-mode":"numerical","cost-metric":"routingcost"},
			"vtag":{"resource-id":"my-cost-map","tag":"3ee2cb7e8d63d9fab71b9b34cbf764436315542e"}},
			"cost-map":{"PID1":{"PID1":1,"PID2":5,"PID3":10},"PID2":{"PID1":5,"PID2":1,"PID3":15},"PID3":{"PID1":20,"PID2":15}}}`,
		new: `{"meta":{"dependent-vtags":[{"resource-id":"my-network-map","tag":"a10ce8b059740b0b2e3f8eb1d4785acd42231bfe"}],
			"cost-type":{"cost-mode":"numerical","cost-metric":"routingcost"},
			"vtag":{"resource-id":"my-cost-map","tag":"c0ce023b8678a7b9ec00324673b98e54656d1f6d"}},
			"cost-map":{"PID1":{"PID1":1,"PID2":9,"PID3":10},"PID2":{"PID1":5,"PID2":1,"PID3":15},"PID3":{"PID2":15,"PID3":1}}}`,
		patch: `{"meta":{"vtag":{"tag":"c0ce023b8678a7b9ec00324673b98e54656d1f6d"}},
			"cost-map":{"PID1":{"PID2":9},"PID3":{"PID1":null,"PID3":1}}}`,
	},
}

func TestDiffRFC8895Examples(t *testing.T) {
	for _, ex := range rfc8895Examples {
		t.Run(ex.name, func(t *testing.T) {
			kind, patch, err := Diff([]byte(ex.old), []byte(ex.new))
			if err != nil {
				t.Fatal(err)
			}
			if kind != MergePatch {
				t.Errorf("kind = %s, want %s", kind, MergePatch)
			}
			if mustCanonical(t, patch) != mustCanonical(t, []byte(ex.patch)) {
				t.Errorf("patch = %s, want the RFC's %s", patch, ex.patch)
			}
			got, err := Apply([]byte(ex.old), MergePatch, []byte(ex.patch))
			if err != nil {
				t.Fatal(err)
			}
			if mustCanonical(t, got) != mustCanonical(t, []byte(ex.new)) {
				t.Errorf("the RFC's patch gives %s, want %s", got, ex.new)
			}
		})
	}
}

func TestApplyErrors(t *testing.T) {
	cases := []struct {
		name  string
		doc   string
		kind  PatchKind
		patch string
	}{
		{"unknown kind", `{}`, "application/json", `{}`},
		{"invalid document", `{`, MergePatch, `{}`},
		{"invalid merge patch", `{}`, MergePatch, `{"a":}`},
		{"trailing data", `{} {}`, MergePatch, `{}`},
		{"JSON patch not an array", `{}`, JSONPatch, `{"op":"add"}`},
		{"remove missing member", `{"a":1}`, JSONPatch, `[{"op":"remove","path":"/b"}]`},
		{"negative index", `{"a":[1,2]}`, JSONPatch, `[{"op":"remove","path":"/a/-1"}]`},
		{"failed test", `{"a":1}`, JSONPatch, `[{"op":"test","path":"/a","value":2}]`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if out, err := Apply([]byte(tc.doc), tc.kind, []byte(tc.patch)); err == nil {
				t.Errorf("Apply = %s, want an error", out)
			}
		})
	}
}

func TestDiffInvalidJSON(t *testing.T) {
	for _, pair := range [][2]string{{`{`, `{}`}, {`{}`, `[1,`}, {``, `{}`}, {`{}`, `{}x`}} {
		if _, _, err := Diff([]byte(pair[0]), []byte(pair[1])); !errors.Is(err, ErrInvalidJSON) {
			t.Errorf("Diff(%q, %q) error = %v, want ErrInvalidJSON", pair[0], pair[1], err)
		}
	}
}

func TestEqualAndCanonical(t *testing.T) {
	cases := []struct {
		a, b  string
		equal bool
	}{
		{`{"a":1,"b":[1,2]}`, `{ "b" : [1, 2], "a" : 1 }`, true},
		{`{"a":1}`, `{"a":1.0}`, true},
		{`{"a":100}`, `{"a":1e2}`, true},
		{`{"a":[1,2]}`, `{"a":[2,1]}`, false},
		{`{"a":null}`, `{}`, false},
		{`{"a":"1"}`, `{"a":1}`, false},
		{`{"a":true}`, `{"a":false}`, false},
	}
	for _, tc := range cases {
		t.Run(tc.a+" "+tc.b, func(t *testing.T) {
			eq, err := Equal([]byte(tc.a), []byte(tc.b))
			if err != nil || eq != tc.equal {
				t.Errorf("Equal = %v, %v; want %v", eq, err, tc.equal)
			}
			same := mustCanonical(t, []byte(tc.a)) == mustCanonical(t, []byte(tc.b))
			if same != tc.equal {
				t.Errorf("canonical forms identical = %v, want %v", same, tc.equal)
			}
		})
	}
}

// TestDiffApplyRandom checks Apply(old, Diff(old, new)) == new for
// random documents and random edits of them.
func TestDiffApplyRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(7396, 6902))
	kinds := map[PatchKind]int{}
	for n := range 2000 {
		oldValue := randomValue(rng, 4, true)
		newValue := editValue(rng, deepCopy(oldValue), 3)
		old, new := mustMarshal(t, oldValue), mustMarshal(t, newValue)
		kind, patch, err := Diff(old, new)
		if err != nil {
			t.Fatalf("case %d: Diff(%s, %s): %v", n, old, new, err)
		}
		kinds[kind]++
		got, err := Apply(old, kind, patch)
		if err != nil {
			t.Fatalf("case %d: Apply(%s, %s %s): %v", n, old, kind, patch, err)
		}
		if mustCanonical(t, got) != mustCanonical(t, new) {
			t.Fatalf("case %d: Apply(%s, %s %s) = %s, want %s", n, old, kind, patch, got, new)
		}
	}
	if kinds[MergePatch] == 0 || kinds[JSONPatch] == 0 {
		t.Errorf("patch kinds %v: want both kinds among random edits", kinds)
	}
}

var randomKeys = []string{"a", "b", "c", "PID1", "PID2", "x/y", "m~n", ""}

// randomValue returns a random JSON value; object is set for an object.
func randomValue(rng *rand.Rand, depth int, object bool) any {
	kind := rng.IntN(7)
	if object {
		kind = 0
	}
	if depth == 0 && kind < 2 {
		kind = 2 + rng.IntN(5)
	}
	switch kind {
	case 0:
		m := map[string]any{}
		for range rng.IntN(5) {
			m[randomKeys[rng.IntN(len(randomKeys))]] = randomValue(rng, depth-1, false)
		}
		return m
	case 1:
		a := []any{}
		for range rng.IntN(4) {
			a = append(a, randomValue(rng, depth-1, false))
		}
		return a
	case 2:
		return nil
	case 3:
		return rng.IntN(2) == 0
	case 4:
		return float64(rng.IntN(100)) / 4
	default:
		return fmt.Sprint("s", rng.IntN(5))
	}
}

// editValue changes a value in place at random places and returns it.
func editValue(rng *rand.Rand, v any, depth int) any {
	switch v := v.(type) {
	case map[string]any:
		for range 1 + rng.IntN(3) {
			key := randomKeys[rng.IntN(len(randomKeys))]
			switch rng.IntN(5) {
			case 0:
				delete(v, key)
			case 1:
				v[key] = nil
			case 2:
				if e, ok := v[key]; ok && depth > 0 {
					v[key] = editValue(rng, e, depth-1)
				}
			default:
				v[key] = randomValue(rng, 2, false)
			}
		}
		return v
	case []any:
		if len(v) > 0 && rng.IntN(2) == 0 {
			k := rng.IntN(len(v))
			v[k] = editValue(rng, v[k], depth-1)
			return v
		}
		return append(v, randomValue(rng, 1, false))
	}
	return randomValue(rng, 1, false)
}

func deepCopy(v any) any {
	switch v := v.(type) {
	case map[string]any:
		c := make(map[string]any, len(v))
		for k, e := range v {
			c[k] = deepCopy(e)
		}
		return c
	case []any:
		c := make([]any, len(v))
		for k, e := range v {
			c[k] = deepCopy(e)
		}
		return c
	}
	return v
}

func mustMarshal(tb testing.TB, v any) []byte {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}
