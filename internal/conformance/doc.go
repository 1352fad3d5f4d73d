// Package conformance checks whether an ALTO server follows RFC 7285 and
// its extensions for incremental updates, RFC 8895 (update streams) and
// RFC 9569 (TIPS), and which HTTP versions it speaks.
//
// Run reads the server's information resource directory (IRD), with its
// secondary directories, and exercises every advertised resource with
// valid and invalid requests. Each Check enforces one rule of one RFC
// section and returns pass, fail with the request, the expected and the
// received response, or skip when the server does not advertise the
// feature. The Report lists the results and encodes them as JSON or as
// JUnit XML, and Survey condenses them into the server's row of the
// ALTO working group's implementation table.
//
// The checks only send requests: they never change the server. A server
// changes its maps only when Config.Trigger makes it, so that the
// patches of update streams and TIPS views can be checked.
package conformance
