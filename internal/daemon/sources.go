package daemon

import (
	"log/slog"
	"net/http"
	"reflect"

	"github.com/goalto/goalto/internal/netdef"
	"github.com/goalto/goalto/internal/snapshot"
)

// Source is a running input of the daemon, such as the BGP sessions that
// feed the network map or the measurements behind estimated costs. The
// daemon adds its current values to every build and rebuilds when it
// reports a change.
type Source interface {
	// Contribute adds the source's current values to live. It is called
	// at the start of every build and must not block for long.
	Contribute(live *snapshot.Live)
	// Changed delivers a value whenever new values are ready, after the
	// source's own quiet period, if any. The daemon then rebuilds. A
	// source that never changes returns nil.
	Changed() <-chan struct{}
	// Close stops the source. The daemon calls it on shutdown.
	Close() error
}

// ManagementRouter is a Source that serves its state on the management
// listener, such as the BGP speaker's peer list. The keys are
// http.ServeMux patterns such as "GET /bgp/peers".
type ManagementRouter interface {
	ManagementRoutes() map[string]http.Handler
}

// SourceFactory starts the source that a definition configures, or
// returns nil and no error when the definition configures none. The
// daemon calls each factory once, with the first definition, so a
// change of a source's settings takes effect on restart.
type SourceFactory func(def *netdef.Definition, logger *slog.Logger) (Source, error)

// startSources calls the factories of the configuration.
func (d *Daemon) startSources(def *netdef.Definition) error {
	for _, f := range d.cfg.Sources {
		src, err := f(def, d.logger)
		if err != nil {
			return err // Start closes the sources started so far
		}
		if src != nil {
			d.sources = append(d.sources, src)
		}
	}
	return nil
}

func (d *Daemon) closeSources() {
	for _, s := range d.sources {
		if err := s.Close(); err != nil {
			d.logger.Warn("closing a source", "err", err)
		}
	}
}

// live collects the current values of every source.
func (d *Daemon) live() snapshot.Live {
	var l snapshot.Live
	for _, s := range d.sources {
		s.Contribute(&l)
	}
	return l
}

// followSources rebuilds whenever a source reports a change, until the
// server stops.
func (d *Daemon) followSources() {
	cases := []reflect.SelectCase{{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(d.Done())}}
	for _, s := range d.sources {
		if ch := s.Changed(); ch != nil {
			cases = append(cases, reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(ch)})
		}
	}
	if len(cases) == 1 {
		return
	}
	for {
		i, _, ok := reflect.Select(cases)
		if i == 0 {
			return
		}
		if !ok { // The source closed its channel, so follow the others.
			cases = append(cases[:i], cases[i+1:]...)
			if len(cases) == 1 {
				return
			}
			continue
		}
		d.logger.Info("source changed; rebuilding")
		d.Reload()
	}
}
