package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"

	"github.com/spf13/cobra"
	"go.yaml.in/yaml/v3"

	"github.com/goalto/goalto/internal/altoconf"
	"github.com/goalto/goalto/internal/netdef"
)

// configPath is the RESTCONF data resource of the ietf-alto
// configuration (RFC 8040, Section 3.5).
const configPath = "/restconf/data/" + altoconf.TopMember

func newConfigCommand(a *app, getenv func(string) string) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Validate, read, apply and compare altod's ietf-alto configuration",
		Long: `Manage altod's configuration in the ietf-alto YANG model: validate files
locally, read the running configuration over RESTCONF (RFC 8040), replace
it, and show what a file would change. The remote commands use the
management listener (--management) and the operator's token, as
'altoctl stats' does.`,
	}
	cmd.AddCommand(
		newConfigValidateCommand(a),
		newConfigGetCommand(a, getenv),
		newConfigApplyCommand(a, getenv),
		newConfigDiffCommand(a, getenv),
	)
	return cmd
}

func newConfigValidateCommand(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "validate FILE...",
		Short: "Validate configuration files locally",
		Long: `Validate each file: an ietf-alto configuration (JSON or YAML) against the
YANG modules and altod's mapping, or else a network definition. Print
"FILE: ok" for a valid file and every error, with file:line, YANG path and
rule, for an invalid one. The exit status is 1 when a file is invalid.`,
		Example: "  altoctl config validate alto.json alto.yaml",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(_ *cobra.Command, files []string) error {
			a.started = true
			bad := false
			for _, f := range files {
				errs := validateFile(f)
				if len(errs) == 0 {
					fmt.Fprintf(a.stdout, "%s: ok\n", f)
					continue
				}
				bad = true
				for _, e := range errs {
					fmt.Fprintln(a.stdout, e)
				}
			}
			if bad {
				return silentExit{exitFailure}
			}
			return nil
		},
	}
}

// validateFile returns the problems of one configuration file, each
// naming the file and where possible the line, path and rule.
func validateFile(path string) []string {
	data, err := os.ReadFile(path)
	if err != nil {
		return []string{fmt.Sprintf("%s: %v", path, err)}
	}
	if !altoconf.Is(data) {
		if _, err := netdef.Load(path); err != nil {
			return []string{prefixFile(path, err)}
		}
		return nil
	}
	_, err = altoconf.Load(path)
	if err == nil {
		return nil
	}
	var out []string
	if errs := altoconf.AsErrors(err); len(errs) > 0 {
		for _, e := range errs {
			out = append(out, prefixFile(path, e))
		}
		return out
	}
	return []string{prefixFile(path, err)}
}

// prefixFile returns the message of err, starting with path unless the
// error names the file already.
func prefixFile(path string, err error) string {
	var ae *altoconf.Error
	var ne *netdef.Error
	if (errors.As(err, &ae) && ae.File != "") || (errors.As(err, &ne) && ne.File != "") {
		return err.Error()
	}
	return path + ": " + err.Error()
}

func newConfigGetCommand(a *app, getenv func(string) string) *cobra.Command {
	var flags *restconfFlags
	var asYAML bool
	cmd := &cobra.Command{
		Use:   "get",
		Short: "Print the running configuration read over RESTCONF",
		Long: `Read the running ietf-alto configuration from altod's RESTCONF interface
(content=config) and print it as JSON, or as YAML with --yaml.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withRESTCONF(cmd, flags, getenv, func(ctx context.Context, c *restconfClient) error {
				body, err := c.getConfig(ctx)
				if err != nil {
					return err
				}
				if asYAML {
					return printYAML(a, body)
				}
				return printJSON(a.stdout, body)
			})
		},
	}
	flags = a.addRESTCONFFlags(cmd, getenv)
	cmd.Flags().BoolVar(&asYAML, "yaml", false, "print YAML instead of JSON")
	return cmd
}

func newConfigApplyCommand(a *app, getenv func(string) string) *cobra.Command {
	var flags *restconfFlags
	cmd := &cobra.Command{
		Use:   "apply FILE",
		Short: "Replace the running configuration with a file",
		Long: `Validate an ietf-alto configuration file (JSON or YAML) locally, then replace
the running configuration with it by a RESTCONF PUT of ietf-alto:alto.
altod builds the new maps beside the running ones and swaps them in.
When either check fails, print every error with its path and exit 1; the
running configuration is then unchanged.`,
		Example: "  altoctl config apply --management http://127.0.0.1:9181 alto.json",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			body, err := a.localConfig(args[0])
			if err != nil {
				return err
			}
			return a.withRESTCONF(cmd, flags, getenv, func(ctx context.Context, c *restconfClient) error {
				_, err := c.do(ctx, http.MethodPut, configPath, bytes.NewReader(body))
				var re *restconfError
				if errors.As(err, &re) {
					return a.printRejection(re)
				}
				if err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "%s: applied\n", args[0])
				return nil
			})
		},
	}
	flags = a.addRESTCONFFlags(cmd, getenv)
	return cmd
}

func newConfigDiffCommand(a *app, getenv func(string) string) *cobra.Command {
	var flags *restconfFlags
	var exitCode bool
	cmd := &cobra.Command{
		Use:   "diff FILE",
		Short: "Show what applying a file would change",
		Long: `Compare an ietf-alto configuration file with the running configuration read
over RESTCONF and print one line per difference, by YANG path, with the
JSON pointer (RFC 6901) into the file's JSON form: "+" added by the file,
"-" removed by it, "~" changed from the old value to the new one. List
entries are matched by their keys. With --exit-code, the exit status is
1 when there are differences.`,
		Example: "  altoctl config diff --exit-code alto.json",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			body, err := a.localConfig(args[0])
			if err != nil {
				return err
			}
			return a.withRESTCONF(cmd, flags, getenv, func(ctx context.Context, c *restconfClient) error {
				running, err := c.getConfig(ctx)
				if err != nil {
					return err
				}
				changes, err := diffConfigs(running, body)
				if err != nil {
					return err
				}
				for _, ch := range changes {
					fmt.Fprintln(a.stdout, ch)
				}
				if len(changes) == 0 {
					fmt.Fprintf(a.stdout, "%s: no changes\n", args[0])
				} else if exitCode {
					return silentExit{exitFailure}
				}
				return nil
			})
		},
	}
	flags = a.addRESTCONFFlags(cmd, getenv)
	cmd.Flags().BoolVar(&exitCode, "exit-code", false, "exit with status 1 when the file differs from the running configuration")
	return cmd
}

// getConfig reads the running ietf-alto configuration. A server that
// runs from a network definition has none and returns 404.
func (c *restconfClient) getConfig(ctx context.Context) ([]byte, error) {
	body, err := c.do(ctx, http.MethodGet, configPath+"?content=config", nil)
	var re *restconfError
	if errors.As(err, &re) && re.status == http.StatusNotFound {
		return nil, fmt.Errorf("altod runs from a network definition, not from an ietf-alto configuration, so there is no RESTCONF configuration to read; "+
			"edit the definition file, which altod reloads, or start altod with --config and an ietf-alto file to manage it over RESTCONF (%w)", err)
	}
	return body, err
}

// withRESTCONF runs body with a RESTCONF client from flags, bounded by
// --timeout.
func (a *app) withRESTCONF(cmd *cobra.Command, flags *restconfFlags, getenv func(string) string, body func(context.Context, *restconfClient) error) error {
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
	return body(ctx, c)
}

// localConfig validates an ietf-alto configuration file and returns it
// as RFC 7951 JSON. An invalid file has its errors printed.
func (a *app) localConfig(path string) ([]byte, error) {
	a.started = true
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if !altoconf.Is(data) {
		return nil, fmt.Errorf("%s: not an ietf-alto configuration: its top-level object lacks %q", path, altoconf.TopMember)
	}
	if errs := validateFile(path); len(errs) > 0 {
		for _, e := range errs {
			fmt.Fprintln(a.stdout, e)
		}
		return nil, silentExit{exitFailure}
	}
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	out, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("%s: converting to JSON: %w", path, err)
	}
	return out, nil
}

// printRejection prints the errors of a RESTCONF error reply (RFC 8040,
// Section 7.1), one per line with its path, and ends with status 1.
func (a *app) printRejection(re *restconfError) error {
	if len(re.Errors.Error) == 0 {
		return re
	}
	fmt.Fprintf(a.stdout, "rejected (HTTP %d):\n", re.status)
	for _, e := range re.Errors.Error {
		path := e.Path
		if path == "" {
			path = "-"
		}
		fmt.Fprintf(a.stdout, "  %s: %s [%s]\n", path, e.Message, e.Tag)
	}
	return silentExit{exitFailure}
}

// printYAML prints a JSON document as YAML in block style.
func printYAML(a *app, body []byte) error {
	var doc yaml.Node
	if err := yaml.Unmarshal(body, &doc); err != nil {
		return fmt.Errorf("decoding the configuration: %w", err)
	}
	blockStyle(&doc)
	enc := yaml.NewEncoder(a.stdout)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return fmt.Errorf("encoding YAML: %w", err)
	}
	return enc.Close()
}

// blockStyle clears the flow and quoting styles of n and its children.
// The encoder still quotes a string that would read as another type.
func blockStyle(n *yaml.Node) {
	n.Style = 0
	for _, c := range n.Content {
		blockStyle(c)
	}
}
