package daemon

import (
	"reflect"

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

// noteMeasurements records the measurements section that the sources
// started with, the first time it is called, and afterwards logs a
// warning when a reloaded definition changes that section, once per
// change: the sources read it only at start.
func (d *Daemon) noteMeasurements(def *netdef.Definition) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.measurements == nil {
		m := def.Measurements
		d.measurements, d.measurementsSeen = &m, &m
		return
	}
	if reflect.DeepEqual(*d.measurementsSeen, def.Measurements) {
		return
	}
	m := def.Measurements
	d.measurementsSeen = &m
	if reflect.DeepEqual(*d.measurements, m) {
		d.logger.Info("the measurements section is again the one altod started with", "file", def.File)
		return
	}
	d.logger.Warn("the measurements section changed, but altod reads it only at start: restart altod to apply", "file", def.File)
}
