package main

import (
	"flag"
	"fmt"
	"time"

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
	fs.DurationVar(&cfg.Transport.ReadHeaderTimeout, "read-header-timeout", transport.DefaultReadHeaderTimeout, "time allowed to read the headers of an HTTP/1.1 request")
	fs.DurationVar(&l.BodyReadTimeout, "body-read-timeout", server.DefaultBodyReadTimeout, "time allowed to read the body of a request")
	fs.DurationVar(&l.WriteTimeout, "write-timeout", server.DefaultWriteTimeout, "time allowed to write a response, except update streams")
	fs.IntVar(&l.MaxInFlight, "max-in-flight", server.DefaultMaxInFlight(), "maximum number of POST requests computed at once, each from the end of its body to its computed response; the excess gets 503 at once (negative disables)")
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
func (lf *limitFlags) apply(fs *flag.FlagSet, cfg *daemon.Config, sseCfg *sse.Config) error {
	if err := checkPositive(fs, "max-json-depth", "max-cost-types", "max-constraints", "rate-burst", "max-streams-per-conn",
		"read-header-timeout", "body-read-timeout", "write-timeout"); err != nil {
		return err
	}
	if err := checkNotZero(fs, "max-in-flight", "max-runnable-per-cpu", "rate-per-client", "max-conns", "max-conns-per-ip"); err != nil {
		return err
	}
	if v := cfg.Limits.MaxRunnablePerCPU; v > 0 && v < server.MinRunnablePerCPU {
		return fmt.Errorf("--max-runnable-per-cpu %g: must be at least %d, because a CPU with time to spare often has a goroutine waiting; use a negative value to disable the limit", v, server.MinRunnablePerCPU)
	}
	cfg.Transport.LogClientAddresses = lf.logClientAddresses
	sseCfg.LogClientAddresses = lf.logClientAddresses
	return nil
}

// checkPositive returns an error naming the first of the numeric flags
// whose value is 0 or negative, such as "--max-pids 0: must be positive".
func checkPositive(fs *flag.FlagSet, names ...string) error {
	for _, name := range names {
		if flagNumber(fs, name) <= 0 {
			return fmt.Errorf("--%s %s: must be positive", name, fs.Lookup(name).Value)
		}
	}
	return nil
}

// checkNotZero returns an error naming the first of the numeric flags
// whose value is 0, for limits that a negative value disables.
func checkNotZero(fs *flag.FlagSet, names ...string) error {
	for _, name := range names {
		if flagNumber(fs, name) == 0 {
			return fmt.Errorf("--%s %s: must not be 0; use a negative value to disable the limit", name, fs.Lookup(name).Value)
		}
	}
	return nil
}

// flagNumber returns the value of a numeric flag defined on fs. It
// panics for an unknown or non-numeric flag, which is a programming
// error.
func flagNumber(fs *flag.FlagSet, name string) float64 {
	switch v := fs.Lookup(name).Value.(flag.Getter).Get().(type) {
	case int:
		return float64(v)
	case int64:
		return float64(v)
	case uint:
		return float64(v)
	case uint64:
		return float64(v)
	case float64:
		return v
	case time.Duration:
		return float64(v)
	}
	panic("altod: flag --" + name + " is not numeric")
}
