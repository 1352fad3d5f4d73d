package main

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/client"
)

func newPropMapCommand(a *app) *cobra.Command {
	var resourceID string
	var entities, properties []string
	cmd := &cobra.Command{
		Use:   "propmap",
		Short: "Print an entity property map",
		Long: `Fetch an entity property map (RFC 9240) and print one row per entity and
property. With --entity or --property, send a filtered property map
request instead: entities are entity IDs such as ipv4:192.0.2.0/24,
ipv4:192.0.2.7 or default-network-map.pid:PID1, and properties are
property names such as priv:asn or default-network-map.pid. A value of
null means the entity has no value for the property, hiding one it
would inherit.`,
		Example: "  altoctl propmap --entity ipv4:128.142.1.1 --property priv:wlcg-site --property priv:country",
		Args:    cobra.NoArgs,
		RunE: a.action(func(ctx context.Context, c *client.Client) error {
			filtered := len(entities) > 0 || len(properties) > 0
			if !filtered && resourceID != "" {
				// A filtered property map request needs entities (RFC 9240,
				// Section 8.3), so say which flags are missing.
				if r, err := c.Resource(ctx, resourceID); err == nil && r.Accepts == alto.MediaTypePropMapParams {
					return usagef("resource %q is a filtered property map: give the entities to request with --entity, and optionally --property", resourceID)
				}
			}
			accepts := ""
			if filtered {
				accepts = alto.MediaTypePropMapParams
			}
			r, err := c.PropertyMapResource(ctx, resourceID, accepts)
			if err != nil {
				return err
			}
			if !filtered {
				resp, err := c.Get(ctx, r)
				if err != nil {
					return err
				}
				return printResponse(a, resp, propertyMapTable)
			}
			req := &alto.PropertyMapParams{Entities: entities, Properties: properties}
			if req.Properties == nil {
				req.Properties = []string{} // every property of the resource
			}
			resp, err := c.Post(ctx, r, req)
			if err != nil {
				return err
			}
			return printResponse(a, resp, propertyMapTable)
		}),
	}
	flags := cmd.Flags()
	flags.StringVar(&resourceID, "resource", "", "resource ID of the property map (default: the first one in the IRD)")
	flags.StringArrayVar(&entities, "entity", nil, "entity ID, such as ipv4:192.0.2.7; repeat for more (filtered request)")
	flags.StringArrayVar(&properties, "property", nil, "property name, such as priv:asn; repeat for more (filtered request; default all)")
	return cmd
}

// propertyMapTable lists each entity and property with its value,
// sorted by entity and property; JSON strings are printed unquoted.
func propertyMapTable(m *alto.PropertyMap) ([]string, [][]string) {
	var rows [][]string
	for _, entity := range sortedKeys(m.PropertyMap) {
		props := m.PropertyMap[entity]
		if len(props) == 0 {
			rows = append(rows, []string{entity, "-", "-"})
			continue
		}
		for _, name := range sortedKeys(props) {
			v := string(props[name])
			if len(v) >= 2 && strings.HasPrefix(v, `"`) {
				v = strings.Trim(v, `"`)
			}
			rows = append(rows, []string{entity, name, v})
		}
	}
	return []string{"ENTITY", "PROPERTY", "VALUE"}, rows
}
