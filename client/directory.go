package client

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strconv"

	"github.com/goalto/goalto/alto"
)

// Resource is one information resource of the merged directory.
type Resource struct {
	// ID is the resource ID, unique across the merged directory.
	ID string
	// ResourceEntry is the IRD entry with URI resolved to an absolute URI
	// and cost type names renamed as in the merged directory.
	alto.ResourceEntry
	// CostTypes are the cost types that Capabilities.CostTypeNames name,
	// in the same order. Names that the listing IRD does not define are
	// left out.
	CostTypes []alto.CostType
	// Directory is the absolute URI of the IRD that lists the resource.
	Directory string
	// TestableCostTypes are the cost types that
	// Capabilities.TestableCostTypeNames name (RFC 8189, Section 4.1.1),
	// in the same order.
	TestableCostTypes []alto.CostType
	// CalendarCostTypes has one element per Capabilities.CalendarAttributes
	// element: the cost types that its cost-type-names name (RFC 8896,
	// Section 4.1).
	CalendarCostTypes [][]alto.CostType

	// localCostTypes are the cost types of the listing IRD under its own
	// names, which the server also uses in responses.
	localCostTypes map[string]alto.CostType
}

// Offers reports whether the resource lists the cost type in its
// capabilities. The description is ignored.
func (r Resource) Offers(ct alto.CostType) bool {
	return slices.ContainsFunc(r.CostTypes, ct.Equal)
}

// UsesResource reports whether the resource lists id in its "uses" field.
func (r Resource) UsesResource(id string) bool {
	return slices.Contains(r.Uses, id)
}

// Directory fetches the root IRD, follows the secondary directories it
// lists (RFC 7285, Section 9.2.4) down to the depth set by
// WithMaxDirectoryDepth, and returns one directory with the resources of
// all of them. Every URI in the result is absolute: a relative URI is
// resolved against the URI of the IRD that lists it, after redirects
// (RFC 7285, Section 9.2.2, and RFC 3986, Section 5).
//
// Cost type names are local to each IRD (RFC 7285, Section 9.2.2). The
// merged "cost-types" keep the names of the root IRD. A secondary IRD's
// name that the merged directory already uses for another cost type is
// renamed with a numeric suffix ("num-routing-2"), and the
// "cost-type-names" of its resources are renamed to match.
//
// A resource ID that an earlier IRD already lists is skipped, because a
// resource ID identifies one resource across the server (RFC 7285,
// Section 10.2). IRDs are read breadth-first and the root IRD comes
// first. The error of any IRD fails the call.
func (c *Client) Directory(ctx context.Context) (*alto.Directory, error) {
	cl, err := c.closure(ctx)
	if err != nil {
		return nil, err
	}
	return cl.dir, nil
}

// Resources returns the resources of the merged directory (see
// Directory) in discovery order: the root IRD's resources sorted by ID,
// then those of each secondary IRD, breadth-first.
func (c *Client) Resources(ctx context.Context) ([]Resource, error) {
	cl, err := c.closure(ctx)
	if err != nil {
		return nil, err
	}
	return cl.list, nil
}

// closure is the merged directory and its resources in discovery order.
type closure struct {
	irdURL string
	dir    *alto.Directory
	list   []Resource
	index  map[string]int // resource ID to position in list
}

type pendingDirectory struct {
	id    string // resource ID of the directory entry, "" for the root
	url   string
	depth int
}

// closure fetches the root IRD and its secondary directories.
func (c *Client) closure(ctx context.Context) (*closure, error) {
	root := c.irdURL.String()
	cl := &closure{
		irdURL: root,
		dir: &alto.Directory{
			Meta:      alto.DirectoryMeta{CostTypes: make(map[string]alto.CostType)},
			Resources: make(map[string]alto.ResourceEntry),
		},
		index: make(map[string]int),
	}
	queue := []pendingDirectory{{url: root}}
	visited := map[string]bool{root: true}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		added, err := c.mergeDirectory(ctx, cl, p, visited)
		if err != nil {
			return nil, err
		}
		if p.depth >= c.maxDepth {
			continue
		}
		for _, r := range added {
			if r.MediaType == alto.MediaTypeDirectory && r.Accepts == "" && !visited[r.URI] {
				visited[r.URI] = true
				queue = append(queue, pendingDirectory{id: r.ID, url: r.URI, depth: p.depth + 1})
			}
		}
	}
	return cl, nil
}

// mergeDirectory fetches one IRD and adds its resources to cl. The error
// of a secondary IRD names its directory entry.
func (c *Client) mergeDirectory(ctx context.Context, cl *closure, p pendingDirectory, visited map[string]bool) ([]Resource, error) {
	added, err := c.fetchAndMerge(ctx, cl, p, visited)
	if err != nil && p.id != "" {
		return nil, fmt.Errorf("secondary directory %q: %w", p.id, err)
	}
	return added, err
}

func (c *Client) fetchAndMerge(ctx context.Context, cl *closure, p pendingDirectory, visited map[string]bool) ([]Resource, error) {
	d, base, err := c.fetchDirectory(ctx, p.url)
	if err != nil {
		return nil, err
	}
	visited[base.String()] = true
	if p.depth == 0 {
		cl.dir.Meta.DefaultNetworkMap = d.Meta.DefaultNetworkMap
	}
	return cl.merge(d, base)
}

// fetchDirectory fetches and decodes one IRD. It returns the URL of the
// final response, which is the base URI for the IRD's relative URIs.
func (c *Client) fetchDirectory(ctx context.Context, rawURL string) (*alto.Directory, *url.URL, error) {
	resp, err := c.get(ctx, rawURL, alto.MediaTypeDirectory)
	if err != nil {
		return nil, nil, err
	}
	var d alto.Directory
	if err := resp.Decode(&d); err != nil {
		return nil, nil, err
	}
	base, err := url.Parse(resp.URL)
	if err != nil {
		return nil, nil, fmt.Errorf("directory URL: %w", err)
	}
	return &d, base, nil
}

// merge adds the cost types and resources of one IRD and returns the
// resources that were added.
func (cl *closure) merge(d *alto.Directory, base *url.URL) ([]Resource, error) {
	names := cl.mergeCostTypes(d.Meta.CostTypes)
	var added []Resource
	for _, id := range sortedKeys(d.Resources) {
		if _, dup := cl.index[id]; dup {
			continue
		}
		r, err := resolveEntry(id, d.Resources[id], base, d.Meta.CostTypes, names)
		if err != nil {
			return nil, err
		}
		cl.index[id] = len(cl.list)
		cl.list = append(cl.list, r)
		cl.dir.Resources[id] = r.ResourceEntry
		added = append(added, r)
	}
	return added, nil
}

// mergeCostTypes adds the named cost types of one IRD to the merged
// directory and returns the merged name of each local name.
func (cl *closure) mergeCostTypes(local map[string]alto.CostType) map[string]string {
	names := make(map[string]string, len(local))
	merged := cl.dir.Meta.CostTypes
	for _, name := range sortedKeys(local) {
		ct := local[name]
		candidate := name
		for i := 2; ; i++ {
			have, exists := merged[candidate]
			if !exists {
				merged[candidate] = ct
				break
			}
			if have == ct {
				break
			}
			candidate = name + "-" + strconv.Itoa(i)
		}
		names[name] = candidate
	}
	return names
}

// resolveEntry turns an IRD entry into a Resource with an absolute URI,
// merged cost type names and resolved cost types.
func resolveEntry(id string, e alto.ResourceEntry, base *url.URL, local map[string]alto.CostType, names map[string]string) (Resource, error) {
	ref, err := url.Parse(e.URI)
	if err != nil {
		return Resource{}, fmt.Errorf("resource %q: invalid uri %q: %w", id, e.URI, err)
	}
	e.URI = base.ResolveReference(ref).String()
	e.Uses = slices.Clone(e.Uses)
	r := Resource{ID: id, Directory: base.String()}
	if e.Capabilities != nil {
		caps := *e.Capabilities
		caps.PropTypes = slices.Clone(caps.PropTypes)
		caps.CostTypeNames, r.CostTypes = renameCostTypes(e.Capabilities.CostTypeNames, local, names)
		caps.TestableCostTypeNames, r.TestableCostTypes = renameCostTypes(e.Capabilities.TestableCostTypeNames, local, names)
		caps.CalendarAttributes = slices.Clone(caps.CalendarAttributes)
		for i, a := range caps.CalendarAttributes {
			var cts []alto.CostType
			caps.CalendarAttributes[i].CostTypeNames, cts = renameCostTypes(a.CostTypeNames, local, names)
			r.CalendarCostTypes = append(r.CalendarCostTypes, cts)
		}
		e.Capabilities = &caps
	}
	r.ResourceEntry = e
	r.localCostTypes = local
	return r, nil
}

// renameCostTypes returns the merged names of the local cost type names
// and the cost types they define. A nil list stays nil.
func renameCostTypes(list []string, local map[string]alto.CostType, names map[string]string) ([]string, []alto.CostType) {
	if list == nil {
		return nil, nil
	}
	renamed := make([]string, len(list))
	var cts []alto.CostType
	for i, name := range list {
		// NOTE: a name that the IRD does not define is kept as it is,
		// so in a secondary IRD it may clash with a root name.
		renamed[i] = name
		if ct, ok := local[name]; ok {
			renamed[i] = names[name]
			cts = append(cts, ct)
		}
	}
	return renamed, cts
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
