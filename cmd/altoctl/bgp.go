package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/goalto/goalto/internal/bgp"
)

func newBGPCommand(a *app, getenv func(string) string) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bgp",
		Short: "Inspect and feed altod's embedded BGP speaker",
	}
	cmd.AddCommand(newBGPPeersCommand(a, getenv), newBGPReplayCommand(a))
	return cmd
}

func newBGPPeersCommand(a *app, getenv func(string) string) *cobra.Command {
	var flags *restconfFlags
	cmd := &cobra.Command{
		Use:   "peers",
		Short: "Print the BGP peers of altod's speaker and their session state",
		Long: `Read ` + bgp.PeersPath + ` from altod's management listener (--management) and
print one row per configured BGP peer: address, AS, session state and
since when, state transitions, NLRIs received (unicast prefixes,
ignored default routes and BGP-LS NLRIs alike), routes held after the
session went down, UPDATE messages received, and why the last session
ended. With --json, print the reply.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a.started = true
			if a.timeout <= 0 {
				return usagef("invalid --timeout %s: must be positive", a.timeout)
			}
			c, err := flags.client(getenv)
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), a.timeout)
			defer cancel()
			return a.printBGPPeers(ctx, c)
		},
	}
	flags = a.addRESTCONFFlags(cmd, getenv)
	return cmd
}

func (a *app) printBGPPeers(ctx context.Context, c *restconfClient) error {
	body, err := c.do(ctx, http.MethodGet, bgp.PeersPath, nil)
	var rcErr *restconfError
	var unreachable *unreachableError
	switch {
	case errors.As(err, &unreachable):
		return err
	case errors.As(err, &rcErr) && rcErr.status == http.StatusNotFound:
		return fmt.Errorf("this altod has no bgp section: %s answered HTTP 404; add a bgp section to the definition and restart altod", bgp.PeersPath)
	case err != nil:
		return fmt.Errorf("reading the BGP peers: %w", err)
	}
	if a.jsonOutput {
		return printJSON(a.stdout, body)
	}
	var reply struct{ Peers []bgp.PeerStatus }
	if err := json.Unmarshal(body, &reply); err != nil {
		return fmt.Errorf("decoding the BGP peers: %w", err)
	}
	rows := make([][]string, 0, len(reply.Peers))
	for _, p := range reply.Peers {
		since := ""
		if !p.Since.IsZero() {
			since = p.Since.UTC().Format(time.RFC3339)
		}
		rows = append(rows, []string{
			p.Address, strconv.FormatUint(uint64(p.AS), 10), p.State, since,
			strconv.FormatUint(p.Transitions, 10), strconv.FormatUint(p.Received, 10),
			strconv.Itoa(p.Held), strconv.FormatUint(p.UpdatesReceived, 10), p.LastError,
		})
	}
	return printTable(a.stdout, []string{"PEER", "AS", "STATE", "SINCE", "TRANSITIONS", "RECEIVED", "HELD", "UPDATES", "LAST ERROR"}, rows)
}
