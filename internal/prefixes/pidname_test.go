package prefixes

import (
	"strings"
	"testing"
)

func TestValidPIDName(t *testing.T) {
	tests := []struct {
		name string
		pid  string
		want bool
	}{
		{"letters and digits", "PID1", true},
		{"all allowed symbols", "a-b:c@d_e", true},
		{"digits only", "100", true},
		{"maximum length", strings.Repeat("p", 64), true},
		{"empty", "", false},
		{"too long", strings.Repeat("p", 65), false},
		{"reserved dot", "pid.1", false},
		{"space", "pid 1", false},
		{"slash", "pid/1", false},
		{"non-ASCII letter", "pïd", false},
		{"control character", "pid\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ValidPIDName(tt.pid); got != tt.want {
				t.Errorf("ValidPIDName(%q) = %v, want %v", tt.pid, got, tt.want)
			}
		})
	}
}
