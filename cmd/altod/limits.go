package main

import (
	"flag"
	"fmt"

	"github.com/goalto/goalto/internal/daemon"
	"github.com/goalto/goalto/internal/server"
	"github.com/goalto/goalto/internal/sse"
	"github.com/goalto/goalto/internal/transport"
)

// limitFlags are the flags of the load limits and the logging policy;
// docs/security.md lists them with their defaults.
type limitFlags struct {
	logClientAddresses bool
}

// addLimitFlags defines the load limit flags, which write to cfg.
func addLimitFlags(fs *flag.FlagSet, cfg *daemon.Config) *limitFlags {
	l := &cfg.Limits
	lf := &limitFlags{}
	fs.IntVar(&l.MaxJSONDepth, "max-json-depth", server.DefaultMaxJSONDepth, "deepest nesting of JSON arrays and objects in a request body")
	fs.IntVar(&l.MaxCostTypes, "max-cost-types", server.DefaultMaxCostTypes, "most cost types in the multi-cost-types or testable-cost-types of one request")
	fs.IntVar(&l.MaxConstraints, "max-constraints", server.DefaultMaxConstraints, "most cost constraints in one request")
	fs.DurationVar(&cfg.Transport.ReadHeaderTimeout, "read-header-timeout", transport.DefaultReadHeaderTimeout, "time allowed to read the headers of a request")
	fs.DurationVar(&l.BodyReadTimeout, "body-read-timeout", server.DefaultBodyReadTimeout, "time allowed to read the body of a request")
	fs.DurationVar(&l.WriteTimeout, "write-timeout", server.DefaultWriteTimeout, "time allowed to write a response, except update streams")
	fs.IntVar(&l.MaxInFlight, "max-in-flight", server.DefaultMaxInFlight(), "most requests served at once; the excess gets 503 at once (negative disables)")
	fs.Float64Var(&l.MaxRunnablePerCPU, "max-runnable-per-cpu", server.DefaultMaxRunnablePerCPU, "goroutines per CPU waiting to run above which new requests get 503 at once (negative disables)")
	fs.Float64Var(&l.RatePerClient, "rate-per-client", server.DefaultRatePerClient, "sustained requests per second of one client IP address; the excess gets 429 (negative disables)")
	fs.IntVar(&l.RateBurst, "rate-burst", server.DefaultRateBurst, "requests that one client IP address may send at once above its rate")
	fs.BoolVar(&l.RateLimitLoopback, "rate-limit-loopback", false, "apply --rate-per-client to clients on loopback addresses too")
	fs.IntVar(&cfg.Transport.MaxConns, "max-conns", transport.DefaultMaxConns, "maximum number of connections open at once, TCP and QUIC counted together (negative disables)")
	fs.IntVar(&cfg.Transport.MaxConnsPerIP, "max-conns-per-ip", transport.DefaultMaxConnsPerIP, "maximum number of connections open at once from one client IP address, TCP and QUIC counted together (negative disables)")
	fs.IntVar(&cfg.Transport.MaxStreamsPerConn, "max-streams-per-conn", transport.DefaultMaxStreamsPerConn, "maximum number of requests open at once on one HTTP/2 or HTTP/3 connection")
	fs.BoolVar(&lf.logClientAddresses, "log-client-addresses", false, "write client IP addresses in log lines (RFC 7285, Section 15.4 advises against it)")
	return lf
}

// apply checks the limit flags and sets the logging policy.
func (lf *limitFlags) apply(cfg *daemon.Config, sseCfg *sse.Config) error {
	l := cfg.Limits
	if l.MaxJSONDepth <= 0 || l.MaxCostTypes <= 0 || l.MaxConstraints <= 0 || l.RateBurst <= 0 || cfg.Transport.MaxStreamsPerConn <= 0 {
		return fmt.Errorf("--max-json-depth, --max-cost-types, --max-constraints, --rate-burst and --max-streams-per-conn must be positive")
	}
	if l.BodyReadTimeout <= 0 || l.WriteTimeout <= 0 || cfg.Transport.ReadHeaderTimeout <= 0 {
		return fmt.Errorf("--read-header-timeout, --body-read-timeout and --write-timeout must be positive")
	}
	if l.MaxInFlight == 0 || l.MaxRunnablePerCPU == 0 || l.RatePerClient == 0 || cfg.Transport.MaxConns == 0 || cfg.Transport.MaxConnsPerIP == 0 {
		return fmt.Errorf("--max-in-flight, --max-runnable-per-cpu, --rate-per-client, --max-conns and --max-conns-per-ip must not be 0; a negative value disables the limit")
	}
	cfg.Transport.LogClientAddresses = lf.logClientAddresses
	sseCfg.LogClientAddresses = lf.logClientAddresses
	return nil
}
