package defaultnet

import (
	"testing"

	"github.com/goalto/goalto/internal/snapshot"
)

func TestDefinitionBuilds(t *testing.T) {
	def, err := Definition()
	if err != nil {
		t.Fatal(err)
	}
	s, err := snapshot.Build(def)
	if err != nil {
		t.Fatal(err)
	}
	// 47 LHCONE networks carry site prefixes, plus the default PID.
	if got := s.NetworkMap.Len(); got != 48 {
		t.Errorf("got %d PIDs, want 48", got)
	}
	if s.Stats.TopologyNodes != 62 || s.Stats.TopologyLinks != 124 {
		t.Errorf("topology = %d nodes, %d links; want 62 and 124", s.Stats.TopologyNodes, s.Stats.TopologyLinks)
	}
	for _, pid := range []string{"CERN", "FNAL", "AGLT2", "default"} {
		if _, ok := s.NetworkMap.Index(pid); !ok {
			t.Errorf("PID %s missing", pid)
		}
	}
	if len(s.CostMaps) != 4 {
		t.Errorf("got %d cost maps, want 4", len(s.CostMaps))
	}
}
