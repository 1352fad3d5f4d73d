package pathvector_test

import (
	"strings"
	"testing"

	"github.com/goalto/goalto/internal/pathvector"
)

const validBody = "--b\r\nContent-ID: <costmap@example.com>\r\nContent-Type: application/alto-costmap+json\r\n\r\n{}\r\n" +
	"--b\r\nContent-ID: <propmap@example.com>\r\nContent-Type: application/alto-propmap+json\r\n\r\n{}\r\n--b--\r\n"

func TestDecodeRejects(t *testing.T) {
	const ct = `multipart/related; boundary=b; type="application/alto-costmap+json"`
	for _, tc := range []struct {
		name, contentType, body, want string
	}{
		{"valid unquoted type", "multipart/related; boundary=b; type=application/alto-costmap+json", validBody, ""},
		{"valid start", ct + `; start="<costmap@example.com>"`, validBody, ""},
		{"not multipart", "application/alto-costmap+json", validBody, "is not multipart/related"},
		{"missing type", "multipart/related; boundary=b", validBody, "type parameter"},
		{"missing boundary", `multipart/related; type="application/alto-costmap+json"`, validBody, "missing boundary"},
		{"start names other part", ct + `; start="<propmap@example.com>"`, validBody, "start parameter"},
		{"one part", ct, "--b\r\nContent-ID: <costmap@example.com>\r\nContent-Type: application/alto-costmap+json\r\n\r\n{}\r\n--b--\r\n", "1 parts"},
		{"three parts", ct, strings.TrimSuffix(validBody, "--b--\r\n") + "--b\r\nContent-ID: <x@example.com>\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--\r\n", "more than two parts"},
		{"bad Content-ID", ct, strings.Replace(validBody, "<costmap@example.com>", "costmap", 1), "Content-ID"},
		{"no root part", `multipart/related; boundary=b; type="application/alto-endpointcost+json"`, validBody, "no part of type application/alto-endpointcost+json"},
		{"unterminated", ct, strings.TrimSuffix(validBody, "--b--\r\n"), "unexpected EOF"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := pathvector.Decode(tc.contentType, strings.NewReader(tc.body))
			if tc.want == "" {
				if err != nil {
					t.Fatalf("error %v", err)
				}
				if m.Root() == nil || m.Root().ContentID != "<costmap@example.com>" {
					t.Errorf("root part %+v", m.Root())
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// FuzzDecode checks that Decode never panics and that a message it
// accepts has the two parts it promises.
func FuzzDecode(f *testing.F) {
	f.Add(`multipart/related; boundary=b; type="application/alto-costmap+json"`, validBody)
	f.Add("multipart/related; boundary=b; type=application/alto-costmap+json", validBody)
	f.Add(`multipart/related; boundary=b; type="application/alto-endpointcost+json"; start="<ecs@a>"`, strings.ReplaceAll(validBody, "costmap", "endpointcost"))
	f.Fuzz(func(t *testing.T, contentType, body string) {
		m, err := pathvector.Decode(contentType, strings.NewReader(body))
		if err != nil {
			return
		}
		if len(m.Parts) != 2 || m.Root() == nil || m.PropertyMap() == nil {
			t.Fatalf("accepted a message without its two parts: %+v", m)
		}
	})
}
