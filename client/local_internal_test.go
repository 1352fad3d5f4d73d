package client

import (
	"fmt"
	"math"
	"net/netip"
	"testing"

	"github.com/goalto/goalto/alto"
)

// chainNetwork returns a network map of n PIDs, p000 to p(n-1), each
// with one /24 of 198.18.0.0/15, and a cost map in which each PID has a cost only to
// itself and to the next PID, so that most pairs have no cost.
func chainNetwork(n int) (*alto.NetworkMap, map[string]map[string]float64) {
	nm := &alto.NetworkMap{NetworkMap: map[string]alto.EndpointAddrGroup{}}
	costs := map[string]map[string]float64{}
	for i := range n {
		pid := fmt.Sprintf("p%03d", i)
		prefix := netip.PrefixFrom(netip.AddrFrom4([4]byte{198, byte(18 + i>>8), byte(i), 0}), 24)
		nm.NetworkMap[pid] = alto.EndpointAddrGroup{alto.AddressTypeIPv4: {prefix}}
		costs[pid] = map[string]float64{pid: 0}
		if i+1 < n {
			costs[pid][fmt.Sprintf("p%03d", i+1)] = float64(i + 1)
		}
	}
	costs["p000"]["not-in-the-network-map"] = 7
	return nm, costs
}

func TestBuildCostsLayouts(t *testing.T) {
	tests := []struct {
		name      string
		pids      int
		wantDense bool
	}{
		{"dense small map", 20, true},
		{"sparse chain", 300, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nm, costMap := chainNetwork(tt.pids)
			n := buildNetwork(nm)
			c := buildCosts(n, costMap)
			if got := c.dense != nil; got != tt.wantDense {
				t.Fatalf("dense = %v, want %v", got, tt.wantDense)
			}
			for i, src := range n.pids {
				for j, dst := range n.pids {
					want, ok := costMap[src][dst]
					got := c.cost(int32(i), int32(j))
					if ok && got != want || !ok && !math.IsNaN(got) {
						t.Fatalf("cost(%s, %s) = %v, want %v (defined: %v)", src, dst, got, want, ok)
					}
				}
			}
			if got := c.cost(-1, 0); !math.IsNaN(got) {
				t.Errorf("cost from no PID = %v, want NaN", got)
			}
		})
	}
}
