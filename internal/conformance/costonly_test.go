package conformance

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestUpdatesWhenOnlyCostMapsChange runs the update checks with a
// trigger that changes a link metric only: the cost maps change and the
// network map does not, which has no next version for a view to wait on.
func TestUpdatesWhenOnlyCostMapsChange(t *testing.T) {
	e := newTestEnv(t, modePlain, nil)
	// The metric of a-b swings across the 34 of the detour a-e-d-c-b, so
	// every change moves hop counts as well as routing costs.
	metric := 10
	cfg := e.config()
	cfg.Only = []string{"tips.updates", "sse.patches"}
	cfg.Trigger = func(context.Context) error {
		metric = 50 - metric // 10 and 40 in turn
		topo := strings.Replace(testTopologies[0], "{from: a, to: b, metric: 10}", "{from: a, to: b, metric: "+strconv.Itoa(metric)+"}", 1)
		tmp := e.topology + ".tmp"
		if err := os.WriteFile(tmp, []byte(topo), 0o644); err != nil {
			return err
		}
		if err := os.Rename(tmp, e.topology); err != nil {
			return err
		}
		return e.d.Reload()
	}
	report, err := Run(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range cfg.Only {
		if r, ok := report.Result(id); !ok || r.Status != Pass {
			t.Errorf("%s: %+v, want pass", id, r)
		}
	}
}
