package server

import (
	"math"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/costmap"
	"github.com/goalto/goalto/internal/jsonenc"
)

var nan = math.NaN()

// encodeEndpointCosts writes an InfoResourceEndpointCostMap, RFC 7285,
// Section 11.5.1.6, leaving out undefined costs, costs that fail a
// constraint, and sources left with no costs.
func encodeEndpointCosts(ct alto.CostType, srcs, dsts []string, values []float64, cs []alto.Constraint) []byte {
	b := make([]byte, 0, 128+len(srcs)*len(dsts)*32)
	b = append(b, `{"meta":{"cost-type":{"cost-mode":`...)
	b = jsonenc.String(b, ct.Mode)
	b = append(b, `,"cost-metric":`...)
	b = jsonenc.String(b, ct.Metric)
	b = append(b, `}},"endpoint-cost-map":{`...)
	rows := 0
	for i, s := range srcs {
		start := len(b)
		if rows > 0 {
			b = append(b, ',')
		}
		b = jsonenc.String(b, s)
		b = append(b, ":{"...)
		n := 0
		for j, d := range dsts {
			v := values[i*len(dsts)+j]
			if math.IsNaN(v) || !costmap.MatchAll(cs, v) {
				continue
			}
			if n > 0 {
				b = append(b, ',')
			}
			n++
			b = jsonenc.String(b, d)
			b = append(b, ':')
			b = jsonenc.Number(b, v)
		}
		if n == 0 {
			b = b[:start]
			continue
		}
		b = append(b, '}')
		rows++
	}
	return append(b, "}}\n"...)
}

// encodeEndpointMultiCosts writes an InfoResourceEndpointCostMap as
// RFC 8189, Section 4.2.3 extends it: a "multi-cost-types" meta and
// array-valued costs, or number costs for a cost-type request.
func encodeEndpointMultiCosts(srcs, dsts []string, c *costmap.Costs) []byte {
	b := make([]byte, 0, 128+len(srcs)*len(dsts)*16*len(c.Grids))
	b = append(b, `{"meta":{`...)
	b = c.AppendMetaCostType(b)
	b = append(b, `},"endpoint-cost-map":{`...)
	b = c.AppendRows(b, srcs, dsts)
	return append(b, "}}\n"...)
}
