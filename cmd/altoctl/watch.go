package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/client"
)

// Values of the watch flags.
const (
	viaAuto = "auto"
	viaSSE  = "sse"
	viaTIPS = "tips"

	printEvents = "events"
	printState  = "state"
	printDiff   = "diff"
)

// vtagShown is how many characters of a vtag a text line shows.
const vtagShown = 12

// watchOptions are the flags of the watch command.
type watchOptions struct {
	via   string
	print string
	count int
}

func newWatchCommand(a *app) *cobra.Command {
	var opts watchOptions
	cmd := &cobra.Command{
		Use:   "watch RESOURCE...",
		Short: "Follow network maps and cost maps and print each update",
		Long: `Follow network maps and cost maps by resource ID, over an update stream
(RFC 8895) or TIPS (RFC 9569), and print one line per update: time,
resource, update number, TIPS version, kind (full, merge-patch or
json-patch) and size. The client keeps a copy of each resource, applies
every patch to it and checks the result. When the copy looks wrong, or
the client fell behind the versions the server keeps, it fetches the
resource again and prints the update with "resync:" and the reason.

Without --count, watch runs until interrupted, or for --timeout when that
flag is set. With --count N it stops after N updates, the first states
included, and fails when --timeout ends it earlier.`,
		Example: `  altoctl watch lhcone-network-map
  altoctl watch --via tips --print diff --count 5 routingcost-map
  altoctl watch --json --count 3 --timeout 2m lhcone-network-map routingcost-map`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			a.started = true
			return a.watch(cmd, args, opts)
		},
	}
	flags := cmd.Flags()
	flags.StringVar(&opts.via, "via", viaAuto, "protocol: sse (update stream), tips, or auto, which prefers an update stream")
	flags.StringVar(&opts.print, "print", printEvents, "what to print for each update: events (one line), diff (the line and what changed) or state (the line and the whole resource)")
	flags.IntVar(&opts.count, "count", 0, "stop after this many updates; 0 runs until interrupted or --timeout")
	return cmd
}

// watch checks the flags, follows the resources and prints the updates.
func (a *app) watch(cmd *cobra.Command, ids []string, opts watchOptions) error {
	via, err := parseVia(opts.via)
	if err != nil {
		return err
	}
	if !slices.Contains([]string{printEvents, printState, printDiff}, opts.print) {
		return usagef("invalid --print %q: want %s, %s or %s", opts.print, printEvents, printDiff, printState)
	}
	if opts.count < 0 {
		return usagef("invalid --count %d: must be 0 or more", opts.count)
	}
	if a.timeout <= 0 {
		return usagef("invalid --timeout %s: must be positive", a.timeout)
	}
	c, err := a.newClient()
	if err != nil {
		return err
	}

	ctx := cmd.Context()
	timed := cmd.Flags().Changed("timeout")
	if timed {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, a.timeout)
		defer cancel()
	}
	w := &watcher{app: a, opts: opts, mediaTypes: map[string]string{}, last: map[string][]byte{}}
	for _, id := range ids {
		r, err := c.Resource(ctx, id)
		if err != nil {
			return err
		}
		w.mediaTypes[id] = r.MediaType
	}
	f, err := c.Follow(ctx, via, ids, client.WithWarningFunc(w.warn))
	if err != nil {
		return err
	}
	defer f.Close()
	return w.print(ctx, f, timed)
}

func parseVia(s string) (client.Via, error) {
	switch s {
	case viaAuto:
		return client.ViaAuto, nil
	case viaSSE:
		return client.ViaSSE, nil
	case viaTIPS:
		return client.ViaTIPS, nil
	}
	return "", usagef("invalid --via %q: want %s, %s or %s", s, viaSSE, viaTIPS, viaAuto)
}

// watcher prints the updates of one watch command.
type watcher struct {
	app        *app
	opts       watchOptions
	mediaTypes map[string]string // by resource ID
	last       map[string][]byte // the state before the next update, by resource ID
}

// warn prints a follower's warning on stderr.
func (w *watcher) warn(_, message string) {
	fmt.Fprintf(w.app.stderr, "altoctl: warning: %s\n", message)
}

// print prints updates until --count, the end of the context or the
// end of the follower. The end of the context is a failure only when
// --count updates have not arrived.
func (w *watcher) print(ctx context.Context, f *client.Follower, timed bool) error {
	n := 0
	for w.opts.count == 0 || n < w.opts.count {
		select {
		case u, ok := <-f.Updates():
			if !ok {
				if err := f.Err(); err != nil {
					return err
				}
				return fmt.Errorf("the follower stopped after %d updates: nothing left to follow", n)
			}
			n++
			if err := w.printUpdate(u); err != nil {
				return err
			}
		case <-ctx.Done():
			return w.ended(ctx, n, timed)
		}
	}
	return nil
}

// ended returns the result of a watch whose context ended after n
// updates.
func (w *watcher) ended(ctx context.Context, n int, timed bool) error {
	err := context.Cause(ctx)
	switch {
	case w.opts.count == 0 && (errors.Is(err, context.Canceled) || timed && errors.Is(err, context.DeadlineExceeded)):
		return nil
	case w.opts.count > 0 && timed && errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("received %d of %d updates within --timeout %s (raise --timeout or lower --count)", n, w.opts.count, w.app.timeout)
	case w.opts.count > 0:
		return fmt.Errorf("received %d of %d updates: %w", n, w.opts.count, err)
	}
	return err
}

// watchLine is the JSON form of an update, one object per line.
type watchLine struct {
	Time     string          `json:"time"`
	Resource string          `json:"resource"`
	Seq      uint64          `json:"seq"`
	TIPSSeq  uint64          `json:"tips-seq,omitempty"`
	Vtag     string          `json:"vtag,omitempty"`
	Kind     string          `json:"kind"`
	Size     int             `json:"size"`
	Resync   bool            `json:"resync"`
	Reason   string          `json:"reason,omitempty"`
	Changes  *changes        `json:"changes,omitempty"`
	State    json.RawMessage `json:"state,omitempty"`
}

// printUpdate prints one update as --json and --print ask.
func (w *watcher) printUpdate(u client.Update) error {
	before := w.last[u.ResourceID]
	w.last[u.ResourceID] = u.State
	var ch *changes
	if w.opts.print == printDiff {
		var err error
		if ch, err = diffStates(w.mediaTypes[u.ResourceID], before, u.State); err != nil {
			return fmt.Errorf("%s: %w", u.ResourceID, err)
		}
	}
	if w.app.jsonOutput {
		return w.printJSONLine(u, ch)
	}
	fmt.Fprintln(w.app.stdout, updateLine(u))
	switch {
	case ch != nil:
		for _, line := range ch.lines() {
			fmt.Fprintln(w.app.stdout, "  "+line)
		}
	case w.opts.print == printState:
		return printJSON(w.app.stdout, u.State)
	}
	return nil
}

func (w *watcher) printJSONLine(u client.Update, ch *changes) error {
	line := watchLine{
		Time:     u.Time.UTC().Format(time.RFC3339Nano),
		Resource: u.ResourceID,
		Seq:      u.Seq,
		TIPSSeq:  u.TIPSSeq,
		Vtag:     u.Vtag,
		Kind:     string(u.Kind),
		Size:     u.Size,
		Resync:   u.Resync,
		Reason:   u.Reason,
		Changes:  ch,
	}
	if w.opts.print == printState {
		line.State = u.State
	}
	data, err := json.Marshal(line)
	if err != nil {
		return fmt.Errorf("encode update: %w", err)
	}
	_, err = fmt.Fprintf(w.app.stdout, "%s\n", data)
	return err
}

// updateLine formats an update as one line of fields separated by two
// spaces.
func updateLine(u client.Update) string {
	fields := []string{u.Time.Format("15:04:05.000"), u.ResourceID, fmt.Sprintf("#%d", u.Seq)}
	if u.TIPSSeq != 0 {
		fields = append(fields, fmt.Sprintf("tips-seq=%d", u.TIPSSeq))
	}
	fields = append(fields, string(u.Kind), fmt.Sprintf("%d bytes", u.Size))
	if u.Vtag != "" {
		fields = append(fields, "vtag="+shorten(u.Vtag, vtagShown))
	}
	if u.Resync {
		fields = append(fields, "resync: "+u.Reason)
	}
	return strings.Join(fields, "  ")
}

func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// changes summarises what an update changed in a network map or a cost
// map.
type changes struct {
	// Initial is set for the first state, which has nothing to compare
	// with; Entries then counts its PIDs or its costs.
	Initial bool `json:"initial,omitempty"`
	Entries int  `json:"entries,omitempty"`

	PIDsAdded   []string    `json:"pids-added,omitempty"`
	PIDsRemoved []string    `json:"pids-removed,omitempty"`
	PIDsChanged []pidChange `json:"pids-changed,omitempty"`
	Costs       []costDiff  `json:"costs,omitempty"`
	// Vtag is the new vtag of a network map, when it changed.
	Vtag string `json:"vtag,omitempty"`
	// DependentVtags is the new "dependent-vtags" of a cost map, when
	// it changed.
	DependentVtags []alto.VersionTag `json:"dependent-vtags,omitempty"`

	// Generic is set for the diff of another JSON media type, which
	// lists the JSON pointers of the values added, removed and changed.
	Generic bool     `json:"generic,omitempty"`
	Added   []string `json:"added,omitempty"`
	Removed []string `json:"removed,omitempty"`
	Changed []string `json:"changed,omitempty"`
	// Undecoded is set for a state that is not one JSON document, such
	// as a multipart path vector response, so it is not compared.
	Undecoded bool `json:"undecoded,omitempty"`
}

// pidChange is a PID whose prefixes changed. Prefixes are written as
// "<address type>:<prefix>".
type pidChange struct {
	PID     string   `json:"pid"`
	Added   []string `json:"added,omitempty"`
	Removed []string `json:"removed,omitempty"`
}

// costDiff is a cost that an update added, removed or changed; Old is
// nil for an added cost and New for a removed one.
type costDiff struct {
	Src string   `json:"src"`
	Dst string   `json:"dst"`
	Old *float64 `json:"old"`
	New *float64 `json:"new"`
}

// diffStates compares two states of a network map or a cost map by
// PIDs and costs, and those of other JSON media types by JSON pointers.
// A multipart state is not compared.
func diffStates(mediaType string, before, after []byte) (*changes, error) {
	switch {
	case mediaType == alto.MediaTypeNetworkMap:
		return diffDocuments(before, after, diffNetworkMaps)
	case mediaType == alto.MediaTypeCostMap:
		return diffDocuments(before, after, diffCostMaps)
	case strings.HasPrefix(mediaType, "multipart/"):
		return &changes{Initial: before == nil, Undecoded: true}, nil
	}
	return diffJSON(before, after)
}

// diffDocuments decodes both states and compares them; a nil before is
// the first state.
func diffDocuments[T any](before, after []byte, diff func(old, new *T) *changes) (*changes, error) {
	var newDoc T
	if err := json.Unmarshal(after, &newDoc); err != nil {
		return nil, fmt.Errorf("decode state: %w", err)
	}
	if before == nil {
		return diff(nil, &newDoc), nil
	}
	var oldDoc T
	if err := json.Unmarshal(before, &oldDoc); err != nil {
		return nil, fmt.Errorf("decode previous state: %w", err)
	}
	return diff(&oldDoc, &newDoc), nil
}

// diffNetworkMaps lists the PIDs added and removed, and the prefixes
// of each changed PID.
func diffNetworkMaps(old, new *alto.NetworkMap) *changes {
	if old == nil {
		return &changes{Initial: true, Entries: len(new.NetworkMap)}
	}
	ch := &changes{}
	for _, pid := range sortedKeys(new.NetworkMap) {
		oldGroup, ok := old.NetworkMap[pid]
		if !ok {
			ch.PIDsAdded = append(ch.PIDsAdded, pid)
			continue
		}
		added, removed := diffLists(prefixList(oldGroup), prefixList(new.NetworkMap[pid]))
		if len(added)+len(removed) > 0 {
			ch.PIDsChanged = append(ch.PIDsChanged, pidChange{PID: pid, Added: added, Removed: removed})
		}
	}
	for _, pid := range sortedKeys(old.NetworkMap) {
		if _, ok := new.NetworkMap[pid]; !ok {
			ch.PIDsRemoved = append(ch.PIDsRemoved, pid)
		}
	}
	if tag := vtagOf(new.Meta); tag != vtagOf(old.Meta) {
		ch.Vtag = tag
	}
	return ch
}

func vtagOf(m alto.ResponseMeta) string {
	if m.VTag == nil {
		return ""
	}
	return m.VTag.Tag
}

// prefixList returns the prefixes of a PID as "<address type>:<prefix>",
// sorted.
func prefixList(group alto.EndpointAddrGroup) []string {
	var out []string
	for addrType, prefixes := range group {
		for _, p := range prefixes {
			out = append(out, addrType+":"+p.String())
		}
	}
	slices.SortFunc(out, comparePrefixText)
	return out
}

// comparePrefixText orders "<address type>:<prefix>" texts by address
// type, then by prefix.
func comparePrefixText(a, b string) int {
	at, ap, _ := strings.Cut(a, ":")
	bt, bp, _ := strings.Cut(b, ":")
	if c := strings.Compare(at, bt); c != 0 {
		return c
	}
	pa, errA := netip.ParsePrefix(ap)
	pb, errB := netip.ParsePrefix(bp)
	if errA != nil || errB != nil {
		return strings.Compare(ap, bp)
	}
	return pa.Compare(pb)
}

// diffLists returns the elements of the list new that old lacks,
// and those of old that new lacks.
func diffLists(old, new []string) (added, removed []string) {
	for _, s := range new {
		if !slices.Contains(old, s) {
			added = append(added, s)
		}
	}
	for _, s := range old {
		if !slices.Contains(new, s) {
			removed = append(removed, s)
		}
	}
	return added, removed
}

// diffCostMaps lists every cost that was added, removed or changed.
func diffCostMaps(old, new *alto.CostMap) *changes {
	if old == nil {
		n := 0
		for _, row := range new.CostMap {
			n += len(row)
		}
		return &changes{Initial: true, Entries: n}
	}
	ch := &changes{}
	for _, src := range sortedKeys(new.CostMap) {
		for _, dst := range sortedKeys(new.CostMap[src]) {
			cost := new.CostMap[src][dst]
			was, ok := old.CostMap[src][dst]
			switch {
			case !ok:
				ch.Costs = append(ch.Costs, costDiff{Src: src, Dst: dst, New: &cost})
			case was != cost:
				ch.Costs = append(ch.Costs, costDiff{Src: src, Dst: dst, Old: &was, New: &cost})
			}
		}
	}
	for _, src := range sortedKeys(old.CostMap) {
		for _, dst := range sortedKeys(old.CostMap[src]) {
			if _, ok := new.CostMap[src][dst]; !ok {
				was := old.CostMap[src][dst]
				ch.Costs = append(ch.Costs, costDiff{Src: src, Dst: dst, Old: &was})
			}
		}
	}
	slices.SortStableFunc(ch.Costs, func(a, b costDiff) int {
		if c := strings.Compare(a.Src, b.Src); c != 0 {
			return c
		}
		return strings.Compare(a.Dst, b.Dst)
	})
	if !slices.Equal(old.Meta.DependentVTags, new.Meta.DependentVTags) {
		ch.DependentVtags = new.Meta.DependentVTags
	}
	return ch
}

// lines returns the text form of the changes, one change per line.
func (ch *changes) lines() []string {
	switch {
	case ch.Undecoded:
		return []string{"not compared: the state is not one JSON document"}
	case ch.Initial:
		return []string{fmt.Sprintf("first state: %d entries", ch.Entries)}
	case ch.Generic:
		return ch.genericLines()
	}
	var out []string
	for _, pid := range ch.PIDsAdded {
		out = append(out, "PID added: "+pid)
	}
	for _, pid := range ch.PIDsRemoved {
		out = append(out, "PID removed: "+pid)
	}
	for _, p := range ch.PIDsChanged {
		parts := make([]string, 0, len(p.Added)+len(p.Removed))
		for _, s := range p.Added {
			parts = append(parts, "+"+s)
		}
		for _, s := range p.Removed {
			parts = append(parts, "-"+s)
		}
		out = append(out, fmt.Sprintf("PID changed: %s %s", p.PID, strings.Join(parts, " ")))
	}
	for _, c := range ch.Costs {
		out = append(out, c.text())
	}
	if ch.Vtag != "" {
		out = append(out, "vtag: "+shorten(ch.Vtag, vtagShown))
	}
	for _, vt := range ch.DependentVtags {
		out = append(out, fmt.Sprintf("depends on: %s vtag %s", vt.ResourceID, shorten(vt.Tag, vtagShown)))
	}
	if len(out) == 0 {
		out = append(out, "no change in the PIDs or costs")
	}
	return out
}

func (c costDiff) text() string {
	switch {
	case c.Old == nil:
		return fmt.Sprintf("%s -> %s: added %s", c.Src, c.Dst, formatCost(*c.New))
	case c.New == nil:
		return fmt.Sprintf("%s -> %s: removed (was %s)", c.Src, c.Dst, formatCost(*c.Old))
	}
	return fmt.Sprintf("%s -> %s: %s -> %s", c.Src, c.Dst, formatCost(*c.Old), formatCost(*c.New))
}
