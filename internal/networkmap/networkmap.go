// Package networkmap builds ALTO network maps, RFC 7285, Section 11.2.1:
// PIDs with their IPv4 and IPv6 prefixes, a longest-prefix-match index
// from addresses to PIDs (Section 11.2.2), and the encoded response body
// with its version tag. A Map is immutable once built and safe for
// concurrent use.
package networkmap

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/netip"
	"slices"

	"github.com/gaissmai/bart"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/jsonenc"
)

// Assignment places one prefix in one PID.
type Assignment struct {
	Prefix netip.Prefix
	PID    string
	// Source names where the assignment comes from, such as a file or
	// a configuration field, for error messages; "" when unknown.
	Source string
}

// PID is one provider-defined identifier with its prefixes, IPv4 first,
// each family sorted by address and then by length.
type PID struct {
	Name     string
	Prefixes []netip.Prefix
	v4, v6   []byte // encoded JSON arrays of the prefixes of each family; nil when none
}

// Map is a built network map.
type Map struct {
	resourceID string
	pids       []PID // sorted by name
	index      map[string]int
	lpm        bart.Table[int32]
	tag        string
	body       []byte
	prefixes   int
}

// ConflictError reports a prefix assigned to two PIDs.
type ConflictError struct {
	Prefix      netip.Prefix
	First, Then string
	// FirstSource and ThenSource are the Source of each assignment.
	FirstSource, ThenSource string
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("prefix %s is in PID %q%s and in PID %q%s", e.Prefix, e.First, from(e.FirstSource), e.Then, from(e.ThenSource))
}

func from(source string) string {
	if source == "" {
		return ""
	}
	return " (from " + source + ")"
}

// Build builds a network map. Prefixes are masked; a prefix given twice
// for one PID counts once, and a prefix given for two PIDs is a
// *ConflictError. Every PID name must be valid (RFC 7285, Section 10.1).
func Build(resourceID string, assignments []Assignment) (*Map, error) {
	m := &Map{resourceID: resourceID, index: make(map[string]int)}
	owner := make(map[netip.Prefix]int, len(assignments)) // index in assignments
	byPID := make(map[string][]netip.Prefix)
	for i, a := range assignments {
		if !alto.ValidPIDName(a.PID) {
			return nil, fmt.Errorf("invalid PID name %q: use at most 64 letters, digits, '-', ':', '@' or '_'", a.PID)
		}
		p := a.Prefix.Masked()
		if first, dup := owner[p]; dup {
			if prev := assignments[first]; prev.PID != a.PID {
				return nil, &ConflictError{Prefix: p, First: prev.PID, Then: a.PID, FirstSource: prev.Source, ThenSource: a.Source}
			}
			continue
		}
		owner[p] = i
		byPID[a.PID] = append(byPID[a.PID], p)
	}
	m.pids = make([]PID, 0, len(byPID))
	for name, prefixes := range byPID {
		slices.SortFunc(prefixes, comparePrefix)
		m.pids = append(m.pids, PID{Name: name, Prefixes: prefixes})
	}
	slices.SortFunc(m.pids, func(a, b PID) int { return cmp.Compare(a.Name, b.Name) })
	for i := range m.pids {
		pid := &m.pids[i]
		m.index[pid.Name] = i
		for _, p := range pid.Prefixes {
			m.lpm.Insert(p, int32(i))
		}
		m.prefixes += len(pid.Prefixes)
		pid.v4, pid.v6 = encodeFamilies(pid.Prefixes)
	}
	m.body = m.Encode(nil, nil, true, true)
	return m, nil
}

func comparePrefix(a, b netip.Prefix) int {
	if c := a.Addr().Compare(b.Addr()); c != 0 {
		return c
	}
	return cmp.Compare(a.Bits(), b.Bits())
}

func encodeFamilies(prefixes []netip.Prefix) (v4, v6 []byte) {
	for _, p := range prefixes {
		dst := &v6
		if p.Addr().Is4() {
			dst = &v4
		}
		if *dst == nil {
			*dst = append(*dst, '[')
		} else {
			*dst = append(*dst, ',')
		}
		*dst = append(*dst, '"')
		*dst = p.AppendTo(*dst)
		*dst = append(*dst, '"')
	}
	if v4 != nil {
		v4 = append(v4, ']')
	}
	if v6 != nil {
		v6 = append(v6, ']')
	}
	return v4, v6
}

// ResourceID returns the resource ID the map was built for.
func (m *Map) ResourceID() string { return m.resourceID }

// Tag returns the version tag of the map: a SHA-256 hash of its content,
// so it changes exactly when the content changes (RFC 7285, Section 10.3).
func (m *Map) Tag() string { return m.tag }

// VersionTag returns the resource ID and tag.
func (m *Map) VersionTag() alto.VersionTag {
	return alto.VersionTag{ResourceID: m.resourceID, Tag: m.tag}
}

// Body returns the encoded full network map response. Callers must not
// modify it.
func (m *Map) Body() []byte { return m.body }

// Len returns the number of PIDs.
func (m *Map) Len() int { return len(m.pids) }

// PrefixCount returns the number of prefixes in all PIDs.
func (m *Map) PrefixCount() int { return m.prefixes }

// PID returns the PID at index i, in name order.
func (m *Map) PID(i int) *PID { return &m.pids[i] }

// Name returns the name of the PID at index i.
func (m *Map) Name(i int) string { return m.pids[i].Name }

// Index returns the index of a PID by name.
func (m *Map) Index(name string) (int, bool) {
	i, ok := m.index[name]
	return i, ok
}

// Lookup returns the index of the PID whose prefix is the longest match
// for addr, RFC 7285, Section 11.2.2.
func (m *Map) Lookup(addr netip.Addr) (int, bool) {
	i, ok := m.lpm.Lookup(addr)
	return int(i), ok
}

// Encode appends an InfoResourceNetworkMap response for the PIDs at the
// given indices (all PIDs when pids is nil), with only the requested
// address families. A PID left with no prefixes in the requested
// families is written with an empty address group. The first call,
// made by Build, also computes the version tag from the content.
func (m *Map) Encode(b []byte, pids []int, v4, v6 bool) []byte {
	var content []byte
	content = append(content, '{')
	first := true
	write := func(i int) {
		pid := &m.pids[i]
		if !first {
			content = append(content, ',')
		}
		first = false
		content = jsonenc.String(content, pid.Name)
		content = append(content, ":{"...)
		sep := false
		if v4 && pid.v4 != nil {
			content = append(content, `"ipv4":`...)
			content = append(content, pid.v4...)
			sep = true
		}
		if v6 && pid.v6 != nil {
			if sep {
				content = append(content, ',')
			}
			content = append(content, `"ipv6":`...)
			content = append(content, pid.v6...)
		}
		content = append(content, '}')
	}
	if pids == nil {
		for i := range m.pids {
			write(i)
		}
	} else {
		for _, i := range pids {
			write(i)
		}
	}
	content = append(content, '}')
	if m.tag == "" {
		sum := sha256.Sum256(content)
		m.tag = hex.EncodeToString(sum[:])
	}
	b = append(b, `{"meta":{"vtag":{"resource-id":`...)
	b = jsonenc.String(b, m.resourceID)
	b = append(b, `,"tag":"`...)
	b = append(b, m.tag...)
	b = append(b, `"}},"network-map":`...)
	b = append(b, content...)
	return append(b, "}\n"...)
}
