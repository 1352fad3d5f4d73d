package daemon_test

import (
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// doHeaders gets a path with every Authorization value in auth, as
// separate header lines, and returns the response with its body read.
func (s *accessServer) doHeaders(t *testing.T, path string, auth []string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.origin+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range auth {
		req.Header.Add("Authorization", a)
	}
	resp, err := s.anonymous.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func TestAccessSeveralAuthorizationHeaders(t *testing.T) {
	s := startAccessServer(t)
	tests := []struct {
		name string
		auth []string
	}{
		{"basic and invalid bearer", []string{s.basic(s.password), "Bearer nonsense"}},
		{"invalid bearer and basic", []string{"Bearer nonsense", s.basic(s.password)}},
		{"same basic twice", []string{s.basic(s.password), s.basic(s.password)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := s.doHeaders(t, "/costmap/num", tc.auth)
			if resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("status = %d, want 400: %s", resp.StatusCode, body)
			}
			if got := mediaTypeOf(resp.Header); got != "text/plain" {
				t.Errorf("Content-Type = %q, want text/plain", got)
			}
			if strings.Contains(string(body), "cost-map") {
				t.Errorf("the rejected request got cost map content: %s", body)
			}
		})
	}
	if got := s.rejections(t, "auth_failed"); got != float64(len(tests)) {
		t.Errorf("auth_failed = %v, want %d", got, len(tests))
	}
}

func TestAccessBearerErrorOnlyForTokens(t *testing.T) {
	s := startAccessServer(t)
	tests := []struct {
		name       string
		auth       string
		wantBearer string
	}{
		{"wrong password", s.basic("guess"), `Bearer realm="ALTO"`},
		{"unknown scheme", "Negotiate abc", `Bearer realm="ALTO"`},
		{"no credentials", "", `Bearer realm="ALTO"`},
		{"wrong token", "Bearer nope", `Bearer realm="ALTO", error="invalid_token"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var auth []string
			if tc.auth != "" {
				auth = []string{tc.auth}
			}
			resp, body := s.doHeaders(t, "/costmap/num", auth)
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("status = %d, want 401: %s", resp.StatusCode, body)
			}
			challenges := resp.Header.Values("WWW-Authenticate")
			if !slices.Contains(challenges, tc.wantBearer) {
				t.Errorf("WWW-Authenticate = %q, want %q among them", challenges, tc.wantBearer)
			}
		})
	}
}
