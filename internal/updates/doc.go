// Package updates keeps, per information resource, the history of its
// versions and the patches between consecutive versions: the updates
// graph that TIPS views serve (RFC 9569, Section 3) and the incremental
// changes that update streams send (RFC 8895, Section 5.2). It does no
// HTTP: the servers of those protocols read from it.
//
// An [Engine] holds one [Graph] per resource ID. Each reload publishes
// the bodies of a snapshot's GET resources (see [FromSnapshot]). A body
// that differs from the latest version of its resource becomes a new
// version, numbered one above the last, together with the patch from
// the previous version. [Diff] chooses the patch: a JSON merge patch
// (RFC 7396), which RFC 8895, Section 9.1 prefers for cost maps, when it
// is exact, else a JSON patch (RFC 6902). A merge patch is not exact when
// the new document sets a member to null, since null in a merge patch
// deletes the member. When the patch would be no smaller than the new
// body, the edge carries the full body instead.
//
// # Limits
//
// Each graph keeps at most [Limits].MaxVersions versions and at most
// MaxBytes of bodies and patches, dropping the oldest versions first, so
// start-seq only rises (the "right shift" invariant of RFC 9569,
// Section 3.2). A version costs the size of its patch, and the full body
// only for the oldest version, which the feasibility invariant needs,
// and for the latest MaxSnapshots versions. The defaults and the
// reasons for them:
//
//   - MaxVersions 64: at one reload a minute this is about an hour of
//     history. A client further behind gets ErrGone (410) and starts
//     again from a snapshot, which costs one full body, so a longer
//     history saves little.
//   - MaxSnapshots 4: a full cost map of n PIDs has n² entries of
//     roughly 9 to 25 bytes each in JSON, depending on the length of the
//     PID names. The 300-PID map of BenchmarkDiffCostMap, whose PID
//     names have up to three digits, is 774 kB, and a map of 2000 PIDs
//     (the largest full cost map the default network definition serves)
//     is an estimated 36 to 100 MB. Keeping a few recent bodies allows
//     shortcut patches between recent versions at a bounded cost.
//   - MaxBytes 256 MiB per graph: room for the oldest and the latest
//     body of a 2000-PID cost map plus the patches between them. The
//     bound is per resource, so a server with five such resources may
//     keep five times as much.
//   - MaxShortcuts 16: each computed shortcut costs a diff of two full
//     bodies, so a few are cached for clients that ask for the same one.
//
// A body is kept by reference: callers must not modify a body after
// publishing it, nor the bodies of the items a graph returns.
package updates
