package updates

import "testing"

// FuzzDiffApply checks that Diff never panics and that, when it returns
// a patch, Apply turns the old document into the new one.
func FuzzDiffApply(f *testing.F) {
	seeds := [][2]string{
		{`{"a":1}`, `{"a":null}`},
		{`{"a":null}`, `{"a":1}`},
		{`{"m":{"p":[1,2,3]}}`, `{"m":{"p":[1,3],"q":{}}}`},
		{`{"":{"a":1}}`, `{"":{"a":2}}`},
		{`[1,{"a":2}]`, `[{"a":2},1]`},
		{`1`, `{"a":null}`},
		{`"x"`, `null`},
		{`{"a":1e400}`, `{"a":2}`},
		{`{"a":"\u00e9\ud800"}`, `{"a/b~0":"\t"}`},
		{`{`, `{}`},
	}
	for _, ex := range rfc8895Examples {
		seeds = append(seeds, [2]string{ex.old, ex.new})
	}
	for _, s := range seeds {
		f.Add([]byte(s[0]), []byte(s[1]))
	}
	f.Fuzz(func(t *testing.T, old, new []byte) {
		kind, patch, err := Diff(old, new)
		if err != nil {
			return
		}
		got, err := Apply(old, kind, patch)
		if err != nil {
			t.Fatalf("Apply(%q, %s %q): %v", old, kind, patch, err)
		}
		if eq, err := Equal(got, new); err != nil || !eq {
			t.Fatalf("Apply(%q, %s %q) = %q, want %q (%v)", old, kind, patch, got, new, err)
		}
	})
}
