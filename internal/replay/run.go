package replay

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/goalto/goalto/internal/topology"
)

// Options configures Run.
type Options struct {
	// Topology is the topology file to rewrite, in goalto's YAML or JSON
	// topology form (".yaml", ".yml" or ".json"). Each step replaces it
	// with the whole topology in the form that MarshalTopology (or, for
	// ".json", MarshalTopologyJSON) writes.
	Topology string
	// Interval is the time between the starts of two steps, the first
	// step being applied at once. Zero applies the steps without waiting.
	Interval time.Duration
	// Realtime applies each step at its At time from the start, in place
	// of Interval. Every step must then have At.
	Realtime bool
	// Before, when set, is called before each step in place of waiting,
	// with the step number counted from 1 and the number of steps, for
	// stepping by hand. An error stops the replay, and io.EOF stops it
	// without an error.
	Before func(ctx context.Context, step, total int) error
	// MaxSteps, when positive, limits the replay to the first MaxSteps
	// steps of the log.
	MaxSteps int
	// SignalPID, when positive, is the process that receives SIGHUP after
	// each write, so that an altod with that PID reloads at once.
	SignalPID int
	// DryRun writes the diff of each step to Out in place of writing the
	// topology file, and does not wait between steps.
	DryRun bool
	// Out receives one line per step and, under DryRun, the diffs. A nil
	// Out discards them.
	Out io.Writer
}

// Summary reports what Run did.
type Summary struct {
	Steps   int           // steps written (under DryRun: shown)
	Total   int           // steps to apply: those of the log, at most MaxSteps
	Changes int           // changes in the steps written
	Signals int           // SIGHUP signals sent
	Elapsed time.Duration // from the start of the first step to the end of the last
}

// Run replays steps onto the topology file opts.Topology. Before it
// writes anything it reads the topology and applies every step in
// memory, so a change log that does not fit the topology fails without
// touching the file. It then applies the steps one by one, paced by
// opts, replacing the file atomically (WriteFileAtomic) after each step.
// Each step prints one line to opts.Out: its number, the time since the
// start and its changes.
//
// Run stops when the steps run out, when opts.Before returns an error, or
// when ctx is done, so the topology file always holds the result of a
// whole number of steps. The Summary is valid on error too.
func Run(ctx context.Context, steps []Step, opts Options) (Summary, error) {
	if opts.MaxSteps > 0 && len(steps) > opts.MaxSteps {
		steps = steps[:opts.MaxSteps]
	}
	sum := Summary{Total: len(steps)}
	if err := checkOptions(steps, opts); err != nil {
		return sum, err
	}
	orig, err := loadTopology(opts.Topology)
	if err != nil {
		return sum, err
	}
	g := orig
	for i, s := range steps {
		if g, err = ApplyStep(g, s); err != nil {
			return sum, fmt.Errorf("step %d does not apply to %s: %w", i+1, opts.Topology, err)
		}
	}
	var proc *os.Process
	if opts.SignalPID > 0 && !opts.DryRun {
		if proc, err = findProcess(opts.SignalPID); err != nil {
			return sum, err
		}
	}
	r := &runner{opts: opts, proc: proc, out: opts.Out, sum: &sum}
	if r.out == nil {
		r.out = io.Discard
	}
	err = r.run(ctx, orig, steps)
	return sum, err
}

func checkOptions(steps []Step, opts Options) error {
	switch {
	case opts.Interval < 0:
		return fmt.Errorf("interval %s is negative", opts.Interval)
	case opts.MaxSteps < 0:
		return fmt.Errorf("max steps %d is negative", opts.MaxSteps)
	case opts.SignalPID < 0:
		return fmt.Errorf("PID %d is negative", opts.SignalPID)
	case len(steps) == 0:
		return errors.New("no steps to apply")
	}
	switch strings.ToLower(filepath.Ext(opts.Topology)) {
	case ".yaml", ".yml", ".json":
	default:
		return fmt.Errorf("topology %s: want a .yaml, .yml or .json file in goalto's topology form, which replay rewrites; convert GraphML to that form first", opts.Topology)
	}
	if opts.Realtime {
		for i, s := range steps {
			if !s.HasAt {
				return &Error{Pos: s.Pos, Reason: fmt.Sprintf("step %d has no at, which real-time pacing needs on every step", i+1)}
			}
		}
	}
	return nil
}

func loadTopology(path string) (*topology.Graph, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return topology.ParseYAML(data, path)
}

// findProcess returns the process with the PID after checking, with
// signal 0, that it exists and may be signalled.
func findProcess(pid int) (*os.Process, error) {
	proc, err := os.FindProcess(pid)
	if err == nil {
		err = proc.Signal(syscall.Signal(0))
	}
	if err != nil {
		return nil, fmt.Errorf("cannot signal PID %d: %w", pid, err)
	}
	return proc, nil
}

// runner holds the state of one replay.
type runner struct {
	opts  Options
	proc  *os.Process
	out   io.Writer
	sum   *Summary
	start time.Time
	prev  []byte // the topology file as last written (under DryRun: as it would be)
}

func (r *runner) run(ctx context.Context, g *topology.Graph, steps []Step) error {
	var err error
	if r.prev, err = marshalFor(r.opts.Topology, g); err != nil {
		return err
	}
	r.start = time.Now()
	defer func() { r.sum.Elapsed = time.Since(r.start) }()
	for i, s := range steps {
		if err := r.wait(ctx, i, s); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("replay stopped after %d of %d steps: %w", r.sum.Steps, r.sum.Total, err)
		}
		if g, err = ApplyStep(g, s); err != nil {
			return fmt.Errorf("step %d does not apply to %s: %w", i+1, r.opts.Topology, err)
		}
		if err := r.write(i, s, g); err != nil {
			return err
		}
	}
	return nil
}

// wait blocks until step i is due: after opts.Before returns, or at its
// time under interval or real-time pacing. Under DryRun it returns at
// once.
func (r *runner) wait(ctx context.Context, i int, s Step) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if r.opts.Before != nil {
		return r.opts.Before(ctx, i+1, r.sum.Total)
	}
	if r.opts.DryRun {
		return nil
	}
	d := time.Until(r.start.Add(r.plannedOffset(i, s)))
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// plannedOffset is the time from the start at which step i is due.
func (r *runner) plannedOffset(i int, s Step) time.Duration {
	if r.opts.Realtime {
		return s.At
	}
	return time.Duration(i) * r.opts.Interval
}

// write replaces the topology file with g (under DryRun: prints the diff)
// and prints the step's line.
func (r *runner) write(i int, s Step, g *topology.Graph) error {
	data, err := marshalFor(r.opts.Topology, g)
	if err != nil {
		return err
	}
	offset := time.Since(r.start)
	if r.opts.DryRun {
		offset = r.plannedOffset(i, s)
	} else {
		if err := WriteFileAtomic(r.opts.Topology, data); err != nil {
			return err
		}
		if err := r.signal(); err != nil {
			return err
		}
	}
	r.sum.Steps++
	r.sum.Changes += len(s.Changes)
	fmt.Fprintf(r.out, "step %d/%d t=%.3fs: %s\n", i+1, r.sum.Total, offset.Seconds(), describeChanges(s.Changes))
	if r.opts.DryRun {
		name := r.opts.Topology
		io.WriteString(r.out, Diff(fmt.Sprintf("%s (step %d)", name, i), fmt.Sprintf("%s (step %d)", name, i+1), r.prev, data))
	}
	r.prev = data
	return nil
}

func (r *runner) signal() error {
	if r.proc == nil {
		return nil
	}
	if err := r.proc.Signal(syscall.SIGHUP); err != nil {
		return fmt.Errorf("send SIGHUP to PID %d: %w", r.opts.SignalPID, err)
	}
	r.sum.Signals++
	return nil
}

func describeChanges(changes []Change) string {
	parts := make([]string, len(changes))
	for i, c := range changes {
		parts[i] = c.String()
	}
	return strings.Join(parts, "; ")
}
