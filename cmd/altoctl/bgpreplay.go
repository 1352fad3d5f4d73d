package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/goalto/goalto/internal/bgp"
	"github.com/goalto/goalto/internal/mrt"
)

// bgpReplayFlags are the options of altoctl bgp replay.
type bgpReplayFlags struct {
	speed    float64
	listen   string
	as       uint32
	routerID string
	peer     string
	peerAS   uint32
	exit     bool
}

func newBGPReplayCommand(a *app) *cobra.Command {
	f := &bgpReplayFlags{}
	cmd := &cobra.Command{
		Use:   "replay FILE",
		Short: "Replay a BGP4MP update file to altod's BGP speaker",
		Long: `Replay the updates of an MRT BGP4MP update file (plain, gzip or bzip2) to
altod's embedded BGP speaker, for demonstrations and benchmarks. altoctl
runs a BGP speaker of its own that listens on --listen, a loopback
address; configure it as a peer in altod's definition (address and port
of --listen, as: the --as given here, which should equal altod's
local-as so that AS paths and next hops pass unchanged).

The updates are sent --speed times faster than recorded (0: as fast as
possible). Without --peer or --peer-as, the updates of every collector
peer are merged and the best route of each prefix is sent: the shortest
AS path, then the lowest peer address. After the last update, altoctl
keeps the session, and so the routes, until it is interrupted, unless
--exit is given.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			a.started = true
			return a.replayBGP(cmd.Context(), args[0], f)
		},
	}
	fl := cmd.Flags()
	fl.Float64Var(&f.speed, "speed", 1, "how many times faster than recorded to send the updates; 0 sends them as fast as possible")
	fl.StringVar(&f.listen, "listen", "127.0.0.1:11179", "loopback `host:port` on which to wait for altod's speaker")
	fl.Uint32Var(&f.as, "as", 64512, "AS number of the replaying speaker")
	fl.StringVar(&f.routerID, "router-id", "127.0.0.2", "BGP identifier of the replaying speaker")
	fl.StringVar(&f.peer, "peer", "", "replay only the updates of the collector peer with this `address`")
	fl.Uint32Var(&f.peerAS, "peer-as", 0, "replay only the updates of collector peers of this AS")
	fl.BoolVar(&f.exit, "exit", false, "end the session after the last update instead of waiting for an interrupt")
	return cmd
}

func (a *app) replayBGP(ctx context.Context, file string, f *bgpReplayFlags) error {
	cfg := bgp.ReplayConfig{
		File: file, Speed: f.speed, Listen: f.listen, AS: f.as, RouterID: f.routerID,
		Selector: mrt.Selector{PeerAS: f.peerAS},
		Logger:   slog.New(slog.NewTextHandler(a.stderr, nil)),
	}
	if f.peer != "" {
		addr, err := netip.ParseAddr(f.peer)
		if err != nil {
			return usagef("invalid --peer %q: give an IP address", f.peer)
		}
		cfg.Selector.PeerAddr = addr
	}
	if f.speed < 0 {
		return usagef("invalid --speed %g: must not be negative", f.speed)
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()

	r, err := bgp.StartReplayer(cfg)
	if err != nil {
		return usageError{err}
	}
	defer r.Close()
	fmt.Fprintf(a.stderr, "waiting for altod's speaker to connect to %s\n", f.listen)
	if err := r.WaitEstablished(ctx); err != nil {
		return err
	}
	st, err := r.Run(ctx, nil)
	if err != nil {
		return fmt.Errorf("replaying %s: %w", file, err)
	}
	fmt.Fprintf(a.stdout, "replayed %d updates in %s: %d routes announced, %d withdrawn, %d skipped\n",
		st.Updates, st.Elapsed.Round(1e6), st.Announced, st.Withdrawn, st.Skipped)
	if !f.exit {
		fmt.Fprintln(a.stderr, "keeping the session; interrupt to end it")
		<-ctx.Done()
		return nil
	}
	// Ending the session drops the updates still queued in the speaker.
	return r.WaitSent(ctx)
}
