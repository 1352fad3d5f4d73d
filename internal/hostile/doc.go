// Package hostile holds the hostile-client tests of altod: malformed
// and oversized requests, request smuggling attempts, header floods,
// slow clients and many idle connections, each sent over real TCP or
// QUIC to a server on 127.0.0.1, which must end each one with the
// expected status and keep answering normal requests. The package has
// no code besides its tests.
package hostile
