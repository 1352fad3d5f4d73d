// Package costmap implements ALTO cost maps (RFC 7285, Section 11.2.3):
// a dense matrix of path costs between the PIDs of one network map and
// its ordinal form (Section 6.1.2.2). It encodes the full response and
// the selections of the filtered cost map (Section 11.3.2) and of the
// endpoint cost service (Section 11.5.1).
package costmap

import (
	"math"
	"slices"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/jsonenc"
	"github.com/goalto/goalto/internal/networkmap"
)

// Matrix is a dense row-major matrix of costs between the PIDs of one
// network map, indexed as the network map indexes its PIDs. NaN marks a
// pair without a defined cost, which responses leave out (RFC 7285,
// Section 6.2) rather than give a made-up value.
type Matrix struct {
	N      int
	Values []float64
}

// NewMatrix returns an N by N matrix with every cost undefined.
func NewMatrix(n int) *Matrix {
	v := make([]float64, n*n)
	for i := range v {
		v[i] = math.NaN()
	}
	return &Matrix{N: n, Values: v}
}

// At returns the cost from src to dst and whether it is defined.
func (m *Matrix) At(src, dst int) (float64, bool) {
	v := m.Values[src*m.N+dst]
	return v, !math.IsNaN(v)
}

// Set sets the cost from src to dst.
func (m *Matrix) Set(src, dst int, v float64) { m.Values[src*m.N+dst] = v }

// Ordinal returns the matrix of ordinal ranks: defined costs are ranked
// from 1 upwards in increasing order, and equal costs share a rank.
func (m *Matrix) Ordinal() *Matrix {
	out := &Matrix{N: m.N, Values: slices.Clone(m.Values)}
	Rank(out.Values)
	return out
}

// Rank replaces each defined value in v by its dense rank among the
// defined values (1 for the lowest), leaving NaN entries as they are.
func Rank(v []float64) {
	sorted := make([]float64, 0, len(v))
	for _, x := range v {
		if !math.IsNaN(x) {
			sorted = append(sorted, x)
		}
	}
	slices.Sort(sorted)
	sorted = slices.Compact(sorted)
	for i, x := range v {
		if !math.IsNaN(x) {
			r, _ := slices.BinarySearch(sorted, x)
			v[i] = float64(r + 1)
		}
	}
}

// Map is a built cost map of one cost type. Its costs are a matrix over
// the nodes of a topology, or over the PIDs when costs are given per PID.
// Each PID points to one row, so many PIDs can share the costs of one
// node. A Map is immutable and safe for concurrent use.
type Map struct {
	ResourceID string
	CostType   alto.CostType
	NetworkMap *networkmap.Map
	numerical  *Matrix
	rows       []int32 // matrix row of each PID by network map index; -1 for none
	body       []byte  // nil until Prepare
}

// New returns the cost map of a cost type. numerical holds the costs of
// the metric, and rows gives the matrix row of each PID of nm (-1 when the
// PID has no costs).
func New(resourceID string, ct alto.CostType, nm *networkmap.Map, numerical *Matrix, rows []int32) *Map {
	return &Map{ResourceID: resourceID, CostType: ct, NetworkMap: nm, numerical: numerical, rows: rows}
}

// Prepare encodes the full cost map response, for maps served by GET.
func (m *Map) Prepare() {
	all := make([]int, m.NetworkMap.Len())
	for i := range all {
		all[i] = i
	}
	m.body = m.Encode(nil, m.Select(all, all, m.CostType.Mode))
}

// Body returns the encoded full cost map response, or nil if Prepare was
// not called. Callers must not modify it.
func (m *Map) Body() []byte { return m.body }

// HasCosts reports whether the PID at a network map index has a row in
// the cost matrix, that is a topology node or costs given per PID.
func (m *Map) HasCosts(pid int) bool { return m.rows[pid] >= 0 }

// Cost returns the numerical cost between two PIDs by network map index.
func (m *Map) Cost(src, dst int) (float64, bool) {
	r, c := m.rows[src], m.rows[dst]
	if r < 0 || c < 0 {
		return math.NaN(), false
	}
	return m.numerical.At(int(r), int(c))
}

// Selection is a set of source and destination PIDs, by network map
// index, with the costs to report between them.
type Selection struct {
	Srcs, Dsts []int
	m          *Map
	local      []float64 // ranks by position, local[i*len(Dsts)+j], in ordinal mode
}

// Value returns the cost from the i-th source to the j-th destination of
// the selection; NaN when undefined.
func (s *Selection) Value(i, j int) float64 {
	if s.local != nil {
		return s.local[i*len(s.Dsts)+j]
	}
	v, _ := s.m.Cost(s.Srcs[i], s.Dsts[j])
	return v
}

// Select returns the costs between srcs and dsts in the given mode. In
// ordinal mode the ranks are computed over the selected pairs only,
// because RFC 7285, Section 6.2 makes ordinal costs relative to the m*n
// entries of the response.
func (m *Map) Select(srcs, dsts []int, mode string) Selection {
	sel := Selection{Srcs: srcs, Dsts: dsts, m: m}
	if mode != alto.CostModeOrdinal {
		return sel
	}
	local := make([]float64, len(srcs)*len(dsts))
	for i := range srcs {
		for j := range dsts {
			local[i*len(dsts)+j] = sel.Value(i, j)
		}
	}
	Rank(local)
	sel.local = local
	return sel
}

// Encode appends an InfoResourceCostMap response for a selection,
// leaving out undefined costs and those that fail any constraint. A
// source left with no costs is left out too.
func (m *Map) Encode(b []byte, sel Selection, constraints ...alto.Constraint) []byte {
	b = append(b, `{"meta":{"dependent-vtags":[{"resource-id":`...)
	b = jsonenc.String(b, m.NetworkMap.ResourceID())
	b = append(b, `,"tag":"`...)
	b = append(b, m.NetworkMap.Tag()...)
	b = append(b, `"}],"cost-type":{"cost-mode":`...)
	b = jsonenc.String(b, m.CostType.Mode)
	b = append(b, `,"cost-metric":`...)
	b = jsonenc.String(b, m.CostType.Metric)
	b = append(b, `}},"cost-map":{`...)
	rows := 0
	for i, s := range sel.Srcs {
		rowStart := len(b)
		if rows > 0 {
			b = append(b, ',')
		}
		b = jsonenc.String(b, m.NetworkMap.Name(s))
		b = append(b, ":{"...)
		n := 0
		for j, d := range sel.Dsts {
			v := sel.Value(i, j)
			if math.IsNaN(v) || !MatchAll(constraints, v) {
				continue
			}
			if n > 0 {
				b = append(b, ',')
			}
			n++
			b = jsonenc.String(b, m.NetworkMap.Name(d))
			b = append(b, ':')
			b = jsonenc.Number(b, v)
		}
		if n == 0 {
			b = b[:rowStart]
			continue
		}
		b = append(b, '}')
		rows++
	}
	return append(b, "}}\n"...)
}

// MatchAll reports whether v satisfies every constraint; RFC 7285,
// Section 11.3.2.3 joins multiple constraints with a logical AND.
func MatchAll(cs []alto.Constraint, v float64) bool {
	for _, c := range cs {
		if !c.Match(v) {
			return false
		}
	}
	return true
}
