package snapshot

import (
	"github.com/gaissmai/bart"

	"github.com/goalto/goalto/internal/topology"
)

// attachByPrefix gives every PID that has no topology node yet the node
// that advertises its prefixes. Each prefix of the PID votes for the
// node with the longest prefix (in Node.Prefixes or Node.Advertised)
// that covers it, and the PID takes the node with the most votes, the
// lower node index on a tie. A prefix that several nodes list belongs to
// the first of them. The default PID is left out: it covers everything
// and takes its node from the definition only.
func (a *assignment) attachByPrefix(g *topology.Graph, defaultPID string) {
	if g == nil {
		return
	}
	var lpm bart.Table[int]
	for i := len(g.Nodes) - 1; i >= 0; i-- { // the first node wins
		for _, p := range g.Nodes[i].Prefixes {
			lpm.Insert(p, i)
		}
		for _, p := range g.Nodes[i].Advertised {
			lpm.Insert(p, i)
		}
	}
	if lpm.Size() == 0 {
		return
	}
	votes := map[string]map[int]int{}
	for _, as := range a.assignments {
		if _, attached := a.pidNode[as.PID]; attached || as.PID == defaultPID {
			continue
		}
		node, ok := lpm.LookupPrefix(as.Prefix)
		if !ok {
			continue
		}
		if votes[as.PID] == nil {
			votes[as.PID] = map[int]int{}
		}
		votes[as.PID][node]++
	}
	for pid, byNode := range votes {
		best, most := -1, 0
		for node, n := range byNode {
			if n > most || (n == most && node < best) {
				best, most = node, n
			}
		}
		a.pidNode[pid] = best
	}
}
