package alto

import (
	"strings"
	"testing"
)

func TestValidCostModeEncoding(t *testing.T) {
	tests := []struct {
		mode string
		want bool
	}{
		{"numerical", true},
		{"ordinal", true},
		{"array", true},
		{"priv:my_mode-2", true},
		{strings.Repeat("m", 32), true},
		{strings.Repeat("m", 33), false},
		{"", false},
		{"two words", false},
		{"mode.dot", false},
		{"modé", false},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			if got := ValidCostModeEncoding(tt.mode); got != tt.want {
				t.Errorf("ValidCostModeEncoding(%q) = %v, want %v", tt.mode, got, tt.want)
			}
		})
	}
}

func TestCostModeMessage(t *testing.T) {
	tests := []struct {
		mode string
		want []string
	}{
		{"fuzzy", []string{`unknown cost mode "fuzzy"`, "RFC 9274, Section 5", "numerical or ordinal"}},
		{"array", []string{"array", "ane-path", "RFC 9275, Section 6.5.2"}},
		{"priv:mine", []string{`private cost mode "priv:mine"`}},
		{"two words", []string{`invalid cost mode "two words"`, "RFC 9274, Section 3.2"}},
		{strings.Repeat("m", 33), []string{"invalid cost mode", "1 to 32 characters"}},
	}
	for _, tt := range tests {
		t.Run(tt.mode, func(t *testing.T) {
			msg := CostModeMessage(tt.mode)
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q does not contain %q", msg, w)
				}
			}
		})
	}
}
