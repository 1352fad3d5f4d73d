package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/goalto/goalto/client"
	"github.com/goalto/goalto/internal/conformance"
)

// defaultCheckTimeout bounds a whole check or survey run when --timeout
// is not given, since a run sends hundreds of requests and may wait for
// updates.
const defaultCheckTimeout = 10 * time.Minute

// checkFlags holds the flags of altoctl check and altoctl survey.
type checkFlags struct {
	trigger        string
	only           []string
	requestTimeout time.Duration
	updateTimeout  time.Duration
	caCert         string
	insecure       bool
	junit          string // check only
	name           string // survey only
}

func newCheckCommand(a *app) *cobra.Command {
	var f checkFlags
	cmd := &cobra.Command{
		Use:   "check [IRD-URL]",
		Short: "Check an ALTO server against RFC 7285, RFC 8895 and RFC 9569",
		Long: `Check whether an ALTO server follows the RFCs. The command reads the server's
information resource directory (IRD) at IRD-URL, or at --server when no URL is
given, with its secondary directories, and exercises every advertised resource
with valid and invalid requests. Each check enforces one rule of one RFC section
and passes, fails with the request, the expected and the received response, or
skips when the server does not advertise the feature.

The result is a table (ID, section, result, reason) followed by a line
"N passed, N failed, N skipped"; --json prints the report as JSON, and --junit
writes JUnit XML for CI. The exit status is 1 when any check failed.

Update streams and TIPS views can only show patches when the server changes:
--trigger runs a shell command that makes it change, such as one that edits
the topology file altod serves, once before each of those checks. Without
--trigger they skip. --timeout bounds the whole run, 10 minutes unless given.
docs/conformance.md lists every check.`,
		Example: `  altoctl check http://127.0.0.1:8181/directory
  altoctl check --junit conformance.xml https://alto.example.net/directory
  altoctl check --trigger './bump-topology.sh' --only sse. --only tips.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			a.started = true
			return a.runCheck(cmd, args, &f)
		},
	}
	f.register(cmd)
	cmd.Flags().StringVar(&f.junit, "junit", "", `write JUnit XML to this file; "-" prints it in place of the table`)
	return cmd
}

func newSurveyCommand(a *app) *cobra.Command {
	var f checkFlags
	cmd := &cobra.Command{
		Use:   "survey [IRD-URL]",
		Short: "Print the server's row of the ALTO implementation table",
		Long: `Run every check of 'altoctl check' and print the server's row of the ALTO
working group's implementation table as Markdown: NM, CM, ECS, EPS, MC, CC,
SSE, UP, PV, PM, CDNI, TIPS and the HTTP versions. A checked feature reads
"yes" when at least one of its checks passed and none failed, "no" when the
IRD does not advertise it, and "partial (n failures)" otherwise. The filtered
maps count under NM and CM. Extensions that no check covers (MC, CC, UP, PV,
PM, CDNI) read "advertised, not checked" when the IRD advertises them.

The flags are those of 'altoctl check'. The exit status is 0 whenever the row
could be printed, failures included.`,
		Example: `  altoctl survey --name goalto http://127.0.0.1:8181/directory`,
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			a.started = true
			report, err := a.runConformance(cmd, args, &f)
			if err != nil {
				return err
			}
			name := f.name
			if name == "" {
				name = report.Server
			}
			_, err = io.WriteString(a.stdout, report.SurveyMarkdown(name))
			return err
		},
	}
	f.register(cmd)
	cmd.Flags().StringVar(&f.name, "name", "", "implementation name in the first column (default: the IRD URL)")
	return cmd
}

// register adds the flags that check and survey share.
func (f *checkFlags) register(cmd *cobra.Command) {
	flags := cmd.Flags()
	flags.StringVar(&f.trigger, "trigger", "", "shell command (run with sh -c) that makes the server change a resource; run once before each update check")
	flags.StringSliceVar(&f.only, "only", nil, `run only these checks: IDs, or prefixes ending in a dot such as "fcm."; repeat or separate with commas`)
	flags.DurationVar(&f.requestTimeout, "request-timeout", conformance.DefaultRequestTimeout, "time limit for each request")
	flags.DurationVar(&f.updateTimeout, "update-timeout", conformance.DefaultUpdateTimeout, "how long to wait for an update after --trigger")
	flags.StringVar(&f.caCert, "cacert", "", "PEM file of CA certificates to trust for https, besides the system ones; the global --ca-file does the same")
	flags.BoolVar(&f.insecure, "insecure", false, "do not verify the server's TLS certificate")
}

// errChecksFailed reports failed checks, which gives exit status 1.
type errChecksFailed struct{ failed, total int }

func (e errChecksFailed) Error() string {
	return fmt.Sprintf("%d of %d checks failed", e.failed, e.total)
}

func (a *app) runCheck(cmd *cobra.Command, args []string, f *checkFlags) error {
	report, err := a.runConformance(cmd, args, f)
	if err != nil {
		return err
	}
	if err := a.printReport(report, f.junit); err != nil {
		return err
	}
	if _, failed, _ := report.Counts(); failed > 0 {
		return errChecksFailed{failed: failed, total: len(report.Results)}
	}
	return nil
}

// runConformance builds the configuration from the flags and runs the
// checks.
func (a *app) runConformance(cmd *cobra.Command, args []string, f *checkFlags) (*conformance.Report, error) {
	cfg, err := a.conformanceConfig(cmd, args, f)
	if err != nil {
		return nil, err
	}
	timeout := defaultCheckTimeout
	if cmd.Flags().Changed("timeout") {
		timeout = a.timeout
	}
	if timeout <= 0 {
		return nil, usagef("invalid --timeout %s: must be positive", timeout)
	}
	ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
	defer cancel()
	report, err := conformance.Run(ctx, cfg)
	if err != nil {
		return nil, usageError{err}
	}
	if ctx.Err() != nil {
		return report, fmt.Errorf("the checks did not finish within %s (raise --timeout): %w", timeout, ctx.Err())
	}
	return report, nil
}

func (a *app) conformanceConfig(cmd *cobra.Command, args []string, f *checkFlags) (conformance.Config, error) {
	server := a.server
	if len(args) == 1 {
		server = args[0]
	}
	if u, err := url.Parse(server); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return conformance.Config{}, usagef("invalid IRD URL %q: want an absolute http or https URL such as http://127.0.0.1:8181/directory", client.RedactURL(server))
	}
	if f.requestTimeout <= 0 || f.updateTimeout <= 0 {
		return conformance.Config{}, usagef("--request-timeout and --update-timeout must be positive")
	}
	access, err := a.serverAccess(server)
	if err != nil {
		return conformance.Config{}, err
	}
	tlsConfig, err := f.tlsConfig(access.tls)
	if err != nil {
		return conformance.Config{}, err
	}
	cfg := conformance.Config{
		URL:            access.url,
		TLSConfig:      tlsConfig,
		WrapTransport:  access.wrap,
		RequestTimeout: f.requestTimeout,
		UpdateTimeout:  f.updateTimeout,
		Only:           f.only,
	}
	if f.trigger != "" {
		cfg.Trigger = a.shellTrigger(f.trigger)
	}
	return cfg, nil
}

// tlsConfig returns global, the TLS configuration of the global flags,
// with the CAs of --cacert and --insecure added.
func (f *checkFlags) tlsConfig(global *tls.Config) (*tls.Config, error) {
	cfg := &tls.Config{}
	if global != nil {
		cfg = global.Clone()
	}
	cfg.InsecureSkipVerify = f.insecure
	if f.caCert == "" {
		return cfg, nil
	}
	if cfg.RootCAs != nil {
		return nil, usagef("give --ca-file or --cacert, not both")
	}
	ca, err := client.LoadTLSConfig(client.TLSFiles{CAFile: f.caCert})
	if err != nil {
		return nil, usagef("invalid --cacert: %v", err)
	}
	cfg.RootCAs = ca.RootCAs
	return cfg, nil
}

// shellTrigger returns a trigger that runs command with sh -c, its
// output going to stderr.
func (a *app) shellTrigger(command string) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		c := exec.CommandContext(ctx, "sh", "-c", command)
		c.Stdout, c.Stderr = a.stderr, a.stderr
		if err := c.Run(); err != nil {
			return fmt.Errorf("--trigger %q: %w", command, err)
		}
		return nil
	}
}

// printReport prints the report as JSON with --json, as JUnit XML on
// stdout with --junit -, and otherwise as a table followed by the
// counts. A --junit file is written in every case.
func (a *app) printReport(report *conformance.Report, junit string) error {
	if junit != "" && junit != "-" {
		if err := writeJUnitFile(report, junit); err != nil {
			return err
		}
	}
	switch {
	case a.jsonOutput:
		return report.WriteJSON(a.stdout)
	case junit == "-":
		return report.WriteJUnit(a.stdout)
	}
	rows := make([][]string, 0, len(report.Results))
	for _, r := range report.Results {
		rows = append(rows, []string{r.ID, r.Section, r.Status.String(), r.Reason})
	}
	if err := printTable(a.stdout, []string{"ID", "SECTION", "RESULT", "REASON"}, rows); err != nil {
		return err
	}
	passed, failed, skipped := report.Counts()
	_, err := fmt.Fprintf(a.stdout, "%d passed, %d failed, %d skipped\n", passed, failed, skipped)
	return err
}

func writeJUnitFile(report *conformance.Report, path string) error {
	var b strings.Builder
	if err := report.WriteJUnit(&b); err != nil {
		return err
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("writing --junit file: %w", err)
	}
	return nil
}
