package alto

import "testing"

func TestMemberValue(t *testing.T) {
	tests := []struct {
		name, obj, member, want string
		ok                      bool
	}{
		{"first member", `{"a": [1, 2], "b": 3}`, "a", `[1, 2]`, true},
		{"after nested values", `{"x": {"a": [9]}, "y": "a,}]", "a": {"srcs": []}}`, "a", `{"srcs": []}`, true},
		{"last repeated member", `{"a": 1, "a": [2]}`, "a", `[2]`, true},
		{"escaped key", `{"\u0061": "v"}`, "a", `"v"`, true},
		{"key with escaped quote", `{"a\"": 1, "a": 2}`, "a", `2`, true},
		{"case differs", `{"A": 1}`, "a", ``, false},
		{"absent", `{"b": true}`, "a", ``, false},
		{"empty object", ` { } `, "a", ``, false},
		{"not an object", `["a"]`, "a", ``, false},
		{"scalar at the end", "{\"a\":\n-1.5e3\n}", "a", `-1.5e3`, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := memberValue([]byte(tc.obj), tc.member)
			if ok != tc.ok || string(got) != tc.want {
				t.Errorf("memberValue(%s, %q) = %q, %t; want %q, %t", tc.obj, tc.member, got, ok, tc.want, tc.ok)
			}
		})
	}
}
