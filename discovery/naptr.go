package discovery

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/miekg/dns"
)

// Service parameters of ALTO server discovery (RFC 7286, Section 3.2):
// the "ALTO" application service tag with the "https" or "http"
// application protocol tag.
const (
	ServiceHTTPS = "ALTO:https"
	ServiceHTTP  = "ALTO:http"
)

// altoServiceTag is the U-NAPTR application service tag registered for
// ALTO (RFC 7286, Section 5).
const altoServiceTag = "alto"

// serviceParam is a parsed U-NAPTR service parameter: an application
// service tag and its application protocol tags, lower case.
type serviceParam struct {
	tag       string
	protocols []string
}

// parseServiceParam splits a service field such as "ALTO:https" or
// "ALTO:http:https" (RFC 4848 service-parms: a service tag followed by
// protocol tags, each after a colon). Tags compare case-insensitively.
func parseServiceParam(s string) serviceParam {
	parts := strings.Split(strings.ToLower(s), ":")
	return serviceParam{tag: parts[0], protocols: parts[1:]}
}

// matchService returns the protocol tags that a record's service field
// shares with the requested parameters, and whether it matches at all.
// A requested parameter without protocol tags matches any protocol.
func matchService(field string, wanted []serviceParam) ([]string, bool) {
	rec := parseServiceParam(field)
	var shared []string
	matched := false
	for _, w := range wanted {
		if w.tag != rec.tag {
			continue
		}
		if len(w.protocols) == 0 {
			return rec.protocols, true
		}
		for _, p := range rec.protocols {
			if contains(w.protocols, p) && !contains(shared, p) {
				shared = append(shared, p)
				matched = true
			}
		}
	}
	return shared, matched
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// parseRegexp returns the URI that a U-NAPTR regexp field such as
// "!.*!https://alto.example.net/directory!" substitutes for the
// application-unique string.
//
// The field is a substitution expression (RFC 3402, Section 3.2): a
// delimiter, a POSIX extended regular expression, the delimiter, the
// replacement, the delimiter and an optional "i" flag. The delimiter is
// any character but a digit, "i" or a backslash, and a backslash escapes
// the delimiter or itself. U-NAPTR (RFC 4848) restricts the expression to
// one that replaces the whole string with a fixed URI, so the regular
// expression must be ".*" (or "^.*$") and the replacement must not hold a
// back-reference.
func parseRegexp(field string) (string, error) {
	if field == "" {
		return "", fmt.Errorf("empty, but a terminal record needs a URI there")
	}
	delim := rune(field[0])
	if delim == '\\' || delim == 'i' || (delim >= '0' && delim <= '9') || delim >= 0x80 {
		return "", fmt.Errorf("%q cannot be the delimiter", delim)
	}
	parts, err := splitSubstitution(field[1:], delim)
	if err != nil {
		return "", err
	}
	ere, repl, flags := parts[0], parts[1], parts[2]
	if flags != "" && flags != "i" {
		return "", fmt.Errorf("unknown flags %q after the last delimiter", flags)
	}
	switch ere {
	case ".*", "^.*$", "^.*", ".*$":
	default:
		return "", fmt.Errorf("regular expression %q does not replace the whole string: U-NAPTR allows only \".*\"", ere)
	}
	return unescapeReplacement(repl, delim)
}

// splitSubstitution splits s, the substitution expression after its
// first delimiter, at the two remaining unescaped delimiters.
func splitSubstitution(s string, delim rune) ([3]string, error) {
	var parts [3]string
	start, n := 0, 0
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\':
			i++ // the escaped character is part of the expression
		case rune(s[i]) == delim && n < 2:
			parts[n] = s[start:i]
			start = i + 1
			n++
		}
	}
	if n < 2 {
		return parts, fmt.Errorf("want 3 delimiters %q, found %d", delim, n+1)
	}
	parts[2] = s[start:]
	return parts, nil
}

// unescapeReplacement removes the backslashes before an escaped
// delimiter or backslash, and rejects back-references such as \1.
func unescapeReplacement(repl string, delim rune) (string, error) {
	var b strings.Builder
	for i := 0; i < len(repl); i++ {
		c := repl[i]
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		if i+1 == len(repl) {
			return "", fmt.Errorf("replacement ends in a backslash")
		}
		i++
		next := repl[i]
		if next >= '0' && next <= '9' {
			return "", fmt.Errorf("replacement contains the back-reference \\%c, but U-NAPTR allows only a fixed URI", next)
		}
		if rune(next) != delim && next != '\\' {
			return "", fmt.Errorf("replacement escapes %q, which is neither the delimiter nor a backslash", next)
		}
		b.WriteByte(next)
	}
	return b.String(), nil
}

// parseURI rejects a URI that is not absolute or has no host, and
// returns its scheme in lower case.
func parseURI(uri string) (string, error) {
	u, err := url.Parse(uri)
	if err != nil {
		return "", fmt.Errorf("URI %q: %w", uri, err)
	}
	if !u.IsAbs() || u.Host == "" {
		return "", fmt.Errorf("URI %q is not absolute with a host", uri)
	}
	if strings.ContainsAny(uri, " \t\r\n") {
		return "", fmt.Errorf("URI %q contains white space", uri)
	}
	return strings.ToLower(u.Scheme), nil
}

// terminalURI checks a terminal NAPTR record and returns its URI, or ""
// when the URI does not use a requested protocol. The regexp and
// replacement fields exclude each other (RFC 3403, Section 4.1), so a
// terminal record has the root "." as its replacement. For the ALTO
// service, the URI scheme is the protocol tag: "http" or "https", the
// only two that RFC 7286 defines. So the scheme must be one of the
// record's tags, and the URI is used only when it is a requested one.
func terminalURI(rr *dns.NAPTR, requested []string) (string, error) {
	if rr.Replacement != "." && rr.Replacement != "" {
		return "", recordError(rr, "replacement", fmt.Sprintf("%q set together with a regexp; a terminal record needs \".\"", rr.Replacement))
	}
	uri, err := parseRegexp(rr.Regexp)
	if err != nil {
		return "", recordError(rr, "regexp", err.Error())
	}
	scheme, err := parseURI(uri)
	if err != nil {
		return "", recordError(rr, "regexp", err.Error())
	}
	service := parseServiceParam(rr.Service)
	if service.tag != altoServiceTag {
		return uri, nil
	}
	if !contains(service.protocols, scheme) {
		return "", recordError(rr, "regexp", fmt.Sprintf("URI %q: scheme %s does not match the service %s", uri, scheme, rr.Service))
	}
	if !contains(requested, scheme) {
		return "", nil
	}
	return uri, nil
}

// nextName checks a non-terminal NAPTR record (empty flags) and returns
// the name in its replacement field, where the lookup goes on.
func nextName(rr *dns.NAPTR) (string, error) {
	if rr.Regexp != "" {
		return "", recordError(rr, "regexp", fmt.Sprintf("%q set in a non-terminal record, which uses its replacement field", rr.Regexp))
	}
	if rr.Replacement == "." || rr.Replacement == "" {
		return "", recordError(rr, "replacement", "empty in a non-terminal record")
	}
	return dns.Fqdn(strings.ToLower(rr.Replacement)), nil
}

func recordError(rr *dns.NAPTR, field, reason string) *RecordError {
	return &RecordError{Record: strings.Join(strings.Fields(rr.String()), " "), Field: field, Reason: reason}
}
