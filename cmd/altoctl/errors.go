package main

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/spf13/cobra"

	"github.com/goalto/goalto/alto"
	"github.com/goalto/goalto/client"
)

// Exit statuses.
const (
	exitFailure = 1 // the request failed or the server rejected it
	exitUsage   = 2 // the command line is invalid
)

// usageError is an invalid command line: an unknown flag, a missing or
// malformed flag value.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// usagef returns a usageError with a formatted message.
func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// silentExit ends a command with an exit status after it has printed
// its result, such as lint with error findings; nothing more is printed.
type silentExit struct{ code int }

func (e silentExit) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// report prints err on stderr and returns the exit status for it.
func (a *app) report(cmd *cobra.Command, err error) int {
	var exit silentExit
	if errors.As(err, &exit) {
		return exit.code
	}
	var usage usageError
	if !a.started || errors.As(err, &usage) {
		fmt.Fprintf(a.stderr, "altoctl: %s\nRun '%s --help' for usage.\n", a.redact(err.Error()), cmd.CommandPath())
		return exitUsage
	}
	fmt.Fprintf(a.stderr, "altoctl: %s\n", a.redact(a.describe(err)))
	return exitFailure
}

// urlPattern matches a URL in a message up to white space, a quote or
// an angle bracket, so that a password containing "/" or "@" stays in
// the match.
var urlPattern = regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.-]*://[^\s"'<>]*`)

// redactURLs removes the user information from every URL in a message,
// such as a command-line argument that cobra quotes in an error.
func redactURLs(message string) string {
	return urlPattern.ReplaceAllStringFunc(message, client.RedactURL)
}

// minRedactedLength is the length of the shortest secret that redact
// replaces.
const minRedactedLength = 4

// redact removes the user information from the URLs in a message and
// replaces the passwords and tokens of this run. altoctl removes them
// from URLs before it sends a request, but a URL that it never parsed,
// such as an extra argument, reaches an error message as given.
func (a *app) redact(message string) string {
	message = redactURLs(message)
	for _, secret := range a.secrets {
		// A secret shorter than minRedactedLength would also replace
		// parts of ordinary words.
		if len(secret) >= minRedactedLength {
			message = strings.ReplaceAll(message, secret, "xxxxx")
		}
	}
	return message
}

// describe returns the message for a failed request.
func (a *app) describe(err error) string {
	var altoErr *alto.Error
	var urlErr *url.Error
	var unreachable *unreachableError
	var mapUnreachable *mapUnreachableError
	var httpErr *client.HTTPError
	switch {
	case errors.As(err, &unreachable):
		return err.Error()
	case tlsHint(err) != "":
		return fmt.Sprintf("%s: %v", tlsHint(err), err)
	case errors.As(err, &httpErr) && httpErr.StatusCode == http.StatusUnauthorized:
		return fmt.Sprintf("%s: %v", a.unauthorizedHint(httpErr), err)
	case errors.As(err, &httpErr) && httpErr.StatusCode == http.StatusForbidden:
		return fmt.Sprintf("access denied: the server's access rules do not let this client read the resource: %v", err)
	case errors.As(err, &altoErr):
		return "server rejected the request: " + formatALTOError(altoErr)
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Sprintf("no response within %s (raise --timeout): %v", a.timeout, err)
	case errors.Is(err, context.Canceled):
		return fmt.Sprintf("interrupted: %v", err)
	case errors.As(err, &mapUnreachable):
		return err.Error()
	case errors.As(err, &urlErr) && urlErr.Op != "parse":
		return fmt.Sprintf("cannot reach the ALTO server (check --server): %v", err)
	case errors.Is(err, client.ErrNotFound):
		return fmt.Sprintf("%v (run 'altoctl ird' to list the resources)", err)
	default:
		return err.Error()
	}
}

// tlsHint returns what to do about a failed TLS handshake, or "" for
// another error.
func tlsHint(err error) string {
	var unknownCA x509.UnknownAuthorityError
	if errors.As(err, &unknownCA) {
		return "cannot verify the server's certificate: give the CA that signed it with --ca-file"
	}
	// crypto/tls reports an alert from the server as a *net.OpError
	// with Op "remote error" and an unexported error type.
	var opErr *net.OpError
	if !errors.As(err, &opErr) || opErr.Op != "remote error" {
		return ""
	}
	// NOTE: TLS 1.2 has no certificate_required alert, and servers send
	// other alerts for a missing certificate, which get no hint.
	if opErr.Err.Error() == "tls: certificate required" { // TLS 1.3 (RFC 8446, Section 6.2)
		return "the server requires a TLS client certificate from a CA that it trusts: give --cert-file and --key-file"
	}
	return ""
}

// unauthorizedHint returns what to do about a 401 response, which
// depends on the credentials that were sent and on the challenges of
// the response.
func (a *app) unauthorizedHint(httpErr *client.HTTPError) string {
	if a.access == nil || a.access.method == "" {
		return "the server requires authentication: give --user with --password-file or $" + passwordEnv + ", --bearer-token-file, or --cert-file and --key-file"
	}
	if a.access.method == authBearer {
		return "the server rejected the bearer token"
	}
	if a.access.method == authDigest && !hasDigestChallenge(httpErr.Challenges) {
		// altod sends Digest challenges only over HTTPS, unless
		// configured otherwise, and only when it has Digest clients.
		return "the server sent no Digest challenge, so --auth digest cannot authenticate (altod offers Digest over HTTPS only, and only when it has Digest clients): use another --auth method or ask the server's operator"
	}
	return fmt.Sprintf("the server rejected the %s credentials of user %q: check the user name and the password", a.access.method, a.access.user)
}

// hasDigestChallenge reports whether one of the WWW-Authenticate values
// is a Digest challenge. The auth-scheme is case-insensitive (RFC 9110,
// Section 11.1).
func hasDigestChallenge(challenges []string) bool {
	for _, c := range challenges {
		scheme, _, _ := strings.Cut(strings.TrimSpace(c), " ")
		if strings.EqualFold(scheme, "Digest") {
			return true
		}
	}
	return false
}

// formatALTOError formats an ALTO error response (RFC 7285, Section 8.5)
// with its code, field, value, message and HTTP status.
func formatALTOError(e *alto.Error) string {
	// An unknown code is kept at the start of Message, so only a known
	// code is printed on its own.
	s := ""
	if e.Code != 0 {
		s = e.Code.String()
	}
	if e.Field != "" {
		s += fmt.Sprintf(" field %q", e.Field)
	}
	if e.Value != "" {
		s += fmt.Sprintf(" value %q", e.Value)
	}
	for _, detail := range []string{e.SyntaxError, e.Message} {
		if detail == "" {
			continue
		}
		if s != "" {
			s += ": "
		}
		s += detail
	}
	return s + fmt.Sprintf(" (HTTP %d)", e.HTTPStatus())
}
