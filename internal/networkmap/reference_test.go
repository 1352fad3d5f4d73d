package networkmap_test

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/networkmap"
	"github.com/goalto/goalto/internal/prefixes"
)

// fullTableFile is a RouteViews table of 2015-11-01 in pyasn format:
// 606,138 IPv4 and 27,693 IPv6 prefixes from 52,014 origin ASes.
var fullTableFile = filepath.Join("..", "..", "..", "shared", "data", "pfx2as-pyasn", "ipasn6_20151101.dat.gz")

// loadFullTable reads the full table, skipping the test when the data
// file is absent.
func loadFullTable(t testing.TB) *prefixes.Table {
	t.Helper()
	if _, err := os.Stat(fullTableFile); err != nil {
		t.Skipf("full table not available: %v", err)
	}
	table, err := prefixes.Load(fullTableFile)
	if err != nil {
		t.Fatalf("loading full table: %v", err)
	}
	return table
}

// asPID names the PID of an origin AS as the asn rule of the network
// definition does.
func asPID(asn uint32) string { return "as" + strconv.FormatUint(uint64(asn), 10) }

// referenceLPM is the slow reference model of a network map lookup for
// a fixed set of addresses. It visits every prefix of the table in turn
// and gives each address inside the prefix's range to the prefix when
// the prefix is longer than the best one found so far. It shares no code
// with the trie behind Map.Lookup: it only compares addresses.
func referenceLPM(table *prefixes.Table, addrs []netip.Addr) (pids []string, found []bool) {
	order := make([]int, len(addrs))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return addrs[a].Compare(addrs[b]) })
	sorted := make([]netip.Addr, len(addrs))
	for k, i := range order {
		sorted[k] = addrs[i]
	}

	best := make([]int, len(addrs))
	for i := range best {
		best[i] = -1
	}
	pids, found = make([]string, len(addrs)), make([]bool, len(addrs))
	for _, e := range table.Entries {
		p := e.Prefix.Masked()
		first, last := p.Addr(), lastAddr(p)
		k, _ := slices.BinarySearchFunc(sorted, first, netip.Addr.Compare)
		for ; k < len(sorted) && sorted[k].Compare(last) <= 0; k++ {
			i := order[k]
			if p.Bits() > best[i] {
				best[i], pids[i], found[i] = p.Bits(), asPID(e.ASN), true
			}
		}
	}
	return pids, found
}

// linearLookup is the plainest form of longest-prefix match: a scan of
// every prefix for each address. It is too slow for the whole sample, so
// it checks referenceLPM on a few hundred addresses.
func linearLookup(table *prefixes.Table, addr netip.Addr) (string, bool) {
	best, pid := -1, ""
	for _, e := range table.Entries {
		if e.Prefix.Bits() > best && e.Prefix.Contains(addr) {
			best, pid = e.Prefix.Bits(), asPID(e.ASN)
		}
	}
	return pid, best >= 0
}

func v4Bits(a netip.Addr) uint32 {
	b := a.As4()
	return binary.BigEndian.Uint32(b[:])
}

func v4Mask(bits int) uint32 {
	if bits == 0 {
		return 0
	}
	return ^uint32(0) << (32 - bits)
}

func v6Bits(a netip.Addr) (hi, lo uint64) {
	b := a.As16()
	return binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])
}

func v6Mask(bits int) (hi, lo uint64) {
	switch {
	case bits == 0:
		return 0, 0
	case bits <= 64:
		return ^uint64(0) << (64 - bits), 0
	case bits == 128:
		return ^uint64(0), ^uint64(0)
	default:
		return ^uint64(0), ^uint64(0) << (128 - bits)
	}
}

// lastAddr returns the highest address of a masked prefix.
func lastAddr(p netip.Prefix) netip.Addr {
	if p.Addr().Is4() {
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], v4Bits(p.Addr())|^v4Mask(p.Bits()))
		return netip.AddrFrom4(b)
	}
	hi, lo := v6Bits(p.Addr())
	maskHi, maskLo := v6Mask(p.Bits())
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], hi|^maskHi)
	binary.BigEndian.PutUint64(b[8:], lo|^maskLo)
	return netip.AddrFrom16(b)
}

// randomIn returns a random address inside a masked prefix.
func randomIn(r *rand.Rand, p netip.Prefix) netip.Addr {
	if p.Addr().Is4() {
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], v4Bits(p.Addr())|r.Uint32()&^v4Mask(p.Bits()))
		return netip.AddrFrom4(b)
	}
	hi, lo := v6Bits(p.Addr())
	maskHi, maskLo := v6Mask(p.Bits())
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], hi|r.Uint64()&^maskHi)
	binary.BigEndian.PutUint64(b[8:], lo|r.Uint64()&^maskLo)
	return netip.AddrFrom16(b)
}

// sampleAddrs returns the addresses the reference comparison checks,
// drawn with a fixed seed. IPv4 has 10,000 addresses from the whole space
// and 10,000 inside random table prefixes. IPv6 has 4,000 inside random
// table prefixes and 1,000 from 2000::/3. Every 10th prefix adds its
// first and last address and their neighbours just outside it.
func sampleAddrs(table *prefixes.Table) []netip.Addr {
	r := rand.New(rand.NewPCG(20151101, 7285))
	var v4, v6 []netip.Prefix
	for _, e := range table.Entries {
		if e.Prefix.Addr().Is4() {
			v4 = append(v4, e.Prefix)
		} else {
			v6 = append(v6, e.Prefix)
		}
	}
	var out []netip.Addr
	for range 10000 {
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], r.Uint32())
		out = append(out, netip.AddrFrom4(b))
	}
	for range 10000 {
		out = append(out, randomIn(r, v4[r.IntN(len(v4))]))
	}
	for range 4000 {
		out = append(out, randomIn(r, v6[r.IntN(len(v6))]))
	}
	global := netip.MustParsePrefix("2000::/3")
	for range 1000 {
		out = append(out, randomIn(r, global))
	}
	for i := 0; i < len(table.Entries); i += 10 {
		p := table.Entries[i].Prefix
		first, last := p.Addr(), lastAddr(p)
		out = append(out, first, last)
		if prev := first.Prev(); prev.IsValid() {
			out = append(out, prev)
		}
		if next := last.Next(); next.IsValid() {
			out = append(out, next)
		}
	}
	return out
}

func TestLookupMatchesReference(t *testing.T) {
	if testing.Short() {
		t.Skip("loads and indexes the full table: several seconds")
	}
	table := loadFullTable(t)
	assignments := make([]networkmap.Assignment, len(table.Entries))
	ases := map[uint32]bool{}
	for i, e := range table.Entries {
		assignments[i] = networkmap.Assignment{Prefix: e.Prefix, PID: asPID(e.ASN)}
		ases[e.ASN] = true
	}
	m, err := networkmap.Build("full-table", assignments)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	if m.Len() != len(ases) {
		t.Errorf("Len = %d, want %d origin ASes", m.Len(), len(ases))
	}
	if m.PrefixCount() != len(table.Entries) {
		t.Errorf("PrefixCount = %d, want %d", m.PrefixCount(), len(table.Entries))
	}

	addrs := sampleAddrs(table)
	wantPIDs, wantFound := referenceLPM(table, addrs)
	for i := 0; i < len(addrs); i += len(addrs) / 200 {
		pid, ok := linearLookup(table, addrs[i])
		if pid != wantPIDs[i] || ok != wantFound[i] {
			t.Fatalf("reference models differ on %s: linear scan %q, %v; range sweep %q, %v", addrs[i], pid, ok, wantPIDs[i], wantFound[i])
		}
	}
	inside, mismatches := 0, 0
	for i, addr := range addrs {
		if wantFound[i] {
			inside++
		}
		idx, ok := m.Lookup(addr)
		got := ""
		if ok {
			got = m.Name(idx)
		}
		if ok != wantFound[i] || got != wantPIDs[i] {
			t.Errorf("Lookup(%s) = %q, %v; reference gives %q, %v", addr, got, ok, wantPIDs[i], wantFound[i])
			if mismatches++; mismatches >= 10 {
				t.FailNow()
			}
		}
	}
	if inside == 0 || inside == len(addrs) {
		t.Errorf("%d of %d sampled addresses are inside the table; the sample must cover both cases", inside, len(addrs))
	}
	t.Logf("%d addresses compared, %d inside the table", len(addrs), inside)
}

// networkMapJSON is the decoded form of a network map response.
type networkMapJSON struct {
	NetworkMap map[string]map[string][]string `json:"network-map"`
}

func assign(prefix, pid string) networkmap.Assignment {
	return networkmap.Assignment{Prefix: netip.MustParsePrefix(prefix), PID: pid}
}

func TestBuildRejects(t *testing.T) {
	tests := []struct {
		name         string
		assignments  []networkmap.Assignment
		wantConflict *networkmap.ConflictError
	}{
		{
			name:         "conflicting prefixes",
			assignments:  []networkmap.Assignment{assign("192.0.2.0/24", "a"), assign("192.0.2.0/24", "b")},
			wantConflict: &networkmap.ConflictError{Prefix: netip.MustParsePrefix("192.0.2.0/24"), First: "a", Then: "b"},
		},
		{
			name:         "conflict after masking",
			assignments:  []networkmap.Assignment{assign("2001:db8::/32", "a"), assign("2001:db8::1/32", "b")},
			wantConflict: &networkmap.ConflictError{Prefix: netip.MustParsePrefix("2001:db8::/32"), First: "a", Then: "b"},
		},
		{
			name: "conflict between named sources",
			assignments: []networkmap.Assignment{
				{Prefix: netip.MustParsePrefix("198.51.100.0/24"), PID: "pop1", Source: "the BGP routes"},
				{Prefix: netip.MustParsePrefix("198.51.100.0/24"), PID: "edge", Source: "groups[0] of net.yaml"},
			},
			wantConflict: &networkmap.ConflictError{Prefix: netip.MustParsePrefix("198.51.100.0/24"), First: "pop1", Then: "edge",
				FirstSource: "the BGP routes", ThenSource: "groups[0] of net.yaml"},
		},
		{name: "PID name with space", assignments: []networkmap.Assignment{assign("192.0.2.0/24", "a b")}},
		{name: "empty PID name", assignments: []networkmap.Assignment{assign("192.0.2.0/24", "")}},
		{name: "PID name of 65 characters", assignments: []networkmap.Assignment{assign("192.0.2.0/24", strings.Repeat("p", 65))}},
		{name: "PID name with dot", assignments: []networkmap.Assignment{assign("192.0.2.0/24", "a.b")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := networkmap.Build("map", tt.assignments)
			if err == nil {
				t.Fatalf("Build returned a map of %d PIDs and no error", m.Len())
			}
			var conflict *networkmap.ConflictError
			isConflict := errors.As(err, &conflict)
			if tt.wantConflict == nil {
				if isConflict {
					t.Errorf("Build error %v is a conflict, want an invalid PID name", err)
				}
				return
			}
			if !isConflict {
				t.Fatalf("Build error %v is not a *ConflictError", err)
			}
			if *conflict != *tt.wantConflict {
				t.Errorf("conflict = %+v, want %+v", *conflict, *tt.wantConflict)
			}
			if s := tt.wantConflict.FirstSource; s != "" && !strings.Contains(err.Error(), s) {
				t.Errorf("error %q does not name the source %q", err, s)
			}
		})
	}
}

func TestBuildDuplicateCountsOnce(t *testing.T) {
	m, err := networkmap.Build("map", []networkmap.Assignment{
		assign("192.0.2.0/24", "a"),
		assign("192.0.2.0/24", "a"),
		assign("192.0.2.77/24", "a"),
		assign("2001:db8::/32", "a"),
	})
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	if m.PrefixCount() != 2 {
		t.Errorf("PrefixCount = %d, want 2", m.PrefixCount())
	}
	if got := len(m.PID(0).Prefixes); got != 2 {
		t.Errorf("PID a has %d prefixes, want 2", got)
	}
	var decoded networkMapJSON
	if err := json.Unmarshal(m.Body(), &decoded); err != nil {
		t.Fatalf("decoding body: %v", err)
	}
	if got := decoded.NetworkMap["a"]["ipv4"]; len(got) != 1 || got[0] != "192.0.2.0/24" {
		t.Errorf("ipv4 of PID a = %v, want [192.0.2.0/24]", got)
	}
}

func TestBuildEncoding(t *testing.T) {
	base := []networkmap.Assignment{
		assign("198.51.100.0/24", "b"),
		assign("192.0.2.0/25", "a"),
		assign("2001:db8:1::/48", "b"),
		assign("192.0.2.128/25", "a"),
		assign("10.0.0.0/8", "a"),
	}
	first, err := networkmap.Build("map", base)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	want := `{"meta":{"vtag":{"resource-id":"map","tag":"` + first.Tag() + `"}},"network-map":{` +
		`"a":{"ipv4":["10.0.0.0/8","192.0.2.0/25","192.0.2.128/25"]},` +
		`"b":{"ipv4":["198.51.100.0/24"],"ipv6":["2001:db8:1::/48"]}}}` + "\n"
	if string(first.Body()) != want {
		t.Errorf("Body =\n%s\nwant\n%s", first.Body(), want)
	}
	if !alto.ValidTag(first.Tag()) {
		t.Errorf("Tag %q is not a valid version tag", first.Tag())
	}

	reversed := make([]networkmap.Assignment, len(base))
	for i, a := range base {
		reversed[len(base)-1-i] = a
	}
	second, err := networkmap.Build("map", reversed)
	if err != nil {
		t.Fatalf("Build of reversed input: %v", err)
	}
	if string(second.Body()) != string(first.Body()) {
		t.Errorf("Body depends on input order:\n%s\n%s", first.Body(), second.Body())
	}
}

func TestBuildTagFollowsContent(t *testing.T) {
	base := []networkmap.Assignment{
		assign("192.0.2.0/24", "a"),
		assign("198.51.100.0/24", "b"),
		assign("2001:db8::/32", "b"),
	}
	with := func(extra ...networkmap.Assignment) []networkmap.Assignment {
		return append(append([]networkmap.Assignment(nil), base...), extra...)
	}
	tests := []struct {
		name        string
		resourceID  string
		assignments []networkmap.Assignment
		wantChange  bool
	}{
		{name: "same input", resourceID: "map", assignments: base},
		{name: "reordered input", resourceID: "map", assignments: []networkmap.Assignment{base[2], base[0], base[1]}},
		{name: "duplicate assignment", resourceID: "map", assignments: with(base[0])},
		{name: "unmasked duplicate", resourceID: "map", assignments: with(assign("192.0.2.9/24", "a"))},
		{name: "other resource ID", resourceID: "other", assignments: base},
		{name: "prefix added", resourceID: "map", assignments: with(assign("203.0.113.0/24", "a")), wantChange: true},
		{name: "PID added", resourceID: "map", assignments: with(assign("203.0.113.0/24", "c")), wantChange: true},
		{name: "prefix moved", resourceID: "map", assignments: []networkmap.Assignment{base[0], assign("198.51.100.0/24", "a"), base[2]}, wantChange: true},
		{name: "PID renamed", resourceID: "map", assignments: []networkmap.Assignment{assign("192.0.2.0/24", "c"), base[1], base[2]}, wantChange: true},
		{name: "prefix length changed", resourceID: "map", assignments: []networkmap.Assignment{assign("192.0.2.0/23", "a"), base[1], base[2]}, wantChange: true},
		{name: "prefix removed", resourceID: "map", assignments: base[:2], wantChange: true},
	}
	ref, err := networkmap.Build("map", base)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := networkmap.Build(tt.resourceID, tt.assignments)
			if err != nil {
				t.Fatalf("Build: %v", err)
			}
			if changed := m.Tag() != ref.Tag(); changed != tt.wantChange {
				t.Errorf("tag changed = %v, want %v (tags %s and %s)", changed, tt.wantChange, ref.Tag(), m.Tag())
			}
			if m.VersionTag().ResourceID != tt.resourceID {
				t.Errorf("VersionTag().ResourceID = %q, want %q", m.VersionTag().ResourceID, tt.resourceID)
			}
		})
	}
}

// BenchmarkLookupFullTable measures Map.Lookup on the full table, one PID
// per origin AS, over the addresses of the reference comparison.
func BenchmarkLookupFullTable(b *testing.B) {
	table := loadFullTable(b)
	assignments := make([]networkmap.Assignment, len(table.Entries))
	for i, e := range table.Entries {
		assignments[i] = networkmap.Assignment{Prefix: e.Prefix, PID: asPID(e.ASN)}
	}
	m, err := networkmap.Build("full-table", assignments)
	if err != nil {
		b.Fatalf("Build: %v", err)
	}
	addrs := sampleAddrs(table)
	b.ReportAllocs()
	found, i := 0, 0
	for b.Loop() {
		if _, ok := m.Lookup(addrs[i]); ok {
			found++
		}
		if i++; i == len(addrs) {
			i = 0
		}
	}
	if found == 0 {
		b.Fatal("no address found")
	}
}
