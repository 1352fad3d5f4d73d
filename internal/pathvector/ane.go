package pathvector

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/internal/topology"
)

// element is one link traversed in one direction. The two directions
// of a link are separate ANEs, since a full-duplex link carries its
// capacity in each direction.
type element struct {
	link    int
	reverse bool // traversed from Link.To to Link.From
}

// ane is an abstract network element of one response: one element, or
// the elements that every path shares when merge-shared-links is set.
type ane struct {
	elems []element
}

// pathElements returns the elements of the shortest path from node i to
// node j, in order; ok is false when j is unreachable.
func pathElements(g *topology.Graph, paths *topology.Paths, i, j int) ([]element, bool) {
	links, ok := paths.Path(i, j)
	if !ok {
		return nil, false
	}
	out := make([]element, len(links))
	at := i
	for k, l := range links {
		link := g.Links[l]
		if link.From == at {
			out[k] = element{link: l}
			at = link.To
		} else {
			out[k] = element{link: l, reverse: true}
			at = link.From
		}
	}
	return out, true
}

// buildANEs turns the element paths into ANE paths: one ANE per element,
// in order of first appearance. With merge, the elements on every
// non-empty path become one ANE, placed once on each path, where the
// first of them appears.
func buildANEs(paths [][]element, merge bool) (anePaths [][]int, anes []ane) {
	var shared map[element]bool
	if merge {
		shared = sharedElements(paths)
	}
	index := map[element]int{}
	mergedIndex := -1
	anePaths = make([][]int, len(paths))
	for p, path := range paths {
		seq := make([]int, 0, len(path))
		placed := false
		for _, e := range path {
			if shared[e] {
				if mergedIndex < 0 {
					mergedIndex = len(anes)
					anes = append(anes, ane{elems: sortedShared(path, shared)})
				}
				if !placed {
					seq = append(seq, mergedIndex)
					placed = true
				}
				continue
			}
			k, ok := index[e]
			if !ok {
				k = len(anes)
				index[e] = k
				anes = append(anes, ane{elems: []element{e}})
			}
			seq = append(seq, k)
		}
		anePaths[p] = seq
	}
	return anePaths, anes
}

// sharedElements returns the elements on every non-empty path.
func sharedElements(paths [][]element) map[element]bool {
	var shared map[element]bool
	for _, path := range paths {
		if len(path) == 0 {
			continue
		}
		here := make(map[element]bool, len(path))
		for _, e := range path {
			if shared == nil || shared[e] {
				here[e] = true
			}
		}
		shared = here
	}
	return shared
}

// sortedShared returns the shared elements in the order of a path that
// traverses all of them.
func sortedShared(path []element, shared map[element]bool) []element {
	var out []element
	for _, e := range path {
		if shared[e] {
			out = append(out, e)
		}
	}
	return out
}

// maxReservableBandwidth returns the bottleneck capacity of an ANE in
// bits per second: the minimum capacity of its links. ok is false when
// a link has no known capacity, since the minimum of the others would
// overstate it.
func maxReservableBandwidth(g *topology.Graph, a ane) (bps float64, ok bool) {
	for k, e := range a.elems {
		c := g.Links[e.link].Capacity
		if c <= 0 {
			return 0, false
		}
		if k == 0 || c < bps {
			bps = c
		}
	}
	return bps, len(a.elems) > 0
}

// persistentNames returns the persistent ANE name of each link and
// direction: the IDs of the nodes it joins in the direction of travel,
// as "from:to", with ":2", ":3" and so on for the second and later
// parallel links. Characters that a name may not hold become '-', and a
// name longer than an ANE name may be becomes "link-N" or "link-N-r".
// The names depend only on the graph, so they are stable across
// requests and snapshots of the same topology.
func persistentNames(g *topology.Graph) [][2]string {
	out := make([][2]string, len(g.Links))
	seen := map[[2]int]int{}
	for l, link := range g.Links {
		key := [2]int{min(link.From, link.To), max(link.From, link.To)}
		seen[key]++
		suffix := ""
		if n := seen[key]; n > 1 {
			suffix = fmt.Sprintf(":%d", n)
		}
		from, to := sanitize(g.Nodes[link.From].ID), sanitize(g.Nodes[link.To].ID)
		out[l][0] = nameOrIndex(from+":"+to+suffix, fmt.Sprintf("link-%d", l))
		out[l][1] = nameOrIndex(to+":"+from+suffix, fmt.Sprintf("link-%d-r", l))
	}
	return out
}

func nameOrIndex(name, fallback string) string {
	if alto.ValidPIDName(name) {
		return name
	}
	return fallback
}

func sanitize(id string) string {
	return strings.Map(func(r rune) rune {
		if r != ':' && alto.ValidPIDName(string(r)) {
			return r
		}
		return '-'
	}, id)
}

// keyedNames returns the ANE names of a response whose request carries
// a name key (server.WithNameKey): an HMAC-SHA256 of the links of each
// ANE under the key, so that the same links get the same name in every
// response computed with the key, and only there. persistent holds the
// stable name of each link and direction. A name that two ANEs would
// share is drawn at random instead.
func keyedNames(key []byte, anes []ane, persistent [][2]string) ([]string, error) {
	out := make([]string, len(anes))
	used := make(map[string]bool, len(anes))
	for i, a := range anes {
		mac := hmac.New(sha256.New, key)
		for _, e := range a.elems {
			dir := 0
			if e.reverse {
				dir = 1
			}
			mac.Write([]byte(persistent[e.link][dir] + "\n"))
		}
		name := "ane-" + hex.EncodeToString(mac.Sum(nil)[:8])
		if used[name] {
			drawn, err := ephemeralNames(1)
			if err != nil {
				return nil, err
			}
			name = drawn[0]
		}
		used[name] = true
		out[i] = name
	}
	return out, nil
}

// ephemeralNames returns n distinct random ANE names, new for every
// response so that a client cannot match ANEs across responses
// (RFC 9275, Section 5.1.2).
func ephemeralNames(n int) ([]string, error) {
	out := make([]string, 0, n)
	used := make(map[string]bool, n)
	buf := make([]byte, 8)
	for len(out) < n {
		if _, err := rand.Read(buf); err != nil {
			return nil, fmt.Errorf("ephemeral ANE names: %w", err)
		}
		name := "ane-" + hex.EncodeToString(buf)
		if !used[name] {
			used[name] = true
			out = append(out, name)
		}
	}
	return out, nil
}
