// Package soak holds the soak test of altod: a bounded mix of every
// service, update streams (RFC 8895), TIPS views (RFC 9569) and reloads
// of the network definition, run against an in-process server on
// 127.0.0.1 for a set duration. The test then closes its clients and
// checks that the server's goroutines and heap return to their baseline
// and that every response during the run was correct.
//
// The run lasts 10 seconds by default. GOALTO_SOAK_DURATION sets
// another duration in time.ParseDuration form, for example
//
//	GOALTO_SOAK_DURATION=10m go test -run Soak -timeout 15m ./internal/soak
//
// docs/testing.md describes what is checked and the tolerances.
//
// The package also holds the benchmarks of the endpoint cost service
// with TLS and client authentication, under overload, and of rejecting
// requests over a limit (docs/benchmarks.md).
package soak
