package pathvector

import (
	"fmt"
	"math"
	"strconv"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/costmap"
	"github.com/goalto/goalto/internal/snapshot"
)

// costColumn is one cost type of a multi-cost request: the path vector
// (m nil) or a numerical or ordinal cost read from a cost map.
type costColumn struct {
	costType alto.CostType
	m        *costmap.Map
}

// multiCostRequest holds the RFC 8189 members of a request.
type multiCostRequest struct {
	MultiCostTypes    []alto.CostType
	TestableCostTypes []alto.CostType
	OrConstraints     [][]alto.Constraint
}

// tooManyCostTypes reports whether a request that passes the earlier
// checks of checkMultiCost has more cost types than the resource's
// max-cost-types, a limit that counts as a cost_types rejection.
func tooManyCostTypes(res *snapshot.Resource, p multiCostRequest) bool {
	return len(p.TestableCostTypes) == 0 && len(p.OrConstraints) == 0 &&
		res.MaxCostTypes > 0 && len(p.MultiCostTypes) > res.MaxCostTypes
}

// checkMultiCost checks the RFC 8189 members of a path vector request
// (RFC 9275, Section 9.2) and returns the cost column of each type in
// multi-cost-types. The resource must offer multi-cost requests
// (max-cost-types), each type must be one of its cost types, and
// constraint tests are rejected, because the resource has no
// testable-cost-type-names.
func checkMultiCost(snap *snapshot.Snapshot, res *snapshot.Resource, p multiCostRequest) ([]costColumn, error) {
	switch {
	case len(p.TestableCostTypes) > 0:
		return nil, alto.NewInvalidValue("testable-cost-types", "", "this path vector resource accepts no constraint tests")
	case len(p.OrConstraints) > 0:
		return nil, alto.NewInvalidValue("or-constraints", "", "this path vector resource accepts no constraint tests")
	case res.MaxCostTypes == 0:
		return nil, alto.NewInvalidValue("multi-cost-types", "", "this path vector resource takes cost-type only: its directory entry has no max-cost-types")
	case tooManyCostTypes(res, p):
		return nil, alto.NewInvalidValue("multi-cost-types", strconv.Itoa(len(p.MultiCostTypes)),
			fmt.Sprintf("this resource accepts at most %d cost types (max-cost-types)", res.MaxCostTypes))
	}
	columns := make([]costColumn, len(p.MultiCostTypes))
	for i, ct := range p.MultiCostTypes {
		columns[i].costType = ct
		if ct.Equal(alto.PathVectorCostType) {
			continue
		}
		m, _ := snap.CostMap(res.CostTypes[1:], ct)
		if m == nil {
			return nil, alto.NewInvalidValue("multi-cost-types", ct.Mode+" "+ct.Metric,
				"this resource does not offer the cost type; its directory entry lists cost-type-names")
		}
		columns[i].m = m
	}
	return columns, nil
}

// multiCostValues returns, for each pair with a path, the values of the
// numeric columns in request order, and drops the pairs where one is
// undefined, as RFC 7285 leaves out undefined costs. Ordinal costs rank
// each column over the returned pairs.
func multiCostValues(req *request, pairs []pair, paths [][]element) ([]pair, [][]element, [][]float64) {
	var keptPairs []pair
	var keptPaths [][]element
	var values [][]float64
	for k, p := range pairs {
		row := make([]float64, len(req.columns))
		defined := true
		for c, col := range req.columns {
			if col.m == nil {
				continue
			}
			v, ok := pairCost(col.m, req.srcPIDs[p.src], req.dstPIDs[p.dst])
			defined = defined && ok
			row[c] = v
		}
		if defined {
			keptPairs, keptPaths, values = append(keptPairs, p), append(keptPaths, paths[k]), append(values, row)
		}
	}
	for c, col := range req.columns {
		if col.m == nil || col.costType.Mode != alto.CostModeOrdinal {
			continue
		}
		column := make([]float64, len(values))
		for k := range values {
			column[k] = values[k][c]
		}
		costmap.Rank(column)
		for k := range values {
			values[k][c] = column[k]
		}
	}
	return keptPairs, keptPaths, values
}

// pairCost returns the cost between two PIDs; ok is false when it is
// undefined.
func pairCost(m *costmap.Map, src, dst int) (float64, bool) {
	if src < 0 || dst < 0 {
		return 0, false
	}
	v, ok := m.Cost(src, dst)
	return v, ok && !math.IsNaN(v)
}

// multiCostEntries returns the cost map data of a multi-cost response:
// for each pair, the array of its values in the order of
// multi-cost-types, the path vector as the array of its ANE names
// (RFC 9275, Section 8.6).
func multiCostEntries(req *request, pairs []pair, anePaths [][]int, names []string, values [][]float64) map[string]map[string][]any {
	costs := map[string]map[string][]any{}
	for k, p := range pairs {
		row := costs[req.srcs[p.src]]
		if row == nil {
			row = map[string][]any{}
			costs[req.srcs[p.src]] = row
		}
		entry := make([]any, len(req.columns))
		for c, col := range req.columns {
			if col.m != nil {
				entry[c] = values[k][c]
				continue
			}
			seq := make([]string, len(anePaths[k]))
			for n, a := range anePaths[k] {
				seq[n] = names[a]
			}
			entry[c] = seq
		}
		row[req.dsts[p.dst]] = entry
	}
	return costs
}

// hasPathColumn reports whether a multi-cost request asks for the path
// vector.
func hasPathColumn(columns []costColumn) bool {
	for _, c := range columns {
		if c.m == nil {
			return true
		}
	}
	return false
}
