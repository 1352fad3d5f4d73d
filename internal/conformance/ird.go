package conformance

import (
	"context"
	"fmt"
	"strings"

	"github.com/goalto/goalto/alto"
)

// irdService covers the root IRD and every secondary directory.
var irdService = service{
	feature: FeatureIRD, kind: kindDirectory, prefix: "ird", what: "directory",
	targets: func(d *directory) []*resource {
		root := &resource{ID: "root IRD", URI: d.root.URL, MediaType: alto.MediaTypeDirectory}
		return append([]*resource{root}, d.ofKind(kindDirectory)...)
	},
}

func irdChecks() []Check {
	checks := []Check{
		{
			ID: "ird.media-type", Section: "RFC 7285, Section 9.2.1", Feature: FeatureIRD,
			Title: "the root IRD is served with 200 and application/alto-directory+json",
			run: func(ctx context.Context, s *session) outcome {
				root := s.dir.root
				if root.err != nil {
					return fail(root.err)
				}
				return outcomeOf(root.x.wantSuccess(alto.MediaTypeDirectory))
			},
		},
		{
			ID: "ird.schema", Section: "RFC 7285, Section 9.2.2", Feature: FeatureIRD,
			Title: "every IRD has a meta object and resource entries with uri and media-type strings, valid resource IDs and well-typed fields",
			run: func(_ context.Context, s *session) outcome {
				return outcomeOf(s.dir.schemaError())
			},
		},
		{
			ID: "ird.default-network-map", Section: "RFC 7285, Section 9.2.2", Feature: FeatureIRD,
			Title: `the root IRD's meta names a network map of the directory in "default-alto-network-map"`,
			run:   checkDefaultNetworkMap,
		},
		{
			ID: "ird.references", Section: "RFC 7285, Section 9.2.2", Feature: FeatureIRD,
			Title: "every uses entry names a listed resource, every cost type name is defined by its IRD, and resource IDs are unique",
			run: func(_ context.Context, s *session) outcome {
				return outcomeOf(s.dir.referenceError())
			},
		},
		{
			ID: "ird.secondary", Section: "RFC 7285, Section 9.2.4", Feature: FeatureIRD,
			Title: "every secondary directory is served with 200 and application/alto-directory+json",
			run:   checkSecondaryDirectories,
		},
		{
			ID: "ird.cost-map-capabilities", Section: "RFC 7285, Section 11.2.3.4", Feature: FeatureIRD,
			Title: "every cost map lists exactly one cost type name, and no two cost maps share a cost type and network map",
			run:   checkCostMapCapabilities,
		},
	}
	return append(checks, getChecks(irdService)...)
}

func (d *directory) schemaError() error {
	if d.root.err != nil {
		return errRootUnreadable
	}
	for _, i := range d.irds {
		if i.err != nil {
			continue // ird.media-type and ird.secondary report it
		}
		if len(i.problems) > 0 {
			return fmt.Errorf("IRD %s: %s", i.URL, strings.Join(i.problems, "; "))
		}
	}
	return nil
}

// errRootUnreadable skips the checks of the IRD's content when
// ird.media-type already fails because the root IRD cannot be read.
var errRootUnreadable = skipError{reason: "the root IRD could not be read; ird.media-type reports why"}

func checkDefaultNetworkMap(_ context.Context, s *session) outcome {
	root := s.dir.root
	if root.err != nil {
		return fail(errRootUnreadable)
	}
	if !root.hasDefault {
		return failed(`IRD %s: expected "meta/default-alto-network-map" in the root IRD; got none`, root.URL)
	}
	r, ok := s.dir.byID[root.defaultNetworkMap]
	if !ok {
		return failed(`IRD %s: expected "meta/default-alto-network-map" to name a resource of the directory; got %q, which it does not list`, root.URL, root.defaultNetworkMap)
	}
	if r.kind() != kindNetworkMap {
		return failed(`IRD %s: expected "meta/default-alto-network-map" to name a network map read with GET; got %q, which is %s`, root.URL, r.ID, r.MediaType)
	}
	return passed()
}

// referenceError checks the references inside the directory: "uses"
// entries (Section 9.2.2), cost type names (Section 11.2.3.4) and the
// uniqueness of resource IDs (Section 10.2).
func (d *directory) referenceError() error {
	if d.root.err != nil {
		return errRootUnreadable
	}
	if len(d.conflicts) > 0 {
		return fmt.Errorf("expected each resource ID to name one resource (RFC 7285, Section 10.2); got %s", d.conflicts[0])
	}
	for _, r := range d.resources {
		for _, id := range r.Uses {
			if _, ok := d.byID[id]; !ok {
				return fmt.Errorf("IRD %s: expected every uses entry of %q to name a resource of the directory; got %q, which it does not list", r.ird.URL, r.ID, id)
			}
		}
		for _, name := range r.CostTypeNames {
			if _, ok := r.ird.costTypes[name]; !ok {
				return fmt.Errorf("IRD %s: expected cost type name %q of %q to be defined in the IRD's meta cost-types; it is not", r.ird.URL, name, r.ID)
			}
		}
	}
	return nil
}

func checkSecondaryDirectories(_ context.Context, s *session) outcome {
	var secondary []*ird
	for _, i := range s.dir.irds {
		if i.ID != "" {
			secondary = append(secondary, i)
		}
	}
	if len(secondary) == 0 {
		return skipped("the root IRD lists no secondary directory")
	}
	for _, i := range secondary {
		if i.err != nil {
			return fail(fmt.Errorf("secondary directory %q: %w", i.ID, i.err))
		}
		if err := i.x.wantSuccess(alto.MediaTypeDirectory); err != nil {
			return fail(fmt.Errorf("secondary directory %q: %w", i.ID, err))
		}
	}
	return passed()
}

func checkCostMapCapabilities(_ context.Context, s *session) outcome {
	type key struct{ metric, mode, nm string }
	seen := map[key]string{}
	err := s.eachResource(kindCostMap, "cost map", func(r *resource) error {
		if len(r.CostTypeNames) != 1 {
			return fmt.Errorf("IRD %s: expected cost map %q to list exactly one cost type name (RFC 7285, Section 11.2.3.4); got %d", r.ird.URL, r.ID, len(r.CostTypeNames))
		}
		if len(r.CostTypes) != 1 {
			return skipf("cost map %q names a cost type that its IRD does not define", r.ID)
		}
		nm := s.dir.networkMapOf(r)
		if nm == nil {
			return skipf("cost map %q uses no listed network map", r.ID)
		}
		k := key{r.CostTypes[0].Metric, r.CostTypes[0].Mode, nm.ID}
		if other, ok := seen[k]; ok {
			return fmt.Errorf("expected one cost map per cost type and network map (RFC 7285, Section 11.2.3.5); got %q and %q, both %s over %q", other, r.ID, costTypeText(r.CostTypes[0]), nm.ID)
		}
		seen[k] = r.ID
		return nil
	})
	return outcomeOf(err)
}
