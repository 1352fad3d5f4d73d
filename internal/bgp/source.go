package bgp

import (
	"log/slog"

	"github.com/goalto/goalto/internal/daemon"
	"github.com/goalto/goalto/internal/netdef"
)

// Factory returns the daemon source factory of the speaker: it starts a
// speaker when the definition has a bgp section, and nothing otherwise.
func Factory(opts Options) daemon.SourceFactory {
	return func(def *netdef.Definition, logger *slog.Logger) (daemon.Source, error) {
		if !def.BGP.Enabled() {
			return nil, nil
		}
		s, err := Start(def.BGP, logger, opts)
		if err != nil {
			return nil, def.FieldError("bgp", err)
		}
		return s, nil
	}
}
