package conformance

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Status is the result of one check.
type Status int

// Statuses of a check.
const (
	// Pass means the server followed the rule in every request.
	Pass Status = iota + 1
	// Fail means a request broke the rule, and the reason names it.
	Fail
	// Skip means the rule could not be exercised, because the server
	// does not advertise the feature or did not change when asked to.
	Skip
)

var statusNames = map[Status]string{Pass: "pass", Fail: "fail", Skip: "skip"}

// String returns "pass", "fail" or "skip".
func (s Status) String() string {
	if name, ok := statusNames[s]; ok {
		return name
	}
	return fmt.Sprintf("status(%d)", int(s))
}

// MarshalText encodes the status as its name.
func (s Status) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// UnmarshalText decodes a status name.
func (s *Status) UnmarshalText(b []byte) error {
	for st, name := range statusNames {
		if name == string(b) {
			*s = st
			return nil
		}
	}
	return fmt.Errorf("unknown check status %q", b)
}

// Feature is the part of ALTO that a check belongs to.
type Feature string

// Features. The filtered maps count under the rows of their full maps in
// the working group's implementation table (see Survey).
const (
	FeatureIRD                Feature = "IRD"  // information resource directory, RFC 7285, Section 9
	FeatureNetworkMap         Feature = "NM"   // network map, RFC 7285, Section 11.2.1
	FeatureFilteredNetworkMap Feature = "FNM"  // filtered network map, RFC 7285, Section 11.3.1
	FeatureCostMap            Feature = "CM"   // cost map, RFC 7285, Section 11.2.3
	FeatureFilteredCostMap    Feature = "FCM"  // filtered cost map, RFC 7285, Section 11.3.2
	FeatureEndpointProperty   Feature = "EPS"  // endpoint property service, RFC 7285, Section 11.4
	FeatureEndpointCost       Feature = "ECS"  // endpoint cost service, RFC 7285, Section 11.5
	FeatureUpdateStream       Feature = "SSE"  // update stream service, RFC 8895
	FeatureTIPS               Feature = "TIPS" // transport information publication service, RFC 9569
	FeatureHTTP               Feature = "HTTP" // HTTP versions
)

// outcome is the return value of a check function: a status and,
// unless the check passed, the reason.
type outcome struct {
	Status Status
	Reason string
}

// Check is one conformance rule.
type Check struct {
	// ID names the check, such as "fcm.unknown-pid": the feature in
	// lower case, a dot and the rule.
	ID string
	// Section is the RFC section that the check enforces, such as
	// "RFC 7285, Section 11.3.2.6".
	Section string
	Feature Feature
	// Title states the rule in one line.
	Title string
	run   func(ctx context.Context, s *session) outcome
}

// Result is the outcome of one check on one server.
type Result struct {
	ID      string  `json:"id"`
	Section string  `json:"section"`
	Feature Feature `json:"feature"`
	Title   string  `json:"title"`
	Status  Status  `json:"status"`
	Reason  string  `json:"reason,omitempty"`
	// Seconds is the time the check took.
	Seconds float64 `json:"seconds"`
}

// Config configures a run.
type Config struct {
	// URL is the URL of the server's root IRD.
	URL string
	// TLSConfig is the client TLS configuration for https URLs and for
	// HTTP/3; nil uses the system roots.
	TLSConfig *tls.Config
	// WrapTransport, when set, wraps the transport of every request,
	// for example to add credentials.
	WrapTransport func(http.RoundTripper) http.RoundTripper
	// RequestTimeout bounds each request; default DefaultRequestTimeout.
	RequestTimeout time.Duration
	// UpdateTimeout bounds the wait for an update after Trigger; default
	// DefaultUpdateTimeout.
	UpdateTimeout time.Duration
	// Trigger, when set, makes the server change a resource. The checks
	// of update stream and TIPS patches call it once each, and skip
	// without it.
	Trigger func(ctx context.Context) error
	// Only selects checks by ID or by ID prefix ending in a dot, such as
	// "fcm."; empty runs all.
	Only []string
}

// Defaults of Config.
const (
	DefaultRequestTimeout = 10 * time.Second
	DefaultUpdateTimeout  = 30 * time.Second
)

// Report is the result of a run.
type Report struct {
	// Server is the root IRD URL.
	Server  string   `json:"server"`
	Results []Result `json:"results"`
	// Extensions lists the columns of the implementation table whose
	// extensions the IRD advertises but that no check covers, such as
	// "MC" for multi-cost (see Survey).
	Extensions []string `json:"advertised-extensions,omitempty"`
	// Advertised lists the checked features that the IRD lists a
	// resource of.
	Advertised []Feature `json:"advertised-features,omitempty"`
}

// Counts returns the number of passed, failed and skipped checks.
func (r *Report) Counts() (passed, failed, skipped int) {
	for _, res := range r.Results {
		switch res.Status {
		case Pass:
			passed++
		case Fail:
			failed++
		case Skip:
			skipped++
		}
	}
	return passed, failed, skipped
}

// Result returns the result of the check with the given ID.
func (r *Report) Result(id string) (Result, bool) {
	for _, res := range r.Results {
		if res.ID == id {
			return res, true
		}
	}
	return Result{}, false
}

// Run runs the checks that cfg.Only selects against the server at
// cfg.URL, in the order of Checks. It returns an error only for an
// invalid configuration: a server that cannot be reached fails the
// directory checks and skips the others.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	checks, err := selectChecks(cfg.Only)
	if err != nil {
		return nil, err
	}
	s, err := newSession(cfg)
	if err != nil {
		return nil, err
	}
	defer s.close()
	s.dir = s.discover(ctx)
	report := &Report{Server: cfg.URL, Extensions: s.dir.extensions(), Advertised: s.dir.advertised()}
	for _, c := range checks {
		start := time.Now()
		out := runCheck(ctx, s, c)
		report.Results = append(report.Results, Result{
			ID: c.ID, Section: c.Section, Feature: c.Feature, Title: c.Title,
			Status: out.Status, Reason: out.Reason,
			Seconds: time.Since(start).Seconds(),
		})
	}
	return report, nil
}

// runCheck runs one check, turning a canceled run into a failure and
// a check without a reason into a clear one.
func runCheck(ctx context.Context, s *session, c Check) outcome {
	if err := ctx.Err(); err != nil {
		return failed("not run: %v", err)
	}
	if s.dir.root.err != nil && c.Feature != FeatureIRD && c.Feature != FeatureHTTP {
		return skipped("the root IRD could not be read")
	}
	out := c.run(ctx, s)
	if out.Status == 0 {
		return failed("check %s returned no status", c.ID)
	}
	return out
}

func selectChecks(only []string) ([]Check, error) {
	all := Checks()
	if len(only) == 0 {
		return all, nil
	}
	var out []Check
	for _, pattern := range only {
		n := 0
		for _, c := range all {
			if c.ID == pattern || strings.HasSuffix(pattern, ".") && strings.HasPrefix(c.ID, pattern) {
				out = append(out, c)
				n++
			}
		}
		if n == 0 {
			return nil, fmt.Errorf("no check matches %q: give a check ID such as fcm.unknown-pid or a prefix such as fcm.", pattern)
		}
	}
	return out, nil
}

// Checks returns every check in the order Run runs them. The checks
// that call Config.Trigger come last, so that the server changes only
// after all other checks ran.
func Checks() []Check {
	var all []Check
	for _, group := range [][]Check{
		irdChecks(), networkMapChecks(), filteredNetworkMapChecks(),
		costMapChecks(), filteredCostMapChecks(),
		endpointPropertyChecks(), endpointCostChecks(),
		updateStreamChecks(), tipsChecks(), versionChecks(),
		updateChecks(),
	} {
		all = append(all, group...)
	}
	return all
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

func passed() outcome { return outcome{Status: Pass} }

func skipped(format string, args ...any) outcome {
	return outcome{Status: Skip, Reason: fmt.Sprintf(format, args...)}
}

func failed(format string, args ...any) outcome {
	return outcome{Status: Fail, Reason: fmt.Sprintf(format, args...)}
}

// fail turns an error into a failed outcome, and a skipError into a
// skipped one.
func fail(err error) outcome {
	var skip skipError
	if errors.As(err, &skip) {
		return outcome{Status: Skip, Reason: skip.reason}
	}
	return outcome{Status: Fail, Reason: err.Error()}
}

// skipError is an error that makes a check skip rather than fail, for
// a precondition that the server does not meet, such as a feature it
// does not advertise.
type skipError struct{ reason string }

func (e skipError) Error() string { return e.reason }

func skipf(format string, args ...any) error {
	return skipError{reason: fmt.Sprintf(format, args...)}
}

// failure is a request that got a response other than the rule requires.
type failure struct {
	request, expected, got string
}

func (f *failure) Error() string {
	return fmt.Sprintf("%s: expected %s; got %s", f.request, f.expected, f.got)
}

// outcomeOf returns a passed outcome for a nil error and otherwise the
// failed or skipped outcome of the error.
func outcomeOf(err error) outcome {
	if err == nil {
		return passed()
	}
	return fail(err)
}
