package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/spf13/cobra"
)

// statsPath is the RESTCONF path of the ietf-alto-stats state.
const statsPath = "/restconf/data/ietf-alto:alto?content=nonconfig"

// altoState is the nonconfig part of ietf-alto:alto: the statistics of
// ietf-alto-stats with their RFC 7951 member names.
type altoState struct {
	Alto struct {
		Server struct {
			Stats     map[string]json.RawMessage `json:"ietf-alto-stats:server-level-stats"`
			Resources []struct {
				ID    string                     `json:"resource-id"`
				Stats map[string]json.RawMessage `json:"ietf-alto-stats:resource-level-stats"`
			} `json:"resource"`
		} `json:"alto-server"`
	} `json:"ietf-alto:alto"`
}

func newStatsCommand(a *app, getenv func(string) string) *cobra.Command {
	var flags *restconfFlags
	cmd := &cobra.Command{
		Use:   "stats",
		Short: "Print the server's ietf-alto-stats statistics over RESTCONF",
		Long: `Read the ietf-alto-stats operational state from altod's RESTCONF interface
on the management listener (--management) and print the server's request
counters, then one row per information resource: requests, successes and
failures in total and within the time window, version updates, encoded
size and the type-specific size (PIDs, entities, CDNI objects, update
streams). With --json, print the RESTCONF reply.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a.started = true
			c, err := flags.client(getenv)
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), a.timeout)
			defer cancel()
			return a.printStats(ctx, c)
		},
	}
	flags = a.addRESTCONFFlags(cmd, getenv)
	return cmd
}

func (a *app) printStats(ctx context.Context, c *restconfClient) error {
	if a.timeout <= 0 {
		return usagef("invalid --timeout %s: must be positive", a.timeout)
	}
	body, err := c.do(ctx, http.MethodGet, statsPath, nil)
	if err != nil {
		return err
	}
	if a.jsonOutput {
		return printJSON(a.stdout, body)
	}
	var st altoState
	if err := json.Unmarshal(body, &st); err != nil {
		return fmt.Errorf("decoding the statistics: %w", err)
	}
	srv := st.Alto.Server
	if err := printTable(a.stdout, []string{"SERVER", "TOTAL", "LAST WINDOW"}, [][]string{
		{"requests", leaf(srv.Stats, "num-total-req"), leaf(srv.Stats, "num-total-last-req")},
		{"successes", leaf(srv.Stats, "num-total-succ"), leaf(srv.Stats, "num-total-last-succ")},
		{"failures", leaf(srv.Stats, "num-total-fail"), leaf(srv.Stats, "num-total-last-fail")},
	}); err != nil {
		return err
	}
	fmt.Fprintln(a.stdout)

	sort.Slice(srv.Resources, func(i, j int) bool { return srv.Resources[i].ID < srv.Resources[j].ID })
	var rows [][]string
	for _, r := range srv.Resources {
		s := r.Stats
		rows = append(rows, []string{r.ID, leaf(s, "num-res-req"), leaf(s, "num-res-succ"), leaf(s, "num-res-fail"),
			leaf(s, "num-res-last-req"), leaf(s, "num-res-upd"), leaf(s, "res-enc-size"), typeStats(s)})
	}
	return printTable(a.stdout, []string{"RESOURCE", "REQUESTS", "SUCCESSES", "FAILURES", "LAST WINDOW", "VERSIONS", "ENCODED BYTES", "TYPE STATISTICS"}, rows)
}

// leaf returns the text of a leaf, with the quotes of a string removed,
// or "" when it is missing.
func leaf(m map[string]json.RawMessage, name string) string {
	raw, ok := m[name]
	if !ok {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

// typeStats formats the type-specific container of a resource's
// statistics as name=value pairs.
func typeStats(s map[string]json.RawMessage) string {
	for _, name := range []string{"network-map-stats", "property-map-stats", "endpoint-prop-stats", "cdni-stats", "upd-stream-stats"} {
		raw, ok := s[name]
		if !ok {
			continue
		}
		var m map[string]json.RawMessage
		if json.Unmarshal(raw, &m) != nil {
			return ""
		}
		var parts []string
		for _, k := range sortedKeys(m) {
			parts = append(parts, k+"="+leaf(m, k))
		}
		return strings.Join(parts, ",")
	}
	return ""
}
