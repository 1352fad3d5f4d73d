package metrics

import (
	"os"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/goalto/goalto/internal/server"
)

// TestRejectionReasonsAgree checks that every reason the server reports
// has a series from the start, appears in the metric's HELP text, and is
// documented in docs/metrics.md and docs/security.md.
func TestRejectionReasonsAgree(t *testing.T) {
	r := New()
	c := r.RejectionObserver().(rejectionCounter)
	if n := testutil.CollectAndCount(c.vec); n != len(server.RejectionReasons) {
		t.Errorf("%d series before any rejection, want %d", n, len(server.RejectionReasons))
	}
	families, err := r.Gatherer().Gather()
	if err != nil {
		t.Fatal(err)
	}
	var help string
	for _, f := range families {
		if f.GetName() == "alto_server_rejected_requests_total" {
			help = f.GetHelp()
		}
	}
	docs := map[string]string{}
	for _, name := range []string{"../../docs/metrics.md", "../../docs/security.md"} {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		docs[name] = string(data)
	}
	for _, reason := range server.RejectionReasons {
		t.Run(reason, func(t *testing.T) {
			if !strings.Contains(help, reason) {
				t.Errorf("HELP text %q lacks %s", help, reason)
			}
			for name, text := range docs {
				if !strings.Contains(text, "`"+reason+"`") {
					t.Errorf("%s does not name `%s`", name, reason)
				}
			}
		})
	}
}
