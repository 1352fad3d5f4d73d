package daemon

import (
	"net"
	"strings"
	"testing"
)

func TestHostHeaderWarning(t *testing.T) {
	withTIPS, err := Build("")
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	if !offersTIPS(withTIPS) {
		t.Fatal("the built-in network offers no TIPS resource")
	}
	tests := []struct {
		name    string
		addr    net.Addr
		baseURL string
		want    bool
	}{
		{"IPv4 loopback", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8181}, "", false},
		{"IPv6 loopback", &net.TCPAddr{IP: net.IPv6loopback, Port: 8181}, "", false},
		{"unspecified", &net.TCPAddr{IP: net.IPv4zero, Port: 8181}, "", true},
		{"public address", &net.TCPAddr{IP: net.IPv4(192, 0, 2, 10), Port: 443}, "", true},
		{"public address with base-url", &net.TCPAddr{IP: net.IPv4(192, 0, 2, 10), Port: 443}, "https://alto.example.net", false},
	}
	if got := hostHeaderWarning("", false, &net.TCPAddr{IP: net.IPv4zero, Port: 8181}); got != "" {
		t.Errorf("warning without TIPS = %q, want none", got)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := hostHeaderWarning(tc.baseURL, true, tc.addr)
			if tc.want && !strings.Contains(got, "base-url") {
				t.Errorf("warning = %q, want one that names base-url", got)
			}
			if !tc.want && got != "" {
				t.Errorf("warning = %q, want none", got)
			}
		})
	}
}
