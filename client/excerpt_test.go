package client

import "testing"

func TestExcerpt(t *testing.T) {
	tests := []struct {
		name string
		body string
		max  int
		want string
	}{
		{"short", "not found\n", 20, "not found"},
		{"white space runs", "a\r\n\tb   c", 20, "a b c"},
		{"control characters", "a\x00\x1bb", 20, "a b"},
		{"cut", "abcdefgh", 4, "abcd..."},
		{"cut inside a rune", "ab\u00e9", 3, "ab\ufffd..."},
		{"empty", "", 20, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := excerpt([]byte(tt.body), tt.max); got != tt.want {
				t.Errorf("excerpt(%q, %d) = %q, want %q", tt.body, tt.max, got, tt.want)
			}
		})
	}
}
