// Package replay applies a recorded sequence of network changes, a change
// log, to a topology file in goalto's YAML form, so that a running altod
// rebuilds its maps from each intermediate topology and emits incremental
// updates without a live network.
//
// A change log is a list of steps, and each step is a list of changes
// ([SetMetric], [LinkDown], [LinkUp], [AddPrefix], [RemovePrefix]) and an
// optional time offset. [Load] and [Parse] read a change log written as a
// YAML document or as JSON lines, and [Encode] writes one. [ApplyStep]
// applies a step to a [topology.Graph], [Run] replays a log onto a file at a
// chosen pace, [Generate] writes a random but valid log for a topology, and
// [AssignPrefixes] gives every node of a converted graph its own prefix.
// docs/replay.md describes the format and the altoctl commands.
//
// Invalid input is reported as an *[Error] that names the file, the line
// and the field, formatted like the errors of package topology.
package replay
