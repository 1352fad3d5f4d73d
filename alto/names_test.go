package alto

import (
	"strings"
	"testing"
)

func TestValidPIDName(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"letters and digits", "PID1", true},
		{"all punctuation allowed", "a-b:c@d_e", true},
		{"single character", "x", true},
		{"64 characters", strings.Repeat("p", 64), true},
		{"65 characters", strings.Repeat("p", 65), false},
		{"empty", "", false},
		{"reserved dot", "net.pid", false},
		{"space", "PID 1", false},
		{"slash", "a/b", false},
		{"plus", "a+b", false},
		{"non-ASCII letter", "PÎD", false},
		{"NUL byte", "a\x00b", false},
		{"tab", "a\tb", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ValidPIDName(tt.in); got != tt.want {
				t.Errorf("ValidPIDName(%q) = %v, want %v", tt.in, got, tt.want)
			}
			if got := ValidResourceID(tt.in); got != tt.want {
				t.Errorf("ValidResourceID(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestValidPropertyName(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"global name", "pid", true},
		{"private global name", "priv:ietf-example-prop", true},
		{"resource-specific name", "my-default-network-map.pid", true},
		{"32-character global name", strings.Repeat("g", 32), true},
		{"33-character global name", strings.Repeat("g", 33), false},
		{"64-character resource ID", strings.Repeat("r", 64) + ".pid", true},
		{"65-character resource ID", strings.Repeat("r", 65) + ".pid", false},
		{"bare priv prefix", "priv:", false},
		{"bare priv prefix after resource ID", "net.priv:", false},
		{"empty", "", false},
		{"empty resource ID", ".pid", false},
		{"empty global part", "net.", false},
		{"two dots", "a.b.c", false},
		{"at sign in global part", "net.p@d", false},
		{"at sign in resource ID", "n@t.pid", true},
		{"space", "my prop", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ValidPropertyName(tt.in); got != tt.want {
				t.Errorf("ValidPropertyName(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestValidTag(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"hex digest", "c0ce023b8678a7b9ec00324673b98e54656d1f6d", true},
		{"printable punctuation", "!\"#~", true},
		{"64 characters", strings.Repeat("t", 64), true},
		{"65 characters", strings.Repeat("t", 65), false},
		{"empty", "", false},
		{"space", "a b", false},
		{"DEL", "a\x7f", false},
		{"non-ASCII", "tág", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ValidTag(tt.in); got != tt.want {
				t.Errorf("ValidTag(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}
