package entity

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/goalto/goalto/alto"
)

func TestSiblingAndLastAddr(t *testing.T) {
	tests := []struct {
		prefix, sibling, last string
	}{
		{"192.0.2.0/28", "192.0.2.16/28", "192.0.2.15"},
		{"192.0.2.16/28", "192.0.2.0/28", "192.0.2.31"},
		{"0.0.0.0/1", "128.0.0.0/1", "127.255.255.255"},
		{"192.0.2.1/32", "192.0.2.0/32", "192.0.2.1"},
		{"2001:db8::/33", "2001:db8:8000::/33", "2001:db8:7fff:ffff:ffff:ffff:ffff:ffff"},
		{"2001:db8::1/128", "2001:db8::/128", "2001:db8::1"},
	}
	for _, tt := range tests {
		t.Run(tt.prefix, func(t *testing.T) {
			p := netip.MustParsePrefix(tt.prefix)
			if got := sibling(p); got.String() != tt.sibling {
				t.Errorf("sibling %s, want %s", got, tt.sibling)
			}
			if got := lastAddr(p); got.String() != tt.last {
				t.Errorf("last address %s, want %s", got, tt.last)
			}
		})
	}
}

func TestCovers(t *testing.T) {
	tests := []struct {
		prefix string
		parts  []string
		want   bool
	}{
		{"192.0.3.0/27", []string{"192.0.3.0/28", "192.0.3.16/28"}, true},
		{"192.0.2.0/26", []string{"192.0.2.0/28", "192.0.2.16/28"}, false},
		{"192.0.2.0/26", []string{"192.0.2.0/27", "192.0.2.32/28", "192.0.2.48/28"}, true},
		{"192.0.2.0/26", []string{"192.0.2.0/27", "192.0.2.48/28"}, false},
		{"192.0.2.0/26", []string{"192.0.2.16/28", "192.0.2.32/27"}, false},
		{"192.0.2.0/31", []string{"192.0.2.0/32"}, false},
		{"2001:db8::/127", []string{"2001:db8::/128", "2001:db8::1/128"}, true},
		{"0.0.0.0/0", []string{"0.0.0.0/1", "128.0.0.0/1"}, true},
		{"192.0.2.0/24", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.prefix+" by "+strings.Join(tt.parts, ","), func(t *testing.T) {
			var parts []netip.Prefix
			for _, s := range tt.parts {
				parts = append(parts, netip.MustParsePrefix(s))
			}
			if got := covers(netip.MustParsePrefix(tt.prefix), parts); got != tt.want {
				t.Errorf("covers = %v, want %v", got, tt.want)
			}
		})
	}
}

// setting is one value set on a prefix of a test tree.
type setting struct {
	prefix, key string
	value       Value
}

func buildTree(settings []setting) *Tree {
	b := NewTreeBuilder()
	for _, s := range settings {
		b.Set(netip.MustParsePrefix(s.prefix), s.key, s.value)
	}
	return b.Build()
}

// effectiveAt returns the values that apply to an address, those of a
// filtered request for it.
func effectiveAt(t *Tree, a netip.Addr) map[string]string {
	out := map[string]string{}
	i := t.lookup(netip.PrefixFrom(a, a.BitLen()))
	if i < 0 {
		return out
	}
	for _, x := range t.entries[i].effective {
		out[t.keys[x.key]] = string(t.values[x.val])
	}
	return out
}

func TestTreeEffectiveValues(t *testing.T) {
	tree := buildTree([]setting{
		{"10.0.0.0/8", "a", String("x")},
		{"10.0.0.0/8", "b", String("y")},
		{"10.1.0.0/16", "a", Null},
		{"10.1.2.0/24", "a", String("z")},
		{"10.2.0.0/16", "c", Null}, // hides nothing
		{"10.2.0.0/16", "a", String("first")},
		{"10.2.0.0/16", "a", String("last")}, // the later setting wins
		{"2001:db8::/32", "a", String("v6")},
	})
	tests := []struct {
		addr string
		want map[string]string
	}{
		{"10.0.0.1", map[string]string{"a": `"x"`, "b": `"y"`}},
		{"10.1.0.1", map[string]string{"a": "null", "b": `"y"`}},
		{"10.1.2.1", map[string]string{"a": `"z"`, "b": `"y"`}},
		{"10.2.0.1", map[string]string{"a": `"last"`, "b": `"y"`}},
		{"11.0.0.1", map[string]string{}},
		{"2001:db8::1", map[string]string{"a": `"v6"`}},
		{"::ffff:10.0.0.1", map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			got := effectiveAt(tree, netip.MustParseAddr(tt.addr))
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("values %v, want %v", got, tt.want)
			}
		})
	}
	if tree.Len() != 5 {
		t.Errorf("tree has %d prefixes, want 5", tree.Len())
	}
}

func TestMergeSiblings(t *testing.T) {
	tree := buildTree([]setting{
		{"192.0.2.0/23", "ISP", String("BitsRus")},
		{"192.0.2.0/28", "ASN", String("1")},
		{"192.0.2.16/28", "ASN", String("1")},
		{"192.0.2.32/27", "ASN", String("1")},
		{"192.0.3.0/28", "ASN", String("2")},
		{"192.0.3.16/28", "ASN", String("3")},
		{"192.0.3.32/28", "ISP", String("Other")},
	})
	m := NewMap(MapConfig{Tree: tree, Domains: []DomainConfig{{
		Name: "ipv4", Type: alto.DomainTypeIPv4,
		Properties: []PropertyConfig{{Name: ".ISP", Key: "ISP"}, {Name: ".ASN", Key: "ASN"}},
	}}})
	var pm alto.PropertyMap
	if err := json.Unmarshal(m.EncodeFull(), &pm); err != nil {
		t.Fatal(err)
	}
	var got []string
	for id, values := range pm.PropertyMap {
		got = append(got, fmt.Sprintf("%s %s", id, values))
	}
	slices.Sort(got)
	want := []string{
		// The two /28s merge into a /27, which merges with its sibling.
		`ipv4:192.0.2.0/23 map[.ISP:"BitsRus"]`,
		`ipv4:192.0.2.0/26 map[.ASN:"1"]`,
		`ipv4:192.0.3.0/28 map[.ASN:"2"]`,
		`ipv4:192.0.3.16/28 map[.ASN:"3"]`,
		`ipv4:192.0.3.32/28 map[.ISP:"Other"]`,
	}
	if !slices.Equal(got, want) {
		t.Errorf("full map:\n got %q\nwant %q", got, want)
	}
}

// TestFullMapPreservesValues builds random trees and checks that the
// compacted full map, read with the inheritance rule, gives every
// address the values of the tree. A filtered request for a random
// prefix, read the same way, must do so for the addresses in it.
func TestFullMapPreservesValues(t *testing.T) {
	for seed := range uint64(40) {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 7))
			tree := randomTree(rng)
			props := []PropertyConfig{{Name: ".a", Key: "a"}, {Name: ".b", Key: "b"}}
			m := NewMap(MapConfig{Tree: tree, Domains: []DomainConfig{{Name: "ipv4", Type: alto.DomainTypeIPv4, Properties: props}}})
			full := decodeEntries(t, m.EncodeFull())
			for range 200 {
				a := randomAddr(rng)
				checkValues(t, "full map", full, tree, a)
			}
			p := netip.PrefixFrom(randomAddr(rng), 22+rng.IntN(6)).Masked()
			body, err := m.Filter(&alto.PropertyMapParams{Entities: []string{"ipv4:" + p.String()}, Properties: []string{}}, Limits{MaxEntities: 10, MaxExpandedPrefixes: 1000})
			if err != nil {
				t.Fatal(err)
			}
			filtered := decodeEntries(t, body)
			for range 100 {
				a := randomAddrIn(rng, p)
				checkValues(t, "filtered "+p.String(), filtered, tree, a)
			}
		})
	}
}

// randomTree sets two keys to values and nulls on random prefixes
// inside 10.0.0.0/20, many of them siblings with equal values.
func randomTree(rng *rand.Rand) *Tree {
	b := NewTreeBuilder()
	values := []Value{String("x"), String("y"), Null}
	for range 60 {
		p := netip.PrefixFrom(randomAddr(rng), 20+rng.IntN(13)).Masked()
		for _, key := range []string{"a", "b"} {
			if rng.IntN(3) > 0 {
				b.Set(p, key, values[rng.IntN(len(values))])
			}
		}
	}
	return b.Build()
}

func randomAddr(rng *rand.Rand) netip.Addr {
	return netip.AddrFrom4([4]byte{10, 0, byte(rng.IntN(16)), byte(rng.IntN(256))})
}

func randomAddrIn(rng *rand.Rand, p netip.Prefix) netip.Addr {
	b := p.Addr().As4()
	for i := p.Bits(); i < 32; i++ {
		if rng.IntN(2) == 1 {
			b[i/8] |= 0x80 >> (i % 8)
		}
	}
	return netip.AddrFrom4(b)
}

// prefixEntry is an entry of an encoded property map.
type prefixEntry struct {
	prefix netip.Prefix
	values map[string]json.RawMessage
}

func decodeEntries(t *testing.T, body []byte) []prefixEntry {
	t.Helper()
	var pm alto.PropertyMap
	if err := json.Unmarshal(body, &pm); err != nil {
		t.Fatalf("decoding %s: %v", body, err)
	}
	var out []prefixEntry
	for id, values := range pm.PropertyMap {
		local := strings.TrimPrefix(id, "ipv4:")
		p, err := netip.ParsePrefix(local)
		if err != nil {
			p = netip.PrefixFrom(netip.MustParseAddr(local), 32)
		}
		out = append(out, prefixEntry{prefix: p, values: values})
	}
	return out
}

// checkValues compares the values that entries give an address by the
// inheritance rule with those of the tree. A null counts as no value,
// because a client reads it so.
func checkValues(t *testing.T, what string, entries []prefixEntry, tree *Tree, a netip.Addr) {
	t.Helper()
	best := map[string]int{}
	got := map[string]string{}
	for _, e := range entries {
		if !e.prefix.Contains(a) {
			continue
		}
		for name, v := range e.values {
			if bits, ok := best[name]; !ok || e.prefix.Bits() > bits {
				best[name] = e.prefix.Bits()
				got[strings.TrimPrefix(name, ".")] = string(v)
			}
		}
	}
	want := effectiveAt(tree, a)
	for _, m := range []map[string]string{got, want} {
		for k, v := range m {
			if v == "null" {
				delete(m, k)
			}
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("%s gives %s the values %v, the tree %v", what, a, got, want)
	}
}

func TestFilterEntityLimitCountsDistinct(t *testing.T) {
	props := []PropertyConfig{{Name: ".a", Key: "a"}}
	m := NewMap(MapConfig{Tree: randomTree(rand.New(rand.NewPCG(1, 7))), Domains: []DomainConfig{{Name: "ipv4", Type: alto.DomainTypeIPv4, Properties: props}}})
	lim := Limits{MaxEntities: 2, MaxExpandedPrefixes: 1000}
	repeated := []string{"ipv4:10.0.0.1", "ipv4:10.0.0.2", "ipv4:10.0.0.1", "ipv4:10.0.0.2"}
	if _, err := m.Filter(&alto.PropertyMapParams{Entities: repeated, Properties: []string{}}, lim); err != nil {
		t.Errorf("2 distinct entities of 4 with limit 2: %v", err)
	}
	_, err := m.Filter(&alto.PropertyMapParams{Entities: append(repeated, "ipv4:10.0.0.3"), Properties: []string{}}, lim)
	var e *alto.Error
	if !errors.As(err, &e) || e.Value != "3" {
		t.Fatalf("3 distinct entities of 5 with limit 2: error %v, want an ALTO error with value 3", err)
	}
	if want := "the list has 3 distinct entries; this server accepts at most 2"; e.Message != want {
		t.Errorf("message %q, want %q", e.Message, want)
	}
}
