package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/client"
)

func newPathVectorCommand(a *app) *cobra.Command {
	var resourceID string
	var properties []string
	cmd := &cobra.Command{
		Use:   "pathvector SRC DST...",
		Short: "Print the ANEs on the paths from a source to destinations",
		Long: `Send a path vector request (RFC 9275) and print one line per destination:
the abstract network elements (ANEs) that the path from SRC traverses,
in order, each with its properties in brackets. SRC and DST are PIDs,
which query a multipart filtered cost map, or typed endpoint addresses
such as ipv4:192.0.2.1 or ipv6:2001:db8::1, which query a multipart
endpoint cost resource. A pair that the response leaves out, because the
server knows no path between them, prints "no path".

ANE names are drawn anew for every response, so they only relate the
paths of one run to each other (RFC 9275, Section 5.1.2). With --json,
print the paths and the ANE properties as one JSON object with the
members "meta", "paths" and "property-map".`,
		Example: `  altoctl pathvector PID1 PID3 PID4 --property max-reservable-bandwidth
  altoctl pathvector ipv4:192.0.2.1 ipv4:198.51.100.7`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			endpoints, err := pathVectorEndpoints(args)
			if err != nil {
				return err
			}
			return a.action(func(ctx context.Context, c *client.Client) error {
				m, err := requestPathVector(ctx, c, resourceID, endpoints, args, properties)
				if err != nil {
					return err
				}
				return printPathVector(a, m, args)
			})(cmd, args)
		},
	}
	flags := cmd.Flags()
	flags.StringVar(&resourceID, "resource", "", "resource ID of the path vector resource (default: the first one in the IRD of the form that SRC needs)")
	flags.StringArrayVar(&properties, "property", nil, "ANE property to request, such as max-reservable-bandwidth; repeat for more (default: those the resource lists in ane-property-names)")
	return cmd
}

// pathVectorEndpoints reports whether the arguments are typed endpoint
// addresses rather than PIDs, and rewrites the addresses in place in
// their canonical text form, which is how the response names them. All
// arguments must be of one kind.
func pathVectorEndpoints(args []string) (bool, error) {
	endpoints := isTypedAddress(args[0])
	for i, arg := range args {
		if isTypedAddress(arg) != endpoints {
			return false, usagef("%q and %q: give either PIDs or typed endpoint addresses, not both", args[0], arg)
		}
		if !endpoints {
			if !alto.ValidPIDName(arg) {
				return false, usagef("invalid PID %q (RFC 7285, Section 10.1)", arg)
			}
			continue
		}
		addr, ok := alto.ParseTypedAddr(arg)
		if !ok {
			return false, usagef("invalid endpoint address %q: want ipv4:ADDRESS or ipv6:ADDRESS", arg)
		}
		args[i] = addr.String()
	}
	return endpoints, nil
}

// isTypedAddress reports whether s starts with an address type and a
// colon, as "ipv4:192.0.2.1" does. A PID cannot contain a colon.
func isTypedAddress(s string) bool {
	return strings.HasPrefix(s, alto.AddressTypeIPv4+":") || strings.HasPrefix(s, alto.AddressTypeIPv6+":")
}

// requestPathVector sends the path vector request from args[0] to the
// other arguments. Nil properties request those that the resource
// lists in its "ane-property-names" capability.
func requestPathVector(ctx context.Context, c *client.Client, resourceID string, endpoints bool, args, properties []string) (*client.PathVectorMap, error) {
	root := alto.MediaTypeCostMap
	if endpoints {
		root = alto.MediaTypeEndpointCost
	}
	r, err := c.PathVectorResource(ctx, resourceID, root)
	if err != nil {
		return nil, err
	}
	if properties == nil && r.Capabilities != nil {
		properties = r.Capabilities.ANEPropertyNames
	}
	src, dsts := args[:1], args[1:]
	if endpoints {
		req := &alto.PVEndpointCostParams{ANEPropertyNames: properties}
		req.Endpoints = alto.EndpointFilter{Srcs: src, Dsts: dsts}
		return c.PathVectorEndpoints(ctx, r.ID, req)
	}
	req := &alto.PVCostMapFilter{ANEPropertyNames: properties}
	req.PIDs = &alto.PIDFilter{Srcs: src, Dsts: dsts}
	return c.PathVector(ctx, r.ID, req)
}

// printPathVector prints the path from args[0] to each other argument,
// or the decoded response as JSON with --json.
func printPathVector(a *app, m *client.PathVectorMap, args []string) error {
	if a.jsonOutput {
		body, err := json.Marshal(map[string]any{"meta": m.Meta, "paths": m.Paths, "property-map": m.Properties.PropertyMap})
		if err != nil {
			return fmt.Errorf("encode path vectors: %w", err)
		}
		return printJSON(a.stdout, body)
	}
	src := args[0]
	for _, dst := range args[1:] {
		if _, err := fmt.Fprintf(a.stdout, "%s -> %s: %s\n", src, dst, pathText(m, src, dst)); err != nil {
			return err
		}
	}
	return nil
}

// pathText formats a path as its ANEs with their properties, such as
// "ane-3f0c (max-reservable-bandwidth 10000000000), ane-9a1b ()". An
// empty path, from a node to itself, is "(no ANEs)".
func pathText(m *client.PathVectorMap, src, dst string) string {
	path, ok := m.Paths[src][dst]
	switch {
	case !ok:
		return "no path"
	case len(path) == 0:
		return "(no ANEs)"
	}
	items := make([]string, len(path))
	for i, ane := range path {
		items[i] = ane
		if props := m.ANEProperties(ane); len(props) > 0 {
			items[i] += " (" + aneProperties(props) + ")"
		}
	}
	return strings.Join(items, ", ")
}

// aneProperties formats the properties of an ANE as "name value" pairs
// sorted by name and joined by ", ". JSON strings are printed unquoted.
func aneProperties(props map[string]json.RawMessage) string {
	var pairs []string
	for _, name := range sortedKeys(props) {
		v := string(props[name])
		var s string
		if json.Unmarshal(props[name], &s) == nil {
			v = s
		}
		pairs = append(pairs, name+" "+v)
	}
	return strings.Join(pairs, ", ")
}
