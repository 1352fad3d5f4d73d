package server

import "testing"

func TestAcceptable(t *testing.T) {
	tests := []struct {
		accept string
		want   bool
	}{
		{"", true},
		{"application/alto-costmap+json", true},
		{"Application/ALTO-CostMap+JSON", true},
		{"application/*", true},
		{"*/*", true},
		{"text/html", false},
		{"application/alto-costmap+json;q=0", false},
		{"*/*, application/alto-costmap+json;q=0", false},
		{"application/alto-costmap+json;q=0, */*", false},
		{"application/alto-costmap+json;type=application/x+json", true}, // unquoted parameter, as RFC 9275 sends
	}
	for _, tc := range tests {
		var values []string
		if tc.accept != "" {
			values = []string{tc.accept}
		}
		if got := Acceptable(values, "application/alto-costmap+json"); got != tc.want {
			t.Errorf("Acceptable(%q) = %v, want %v", tc.accept, got, tc.want)
		}
	}
}
