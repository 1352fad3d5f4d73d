package main

import (
	"context"
	"fmt"
	"slices"

	"github.com/goalto/goalto/client"
)

// printResponse prints resp.Body as JSON when --json is set. Otherwise
// it decodes the body into a T and prints the table that table builds.
func printResponse[T any](a *app, resp *client.Response, table func(*T) (header []string, rows [][]string)) error {
	if a.jsonOutput {
		return printJSON(a.stdout, resp.Body)
	}
	var v T
	if err := resp.Decode(&v); err != nil {
		return err
	}
	header, rows := table(&v)
	if err := printTable(a.stdout, header, rows); err != nil {
		return err
	}
	if len(rows) == 0 {
		_, err := fmt.Fprintln(a.stdout, "no entries matched")
		return err
	}
	return nil
}

// chooseResource returns the resource that --resource names, checked
// for the media type and "accepts" field, or the one pick selects when
// --resource is empty.
func chooseResource(ctx context.Context, c *client.Client, id, mediaType, accepts string, pick func() (client.Resource, error)) (client.Resource, error) {
	if id != "" {
		return c.ResourceOfType(ctx, id, mediaType, accepts)
	}
	return pick()
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
