package conformance

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"github.com/goalto/goalto/alto"
)

// unknownPID is a valid PID name that no server is expected to define.
const unknownPID = "conformance-no-such-pid"

var (
	networkMapService = service{feature: FeatureNetworkMap, kind: kindNetworkMap, prefix: "nm", what: "network map"}

	filteredNetworkMapService = service{
		feature: FeatureFilteredNetworkMap, kind: kindFilteredNetworkMap, prefix: "fnm", what: "filtered network map service",
		missing: func(_ *session, _ context.Context, _ *resource) (map[string]any, error) {
			return map[string]any{"address-types": []string{alto.AddressTypeIPv4}}, nil
		},
		wrongType: func(s *session, ctx context.Context, r *resource) (map[string]any, error) {
			pid, err := s.somePID(ctx, r)
			return map[string]any{"pids": pid}, err
		},
	}
)

func networkMapChecks() []Check {
	checks := []Check{
		{
			ID: "nm.response", Section: "RFC 7285, Section 11.2.1.6", Feature: FeatureNetworkMap,
			Title: "a network map is served with 200, its media type, a meta vtag and valid PIDs, address types and prefixes",
			run: func(ctx context.Context, s *session) outcome {
				return outcomeOf(s.eachResource(kindNetworkMap, "network map", func(r *resource) error {
					m, x, err := s.networkMap(ctx, r)
					if err != nil {
						return err
					}
					if !m.HasVTag {
						return x.failure(`"meta/vtag" (RFC 7285, Section 11.2.1.6)`, "a meta without vtag")
					}
					return nil
				}))
			},
		},
		{
			ID: "nm.vtag", Section: "RFC 7285, Section 10.3", Feature: FeatureNetworkMap,
			Title: "the vtag names the network map's resource ID and its tag has 1 to 64 characters from U+0021 to U+007E",
			run: func(ctx context.Context, s *session) outcome {
				return outcomeOf(s.eachResource(kindNetworkMap, "network map", func(r *resource) error {
					m, x, err := s.networkMap(ctx, r)
					if err != nil {
						return skipf("network map %q cannot be read: %v", r.ID, err)
					}
					if !m.HasVTag {
						return skipf("network map %q has no vtag", r.ID)
					}
					if m.VTag.ResourceID != r.ID {
						return x.failuref(fmt.Sprintf("vtag resource-id %q", r.ID), "%q", m.VTag.ResourceID)
					}
					if err := checkTag(m.VTag.Tag); err != nil {
						return x.failure("a valid vtag tag (RFC 7285, Section 10.3)", err.Error())
					}
					return nil
				}))
			},
		},
		{
			ID: "nm.non-overlapping", Section: "RFC 7285, Section 11.2.2", Feature: FeatureNetworkMap,
			Title: "no prefix belongs to two PIDs",
			run: func(ctx context.Context, s *session) outcome {
				return outcomeOf(s.eachResource(kindNetworkMap, "network map", func(r *resource) error {
					m, x, err := s.networkMap(ctx, r)
					if err != nil {
						return skipf("network map %q cannot be read: %v", r.ID, err)
					}
					if o := m.overlap(); o != "" {
						return x.failure("a non-overlapping network map", o)
					}
					return nil
				}))
			},
		},
		{
			ID: "nm.complete", Section: "RFC 7285, Section 11.2.2", Feature: FeatureNetworkMap,
			Title: "every address of each address type in the map belongs to a PID",
			run: func(ctx context.Context, s *session) outcome {
				return outcomeOf(s.eachResource(kindNetworkMap, "network map", func(r *resource) error {
					m, x, err := s.networkMap(ctx, r)
					if err != nil {
						return skipf("network map %q cannot be read: %v", r.ID, err)
					}
					if g := m.gap(); g != "" {
						return x.failure("a complete network map, such as one with a PID for 0.0.0.0/0 and ::/0", g)
					}
					return nil
				}))
			},
		},
	}
	return append(checks, getChecks(networkMapService)...)
}

func filteredNetworkMapChecks() []Check {
	checks := []Check{
		{
			ID: "fnm.response", Section: "RFC 7285, Section 11.3.1.6", Feature: FeatureFilteredNetworkMap,
			Title: "a filtered network map is served with 200, its media type, a meta vtag and valid PIDs, address types and prefixes",
			run: func(ctx context.Context, s *session) outcome {
				return outcomeOf(s.eachFilteredNetworkMap(ctx, func(f *filteredNetworkMapCase) error {
					_, _, err := f.post(ctx, s, map[string]any{"pids": f.pids})
					return err
				}))
			},
		},
		{
			ID: "fnm.subset", Section: "RFC 7285, Section 11.3.1.6", Feature: FeatureFilteredNetworkMap,
			Title: "a filtered network map holds exactly the requested PIDs with the prefixes of the full map",
			run: func(ctx context.Context, s *session) outcome {
				return outcomeOf(s.eachFilteredNetworkMap(ctx, func(f *filteredNetworkMapCase) error {
					m, x, err := f.post(ctx, s, map[string]any{"pids": f.pids})
					if err != nil {
						return err
					}
					return compareNetworkMaps(x, f.full, m, f.pids, nil)
				}))
			},
		},
		{
			ID: "fnm.all-pids", Section: "RFC 7285, Section 11.3.1.3", Feature: FeatureFilteredNetworkMap,
			Title: "an empty pids list returns the full network map",
			run: func(ctx context.Context, s *session) outcome {
				return outcomeOf(s.eachFilteredNetworkMap(ctx, func(f *filteredNetworkMapCase) error {
					m, x, err := f.post(ctx, s, map[string]any{"pids": []string{}})
					if err != nil {
						return err
					}
					return compareNetworkMaps(x, f.full, m, sortedKeys(f.full.PIDs), nil)
				}))
			},
		},
		{
			ID: "fnm.unknown-pid", Section: "RFC 7285, Section 11.3.1.6", Feature: FeatureFilteredNetworkMap,
			Title: "a PID name that the map does not define is ignored",
			run: func(ctx context.Context, s *session) outcome {
				return outcomeOf(s.eachFilteredNetworkMap(ctx, func(f *filteredNetworkMapCase) error {
					pids := []string{f.pids[0], unknownPID}
					m, x, err := f.post(ctx, s, map[string]any{"pids": pids})
					if err != nil {
						return err
					}
					return compareNetworkMaps(x, f.full, m, f.pids[:1], nil)
				}))
			},
		},
		{
			ID: "fnm.address-types", Section: "RFC 7285, Section 11.3.1.6", Feature: FeatureFilteredNetworkMap,
			Title: "address-types limits the prefixes to the requested address types",
			run: func(ctx context.Context, s *session) outcome {
				return outcomeOf(s.eachFilteredNetworkMap(ctx, func(f *filteredNetworkMapCase) error {
					for _, typ := range f.full.addressTypes() {
						m, x, err := f.post(ctx, s, map[string]any{"pids": f.pids, "address-types": []string{typ}})
						if err != nil {
							return err
						}
						if err := compareNetworkMaps(x, f.full, m, f.pids, []string{typ}); err != nil {
							return err
						}
					}
					return nil
				}))
			},
		},
		{
			ID: "fnm.vtag", Section: "RFC 7285, Section 11.3.1.6", Feature: FeatureFilteredNetworkMap,
			Title: "the vtag of a filtered network map is that of the full network map",
			run: func(ctx context.Context, s *session) outcome {
				return outcomeOf(s.eachFilteredNetworkMap(ctx, func(f *filteredNetworkMapCase) error {
					m, x, err := f.post(ctx, s, map[string]any{"pids": f.pids})
					if err != nil {
						return err
					}
					if !m.HasVTag || m.VTag != f.full.VTag {
						return x.failuref("vtag "+f.full.VTag.String()+" of the full network map", "%s", describeVTag(m))
					}
					return nil
				}))
			},
		},
	}
	checks = append(checks, postChecks(filteredNetworkMapService)...)
	return append(checks, errorChecks(filteredNetworkMapService)...)
}

func describeVTag(m *networkMap) string {
	if !m.HasVTag {
		return "no vtag"
	}
	return "vtag " + m.VTag.String()
}

// filteredNetworkMapCase is a filtered network map service with the
// full map it filters and a few of its PIDs.
type filteredNetworkMapCase struct {
	r    *resource
	full *networkMap
	pids []string
}

// post sends a filter request and parses the network map it returns.
func (f *filteredNetworkMapCase) post(ctx context.Context, s *session, body map[string]any) (*networkMap, *exchange, error) {
	x := s.do(ctx, post(f.r.URI, alto.MediaTypeNetworkMapFilter, alto.MediaTypeNetworkMap, marshal(body)))
	if err := x.wantSuccess(alto.MediaTypeNetworkMap); err != nil {
		return nil, x, err
	}
	m, err := parseNetworkMap(x.body)
	if err != nil {
		return nil, x, x.failuref("a network map (RFC 7285, Section 11.3.1.6)", "%v", err)
	}
	if !m.HasVTag {
		return nil, x, x.failure(`"meta/vtag" (RFC 7285, Section 11.3.1.6)`, "a meta without vtag")
	}
	return m, x, nil
}

// eachFilteredNetworkMap runs fn for every filtered network map service
// whose network map can be read.
func (s *session) eachFilteredNetworkMap(ctx context.Context, fn func(f *filteredNetworkMapCase) error) error {
	return s.eachResource(kindFilteredNetworkMap, "filtered network map service", func(r *resource) error {
		nm, full, err := s.networkMapFor(ctx, r)
		if err != nil {
			return skipf("%v", err)
		}
		if !full.HasVTag {
			return skipf("network map %q has no vtag", nm.ID)
		}
		pids := spread(sortedKeys(full.PIDs), 3)
		if len(pids) == 0 {
			return skipf("network map %q has no PIDs", nm.ID)
		}
		return fn(&filteredNetworkMapCase{r: r, full: full, pids: pids})
	})
}

// spread returns up to n items of a sorted list: the first, the last
// and ones in between.
func spread(list []string, n int) []string {
	if len(list) <= n {
		return list
	}
	out := make([]string, 0, n)
	for i := 0; i < n; i++ {
		out = append(out, list[i*(len(list)-1)/(n-1)])
	}
	return slices.Compact(out)
}

// addressTypes returns the ipv4 and ipv6 address types that the map
// uses.
func (m *networkMap) addressTypes() []string {
	var out []string
	for _, typ := range []string{alto.AddressTypeIPv4, alto.AddressTypeIPv6} {
		for _, groups := range m.PIDs {
			if len(groups[typ]) > 0 {
				out = append(out, typ)
				break
			}
		}
	}
	return out
}

// compareNetworkMaps checks that got holds exactly the PIDs of want
// that pids names, each with the same prefixes of the address types
// (all when types is nil). A PID that has no prefix of the types may
// be absent.
func compareNetworkMaps(x *exchange, full, got *networkMap, pids, types []string) error {
	want := map[string]bool{}
	for _, pid := range pids {
		if _, ok := full.PIDs[pid]; ok {
			want[pid] = true
		}
	}
	expected := fmt.Sprintf("PIDs %s with the prefixes of the full map", strings.Join(sortedKeys(want), ","))
	if types != nil {
		expected += " of type " + strings.Join(types, ",")
	}
	for _, pid := range sortedKeys(got.PIDs) {
		if !want[pid] {
			return x.failuref(expected, "PID %q, which was not requested or is not in the full map", pid)
		}
	}
	for _, pid := range sortedKeys(want) {
		wantGroups := selectTypes(full.PIDs[pid], types)
		gotGroups, ok := got.PIDs[pid]
		if !ok {
			if len(wantGroups) == 0 {
				continue
			}
			return x.failuref(expected, "no PID %q", pid)
		}
		if d := diffGroups(wantGroups, selectNonEmpty(gotGroups)); d != "" {
			return x.failuref(expected, "PID %q: %s", pid, d)
		}
	}
	return nil
}

// selectTypes returns the non-empty address groups of the types, all
// when types is nil.
func selectTypes(groups map[string][]netip.Prefix, types []string) map[string][]netip.Prefix {
	out := map[string][]netip.Prefix{}
	for typ, ps := range groups {
		if len(ps) > 0 && (types == nil || slices.Contains(types, typ)) {
			out[typ] = ps
		}
	}
	return out
}

func selectNonEmpty(groups map[string][]netip.Prefix) map[string][]netip.Prefix {
	return selectTypes(groups, nil)
}

// diffGroups compares address groups as sets of prefixes.
func diffGroups(want, got map[string][]netip.Prefix) string {
	for _, typ := range sortedKeys(got) {
		if _, ok := want[typ]; !ok {
			return fmt.Sprintf("address type %s, which the full map does not give this PID or the request excluded", typ)
		}
	}
	for _, typ := range sortedKeys(want) {
		w, g := prefixSet(want[typ]), prefixSet(got[typ])
		if !slices.Equal(w, g) {
			return fmt.Sprintf("%s prefixes [%s], want [%s]", typ, strings.Join(g, " "), strings.Join(w, " "))
		}
	}
	return ""
}

func prefixSet(ps []netip.Prefix) []string {
	out := make([]string, 0, len(ps))
	for _, p := range ps {
		out = append(out, p.Masked().String())
	}
	slices.Sort(out)
	return slices.Compact(out)
}
