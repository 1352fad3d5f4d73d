// Package defaultnet embeds the network that altod serves when started
// without a definition file: the LHCONE research network overlay, as
// transcribed by the OpenALTO network simulator project (MIT licence, see
// LICENSE-LHCOne-MIT.txt and SOURCE.md in this folder). Its 62 networks
// carry their AS numbers and real site prefixes; each network with
// prefixes becomes a PID, and costs follow shortest paths over the
// AS-level links, each link counting 1.
package defaultnet

import (
	"embed"

	"github.com/goalto/goalto/internal/netdef"
)

//go:embed definition.yaml LHCOne-final.yaml
var files embed.FS

// Definition returns the built-in network definition. Its file paths
// resolve inside the embedded files.
func Definition() (*netdef.Definition, error) {
	data, err := files.ReadFile("definition.yaml")
	if err != nil {
		return nil, err
	}
	def, err := netdef.Parse(data, "definition.yaml")
	if err != nil {
		return nil, err
	}
	def.FS = files
	return def, nil
}
