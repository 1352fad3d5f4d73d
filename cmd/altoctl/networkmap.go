package main

import (
	"context"
	"net/netip"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/client"
)

func newNetworkMapCommand(a *app) *cobra.Command {
	var resourceID string
	cmd := &cobra.Command{
		Use:   "networkmap",
		Short: "Print a network map: the prefixes of each PID",
		Long: `Print a full network map (RFC 7285, Section 11.2.1): one row per PID and
address type with its prefixes. Without --resource, print the default
network map of the IRD.`,
		Args: cobra.NoArgs,
		RunE: a.action(func(ctx context.Context, c *client.Client) error {
			r, err := chooseResource(ctx, c, resourceID, alto.MediaTypeNetworkMap, "", func() (client.Resource, error) {
				return c.NetworkMapResource(ctx)
			})
			if err != nil {
				return err
			}
			resp, err := c.Get(ctx, r)
			if err != nil {
				return err
			}
			return printResponse(a, resp, networkMapTable)
		}),
	}
	cmd.Flags().StringVar(&resourceID, "resource", "", "resource ID of the network map (default: the IRD's default network map)")
	cmd.AddCommand(newNetworkMapFilterCommand(a))
	return cmd
}

func newNetworkMapFilterCommand(a *app) *cobra.Command {
	var resourceID string
	var req alto.NetworkMapFilter
	cmd := &cobra.Command{
		Use:   "filter",
		Short: "Print a filtered network map",
		Long: `Send a filtered network map request (RFC 7285, Section 11.3.1) and print
the PIDs it returns. Without --pid, the server returns all PIDs, and
without --address-type, all address types.`,
		Example: "  altoctl networkmap filter --pid PID1 --pid PID2 --address-type ipv4",
		Args:    cobra.NoArgs,
		RunE: a.action(func(ctx context.Context, c *client.Client) error {
			r, err := chooseResource(ctx, c, resourceID, alto.MediaTypeNetworkMap, alto.MediaTypeNetworkMapFilter, func() (client.Resource, error) {
				return c.FilteredNetworkMapResource(ctx)
			})
			if err != nil {
				return err
			}
			if req.PIDs == nil {
				req.PIDs = []string{}
			}
			resp, err := c.Post(ctx, r, &req)
			if err != nil {
				return err
			}
			return printResponse(a, resp, networkMapTable)
		}),
	}
	flags := cmd.Flags()
	flags.StringVar(&resourceID, "resource", "", "resource ID of the filtered network map service (default: chosen from the IRD)")
	flags.StringArrayVar(&req.PIDs, "pid", nil, "PID to return; repeat for more PIDs")
	flags.StringArrayVar(&req.AddressTypes, "address-type", nil, "address type to return, ipv4 or ipv6; repeat for both")
	return cmd
}

// networkMapTable lists each PID and address type with its prefixes,
// sorted by PID, address type and prefix.
func networkMapTable(m *alto.NetworkMap) ([]string, [][]string) {
	var rows [][]string
	for _, pid := range sortedKeys(m.NetworkMap) {
		group := m.NetworkMap[pid]
		if len(group) == 0 {
			rows = append(rows, []string{pid, "", ""})
			continue
		}
		for _, addrType := range sortedKeys(group) {
			prefixes := slices.Clone(group[addrType])
			slices.SortFunc(prefixes, func(x, y netip.Prefix) int { return x.Compare(y) })
			text := make([]string, len(prefixes))
			for i, p := range prefixes {
				text[i] = p.String()
			}
			rows = append(rows, []string{pid, addrType, strings.Join(text, " ")})
		}
	}
	return []string{"PID", "ADDRESS TYPE", "PREFIXES"}, rows
}
