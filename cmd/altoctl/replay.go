package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math"
	"net/netip"
	"os"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/goalto/goalto/internal/replay"
	"github.com/goalto/goalto/internal/topology"
)

// replayFlags holds the flags of altoctl replay.
type replayFlags struct {
	topology, changes string
	rate              float64
	interval          time.Duration
	realtime, manual  bool
	dryRun            bool
	steps, signalPID  int
}

func newReplayCommand(a *app) *cobra.Command {
	var f replayFlags
	cmd := &cobra.Command{
		Use:   "replay",
		Short: "Apply a change log to a topology file, step by step",
		Long: `Apply a change log to a topology file in goalto's YAML or JSON form, one step
at a time, so that an altod serving that topology rebuilds its maps and sends
incremental updates. Before writing anything, replay applies every step in
memory and stops at the first change that does not fit the topology. Each step
then replaces the file atomically (a temporary file renamed over it), so altod
never reads a partly written file, and prints one line. The file is rewritten
in a normalized form without comments: replay a copy. The change log format is
described in docs/replay.md.

Steps are applied at --rate steps per second unless --interval, --realtime or
--manual sets the pace. altod notices a changed file at its next
--reload-interval check; with --signal it reloads at once. The global flags
--server, --json and --timeout do not apply.`,
		Example: `  altoctl replay --topology abilene.yaml --changes changes.yaml --rate 1 --signal "$(pidof altod)"
  altoctl replay --topology abilene.yaml --changes changes.jsonl --interval 500ms --steps 20
  altoctl replay --topology abilene.yaml --changes changes.yaml --dry-run`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a.started = true
			return runReplay(cmd, a, &f)
		},
	}
	flags := cmd.Flags()
	flags.StringVar(&f.topology, "topology", "", "topology file to rewrite (.yaml, .yml or .json in goalto's topology form)")
	flags.StringVar(&f.changes, "changes", "", "change log file: YAML, or JSON lines when it ends in .jsonl or .ndjson")
	flags.Float64Var(&f.rate, "rate", 1, "steps per second")
	flags.DurationVar(&f.interval, "interval", 0, "time between two steps, such as 500ms; 0 applies the steps without waiting")
	flags.BoolVar(&f.realtime, "realtime", false, "apply each step at its at time, in seconds from the start")
	flags.BoolVar(&f.manual, "manual", false, "wait for a line on standard input (Enter) before each step; end of input stops")
	flags.IntVar(&f.steps, "steps", 0, "apply at most this many steps (default: all)")
	flags.IntVar(&f.signalPID, "signal", 0, "send SIGHUP to this process ID (altod) after each write")
	flags.BoolVar(&f.dryRun, "dry-run", false, "print the diff of the topology file for each step without writing it or waiting")
	cmd.MarkFlagRequired("topology")
	cmd.MarkFlagRequired("changes")
	cmd.MarkFlagsMutuallyExclusive("rate", "interval", "realtime", "manual")
	cmd.AddCommand(newReplayGenerateCommand(a), newReplayConvertCommand(a))
	return cmd
}

func runReplay(cmd *cobra.Command, a *app, f *replayFlags) error {
	opts, err := f.options(cmd)
	if err != nil {
		return err
	}
	steps, err := replay.Load(f.changes)
	if err != nil {
		return err
	}
	sum, err := replay.Run(cmd.Context(), steps, opts)
	if err == nil || sum.Steps > 0 {
		printReplaySummary(a.stdout, f, sum)
	}
	return err
}

// options checks the flags and turns them into replay options.
func (f *replayFlags) options(cmd *cobra.Command) (replay.Options, error) {
	opts := replay.Options{
		Topology:  f.topology,
		MaxSteps:  f.steps,
		SignalPID: f.signalPID,
		DryRun:    f.dryRun,
		Out:       cmd.OutOrStdout(),
	}
	switch {
	case f.steps < 0:
		return opts, usagef("invalid --steps %d: must be 0 (all) or more", f.steps)
	case f.signalPID < 0:
		return opts, usagef("invalid --signal %d: want a process ID", f.signalPID)
	case f.manual:
		opts.Before = lineStepper(cmd.InOrStdin(), cmd.ErrOrStderr())
	case f.realtime:
		opts.Realtime = true
	case cmd.Flags().Changed("interval"):
		if f.interval < 0 {
			return opts, usagef("invalid --interval %s: must not be negative", f.interval)
		}
		opts.Interval = f.interval
	default:
		if !(f.rate > 0) || math.IsInf(f.rate, 0) {
			return opts, usagef("invalid --rate %v: want a positive number of steps per second", f.rate)
		}
		opts.Interval = time.Duration(float64(time.Second) / f.rate)
	}
	return opts, nil
}

// lineStepper returns a replay.Options.Before function that prompts on
// prompt and waits for a line on in. The end of in stops the replay.
func lineStepper(in io.Reader, prompt io.Writer) func(context.Context, int, int) error {
	r := bufio.NewReader(in)
	return func(ctx context.Context, step, total int) error {
		fmt.Fprintf(prompt, "press Enter to apply step %d/%d\n", step, total)
		line := make(chan error, 1)
		go func() {
			_, err := r.ReadString('\n')
			line <- err
		}()
		select {
		case err := <-line:
			return err
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

func printReplaySummary(w io.Writer, f *replayFlags, sum replay.Summary) {
	if f.dryRun {
		fmt.Fprintf(w, "dry run: %d of %d steps (%d changes) shown; %s not changed\n", sum.Steps, sum.Total, sum.Changes, f.topology)
		return
	}
	fmt.Fprintf(w, "applied %d of %d steps (%d changes) to %s in %.3fs", sum.Steps, sum.Total, sum.Changes, f.topology, sum.Elapsed.Seconds())
	if f.signalPID > 0 {
		fmt.Fprintf(w, "; sent SIGHUP to PID %d %d times", f.signalPID, sum.Signals)
	}
	fmt.Fprintln(w)
}

func newReplayGenerateCommand(a *app) *cobra.Command {
	var topologyFile, format string
	opts := replay.GenerateOptions{
		MaxMetric:    replay.DefaultMaxMetric,
		LinkDown:     replay.DefaultLinkDown,
		MaxDownSteps: replay.DefaultMaxDownSteps,
		Seed:         1,
	}
	cmd := &cobra.Command{
		Use:   "generate",
		Short: "Write a random change log for a topology",
		Long: `Write a random but valid change log for a topology to standard output, for
demos and benchmarks. Each step changes the metric of one link or takes one
link down; a link taken down comes back up with its attributes a few steps
later, and at the latest in the last step. A link is taken down only if the
graph stays as connected as it was. The same topology, flags and --seed give
the same log.`,
		Example: `  altoctl replay generate --topology abilene.yaml --steps 100 --seed 7 > changes.yaml`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a.started = true
			f, err := replay.ParseFormat(format)
			if err != nil {
				return usageError{err}
			}
			g, err := topology.Load(topologyFile)
			if err != nil {
				return err
			}
			steps, err := replay.Generate(g, opts)
			if err != nil {
				return fmt.Errorf("%s: %w", topologyFile, err)
			}
			if f == replay.FormatYAML {
				fmt.Fprintf(a.stdout, "# altoctl replay generate --topology %s --steps %d --seed %d --max-metric %d --link-down %v\n",
					topologyFile, opts.Steps, opts.Seed, opts.MaxMetric, opts.LinkDown)
			}
			return replay.Encode(a.stdout, steps, f)
		},
	}
	flags := cmd.Flags()
	flags.StringVar(&topologyFile, "topology", "", "topology file: GraphML, or goalto's YAML or JSON form")
	flags.IntVar(&opts.Steps, "steps", 0, "number of steps")
	flags.Var((*decimalUint64)(&opts.Seed), "seed", "seed of the random choices, a decimal number (default 1)")
	flags.IntVar(&opts.MaxMetric, "max-metric", opts.MaxMetric, "largest metric that set-metric sets (metrics are whole numbers from 1)")
	flags.Float64Var(&opts.LinkDown, "link-down", opts.LinkDown, "probability, from 0 to 1, that a step takes a link down rather than changing a metric")
	flags.StringVar(&format, "format", "yaml", "output format: yaml or jsonl")
	cmd.MarkFlagRequired("topology")
	cmd.MarkFlagRequired("steps")
	return cmd
}

func newReplayConvertCommand(a *app) *cobra.Command {
	var graphml, prefixes string
	var prefixLength int
	cmd := &cobra.Command{
		Use:   "convert",
		Short: "Write a GraphML topology in goalto's YAML form",
		Long: `Read a GraphML topology, such as one of the Internet Topology Zoo, and write it
to standard output in goalto's YAML topology form, which replay can rewrite.
With --prefixes, each node gets its own subnet of that range, in node order,
so that the network definition's node rule makes one PID per node.`,
		Example: `  altoctl replay convert --graphml Abilene.graphml --prefixes 10.0.0.0/8 > abilene.yaml`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a.started = true
			return runConvert(a, graphml, prefixes, prefixLength)
		},
	}
	flags := cmd.Flags()
	flags.StringVar(&graphml, "graphml", "", "GraphML file to convert")
	flags.StringVar(&prefixes, "prefixes", "", "address range to give each node a subnet of, such as 10.0.0.0/8")
	flags.IntVar(&prefixLength, "prefix-length", 0, "length of each node's subnet (default 24 for IPv4, 48 for IPv6)")
	cmd.MarkFlagRequired("graphml")
	return cmd
}

func runConvert(a *app, graphml, prefixes string, prefixLength int) error {
	var base netip.Prefix
	if prefixes != "" {
		var err error
		if base, err = netip.ParsePrefix(prefixes); err != nil {
			return usagef("invalid --prefixes %q: want a prefix such as 10.0.0.0/8", prefixes)
		}
		if prefixLength == 0 {
			prefixLength = 24
			if base.Addr().Is6() {
				prefixLength = 48
			}
		}
		if prefixLength < base.Bits() || prefixLength > base.Addr().BitLen() {
			return usagef("invalid --prefix-length %d: want %d to %d for subnets of %s", prefixLength, base.Bits(), base.Addr().BitLen(), base)
		}
	} else if prefixLength != 0 {
		return usagef("--prefix-length needs --prefixes")
	}
	file, err := os.Open(graphml)
	if err != nil {
		return err
	}
	defer file.Close()
	g, err := topology.ParseGraphML(file, graphml)
	if err != nil {
		return err
	}
	if prefixes != "" {
		if err := replay.AssignPrefixes(g, base, prefixLength); err != nil {
			return usagef("invalid --prefixes: %v", err)
		}
	}
	data, err := replay.MarshalTopology(g)
	if err != nil {
		return err
	}
	_, err = a.stdout.Write(data)
	return err
}

// decimalUint64 is a flag value parsed as a decimal number, so that a
// seed such as 034939877 (from date +%N) is not read as octal, as
// pflag's Uint64Var would.
type decimalUint64 uint64

func (d *decimalUint64) String() string { return strconv.FormatUint(uint64(*d), 10) }

func (d *decimalUint64) Set(s string) error {
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return fmt.Errorf("invalid decimal number %q", s)
	}
	*d = decimalUint64(v)
	return nil
}

func (d *decimalUint64) Type() string { return "uint" }
