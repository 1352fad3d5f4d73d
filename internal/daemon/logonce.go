package daemon

import (
	"maps"
	"reflect"
	"slices"

	"github.com/goalto/goalto/internal/netdef"
)

// logNewWarnings logs each warning of a publication that the previous
// publication did not have. A warning that stays is logged once, and
// again only after it went away and came back, so that rebuilds every
// few seconds do not repeat it.
func (d *Daemon) logNewWarnings(warnings []string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	current := make(map[string]bool, len(warnings))
	for _, w := range warnings {
		current[w] = true
		if !d.warned[w] {
			d.logger.Warn(w)
		}
	}
	d.warned = current
}

// startOnlySection is a definition section that the sources read only
// at start: the value they started with and the newest one read.
type startOnlySection struct {
	started, seen any
}

// startOnlySections returns the sections of def that the sources read
// only at start, by name: the measurements (Prometheus queries), bgp
// (the speaker, its peers and rules) and bgp-ls.
func startOnlySections(def *netdef.Definition) map[string]any {
	return map[string]any{
		"measurements": def.Measurements,
		"bgp":          def.BGP,
		"bgp-ls":       def.BGPLS,
	}
}

// noteStartOnly records the start-only sections that the sources
// started with, the first time it is called, and afterwards logs a
// warning when a reloaded definition changes one of them, once per
// change, since altod applies them only at start.
func (d *Daemon) noteStartOnly(def *netdef.Definition) {
	d.mu.Lock()
	defer d.mu.Unlock()
	sections := startOnlySections(def)
	if d.startOnly == nil {
		d.startOnly = make(map[string]*startOnlySection, len(sections))
		for name, v := range sections {
			d.startOnly[name] = &startOnlySection{started: v, seen: v}
		}
		return
	}
	for _, name := range slices.Sorted(maps.Keys(sections)) {
		d.noteSection(name, sections[name], def.File)
	}
}

// noteSection compares one start-only section with the value seen last
// and logs what changed.
func (d *Daemon) noteSection(name string, v any, file string) {
	s := d.startOnly[name]
	if reflect.DeepEqual(s.seen, v) {
		return
	}
	s.seen = v
	if reflect.DeepEqual(s.started, v) {
		d.logger.Info("the "+name+" section is again the one altod started with", "file", file)
		return
	}
	d.logger.Warn("the "+name+" section changed, but altod reads it only at start: restart altod to apply", "file", file)
}
