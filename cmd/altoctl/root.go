package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/goalto/goalto/client"
)

// Defaults of the global flags.
const (
	defaultServer  = "http://127.0.0.1:8181/directory"
	defaultTimeout = 10 * time.Second
	serverEnv      = "ALTO_SERVER"
)

// app is the state shared by all commands of one run.
type app struct {
	stdout, stderr io.Writer
	server         string
	jsonOutput     bool
	timeout        time.Duration
	auth           *authFlags
	getenv         func(string) string
	// access is the resolved form of --server and the authentication
	// flags, set by serverAccess.
	access *serverAccess
	// secrets are the passwords and tokens of this run, which report
	// removes from every message.
	secrets []string
	// started is set when a command's action begins, after cobra has
	// checked the command line. An error before that is a usage error.
	started bool
}

// run executes the command line args and returns the exit status.
// Getenv supplies the environment, so that tests can run in-process.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	a := &app{stdout: stdout, stderr: stderr}
	root := newRootCommand(a, getenv)
	root.SetArgs(append([]string{}, args...))
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return 0
	}
	return a.report(cmd, err)
}

func newRootCommand(a *app, getenv func(string) string) *cobra.Command {
	root := &cobra.Command{
		Use:   "altoctl",
		Short: "Query an ALTO server (RFC 7285)",
		Long: `altoctl queries an ALTO server (RFC 7285). It reads the server's information
resource directory (IRD) at --server, picks the resource that fits each
command, and prints the response as a table, or as JSON with --json.`,
		SilenceErrors: true,
		SilenceUsage:  true,
	}
	a.getenv = getenv
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return usageError{err}
	})

	server := defaultServer
	if v := getenv(serverEnv); v != "" {
		server = v
	}
	flags := root.PersistentFlags()
	flags.StringVar(&a.server, "server", server, "URL of the server's root IRD; $"+serverEnv+", when set, replaces the built-in default")
	flags.BoolVar(&a.jsonOutput, "json", false, "print the response body as indented JSON with sorted keys")
	flags.DurationVar(&a.timeout, "timeout", defaultTimeout, "time limit for the whole command, such as 30s or 2m")
	a.auth = addAuthFlags(root)

	root.AddCommand(
		newIRDCommand(a),
		newNetworkMapCommand(a),
		newCostMapCommand(a),
		newEPSCommand(a),
		newECSCommand(a),
		newReplayCommand(a),
		newDiscoverCommand(a),
		newWatchCommand(a),
		newPropMapCommand(a),
		newCDNICommand(a),
		newPathVectorCommand(a),
		newCheckCommand(a),
		newSurveyCommand(a),
		newStatsCommand(a, getenv),
		newLintCommand(a),
		newDiffCommand(a),
		newBGPCommand(a, getenv),
		newConfigCommand(a, getenv),
		newAuthCommand(a),
	)
	return root
}

// action turns a command body into a cobra RunE function. It builds the
// client from the global flags and bounds the command by --timeout.
func (a *app) action(body func(ctx context.Context, c *client.Client) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, _ []string) error {
		a.started = true
		if a.timeout <= 0 {
			return usageError{fmt.Errorf("invalid --timeout %s: must be positive", a.timeout)}
		}
		c, err := a.newClient()
		if err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(cmd.Context(), a.timeout)
		defer cancel()
		return body(ctx, c)
	}
}

// newClient returns a client for --server with the TLS settings and
// credentials of the authentication flags.
func (a *app) newClient() (*client.Client, error) {
	access, err := a.serverAccess(a.server)
	if err != nil {
		return nil, err
	}
	c, err := client.New(access.url, access.clientOptions()...)
	if err != nil {
		return nil, usageError{fmt.Errorf("invalid --server: %w", err)}
	}
	return c, nil
}
