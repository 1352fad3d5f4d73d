package mrt

import (
	"strconv"
	"strings"

	"github.com/osrg/gobgp/v4/pkg/packet/bgp"
)

// AS_PATH segment types (RFC 4271, Section 4.3, and RFC 5065, Section 3).
const (
	SegmentSet            = 1
	SegmentSequence       = 2
	SegmentConfedSequence = 3
	SegmentConfedSet      = 4
)

// asTrans is the 2-byte placeholder for a 4-byte AS number (RFC 6793).
const asTrans = 23456

// Segment is one AS_PATH segment.
type Segment struct {
	Type uint8 // SegmentSet, SegmentSequence, SegmentConfedSequence or SegmentConfedSet
	ASNs []uint32
}

// segmentsOf converts a decoded AS_PATH or AS4_PATH value.
func segmentsOf(params []bgp.AsPathParamInterface) []Segment {
	out := make([]Segment, 0, len(params))
	for _, p := range params {
		out = append(out, Segment{Type: p.GetType(), ASNs: p.GetAS()})
	}
	return out
}

// OriginAS returns the AS that originated a route: the last AS of the last
// AS_SEQUENCE or AS_SET segment. Confederation segments are ignored,
// because they name member ASes inside a confederation, not the origin. An
// AS_SET at the end of the path comes from aggregation (RFC 4271, Section
// 9.2.2.2): a set of one AS yields that AS, and a set of several ASes
// yields 0, because any member could be the origin. An empty path, such as
// a route of the collector's own AS, also yields 0.
func OriginAS(path []Segment) uint32 {
	for i := len(path) - 1; i >= 0; i-- {
		s := path[i]
		switch s.Type {
		case SegmentSequence:
			if len(s.ASNs) > 0 {
				return s.ASNs[len(s.ASNs)-1]
			}
		case SegmentSet:
			if len(s.ASNs) == 1 {
				return s.ASNs[0]
			}
			return 0
		}
	}
	return 0
}

// PathLength returns the AS path length that route selection compares: each
// AS of an AS_SEQUENCE counts 1, an AS_SET counts 1 whatever its size, and
// confederation segments count 0 (RFC 4271, Section 9.1.2.2, and RFC 5065,
// Section 5.3).
func PathLength(path []Segment) int {
	n := 0
	for _, s := range path {
		switch s.Type {
		case SegmentSequence:
			n += len(s.ASNs)
		case SegmentSet:
			n++
		}
	}
	return n
}

// FormatASPath renders a path as bgpdump does: ASes separated by spaces, an
// AS_SET as "{a,b}", an AS_CONFED_SEQUENCE as "(a b)" and an AS_CONFED_SET
// as "[a,b]".
func FormatASPath(path []Segment) string {
	var b strings.Builder
	for i, s := range path {
		if i > 0 {
			b.WriteByte(' ')
		}
		open, sep, end := "", " ", ""
		switch s.Type {
		case SegmentSet:
			open, sep, end = "{", ",", "}"
		case SegmentConfedSequence:
			open, end = "(", ")"
		case SegmentConfedSet:
			open, sep, end = "[", ",", "]"
		}
		b.WriteString(open)
		for j, asn := range s.ASNs {
			if j > 0 {
				b.WriteString(sep)
			}
			b.WriteString(strconv.FormatUint(uint64(asn), 10))
		}
		b.WriteString(end)
	}
	return b.String()
}

// pathOf returns the AS path of a route from its attributes. When a 2-byte
// AS_PATH ends in AS_TRANS and an AS4_PATH is present, the path is the
// AS4_PATH, so that the origin is the real 4-byte AS.
// NOTE: this skips the merge of RFC 6793, Section 4.2.3, which keeps the
// leading ASes of AS_PATH that AS4_PATH lacks. The origin is the same, but
// the path length can be shorter than that of the merged path.
func pathOf(attrs []bgp.PathAttributeInterface) []Segment {
	var path, path4 []Segment
	for _, a := range attrs {
		switch v := a.(type) {
		case *bgp.PathAttributeAsPath:
			path = segmentsOf(v.Value)
		case *bgp.PathAttributeAs4Path:
			path4 = make([]Segment, 0, len(v.Value))
			for _, p := range v.Value {
				path4 = append(path4, Segment{Type: p.Type, ASNs: p.AS})
			}
		}
	}
	if len(path4) > 0 && OriginAS(path) == asTrans {
		return path4
	}
	return path
}
